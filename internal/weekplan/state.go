package weekplan

import (
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// State is the state of a week's plan.
type State string

// The plan states. None is the state before a plan exists: the one the first Save
// starts from.
const (
	None      State = ""
	Draft     State = "draft"
	Submitted State = "submitted"
	Approved  State = "approved"
	Returned  State = "returned"
)

// States lists every state of a stored plan, in display order.
var States = []State{Draft, Submitted, Returned, Approved}

// Transition names a step of the procedure.
type Transition string

// The transitions. Save writes the items and leaves a draft or a returned plan in its
// state (a plan that does not exist yet becomes a draft).
const (
	Save    Transition = "save"
	Submit  Transition = "submit"
	Approve Transition = "approve"
	Return  Transition = "return"
)

// Transitions lists every transition; Allowed keeps this order.
var Transitions = []Transition{Save, Submit, Approve, Return}

// Facts are what the rules need to know about a plan.
type Facts struct {
	State State
	// Items counts the plan's items.
	Items int
}

type rule struct {
	t     Transition
	from  []State
	to    func(Facts) State
	roles []auth.Role
	guard func(Facts) error
}

func to(s State) func(Facts) State { return func(Facts) State { return s } }

// keep leaves an existing plan in its state and makes a new one a draft.
func keep(f Facts) State {
	if f.State == None {
		return Draft
	}
	return f.State
}

var (
	// planners draft and submit: the technician (their own plan) or a supervisor of
	// their station.
	planners = []auth.Role{auth.RoleTechnician, auth.RoleSupervisor}
	// deciders approve or return: a manager of the station or above.
	deciders = []auth.Role{auth.RoleManager}
)

// table is the single source of truth of the procedure; Next and Allowed read only it.
var table = []rule{
	{t: Save, from: []State{None, Draft, Returned}, to: keep, roles: planners},
	{t: Submit, from: []State{Draft, Returned}, to: to(Submitted), roles: planners, guard: hasItems},
	{t: Approve, from: []State{Submitted}, to: to(Approved), roles: deciders},
	{t: Return, from: []State{Submitted}, to: to(Returned), roles: deciders},
}

// hasItems refuses submitting an empty plan.
func hasItems(f Facts) error {
	if f.Items == 0 {
		return apperr.New(apperr.IllegalTransition, "weekplan.error.empty")
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

// Next returns the state a plan enters when an actor of role takes t, or an
// *apperr.Error: Invalid for an unknown transition, IllegalTransition when t does not
// apply to the current state (or the plan has no items to submit), Forbidden when the
// role may not take it.
func Next(f Facts, t Transition, role auth.Role) (State, error) {
	r, ok := ruleFor(t)
	if !ok {
		return "", apperr.New(apperr.Invalid, "error.transition.unknown", "Transition", string(t))
	}
	if !slices.Contains(r.from, f.State) {
		return "", apperr.New(apperr.IllegalTransition, "weekplan.error.illegal")
	}
	if !slices.Contains(r.roles, role) {
		return "", apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", rolesList(r.roles))
	}
	if r.guard != nil {
		if err := r.guard(f); err != nil {
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

func rolesList(rs []auth.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
