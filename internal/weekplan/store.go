package weekplan

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// technician is the active or inactive technician techID as the actor sees them
// (NotFound for anyone else).
func technician(ctx context.Context, q querier, actor auth.Actor, techID int64) (Technician, error) {
	args := []any{techID}
	arg := db.Args(&args)
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.station_id, st.name AS station_name
		FROM users u JOIN stations st ON st.id = u.station_id
		WHERE u.id = $1 AND u.role = 'technician' AND `+scopeCols(actor, "u.id", "u.station_id", arg), args...)
	if err != nil {
		return Technician{}, db.Translate(err, "technician")
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Technician])
	if err != nil {
		return Technician{}, db.Translate(err, "technician")
	}
	return t, nil
}

const selectPlan = `SELECT p.id, p.technician_id, p.week_start, p.station_id, p.state, p.version, p.updated_at,
	p.submitted_at, coalesce(su.display_name, '') AS submitted_by_name,
	p.decided_at, coalesce(du.display_name, '') AS decided_by_name, coalesce(p.return_comment, '') AS return_comment
	FROM week_plans p LEFT JOIN users su ON su.id = p.submitted_by LEFT JOIN users du ON du.id = p.decided_by`

// planOf is the technician's plan of the week as the actor sees it; a plan not saved
// yet comes back with ID 0 and State None.
func planOf(ctx context.Context, q querier, actor auth.Actor, techID int64, week time.Time) (Plan, error) {
	args := []any{techID, week}
	arg := db.Args(&args)
	rows, err := q.Query(ctx, selectPlan+` WHERE p.technician_id = $1 AND p.week_start = $2 AND `+Scope(actor, "p", arg), args...)
	if err != nil {
		return Plan{}, db.Translate(err, "week plan")
	}
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[Plan])
	if err != nil {
		return Plan{}, db.Translate(err, "week plan")
	}
	if len(ps) == 0 {
		return Plan{TechnicianID: techID, Week: week}, nil
	}
	return ps[0], nil
}

// lock loads the technician's plan of the week FOR UPDATE inside tx with its count of
// items (ID 0, State None, version 0 when none is saved yet).
func lock(ctx context.Context, tx pgx.Tx, actor auth.Actor, techID int64, week time.Time) (Plan, int, error) {
	args := []any{techID, week}
	arg := db.Args(&args)
	p := Plan{TechnicianID: techID, Week: week}
	var n int
	err := tx.QueryRow(ctx, `SELECT p.id, p.state, p.version, p.station_id FROM week_plans p
		WHERE p.technician_id = $1 AND p.week_start = $2 AND `+Scope(actor, "p", arg)+` FOR UPDATE`, args...).Scan(&p.ID, &p.State, &p.Version, &p.StationID)
	if err == pgx.ErrNoRows {
		return p, 0, nil
	}
	if err != nil {
		return Plan{}, 0, db.Translate(err, "lock week plan")
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM week_plan_items WHERE plan_id = $1`, p.ID).Scan(&n); err != nil {
		return Plan{}, 0, db.Translate(err, "week plan items")
	}
	return p, n, nil
}

// items lists plan items of the plans the actor sees that match cond (SQL ending in a
// comparison) with value, by day and position.
func items(ctx context.Context, q querier, actor auth.Actor, cond string, value any) ([]Item, error) {
	args := []any{value}
	arg := db.Args(&args)
	rows, err := q.Query(ctx, `SELECT i.id, i.plan_id, p.technician_id, i.day, i.kind, i.part,
		coalesce(to_char(i.start_time, 'HH24:MI'), '') AS start_time, coalesce(to_char(i.end_time, 'HH24:MI'), '') AS end_time,
		i.order_id, coalesce(o.number, '') AS order_number, coalesce(c.name, '') AS customer_name, i.note
		FROM week_plan_items i JOIN week_plans p ON p.id = i.plan_id
		LEFT JOIN work_orders o ON o.id = i.order_id LEFT JOIN customers c ON c.id = o.customer_id
		WHERE `+cond+`$1 AND `+Scope(actor, "p", arg)+` ORDER BY p.technician_id, i.day, i.start_time NULLS FIRST, i.position`, args...)
	if err != nil {
		return nil, db.Translate(err, "week plan items")
	}
	its, err := pgx.CollectRows(rows, pgx.RowToStructByName[Item])
	return its, db.Translate(err, "week plan items")
}

// appointments are the technician's appointed visits starting in the week, in time
// order (cancelled orders left out).
func appointments(ctx context.Context, q querier, actor auth.Actor, techID int64, week time.Time, loc *time.Location) ([]Appointment, error) {
	from, to := Bounds(week, loc)
	args := []any{techID, from, to}
	arg := db.Args(&args)
	rows, err := q.Query(ctx, `SELECT o.id, o.number, c.name AS customer_name, o.appointment_start, o.appointment_end
		FROM work_orders o JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = o.assignee_id
		WHERE o.assignee_id = $1 AND o.appointment_start >= $2 AND o.appointment_start < $3 AND o.state <> 'cancelled'
		AND `+scopeCols(actor, "u.id", "u.station_id", arg)+` ORDER BY o.appointment_start, o.id`, args...)
	if err != nil {
		return nil, db.Translate(err, "appointments")
	}
	as, err := pgx.CollectRows(rows, pgx.RowToStructByName[Appointment])
	return as, db.Translate(err, "appointments")
}

// checkOrders refuses visits that link an order not assigned to the technician.
func checkOrders(ctx context.Context, tx pgx.Tx, techID int64, items []ItemInput) error {
	var ids []int64
	for _, it := range items {
		if it.Kind == "visit" {
			ids = append(ids, it.OrderID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM work_orders WHERE id = ANY($1) AND assignee_id = $2`, ids, techID)
	if err != nil {
		return db.Translate(err, "visit orders")
	}
	ok, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return db.Translate(err, "visit orders")
	}
	known := map[int64]bool{}
	for _, id := range ok {
		known[id] = true
	}
	f := map[string]string{}
	for i, it := range items {
		if it.Kind == "visit" && !known[it.OrderID] {
			f["items."+itoa(i)+".order"] = "weekplan.field.order"
		}
	}
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return nil
}

// writeItems replaces the plan's items with items, in their order.
func writeItems(ctx context.Context, tx pgx.Tx, planID int64, items []ItemInput) error {
	if _, err := tx.Exec(ctx, `DELETE FROM week_plan_items WHERE plan_id = $1`, planID); err != nil {
		return db.Translate(err, "week plan items")
	}
	for i, it := range items {
		var order *int64
		if it.Kind == "visit" {
			order = &it.OrderID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO week_plan_items (plan_id, position, day, kind, part, start_time, end_time, order_id, note)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')::time, NULLIF($7, '')::time, $8, $9)`,
			planID, i, it.Day, it.Kind, it.Part, it.Start, it.End, order, it.Note); err != nil {
			return db.Translate(err, "week plan item")
		}
	}
	return nil
}

// addEvent appends one row to the plan's timeline.
func addEvent(ctx context.Context, tx pgx.Tx, planID int64, at time.Time, actorID int64, kind Transition, from, to State, data map[string]any) error {
	var fromState *string
	if from != None {
		f := string(from)
		fromState = &f
	}
	_, err := tx.Exec(ctx, `INSERT INTO week_plan_events (plan_id, at, actor_id, kind, from_state, to_state, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, planID, at, actorID, string(kind), fromState, string(to), data)
	return db.Translate(err, "week plan event")
}

// events are the plan's timeline, oldest first.
func events(ctx context.Context, q querier, planID int64) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT e.id, e.at, u.display_name AS actor_name, e.kind, e.from_state, e.to_state, e.data
		FROM week_plan_events e JOIN users u ON u.id = e.actor_id WHERE e.plan_id = $1 ORDER BY e.id`, planID)
	if err != nil {
		return nil, db.Translate(err, "week plan events")
	}
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[Event])
	return es, db.Translate(err, "week plan events")
}

// listRows is, for the week, every active technician of the actor's stations with their
// plan's state ("" for none) and count of items.
func listRows(ctx context.Context, q querier, actor auth.Actor, week time.Time) ([]Row, error) {
	args := []any{week}
	arg := db.Args(&args)
	rows, err := q.Query(ctx, `SELECT u.id AS technician_id, u.display_name AS technician_name, st.name AS station_name,
		coalesce(p.state, '') AS state, coalesce((SELECT count(*) FROM week_plan_items i WHERE i.plan_id = p.id), 0)::int AS items,
		p.submitted_at
		FROM users u JOIN stations st ON st.id = u.station_id
		LEFT JOIN week_plans p ON p.technician_id = u.id AND p.week_start = $1
		WHERE u.role = 'technician' AND u.active AND `+scopeCols(actor, "u.id", "u.station_id", arg)+`
		ORDER BY u.station_id, u.display_name, u.id`, args...)
	if err != nil {
		return nil, db.Translate(err, "week plans")
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Row])
	return rs, db.Translate(err, "week plans")
}
