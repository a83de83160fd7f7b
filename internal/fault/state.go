package fault

import (
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// State is the state of a fault report.
type State string

// The fault states. None is the state before a fault is reported.
const (
	None     State = ""
	Reported State = "reported"
	Analysed State = "analysed"
	Measured State = "measured"
	Closed   State = "closed"
)

// States lists every state of a stored fault, in order.
var States = []State{Reported, Analysed, Measured, Closed}

// Transition names a step of fault handling.
type Transition string

// The transitions: reported from a job, analysed (a cause), given a measure, closed.
const (
	Report  Transition = "report"
	Analyse Transition = "analyse"
	Measure Transition = "measure"
	Close   Transition = "close"
)

// Transitions lists every transition; Allowed keeps this order.
var Transitions = []Transition{Report, Analyse, Measure, Close}

// Facts are what the rules need to know about a fault and the actor.
type Facts struct {
	State State
	// Escalated says the fault is major and was not fixed on site: HQ's to handle.
	Escalated bool
	// ActorAtHQ says the actor works at the top station.
	ActorAtHQ bool
}

// rule is one row of the transition table.
type rule struct {
	t     Transition
	from  State
	to    State
	roles []auth.Role
}

var (
	reporters = []auth.Role{auth.RoleTechnician, auth.RoleSupervisor}
	handlers  = []auth.Role{auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin}
)

// table is the single source of truth of fault handling; Next and Allowed read only it.
var table = []rule{
	{t: Report, from: None, to: Reported, roles: reporters},
	{t: Analyse, from: Reported, to: Analysed, roles: handlers},
	{t: Measure, from: Analysed, to: Measured, roles: handlers},
	{t: Close, from: Measured, to: Closed, roles: handlers},
}

// Next returns the state a fault enters when an actor of role takes t, or an
// *apperr.Error: Invalid for an unknown transition, IllegalTransition when t does not
// apply to the current state, Forbidden when the role may not take it, or when an
// escalated fault is handled by someone outside HQ's managers and admins.
func Next(f Facts, t Transition, role auth.Role) (State, error) {
	i := slices.IndexFunc(table, func(r rule) bool { return r.t == t })
	if i < 0 {
		return "", apperr.New(apperr.Invalid, "error.transition.unknown", "Transition", string(t))
	}
	r := table[i]
	if r.from != f.State {
		return "", apperr.New(apperr.IllegalTransition, "fault.error.illegal")
	}
	if !slices.Contains(r.roles, role) {
		return "", apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", rolesList(r.roles))
	}
	if t != Report && f.Escalated && !(f.ActorAtHQ && (role == auth.RoleManager || role == auth.RoleAdmin)) {
		return "", apperr.New(apperr.Forbidden, "fault.error.hq_only")
	}
	return r.to, nil
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

// MayReport reports whether an actor of role may report faults.
func MayReport(role auth.Role) bool { return slices.Contains(reporters, role) }

func rolesList(rs []auth.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
