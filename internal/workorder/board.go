package workorder

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// BoardStates are the work board's columns after the first, in workflow order. The first
// column, 新报修 / 待评估, holds the calls not yet assessed (IntakeStates).
var BoardStates = []State{AwaitingDispatch, Dispatched, Scheduled, InProgress, AwaitingParts, InWorkshop, AwaitingCallback}

// IntakeStates are the states of the board's first column: calls the hotline logged or
// forwarded, waiting for an assessment.
var IntakeStates = []State{Received, Assessing}

// BoardFilter narrows the board. Day is the technician view's day (civil date in the
// service's time zone; zero means today).
type BoardFilter struct {
	Urgency     string
	ServiceType string
	Overdue     bool
	Text        string
	Day         time.Time
}

// Lane is one technician's row on the board for a day.
type Lane struct {
	Technician Person
	// Today are the technician's appointments on the day, in time order; Pending are
	// their assigned orders with no appointment yet.
	Today   []Order
	Pending []Order
	// Load counts all their open orders.
	Load int
}

// Board is the supervisor's work board.
type Board struct {
	// Intake are the new calls (已受理, 技术评估中), urgent first, then by due time.
	Intake     []Order
	Columns    map[State][]Order
	Lanes      []Lane
	Unassigned []Order
	Day        time.Time
	Total      int
	// Truncated says more open orders exist than the board shows.
	Truncated bool
	// may holds, per state on the board, the transitions the actor may take there.
	may map[State][]Transition
}

// May reports whether the board's user may take t on o: the card shows that action.
func (b Board) May(o Order, t Transition) bool { return slices.Contains(b.may[o.State], t) }

// BoardLimit is the most orders the board loads at once.
const BoardLimit = 2000

// boardOpen keeps the open orders. The literal state predicate matches the partial index
// work_orders_open_idx, which the EXPLAIN test checks.
var boardOpen = " AND " + workflow.OpenSQL("o")

// BoardQuery returns the board's SQL and arguments for what the actor sees (for the
// EXPLAIN test and Board).
func BoardQuery(actor auth.Actor, f BoardFilter, now time.Time) (string, []any) {
	args := []any{}
	arg := db.Args(&args)
	where := " WHERE " + workflow.Scope(actor, "o", arg) + boardOpen
	if f.Urgency != "" {
		where += " AND o.urgency = " + arg(f.Urgency)
	}
	if f.ServiceType != "" {
		where += " AND o.service_type = " + arg(f.ServiceType)
	}
	if f.Overdue {
		where += " AND " + fmt.Sprintf(overdueSQL, arg(now))
	}
	if t := customer.SearchTerm(f.Text); t != "" {
		where += " AND o.search ILIKE " + arg(customer.ContainsPattern(t))
	}
	// Build the SQL before returning args: arg appends to it.
	sql := selectOrder + where + " ORDER BY o.created_at DESC, o.id DESC LIMIT " + arg(BoardLimit+1)
	return sql, args
}

// Board loads the work board of the actor's stations: the new calls not yet assessed,
// open orders by state, and each active technician's lane for the day. Supervisors and
// managers only.
func (s *Service) Board(ctx context.Context, actor auth.Actor, f BoardFilter) (Board, error) {
	if !actor.Is(auth.RoleSupervisor, auth.RoleManager) {
		return Board{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
	}
	now := s.now()
	if f.Day.IsZero() {
		f.Day = now
	}
	l := f.Day.In(s.loc)
	dayStart := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.loc)
	dayEnd := dayStart.AddDate(0, 0, 1)
	sql, args := BoardQuery(actor, f, now)
	orders, err := collectOrders(s.pool.Query(ctx, sql, args...))
	if err != nil {
		return Board{}, err
	}
	b := Board{Columns: map[State][]Order{}, Day: dayStart, may: map[State][]Transition{}}
	if len(orders) > BoardLimit {
		orders, b.Truncated = orders[:BoardLimit], true
	}
	b.Total = len(orders)
	rows, err := s.pool.Query(ctx, `SELECT id, display_name FROM users WHERE station_id = ANY($1) AND role = 'technician' AND active ORDER BY station_id, display_name`, actor.Stations)
	if err != nil {
		return Board{}, db.Translate(err, "technicians")
	}
	techs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Person])
	if err != nil {
		return Board{}, db.Translate(err, "technicians")
	}
	lanes := map[int64]*Lane{}
	for _, t := range techs {
		b.Lanes = append(b.Lanes, Lane{Technician: t})
	}
	for i := range b.Lanes {
		lanes[b.Lanes[i].Technician.ID] = &b.Lanes[i]
	}
	for _, o := range orders {
		if _, ok := b.may[o.State]; !ok {
			// The board's actions (assess, assign, reassign, cancel) depend only on the
			// state and the role: the board is for supervisors and managers.
			b.may[o.State] = Allowed(Facts{State: o.State}, machineActor(actor))
		}
		if o.State == Received || o.State == Assessing {
			b.Intake = append(b.Intake, o)
			continue
		}
		b.Columns[o.State] = append(b.Columns[o.State], o)
		if o.State == AwaitingDispatch {
			b.Unassigned = append(b.Unassigned, o)
			continue
		}
		if o.AssigneeID == nil {
			continue
		}
		lane := lanes[*o.AssigneeID]
		if lane == nil {
			continue // an inactive technician's orders stay in the state view
		}
		lane.Load++
		switch {
		case o.AppointmentStart != nil && !o.AppointmentStart.Before(dayStart) && o.AppointmentStart.Before(dayEnd):
			lane.Today = append(lane.Today, o)
		case o.AppointmentStart == nil:
			lane.Pending = append(lane.Pending, o)
		}
	}
	urgentFirst := func(list []Order) {
		sort.SliceStable(list, func(i, j int) bool {
			if (list[i].Urgency == "urgent") != (list[j].Urgency == "urgent") {
				return list[i].Urgency == "urgent"
			}
			return list[i].ArriveDueAt.Before(list[j].ArriveDueAt)
		})
	}
	for st := range b.Columns {
		urgentFirst(b.Columns[st])
	}
	urgentFirst(b.Unassigned)
	// Calls not yet assessed: urgent first, then the customer contact that falls due first.
	sort.SliceStable(b.Intake, func(i, j int) bool {
		a, c := b.Intake[i], b.Intake[j]
		if (a.Urgency == "urgent") != (c.Urgency == "urgent") {
			return a.Urgency == "urgent"
		}
		if !a.ContactDueAt.Equal(c.ContactDueAt) {
			return a.ContactDueAt.Before(c.ContactDueAt)
		}
		return a.CreatedAt.Before(c.CreatedAt)
	})
	for i := range b.Lanes {
		sort.SliceStable(b.Lanes[i].Today, func(a, c int) bool {
			return b.Lanes[i].Today[a].AppointmentStart.Before(*b.Lanes[i].Today[c].AppointmentStart)
		})
		urgentFirst(b.Lanes[i].Pending)
	}
	return b, nil
}

// Move puts an order on a technician from the board. What the user meant follows from
// the state they saw on the card: Assign when it awaited dispatch, else Reassign (reason
// required). The version check inside reports a card someone else moved meanwhile as
// a Conflict naming them, and the user's own double drop as a retry.
func (s *Service) Move(ctx context.Context, actor auth.Actor, id int64, version int, seen State, technicianID int64, reason string) (Order, error) {
	if seen == AwaitingDispatch {
		return s.Assign(ctx, actor, id, version, technicianID, "")
	}
	return s.Reassign(ctx, actor, id, version, technicianID, strings.TrimSpace(reason))
}

// AssessmentQueue is the assessment queue (技术评估) and whether its user may assess.
type AssessmentQueue struct {
	Orders    []Order
	CanAssess bool
}

// Assessments is the assessment queue (技术评估): the orders forwarded for assessment in
// the actor's stations, urgent first, then the one whose customer contact falls due
// first. Supervisors and managers (who look; the machine lets supervisors assess);
// Forbidden for others.
func (s *Service) Assessments(ctx context.Context, actor auth.Actor) (AssessmentQueue, error) {
	if !actor.Is(auth.RoleSupervisor, auth.RoleManager) {
		return AssessmentQueue{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
	}
	args := []any{}
	scope := workflow.Scope(actor, "o", db.Args(&args))
	orders, err := collectOrders(s.pool.Query(ctx, selectOrder+` WHERE `+scope+` AND `+workflow.StateIs("o", Assessing)+`
		ORDER BY (o.urgency = 'urgent') DESC, o.contact_due_at, o.created_at, o.id LIMIT 500`, args...))
	return AssessmentQueue{Orders: orders, CanAssess: slices.Contains(Allowed(Facts{State: Assessing}, machineActor(actor)), Assess)}, err
}
