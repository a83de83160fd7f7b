package parts

import (
	"context"
	"strconv"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// StockRow is one part's stock at the actor's stations.
type StockRow struct {
	ID           int64  `db:"id"`
	Code         string `db:"code"`
	Name         string `db:"name"`
	Spec         string `db:"spec"`
	UOM          string `db:"uom"`
	ReorderPoint int    `db:"reorder_point"`
	Valuable     bool   `db:"valuable"`
	Wear         bool   `db:"wear"`
	Warehouse    int    `db:"warehouse"`
	Quarantine   int    `db:"quarantine"`
}

// Below reports whether the part is at or under its reorder point.
func (r StockRow) Below() bool { return r.ReorderPoint > 0 && r.Warehouse <= r.ReorderPoint }

// StockFilter narrows the stock overview; After is the last code of the previous page.
type StockFilter struct {
	Text  string
	Below bool
	After string
	Limit int
}

// StockPage is one page of the stock overview.
type StockPage struct {
	Rows []StockRow
	Next string
}

func canSeeStock(a auth.Actor) bool {
	return a.Is(auth.RoleStorekeeper, auth.RoleManager, auth.RoleSupervisor)
}

// Stock lists active parts with their warehouse and quarantine stock at the actor's
// stations, by code, keyset-paginated.
func (s *Service) Stock(ctx context.Context, actor auth.Actor, f StockFilter) (StockPage, error) {
	if !canSeeStock(actor) {
		return StockPage{}, forbidden("storekeeper,manager,supervisor")
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	args := []any{actor.Stations}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := "p.active"
	if t := customer.SearchTerm(f.Text); t != "" {
		pat := arg(customer.ContainsPattern(t))
		where += " AND (p.code ILIKE " + pat + " OR p.name ILIKE " + pat + " OR p.spec ILIKE " + pat + ")"
	}
	if f.After != "" {
		where += " AND p.code > " + arg(f.After)
	}
	having := ""
	if f.Below {
		having = " HAVING coalesce(sum(b.quantity) FILTER (WHERE l.kind = 'warehouse'), 0) <= p.reorder_point AND p.reorder_point > 0"
	}
	sql := `SELECT p.id, p.code, p.name, p.spec, p.uom, p.reorder_point, p.valuable, p.wear,
		coalesce(sum(b.quantity) FILTER (WHERE l.kind = 'warehouse'), 0)::int AS warehouse,
		coalesce(sum(b.quantity) FILTER (WHERE l.kind = 'quarantine'), 0)::int AS quarantine
		FROM parts p
		LEFT JOIN stock_balances b ON b.part_id = p.id AND b.location_id IN (SELECT id FROM locations WHERE station_id = ANY($1))
		LEFT JOIN locations l ON l.id = b.location_id
		WHERE ` + where + ` GROUP BY p.id` + having + ` ORDER BY p.code LIMIT ` + arg(limit+1)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return StockPage{}, db.Translate(err, "stock")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[StockRow])
	if err != nil {
		return StockPage{}, db.Translate(err, "stock")
	}
	p := StockPage{Rows: list}
	if len(list) > limit {
		p.Rows, p.Next = list[:limit], list[limit-1].Code
	}
	return p, nil
}

// LedgerRow is one movement as the part's ledger page shows it.
type LedgerRow struct {
	Movement
	LocationName string  `db:"location_name"`
	ActorName    string  `db:"actor_name"`
	OrderNumber  *string `db:"order_number"`
}

// PartLedger is a part's ledger at the actor's stations, newest first, keyset by id.
type PartLedger struct {
	Part StockRow
	Rows []LedgerRow
	// Next is the id to continue from (0 at the end).
	Next int64
}

// Ledger returns one part's movements at the actor's stations with the balance after
// each, and what caused it.
func (s *Service) Ledger(ctx context.Context, actor auth.Actor, partID int64, before int64) (PartLedger, error) {
	if !canSeeStock(actor) {
		return PartLedger{}, forbidden("storekeeper,manager,supervisor")
	}
	var pl PartLedger
	err := s.pool.QueryRow(ctx, `SELECT p.id, p.code, p.name, p.spec, p.uom, p.reorder_point, p.valuable, p.wear,
		coalesce((SELECT sum(b.quantity) FROM stock_balances b JOIN locations l ON l.id = b.location_id WHERE b.part_id = p.id AND l.kind = 'warehouse' AND l.station_id = ANY($2)), 0)::int,
		coalesce((SELECT sum(b.quantity) FROM stock_balances b JOIN locations l ON l.id = b.location_id WHERE b.part_id = p.id AND l.kind = 'quarantine' AND l.station_id = ANY($2)), 0)::int
		FROM parts p WHERE p.id = $1`, partID, actor.Stations).Scan(&pl.Part.ID, &pl.Part.Code, &pl.Part.Name, &pl.Part.Spec, &pl.Part.UOM,
		&pl.Part.ReorderPoint, &pl.Part.Valuable, &pl.Part.Wear, &pl.Part.Warehouse, &pl.Part.Quarantine)
	if err != nil {
		return PartLedger{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.pool.Query(ctx, `SELECT m.id, m.part_id, m.location_id, m.quantity, m.kind, m.ref_type, m.ref_id, m.order_id, m.actor_id, m.at, m.note,
		m.balance_after, m.reverses, l.name || '（' || st.name || '）' AS location_name, u.display_name AS actor_name, o.number AS order_number
		FROM stock_movements m JOIN locations l ON l.id = m.location_id JOIN stations st ON st.id = l.station_id
		JOIN users u ON u.id = m.actor_id LEFT JOIN work_orders o ON o.id = m.order_id
		WHERE m.part_id = $1 AND l.station_id = ANY($2) AND m.id < $3 ORDER BY m.id DESC LIMIT 101`, partID, actor.Stations, before)
	if err != nil {
		return PartLedger{}, db.Translate(err, "ledger")
	}
	if pl.Rows, err = pgx.CollectRows(rows, pgx.RowToStructByName[LedgerRow]); err != nil {
		return PartLedger{}, db.Translate(err, "ledger")
	}
	if len(pl.Rows) > 100 {
		pl.Rows, pl.Next = pl.Rows[:100], pl.Rows[99].ID
	}
	return pl, nil
}

// Choice is a part as a choice in a form.
type Choice struct {
	ID   int64  `db:"id"`
	Code string `db:"code"`
	Name string `db:"name"`
	Spec string `db:"spec"`
}

const choicesSQL = `SELECT id, code, name, spec FROM parts WHERE active ORDER BY code LIMIT 2000`

// OpeningStock puts quantities into a station's warehouse as an opening balance (期初库存):
// for loading a new installation's stock, and the demo.
func (s *Service) OpeningStock(ctx context.Context, actorID, stationID int64, quantities map[int64]int) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		wh, err := stationLocation(ctx, tx, stationID, "warehouse")
		if err != nil {
			return err
		}
		var lines []Line
		for part, q := range quantities {
			if q > 0 {
				lines = append(lines, Line{PartID: part, LocationID: wh, Quantity: q, Kind: Receipt, Note: "期初库存"})
			}
		}
		_, err = Post(ctx, tx, actorID, s.now(), lines)
		return err
	})
}
