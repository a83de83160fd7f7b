package parts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// ReceiptPageSize is how many receipts one page of the list shows.
const ReceiptPageSize = 20

// GoodsReceipt is an inspected delivery (入库验收单).
type GoodsReceipt struct {
	ID           int64     `db:"id"`
	StationID    int64     `db:"station_id"`
	StationName  string    `db:"station_name"`
	Supplier     string    `db:"supplier"`
	DeliveryNote string    `db:"delivery_note"`
	Note         string    `db:"note"`
	CreatedBy    int64     `db:"created_by"`
	CreatorName  string    `db:"creator_name"`
	CreatedAt    time.Time `db:"created_at"`
	Version      int       `db:"version"`
	// Totals over the lines.
	Delivered int `db:"delivered"`
	Accepted  int `db:"accepted"`
	Rejected  int `db:"rejected"`
	// Matched says, for codes typed in another letter case, which part each was read
	// as ("casep1 → CASEP1 空气滤芯"); set by CreateReceipt only.
	Matched  []string `db:"-"`
	Returned int      `db:"returned"`
}

// ToReturn is how much of the rejected quantity is still waiting in quarantine.
func (r GoodsReceipt) ToReturn() int { return r.Rejected - r.Returned }

// ReceiptLine is one part of a receipt.
type ReceiptLine struct {
	ID        int64  `db:"id"`
	PartID    int64  `db:"part_id"`
	Code      string `db:"code"`
	Name      string `db:"name"`
	Spec      string `db:"spec"`
	UOM       string `db:"uom"`
	Delivered int    `db:"delivered"`
	Accepted  int    `db:"accepted"`
	Rejected  int    `db:"rejected"`
	Returned  int    `db:"returned"`
}

// ToReturn is how much of the line's rejected quantity is still in quarantine.
func (l ReceiptLine) ToReturn() int { return l.Rejected - l.Returned }

// ReceiptPage is one receipt with its lines, the locations they went to and the
// movements it posted.
type ReceiptPage struct {
	GoodsReceipt
	Lines      []ReceiptLine
	Warehouse  string
	Quarantine string
	Movements  []RefMovement
	// CanReturn says whether the actor may return rejected parts (storekeepers).
	CanReturn bool
}

// RefMovement is a movement with the names a page shows.
type RefMovement struct {
	Movement
	PartCode     string `db:"part_code"`
	PartName     string `db:"part_name"`
	LocationName string `db:"location_name"`
	ActorName    string `db:"actor_name"`
}

// ReceiptList is one page of receipts, newest first.
type ReceiptList struct {
	Receipts []GoodsReceipt
	// Next is the cursor of the next page ("" on the last one).
	Next int64
}

// NewReceipt is what the storekeeper enters for a delivery.
type NewReceipt struct {
	Supplier     string
	DeliveryNote string
	Note         string
	Lines        []NewReceiptLine
}

// NewReceiptLine is one inspected part of a delivery. Row is the line's row on the form,
// so errors come back to the row the user typed it in.
type NewReceiptLine struct {
	Row       int
	PartCode  string
	Delivered int
	Accepted  int
	Rejected  int
}

// ReceiptField is the form-field key of a receipt line's field: line_3_part, line_3_qty.
func ReceiptField(row int, field string) string {
	return fmt.Sprintf("line_%d_%s", row, field)
}

// ReceiptPartOption is an active part offered on a form.
type ReceiptPartOption struct {
	ID   int64  `db:"id"`
	Code string `db:"code"`
	Name string `db:"name"`
	Spec string `db:"spec"`
	UOM  string `db:"uom"`
}

// ReceiptPartOptions lists the active parts by code, for the forms' part choosers.
func (s *Service) ReceiptPartOptions(ctx context.Context) ([]ReceiptPartOption, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, spec, uom FROM parts WHERE active ORDER BY code`)
	if err != nil {
		return nil, db.Translate(err, "active parts")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[ReceiptPartOption])
	return list, db.Translate(err, "active parts")
}

const receiptColumns = `r.id, r.station_id, st.name AS station_name, r.supplier, r.delivery_note, r.note, r.created_by,
	u.display_name AS creator_name, r.created_at, r.version,
	coalesce(t.delivered, 0) AS delivered, coalesce(t.accepted, 0) AS accepted, coalesce(t.rejected, 0) AS rejected, coalesce(t.returned, 0) AS returned
	FROM receipts r JOIN stations st ON st.id = r.station_id JOIN users u ON u.id = r.created_by
	LEFT JOIN LATERAL (SELECT sum(delivered)::int AS delivered, sum(accepted)::int AS accepted, sum(rejected)::int AS rejected, sum(returned)::int AS returned
		FROM receipt_lines WHERE receipt_id = r.id) t ON true`

// Receipts lists the receipts of the actor's stations, newest first, ReceiptPageSize at a
// time, starting below the cursor after (0 for the first page).
func (s *Service) Receipts(ctx context.Context, actor auth.Actor, after int64) (ReceiptList, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+receiptColumns+`
		WHERE r.station_id = ANY($1) AND ($2 = 0 OR r.id < $2) ORDER BY r.id DESC LIMIT $3`, actor.Stations, after, ReceiptPageSize+1)
	if err != nil {
		return ReceiptList{}, db.Translate(err, "receipts")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[GoodsReceipt])
	if err != nil {
		return ReceiptList{}, db.Translate(err, "receipts")
	}
	var out ReceiptList
	if len(list) > ReceiptPageSize {
		list = list[:ReceiptPageSize]
		out.Next = list[ReceiptPageSize-1].ID
	}
	out.Receipts = list
	return out, nil
}

// CreateReceipt records an inspected delivery at the actor's station in one transaction:
// the receipt, its lines, and the movements — accepted into the warehouse, rejected into
// quarantine, both kind receipt referencing the receipt. Errors: Forbidden for anyone but
// a storekeeper; Invalid with field keys (supplier, delivery_note, lines, and
// line_<row>_part / line_<row>_qty) when the input breaks a rule or a part code is unknown;
// Invalid on delivery_note when the supplier's note was already received.
func (s *Service) CreateReceipt(ctx context.Context, actor auth.Actor, in NewReceipt) (GoodsReceipt, error) {
	if !keeps(actor) {
		return GoodsReceipt{}, forbidden("storekeeper")
	}
	in.Supplier, in.DeliveryNote, in.Note = strings.TrimSpace(in.Supplier), strings.TrimSpace(in.DeliveryNote), strings.TrimSpace(in.Note)
	fields := map[string]string{}
	switch {
	case in.Supplier == "":
		fields["supplier"] = "receipt.field.supplier_required"
	case len([]rune(in.Supplier)) > 100:
		fields["supplier"] = "receipt.field.too_long"
	}
	switch {
	case in.DeliveryNote == "":
		fields["delivery_note"] = "receipt.field.delivery_note_required"
	case len([]rune(in.DeliveryNote)) > 60:
		fields["delivery_note"] = "receipt.field.too_long"
	}
	if len([]rune(in.Note)) > 500 {
		fields["note"] = "receipt.field.too_long"
	}
	if len(in.Lines) == 0 {
		fields["lines"] = "receipt.field.lines_required"
	}
	for _, l := range in.Lines {
		switch {
		case strings.TrimSpace(l.PartCode) == "":
			fields[ReceiptField(l.Row, "part")] = "receipt.field.part_required"
		}
		switch {
		case l.Delivered < 0 || l.Accepted < 0 || l.Rejected < 0:
			fields[ReceiptField(l.Row, "qty")] = "receipt.field.negative"
		case l.Delivered == 0:
			fields[ReceiptField(l.Row, "qty")] = "receipt.field.delivered_required"
		case l.Delivered != l.Accepted+l.Rejected:
			fields[ReceiptField(l.Row, "qty")] = "receipt.field.sum"
		}
	}
	var r GoodsReceipt
	var matched []string
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		matched = matched[:0]
		partIDs := make([]int64, len(in.Lines))
		for i, l := range in.Lines {
			code := strings.TrimSpace(l.PartCode)
			if code == "" {
				continue
			}
			var stored, name string
			err := tx.QueryRow(ctx, `SELECT id, code, name FROM parts WHERE lower(code) = lower($1) AND active`, code).Scan(&partIDs[i], &stored, &name)
			if errors.Is(err, pgx.ErrNoRows) {
				fields[ReceiptField(l.Row, "part")] = "receipt.field.part_unknown"
				continue
			}
			if err != nil {
				return db.Translate(err, "part")
			}
			if stored != code {
				matched = append(matched, code+" → "+stored+" "+name)
			}
		}
		if len(fields) > 0 {
			return apperr.Fields(fields)
		}
		now := s.now()
		err := tx.QueryRow(ctx, `INSERT INTO receipts (station_id, supplier, delivery_note, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ON CONSTRAINT receipts_delivery_note_once DO NOTHING RETURNING id`,
			actor.StationID, in.Supplier, in.DeliveryNote, in.Note, actor.UserID, now).Scan(&r.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Fields(map[string]string{"delivery_note": "receipt.field.delivery_note_taken"})
		}
		if err != nil {
			return db.Translate(err, "receipt")
		}
		warehouse, err := stationLocation(ctx, tx, actor.StationID, "warehouse")
		if err != nil {
			return err
		}
		quarantine, err := stationLocation(ctx, tx, actor.StationID, "quarantine")
		if err != nil {
			return err
		}
		var moves []Line
		for i, l := range in.Lines {
			if _, err := tx.Exec(ctx, `INSERT INTO receipt_lines (receipt_id, part_id, delivered, accepted, rejected) VALUES ($1, $2, $3, $4, $5)`,
				r.ID, partIDs[i], l.Delivered, l.Accepted, l.Rejected); err != nil {
				return db.Translate(err, "receipt line")
			}
			if l.Accepted > 0 {
				moves = append(moves, Line{PartID: partIDs[i], LocationID: warehouse, Quantity: l.Accepted, Kind: Receipt, RefType: "receipt", RefID: r.ID, Note: in.DeliveryNote})
			}
			if l.Rejected > 0 {
				moves = append(moves, Line{PartID: partIDs[i], LocationID: quarantine, Quantity: l.Rejected, Kind: Receipt, RefType: "receipt", RefID: r.ID, Note: in.DeliveryNote})
			}
		}
		if _, err := Post(ctx, tx, actor.UserID, now, moves); err != nil {
			return err
		}
		r, err = receiptByID(ctx, tx, r.ID)
		return err
	})
	r.Matched = matched
	return r, err
}

func receiptByID(ctx context.Context, q pgx.Tx, id int64) (GoodsReceipt, error) {
	rows, err := q.Query(ctx, `SELECT `+receiptColumns+` WHERE r.id = $1`, id)
	if err != nil {
		return GoodsReceipt{}, db.Translate(err, "receipt")
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[GoodsReceipt])
	return r, db.Translate(err, "receipt")
}

// ReceiptDetail returns one receipt of the actor's stations with its lines and movements
// (NotFound otherwise).
func (s *Service) ReceiptDetail(ctx context.Context, actor auth.Actor, id int64) (ReceiptPage, error) {
	var p ReceiptPage
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := receiptByID(ctx, tx, id)
		if err != nil || !actor.Sees(r.StationID) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		p.GoodsReceipt, p.CanReturn = r, keeps(actor)
		rows, err := tx.Query(ctx, `SELECT l.id, l.part_id, p.code, p.name, p.spec, p.uom, l.delivered, l.accepted, l.rejected, l.returned
			FROM receipt_lines l JOIN parts p ON p.id = l.part_id WHERE l.receipt_id = $1 ORDER BY l.id`, id)
		if err != nil {
			return db.Translate(err, "receipt lines")
		}
		if p.Lines, err = pgx.CollectRows(rows, pgx.RowToStructByName[ReceiptLine]); err != nil {
			return db.Translate(err, "receipt lines")
		}
		err = tx.QueryRow(ctx, `SELECT (SELECT name FROM locations WHERE station_id = $1 AND kind = 'warehouse'),
			(SELECT name FROM locations WHERE station_id = $1 AND kind = 'quarantine')`, r.StationID).Scan(&p.Warehouse, &p.Quarantine)
		if err != nil {
			return db.Translate(err, "receipt locations")
		}
		p.Movements, err = refMovements(ctx, tx, "receipt", id)
		return err
	})
	return p, err
}

// refMovements lists the movements that reference one receipt or stocktake, in order.
func refMovements(ctx context.Context, tx pgx.Tx, refType string, refID int64) ([]RefMovement, error) {
	rows, err := tx.Query(ctx, `SELECT m.id, m.part_id, m.location_id, m.quantity, m.kind, m.ref_type, m.ref_id, m.order_id, m.actor_id, m.at,
			m.note, m.balance_after, m.reverses, p.code AS part_code, p.name AS part_name, l.name AS location_name, u.display_name AS actor_name
		FROM stock_movements m JOIN parts p ON p.id = m.part_id JOIN locations l ON l.id = m.location_id JOIN users u ON u.id = m.actor_id
		WHERE m.ref_type = $1 AND m.ref_id = $2 ORDER BY m.id`, refType, refID)
	if err != nil {
		return nil, db.Translate(err, "movements")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[RefMovement])
	return list, db.Translate(err, "movements")
}

// ReturnToSupplier takes quantity of a receipt line's rejected parts out of quarantine
// (a return_to_supplier movement referencing the receipt) and adds it to the line's
// returned quantity, in one transaction, if version is still the receipt's version.
// Errors: Forbidden for anyone but a storekeeper; NotFound for a receipt or line the actor
// does not see; Conflict "receipt.stale" for an old version; Invalid on "quantity" when it
// is not between 1 and what is still to return; Conflict "parts.not_enough" when the
// quarantine holds less.
func (s *Service) ReturnToSupplier(ctx context.Context, actor auth.Actor, receiptID int64, version int, lineID int64, quantity int) (GoodsReceipt, error) {
	if !keeps(actor) {
		return GoodsReceipt{}, forbidden("storekeeper")
	}
	var r GoodsReceipt
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var stationID int64
		var current int
		err := tx.QueryRow(ctx, `SELECT station_id, version FROM receipts WHERE id = $1 FOR UPDATE`, receiptID).Scan(&stationID, &current)
		if err != nil || !actor.Sees(stationID) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if current != version {
			return apperr.New(apperr.Conflict, "receipt.stale")
		}
		var partID int64
		var rejected, returned int
		err = tx.QueryRow(ctx, `SELECT part_id, rejected, returned FROM receipt_lines WHERE id = $1 AND receipt_id = $2`, lineID, receiptID).
			Scan(&partID, &rejected, &returned)
		if err != nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		left := rejected - returned
		if quantity < 1 || quantity > left {
			return apperr.Fields(map[string]string{"quantity": "receipt.field.return_range"})
		}
		quarantine, err := stationLocation(ctx, tx, stationID, "quarantine")
		if err != nil {
			return err
		}
		now := s.now()
		var note string
		_ = tx.QueryRow(ctx, `SELECT delivery_note FROM receipts WHERE id = $1`, receiptID).Scan(&note)
		if _, err := Post(ctx, tx, actor.UserID, now, []Line{{PartID: partID, LocationID: quarantine, Quantity: -quantity,
			Kind: ReturnToSupplier, RefType: "receipt", RefID: receiptID, Note: note}}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE receipt_lines SET returned = returned + $2 WHERE id = $1`, lineID, quantity); err != nil {
			return db.Translate(err, "receipt line")
		}
		if _, err := tx.Exec(ctx, `UPDATE receipts SET version = version + 1 WHERE id = $1`, receiptID); err != nil {
			return db.Translate(err, "receipt")
		}
		r, err = receiptByID(ctx, tx, receiptID)
		return err
	})
	return r, err
}
