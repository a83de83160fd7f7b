package workorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// NotifyChannel is the PostgreSQL channel every order change is NOTIFYed on
// (workflow.NotifyChannel).
const NotifyChannel = workflow.NotifyChannel

// mutableCols are the columns a transition may change, in the order of orderValues.
var mutableCols = []string{
	"state", "version", "contact_name", "contact_phone", "contact_e164", "address", "preliminary",
	"assessed_at", "assessed_by", "cause_analysis", "repair_plan", "service_mode", "parts_needed", "tools_needed", "loaner_needed", "guidance",
	"assignee_id", "assigned_at", "first_contact_at", "appointment_start", "appointment_end", "reschedule_count",
	"arrived_at", "missing_parts", "unit_in_workshop", "loaner_issued",
	"completed_at", "diagnosis", "fault_cause", "actions_taken", "test_run", "usage_guidance", "signed", "no_signature_reason", "rating",
	"callback_due_at", "callback_attempts", "revisit_count", "fees_state", "closed_at", "cancelled_at", "cancel_reason",
	"repair_due_at", "search", "updated_at", "contact_due_at", "arrive_due_at", "complexity", "agreed_completion_at",
	"field_class",
}

func orderValues(o *Order) []any {
	return []any{
		o.State, o.Version, o.ContactName, o.ContactPhone, o.ContactE164, o.Address, o.Preliminary,
		o.AssessedAt, o.AssessedBy, o.CauseAnalysis, o.RepairPlan, o.ServiceMode, o.PartsNeeded, o.ToolsNeeded, o.LoanerNeeded, o.Guidance,
		o.AssigneeID, o.AssignedAt, o.FirstContactAt, o.AppointmentStart, o.AppointmentEnd, o.RescheduleCount,
		o.ArrivedAt, o.MissingParts, o.UnitInWorkshop, o.LoanerIssued,
		o.CompletedAt, o.Diagnosis, o.FaultCause, o.ActionsTaken, o.TestRun, o.UsageGuidance, o.Signed, o.NoSignatureReason, o.Rating,
		o.CallbackDueAt, o.CallbackAttempts, o.RevisitCount, o.FeesState, o.ClosedAt, o.CancelledAt, o.CancelReason,
		o.RepairDueAt, o.Search, o.UpdatedAt, o.ContactDueAt, o.ArriveDueAt, o.Complexity, o.AgreedCompletionAt,
		o.FieldClass,
	}
}

// fixedCols are set once, at intake.
var fixedCols = []string{
	"number", "station_id", "channel", "customer_id", "unit_id", "symptom", "request", "urgency", "service_type",
	"warranty", "repeat_of", "intake_key", "created_by", "created_at",
}

func fixedValues(o *Order) []any {
	return []any{
		o.Number, o.StationID, o.Channel, o.CustomerID, o.UnitID, o.Symptom, o.Request, o.Urgency, o.ServiceType,
		o.Warranty, o.RepeatOf, o.IntakeKey, o.CreatedBy, o.CreatedAt,
	}
}

// OrderColumns are the columns of an order as the service writes them (all but id), in
// the order of OrderValues: for tools that write orders in bulk, such as the bench seeder.
func OrderColumns() []string { return append(append([]string{}, fixedCols...), mutableCols...) }

// OrderValues are o's values for OrderColumns.
func OrderValues(o *Order) []any { return append(fixedValues(o), orderValues(o)...) }

// selectOrder reads every column plus the names the pages show.
var selectOrder = `SELECT o.id, o.` + strings.Join(append(append([]string{}, fixedCols...), mutableCols...), ", o.") + `,
	c.name AS customer_name, coalesce(a.display_name, '') AS assignee_name, s.name AS station_name,
	coalesce(concat_ws(' ', nullif(un.brand, ''), un.model, nullif(un.serial, '')), '') AS unit_label
	FROM work_orders o
	JOIN customers c ON c.id = o.customer_id
	JOIN stations s ON s.id = o.station_id
	LEFT JOIN users a ON a.id = o.assignee_id
	LEFT JOIN units un ON un.id = o.unit_id`

func collectOrders(rows pgx.Rows, err error) ([]Order, error) {
	if err != nil {
		return nil, db.Translate(err, "orders")
	}
	orders, err := pgx.CollectRows(rows, pgx.RowToStructByName[Order])
	return orders, db.Translate(err, "orders")
}

// lockOrder loads one order FOR UPDATE (NotFound when there is none).
func lockOrder(ctx context.Context, tx pgx.Tx, id int64) (Order, error) {
	orders, err := collectOrders(tx.Query(ctx, selectOrder+` WHERE o.id = $1 FOR UPDATE OF o`, id))
	if err != nil {
		return Order{}, err
	}
	if len(orders) == 0 {
		return Order{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return orders[0], nil
}

// orderByID loads one order without a lock.
func orderByID(ctx context.Context, q *pgxpool.Pool, id int64) (Order, error) {
	orders, err := collectOrders(q.Query(ctx, selectOrder+` WHERE o.id = $1`, id))
	if err != nil {
		return Order{}, err
	}
	if len(orders) == 0 {
		return Order{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return orders[0], nil
}

// insertOrder writes a new order and sets its id.
// insertOrder writes the new order o, its first event e (e.OrderID is o's new id) and
// the NOTIFY in one statement, and sets o.ID.
func insertOrder(ctx context.Context, tx pgx.Tx, o *Order, e Event) error {
	cols, vals := OrderColumns(), OrderValues(o)
	args := []any{}
	arg := db.Args(&args)
	ph := make([]string, len(cols))
	for i := range ph {
		ph[i] = arg(vals[i])
	}
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	// The payload's id is the new row's: set in SQL.
	payload := notifyPayload(o, nil)
	err := tx.QueryRow(ctx, `WITH o AS (INSERT INTO work_orders (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(ph, ", ")+`) RETURNING id),
		e AS (INSERT INTO work_order_events (order_id, from_state, to_state, transition, actor_id, version, input_hash, at, note, data)
			SELECT o.id, `+arg(e.FromState)+`::text, `+arg(e.ToState)+`::text, `+arg(e.Transition)+`::text, `+arg(e.ActorID)+`::bigint, `+arg(e.Version)+`::int,
				`+arg(e.InputHash)+`::text, `+arg(e.At)+`::timestamptz, `+arg(e.Note)+`::text, `+arg(e.Data)+`::jsonb FROM o)
		`+outboxCTE(e.message, e.At, arg, "SELECT o.id", "FROM o")+`
		SELECT o.id, pg_notify(`+arg(NotifyChannel)+`::text, jsonb_set(`+arg(payload)+`::jsonb, '{id}', to_jsonb(o.id))::text) FROM o`, args...).Scan(&o.ID, nil)
	return db.Translate(err, "insert order")
}

// writeStep writes every mutable column of o, its event e and the NOTIFY (prev is the
// assignee before the change) in one statement.
func writeStep(ctx context.Context, tx pgx.Tx, o *Order, e Event, prev *int64) error {
	args := []any{o.ID}
	arg := db.Args(&args)
	set := make([]string, len(mutableCols))
	vals := orderValues(o)
	for i, c := range mutableCols {
		set[i] = c + " = " + arg(vals[i])
	}
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	_, err := tx.Exec(ctx, `WITH u AS (UPDATE work_orders SET `+strings.Join(set, ", ")+` WHERE id = $1),
		e AS (INSERT INTO work_order_events (order_id, from_state, to_state, transition, actor_id, version, input_hash, at, note, data)
			VALUES ($1, `+arg(e.FromState)+`, `+arg(e.ToState)+`, `+arg(e.Transition)+`, `+arg(e.ActorID)+`, `+arg(e.Version)+`, `+arg(e.InputHash)+`, `+arg(e.At)+`, `+arg(e.Note)+`, `+arg(e.Data)+`))
		`+outboxCTE(e.message, e.At, arg, "SELECT $1::bigint", "")+`
		SELECT pg_notify(`+arg(NotifyChannel)+`::text, `+arg(notifyPayload(o, prev))+`::text)`, args...)
	return db.Translate(err, "write order")
}

// outboxCTE is the WITH part that puts the customer's message m in the outbox beside the
// event at the event's time at (m nil: none). selectOrder and from pick the order's id,
// from the statement's own rows when the order is new.
func outboxCTE(m *message, at time.Time, arg func(any) string, selectOrder, from string) string {
	if m == nil {
		return ""
	}
	t := arg(at)
	return `, m AS (INSERT INTO outbox (order_id, kind, recipient, params, next_at, created_at)
		` + selectOrder + `, ` + arg(m.Kind) + `::text, ` + arg(m.Recipient) + `::text, ` + arg(m.Params) + `::jsonb, ` + t + `::timestamptz, ` + t + `::timestamptz ` + from + `)`
}

// insertEvent appends one row to the order's log.
func insertEvent(ctx context.Context, tx pgx.Tx, e Event) error {
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	const insert = `INSERT INTO work_order_events (order_id, from_state, to_state, transition, actor_id, version, input_hash, at, note, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	args := []any{e.OrderID, e.FromState, e.ToState, e.Transition, e.ActorID, e.Version, e.InputHash, e.At, e.Note, e.Data}
	if m := e.message; m != nil {
		// The customer's message goes in the same statement: no extra round trip, and it
		// exists exactly when the event does.
		_, err := tx.Exec(ctx, `WITH e AS (`+insert+` RETURNING order_id, at)
			INSERT INTO outbox (order_id, kind, recipient, params, next_at, created_at) SELECT e.order_id, $11, $12, $13, e.at, e.at FROM e`,
			append(args, m.Kind, m.Recipient, m.Params)...)
		return db.Translate(err, "insert event")
	}
	_, err := tx.Exec(ctx, insert, args...)
	return db.Translate(err, "insert event")
}

// notify tells live pages the order changed; PostgreSQL delivers it on commit. prev is
// the assignee before the change, so a technician's page also hears of an order taken
// away from them.
func notify(ctx context.Context, tx pgx.Tx, o *Order, prev *int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, NotifyChannel, notifyPayload(o, prev))
	return db.Translate(err, "notify")
}

// notifyPayload is the NOTIFY payload of o's change (prev: the assignee before it).
func notifyPayload(o *Order, prev *int64) string {
	var assignee, before int64
	if o.AssigneeID != nil {
		assignee = *o.AssigneeID
	}
	if prev != nil {
		before = *prev
	}
	payload, _ := json.Marshal(map[string]any{"id": o.ID, "station_id": o.StationID, "state": o.State, "version": o.Version,
		"assignee_id": assignee, "prev_assignee_id": before})
	return string(payload)
}

// nextNumber takes the next number of a station's day. The upsert locks the counter row
// until the intake commits, so concurrent intakes wait for each other and a rolled-back
// intake gives its number back: numbers stay unique and gap-free.
// It also returns the station's code, which starts the number. The station is held (FOR
// SHARE) until the order is written, so it is not deactivated meanwhile; a deactivated
// station takes no orders (Conflict).
func nextNumber(ctx context.Context, tx pgx.Tx, stationID int64, day time.Time) (int, string, error) {
	var n int
	var code string
	var active bool
	err := tx.QueryRow(ctx, `WITH c AS (INSERT INTO order_counters (station_id, day, last) VALUES ($1, $2, 1)
		ON CONFLICT (station_id, day) DO UPDATE SET last = order_counters.last + 1 RETURNING last)
		SELECT c.last, s.code, s.active FROM c, stations s WHERE s.id = $1 FOR SHARE OF s`, stationID, day).Scan(&n, &code, &active)
	if err == nil && !active {
		return 0, "", apperr.New(apperr.Conflict, "station.takes_no_orders")
	}
	return n, code, db.Translate(err, "order number")
}

// orderIDByIntakeKey is the order an intake form's one-time key made, or 0.
func orderIDByIntakeKey(ctx context.Context, q db.Querier, key string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM work_orders WHERE intake_key = $1`, key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, db.Translate(err, "intake key")
}

// caller is what a new order copies from its customer.
type caller struct {
	station               int64
	name, contact         string
	phonesRaw, phonesE164 []string
	address               string
	// settings are the customer's station's, read in the same statement.
	settings Settings
}

// scanCaller reads a row of callerSQL: the customer, whether it has units, the order the
// form's key made (nil: none) and the station's settings.
func scanCaller(row pgx.Row, c *caller, hasUnits *bool, made **int64) error {
	var chain []byte
	if err := row.Scan(&c.station, &c.name, &c.contact, &c.phonesRaw, &c.phonesE164, &c.address, hasUnits, made, &chain); err != nil {
		return err
	}
	rows, err := db.DecodeRows[settings.ChainRow](chain)
	if err != nil {
		return fmt.Errorf("settings chain: %w", err)
	}
	c.settings = settings.Resolve(settings.ChainOf(rows)).Values
	return nil
}

// callerOf reads a customer for a new order, holding the row (FOR SHARE) until the
// order is written; NotFound when there is none.
func callerOf(ctx context.Context, tx pgx.Tx, customerID int64) (caller, error) {
	var c caller
	var hasUnits bool
	var made *int64
	err := scanCaller(tx.QueryRow(ctx, callerSQL, customerID, ""), &c, &hasUnits, &made)
	if err != nil {
		return caller{}, db.Translate(err, "customer")
	}
	return c, nil
}

// callerSQL reads customer $1 for a new order in one statement, holding the row: station,
// name, contact, phones as typed and normalised, first address, whether it has units,
// and the order intake form key $2 made (NULL for none, or for key "").
var callerSQL = `SELECT c.station_id, c.name, c.contact_person,
	coalesce((SELECT array_agg(p.raw ORDER BY p.position, p.id) FROM customer_phones p WHERE p.customer_id = c.id), '{}'),
	coalesce((SELECT array_agg(p.e164 ORDER BY p.position, p.id) FROM customer_phones p WHERE p.customer_id = c.id), '{}'),
	coalesce((SELECT a.address FROM customer_addresses a WHERE a.customer_id = c.id ORDER BY a.position, a.id LIMIT 1), ''),
	EXISTS (SELECT 1 FROM units u WHERE u.customer_id = c.id),
	(SELECT w.id FROM work_orders w WHERE w.intake_key = nullif($2::text, '')),
	(SELECT coalesce(json_agg(to_json(t)), '[]') FROM (` + settings.ChainSQL("c.station_id") + `) t)
	FROM customers c WHERE c.id = $1 FOR SHARE OF c`

// unitOf reads a customer's unit for a new order and, in the same statement, the unit's
// latest completed repair (its order and when it was completed; 0 and nil without one),
// which makes a repair call a repeat repair when it falls within the repair warranty.
func unitOf(ctx context.Context, tx pgx.Tx, unitID, customerID int64, lock bool) (orderUnit, error) {
	sql := unitSQL
	if lock {
		sql += ` FOR NO KEY UPDATE OF u`
	}
	var u orderUnit
	var last *int64
	err := tx.QueryRow(ctx, sql, unitID, customerID).Scan(&u.ID, &u.Serial, &u.PurchaseDate, &u.WarrantyMonths, &u.InstallAddress, &last, &u.repairedAt)
	if last != nil {
		u.lastRepair = *last
	}
	return u, err
}

// orderUnit is the unit of a new order and its latest completed repair (0 without one).
type orderUnit struct {
	customer.Unit
	lastRepair int64
	repairedAt *time.Time
}

// unitSQL reads unit $1 of customer $2 and its latest completed repair.
const unitSQL = `SELECT u.id, u.serial, u.purchase_date, u.warranty_months, u.install_address, r.id, r.completed_at
	FROM units u LEFT JOIN LATERAL (SELECT o.id, o.completed_at FROM work_orders o
		WHERE o.unit_id = u.id AND o.service_type = 'repair' AND o.completed_at IS NOT NULL ORDER BY o.completed_at DESC LIMIT 1) r ON true
	WHERE u.id = $1 AND u.customer_id = $2`

// photoCount counts the photos already saved for an order.
func photoCount(ctx context.Context, tx pgx.Tx, orderID int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM attachments WHERE order_id = $1 AND kind = 'photo'`, orderID).Scan(&n)
	return n, db.Translate(err, "count photos")
}

// partsLeft is how many of a part were issued to an order (through its requisitions, less
// what was returned) and not yet recorded as used.
func partsLeft(ctx context.Context, tx pgx.Tx, orderID, partID int64) (int, error) {
	var left int
	err := tx.QueryRow(ctx, `SELECT coalesce((SELECT sum(l.issued - l.returned) FROM requisition_lines l JOIN requisitions q ON q.id = l.requisition_id
		WHERE q.order_id = $1 AND q.state = 'issued' AND l.part_id = $2), 0)
		- coalesce((SELECT quantity FROM order_parts_used WHERE order_id = $1 AND part_id = $2), 0)`, orderID, partID).Scan(&left)
	return left, db.Translate(err, "parts issued")
}

// addPartsUsed records that qty more of a part were used on an order.
func addPartsUsed(ctx context.Context, tx pgx.Tx, orderID, partID int64, qty int) error {
	_, err := tx.Exec(ctx, `INSERT INTO order_parts_used (order_id, part_id, quantity) VALUES ($1, $2, $3)
		ON CONFLICT (order_id, part_id) DO UPDATE SET quantity = order_parts_used.quantity + EXCLUDED.quantity`, orderID, partID, qty)
	return db.Translate(err, "parts used")
}

// insertCallbackAttempt records a callback call that did not reach the customer
// (outcome no_answer or refused) by user by at at.
func insertCallbackAttempt(ctx context.Context, tx pgx.Tx, orderID int64, outcome, note string, by int64, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO callback_attempts (order_id, outcome, note, by_user, at) VALUES ($1, $2, $3, $4, $5)`,
		orderID, outcome, note, by, at)
	return db.Translate(err, "callback attempt")
}

// insertCallbackSurvey records the survey of a callback that reached the customer, by
// user by at at.
func insertCallbackSurvey(ctx context.Context, tx pgx.Tx, orderID int64, c Callback, by int64, at time.Time) error {
	channel := c.Channel
	if channel == "" {
		channel = CallbackByPhone
	}
	_, err := tx.Exec(ctx, `INSERT INTO callback_attempts (order_id, outcome, attitude, timeliness, quality, overall, satisfied, comments, note, by_user, at, channel)
		VALUES ($1, 'reached', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		orderID, c.Attitude, c.Timeliness, c.Quality, c.Overall, c.Satisfied, strings.TrimSpace(c.Comments), strings.TrimSpace(c.Note), by, at, channel)
	return db.Translate(err, "callback survey")
}

// earlierRepair returns the unit's latest repair (service type repair, completed) within
// the repair-warranty period before now, or 0: a new repair call on it is a repeat repair
// (返修, 001 §四.4). Maintenance, installation and consultation visits do not count.
func earlierRepair(ctx context.Context, q db.Querier, unitID int64, st Settings, now time.Time) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM work_orders WHERE unit_id = $1 AND service_type = 'repair' AND completed_at >= $2
		ORDER BY completed_at DESC LIMIT 1`, unitID, now.AddDate(0, 0, -st.RepairWarrantyDays)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, db.Translate(err, "repeat repair")
}

// change names who made version v of an order, how and when (for conflict messages and
// to recognise a retried form).
type madeBy struct {
	Transition, Name, InputHash string
	ActorID                     int64
	At                          time.Time
}

// lastChange returns who made version v of an order. Notes share the version they were
// added on without making it, so they are not counted.
func lastChange(ctx context.Context, tx pgx.Tx, orderID int64, version int) (madeBy, error) {
	var m madeBy
	err := tx.QueryRow(ctx, `SELECT e.transition, u.display_name, e.input_hash, e.actor_id, e.at FROM work_order_events e JOIN users u ON u.id = e.actor_id
		WHERE e.order_id = $1 AND e.version = $2 AND e.transition <> '`+noteTransition+`' ORDER BY e.id DESC LIMIT 1`, orderID, version).Scan(&m.Transition, &m.Name, &m.InputHash, &m.ActorID, &m.At)
	return m, err
}

// timelineSQL selects an order's events, oldest first, with the actors' names.
const timelineSQL = `SELECT e.id, e.order_id, e.from_state, e.to_state, e.transition, e.actor_id, u.display_name AS actor_name,
	e.version, e.input_hash, e.at, e.note, e.data FROM work_order_events e JOIN users u ON u.id = e.actor_id WHERE e.order_id = $1 ORDER BY e.id`

// timeline reads an order's events with the actors' names, oldest first.
func timeline(ctx context.Context, q *pgxpool.Pool, orderID int64) ([]Event, error) {
	rows, err := q.Query(ctx, timelineSQL, orderID)
	if err != nil {
		return nil, db.Translate(err, "timeline")
	}
	ev, err := pgx.CollectRows(rows, pgx.RowToStructByName[Event])
	return ev, db.Translate(err, "timeline")
}

// Filter selects orders for the list and the board. Zero values mean "any".
type Filter struct {
	States      []State
	Urgency     string
	ServiceType string
	// StationID narrows to one station the actor sees (0 = all the actor sees).
	StationID  int64
	AssigneeID int64
	// Overdue keeps orders with at least one SLA clock run out.
	Overdue bool
	// Text matches number, customer name, phone (any format) or serial.
	Text string
	// From and To bound the intake time (To exclusive), or the completion time when
	// Basis is BasisCompleted.
	From, To time.Time
	// Basis is which time From and To bound: BasisCreated ("", the default) or
	// BasisCompleted.
	Basis string
	// Figure and Side keep the orders behind one side (SideNum, SideDen) of a report
	// figure (FigureLists), by the report's own condition (FigureCond).
	Figure, Side string
	// After is the cursor from the previous page.
	After string
	// Limit is the page size (default 50, at most 200).
	Limit int
}

// Page is one page of orders and the cursor of the next (empty at the end).
type Page struct {
	Orders []Order
	Next   string
}

// cursor encodes the keyset position (created_at, id).
func cursor(o Order) string { return db.Cursor(o.CreatedAt, o.ID) }

// overdueSQL is Order.Overdue in SQL, with $now.
var overdueSQL = `(
	(` + workflow.StateIs("o", Received, Assessing, AwaitingDispatch, Dispatched) + ` AND o.first_contact_at IS NULL AND o.contact_due_at < %[1]s)
	OR (` + workflow.StateIs("o", Received, Assessing, AwaitingDispatch, Dispatched, Scheduled) + ` AND o.arrived_at IS NULL AND o.arrive_due_at < %[1]s)
	OR (` + workflow.StateIs("o", InProgress) + ` AND o.repair_due_at < %[1]s)
	OR (` + workflow.StateIs("o", AwaitingCallback) + ` AND o.callback_due_at < %[1]s))`

// orderWhere is the condition of the orders f selects among those actor sees (after
// f.After, when set), for listOrders and exportOrders. arg adds a value to the query's
// arguments and returns its placeholder. A cursor that does not parse is Invalid.
func orderWhere(actor auth.Actor, f Filter, now time.Time, arg func(any) string) (string, error) {
	where := []string{workflow.Scope(actor, "o", arg)}
	if len(f.States) > 0 {
		ss := make([]string, len(f.States))
		for i, s := range f.States {
			ss[i] = string(s)
		}
		where = append(where, "o.state = ANY("+arg(ss)+")")
	}
	if f.Urgency != "" {
		where = append(where, "o.urgency = "+arg(f.Urgency))
	}
	if f.ServiceType != "" {
		where = append(where, "o.service_type = "+arg(f.ServiceType))
	}
	if f.AssigneeID != 0 {
		where = append(where, "o.assignee_id = "+arg(f.AssigneeID))
	}
	if f.Overdue {
		where = append(where, fmt.Sprintf(overdueSQL, arg(now)))
	}
	if t := customer.SearchTerm(f.Text); t != "" {
		where = append(where, "o.search ILIKE "+arg(customer.ContainsPattern(t)))
	}
	if f.Figure != "" || f.Side != "" {
		cond, ok := FigureCond(f.Figure, f.Side, func() string { return arg(now) + "::timestamptz" })
		if !ok {
			return "", apperr.Fields(map[string]string{"figure": "error.invalid"})
		}
		if cond != "" {
			where = append(where, cond)
		}
	}
	col := "o.created_at"
	switch f.Basis {
	case "", BasisCreated:
	case BasisCompleted:
		col = "o.completed_at"
	default:
		return "", apperr.Fields(map[string]string{"basis": "error.invalid"})
	}
	if !f.From.IsZero() {
		where = append(where, col+" >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, col+" < "+arg(f.To))
	}
	if f.After != "" {
		at, id, ok := db.ParseCursor(f.After)
		if !ok {
			return "", apperr.Fields(map[string]string{"after": "error.invalid"})
		}
		where = append(where, "(o.created_at, o.id) < ("+arg(at)+", "+arg(id)+")")
	}
	return strings.Join(where, " AND "), nil
}

// listOrders runs a filtered, keyset-paginated query newest first.
// The actor's scope (workflow.Scope) makes one station an equality, so the
// (station_id, created_at) index gives the newest rows in order; measured at a million
// orders, = ANY('{3}') sorted them all (250 ms).
func listOrders(ctx context.Context, q *pgxpool.Pool, actor auth.Actor, f Filter, now time.Time) (Page, error) {
	args := []any{}
	arg := db.Args(&args)
	where, err := orderWhere(actor, f, now, arg)
	if err != nil {
		return Page{}, err
	}
	limit := db.PageSize(f.Limit)
	sql := selectOrder + " WHERE " + where + " ORDER BY o.created_at DESC, o.id DESC LIMIT " + arg(limit+1)
	orders, err := collectOrders(q.Query(ctx, sql, args...))
	if err != nil {
		return Page{}, err
	}
	p := Page{Orders: orders}
	if len(orders) > limit {
		p.Orders = orders[:limit]
		p.Next = cursor(p.Orders[limit-1])
	}
	return p, nil
}

// exportOrders streams the orders of listOrders' filter, newest first, at most limit
// of them, to each as they come from the server: the rows are never all in memory.
// It reports whether more orders matched than limit. The query ends with ctx, or
// with each's error, which it returns.
func exportOrders(ctx context.Context, q *pgxpool.Pool, actor auth.Actor, f Filter, now time.Time, limit int, each func(Order) error) (more bool, err error) {
	args := []any{}
	arg := db.Args(&args)
	where, err := orderWhere(actor, f, now, arg)
	if err != nil {
		return false, err
	}
	sql := selectOrder + " WHERE " + where + " ORDER BY o.created_at DESC, o.id DESC LIMIT " + arg(limit+1)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return false, db.Translate(err, "export orders")
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n == limit {
			more = true
			break
		}
		o, err := pgx.RowToStructByName[Order](rows)
		if err != nil {
			return false, db.Translate(err, "export orders")
		}
		if err := each(o); err != nil {
			return false, err
		}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, db.Translate(err, "export orders")
	}
	return more, nil
}

// dueCallbacksPage is which callbacks due callbacksDueSQL lists: the reached ones or
// not (nil: both), after the keyset position (due_at, event_id) when afterDue is set,
// at most limit of them (it reads one more, to tell there is a next page).
type dueCallbacksPage struct {
	reached  *bool
	afterDue *time.Time
	afterID  int64
	limit    int
}

// callbacksDueCountSQL counts the callbacks that fell due in [from, min(to, now)) for the
// orders actor sees (CallbackCyclesSQL), and those that reached the customer
// (CallbackReachedSQL), with its arguments.
func callbacksDueCountSQL(actor auth.Actor, from, to, now time.Time) (string, []any) {
	args := []any{from, to, now}
	scope := workflow.Scope(actor, "o", db.Args(&args))
	return CallbackCyclesSQL("$1", "$2", "$3", scope) + `
SELECT count(*), count(*) FILTER (WHERE ` + CallbackReachedSQL("c") + `) FROM cycles c`, args
}

// callbacksDueSQL lists the callbacks that fell due in [from, min(to, now)) for the
// orders actor sees (CallbackCyclesSQL), one row per cycle with its order's number,
// station and customer, whether it reached the customer (CallbackReachedSQL) and when it
// first did, by due time then event id, for p; with its arguments.
func callbacksDueSQL(actor auth.Actor, from, to, now time.Time, p dueCallbacksPage) (string, []any) {
	args := []any{from, to, now}
	arg := db.Args(&args)
	scope := workflow.Scope(actor, "o", arg)
	where := []string{"true"}
	if p.reached != nil {
		where = append(where, "l.reached = "+arg(*p.reached))
	}
	if p.afterDue != nil {
		where = append(where, "(l.due_at, l.event_id) > ("+arg(*p.afterDue)+"::timestamptz, "+arg(p.afterID)+"::bigint)")
	}
	return CallbackCyclesSQL("$1", "$2", "$3", scope) + `, listed AS (
	SELECT c.event_id, c.order_id, o.number, s.name AS station_name, cu.name AS customer_name, c.due_at,
		` + CallbackReachedSQL("c") + ` AS reached, ` + callbackReachedAtSQL("c") + ` AS reached_at
	FROM cycles c JOIN work_orders o ON o.id = c.order_id JOIN stations s ON s.id = c.station_id
		JOIN customers cu ON cu.id = o.customer_id
)
SELECT l.event_id, l.order_id, l.number, l.station_name, l.customer_name, l.due_at, l.reached, l.reached_at
FROM listed l WHERE ` + strings.Join(where, " AND ") + `
ORDER BY l.due_at, l.event_id LIMIT ` + arg(p.limit+1), args
}
