package parts

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// PlanLeadDays is how many days after today a planned purchase is expected to arrive.
const PlanLeadDays = 7

// PlanColumns are the workbook columns of the purchase plan, in order.
var PlanColumns = []string{"编码", "名称", "规格型号", "单位", "库存", "再订货点", "建议采购数量", "单价", "金额", "预计到货日期"}

// PlanLine is one part to buy on the purchase plan (采购计划).
type PlanLine struct {
	PartID       int64  `db:"id"`
	Code         string `db:"code"`
	Name         string `db:"name"`
	Spec         string `db:"spec"`
	UOM          string `db:"uom"`
	UnitPrice    string `db:"unit_price"`
	ReorderPoint int    `db:"reorder_point"`
	// OnHand is the stock in the warehouses of the actor's stations.
	OnHand int `db:"on_hand"`
	// Quantity is the suggested order: up to twice the reorder point, at least one.
	Quantity int `db:"-"`
	// Amount is Quantity × UnitPrice, as decimal text with two places.
	Amount string `db:"-"`
	// AmountFen is Amount in fen, for totals.
	AmountFen int64 `db:"-"`
	// ExpectedDate is the expected arrival day (midnight in the users' time zone).
	ExpectedDate time.Time `db:"-"`
}

// PurchasePlan lists the active parts whose stock in the warehouses of the actor's
// stations is at or under their reorder point, by code. Parts with reorder point 0 are
// not stocked and never planned. Forbidden for roles other than storekeeper and manager.
func (s *Service) PurchasePlan(ctx context.Context, actor auth.Actor, now time.Time) ([]PlanLine, error) {
	if !reads(actor) {
		return nil, forbidden("storekeeper,manager")
	}
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.code, p.name, p.spec, p.uom, p.unit_price::text AS unit_price, p.reorder_point,
			coalesce(st.on_hand, 0)::int AS on_hand
		FROM parts p
		LEFT JOIN (SELECT b.part_id, sum(b.quantity) AS on_hand
			FROM stock_balances b JOIN locations l ON l.id = b.location_id
			WHERE l.kind = 'warehouse' AND l.station_id = ANY($1)
			GROUP BY b.part_id) st ON st.part_id = p.id
		WHERE p.active AND p.reorder_point > 0 AND coalesce(st.on_hand, 0) <= p.reorder_point
		ORDER BY p.code`, actor.Stations)
	if err != nil {
		return nil, db.Translate(err, "purchase plan")
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[PlanLine])
	if err != nil {
		return nil, db.Translate(err, "purchase plan")
	}
	today := now.In(s.loc)
	expected := time.Date(today.Year(), today.Month(), today.Day()+PlanLeadDays, 0, 0, 0, 0, s.loc)
	for i := range lines {
		l := &lines[i]
		l.Quantity = max(l.ReorderPoint*2-l.OnHand, 1)
		fen, _ := ParseFen(l.UnitPrice)
		l.AmountFen = fen * int64(l.Quantity)
		l.Amount = formatFen(l.AmountFen)
		l.ExpectedDate = expected
	}
	return lines, nil
}

// PlanTotal is the amount of the whole plan, as decimal text with two places.
func PlanTotal(lines []PlanLine) string {
	var fen int64
	for _, l := range lines {
		fen += l.AmountFen
	}
	return formatFen(fen)
}

// PlanRows turns plan lines into workbook rows in PlanColumns order.
func PlanRows(lines []PlanLine) [][]any {
	out := make([][]any, len(lines))
	for i, l := range lines {
		out[i] = []any{l.Code, l.Name, l.Spec, l.UOM, l.OnHand, l.ReorderPoint, l.Quantity, Number(l.UnitPrice), Number(l.Amount), l.ExpectedDate.Format("2006-01-02")}
	}
	return out
}
