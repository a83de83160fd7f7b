package workorder

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
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
	// FirstOnly reads each column's count and only its first ColumnCards cards (the state
	// view); otherwise every open order is read (the technician view: the lanes' loads
	// and the day's appointments need them all).
	FirstOnly bool
}

// Card is one card of the work board: only the columns a card shows, read straight from
// the row (the order page and the lists use the wide Order).
type Card struct {
	ID           int64
	Number       string
	Version      int
	State        State
	Urgency      string
	ServiceType  string
	Address      string
	CustomerName string
	AssigneeID   *int64
	AssigneeName string
	RevisitCount int
	// Symptom is filled for the new calls (IntakeStates) only: the other cards do not show it.
	Symptom          string
	CreatedAt        time.Time
	AppointmentStart *time.Time
	FirstContactAt   *time.Time
	ArrivedAt        *time.Time
	ContactDueAt     time.Time
	ArriveDueAt      time.Time
	RepairDueAt      *time.Time
	CallbackDueAt    *time.Time
}

// AsOrder is the card as an Order holding just the card's columns, for the rules and
// views written for orders (Overdue, the card's SLA clock).
func (c Card) AsOrder() Order {
	return Order{ID: c.ID, Number: c.Number, Version: c.Version, State: c.State, Urgency: c.Urgency, ServiceType: c.ServiceType,
		Address: c.Address, CustomerName: c.CustomerName, AssigneeID: c.AssigneeID, AssigneeName: c.AssigneeName,
		RevisitCount: c.RevisitCount, Symptom: c.Symptom, CreatedAt: c.CreatedAt, AppointmentStart: c.AppointmentStart,
		FirstContactAt: c.FirstContactAt, ArrivedAt: c.ArrivedAt, ContactDueAt: c.ContactDueAt, ArriveDueAt: c.ArriveDueAt,
		RepairDueAt: c.RepairDueAt, CallbackDueAt: c.CallbackDueAt}
}

// Lane is one technician's row on the board for a day.
type Lane struct {
	Technician Person
	// Today are the technician's appointments on the day, in time order; Pending are
	// their assigned orders with no appointment yet.
	Today   []Card
	Pending []Card
	// Load counts all their open orders.
	Load int
}

// Board is the supervisor's work board.
type Board struct {
	// Intake are the new calls (已受理, 技术评估中), urgent first, then by due time.
	Intake     []Card
	Columns    map[State][]Card
	Lanes      []Lane
	Unassigned []Card
	Day        time.Time
	Total      int
	// Truncated says more open orders exist than the board shows.
	Truncated bool
	// counts are the orders in each column (Received for the new calls), also those the
	// lists leave out (FirstOnly).
	counts map[State]int
	// may holds, per state on the board, the transitions the actor may take there.
	may map[State][]Transition
}

// CountLists sets each column's count from its list, for a board whose lists hold every
// open order (not FirstOnly).
func (b *Board) CountLists() {
	b.counts = map[State]int{Received: len(b.Intake)}
	for st, list := range b.Columns {
		b.counts[st] = len(list)
	}
}

// Count is how many orders column st holds (Received: the new calls), shown or not.
func (b Board) Count(st State) int { return b.counts[st] }

// May reports whether the board's user may take t on c: the card shows that action.
func (b Board) May(c Card, t Transition) bool { return slices.Contains(b.may[c.State], t) }

// BoardLimit is the most orders the board loads at once.
const BoardLimit = 2000

// ColumnCards is how many cards a column (or a lane's pending list, or the unassigned
// lane) shows, the most urgent and soonest due first; its count and a link to the full
// list in the order list stand for the rest.
const ColumnCards = 12

// FirstCards is the part of list a column shows.
func FirstCards(list []Card) []Card { return list[:min(len(list), ColumnCards)] }

// boardOpen keeps the open orders. The literal state predicate matches the partial index
// work_orders_open_idx, which the EXPLAIN test checks.
var boardOpen = " AND " + workflow.OpenSQL("o")

// selectCard reads a Card: the card's columns and two joins (the customer's name, the
// technician's).
var selectCard = `SELECT o.id, o.number, o.version, o.state, o.urgency, o.service_type, o.address, c.name,
	o.assignee_id, coalesce(a.display_name, ''), o.revisit_count,
	CASE WHEN ` + workflow.StateIs("o", IntakeStates...) + ` THEN o.symptom ELSE '' END,
	o.created_at, o.appointment_start, o.first_contact_at, o.arrived_at, o.contact_due_at, o.arrive_due_at, o.repair_due_at, o.callback_due_at
	FROM work_orders o
	JOIN customers c ON c.id = o.customer_id
	LEFT JOIN users a ON a.id = o.assignee_id`

// scanCards reads selectCard's rows; with counted, each row starts with its column's count
// (BoardFirstQuery), handed to counted with the card.
func scanCards(rows pgx.Rows, counted func(Card, int)) ([]Card, error) {
	defer rows.Close()
	var out []Card
	var n int
	for rows.Next() {
		var c Card
		dst := []any{&c.ID, &c.Number, &c.Version, &c.State, &c.Urgency, &c.ServiceType, &c.Address, &c.CustomerName,
			&c.AssigneeID, &c.AssigneeName, &c.RevisitCount, &c.Symptom, &c.CreatedAt, &c.AppointmentStart, &c.FirstContactAt,
			&c.ArrivedAt, &c.ContactDueAt, &c.ArriveDueAt, &c.RepairDueAt, &c.CallbackDueAt}
		if counted != nil {
			dst = append([]any{&n}, dst...)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		if counted != nil {
			counted(c, n)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

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
	sql := selectCard + where + " ORDER BY o.created_at DESC, o.id DESC LIMIT " + arg(BoardLimit+1)
	return sql, args
}

// BoardFirstQuery is BoardQuery for FirstOnly: each column's first ColumnCards open
// orders (urgent first, then by due time: contact for the new calls, arrival for the
// rest) with the column's count in the last column, the joins made for those only.
func BoardFirstQuery(actor auth.Actor, f BoardFilter, now time.Time) (string, []any) {
	full, args := BoardQuery(actor, f, now)
	where := full[strings.Index(full, " WHERE "):strings.LastIndex(full, " ORDER BY ")]
	args = args[:len(args)-1] // BoardQuery's LIMIT
	intake := workflow.StateIs("o", IntakeStates...)
	ranked := `SELECT o.id,
		count(*) OVER w AS n,
		row_number() OVER (w ORDER BY o.urgency = 'urgent' DESC,
			CASE WHEN ` + intake + ` THEN o.contact_due_at ELSE o.arrive_due_at END,
			CASE WHEN ` + intake + ` THEN o.created_at END, o.created_at DESC, o.id DESC) AS rn
		FROM work_orders o` + where + `
		WINDOW w AS (PARTITION BY CASE WHEN ` + intake + ` THEN 'intake' ELSE o.state END)`
	sql := strings.Replace(selectCard, "SELECT ", "SELECT r.n, ", 1) + `
	JOIN (` + ranked + `) r ON r.id = o.id
	WHERE r.rn <= ` + strconv.Itoa(ColumnCards)
	return sql, args
}

// technicianSQL lists the active technicians of the stations $1, the board's lanes and
// the assign dialog's choices.
const technicianSQL = `SELECT id, display_name FROM users WHERE station_id = ANY($1) AND role = 'technician' AND active ORDER BY station_id, display_name`

// Board loads the work board of the actor's stations: the new calls not yet assessed,
// open orders by state, and each active technician's lane for the day, in one round
// trip. Supervisors and managers only.
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
	var orders []Card
	var techs []Person
	counts := map[State]int{}
	batch := &pgx.Batch{}
	if f.FirstOnly {
		sql, args := BoardFirstQuery(actor, f, now)
		batch.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
			orders, err = scanCards(rows, func(c Card, n int) {
				if c.State == Assessing {
					c.State = Received
				}
				counts[c.State] = n
			})
			return err
		})
	} else {
		sql, args := BoardQuery(actor, f, now)
		batch.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
			orders, err = scanCards(rows, nil)
			return err
		})
	}
	batch.Queue(technicianSQL, actor.Stations).Query(func(rows pgx.Rows) (err error) {
		techs, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person])
		return err
	})
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return Board{}, db.Translate(err, "board")
	}
	b := Board{Columns: map[State][]Card{}, Day: dayStart, may: map[State][]Transition{}, counts: counts}
	if len(orders) > BoardLimit {
		orders, b.Truncated = orders[:BoardLimit], true
	}
	if f.FirstOnly {
		for _, n := range counts {
			b.Total += n
		}
		// In the full query's order (newest first), so ties sort as they do there.
		slices.SortFunc(orders, func(a, c Card) int {
			if n := c.CreatedAt.Compare(a.CreatedAt); n != 0 {
				return n
			}
			return cmp.Compare(c.ID, a.ID)
		})
	} else {
		b.Total = len(orders)
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
	urgentFirst := func(list []Card) {
		slices.SortStableFunc(list, func(a, c Card) int {
			if (a.Urgency == "urgent") != (c.Urgency == "urgent") {
				if a.Urgency == "urgent" {
					return -1
				}
				return 1
			}
			return a.ArriveDueAt.Compare(c.ArriveDueAt)
		})
	}
	for st := range b.Columns {
		urgentFirst(b.Columns[st])
	}
	urgentFirst(b.Unassigned)
	// Calls not yet assessed: urgent first, then the customer contact that falls due first.
	slices.SortStableFunc(b.Intake, func(a, c Card) int {
		if (a.Urgency == "urgent") != (c.Urgency == "urgent") {
			if a.Urgency == "urgent" {
				return -1
			}
			return 1
		}
		if n := a.ContactDueAt.Compare(c.ContactDueAt); n != 0 {
			return n
		}
		return a.CreatedAt.Compare(c.CreatedAt)
	})
	if !f.FirstOnly {
		b.CountLists()
	}
	for i := range b.Lanes {
		slices.SortStableFunc(b.Lanes[i].Today, func(a, c Card) int {
			return a.AppointmentStart.Compare(*c.AppointmentStart)
		})
		urgentFirst(b.Lanes[i].Pending)
	}
	return b, nil
}

// AssignChoice is the assign (or reassign) form of one board card, on its own page for
// browsers without JavaScript: the order, the technicians of its station to choose from
// (the current one left out) and which of the two actions the form takes.
type AssignChoice struct {
	Order       Order
	Technicians []Person
	// Reassign says the order has a technician already: the form asks for a reason.
	Reassign bool
	// CanCancel says the form may link to the order's cancel form.
	CanCancel bool
}

// AssignChoice loads the assign form of order id for the board's user. A Conflict when
// the order can be neither assigned nor reassigned now (someone moved it on).
func (s *Service) AssignChoice(ctx context.Context, actor auth.Actor, id int64) (AssignChoice, error) {
	if !actor.Is(auth.RoleSupervisor, auth.RoleManager) {
		return AssignChoice{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
	}
	o, err := s.OrderByID(ctx, actor, id)
	if err != nil {
		return AssignChoice{}, err
	}
	may := Allowed(Facts{State: o.State}, machineActor(actor))
	c := AssignChoice{Order: o, Reassign: !slices.Contains(may, Assign), CanCancel: slices.Contains(may, Cancel)}
	if c.Reassign && !slices.Contains(may, Reassign) {
		return AssignChoice{}, apperr.New(apperr.Conflict, "board.assign_gone", "State", string(o.State))
	}
	rows, err := s.pool.Query(ctx, technicianSQL, []int64{o.StationID})
	if err != nil {
		return AssignChoice{}, db.Translate(err, "technicians")
	}
	techs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Person])
	if err != nil {
		return AssignChoice{}, db.Translate(err, "technicians")
	}
	for _, t := range techs {
		if o.AssigneeID == nil || *o.AssigneeID != t.ID {
			c.Technicians = append(c.Technicians, t)
		}
	}
	return c, nil
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
