// Package complaint keeps complaints and claims (投诉 · 索赔, 售后服务管理 第六章; 汽车售后
// 服务标准流程 第五章): logged by the hotline, assigned to a responsible person with a
// deadline, investigated, a result proposed and put to the customer, closed. Its state
// machine (this file) is pure: one table of steps decides who may take which step from
// which state, and the service takes every step through it.
package complaint

import (
	"slices"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// State is the state of a complaint.
type State string

// The complaint states (docs/domain.md).
const (
	Logged    State = "logged"    // 已登记: waiting to be assigned
	Assigned  State = "assigned"  // 已指派: a responsible person and a deadline
	Handling  State = "handling"  // 处理中: investigation under way
	Proposed  State = "proposed"  // 待答复客户: a result is proposed, the customer not yet told
	Accepted  State = "accepted"  // 客户已接受: waiting to be closed
	Closed    State = "closed"    // 已结案
	Withdrawn State = "withdrawn" // 已撤销
)

// States lists every state in workflow order.
var States = []State{Logged, Assigned, Handling, Proposed, Accepted, Closed, Withdrawn}

// Open reports whether a complaint in state s still needs work.
func (s State) Open() bool { return s != Closed && s != Withdrawn }

// Running reports whether the complaint's deadline runs in state s: from assignment until
// a result is proposed (and again when the customer does not accept it).
func (s State) Running() bool { return s == Assigned || s == Handling }

// RunningStates are the states in which the deadline runs, for queries.
var RunningStates = []State{Assigned, Handling}

// Step names a step of the complaint workflow. Some steps keep the state (a reassignment,
// an investigation note, the claim's appraisal, approval and payment) but are versioned
// and logged like the others.
type Step string

// The steps.
const (
	Assign      Step = "assign"      // logged → assigned
	Reassign    Step = "reassign"    // new responsible person or deadline
	Investigate Step = "investigate" // record investigation, cause, responsibility
	Propose     Step = "propose"     // handling → proposed
	Accept      Step = "accept"      // the customer accepts the result
	NotAccept   Step = "not_accept"  // the customer does not: back to handling, counted
	Close       Step = "close"       // accepted → closed
	Withdraw    Step = "withdraw"    // logged → withdrawn, with a reason
	Appraise    Step = "appraise"    // claim: valid / partly valid / invalid
	Approve     Step = "approve"     // claim: the amount approved
	Pay         Step = "pay"         // claim: when and how it was paid
)

// Steps lists every step in workflow order; Allowed keeps this order.
var Steps = []Step{Assign, Reassign, Investigate, Propose, Accept, NotAccept, Close, Withdraw, Appraise, Approve, Pay}

// Facts are what the guards need to know about the complaint, loaded by the service.
type Facts struct {
	State State
	// ResponsibleID is the responsible person's user id (0: nobody yet).
	ResponsibleID int64
	// Investigated says a cause has been recorded.
	Investigated bool
	// Claim says the complaint asks for money; Appraised, Approved, Paid how far it is.
	Claim     bool
	Appraised bool
	Approved  bool
	// ApprovedZero says the amount approved is nothing (an invalid claim): nothing to pay.
	ApprovedZero bool
	Paid         bool
}

// Settled says a claim needs nothing more before the complaint is closed.
func (f Facts) Settled() bool {
	return !f.Claim || (f.Approved && (f.ApprovedZero || f.Paid))
}

// staff are the roles that receive complaints and tell customers.
var office = []auth.Role{auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager}

// assigners assign complaints (the complaints supervisor's and the manager's job).
var assigners = []auth.Role{auth.RoleSupervisor, auth.RoleManager}

type rule struct {
	step  Step
	from  []State
	to    func(Facts) State
	roles []auth.Role
	// responsible: the complaint's responsible person may take the step too, whatever
	// their role.
	responsible bool
	guard       func(Facts) error
}

func to(s State) func(Facts) State { return func(Facts) State { return s } }

func same(f Facts) State { return f.State }

// table is the single source of truth for the complaint workflow.
var table = []rule{
	{step: Assign, from: []State{Logged}, to: to(Assigned), roles: assigners},
	{step: Reassign, from: []State{Assigned, Handling}, to: same, roles: assigners},
	{step: Investigate, from: []State{Assigned, Handling}, to: to(Handling), roles: []auth.Role{auth.RoleManager}, responsible: true},
	{step: Propose, from: []State{Handling}, to: to(Proposed), roles: []auth.Role{auth.RoleManager}, responsible: true, guard: investigated},
	{step: Accept, from: []State{Proposed}, to: to(Accepted), roles: office},
	{step: NotAccept, from: []State{Proposed}, to: to(Handling), roles: office},
	{step: Close, from: []State{Accepted}, to: to(Closed), roles: assigners, guard: settled},
	{step: Withdraw, from: []State{Logged}, to: to(Withdrawn), roles: office},
	{step: Appraise, from: []State{Assigned, Handling, Proposed}, to: same, roles: []auth.Role{auth.RoleManager}, responsible: true, guard: claimNotApproved},
	{step: Approve, from: []State{Handling, Proposed, Accepted}, to: same, roles: []auth.Role{auth.RoleManager}, guard: appraised},
	{step: Pay, from: []State{Handling, Proposed, Accepted}, to: same, roles: []auth.Role{auth.RoleManager, auth.RoleHotline}, guard: payable},
}

func refuse(key string, f Facts) error {
	return apperr.New(apperr.IllegalTransition, key, "ComplaintState", string(f.State))
}

func investigated(f Facts) error {
	if !f.Investigated {
		return refuse("complaint.error.not_investigated", f)
	}
	return nil
}

func settled(f Facts) error {
	if !f.Settled() {
		return refuse("complaint.error.claim_unsettled", f)
	}
	return nil
}

func claimNotApproved(f Facts) error {
	if !f.Claim {
		return refuse("complaint.error.not_claim", f)
	}
	if f.Approved {
		return refuse("complaint.error.claim_approved", f)
	}
	return nil
}

func appraised(f Facts) error {
	if !f.Claim {
		return refuse("complaint.error.not_claim", f)
	}
	if !f.Appraised {
		return refuse("complaint.error.not_appraised", f)
	}
	if f.Approved {
		return refuse("complaint.error.claim_approved", f)
	}
	return nil
}

func payable(f Facts) error {
	if !f.Claim {
		return refuse("complaint.error.not_claim", f)
	}
	if !f.Approved || f.ApprovedZero {
		return refuse("complaint.error.nothing_to_pay", f)
	}
	if f.Paid {
		return refuse("complaint.error.paid", f)
	}
	return nil
}

func ruleFor(s Step) (*rule, bool) {
	for i := range table {
		if table[i].step == s {
			return &table[i], true
		}
	}
	return nil, false
}

// Next returns the state the complaint enters when a takes step s, or an *apperr.Error:
// Invalid for an unknown step, IllegalTransition when s does not apply to the state or
// the facts, Forbidden when a's role (or not being the responsible person) does not
// permit it.
func Next(f Facts, s Step, a auth.Actor) (State, error) {
	r, ok := ruleFor(s)
	if !ok {
		return "", apperr.New(apperr.Invalid, "complaint.error.unknown_step", "Step", string(s))
	}
	if !slices.Contains(r.from, f.State) {
		return "", apperr.New(apperr.IllegalTransition, "complaint.error.illegal", "ComplaintState", string(f.State), "Step", string(s))
	}
	mayAsResponsible := r.responsible && f.ResponsibleID != 0 && f.ResponsibleID == a.UserID
	if !slices.Contains(r.roles, a.Role) && !mayAsResponsible {
		return "", apperr.New(apperr.Forbidden, "complaint.error.role", "Step", string(s), "Role", string(a.Role))
	}
	if r.guard != nil {
		if err := r.guard(f); err != nil {
			return "", err
		}
	}
	return r.to(f), nil
}

// Allowed lists, in the order of Steps, the steps a may take now: exactly those for which
// Next succeeds.
func Allowed(f Facts, a auth.Actor) []Step {
	var out []Step
	for _, s := range Steps {
		if _, err := Next(f, s, a); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// MayLog reports whether a may log complaints.
func MayLog(a auth.Actor) bool { return a.Is(office...) }
