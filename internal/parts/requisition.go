package parts

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/textlimit"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// Requisition states.
const (
	Requested = "requested"
	Approved  = "approved"
	Rejected  = "rejected"
	Issued    = "issued"
)

// RequisitionTextLimit is the most characters a requisition's note or reject reason
// holds; longer input is refused with a message naming the limit.
const RequisitionTextLimit = 500

var requisitionLimits = textlimit.Set{Default: RequisitionTextLimit}

// Requisition is a request for parts for a work order (领料申请).
type Requisition struct {
	ID            int64      `db:"id"`
	OrderID       int64      `db:"order_id"`
	OrderNumber   string     `db:"order_number"`
	StationID     int64      `db:"station_id"`
	State         string     `db:"state"`
	Version       int        `db:"version"`
	RequestedBy   int64      `db:"requested_by"`
	RequesterName string     `db:"requester_name"`
	RequestedAt   time.Time  `db:"requested_at"`
	Note          string     `db:"note"`
	DeciderName   string     `db:"decider_name"`
	DecidedAt     *time.Time `db:"decided_at"`
	RejectReason  string     `db:"reject_reason"`
	IssuedAt      *time.Time `db:"issued_at"`
	Lines         []ReqLine  `db:"-"`
	// Can is what the reader may do with it now (set by Queue).
	Can RequisitionCan `db:"-"`
}

// ReqLine is one part of a requisition.
type ReqLine struct {
	ID       int64  `db:"id"`
	PartID   int64  `db:"part_id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	Spec     string `db:"spec"`
	UOM      string `db:"uom"`
	Valuable bool   `db:"valuable"`
	Wear     bool   `db:"wear"`
	Quantity int    `db:"quantity"`
	Issued   int    `db:"issued"`
	Returned int    `db:"returned"`
}

// Want is a part (by id, or by its code as typed) and the quantity asked for.
type Want struct {
	PartID   int64
	Code     string
	Quantity int
}

// Request asks for parts for an order: its assigned technician, or a supervisor of its
// station, while the order is being worked on. Every requisition is named (who asked,
// when), as valuable and wear parts require. Invalid with field keys (lines), NotFound,
// Forbidden, IllegalTransition for an order not under way.
func (s *Service) Request(ctx context.Context, actor auth.Actor, orderID int64, wants []Want, note string) (Requisition, error) {
	if !actor.Is(auth.RoleTechnician, auth.RoleSupervisor) {
		return Requisition{}, forbidden("technician,supervisor")
	}
	if f := requisitionLimits.Check(map[string]string{}, "note", note); len(f) > 0 {
		return Requisition{}, apperr.Fields(f)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The same form posted again returns the requisition it made.
		fresh, made, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now())
		if err != nil || !fresh {
			id = made
			return err
		}
		var station int64
		var assignee *int64
		var state string
		if err := tx.QueryRow(ctx, `SELECT station_id, assignee_id, state FROM work_orders WHERE id = $1`, orderID).Scan(&station, &assignee, &state); err != nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if !workflow.Sees(actor, station, assignee) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if !workflow.MayRequestParts(actor, workflow.State(state)) {
			return apperr.New(apperr.IllegalTransition, "requisition.order_not_working", "State", state)
		}
		merged := map[int64]int{}
		var order []int64
		for _, w := range wants {
			if w.PartID == 0 && strings.TrimSpace(w.Code) == "" && w.Quantity == 0 {
				continue
			}
			if w.PartID == 0 && strings.TrimSpace(w.Code) != "" {
				code, _, _ := strings.Cut(strings.TrimSpace(w.Code), " ")
				if err := tx.QueryRow(ctx, `SELECT id FROM parts WHERE lower(code) = lower($1) AND active`, code).Scan(&w.PartID); err != nil {
					return apperr.Fields(map[string]string{"lines": "requisition.field.part"})
				}
			}
			if w.PartID == 0 || w.Quantity <= 0 || w.Quantity > 1000 {
				return apperr.Fields(map[string]string{"lines": "requisition.field.line"})
			}
			if _, ok := merged[w.PartID]; !ok {
				order = append(order, w.PartID)
			}
			merged[w.PartID] += w.Quantity
		}
		if len(order) == 0 {
			return apperr.Fields(map[string]string{"lines": "requisition.field.empty"})
		}
		if err := tx.QueryRow(ctx, `INSERT INTO requisitions (order_id, station_id, state, requested_by, requested_at, note)
			VALUES ($1, $2, 'requested', $3, $4, $5) RETURNING id`, orderID, station, actor.UserID, s.now(), strings.TrimSpace(note)).Scan(&id); err != nil {
			return db.Translate(err, "requisition")
		}
		for _, p := range order {
			var active bool
			if err := tx.QueryRow(ctx, `SELECT active FROM parts WHERE id = $1`, p).Scan(&active); err != nil || !active {
				return apperr.Fields(map[string]string{"lines": "requisition.field.part"})
			}
			if _, err := tx.Exec(ctx, `INSERT INTO requisition_lines (requisition_id, part_id, quantity) VALUES ($1, $2, $3)`, id, p, merged[p]); err != nil {
				return db.Translate(err, "requisition line")
			}
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Requisition{}, err
	}
	return s.RequisitionByID(ctx, actor, id)
}

// lockRequisition loads a requisition FOR UPDATE and checks the actor sees it and saw
// its current version (Conflict "requisition.stale" otherwise).
func (s *Service) lockRequisition(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64, version int) (Requisition, error) {
	var r Requisition
	err := tx.QueryRow(ctx, `SELECT id, order_id, station_id, state, version FROM requisitions WHERE id = $1 FOR UPDATE`, id).
		Scan(&r.ID, &r.OrderID, &r.StationID, &r.State, &r.Version)
	if err != nil || !actor.Sees(r.StationID) {
		return Requisition{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	if r.Version != version {
		return Requisition{}, apperr.New(apperr.Conflict, "requisition.stale", "State", r.State)
	}
	return r, nil
}

func (s *Service) requisitionStep(ctx context.Context, actor auth.Actor, id int64, version int, from string, step func(tx pgx.Tx, r Requisition, now time.Time) error) (Requisition, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := s.lockRequisition(ctx, tx, actor, id, version)
		if err != nil {
			return err
		}
		if r.State != from {
			return apperr.New(apperr.IllegalTransition, "requisition.wrong_state", "State", r.State)
		}
		return step(tx, r, s.now())
	})
	if err != nil {
		return Requisition{}, err
	}
	return s.RequisitionByID(ctx, actor, id)
}

// Approve approves a requested requisition (supervisor or storekeeper of the station).
func (s *Service) Approve(ctx context.Context, actor auth.Actor, id int64, version int) (Requisition, error) {
	if !decides(actor) {
		return Requisition{}, forbidden("supervisor,storekeeper")
	}
	return s.requisitionStep(ctx, actor, id, version, Requested, func(tx pgx.Tx, r Requisition, now time.Time) error {
		_, err := tx.Exec(ctx, `UPDATE requisitions SET state = 'approved', version = version + 1, decided_by = $2, decided_at = $3 WHERE id = $1`, id, actor.UserID, now)
		return db.Translate(err, "approve")
	})
}

// Reject rejects a requested requisition with a reason (supervisor or storekeeper).
func (s *Service) Reject(ctx context.Context, actor auth.Actor, id int64, version int, reason string) (Requisition, error) {
	if !decides(actor) {
		return Requisition{}, forbidden("supervisor,storekeeper")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Requisition{}, apperr.Fields(map[string]string{"reason": "field.required"})
	}
	if f := requisitionLimits.Check(map[string]string{}, "reason", reason); len(f) > 0 {
		return Requisition{}, apperr.Fields(f)
	}
	return s.requisitionStep(ctx, actor, id, version, Requested, func(tx pgx.Tx, r Requisition, now time.Time) error {
		_, err := tx.Exec(ctx, `UPDATE requisitions SET state = 'rejected', version = version + 1, decided_by = $2, decided_at = $3, reject_reason = $4 WHERE id = $1`,
			id, actor.UserID, now, reason)
		return db.Translate(err, "reject")
	})
}

// IssueParts hands an approved requisition's parts out of the station's warehouse
// (storekeeper): stock goes down, each movement linked to the requisition and the order.
// Conflict "parts.not_enough" when the warehouse is short; nothing is issued then.
func (s *Service) IssueParts(ctx context.Context, actor auth.Actor, id int64, version int) (Requisition, error) {
	if !keeps(actor) {
		return Requisition{}, forbidden("storekeeper")
	}
	return s.requisitionStep(ctx, actor, id, version, Approved, func(tx pgx.Tx, r Requisition, now time.Time) error {
		wh, err := stationLocation(ctx, tx, r.StationID, "warehouse")
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT part_id, quantity FROM requisition_lines WHERE requisition_id = $1 ORDER BY part_id`, id)
		if err != nil {
			return db.Translate(err, "lines")
		}
		var lines []Line
		for rows.Next() {
			var l Line
			if err := rows.Scan(&l.PartID, &l.Quantity); err != nil {
				rows.Close()
				return db.Translate(err, "lines")
			}
			l.LocationID, l.Quantity, l.Kind, l.RefType, l.RefID, l.OrderID = wh, -l.Quantity, Issue, "requisition", id, r.OrderID
			lines = append(lines, l)
		}
		rows.Close()
		if _, err := Post(ctx, tx, actor.UserID, now, lines); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE requisition_lines SET issued = quantity WHERE requisition_id = $1`, id); err != nil {
			return db.Translate(err, "issued")
		}
		_, err = tx.Exec(ctx, `UPDATE requisitions SET state = 'issued', version = version + 1, issued_by = $2, issued_at = $3 WHERE id = $1`, id, actor.UserID, now)
		return db.Translate(err, "issue")
	})
}

// ReturnUnused takes unused parts of an issued requisition back into the warehouse
// (storekeeper): at most what was issued, less what came back and what the order used.
func (s *Service) ReturnUnused(ctx context.Context, actor auth.Actor, id int64, version int, partID int64, qty int) (Requisition, error) {
	if !keeps(actor) {
		return Requisition{}, forbidden("storekeeper")
	}
	if qty <= 0 {
		return Requisition{}, apperr.Fields(map[string]string{"quantity": "requisition.field.return_qty"})
	}
	return s.requisitionStep(ctx, actor, id, version, Issued, func(tx pgx.Tx, r Requisition, now time.Time) error {
		var issued, returned, used int
		err := tx.QueryRow(ctx, `SELECT l.issued, l.returned,
			coalesce((SELECT quantity FROM order_parts_used WHERE order_id = $3 AND part_id = l.part_id), 0)
			FROM requisition_lines l WHERE l.requisition_id = $1 AND l.part_id = $2 FOR UPDATE`, id, partID, r.OrderID).Scan(&issued, &returned, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Fields(map[string]string{"part_id": "requisition.field.part"})
		} else if err != nil {
			return db.Translate(err, "line")
		}
		if qty > issued-returned-used {
			return apperr.New(apperr.Invalid, "requisition.return_too_many", "Max", max(issued-returned-used, 0))
		}
		wh, err := stationLocation(ctx, tx, r.StationID, "warehouse")
		if err != nil {
			return err
		}
		if _, err := Post(ctx, tx, actor.UserID, now, []Line{{PartID: partID, LocationID: wh, Quantity: qty, Kind: Return, RefType: "requisition", RefID: id, OrderID: r.OrderID}}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE requisition_lines SET returned = returned + $3 WHERE requisition_id = $1 AND part_id = $2`, id, partID, qty); err != nil {
			return db.Translate(err, "returned")
		}
		_, err = tx.Exec(ctx, `UPDATE requisitions SET version = version + 1 WHERE id = $1`, id)
		return db.Translate(err, "version")
	})
}

const requisitionCols = `r.id, r.order_id, o.number AS order_number, r.station_id, r.state, r.version, r.requested_by, q.display_name AS requester_name,
	r.requested_at, r.note, coalesce(d.display_name, '') AS decider_name, r.decided_at, r.reject_reason, r.issued_at
	FROM requisitions r JOIN work_orders o ON o.id = r.order_id JOIN users q ON q.id = r.requested_by LEFT JOIN users d ON d.id = r.decided_by`

func (s *Service) loadRequisitions(ctx context.Context, where string, args ...any) ([]Requisition, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+requisitionCols+` WHERE `+where+` ORDER BY r.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, db.Translate(err, "requisitions")
	}
	reqs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Requisition])
	if err != nil || len(reqs) == 0 {
		return reqs, db.Translate(err, "requisitions")
	}
	ids := make([]int64, len(reqs))
	for i, r := range reqs {
		ids[i] = r.ID
	}
	rows, err = s.pool.Query(ctx, reqLinesSQL+` WHERE l.requisition_id = ANY($1) ORDER BY l.id`, ids)
	if err != nil {
		return nil, db.Translate(err, "requisition lines")
	}
	return reqs, db.Translate(attachLines(rows, reqs), "requisition lines")
}

const reqLinesSQL = `SELECT l.requisition_id, l.id, l.part_id, p.code, p.name, p.spec, p.uom, p.valuable, p.wear, l.quantity, l.issued, l.returned
	FROM requisition_lines l JOIN parts p ON p.id = l.part_id`

// attachLines reads requisition lines (reqLinesSQL) into their requisitions.
func attachLines(rows pgx.Rows, reqs []Requisition) error {
	defer rows.Close()
	at := make(map[int64]int, len(reqs))
	for i, r := range reqs {
		at[r.ID] = i
	}
	for rows.Next() {
		var rid int64
		var l ReqLine
		if err := rows.Scan(&rid, &l.ID, &l.PartID, &l.Code, &l.Name, &l.Spec, &l.UOM, &l.Valuable, &l.Wear, &l.Quantity, &l.Issued, &l.Returned); err != nil {
			return err
		}
		if i, ok := at[rid]; ok {
			reqs[i].Lines = append(reqs[i].Lines, l)
		}
	}
	return rows.Err()
}

// reqLineRow is a line of reqLinesSQL with its requisition, as a merged query reads it.
type reqLineRow struct {
	RequisitionID int64 `db:"requisition_id"`
	ReqLine
}

// QueueForOrder adds to m what ForOrder reads of order orderID: its requisitions with their
// lines and the parts issued to it, and the parts to choose from when the SQL condition
// choicesIf holds ("" for never; its $1 is the order's id). They land in *dst when m runs.
func QueueForOrder(m *db.Merged, orderID int64, choicesIf string, dst *OrderParts) {
	id := []any{orderID}
	db.Rows(m, `SELECT `+requisitionCols+` WHERE r.order_id = $1 ORDER BY r.id DESC LIMIT 200`, id, &dst.Requisitions)
	var lines []reqLineRow
	db.Rows(m, reqLinesSQL+` JOIN requisitions r ON r.id = l.requisition_id WHERE r.order_id = $1 ORDER BY l.id`, id, &lines)
	db.Rows(m, issuedSQL, id, &dst.Issued)
	if choicesIf != "" {
		db.Rows(m, `SELECT id, code, name, spec FROM parts WHERE active AND `+choicesIf+` ORDER BY code LIMIT 2000`, id, &dst.Choices)
	}
	m.Then(func() error {
		at := make(map[int64]int, len(dst.Requisitions))
		for i, r := range dst.Requisitions {
			at[r.ID] = i
		}
		for _, l := range lines {
			if i, ok := at[l.RequisitionID]; ok {
				dst.Requisitions[i].Lines = append(dst.Requisitions[i].Lines, l.ReqLine)
			}
		}
		return nil
	})
}

// RequisitionByID returns one requisition the actor sees.
func (s *Service) RequisitionByID(ctx context.Context, actor auth.Actor, id int64) (Requisition, error) {
	reqs, err := s.loadRequisitions(ctx, "r.id = $1 AND r.station_id = ANY($2)", id, actor.Stations)
	if err != nil {
		return Requisition{}, err
	}
	if len(reqs) == 0 {
		return Requisition{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return reqs[0], nil
}

// Queue lists the requisitions of the actor's stations in a state (newest first).
func (s *Service) Queue(ctx context.Context, actor auth.Actor, state string) ([]Requisition, error) {
	if !actor.Is(auth.RoleSupervisor, auth.RoleStorekeeper, auth.RoleManager) {
		return nil, forbidden("supervisor,storekeeper,manager")
	}
	reqs, err := s.loadRequisitions(ctx, "r.station_id = ANY($1) AND r.state = $2", actor.Stations, state)
	for i := range reqs {
		reqs[i].Can = canOn(actor, reqs[i])
	}
	return reqs, err
}

// decides reports whether a may approve or reject requisitions (of stations they see).
func decides(a auth.Actor) bool { return a.Is(auth.RoleSupervisor, auth.RoleStorekeeper) }

// RequisitionCan says what the actor may do with a requisition now: the forms its card
// shows.
type RequisitionCan struct {
	Decide, Issue, Return bool
}

// canOn is the one place that decides the forms of a requisition: the same role and state
// checks Approve, Reject, IssueParts and ReturnUnused make.
func canOn(a auth.Actor, r Requisition) RequisitionCan {
	return RequisitionCan{
		Decide: r.State == Requested && decides(a),
		Issue:  r.State == Approved && keeps(a),
		Return: r.State == Issued && keeps(a),
	}
}

// Available is a part issued to an order and not yet returned: what the technician can
// record as used.
type Available struct {
	PartID   int64  `db:"part_id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	UOM      string `db:"uom"`
	Quantity int    `db:"quantity"`
}

const issuedSQL = `SELECT l.part_id, p.code, p.name, p.uom, sum(l.issued - l.returned)::int AS quantity
	FROM requisition_lines l JOIN requisitions r ON r.id = l.requisition_id JOIN parts p ON p.id = l.part_id
	WHERE r.order_id = $1 AND r.state = 'issued' GROUP BY l.part_id, p.code, p.name, p.uom HAVING sum(l.issued - l.returned) > 0 ORDER BY p.code`

// OrderParts is what the order page shows of an order's parts.
type OrderParts struct {
	Requisitions []Requisition
	Issued       []Available
	// Choices are the parts a request can name (only when asked for).
	Choices []Choice
}

// ForOrder reads an order's requisitions, the parts issued to it and, withChoices, the
// parts to choose from, in one round trip (the caller has checked the actor may see the
// order).
func (s *Service) ForOrder(ctx context.Context, orderID int64, withChoices bool) (OrderParts, error) {
	var out OrderParts
	b := &pgx.Batch{}
	b.Queue(`SELECT `+requisitionCols+` WHERE r.order_id = $1 ORDER BY r.id DESC LIMIT 200`, orderID).Query(func(rows pgx.Rows) (err error) {
		out.Requisitions, err = pgx.CollectRows(rows, pgx.RowToStructByName[Requisition])
		return err
	})
	b.Queue(reqLinesSQL+` JOIN requisitions r ON r.id = l.requisition_id WHERE r.order_id = $1 ORDER BY l.id`, orderID).Query(func(rows pgx.Rows) error {
		return attachLines(rows, out.Requisitions)
	})
	b.Queue(issuedSQL, orderID).Query(func(rows pgx.Rows) (err error) {
		out.Issued, err = pgx.CollectRows(rows, pgx.RowToStructByName[Available])
		return err
	})
	if withChoices {
		b.Queue(choicesSQL).Query(func(rows pgx.Rows) (err error) {
			out.Choices, err = pgx.CollectRows(rows, pgx.RowToStructByName[Choice])
			return err
		})
	}
	return out, db.Translate(s.pool.SendBatch(ctx, b).Close(), "order parts")
}
