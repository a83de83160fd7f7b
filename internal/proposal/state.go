package proposal

import (
	"slices"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// State is the state of a proposal.
type State string

// The proposal states (docs/domain.md). None is the state before a proposal exists: the
// one Log starts from.
const (
	None     State = ""
	Logged   State = "logged"
	Adopted  State = "adopted"
	Rejected State = "rejected"
	Kept     State = "kept"
)

// States lists every state of a stored proposal, in display order.
var States = []State{Logged, Kept, Adopted, Rejected}

// Decided reports whether a proposal in state s has a decision to tell the customer.
func (s State) Decided() bool { return s == Adopted || s == Rejected || s == Kept }

// Transition names a step of the procedure.
type Transition string

// The transitions. Tell records that the customer was told of the latest decision; it
// leaves the state as it is.
const (
	Log    Transition = "log"
	Adopt  Transition = "adopt"
	Reject Transition = "reject"
	Keep   Transition = "keep"
	Tell   Transition = "tell"
)

// Transitions lists every transition; Allowed keeps this order.
var Transitions = []Transition{Log, Adopt, Reject, Keep, Tell}

// Facts are what the rules need to know about a proposal.
type Facts struct {
	State State
	// Told says the customer has been told of the latest decision.
	Told bool
}

// rule is one row of the transition table.
type rule struct {
	t     Transition
	from  []State
	to    func(Facts) State
	roles []auth.Role
	// guard, if set, runs last and refuses the transition with its own error.
	guard func(Facts, Transition) error
}

func to(s State) func(Facts) State { return func(Facts) State { return s } }

// same keeps the state (telling the customer changes no state).
func same(f Facts) State { return f.State }

var (
	office   = []auth.Role{auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager}
	deciders = []auth.Role{auth.RoleSupervisor, auth.RoleManager}
)

// table is the single source of truth of the procedure; Next and Allowed read only it.
var table = []rule{
	{t: Log, from: []State{None}, to: to(Logged), roles: office},
	{t: Adopt, from: []State{Logged, Kept}, to: to(Adopted), roles: deciders},
	{t: Reject, from: []State{Logged, Kept}, to: to(Rejected), roles: deciders},
	{t: Keep, from: []State{Logged}, to: to(Kept), roles: deciders},
	{t: Tell, from: []State{Adopted, Rejected, Kept}, to: same, roles: office, guard: notTold},
}

// notTold refuses telling the customer twice of the same decision.
func notTold(f Facts, _ Transition) error {
	if f.Told {
		return apperr.New(apperr.IllegalTransition, "proposal.error.already_told")
	}
	return nil
}

func ruleFor(t Transition) (*rule, bool) {
	for i := range table {
		if table[i].t == t {
			return &table[i], true
		}
	}
	return nil, false
}

// Next returns the state a proposal enters when an actor of role takes t, or an
// *apperr.Error: Invalid for an unknown transition, IllegalTransition when t does not
// apply to the current state (or the decision was told already), Forbidden when the
// role may not take it.
func Next(f Facts, t Transition, role auth.Role) (State, error) {
	r, ok := ruleFor(t)
	if !ok {
		return "", apperr.New(apperr.Invalid, "error.transition.unknown", "Transition", string(t))
	}
	if !slices.Contains(r.from, f.State) {
		return "", apperr.New(apperr.IllegalTransition, "proposal.error.illegal")
	}
	if !slices.Contains(r.roles, role) {
		return "", apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", rolesList(r.roles))
	}
	if r.guard != nil {
		if err := r.guard(f, t); err != nil {
			return "", err
		}
	}
	return r.to(f), nil
}

// Allowed lists, in the order of Transitions, the transitions an actor of role may take
// now: exactly those for which Next succeeds.
func Allowed(f Facts, role auth.Role) []Transition {
	var ts []Transition
	for _, t := range Transitions {
		if _, err := Next(f, t, role); err == nil {
			ts = append(ts, t)
		}
	}
	return ts
}

// MayLog reports whether an actor of role may log proposals.
func MayLog(role auth.Role) bool {
	_, err := Next(Facts{State: None}, Log, role)
	return err == nil
}

// MayDecide reports whether an actor of role may decide proposals (the decision roles
// of the table: adopting a logged proposal).
func MayDecide(role auth.Role) bool {
	_, err := Next(Facts{State: Logged}, Adopt, role)
	return err == nil
}

func rolesList(rs []auth.Role) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ","
		}
		s += string(r)
	}
	return s
}
