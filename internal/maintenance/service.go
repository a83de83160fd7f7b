package maintenance

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
	"github.com/jackc/pgx/v5/pgxpool"
)

// CreateOrder creates, inside tx and on behalf of actor, a maintenance work order for
// the customer's unit with the given symptom and request text, and returns its id (the
// work-order service's MaintenanceOrderTx).
type CreateOrder func(ctx context.Context, tx pgx.Tx, actor auth.Actor, customerID, unitID int64, symptom, request string) (int64, error)

// Service keeps the maintenance plans and runs the maintenance job.
type Service struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	loc    *time.Location
	create CreateOrder
}

// NewService returns the maintenance service. now is the one clock; loc the time zone
// of due dates; create makes the job's work orders.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location, create CreateOrder) *Service {
	return &Service{pool: pool, now: now, loc: loc, create: create}
}

// Plan is a unit's maintenance plan.
type Plan struct {
	ID          int64
	UnitID      int64
	StationID   int64
	CycleMonths int
	NextDue     time.Time
	Checklist   []string
	Parts       string
	Ended       bool
	Version     int
}

// mayPlan reports whether actor may set and end plans: supervisors and managers.
func mayPlan(a auth.Actor) bool { return a.Is(auth.RoleSupervisor, auth.RoleManager) }

// unitStation returns the station of the unit's customer, NotFound when actor does not
// see it.
func unitStation(ctx context.Context, q db.Querier, actor auth.Actor, unitID int64) (int64, error) {
	var station int64
	err := q.QueryRow(ctx, `SELECT c.station_id FROM units u JOIN customers c ON c.id = u.customer_id WHERE u.id = $1`, unitID).Scan(&station)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !actor.Sees(station) {
		return 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	return station, db.Translate(err, "unit")
}

const planCols = `p.id, p.unit_id, c.station_id, p.cycle_months, p.next_due, p.checklist, p.parts, p.ended_at IS NOT NULL, p.version`

func scanPlan(row pgx.Row) (Plan, error) {
	var p Plan
	err := row.Scan(&p.ID, &p.UnitID, &p.StationID, &p.CycleMonths, &p.NextDue, &p.Checklist, &p.Parts, &p.Ended, &p.Version)
	return p, err
}

// activePlan returns the unit's active plan, found false when it has none; lock takes
// the row FOR UPDATE.
func activePlan(ctx context.Context, q db.Querier, unitID int64, lock bool) (Plan, bool, error) {
	sql := `SELECT ` + planCols + ` FROM maintenance_plans p JOIN units u ON u.id = p.unit_id JOIN customers c ON c.id = u.customer_id
		WHERE p.unit_id = $1 AND p.ended_at IS NULL`
	if lock {
		sql += ` FOR UPDATE OF p`
	}
	p, err := scanPlan(q.QueryRow(ctx, sql, unitID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Plan{}, false, nil
	}
	if err != nil {
		return Plan{}, false, db.Translate(err, "maintenance plan")
	}
	return p, true, nil
}

// PlanOfUnit returns the unit's active plan, found false when it has none. NotFound for
// a unit the actor cannot see.
func (s *Service) PlanOfUnit(ctx context.Context, actor auth.Actor, unitID int64) (Plan, bool, error) {
	if _, err := unitStation(ctx, s.pool, actor, unitID); err != nil {
		return Plan{}, false, err
	}
	return activePlan(ctx, s.pool, unitID, false)
}

func event(ctx context.Context, tx pgx.Tx, planID int64, kind string, actorID *int64, at time.Time, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO maintenance_events (plan_id, kind, actor_id, at, data) VALUES ($1, $2, $3, $4, $5)`,
		planID, kind, actorID, at, data)
	return db.Translate(err, "maintenance event")
}

// SetPlan sets the unit's plan, or edits its active one (version is the plan's version
// the form showed, 0 for a new plan). Supervisors and managers of the unit's station
// (Forbidden); NotFound for a unit the actor cannot see; Invalid with field keys;
// Conflict when the plan changed since the form was shown. The same form sent again
// changes nothing.
func (s *Service) SetPlan(ctx context.Context, actor auth.Actor, unitID int64, version int, in PlanInput) (Plan, error) {
	if !mayPlan(actor) {
		return Plan{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor, manager")
	}
	if _, err := unitStation(ctx, s.pool, actor, unitID); err != nil {
		return Plan{}, err
	}
	if f := in.Valid(); len(f) > 0 {
		return Plan{}, apperr.Fields(f)
	}
	items := SplitChecklist(in.Checklist)
	parts := strings.TrimSpace(in.Parts)
	now := s.now()
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		p, found, err := activePlan(ctx, tx, unitID, true)
		if err != nil {
			return err
		}
		data := map[string]any{"cycle_months": in.CycleMonths, "next_due": in.NextDue.Format(time.DateOnly), "checklist": items, "parts": parts}
		if !found {
			var id int64
			err := tx.QueryRow(ctx, `INSERT INTO maintenance_plans (unit_id, cycle_months, next_due, checklist, parts, created_by, updated_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $7) RETURNING id`, unitID, in.CycleMonths, in.NextDue, items, parts, actor.UserID, now).Scan(&id)
			if err != nil {
				return db.Translate(err, "maintenance plan")
			}
			return event(ctx, tx, id, "set", &actor.UserID, now, data)
		}
		if p.Version != version {
			return apperr.New(apperr.Conflict, "maint.error.changed")
		}
		_, err = tx.Exec(ctx, `UPDATE maintenance_plans SET cycle_months = $2, next_due = $3, checklist = $4, parts = $5, updated_by = $6,
			updated_at = $7, version = version + 1 WHERE id = $1`, p.ID, in.CycleMonths, in.NextDue, items, parts, actor.UserID, now)
		if err != nil {
			return db.Translate(err, "maintenance plan")
		}
		return event(ctx, tx, p.ID, "edit", &actor.UserID, now, data)
	})
	if err != nil {
		return Plan{}, err
	}
	p, _, err := activePlan(ctx, s.pool, unitID, false)
	return p, err
}

// EndPlan ends the unit's active plan: the job makes no more orders for it. The same
// roles and errors as SetPlan; NotFound when the unit has no active plan (or it ended
// by the same form already).
func (s *Service) EndPlan(ctx context.Context, actor auth.Actor, unitID int64, version int, reason string) error {
	if !mayPlan(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor, manager")
	}
	if _, err := unitStation(ctx, s.pool, actor, unitID); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if f := limits.Check(map[string]string{}, "reason", reason); len(f) > 0 {
		return apperr.Fields(f)
	}
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		p, found, err := activePlan(ctx, tx, unitID, true)
		if err != nil {
			return err
		}
		if !found {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if p.Version != version {
			return apperr.New(apperr.Conflict, "maint.error.changed")
		}
		if _, err := tx.Exec(ctx, `UPDATE maintenance_plans SET ended_at = $2, ended_by = $3, end_reason = $4, updated_by = $3, updated_at = $2,
			version = version + 1 WHERE id = $1`, p.ID, now, actor.UserID, reason); err != nil {
			return db.Translate(err, "maintenance plan")
		}
		return event(ctx, tx, p.ID, "end", &actor.UserID, now, map[string]any{"reason": reason})
	})
}

// effectiveDaysSQL lists every station with the days ahead it uses: its own setting,
// else its nearest ancestor's, else DefaultDaysAhead.
var effectiveDaysSQL = fmt.Sprintf(`WITH RECURSIVE eff(id, days) AS (
		SELECT s.id, coalesce(ms.days_ahead, %d) FROM stations s LEFT JOIN maintenance_settings ms ON ms.station_id = s.id WHERE s.parent_id IS NULL
		UNION ALL
		SELECT s.id, coalesce(ms.days_ahead, eff.days) FROM stations s JOIN eff ON s.parent_id = eff.id
			LEFT JOIN maintenance_settings ms ON ms.station_id = s.id)`, DefaultDaysAhead)

// dueSQL is the condition that plan p (of customer c's unit, station days in eff) needs
// its order on day $1 and has none for its due date.
const dueSQL = `p.ended_at IS NULL AND p.next_due <= $1::date + eff.days
	AND NOT EXISTS (SELECT 1 FROM maintenance_orders m WHERE m.unit_id = p.unit_id AND m.due_date = p.next_due)`

// DaysAhead returns the days ahead station uses.
func (s *Service) DaysAhead(ctx context.Context, station int64) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, effectiveDaysSQL+` SELECT days FROM eff WHERE id = $1`, station).Scan(&n)
	return n, db.Translate(err, "maintenance settings")
}

// Run creates the maintenance orders due on now's day: one per unit whose active plan
// falls due within its station's days ahead and has no order for that due date yet. Each
// plan is handled in its own transaction under its row lock, re-checked after the lock,
// and the (unit, due date) key of maintenance_orders refuses a second order; so Run may
// be repeated, and run by several processes at once, and each due date gets one order.
// It returns how many orders it created; a plan that fails is skipped and reported in err
// after the others are done.
func (s *Service) Run(ctx context.Context, now time.Time) (int, error) {
	today := Day(now, s.loc)
	rows, err := s.pool.Query(ctx, effectiveDaysSQL+` SELECT p.id FROM maintenance_plans p JOIN units u ON u.id = p.unit_id
		JOIN customers c ON c.id = u.customer_id JOIN eff ON eff.id = c.station_id WHERE `+dueSQL+` ORDER BY p.next_due, p.id`, today)
	if err != nil {
		return 0, db.Translate(err, "due plans")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, db.Translate(err, "due plans")
	}
	created := 0
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			return created, ctx.Err()
		}
		made, err := s.runPlan(ctx, id, today, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("plan %d: %w", id, err))
		}
		if made {
			created++
		}
	}
	return created, errors.Join(errs...)
}

// runPlan creates the order of plan id when it is still due and has none.
func (s *Service) runPlan(ctx context.Context, id int64, today, now time.Time) (bool, error) {
	made := false
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM maintenance_plans WHERE id = $1 FOR UPDATE`, id); err != nil {
			return db.Translate(err, "maintenance plan")
		}
		var (
			p          Plan
			customerID int64
			updatedBy  int64
		)
		err := tx.QueryRow(ctx, effectiveDaysSQL+` SELECT p.id, p.unit_id, c.station_id, p.next_due, p.checklist, p.parts, u.customer_id, p.updated_by
			FROM maintenance_plans p JOIN units u ON u.id = p.unit_id JOIN customers c ON c.id = u.customer_id JOIN eff ON eff.id = c.station_id
			WHERE p.id = $2 AND `+dueSQL, today, id).Scan(&p.ID, &p.UnitID, &p.StationID, &p.NextDue, &p.Checklist, &p.Parts, &customerID, &updatedBy)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // ended, moved or made by another run meanwhile
		}
		if err != nil {
			return db.Translate(err, "maintenance plan")
		}
		// The order is logged in the name of whoever last set the plan, at its station.
		actor := auth.Actor{UserID: updatedBy, Role: auth.RoleSupervisor, Stations: []int64{p.StationID}}
		orderID, err := s.create(ctx, tx, actor, customerID, p.UnitID, OrderSymptom(p.NextDue), OrderRequest(p.Checklist, p.Parts))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO maintenance_orders (plan_id, unit_id, due_date, order_id, checklist, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			p.ID, p.UnitID, p.NextDue, orderID, p.Checklist, now); err != nil {
			return db.Translate(err, "maintenance order")
		}
		made = true
		return event(ctx, tx, p.ID, "order", nil, now, map[string]any{"order_id": orderID, "due": p.NextDue.Format(time.DateOnly)})
	})
	if err != nil && apperr.CodeOf(err) == apperr.Conflict {
		return false, nil // another process made it first
	}
	return made && err == nil, err
}

// OrderSymptom is the symptom text of the order made for a due date.
func OrderSymptom(due time.Time) string {
	return "定期保养（到期 " + due.Format(time.DateOnly) + "）"
}

// OrderRequest is the request text of a maintenance order: the checklist, one item a
// line, and the parts usually needed.
func OrderRequest(checklist []string, parts string) string {
	var b strings.Builder
	b.WriteString("保养项目：\n")
	for i, it := range checklist {
		fmt.Fprintf(&b, "%d. %s\n", i+1, it)
	}
	if parts != "" {
		b.WriteString("常用配件：" + parts)
	}
	return strings.TrimSpace(b.String())
}

// CompletedTx moves the plan of a completed maintenance order on, inside the completing
// transaction: for an order the job made, the plan's next due date becomes that due date
// plus the cycle; for one logged by hand on a unit with an active plan, the completion
// day plus the cycle. The date only ever moves forward. Nothing happens for a unit
// without an active plan.
func CompletedTx(ctx context.Context, tx pgx.Tx, orderID, unitID, actorID int64, now time.Time, loc *time.Location) error {
	p, found, err := activePlan(ctx, tx, unitID, true)
	if err != nil || !found {
		return err
	}
	from := Day(now, loc)
	var due time.Time
	err = tx.QueryRow(ctx, `SELECT due_date FROM maintenance_orders WHERE order_id = $1 AND plan_id = $2`, orderID, p.ID).Scan(&due)
	switch {
	case err == nil:
		from = due
	case !errors.Is(err, pgx.ErrNoRows):
		return db.Translate(err, "maintenance order")
	}
	next := NextDue(from, p.CycleMonths)
	if !next.After(p.NextDue) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE maintenance_plans SET next_due = $2, updated_at = $3, version = version + 1 WHERE id = $1`, p.ID, next, now); err != nil {
		return db.Translate(err, "maintenance plan")
	}
	return event(ctx, tx, p.ID, "advance", &actorID, now, map[string]any{"order_id": orderID, "from": p.NextDue.Format(time.DateOnly), "to": next.Format(time.DateOnly)})
}

// ChecklistOfOrder returns the checklist of a maintenance order the job made (none for
// other orders). The caller has checked the order is visible.
func ChecklistOfOrder(ctx context.Context, q db.Querier, orderID int64) ([]string, error) {
	var items []string
	err := q.QueryRow(ctx, `SELECT checklist FROM maintenance_orders WHERE order_id = $1`, orderID).Scan(&items)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return items, db.Translate(err, "maintenance checklist")
}

// QueueChecklist adds ChecklistOfOrder's query to m; the items land in *dst when m runs
// (nil for an order that is not a maintenance order).
func QueueChecklist(m *db.Merged, orderID int64, dst *[]string) {
	db.Value(m, `SELECT checklist FROM maintenance_orders WHERE order_id = $1`, []any{orderID}, dst)
}

// Due is a unit on the supervisor's list: its plan's next due date and the order made
// for it, if any.
type Due struct {
	PlanID       int64
	UnitID       int64
	Brand        string
	Model        string
	Serial       string
	CustomerID   int64
	CustomerName string
	NextDue      time.Time
	CycleMonths  int
	Overdue      bool
	OrderID      *int64
	OrderNumber  *string
	OrderState   *string
}

// DueList lists the actor's stations' units whose active plan is overdue or due by the
// end of now's month, earliest first, with the order made for that due date.
func (s *Service) DueList(ctx context.Context, actor auth.Actor) ([]Due, error) {
	if !actor.Is(auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin, auth.RoleHotline) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor, manager")
	}
	today := Day(s.now(), s.loc)
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.unit_id, u.brand, u.model, u.serial, c.id, c.name, p.next_due, p.cycle_months,
			m.order_id, o.number, o.state
		FROM maintenance_plans p JOIN units u ON u.id = p.unit_id JOIN customers c ON c.id = u.customer_id
		LEFT JOIN maintenance_orders m ON m.unit_id = p.unit_id AND m.due_date = p.next_due
		LEFT JOIN work_orders o ON o.id = m.order_id
		WHERE p.ended_at IS NULL AND c.station_id = ANY($1) AND p.next_due <= $2
		ORDER BY p.next_due, p.id LIMIT 500`, actor.Stations, MonthEnd(today))
	if err != nil {
		return nil, db.Translate(err, "due maintenance")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Due, error) {
		var d Due
		err := r.Scan(&d.PlanID, &d.UnitID, &d.Brand, &d.Model, &d.Serial, &d.CustomerID, &d.CustomerName, &d.NextDue, &d.CycleMonths,
			&d.OrderID, &d.OrderNumber, &d.OrderState)
		d.Overdue = Overdue(d.NextDue, today)
		return d, err
	})
	return list, db.Translate(err, "due maintenance")
}
