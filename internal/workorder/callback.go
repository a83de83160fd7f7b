package workorder

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// Callback is what the hotline records on one call back to the customer.
type Callback struct {
	// Outcome is reached, no_answer or refused.
	Outcome string
	// The survey of a reached call (1 = 非常不满意 … 5 = 非常满意), and whether the
	// customer is satisfied with the repair; Reason is required when not.
	Attitude, Timeliness, Quality, Overall int
	Satisfied                              bool
	Comments, Reason, Note                 string
	// Channel is how the survey was taken: CallbackByPhone (the default) or
	// CallbackOnline, the customer's own answers on the progress page.
	Channel string
}

// The channels of a reached callback.
const (
	CallbackByPhone = "phone"
	CallbackOnline  = "online"
)

// Valid checks the shape of a callback record; keys are catalog keys.
func (c Callback) Valid() map[string]string {
	f := map[string]string{}
	checkLengths(f, "comments", c.Comments, "reason", c.Reason, "note", c.Note)
	if c.Channel != "" && c.Channel != CallbackByPhone && c.Channel != CallbackOnline {
		f["channel"] = "field.required"
	}
	switch c.Outcome {
	case "no_answer", "refused":
		return f
	case "reached":
	default:
		f["outcome"] = "field.required"
		return f
	}
	for k, v := range map[string]int{"attitude": c.Attitude, "timeliness": c.Timeliness, "quality": c.Quality, "overall": c.Overall} {
		if v < 1 || v > 5 {
			f[k] = "callback.field.score"
		}
	}
	if !c.Satisfied && strings.TrimSpace(c.Reason) == "" {
		f["reason"] = "callback.field.reason"
	}
	return f
}

// RecordCallback records a call back to the customer (hotline; never the technician
// who did the job). Not reached: the attempt is counted. Reached: the survey is saved
// and the order closes when the customer is satisfied (if fees are settled or nothing
// is chargeable — else IllegalTransition "error.transition.fees_unsettled" and nothing
// is saved), or goes back to dispatch for a revisit when not.
func (s *Service) RecordCallback(ctx context.Context, actor auth.Actor, id int64, version int, c Callback) (Order, error) {
	if f := c.Valid(); len(f) > 0 {
		return Order{}, apperr.Fields(f)
	}
	if c.Outcome != "reached" {
		return s.RecordCallbackAttempt(ctx, actor, id, version, c.Outcome, c.Note)
	}
	survey := func(tx pgx.Tx, o *Order, now time.Time) error {
		if o.AssigneeID != nil && *o.AssigneeID == actor.UserID {
			return apperr.New(apperr.Forbidden, "callback.own_job")
		}
		return insertCallbackSurvey(ctx, tx, o.ID, c, actor.UserID, now)
	}
	data := map[string]any{"overall": c.Overall, "satisfied": c.Satisfied}
	if c.Satisfied {
		return s.transition(ctx, actor, id, version, CallbackSatisfied, c, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
			if err := survey(tx, o, now); err != nil {
				return "", nil, err
			}
			o.ClosedAt = ptr(now)
			return strings.TrimSpace(c.Comments), data, nil
		})
	}
	return s.transition(ctx, actor, id, version, CallbackUnsatisfied, c, func(tx pgx.Tx, o *Order, st Settings, now time.Time) (string, map[string]any, error) {
		if err := survey(tx, o, now); err != nil {
			return "", nil, err
		}
		ReopenForRevisit(o, st, s.loc, now)
		data["revisit"] = o.RevisitCount
		return strings.TrimSpace(c.Reason), data, nil
	})
}

// ReopenForRevisit sends an order back to dispatch after an unsatisfied callback: the
// revisit is counted on the same order, it waits unassigned on the board, and its
// contact and arrival clocks start again from now (the first visit's are in the log).
// It sets the fields only; the state is the machine's.
func ReopenForRevisit(o *Order, st Settings, loc *time.Location, now time.Time) {
	o.RevisitCount++
	o.AssigneeID, o.AssignedAt, o.AppointmentStart, o.AppointmentEnd = nil, nil, nil, nil
	o.ArrivedAt, o.RepairDueAt, o.CompletedAt, o.CallbackDueAt = nil, nil, nil, nil
	o.FieldClass = nil // the revisit's completion classifies the job again
	o.UnitInWorkshop, o.CallbackAttempts = false, 0
	o.FirstContactAt = nil
	o.ContactDueAt, o.ArriveDueAt = ContactArriveDue(st, loc, o.Urgency, now)
}

// Attempt is one recorded callback.
type Attempt struct {
	ID        int64     `db:"id"`
	OrderID   int64     `db:"order_id"`
	Outcome   string    `db:"outcome"`
	Overall   *int      `db:"overall"`
	Satisfied *bool     `db:"satisfied"`
	Comments  string    `db:"comments"`
	Note      string    `db:"note"`
	ByName    string    `db:"by_name"`
	At        time.Time `db:"at"`
}

// CallbackStats are this month's callback figures.
type CallbackStats struct {
	// Due counts the callbacks that fell due this month up to now (each time an order
	// entered 待回访, by its due time); Reached those of them that reached the customer.
	// Rate is Reached/Due in percent (target ≥ 80), so never above 100.
	Due, Reached, Rate int
	// Satisfaction is the average overall score of this month's reached calls, ×10
	// (42 = 4.2), and Satisfied the share of satisfied customers in percent.
	Satisfaction, Satisfied int
}

// CallbackQueue is the callback queue (回访) with this month's figures.
type CallbackQueue struct {
	Orders   []Order
	Attempts map[int64][]Attempt
	Stats    CallbackStats
}

// Callbacks lists the orders awaiting a callback in the actor's stations (one station
// when stationID is set; one service type when given), by due time, with their attempts
// so far and this month's callback rate and satisfaction: CallbackPage's queue, with the
// same errors.
func (s *Service) Callbacks(ctx context.Context, actor auth.Actor, stationID int64, serviceType string) (CallbackQueue, error) {
	p, err := s.CallbackPage(ctx, actor, stationID, serviceType)
	return p.CallbackQueue, err
}

// CallbackPage is everything the callback queue page (回访) shows.
type CallbackPage struct {
	CallbackQueue
	// Stations are the actor's stations, the choices of the station filter.
	Stations []auth.Station
	// CanCall says the actor may record calls (the hotline): the machine's rule for
	// RecordCallback.
	CanCall bool
	// Online are the surveys customers answered on their progress page in the last
	// OnlineSurveyDays, newest first: callbacks done without a call.
	Online []OnlineSurvey
}

// OnlineSurveyDays is how far back the callback queue lists surveys answered online.
const OnlineSurveyDays = 7

// OnlineSurvey is a survey a customer answered online (a reached callback, channel 在线).
type OnlineSurvey struct {
	OrderID   int64     `db:"order_id"`
	Number    string    `db:"number"`
	Overall   int       `db:"overall"`
	Satisfied bool      `db:"satisfied"`
	At        time.Time `db:"at"`
}

// CallbackPage loads the callback queue for the actor (hotline, supervisor or manager;
// Forbidden for others): the orders awaiting a callback in the actor's stations (one
// station when stationID is set, NotFound when the actor does not see it; one service
// type when given), by due time, with their attempts so far, this month's callback rate
// and satisfaction, the stations to filter by and whether the actor may record calls.
// Every read goes in one batch.
func (s *Service) CallbackPage(ctx context.Context, actor auth.Actor, stationID int64, serviceType string) (CallbackPage, error) {
	if !actor.Is(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager) {
		return CallbackPage{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	// scope is the actor narrowed to the station filtered by.
	scope := actor
	if stationID != 0 {
		if !actor.Sees(stationID) {
			return CallbackPage{}, apperr.New(apperr.NotFound, "error.not_found")
		}
		scope.Stations = []int64{stationID}
	}
	p := CallbackPage{CallbackQueue: CallbackQueue{Attempts: map[int64][]Attempt{}}, CanCall: mayCall(actor)}
	b := &pgx.Batch{}
	b.Queue(stationsSQL, actor.Stations).Query(func(rows pgx.Rows) (err error) {
		p.Stations, err = pgx.CollectRows(rows, pgx.RowToStructByName[auth.Station])
		return err
	})

	// The queue's orders, and the attempts on those same orders.
	args := []any{serviceType}
	queue := ` WHERE ` + workflow.StateIs("o", AwaitingCallback) + ` AND ` + workflow.Scope(scope, "o", db.Args(&args)) + ` AND ($1 = '' OR o.service_type = $1)
		ORDER BY o.callback_due_at NULLS LAST, o.id LIMIT 500`
	b.Queue(selectOrder+queue, args...).Query(func(rows pgx.Rows) (err error) {
		p.Orders, err = pgx.CollectRows(rows, pgx.RowToStructByName[Order])
		return err
	})
	b.Queue(`SELECT a.id, a.order_id, a.outcome, a.overall, a.satisfied, a.comments, a.note, u.display_name AS by_name, a.at
		FROM callback_attempts a JOIN users u ON u.id = a.by_user
		WHERE a.order_id IN (SELECT o.id FROM work_orders o`+queue+`) ORDER BY a.id`, args...).Query(func(rows pgx.Rows) error {
		attempts, err := pgx.CollectRows(rows, pgx.RowToStructByName[Attempt])
		for _, a := range attempts {
			p.Attempts[a.OrderID] = append(p.Attempts[a.OrderID], a)
		}
		return err
	})

	now := s.now()
	args = []any{now.AddDate(0, 0, -OnlineSurveyDays)}
	b.Queue(`SELECT a.order_id, o.number, a.overall, a.satisfied, a.at FROM callback_attempts a JOIN work_orders o ON o.id = a.order_id
		WHERE a.channel = 'online' AND a.outcome = 'reached' AND a.at >= $1 AND `+workflow.Scope(scope, "o", db.Args(&args))+`
		ORDER BY a.at DESC, a.id DESC LIMIT 50`, args...).Query(func(rows pgx.Rows) (err error) {
		p.Online, err = pgx.CollectRows(rows, pgx.RowToStructByName[OnlineSurvey])
		return err
	})
	l := now.In(s.loc)
	from := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, s.loc)
	to := from.AddDate(0, 1, 0)
	var avg *float64
	args = []any{from, to, now}
	b.Queue(callbackStatsSQL(workflow.Scope(scope, "o", db.Args(&args))), args...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&p.Stats.Due, &p.Stats.Reached, &avg, &p.Stats.Satisfied)
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return CallbackPage{}, db.Translate(err, "callback queue")
	}
	p.Stats.Rate = CallbackRate(p.Stats.Reached, p.Stats.Due)
	if avg != nil {
		p.Stats.Satisfaction = int(*avg*10 + 0.5)
	}
	return p, nil
}

// mayCall reports whether the actor may record calls: the machine, which RecordCallback's
// transitions go through, lets their role record a callback attempt on an order awaiting
// its callback.
func mayCall(actor auth.Actor) bool {
	_, err := Next(Facts{State: AwaitingCallback}, CallbackAttempt, machineActor(actor))
	return err == nil
}

// CallbackRate is the share of due callbacks that reached the customer, in whole percent
// (0 when none fell due).
func CallbackRate(reached, due int) int {
	if due == 0 {
		return 0
	}
	return reached * 100 / due
}

// CallbackCyclesSQL is the one definition of the callbacks that fell due: a WITH clause
// naming cycles(station_id, order_id, event_id, at, due_at, next_at) for the orders in
// scope whose callback fell due in [from, min(to, now)) — from, to and now are
// placeholders. A callback falls due once per entry into awaiting_callback (phone or
// remote guidance, completion: a state change into it, not a note or attempt while in
// it), at the due time recorded with that event; event_id is that event's id, one per
// cycle. CallbackReachedSQL says whether it reached the customer. The callback queue's
// rate, the list of the callbacks that fell due and the reports count with it.
func CallbackCyclesSQL(from, to, now, scope string) string {
	entry := workflow.StateColumnIs("e.to_state", AwaitingCallback) + ` AND e.transition <> 'callback_attempt' AND e.from_state IS DISTINCT FROM ` + AwaitingCallback.SQL()
	return `WITH due AS (
	SELECT o.station_id, e.order_id, e.id AS event_id, e.at, coalesce((e.data->>'callback_due_at')::timestamptz, o.callback_due_at) AS due_at
	FROM work_order_events e JOIN work_orders o ON o.id = e.order_id
	WHERE ` + entry + ` AND e.at >= ` + from + `::timestamptz - interval '62 days'
		AND e.at < least(` + to + `::timestamptz, ` + now + `::timestamptz) AND ` + scope + `
), cycles AS (
	SELECT d.station_id, d.order_id, d.event_id, d.at, d.due_at,
		(SELECT min(e.at) FROM work_order_events e WHERE e.order_id = d.order_id AND ` + entry + ` AND e.at > d.at) AS next_at
	FROM due d WHERE d.due_at >= ` + from + ` AND d.due_at < least(` + to + `::timestamptz, ` + now + `::timestamptz)
)`
}

// CallbackReachedSQL is the condition that the callback cycle under alias reached the
// customer: a reached call follows its entry and precedes the order's next entry.
func CallbackReachedSQL(alias string) string {
	return `EXISTS (SELECT 1 FROM callback_attempts a WHERE ` + reachedCallSQL(alias) + `)`
}

// callbackReachedAtSQL is when the callback cycle under alias first reached the customer
// (NULL when it did not): the first of CallbackReachedSQL's calls.
func callbackReachedAtSQL(alias string) string {
	return `(SELECT min(a.at) FROM callback_attempts a WHERE ` + reachedCallSQL(alias) + `)`
}

// reachedCallSQL is the condition that the callback attempt a is a reached call of the
// callback cycle under alias.
func reachedCallSQL(alias string) string {
	return `a.order_id = ` + alias + `.order_id
		AND a.outcome = 'reached' AND a.at >= ` + alias + `.at AND (` + alias + `.next_at IS NULL OR a.at < ` + alias + `.next_at)`
}

// callbackStatsSQL counts, for the orders in scope, the callbacks that fell due in [$1,
// min($2, $3)) (CallbackCyclesSQL) and how many reached the customer, plus the period's
// survey averages.
func callbackStatsSQL(scope string) string {
	return CallbackCyclesSQL("$1", "$2", "$3", scope) + `
SELECT
	(SELECT count(*) FROM cycles),
	(SELECT count(*) FROM cycles c WHERE ` + CallbackReachedSQL("c") + `),
	(SELECT avg(a.overall) FROM callback_attempts a JOIN work_orders o ON o.id = a.order_id
		WHERE a.outcome = 'reached' AND a.at >= $1 AND a.at < $2 AND ` + scope + `),
	(SELECT coalesce(round(100.0 * count(*) FILTER (WHERE a.satisfied) / nullif(count(*), 0)), 0) FROM callback_attempts a JOIN work_orders o ON o.id = a.order_id
		WHERE a.outcome = 'reached' AND a.at >= $1 AND a.at < $2 AND ` + scope + `)`
}

// DueFilter selects the callbacks that fell due (CallbacksDue).
type DueFilter struct {
	// StationID narrows to one station the actor sees (0 = all the actor sees).
	StationID int64
	// From and To bound the due time, To exclusive; zero From is the start of this
	// month, zero To the start of the next.
	From, To time.Time
	// Reached keeps the callbacks that reached the customer (true) or those that did
	// not (false); nil keeps both.
	Reached *bool
	// After is the cursor from the previous page.
	After string
	// Limit is the page size (default 50, at most 200).
	Limit int
}

// DueCallback is one callback that fell due: one entry of an order into 待回访
// (CallbackCyclesSQL), with whether and when a call reached the customer.
type DueCallback struct {
	// EventID is the id of the event that put the order into 待回访.
	EventID      int64      `db:"event_id"`
	OrderID      int64      `db:"order_id"`
	Number       string     `db:"number"`
	StationName  string     `db:"station_name"`
	CustomerName string     `db:"customer_name"`
	DueAt        time.Time  `db:"due_at"`
	Reached      bool       `db:"reached"`
	ReachedAt    *time.Time `db:"reached_at"`
}

// DueCallbacks is one page of the callbacks that fell due, by due time.
type DueCallbacks struct {
	Callbacks []DueCallback
	// Next is the cursor of the next page (empty at the end).
	Next string
	// Due and Reached count every callback that fell due in the period in the stations
	// (the Reached filter does not apply) and those that reached the customer: the
	// callback rate's figures for the same period and stations.
	Due, Reached int
	// From and To are the period listed (To exclusive), defaults filled in.
	From, To time.Time
	// Stations are the actor's stations, the choices of the station filter.
	Stations []auth.Station
}

// CallbacksDue lists, one row per callback, the callbacks that fell due in f's period
// up to now for the orders the actor sees (the callback rate's definition,
// CallbackCyclesSQL), by due time, one keyset page at a time, with the period's due and
// reached counts. For the hotline, supervisors and managers (Forbidden for others);
// NotFound when f.StationID is a station the actor does not see; Invalid with field
// messages when the period ends before it starts ("to") or the cursor does not parse
// ("after"). Every read goes in one batch.
func (s *Service) CallbacksDue(ctx context.Context, actor auth.Actor, f DueFilter) (DueCallbacks, error) {
	if !actor.Is(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager) {
		return DueCallbacks{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	scope := actor
	if f.StationID != 0 {
		if !actor.Sees(f.StationID) {
			return DueCallbacks{}, apperr.New(apperr.NotFound, "error.not_found")
		}
		scope.Stations = []int64{f.StationID}
	}
	now := s.now()
	l := now.In(s.loc)
	month := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, s.loc)
	p := DueCallbacks{From: f.From, To: f.To}
	if p.From.IsZero() {
		p.From = month
	}
	if p.To.IsZero() {
		p.To = month.AddDate(0, 1, 0)
	}
	if !p.To.After(p.From) {
		return DueCallbacks{}, apperr.Fields(map[string]string{"to": "callback.due.range_order"})
	}
	page := dueCallbacksPage{limit: db.PageSize(f.Limit), reached: f.Reached}
	if f.After != "" {
		at, id, ok := db.ParseCursor(f.After)
		if !ok {
			return DueCallbacks{}, apperr.Fields(map[string]string{"after": "error.invalid"})
		}
		page.afterDue, page.afterID = &at, id
	}

	b := &pgx.Batch{}
	b.Queue(stationsSQL, actor.Stations).Query(func(rows pgx.Rows) (err error) {
		p.Stations, err = pgx.CollectRows(rows, pgx.RowToStructByName[auth.Station])
		return err
	})
	sql, args := callbacksDueCountSQL(scope, p.From, p.To, now)
	b.Queue(sql, args...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&p.Due, &p.Reached)
	})
	sql, args = callbacksDueSQL(scope, p.From, p.To, now, page)
	b.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
		p.Callbacks, err = pgx.CollectRows(rows, pgx.RowToStructByName[DueCallback])
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return DueCallbacks{}, db.Translate(err, "callbacks due")
	}
	if len(p.Callbacks) > page.limit {
		p.Callbacks = p.Callbacks[:page.limit]
		last := p.Callbacks[page.limit-1]
		p.Next = db.Cursor(last.DueAt, last.EventID)
	}
	return p, nil
}
