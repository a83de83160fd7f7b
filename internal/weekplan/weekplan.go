// Package weekplan keeps next week's plans (下周工作计划): each technician, or a
// supervisor of their station for them, drafts the week — visits already appointed,
// training, leave and other work — and submits it; a manager of the station or above
// approves it or returns it with a comment, and a returned plan is edited and submitted
// again. The pure rules are state.go (the machine) and rules.go (weeks, kinds, limits);
// this file is the service, one transaction per change, and store.go its SQL.
package weekplan

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service keeps the week plans.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the week-plan service; now is the one clock, loc the time zone of
// the days and weeks.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{pool: pool, now: now, loc: loc}
}

// Today is the service's calendar day now.
func (s *Service) Today() time.Time { return Day(s.now(), s.loc) }

// office are the roles that see other technicians' plans: supervisors and managers, of
// the stations they see.
var office = []auth.Role{auth.RoleSupervisor, auth.RoleManager}

// Sees is the one visibility rule of plans: a technician sees their own; supervisors
// and managers those of the technicians of the stations they see; nobody else any.
func Sees(a auth.Actor, technicianID, stationID int64) bool {
	if a.Role == auth.RoleTechnician {
		return technicianID == a.UserID
	}
	return slices.Contains(office, a.Role) && a.Sees(stationID)
}

// Scope is Sees as SQL over the plans of alias (week_plans: technician_id, station_id).
// arg adds a value to the query's arguments and returns its placeholder. Every query of
// this package goes through it or through its form for users, scopeCols.
func Scope(a auth.Actor, alias string, arg func(any) string) string {
	return scopeCols(a, alias+".technician_id", alias+".station_id", arg)
}

// scopeCols is Sees as SQL over a technician column and a station column.
func scopeCols(a auth.Actor, techCol, stationCol string, arg func(any) string) string {
	switch {
	case a.Role == auth.RoleTechnician:
		return techCol + " = " + arg(a.UserID)
	case slices.Contains(office, a.Role) && len(a.Stations) > 0:
		return stationCol + " = ANY(" + arg(a.Stations) + ")"
	}
	return "false"
}

// Technician is whose plan it is.
type Technician struct {
	ID          int64  `db:"id"`
	Name        string `db:"display_name"`
	StationID   int64  `db:"station_id"`
	StationName string `db:"station_name"`
}

// Plan is one technician's plan of one week; ID 0 and State None when none is saved yet.
type Plan struct {
	ID              int64      `db:"id"`
	TechnicianID    int64      `db:"technician_id"`
	Week            time.Time  `db:"week_start"`
	StationID       int64      `db:"station_id"`
	State           State      `db:"state"`
	Version         int        `db:"version"`
	UpdatedAt       time.Time  `db:"updated_at"`
	SubmittedAt     *time.Time `db:"submitted_at"`
	SubmittedByName string     `db:"submitted_by_name"`
	DecidedAt       *time.Time `db:"decided_at"`
	DecidedByName   string     `db:"decided_by_name"`
	ReturnComment   string     `db:"return_comment"`
}

// Item is one line of a plan.
type Item struct {
	ID           int64     `db:"id"`
	PlanID       int64     `db:"plan_id"`
	TechnicianID int64     `db:"technician_id"`
	Day          time.Time `db:"day"`
	Kind         string    `db:"kind"`
	Part         string    `db:"part"`
	Start        string    `db:"start_time"`
	End          string    `db:"end_time"`
	OrderID      *int64    `db:"order_id"`
	OrderNumber  string    `db:"order_number"`
	CustomerName string    `db:"customer_name"`
	Note         string    `db:"note"`
}

// Input is the item as its form row holds it.
func (it Item) Input() ItemInput {
	in := ItemInput{Day: it.Day, Kind: it.Kind, Part: it.Part, Start: it.Start, End: it.End, Note: it.Note}
	if it.OrderID != nil {
		in.OrderID = *it.OrderID
	}
	return in
}

// ItemInput is one item as the plan form sends it.
type ItemInput struct {
	Day        time.Time
	Kind, Part string
	// Start and End are hh:mm, for a time range (End optional).
	Start, End string
	// OrderID is the visit's work order.
	OrderID int64
	Note    string
}

var clock = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Valid checks the shape of the items of the week starting on Monday week; keys are
// "items.<n>.<field>" with catalog keys as values.
func Valid(week time.Time, items []ItemInput) map[string]string {
	f := map[string]string{}
	if len(items) > MaxItems {
		f["items"] = "weekplan.field.too_many"
	}
	for i, it := range items {
		k := func(field string) string { return fmt.Sprintf("items.%d.%s", i, field) }
		if !InWeek(week, it.Day) {
			f[k("day")] = "weekplan.field.day"
		}
		if !slices.Contains(Kinds, it.Kind) {
			f[k("kind")] = "field.required"
		}
		if !slices.Contains(Parts, it.Part) {
			f[k("part")] = "field.required"
		}
		if it.Part == "time" {
			switch {
			case !clock.MatchString(it.Start):
				f[k("start")] = "weekplan.field.time"
			case it.End != "" && !clock.MatchString(it.End):
				f[k("end")] = "weekplan.field.time"
			case it.End != "" && it.End <= it.Start:
				f[k("end")] = "weekplan.field.end"
			}
		}
		if it.Kind == "visit" && it.OrderID <= 0 {
			f[k("order")] = "weekplan.field.order"
		}
		if it.Kind == "other" && strings.TrimSpace(it.Note) == "" {
			f[k("note")] = "weekplan.field.note_other"
		}
		limits.Check(f, k("note"), it.Note)
	}
	return f
}

// Appointment is one of the technician's appointed visits of a week: what a planned
// visit links to.
type Appointment struct {
	OrderID      int64      `db:"id"`
	Number       string     `db:"number"`
	CustomerName string     `db:"customer_name"`
	Start        time.Time  `db:"appointment_start"`
	End          *time.Time `db:"appointment_end"`
}

// PrefillItems are the planned visits of the appointments, one item each on the local
// day of its start, timed from its start to its end when the end falls on that day.
func PrefillItems(appts []Appointment, loc *time.Location) []ItemInput {
	items := make([]ItemInput, 0, len(appts))
	for _, a := range appts {
		st := a.Start.In(loc)
		in := ItemInput{Day: Day(a.Start, loc), Kind: "visit", Part: "time", Start: st.Format("15:04"), OrderID: a.OrderID}
		if a.End != nil && Day(*a.End, loc).Equal(in.Day) && a.End.In(loc).Format("15:04") > in.Start {
			in.End = a.End.In(loc).Format("15:04")
		}
		items = append(items, in)
	}
	return items
}

// Event is one line of a plan's timeline.
type Event struct {
	ID        int64          `db:"id"`
	At        time.Time      `db:"at"`
	ActorName string         `db:"actor_name"`
	Kind      Transition     `db:"kind"`
	FromState *State         `db:"from_state"`
	ToState   State          `db:"to_state"`
	Data      map[string]any `db:"data"`
}

// Str is the event's data value k as text ("" when absent).
func (e Event) Str(k string) string {
	v, _ := e.Data[k].(string)
	return v
}

// Can says what the actor may do with a plan now: the forms its page shows, read from
// the machine's Allowed.
type Can struct {
	Save, Submit, Approve, Return bool
}

// Any reports whether any action is allowed.
func (c Can) Any() bool { return c.Save || c.Submit || c.Approve || c.Return }

// can is the one place that turns the machine's answer into the page's forms.
func can(a auth.Actor, t Technician, p Plan, items int, today time.Time) Can {
	var c Can
	if !Sees(a, t.ID, t.StationID) {
		return c
	}
	for _, tr := range Allowed(Facts{State: p.State, Items: items}, a.Role) {
		switch tr {
		case Save:
			c.Save = open(p.Week, today)
		case Submit:
			c.Submit = open(p.Week, today)
		case Approve:
			c.Approve = true
		case Return:
			c.Return = true
		}
	}
	return c
}

// open reports whether the week starting on Monday week may still be planned on day
// today: it has not ended.
func open(week, today time.Time) bool { return today.Before(week.AddDate(0, 0, 7)) }

func notFound() error { return apperr.New(apperr.NotFound, "error.not_found") }

// PlanPage is everything a plan's page shows.
type PlanPage struct {
	Technician Technician
	Plan       Plan
	Items      []Item
	Events     []Event
	Days       []time.Time
	// Appointments are the technician's appointed visits of the week (the visit
	// choices of the form).
	Appointments []Appointment
	// Rows are the form's items: the saved ones, or for a plan not saved yet the
	// visits of the week's appointments.
	Rows  []ItemInput
	Can   Can
	Today time.Time
}

// Page loads the plan of technician techID for the week starting on Monday week.
// Errors: NotFound (a technician the actor does not see, or not a technician).
func (s *Service) Page(ctx context.Context, actor auth.Actor, techID int64, week time.Time) (PlanPage, error) {
	week = WeekOf(week)
	t, err := technician(ctx, s.pool, actor, techID)
	if err != nil {
		return PlanPage{}, err
	}
	pg := PlanPage{Technician: t, Days: Days(week), Today: s.Today()}
	if pg.Plan, err = planOf(ctx, s.pool, actor, techID, week); err != nil {
		return PlanPage{}, err
	}
	if pg.Appointments, err = appointments(ctx, s.pool, actor, techID, week, s.loc); err != nil {
		return PlanPage{}, err
	}
	if pg.Plan.ID != 0 {
		if pg.Items, err = items(ctx, s.pool, actor, "i.plan_id = ", pg.Plan.ID); err != nil {
			return PlanPage{}, err
		}
		if pg.Events, err = events(ctx, s.pool, pg.Plan.ID); err != nil {
			return PlanPage{}, err
		}
		for _, it := range pg.Items {
			pg.Rows = append(pg.Rows, it.Input())
		}
	} else {
		pg.Rows = PrefillItems(pg.Appointments, s.loc)
	}
	pg.Can = can(actor, t, pg.Plan, len(pg.Items), pg.Today)
	return pg, nil
}

// Prefill is what the plan form offers for a plan not saved yet: the planned visits of
// the technician's appointments in the week. Errors: NotFound.
func (s *Service) Prefill(ctx context.Context, actor auth.Actor, techID int64, week time.Time) ([]ItemInput, error) {
	week = WeekOf(week)
	if _, err := technician(ctx, s.pool, actor, techID); err != nil {
		return nil, err
	}
	appts, err := appointments(ctx, s.pool, actor, techID, week, s.loc)
	if err != nil {
		return nil, err
	}
	return PrefillItems(appts, s.loc), nil
}

// step is what one transition brings besides its name.
type step struct {
	t       Transition
	items   []ItemInput
	comment string
}

// run takes one step in one transaction: the form key claimed (a repeated post changes
// nothing), the technician visible to the actor (NotFound), the plan locked, at the
// version the form showed (Conflict; 0 for a plan not saved yet), the machine asked
// (IllegalTransition, Forbidden), the week still open for planning, then the plan, its
// items and its event row written.
func (s *Service) run(ctx context.Context, actor auth.Actor, techID int64, week time.Time, version int, st step) (Plan, error) {
	week = WeekOf(week)
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		t, err := technician(ctx, tx, actor, techID)
		if err != nil {
			return err
		}
		p, n, err := lock(ctx, tx, actor, techID, week)
		if err != nil {
			return err
		}
		if p.Version != version {
			return apperr.New(apperr.Conflict, "weekplan.error.stale")
		}
		next, err := Next(Facts{State: p.State, Items: n}, st.t, actor.Role)
		if err != nil {
			return err
		}
		if (st.t == Save || st.t == Submit) && !open(week, Day(now, s.loc)) {
			return apperr.New(apperr.IllegalTransition, "weekplan.error.past")
		}
		data := map[string]any{}
		if st.t == Save {
			if err := checkOrders(ctx, tx, techID, st.items); err != nil {
				return err
			}
			data["items"] = len(st.items)
		}
		if p.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO week_plans (station_id, technician_id, week_start, state, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, t.StationID, techID, week, next, actor.UserID, now).Scan(&p.ID)
			if err != nil {
				return db.Translate(err, "week plan")
			}
		} else {
			set := ""
			args := []any{p.ID, next, now}
			switch st.t {
			case Submit:
				set = ", submitted_by = $4, submitted_at = $3"
				args = append(args, actor.UserID)
			case Approve:
				set = ", decided_by = $4, decided_at = $3, return_comment = NULL"
				args = append(args, actor.UserID)
			case Return:
				set = ", decided_by = $4, decided_at = $3, return_comment = $5"
				args = append(args, actor.UserID, st.comment)
				data["comment"] = st.comment
			}
			if _, err := tx.Exec(ctx, `UPDATE week_plans SET state = $2, version = version + 1, updated_at = $3`+set+` WHERE id = $1`, args...); err != nil {
				return db.Translate(err, "week plan "+string(st.t))
			}
		}
		if st.t == Save {
			if err := writeItems(ctx, tx, p.ID, st.items); err != nil {
				return err
			}
		}
		return addEvent(ctx, tx, p.ID, now, actor.UserID, st.t, p.State, next, data)
	})
	if err != nil {
		return Plan{}, err
	}
	return planOf(ctx, s.pool, actor, techID, week)
}

// Save writes the items of the technician's plan for the week starting on Monday week
// (the technician for themselves, or a supervisor of their station), replacing those
// saved before; a plan not saved yet becomes a draft, a returned plan stays returned
// until it is submitted again. Visits must link orders assigned to the technician.
// Errors: NotFound, Conflict (stale version), IllegalTransition (submitted or approved,
// or a week that has ended), Forbidden, Invalid with field keys items.<n>.<field>.
func (s *Service) Save(ctx context.Context, actor auth.Actor, techID int64, week time.Time, version int, items []ItemInput) (Plan, error) {
	week = WeekOf(week)
	for i := range items {
		items[i].Note = strings.TrimSpace(items[i].Note)
		if items[i].Part != "time" {
			items[i].Start, items[i].End = "", ""
		}
		if items[i].Kind != "visit" {
			items[i].OrderID = 0
		}
	}
	if f := Valid(week, items); len(f) > 0 {
		return Plan{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, techID, week, version, step{t: Save, items: items})
}

// Submit hands a draft or returned plan with at least one item to the manager.
// Errors as Save (IllegalTransition also for a plan with no items).
func (s *Service) Submit(ctx context.Context, actor auth.Actor, techID int64, week time.Time, version int) (Plan, error) {
	return s.run(ctx, actor, techID, week, version, step{t: Submit})
}

// Approve approves a submitted plan (a manager of the station or above); its items
// then show on the work board. Errors: NotFound, Conflict, IllegalTransition, Forbidden.
func (s *Service) Approve(ctx context.Context, actor auth.Actor, techID int64, week time.Time, version int) (Plan, error) {
	return s.run(ctx, actor, techID, week, version, step{t: Approve})
}

// Return sends a submitted plan back to be changed (a manager of the station or above),
// with a comment saying why (required). Errors as Approve, and Invalid with the field
// key comment.
func (s *Service) Return(ctx context.Context, actor auth.Actor, techID int64, week time.Time, version int, comment string) (Plan, error) {
	comment = strings.TrimSpace(comment)
	f := map[string]string{}
	if comment == "" {
		f["comment"] = "weekplan.field.comment"
	}
	if f = limits.Check(f, "comment", comment); len(f) > 0 {
		return Plan{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, techID, week, version, step{t: Return, comment: comment})
}

// Row is one technician's line of the plan list.
type Row struct {
	TechnicianID   int64      `db:"technician_id"`
	TechnicianName string     `db:"technician_name"`
	StationName    string     `db:"station_name"`
	State          State      `db:"state"`
	Items          int        `db:"items"`
	SubmittedAt    *time.Time `db:"submitted_at"`
}

// ListPage is the plans of one week, one row per technician.
type ListPage struct {
	Week     time.Time
	Rows     []Row
	Stations []auth.Station
}

// List lists, for the week starting on Monday week, every active technician of the
// stations the actor sees (or of one of them) with their plan's state (supervisors and
// managers). Errors: Forbidden, NotFound for a station the actor does not see.
func (s *Service) List(ctx context.Context, actor auth.Actor, week time.Time, stationID int64) (ListPage, error) {
	if !slices.Contains(office, actor.Role) {
		return ListPage{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
	}
	scope := actor
	if stationID != 0 {
		if !actor.Sees(stationID) {
			return ListPage{}, notFound()
		}
		scope.Stations = []int64{stationID}
	}
	lp := ListPage{Week: WeekOf(week)}
	var err error
	if lp.Rows, err = listRows(ctx, s.pool, scope, lp.Week); err != nil {
		return ListPage{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) ORDER BY id`, actor.Stations)
	if err != nil {
		return ListPage{}, db.Translate(err, "stations")
	}
	if lp.Stations, err = pgx.CollectRows(rows, pgx.RowToStructByName[auth.Station]); err != nil {
		return ListPage{}, db.Translate(err, "stations")
	}
	return lp, nil
}

// DayItems are the items of approved plans on day (a civil date) of the technicians the
// actor sees, by technician: what the work board shows beside the day's appointments.
func (s *Service) DayItems(ctx context.Context, actor auth.Actor, day time.Time) (map[int64][]Item, error) {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	its, err := items(ctx, s.pool, actor, "p.state = 'approved' AND i.day = ", day)
	if err != nil {
		return nil, err
	}
	by := map[int64][]Item{}
	for _, it := range its {
		by[it.TechnicianID] = append(by[it.TechnicianID], it)
	}
	return by, nil
}
