package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns the daily reconciliation: every change goes through it, in one
// transaction with its event row.
type Service struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	loc    *time.Location
	orders *workorder.Service
}

// NewService returns the reconciliation service. now is the one clock; loc the time zone
// whose days are reconciled.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc, orders: workorder.NewService(pool, now, loc)}
}

// Row is one technician's day.
type Row struct {
	TechnicianID   int64
	TechnicianName string
	StationName    string
	Jobs           []Job
	Lines          []Line
	// Closed says the day is closed, by ClosedBy at ClosedAt.
	Closed   bool
	ClosedBy string
	ClosedAt *time.Time
	// CanRemedy lists the orders on which a remedial callback may be ordered now.
	CanRemedy map[int64]bool
}

// Open counts the row's unresolved lines.
func (r Row) Open() int { return Unresolved(r.Lines) }

// Job returns the row's job of order id.
func (r Row) Job(id int64) (Job, bool) {
	for _, j := range r.Jobs {
		if j.OrderID == id {
			return j, true
		}
	}
	return Job{}, false
}

// DayPage is one day's reconciliation of the stations chosen.
type DayPage struct {
	// Day is the local day's start.
	Day       time.Time
	StationID int64
	Stations  []auth.Station
	Rows      []Row
	// CanChange says the actor may resolve, tick, confirm and close (managers).
	CanChange bool
}

// dayBounds returns the start of the local day of t and of the next one.
func (s *Service) dayBounds(day time.Time) (time.Time, time.Time) {
	l := day.In(s.loc)
	from := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.loc)
	return from, from.AddDate(0, 0, 1)
}

// Today is the start of the current local day.
func (s *Service) Today() time.Time {
	from, _ := s.dayBounds(s.now())
	return from
}

// checkDay refuses a day that has not begun.
func (s *Service) checkDay(day time.Time) error {
	if day.After(s.now()) {
		return apperr.Fields(map[string]string{"day": "recon.field.day_future"})
	}
	return nil
}

const jobsSQL = `SELECT DISTINCT ON (e.actor_id, e.order_id) e.actor_id AS technician_id, o.id AS order_id, o.number,
	c.name AS customer_name, e.at AS completed_at, o.state, o.signed, o.no_signature_reason, o.diagnosis, o.fault_cause,
	o.actions_taken, o.test_run, coalesce(o.field_class, e.data->>'field_class') AS field_class, o.rating, r.returned_at,
	(SELECT q.total_fen FROM quote_confirmations q WHERE q.order_id = o.id AND q.via = 'tablet' ORDER BY q.id DESC LIMIT 1) AS tablet_quote_fen,
	st.amount_fen AS settled_fen, st.method AS settle_method, h.amount_fen AS handed_fen,
	cb.overall AS callback_overall, cb.satisfied AS callback_satisfied
FROM work_order_events e
JOIN work_orders o ON o.id = e.order_id
JOIN customers c ON c.id = o.customer_id
JOIN users u ON u.id = e.actor_id AND u.role = 'technician'
LEFT JOIN order_returns r ON r.order_id = o.id
LEFT JOIN settlements st ON st.order_id = o.id
LEFT JOIN cash_handovers h ON h.order_id = o.id
LEFT JOIN LATERAL (SELECT a.overall, a.satisfied FROM callback_attempts a
	WHERE a.order_id = o.id AND a.outcome = 'reached' AND a.at >= e.at
	ORDER BY a.satisfied, a.overall, a.id LIMIT 1) cb ON true
WHERE e.transition = 'complete' AND e.at >= $1 AND e.at < $2`

// loadJobs reads the jobs completed in [from, to) by the technicians ids (all the
// technicians of the orders in scope when ids is nil), newest completion of each order.
func loadJobs(ctx context.Context, q db.Querier, actor auth.Actor, from, to time.Time, ids []int64) ([]Job, error) {
	args := []any{from, to}
	sql := jobsSQL + ` AND ` + workflow.Scope(actor, "o", db.Args(&args))
	if ids != nil {
		sql += ` AND e.actor_id = ANY(` + db.Args(&args)(ids) + `)`
	}
	sql += ` ORDER BY e.actor_id, e.order_id, e.at DESC`
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err, "reconciliation jobs")
	}
	jobs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Job])
	if err != nil {
		return nil, db.Translate(err, "reconciliation jobs")
	}
	slices.SortStableFunc(jobs, func(a, b Job) int { return a.CompletedAt.Compare(b.CompletedAt) })
	return jobs, nil
}

const linesSQL = `SELECT l.id, l.order_id, l.kind, l.detail, l.resolution, l.note, coalesce(u.display_name, '') AS resolved_by_name, l.resolved_at
FROM reconciliation_lines l LEFT JOIN users u ON u.id = l.resolved_by WHERE l.reconciliation_id = $1 ORDER BY l.id`

type recon struct {
	ID           int64      `db:"id"`
	TechnicianID int64      `db:"technician_id"`
	State        string     `db:"state"`
	ClosedByName string     `db:"closed_by_name"`
	ClosedAt     *time.Time `db:"closed_at"`
}

// Day is the reconciliation of one local day (Invalid "day" for a day to come) for the
// actor's stations, or one of them (NotFound when the actor does not see it): a row per
// technician of the stations, with the jobs they completed that day and the mismatch
// lines. Managers and supervisors (Forbidden for others).
func (s *Service) Day(ctx context.Context, actor auth.Actor, stationID int64, day time.Time) (DayPage, error) {
	if !MayView(actor) {
		return DayPage{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,supervisor")
	}
	if err := s.checkDay(day); err != nil {
		return DayPage{}, err
	}
	scope := actor
	if stationID != 0 {
		if !actor.Sees(stationID) {
			return DayPage{}, apperr.New(apperr.NotFound, "error.not_found")
		}
		scope.Stations = []int64{stationID}
	}
	from, to := s.dayBounds(day)
	p := DayPage{Day: from, StationID: stationID, CanChange: MayChange(actor)}
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) ORDER BY id`, actor.Stations)
	if err == nil {
		p.Stations, err = pgx.CollectRows(rows, pgx.RowToStructByName[auth.Station])
	}
	if err != nil {
		return DayPage{}, db.Translate(err, "stations")
	}
	jobs, err := loadJobs(ctx, s.pool, scope, from, to, nil)
	if err != nil {
		return DayPage{}, err
	}
	var done []int64
	for _, j := range jobs {
		done = append(done, j.TechnicianID)
	}
	type tech struct {
		ID          int64  `db:"id"`
		Name        string `db:"display_name"`
		StationName string `db:"station_name"`
	}
	rows, err = s.pool.Query(ctx, `SELECT u.id, u.display_name, s.name AS station_name FROM users u JOIN stations s ON s.id = u.station_id
		WHERE u.role = 'technician' AND ((u.active AND u.station_id = ANY($1)) OR u.id = ANY($2)) ORDER BY s.id, u.display_name, u.id`, scope.Stations, done)
	if err != nil {
		return DayPage{}, db.Translate(err, "technicians")
	}
	techs, err := pgx.CollectRows(rows, pgx.RowToStructByName[tech])
	if err != nil {
		return DayPage{}, db.Translate(err, "technicians")
	}
	ids := make([]int64, len(techs))
	for i, t := range techs {
		ids[i] = t.ID
	}
	rows, err = s.pool.Query(ctx, `SELECT r.id, r.technician_id, r.state, coalesce(u.display_name, '') AS closed_by_name, r.closed_at
		FROM reconciliations r LEFT JOIN users u ON u.id = r.closed_by WHERE r.technician_id = ANY($1) AND r.day = $2`, ids, from.Format(time.DateOnly))
	if err != nil {
		return DayPage{}, db.Translate(err, "reconciliations")
	}
	recs, err := pgx.CollectRows(rows, pgx.RowToStructByName[recon])
	if err != nil {
		return DayPage{}, db.Translate(err, "reconciliations")
	}
	byTech := map[int64]recon{}
	for _, r := range recs {
		byTech[r.TechnicianID] = r
	}
	for _, t := range techs {
		row := Row{TechnicianID: t.ID, TechnicianName: t.Name, StationName: t.StationName, CanRemedy: map[int64]bool{}}
		for _, j := range jobs {
			if j.TechnicianID == t.ID {
				row.Jobs = append(row.Jobs, j)
			}
		}
		var stored []Line
		r, ok := byTech[t.ID]
		if ok {
			if stored, err = storedLines(ctx, s.pool, r.ID); err != nil {
				return DayPage{}, err
			}
			row.Closed = r.State == "closed"
			row.ClosedBy, row.ClosedAt = r.ClosedByName, r.ClosedAt
		}
		row.Lines = Merge(found(row.Jobs), stored, row.Closed, orderIDs(row.Jobs))
		for _, j := range row.Jobs {
			row.CanRemedy[j.OrderID] = !row.Closed && mayRemedy(actor, j)
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// mayRemedy reports whether the machine lets actor order a remedial callback on the job's
// order as it stands.
func mayRemedy(actor auth.Actor, j Job) bool {
	_, err := workflow.Next(workflow.Facts{State: workflow.State(j.State)}, workflow.RemedialCallback, workflow.Actor{UserID: actor.UserID, Role: actor.Role})
	return err == nil
}

func found(jobs []Job) []Found {
	var out []Found
	for _, j := range jobs {
		out = append(out, Check(j)...)
	}
	return out
}

func orderIDs(jobs []Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.OrderID
	}
	return out
}

func storedLines(ctx context.Context, q db.Querier, reconID int64) ([]Line, error) {
	rows, err := q.Query(ctx, linesSQL, reconID)
	if err != nil {
		return nil, db.Translate(err, "reconciliation lines")
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[Line])
	return lines, db.Translate(err, "reconciliation lines")
}

// Row returns one technician's day, as Day shows it; NotFound for a technician the actor
// does not see.
func (s *Service) Row(ctx context.Context, actor auth.Actor, technicianID int64, day time.Time) (Row, error) {
	station, err := s.technicianStation(ctx, s.pool, actor, technicianID)
	if err != nil {
		return Row{}, err
	}
	p, err := s.Day(ctx, actor, station, day)
	if err != nil {
		return Row{}, err
	}
	for _, r := range p.Rows {
		if r.TechnicianID == technicianID {
			return r, nil
		}
	}
	return Row{}, apperr.New(apperr.NotFound, "error.not_found")
}

// technicianStation is the station of a technician the actor sees (NotFound otherwise).
func (s *Service) technicianStation(ctx context.Context, q db.Querier, actor auth.Actor, id int64) (int64, error) {
	var station int64
	err := q.QueryRow(ctx, `SELECT station_id FROM users WHERE id = $1 AND role = 'technician'`, id).Scan(&station)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !actor.Sees(station)) {
		return 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	return station, db.Translate(err, "technician")
}

// day is a technician's day inside a change: the locked reconciliation and its jobs.
type day struct {
	recon recon
	jobs  []Job
}

func (d day) job(orderID int64) (Job, bool) {
	for _, j := range d.jobs {
		if j.OrderID == orderID {
			return j, true
		}
	}
	return Job{}, false
}

// step is what one change does to a technician's locked, open day: it returns the order
// it concerns (0 for the whole day), the event's note and data.
type step func(tx pgx.Tx, d *day, now time.Time) (orderID int64, note string, data map[string]any, err error)

// run makes one change to a technician's day: it claims the form's key (a repeated form
// changes nothing), checks the actor is a manager who sees the technician, creates and
// locks the day's reconciliation, refuses a closed day, brings the stored lines up to
// the mismatches found now, applies the change, stores the lines again and writes the
// event, in one transaction.
func (s *Service) run(ctx context.Context, actor auth.Actor, technicianID int64, when time.Time, name string, apply step) error {
	if !MayChange(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	if err := s.checkDay(when); err != nil {
		return err
	}
	from, to := s.dayBounds(when)
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		station, err := s.technicianStation(ctx, tx, actor, technicianID)
		if err != nil {
			return err
		}
		dayText := from.Format(time.DateOnly)
		if _, err := tx.Exec(ctx, `INSERT INTO reconciliations (technician_id, station_id, day, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (technician_id, day) DO NOTHING`, technicianID, station, dayText, now); err != nil {
			return db.Translate(err, "reconciliation")
		}
		var d day
		err = tx.QueryRow(ctx, `SELECT r.id, r.technician_id, r.state, coalesce(u.display_name, ''), r.closed_at FROM reconciliations r
			LEFT JOIN users u ON u.id = r.closed_by WHERE r.technician_id = $1 AND r.day = $2 FOR UPDATE OF r`, technicianID, dayText).Scan(
			&d.recon.ID, &d.recon.TechnicianID, &d.recon.State, &d.recon.ClosedByName, &d.recon.ClosedAt)
		if err != nil {
			return db.Translate(err, "reconciliation")
		}
		if d.recon.State == "closed" {
			return apperr.New(apperr.Conflict, "recon.error.closed", "Name", d.recon.ClosedByName, "At", d.recon.ClosedAt.In(s.loc).Format("2006-01-02 15:04"))
		}
		if d.jobs, err = loadJobs(ctx, tx, actor, from, to, []int64{technicianID}); err != nil {
			return err
		}
		if err := syncLines(ctx, tx, d); err != nil {
			return err
		}
		orderID, note, data, err := apply(tx, &d, now)
		if err != nil {
			return err
		}
		if d.recon.State != "closed" {
			if d.jobs, err = loadJobs(ctx, tx, actor, from, to, []int64{technicianID}); err != nil {
				return err
			}
			if err := syncLines(ctx, tx, d); err != nil {
				return err
			}
		}
		if data == nil {
			data = map[string]any{}
		}
		raw, _ := json.Marshal(data)
		var order *int64
		if orderID != 0 {
			order = &orderID
		}
		_, err = tx.Exec(ctx, `INSERT INTO reconciliation_events (reconciliation_id, step, order_id, actor_id, at, note, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.recon.ID, name, order, actor.UserID, now, note, raw)
		if err != nil {
			return db.Translate(err, "reconciliation event")
		}
		return db.SetFormResult(ctx, tx, actor.UserID, d.recon.ID)
	})
}

// syncLines stores the mismatches found now as lines of the open day and drops the
// unresolved lines whose mismatch has gone (Merge's rule).
func syncLines(ctx context.Context, tx pgx.Tx, d day) error {
	fs := found(d.jobs)
	orders, kinds, details := make([]int64, len(fs)), make([]string, len(fs)), make([]string, len(fs))
	for i, f := range fs {
		orders[i], kinds[i], details[i] = f.OrderID, string(f.Kind), f.Detail
	}
	_, err := tx.Exec(ctx, `INSERT INTO reconciliation_lines (reconciliation_id, order_id, kind, detail)
		SELECT $1, o, k, d FROM unnest($2::bigint[], $3::text[], $4::text[]) AS f(o, k, d)
		ON CONFLICT (reconciliation_id, order_id, kind) DO NOTHING`, d.recon.ID, orders, kinds, details)
	if err != nil {
		return db.Translate(err, "reconciliation lines")
	}
	_, err = tx.Exec(ctx, `DELETE FROM reconciliation_lines l WHERE l.reconciliation_id = $1 AND l.resolution IS NULL
		AND NOT EXISTS (SELECT 1 FROM unnest($2::bigint[], $3::text[]) AS f(o, k) WHERE f.o = l.order_id AND f.k = l.kind)`, d.recon.ID, orders, kinds)
	return db.Translate(err, "reconciliation lines")
}

// Resolution is the input of Resolve.
type Resolution struct {
	OrderID int64
	Kind    Kind
	Action  Action
	Note    string
}

// Valid checks the resolution's shape; values are catalog keys.
func (in Resolution) Valid() map[string]string {
	f := map[string]string{}
	if !slices.Contains(Actions, in.Action) {
		f["action"] = "recon.field.action_required"
	}
	if in.Action == Accept && strings.TrimSpace(in.Note) == "" {
		f["note"] = "recon.field.note_required"
	}
	return checkLengths(f, "note", in.Note)
}

// Resolve resolves one mismatch line of a technician's open day with an action and a
// note (managers): accept with the explanation, require the work order, or order a
// remedial callback, which puts the order back on the callback queue due now through the
// work-order machine (IllegalTransition when the order is not waiting for or past its
// callback). NotFound for a line the day does not have; Conflict for a resolved line or
// a closed day; Invalid with field keys for bad input.
func (s *Service) Resolve(ctx context.Context, actor auth.Actor, technicianID int64, when time.Time, in Resolution) error {
	if f := in.Valid(); len(f) > 0 {
		return apperr.Fields(f)
	}
	return s.run(ctx, actor, technicianID, when, "resolve", func(tx pgx.Tx, d *day, now time.Time) (int64, string, map[string]any, error) {
		var id int64
		var resolution *string
		err := tx.QueryRow(ctx, `SELECT id, resolution FROM reconciliation_lines WHERE reconciliation_id = $1 AND order_id = $2 AND kind = $3 FOR UPDATE`,
			d.recon.ID, in.OrderID, string(in.Kind)).Scan(&id, &resolution)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, "", nil, apperr.New(apperr.NotFound, "recon.error.no_line")
		}
		if err != nil {
			return 0, "", nil, db.Translate(err, "reconciliation line")
		}
		if resolution != nil {
			return 0, "", nil, apperr.New(apperr.Conflict, "recon.error.resolved")
		}
		note := strings.TrimSpace(in.Note)
		if in.Action == RemedialCallback {
			if err := s.orders.RemedialCallbackTx(ctx, tx, actor, in.OrderID, note); err != nil {
				return 0, "", nil, err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE reconciliation_lines SET resolution = $2, note = $3, resolved_by = $4, resolved_at = $5 WHERE id = $1`,
			id, string(in.Action), note, actor.UserID, now)
		if err != nil {
			return 0, "", nil, db.Translate(err, "resolve line")
		}
		return in.OrderID, note, map[string]any{"kind": in.Kind, "action": in.Action}, nil
	})
}

// MarkReturned ticks 回单已交 for an order the technician completed that day (managers):
// the printed work order came back to the office. Ticking it again changes nothing.
// NotFound for an order not of the day; Conflict for a closed day.
func (s *Service) MarkReturned(ctx context.Context, actor auth.Actor, technicianID int64, when time.Time, orderID int64) error {
	return s.run(ctx, actor, technicianID, when, "returned", func(tx pgx.Tx, d *day, now time.Time) (int64, string, map[string]any, error) {
		if _, ok := d.job(orderID); !ok {
			return 0, "", nil, apperr.New(apperr.NotFound, "error.not_found")
		}
		_, err := tx.Exec(ctx, `INSERT INTO order_returns (order_id, returned_by, returned_at) VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING`,
			orderID, actor.UserID, now)
		return orderID, "", nil, db.Translate(err, "order returned")
	})
}

// ConfirmCash records the cash the manager received for an order the technician
// completed that day (who, when, amount in yuan as typed). An amount that differs from
// the settlement is recorded as received and leaves the mismatch for the manager to
// resolve. Invalid "amount" for no positive amount; NotFound for an order not of the day;
// Conflict when the order's cash was confirmed already or the day is closed.
func (s *Service) ConfirmCash(ctx context.Context, actor auth.Actor, technicianID int64, when time.Time, orderID int64, amount string) error {
	f := checkLengths(map[string]string{}, "amount", amount)
	fen, ok := fee.ParseYuan(amount)
	if !ok || fen <= 0 {
		f["amount"] = "recon.field.amount_invalid"
	}
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return s.run(ctx, actor, technicianID, when, "cash", func(tx pgx.Tx, d *day, now time.Time) (int64, string, map[string]any, error) {
		if _, ok := d.job(orderID); !ok {
			return 0, "", nil, apperr.New(apperr.NotFound, "error.not_found")
		}
		tag, err := tx.Exec(ctx, `INSERT INTO cash_handovers (order_id, reconciliation_id, amount_fen, confirmed_by, confirmed_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO NOTHING`, orderID, d.recon.ID, fen, actor.UserID, now)
		if err != nil {
			return 0, "", nil, db.Translate(err, "cash handover")
		}
		if tag.RowsAffected() == 0 {
			return 0, "", nil, apperr.New(apperr.Conflict, "recon.error.cash_confirmed")
		}
		return orderID, "", map[string]any{"amount_fen": fen}, nil
	})
}

// Close closes a technician's day once every line is resolved (managers; confirmed says
// the manager ticked the confirmation). A closed day cannot be changed: a later
// correction is a line on a later day. Conflict while lines are open or when closed
// already; Invalid "confirm" without the confirmation.
func (s *Service) Close(ctx context.Context, actor auth.Actor, technicianID int64, when time.Time, confirmed bool) error {
	if !confirmed {
		return apperr.Fields(map[string]string{"confirm": "recon.field.confirm_required"})
	}
	return s.run(ctx, actor, technicianID, when, "close", func(tx pgx.Tx, d *day, now time.Time) (int64, string, map[string]any, error) {
		var open int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM reconciliation_lines WHERE reconciliation_id = $1 AND resolution IS NULL`, d.recon.ID).Scan(&open); err != nil {
			return 0, "", nil, db.Translate(err, "open lines")
		}
		if open > 0 {
			return 0, "", nil, apperr.New(apperr.Conflict, "recon.error.unresolved", "Count", open)
		}
		if _, err := tx.Exec(ctx, `UPDATE reconciliations SET state = 'closed', closed_by = $2, closed_at = $3, version = version + 1 WHERE id = $1`,
			d.recon.ID, actor.UserID, now); err != nil {
			return 0, "", nil, db.Translate(err, "close day")
		}
		d.recon.State = "closed"
		return 0, "", map[string]any{"jobs": len(d.jobs)}, nil
	})
}

// Pending are the past days still to reconcile.
type Pending struct {
	// Days counts the technician-days of the last 31 days before today with completed
	// jobs and no closed reconciliation; Oldest is the earliest of those days.
	Days   int
	Oldest *time.Time
}

// Unreconciled counts the past technician-days still to reconcile in the actor's
// stations (managers and supervisors; nothing for others).
func (s *Service) Unreconciled(ctx context.Context, actor auth.Actor) (Pending, error) {
	if !MayView(actor) {
		return Pending{}, nil
	}
	today := s.Today()
	args := []any{today.AddDate(0, 0, -31), today, s.loc.String()}
	sql := `SELECT count(*), min(d.day) FROM (SELECT DISTINCT e.actor_id, (e.at AT TIME ZONE $3)::date AS day
		FROM work_order_events e JOIN work_orders o ON o.id = e.order_id JOIN users u ON u.id = e.actor_id AND u.role = 'technician'
		WHERE e.transition = 'complete' AND e.at >= $1 AND e.at < $2 AND ` + workflow.Scope(actor, "o", db.Args(&args)) + `) d
		WHERE NOT EXISTS (SELECT 1 FROM reconciliations r WHERE r.technician_id = d.actor_id AND r.day = d.day AND r.state = 'closed')`
	var p Pending
	var oldest *time.Time
	if err := s.pool.QueryRow(ctx, sql, args...).Scan(&p.Days, &oldest); err != nil {
		return Pending{}, db.Translate(err, "unreconciled days")
	}
	if oldest != nil {
		t := time.Date(oldest.Year(), oldest.Month(), oldest.Day(), 0, 0, 0, 0, s.loc)
		p.Oldest = &t
	}
	return p, nil
}
