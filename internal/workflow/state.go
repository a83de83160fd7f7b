// Package workflow is the work order's pure state machine and visibility rule: one
// transition table decides which transitions an actor may take from which state, and
// Sees decides which orders an actor may see. It imports no database or HTTP code, so
// every package that touches orders (work orders, fees, parts) can use it.
package workflow

import (
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/auth"

	"github.com/aftersales/aftersales/internal/apperr"
)

// State is the state of a work order.
type State string

// The work-order states (docs/domain.md).
const (
	Received         State = "received"
	Assessing        State = "assessing"
	AwaitingDispatch State = "awaiting_dispatch"
	Dispatched       State = "dispatched"
	Scheduled        State = "scheduled"
	InProgress       State = "in_progress"
	AwaitingParts    State = "awaiting_parts"
	InWorkshop       State = "in_workshop"
	AwaitingCallback State = "awaiting_callback"
	Closed           State = "closed"
	Cancelled        State = "cancelled"
)

// States lists every state in workflow order.
var States = []State{
	Received, Assessing, AwaitingDispatch, Dispatched, Scheduled, InProgress,
	AwaitingParts, InWorkshop, AwaitingCallback, Closed, Cancelled,
}

// Open reports whether an order in state s is still open (neither closed nor cancelled).
func (s State) Open() bool { return s != Closed && s != Cancelled }

// PartsStates are the states in which parts may be asked for an order: from dispatch
// until the work is done.
var PartsStates = []State{Dispatched, Scheduled, InProgress, AwaitingParts, InWorkshop}

// TakesParts reports whether parts may be asked for an order in state s.
func (s State) TakesParts() bool { return slices.Contains(PartsStates, s) }

// Transition names a step of the workflow.
type Transition string

// The transitions (docs/domain.md).
const (
	ResolveByPhone      Transition = "resolve_by_phone"
	Forward             Transition = "forward"
	Assess              Transition = "assess"
	ResolveRemotely     Transition = "resolve_remotely"
	Assign              Transition = "assign"
	Reassign            Transition = "reassign"
	MakeAppointment     Transition = "make_appointment"
	Reschedule          Transition = "reschedule"
	CheckIn             Transition = "check_in"
	AwaitParts          Transition = "await_parts"
	PartsArrived        Transition = "parts_arrived"
	TakeToWorkshop      Transition = "take_to_workshop"
	Complete            Transition = "complete"
	CallbackAttempt     Transition = "callback_attempt"
	CallbackSatisfied   Transition = "callback_satisfied"
	CallbackUnsatisfied Transition = "callback_unsatisfied"
	CloseUnreachable    Transition = "close_unreachable"
	Cancel              Transition = "cancel"
	RemedialCallback    Transition = "remedial_callback"
)

// Transitions lists every transition in workflow order; Allowed keeps this order.
var Transitions = []Transition{
	ResolveByPhone, Forward, Assess, ResolveRemotely, Assign, Reassign, MakeAppointment,
	Reschedule, CheckIn, AwaitParts, PartsArrived, TakeToWorkshop, Complete,
	CallbackAttempt, CallbackSatisfied, CallbackUnsatisfied, CloseUnreachable, Cancel,
	RemedialCallback,
}

// Role is a user's role, as the auth package defines them (docs/domain.md).
type Role = auth.Role

// The roles.
const (
	RoleHotline     = auth.RoleHotline
	RoleSupervisor  = auth.RoleSupervisor
	RoleTechnician  = auth.RoleTechnician
	RoleStorekeeper = auth.RoleStorekeeper
	RoleManager     = auth.RoleManager
	RoleAdmin       = auth.RoleAdmin
)

// Roles lists every role.
var Roles = auth.Roles

// Actor is who acts.
type Actor struct {
	UserID int64
	Role   Role
}

// Facts are what the guards need to know about the order, loaded by the service.
type Facts struct {
	State State
	// AssigneeID is the assigned technician's user id; 0 means nobody is assigned.
	AssigneeID int64
	// UnitInWorkshop says the unit is in the workshop (set by take_to_workshop).
	UnitInWorkshop bool
	// FeesSettled says the fees are settled or nothing is chargeable.
	FeesSettled bool
	// CallbackAttempts counts the failed callback attempts so far.
	CallbackAttempts int
	// CallbackAttemptLimit is the number of failed attempts after which the order may be
	// closed as unreachable.
	CallbackAttemptLimit int
}

// rule is one row of the transition table.
type rule struct {
	t     Transition
	from  []State
	to    func(Facts) State
	roles []Role
	// assignee: a technician may take the transition only on an order assigned to them.
	assignee bool
	// guard, if set, runs last and refuses the transition with its own error.
	guard func(Facts, Transition) error
}

// to returns a to-function for a fixed target state.
func to(s State) func(Facts) State { return func(Facts) State { return s } }

// table is the single source of truth for the workflow; Next and Allowed read only it.
var table = []rule{
	{t: ResolveByPhone, from: []State{Received}, to: to(AwaitingCallback),
		roles: []Role{RoleHotline}},
	{t: Forward, from: []State{Received}, to: to(Assessing),
		roles: []Role{RoleHotline}},
	{t: Assess, from: []State{Received, Assessing}, to: to(AwaitingDispatch),
		roles: []Role{RoleSupervisor}},
	{t: ResolveRemotely, from: []State{Assessing}, to: to(AwaitingCallback),
		roles: []Role{RoleSupervisor}},
	// Managers of the station may dispatch too: only supervisors and managers of that
	// station may assign.
	{t: Assign, from: []State{AwaitingDispatch}, to: to(Dispatched),
		roles: []Role{RoleSupervisor, RoleManager}},
	{t: Reassign, from: []State{Dispatched, Scheduled}, to: to(Dispatched),
		roles: []Role{RoleSupervisor, RoleManager}},
	{t: MakeAppointment, from: []State{Dispatched}, to: to(Scheduled),
		roles: []Role{RoleTechnician, RoleSupervisor}, assignee: true},
	{t: Reschedule, from: []State{Scheduled}, to: to(Scheduled),
		roles: []Role{RoleTechnician}, assignee: true},
	{t: CheckIn, from: []State{Scheduled, AwaitingParts}, to: to(InProgress),
		roles: []Role{RoleTechnician}, assignee: true, guard: unitOnSite},
	{t: AwaitParts, from: []State{InProgress, InWorkshop}, to: to(AwaitingParts),
		roles: []Role{RoleTechnician}, assignee: true},
	{t: PartsArrived, from: []State{AwaitingParts}, to: afterParts,
		roles: []Role{RoleTechnician, RoleSupervisor}, assignee: true},
	{t: TakeToWorkshop, from: []State{InProgress}, to: to(InWorkshop),
		roles: []Role{RoleTechnician}, assignee: true},
	{t: Complete, from: []State{InProgress, InWorkshop}, to: to(AwaitingCallback),
		roles: []Role{RoleTechnician}, assignee: true},
	// A call that did not reach the customer (no answer, refused): counted, the order
	// waits for the next call.
	{t: CallbackAttempt, from: []State{AwaitingCallback}, to: to(AwaitingCallback),
		roles: []Role{RoleHotline}},
	{t: CallbackSatisfied, from: []State{AwaitingCallback}, to: to(Closed),
		roles: []Role{RoleHotline}, guard: feesSettled},
	{t: CallbackUnsatisfied, from: []State{AwaitingCallback}, to: to(AwaitingDispatch),
		roles: []Role{RoleHotline}},
	{t: CloseUnreachable, from: []State{AwaitingCallback}, to: to(Closed),
		roles: []Role{RoleSupervisor}, guard: attemptsExhausted},
	{t: Cancel, from: []State{Received, Assessing, AwaitingDispatch, Dispatched, Scheduled}, to: to(Cancelled),
		roles: []Role{RoleHotline, RoleSupervisor}},
	// The daily reconciliation found the report doubtful: the manager puts the order back
	// on the callback queue, due now, whether it still waits for its callback or was
	// closed already (补救回访).
	{t: RemedialCallback, from: []State{AwaitingCallback, Closed}, to: to(AwaitingCallback),
		roles: []Role{RoleManager}},
}

// afterParts sends the order back to where the unit is: the workshop, or a new visit.
func afterParts(f Facts) State {
	if f.UnitInWorkshop {
		return InWorkshop
	}
	return Scheduled
}

// unitOnSite refuses checking in from awaiting_parts while the unit is in the workshop.
func unitOnSite(f Facts, t Transition) error {
	if f.State == AwaitingParts && f.UnitInWorkshop {
		return illegal(f, t)
	}
	return nil
}

// feesSettled refuses closing an order whose fees are not settled.
func feesSettled(f Facts, _ Transition) error {
	if !f.FeesSettled {
		return apperr.New(apperr.IllegalTransition, "error.transition.fees_unsettled",
			"State", string(f.State))
	}
	return nil
}

// attemptsExhausted refuses closing as unreachable before the configured number of failed
// callback attempts; a limit that is not positive never allows it.
func attemptsExhausted(f Facts, _ Transition) error {
	if f.CallbackAttemptLimit <= 0 || f.CallbackAttempts < f.CallbackAttemptLimit {
		return apperr.New(apperr.IllegalTransition, "error.transition.attempts",
			"State", string(f.State), "Attempts", f.CallbackAttempts, "Limit", f.CallbackAttemptLimit)
	}
	return nil
}

// illegal is the error for a transition that does not apply to the order's current state.
func illegal(f Facts, t Transition) error {
	return apperr.New(apperr.IllegalTransition, "error.transition.illegal",
		"State", string(f.State), "Transition", string(t))
}

// ruleFor returns the table row of t.
func ruleFor(t Transition) (*rule, bool) {
	for i := range table {
		if table[i].t == t {
			return &table[i], true
		}
	}
	return nil, false
}

// Next returns the state the order enters when actor takes t, or an *apperr.Error:
// Invalid for an unknown transition, IllegalTransition when t does not apply to the
// current state or facts, Forbidden when the actor's role or assignment does not permit it.
func Next(f Facts, t Transition, a Actor) (State, error) {
	r, ok := ruleFor(t)
	if !ok {
		return "", apperr.New(apperr.Invalid, "error.transition.unknown", "Transition", string(t))
	}
	if !slices.Contains(r.from, f.State) {
		return "", illegal(f, t)
	}
	if !slices.Contains(r.roles, a.Role) {
		return "", apperr.New(apperr.Forbidden, "error.transition.role",
			"State", string(f.State), "Transition", string(t), "Role", string(a.Role))
	}
	if r.assignee && a.Role == RoleTechnician && (f.AssigneeID == 0 || f.AssigneeID != a.UserID) {
		return "", apperr.New(apperr.Forbidden, "error.transition.not_assignee",
			"State", string(f.State), "Transition", string(t))
	}
	if r.guard != nil {
		if err := r.guard(f, t); err != nil {
			return "", err
		}
	}
	return r.to(f), nil
}

// Allowed lists, in the order of Transitions, the transitions a may take now: exactly those
// for which Next succeeds.
func Allowed(f Facts, a Actor) []Transition {
	var ts []Transition
	for _, t := range Transitions {
		if _, err := Next(f, t, a); err == nil {
			ts = append(ts, t)
		}
	}
	return ts
}

// OpenSQL is State.Open as SQL on the orders under alias. Its literal form matches the
// partial index on open orders (work_orders_open_idx).
func OpenSQL(alias string) string { return StateIsNot(alias, Closed, Cancelled) }

// StateIs is the SQL condition that the order under alias is in one of states:
// alias.state = 'x' for one state, alias.state IN ('x', 'y') for several.
func StateIs(alias string, states ...State) string {
	return StateColumnIs(alias+".state", states...)
}

// StateIsNot is the SQL condition that the order under alias is in none of states:
// alias.state <> 'x' for one state, alias.state NOT IN ('x', 'y') for several.
func StateIsNot(alias string, states ...State) string {
	return StateColumnIsNot(alias+".state", states...)
}

// StateColumnIs is StateIs on any column that holds a state, such as an event's
// to_state or an unqualified state.
func StateColumnIs(column string, states ...State) string {
	return stateCond(column, "=", "IN", states)
}

// StateColumnIsNot is StateIsNot on any column that holds a state.
func StateColumnIsNot(column string, states ...State) string {
	return stateCond(column, "<>", "NOT IN", states)
}

// SQL is s as a quoted SQL literal ('received'), for the conditions StateIs does not
// write, such as IS DISTINCT FROM. It panics on a value that is not one of States, a
// programming error, so only the known states are ever written into SQL.
func (s State) SQL() string {
	if !slices.Contains(States, s) {
		panic("workflow: unknown state " + strconv.Quote(string(s)))
	}
	return "'" + string(s) + "'"
}

// stateCond compares column with one state by op, with several by list. It panics on
// no states at all (an empty IN list is not SQL), a programming error.
func stateCond(column, op, list string, states []State) string {
	if len(states) == 0 {
		panic("workflow: state condition on " + column + " without states")
	}
	if len(states) == 1 {
		return column + " " + op + " " + states[0].SQL()
	}
	quoted := make([]string, len(states))
	for i, s := range states {
		quoted[i] = s.SQL()
	}
	return column + " " + list + " (" + strings.Join(quoted, ", ") + ")"
}
