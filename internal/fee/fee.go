// Package fee keeps the fee schedule (收费标准) and each order's fees: the quote built
// from the visit fee, labour items and the parts used, the customer's confirmation of
// the quote, and the settlement (结算). Money is integer fen (分) throughout.
//
// Which orders are charged: warranty "out" and "unknown" (nobody could show the unit is
// in warranty, so the schedule applies; the hotline corrects the warranty at intake when
// the customer shows proof) are chargeable; "in" and "repair" (a repeat repair, free by
// 001 §四.4) are listed at zero.
//
// The quote is materialised: the visit line (for on-site orders) and the part lines
// (from order_parts_used, at the catalogue price of the day) are written when someone
// opens the order's fees or changes them, so the amounts a customer confirmed and paid
// never move when the catalogue does. Every change keeps work_orders.fees_state in the
// same transaction, with the order row locked, so a callback closing the order and a fee
// change cannot race.
package fee

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns the fee schedule and the orders' fees.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns the fee service; now is the one clock.
func NewService(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// The enumerations, in display order.
var (
	// ItemKinds are the kinds of schedule items.
	ItemKinds = []string{"visit", "labour"}
	// LineKinds are the kinds of quote lines.
	LineKinds = []string{"visit", "labour", "part"}
	// Methods are the settlement methods.
	Methods = []string{"cash", "transfer", "wechat", "alipay", "invoice_later"}
	// Vias are the ways a customer confirms a quote.
	Vias = []string{"tablet", "phone"}
)

// Limits on input.
const (
	// MaxPriceFen is the highest price the schedule takes (¥10,000,000.00).
	MaxPriceFen = 1_000_000_000
	// MaxQuantity is the highest quantity of one labour line.
	MaxQuantity = 100
	maxText     = 100
)

// ItemInput is a schedule item as the manager saves it; the code finds the item.
type ItemInput struct {
	Code     string
	Name     string
	Kind     string
	PriceFen int64
}

// Line is one line of an order's quote.
type Line struct {
	ID           int64     `db:"id"`
	Kind         string    `db:"kind"`
	FeeItemID    *int64    `db:"fee_item_id"`
	PartID       *int64    `db:"part_id"`
	Description  string    `db:"description"`
	Quantity     int       `db:"quantity"`
	UnitPriceFen int64     `db:"unit_price_fen"`
	AmountFen    int64     `db:"amount_fen"`
	Chargeable   bool      `db:"chargeable"`
	CreatedAt    time.Time `db:"created_at"`
	CreatedBy    string    `db:"created_by_name"`
}

// Confirmation is the customer's confirmation of the quote.
type Confirmation struct {
	TotalFen     int64     `db:"total_fen"`
	CustomerName string    `db:"customer_name"`
	Via          string    `db:"via"`
	ConfirmedAt  time.Time `db:"confirmed_at"`
	ConfirmedBy  string    `db:"confirmed_by_name"`
}

// Settlement is the record of payment.
type Settlement struct {
	AmountFen int64     `db:"amount_fen"`
	Method    string    `db:"method"`
	ReceiptNo string    `db:"receipt_no"`
	SettledAt time.Time `db:"settled_at"`
	SettledBy string    `db:"settled_by_name"`
}

// UsedPart is a part the technician recorded as used, for the report.
type UsedPart struct {
	PartID   int64  `db:"part_id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	Spec     string `db:"spec"`
	UOM      string `db:"uom"`
	Quantity int    `db:"quantity"`
}

// Can says what the actor may do with an order's fees now: the forms a page shows.
type Can struct {
	// EditLines: add labour lines and delete visit and labour lines.
	EditLines bool
	// Confirm: record the customer's confirmation, Via tablet or phone.
	Confirm bool
	Via     string
	// Settle: record the settlement.
	Settle bool
}

// OrderFees is everything the fees page and the report show of one order.
type OrderFees struct {
	OrderID    int64
	OrderState string
	Warranty   string
	// Chargeable says the order's work is charged (warranty out or unknown).
	Chargeable bool
	// State is work_orders.fees_state: none, pending, settled, receivable (closed with
	// the fees owed) or written_off.
	State string
	Lines []Line
	// ListFen is the lines at schedule price; ChargeableFen what the customer pays.
	ListFen       int64
	ChargeableFen int64
	// Confirmation is the latest confirmation; Stale says the quote changed after it.
	Confirmation *Confirmation
	Stale        bool
	Settlement   *Settlement
	Parts        []UsedPart
	// Labour are the active labour items that may be added.
	Labour []Item
	Can    Can
}

// order is what the fee rules need of a work order.
type order struct {
	ID          int64
	StationID   int64
	AssigneeID  *int64
	State       string
	Warranty    string
	ServiceMode *string
	ArrivedAt   *time.Time
	FeesState   string
}

func (o order) open() bool { return workflow.State(o.State).Open() }

// receivable says the order was closed with its fees still owed (closed unreachable).
func (o order) receivable() bool {
	return o.State == string(workflow.Closed) && o.FeesState == "receivable"
}

// done says the work is done and the order awaits its callback: fees may be settled.
func (o order) done() bool { return o.State == string(workflow.AwaitingCallback) }

func (o order) chargeable() bool { return Chargeable(o.Warranty) }

// onsite says a visit is (or was) made: assessed for on-site service, or checked in.
func (o order) onsite() bool {
	return (o.ServiceMode != nil && *o.ServiceMode == "onsite") || o.ArrivedAt != nil
}

// Chargeable reports whether an order with this warranty is charged by the schedule.
func Chargeable(warranty string) bool { return warranty == "out" || warranty == "unknown" }

// visible is the one visibility rule of orders (workflow.Sees).
func visible(o order, a auth.Actor) bool { return workflow.Sees(a, o.StationID, o.AssigneeID) }

// can is the one place that decides what the actor may do with the order's fees.
func can(a auth.Actor, o order, settled bool) Can {
	var c Can
	if !visible(o, a) || settled {
		return c
	}
	if o.receivable() {
		c.Settle = a.Is(auth.RoleHotline, auth.RoleManager)
		return c
	}
	if !o.open() {
		return c
	}
	c.EditLines = a.Is(auth.RoleHotline, auth.RoleSupervisor, auth.RoleTechnician)
	switch a.Role {
	case auth.RoleTechnician:
		c.Confirm, c.Via = true, "tablet"
	case auth.RoleHotline:
		c.Confirm, c.Via = true, "phone"
	}
	c.Settle = a.Is(auth.RoleHotline, auth.RoleManager)
	return c
}

func forbidden(roles string) error {
	return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", roles)
}

func notFound() error { return apperr.New(apperr.NotFound, "error.not_found") }

// ---- an order's fees ----

// lockOrder loads the order FOR UPDATE; NotFound when the actor may not see it.
func lockOrder(ctx context.Context, tx pgx.Tx, actor *auth.Actor, id int64) (order, error) {
	var o order
	err := tx.QueryRow(ctx, `SELECT id, station_id, assignee_id, state, warranty, service_mode, arrived_at, fees_state
		FROM work_orders WHERE id = $1 FOR UPDATE`, id).
		Scan(&o.ID, &o.StationID, &o.AssigneeID, &o.State, &o.Warranty, &o.ServiceMode, &o.ArrivedAt, &o.FeesState)
	if errors.Is(err, pgx.ErrNoRows) {
		return order{}, notFound()
	} else if err != nil {
		return order{}, db.Translate(err, "lock order")
	}
	if actor != nil && !visible(o, *actor) {
		return order{}, notFound()
	}
	return o, nil
}

func settled(ctx context.Context, tx pgx.Tx, orderID int64) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM settlements WHERE order_id = $1)`, orderID).Scan(&ok)
	return ok, db.Translate(err, "settlement")
}

// sync brings an open, unsettled order's lines up to date: the visit line for on-site
// orders (once: a deleted visit line is not added again), a line per part used at the
// catalogue price, and every line's chargeable flag from the warranty.
func sync(ctx context.Context, tx pgx.Tx, o order, by int64, now time.Time) error {
	charge := o.chargeable()
	if o.onsite() {
		// At the price of the order's station's schedule.
		if _, err := tx.Exec(ctx, `INSERT INTO order_fee_lines (order_id, kind, fee_item_id, description, quantity, unit_price_fen, amount_fen, chargeable, created_by, created_at)
			SELECT $1, 'visit', i.id, i.name, 1, i.price_fen, CASE WHEN $2 THEN i.price_fen ELSE 0 END, $2, $3, $4
			FROM station_fee_items($5) i
			WHERE i.kind = 'visit' AND i.active AND NOT EXISTS (SELECT 1 FROM order_fee_lines WHERE order_id = $1 AND kind = 'visit')
			ORDER BY i.id LIMIT 1`, o.ID, charge, by, now, o.StationID); err != nil {
			return db.Translate(err, "visit line")
		}
	}
	// Parts used: a new part gets a line at today's catalogue price; a changed quantity
	// keeps the line's price.
	if _, err := tx.Exec(ctx, `UPDATE order_fee_lines l SET quantity = u.quantity,
			amount_fen = CASE WHEN l.chargeable THEN u.quantity * l.unit_price_fen ELSE 0 END
		FROM order_parts_used u
		WHERE l.order_id = $1 AND u.order_id = $1 AND l.part_id = u.part_id AND l.deleted_at IS NULL AND l.quantity <> u.quantity`, o.ID); err != nil {
		return db.Translate(err, "part lines")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO order_fee_lines (order_id, kind, part_id, description, quantity, unit_price_fen, amount_fen, chargeable, created_by, created_at)
		SELECT $1, 'part', p.id, p.code || ' ' || p.name || CASE WHEN p.spec <> '' THEN ' ' || p.spec ELSE '' END,
			u.quantity, (p.unit_price * 100)::bigint, CASE WHEN $2 THEN u.quantity * (p.unit_price * 100)::bigint ELSE 0 END, $2, $3, $4
		FROM order_parts_used u JOIN parts p ON p.id = u.part_id
		WHERE u.order_id = $1 AND NOT EXISTS (SELECT 1 FROM order_fee_lines l WHERE l.order_id = $1 AND l.part_id = u.part_id AND l.deleted_at IS NULL)
		ORDER BY p.code`, o.ID, charge, by, now); err != nil {
		return db.Translate(err, "part lines")
	}
	if _, err := tx.Exec(ctx, `UPDATE order_fee_lines SET chargeable = $2, amount_fen = CASE WHEN $2 THEN quantity * unit_price_fen ELSE 0 END
		WHERE order_id = $1 AND deleted_at IS NULL AND chargeable <> $2`, o.ID, charge); err != nil {
		return db.Translate(err, "chargeable")
	}
	return nil
}

// feeState is an order's fee state from its lines and settlement: settled, pending while
// something is chargeable, else none.
func feeState(ctx context.Context, tx pgx.Tx, orderID int64) (string, error) {
	var total int64
	var paid bool
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(amount_fen), 0)::bigint, EXISTS (SELECT 1 FROM settlements WHERE order_id = $1)
		FROM order_fee_lines WHERE order_id = $1 AND deleted_at IS NULL`, orderID).Scan(&total, &paid); err != nil {
		return "", db.Translate(err, "fee total")
	}
	switch {
	case paid:
		return "settled", nil
	case total > 0:
		return "pending", nil
	}
	return "none", nil
}

// keepState writes work_orders.fees_state after a change of the fee service's own (a
// line, a confirmation, a settlement). It does not touch the order's version, which
// belongs to the workflow.
func keepState(ctx context.Context, tx pgx.Tx, o order) (string, error) {
	state, err := feeState(ctx, tx, o.ID)
	if err != nil {
		return "", err
	}
	if state != o.FeesState {
		if _, err := tx.Exec(ctx, `UPDATE work_orders SET fees_state = $2 WHERE id = $1`, o.ID, state); err != nil {
			return "", db.Translate(err, "fees state")
		}
	}
	return state, nil
}

// Refresh brings an open order's quote up to date inside the caller's transaction, with
// the order row locked by the caller, and returns its fee state (none, pending or
// settled) for the caller to store: the work-order service keeps the order row itself
// (on completion, so fees are pending before any callback). Closed, cancelled and
// settled orders' quotes are left as they are. by is the user the automatic lines are
// recorded as added by.
func Refresh(ctx context.Context, tx pgx.Tx, orderID, by int64, now time.Time) (string, error) {
	o, err := lockOrder(ctx, tx, nil, orderID)
	if err != nil {
		return "", err
	}
	paid, err := settled(ctx, tx, o.ID)
	if err != nil || paid || !o.open() {
		return map[bool]string{true: "settled", false: o.FeesState}[paid], err
	}
	if err := sync(ctx, tx, o, by, now); err != nil {
		return "", err
	}
	return feeState(ctx, tx, o.ID)
}

func refresh(ctx context.Context, tx pgx.Tx, o order, by int64, now time.Time) error {
	paid, err := settled(ctx, tx, o.ID)
	if err != nil || paid || !o.open() {
		return err
	}
	if err := sync(ctx, tx, o, by, now); err != nil {
		return err
	}
	_, err = keepState(ctx, tx, o)
	return err
}

// OrderFees brings the order's quote up to date and returns it with the confirmation,
// the settlement, the parts used and what the actor may do. The caller has checked the
// actor may see the order; NotFound otherwise.
func (s *Service) OrderFees(ctx context.Context, actor auth.Actor, orderID int64) (OrderFees, error) {
	var out OrderFees
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = OrderFeesTx(ctx, tx, actor, orderID, s.now())
		return err
	})
	return out, err
}

// OrderFeesTx is OrderFees inside the caller's transaction (the work-order service reads
// the printable report in one): the order locked, NotFound when the actor may not see
// it, its quote brought up to date as of now, then read.
func OrderFeesTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, orderID int64, now time.Time) (OrderFees, error) {
	o, err := lockOrder(ctx, tx, &actor, orderID)
	if err != nil {
		return OrderFees{}, err
	}
	if err := refresh(ctx, tx, o, actor.UserID, now); err != nil {
		return OrderFees{}, err
	}
	return load(ctx, tx, actor, orderID)
}

// load reads the order's fees as they stand.
func load(ctx context.Context, tx pgx.Tx, actor auth.Actor, orderID int64) (OrderFees, error) {
	var o order
	if err := tx.QueryRow(ctx, `SELECT id, station_id, assignee_id, state, warranty, service_mode, arrived_at, fees_state FROM work_orders WHERE id = $1`, orderID).
		Scan(&o.ID, &o.StationID, &o.AssigneeID, &o.State, &o.Warranty, &o.ServiceMode, &o.ArrivedAt, &o.FeesState); err != nil {
		return OrderFees{}, db.Translate(err, "order")
	}
	f := OrderFees{OrderID: o.ID, OrderState: o.State, Warranty: o.Warranty, Chargeable: o.chargeable(), State: o.FeesState}
	rows, err := tx.Query(ctx, `SELECT l.id, l.kind, l.fee_item_id, l.part_id, l.description, l.quantity, l.unit_price_fen, l.amount_fen,
			l.chargeable, l.created_at, u.display_name AS created_by_name
		FROM order_fee_lines l JOIN users u ON u.id = l.created_by
		WHERE l.order_id = $1 AND l.deleted_at IS NULL
		ORDER BY CASE l.kind WHEN 'visit' THEN 0 WHEN 'labour' THEN 1 ELSE 2 END, l.id`, orderID)
	if err != nil {
		return OrderFees{}, db.Translate(err, "fee lines")
	}
	if f.Lines, err = pgx.CollectRows(rows, pgx.RowToStructByName[Line]); err != nil {
		return OrderFees{}, db.Translate(err, "fee lines")
	}
	for _, l := range f.Lines {
		f.ListFen += int64(l.Quantity) * l.UnitPriceFen
		f.ChargeableFen += l.AmountFen
	}
	rows, err = tx.Query(ctx, `SELECT c.total_fen, c.customer_name, c.via, c.confirmed_at, u.display_name AS confirmed_by_name
		FROM quote_confirmations c JOIN users u ON u.id = c.confirmed_by WHERE c.order_id = $1 ORDER BY c.id DESC LIMIT 1`, orderID)
	if err != nil {
		return OrderFees{}, db.Translate(err, "confirmation")
	}
	if c, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Confirmation]); err == nil {
		f.Confirmation = &c
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return OrderFees{}, db.Translate(err, "confirmation")
	}
	if f.Confirmation != nil {
		// The quote changed after the confirmation when a line was added or deleted since.
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM order_fee_lines WHERE order_id = $1 AND (created_at > $2 OR deleted_at > $2))`,
			orderID, f.Confirmation.ConfirmedAt).Scan(&f.Stale); err != nil {
			return OrderFees{}, db.Translate(err, "confirmation")
		}
		f.Stale = f.Stale || f.Confirmation.TotalFen != f.ChargeableFen
	}
	rows, err = tx.Query(ctx, `SELECT s.amount_fen, s.method, s.receipt_no, s.settled_at, u.display_name AS settled_by_name
		FROM settlements s JOIN users u ON u.id = s.settled_by WHERE s.order_id = $1`, orderID)
	if err != nil {
		return OrderFees{}, db.Translate(err, "settlement")
	}
	if st, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Settlement]); err == nil {
		f.Settlement = &st
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return OrderFees{}, db.Translate(err, "settlement")
	}
	rows, err = tx.Query(ctx, `SELECT u.part_id, p.code, p.name, p.spec, p.uom, u.quantity
		FROM order_parts_used u JOIN parts p ON p.id = u.part_id WHERE u.order_id = $1 ORDER BY p.code`, orderID)
	if err != nil {
		return OrderFees{}, db.Translate(err, "parts used")
	}
	if f.Parts, err = pgx.CollectRows(rows, pgx.RowToStructByName[UsedPart]); err != nil {
		return OrderFees{}, db.Translate(err, "parts used")
	}
	f.Can = can(actor, o, f.Settlement != nil)
	// The forms a page offers: a quote with lines to confirm; a chargeable total to
	// settle once the work is done (the service says why otherwise).
	f.Can.Confirm = f.Can.Confirm && len(f.Lines) > 0
	f.Can.Settle = f.Can.Settle && f.ChargeableFen > 0 && (o.done() || o.receivable())
	if f.Can.EditLines {
		rows, err := tx.Query(ctx, `SELECT `+itemColumns+` FROM station_fee_items($1) i LEFT JOIN users u ON u.id = i.updated_by
			WHERE i.kind = 'labour' AND i.active ORDER BY i.code`, o.StationID)
		if err != nil {
			return OrderFees{}, db.Translate(err, "labour items")
		}
		if f.Labour, err = pgx.CollectRows(rows, pgx.RowToStructByName[Item]); err != nil {
			return OrderFees{}, db.Translate(err, "labour items")
		}
	}
	return f, nil
}

// change runs one fee change in one transaction: the order locked, visible to the
// actor, open and unsettled, its quote brought up to date, then fn, then fees_state kept.
func (s *Service) change(ctx context.Context, actor auth.Actor, orderID int64, fn func(tx pgx.Tx, o order, now time.Time) error) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := lockOrder(ctx, tx, &actor, orderID)
		if err != nil {
			return err
		}
		return s.changeTx(ctx, tx, actor, o, fn)
	})
}

// changeTx is change inside the caller's transaction, with the order locked.
func (s *Service) changeTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, o order, fn func(tx pgx.Tx, o order, now time.Time) error) error {
	// The same form posted again (a double click) changes nothing and succeeds as the
	// first post did: one labour line, one confirmation, one settlement.
	if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now()); err != nil || !fresh {
		return err
	}
	if !o.open() {
		return apperr.New(apperr.Conflict, "fee.error.order_closed")
	}
	paid, err := settled(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	if paid {
		return apperr.New(apperr.Conflict, "fee.error.settled")
	}
	now := s.now()
	if err := sync(ctx, tx, o, actor.UserID, now); err != nil {
		return err
	}
	if err := fn(tx, o, now); err != nil {
		return err
	}
	_, err = keepState(ctx, tx, o)
	return err
}

// AddLabour adds a labour item from the schedule to the quote (hotline, supervisor or
// the assigned technician). Errors: NotFound, Forbidden, Invalid (item, quantity),
// Conflict (order closed or fees settled).
func (s *Service) AddLabour(ctx context.Context, actor auth.Actor, orderID, itemID int64, qty int) error {
	return s.change(ctx, actor, orderID, func(tx pgx.Tx, o order, now time.Time) error {
		if !can(actor, o, false).EditLines {
			return forbidden("hotline,supervisor,technician")
		}
		f := map[string]string{}
		if qty < 1 || qty > MaxQuantity {
			f["quantity"] = "fee.field.quantity"
		}
		var it Item
		err := tx.QueryRow(ctx, `SELECT id, name, price_fen FROM station_fee_items($2) WHERE id = $1 AND kind = 'labour' AND active`,
			itemID, o.StationID).Scan(&it.ID, &it.Name, &it.PriceFen)
		if errors.Is(err, pgx.ErrNoRows) {
			f["item_id"] = "fee.field.item"
		} else if err != nil {
			return db.Translate(err, "labour item")
		}
		if len(f) > 0 {
			return apperr.Fields(f)
		}
		charge := o.chargeable()
		amount := int64(0)
		if charge {
			amount = int64(qty) * it.PriceFen
		}
		_, err = tx.Exec(ctx, `INSERT INTO order_fee_lines (order_id, kind, fee_item_id, description, quantity, unit_price_fen, amount_fen, chargeable, created_by, created_at)
			VALUES ($1, 'labour', $2, $3, $4, $5, $6, $7, $8, $9)`, o.ID, it.ID, it.Name, qty, it.PriceFen, amount, charge, actor.UserID, now)
		return db.Translate(err, "add labour")
	})
}

// DeleteLine takes a visit or labour line off the quote (same roles as AddLabour); part
// lines follow the parts used and cannot be deleted. Errors: NotFound, Forbidden,
// Conflict (part line, order closed, fees settled).
func (s *Service) DeleteLine(ctx context.Context, actor auth.Actor, orderID, lineID int64) error {
	return s.change(ctx, actor, orderID, func(tx pgx.Tx, o order, now time.Time) error {
		if !can(actor, o, false).EditLines {
			return forbidden("hotline,supervisor,technician")
		}
		var kind string
		err := tx.QueryRow(ctx, `SELECT kind FROM order_fee_lines WHERE id = $1 AND order_id = $2 AND deleted_at IS NULL`, lineID, o.ID).Scan(&kind)
		if err != nil {
			return db.Translate(err, "fee line")
		}
		if kind == "part" {
			return apperr.New(apperr.Conflict, "fee.error.part_line")
		}
		_, err = tx.Exec(ctx, `UPDATE order_fee_lines SET deleted_by = $2, deleted_at = $3 WHERE id = $1`, lineID, actor.UserID, now)
		return db.Translate(err, "delete line")
	})
}

// Confirm records that the customer confirmed the quote as it stands: the assigned
// technician on the tablet (via "tablet"), the hotline on the phone (via "phone").
// Required: customer name. Errors: NotFound, Forbidden, Invalid, Conflict (no lines,
// order closed, fees settled).
func (s *Service) Confirm(ctx context.Context, actor auth.Actor, orderID int64, via, customerName string) error {
	customerName = strings.TrimSpace(customerName)
	return s.change(ctx, actor, orderID, func(tx pgx.Tx, o order, now time.Time) error {
		c := can(actor, o, false)
		if !c.Confirm {
			return forbidden("technician,hotline")
		}
		f := map[string]string{}
		if via != c.Via {
			f["via"] = "fee.field.via"
		}
		switch {
		case customerName == "":
			f["customer_name"] = "field.required"
		case utf8.RuneCountInString(customerName) > maxText:
			f["customer_name"] = "fee.field.too_long"
		}
		if len(f) > 0 {
			return apperr.Fields(f)
		}
		var lines int
		var total int64
		if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(amount_fen), 0)::bigint FROM order_fee_lines WHERE order_id = $1 AND deleted_at IS NULL`, o.ID).
			Scan(&lines, &total); err != nil {
			return db.Translate(err, "quote total")
		}
		if lines == 0 {
			return apperr.New(apperr.Conflict, "fee.error.nothing_to_confirm")
		}
		_, err := tx.Exec(ctx, `INSERT INTO quote_confirmations (order_id, total_fen, customer_name, via, confirmed_by, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, o.ID, total, customerName, via, actor.UserID, now)
		return db.Translate(err, "confirm quote")
	})
}

// Settle records the payment (hotline or manager) once the work is done: the amount
// must equal the chargeable total; the receipt or invoice number is required except
// for invoice_later. fees_state becomes settled, so the callback may close the order.
// A receivable (an order closed unreachable with its fees owed) is settled the same way
// on its frozen quote, and the order's log records it.
// Errors: NotFound, Forbidden, Invalid (amount, method, receipt_no), Conflict (nothing
// chargeable, work not done, order closed, already settled).
func (s *Service) Settle(ctx context.Context, actor auth.Actor, orderID, amountFen int64, method, receiptNo string) error {
	receiptNo = strings.TrimSpace(receiptNo)
	settle := func(tx pgx.Tx, o order, now time.Time) error {
		if !can(actor, o, false).Settle {
			return forbidden("hotline,manager")
		}
		total, err := OwedFen(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if total == 0 {
			return apperr.New(apperr.Conflict, "fee.error.nothing_to_settle")
		}
		if !o.done() && !o.receivable() {
			return apperr.New(apperr.Conflict, "fee.error.not_done")
		}
		f := map[string]string{}
		if amountFen != total {
			f["amount"] = "fee.field.amount_mismatch"
		}
		if !contains(Methods, method) {
			f["method"] = "fee.field.method"
		}
		switch {
		case receiptNo == "" && method != "invoice_later":
			f["receipt_no"] = "fee.field.receipt_required"
		case utf8.RuneCountInString(receiptNo) > 64:
			f["receipt_no"] = "fee.field.too_long"
		}
		if len(f) > 0 {
			return apperr.Fields(f)
		}
		_, err = tx.Exec(ctx, `INSERT INTO settlements (order_id, amount_fen, method, receipt_no, settled_by, settled_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, o.ID, amountFen, method, receiptNo, actor.UserID, now)
		return db.Translate(err, "settle")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := lockOrder(ctx, tx, &actor, orderID)
		if err != nil {
			return err
		}
		if !o.receivable() {
			return s.changeTx(ctx, tx, actor, o, settle)
		}
		now := s.now()
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now); err != nil || !fresh {
			return err
		}
		if err := settle(tx, o, now); err != nil {
			return err
		}
		if _, err := keepState(ctx, tx, o); err != nil {
			return err
		}
		// The order is closed, so the workflow has no transition for this: the log gets
		// its own row, and the order's version moves so open pages see the change.
		_, err = tx.Exec(ctx, `WITH o AS (UPDATE work_orders SET version = version + 1, updated_at = $3 WHERE id = $1 RETURNING id, state, version)
			INSERT INTO work_order_events (order_id, from_state, to_state, transition, actor_id, version, at, note, data)
			SELECT id, state, state, 'receivable_settled', $2, version, $3, $4, jsonb_build_object('amount_fen', $5::bigint, 'method', $6::text) FROM o`,
			o.ID, actor.UserID, now, receiptNo, amountFen, method)
		if err != nil {
			return db.Translate(err, "receivable settled")
		}
		_, err = tx.Exec(ctx, workflow.NotifySQL, o.ID)
		return db.Translate(err, "notify")
	})
}

// OwedFen is what the customer owes for an order: the chargeable total of its quote.
func OwedFen(ctx context.Context, q db.Querier, orderID int64) (int64, error) {
	var total int64
	err := q.QueryRow(ctx, `SELECT coalesce(sum(amount_fen), 0)::bigint FROM order_fee_lines WHERE order_id = $1 AND deleted_at IS NULL`, orderID).Scan(&total)
	return total, db.Translate(err, "quote total")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ---- money ----

// FormatFen shows an amount in yuan with thousands separators: ¥1,234.50.
func FormatFen(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	yuan := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, r := range yuan {
		if i > 0 && (len(yuan)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	cents := fen % 100
	return sign + "¥" + b.String() + "." + string(rune('0'+cents/10)) + string(rune('0'+cents%10))
}

// FenInput shows an amount for an input field: 1234.50.
func FenInput(fen int64) string {
	return strconv.FormatInt(fen/100, 10) + "." + string(rune('0'+fen%100/10)) + string(rune('0'+fen%10))
}

// ParseYuan reads an amount in yuan as typed ("300", "1,234.5", "¥99.99", full-width
// digits) into fen, exactly (no floating point). ok is false for anything else,
// negative amounts and more than two decimals.
func ParseYuan(s string) (fen int64, ok bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．' || r == '。':
			return '.'
		case r == ',' || r == '，' || r == ' ' || r == '¥' || r == '￥':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 10 || len(frac) > 2 {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	return y*100 + c, true
}
