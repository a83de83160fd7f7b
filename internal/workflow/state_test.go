package workflow

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
)

const (
	techID  int64 = 7
	otherID int64 = 99
)

// move is one allowed (from, transition, role) → to triple, written out by hand from
// docs/domain.md and independent of the rule table.
type move struct {
	from State
	t    Transition
	role Role
	to   State
}

// expected holds every allowed move when the technician is the assignee, the unit is on
// site, fees are settled and the callback attempts are exhausted.
var expected = []move{
	{Received, ResolveByPhone, RoleHotline, AwaitingCallback},
	{Received, Forward, RoleHotline, Assessing},
	{Received, Assess, RoleSupervisor, AwaitingDispatch},
	{Received, Cancel, RoleHotline, Cancelled},
	{Received, Cancel, RoleSupervisor, Cancelled},

	{Assessing, Assess, RoleSupervisor, AwaitingDispatch},
	{Assessing, ResolveRemotely, RoleSupervisor, AwaitingCallback},
	{Assessing, Cancel, RoleHotline, Cancelled},
	{Assessing, Cancel, RoleSupervisor, Cancelled},

	{AwaitingDispatch, Assign, RoleSupervisor, Dispatched},
	{AwaitingDispatch, Assign, RoleManager, Dispatched},
	{AwaitingDispatch, Cancel, RoleHotline, Cancelled},
	{AwaitingDispatch, Cancel, RoleSupervisor, Cancelled},

	{Dispatched, Reassign, RoleSupervisor, Dispatched},
	{Dispatched, Reassign, RoleManager, Dispatched},
	{Dispatched, MakeAppointment, RoleTechnician, Scheduled},
	{Dispatched, MakeAppointment, RoleSupervisor, Scheduled},
	{Dispatched, Cancel, RoleHotline, Cancelled},
	{Dispatched, Cancel, RoleSupervisor, Cancelled},

	{Scheduled, Reassign, RoleSupervisor, Dispatched},
	{Scheduled, Reassign, RoleManager, Dispatched},
	{Scheduled, Reschedule, RoleTechnician, Scheduled},
	{Scheduled, CheckIn, RoleTechnician, InProgress},
	{Scheduled, Cancel, RoleHotline, Cancelled},
	{Scheduled, Cancel, RoleSupervisor, Cancelled},

	{InProgress, AwaitParts, RoleTechnician, AwaitingParts},
	{InProgress, TakeToWorkshop, RoleTechnician, InWorkshop},
	{InProgress, Complete, RoleTechnician, AwaitingCallback},

	{AwaitingParts, CheckIn, RoleTechnician, InProgress},
	{AwaitingParts, PartsArrived, RoleTechnician, Scheduled},
	{AwaitingParts, PartsArrived, RoleSupervisor, Scheduled},

	{InWorkshop, AwaitParts, RoleTechnician, AwaitingParts},
	{InWorkshop, Complete, RoleTechnician, AwaitingCallback},

	{AwaitingCallback, CallbackAttempt, RoleHotline, AwaitingCallback},
	{AwaitingCallback, CallbackSatisfied, RoleHotline, Closed},
	{AwaitingCallback, CallbackUnsatisfied, RoleHotline, AwaitingDispatch},
	{AwaitingCallback, CloseUnreachable, RoleSupervisor, Closed},
	{AwaitingCallback, RemedialCallback, RoleManager, AwaitingCallback},

	{Closed, RemedialCallback, RoleManager, AwaitingCallback},
}

// permissive returns facts under which every guard passes and techID is the assignee.
func permissive(s State) Facts {
	return Facts{State: s, AssigneeID: techID, FeesSettled: true, CallbackAttempts: 3, CallbackAttemptLimit: 3}
}

// actor returns an actor of role r; technicians get techID.
func actor(r Role) Actor {
	id := int64(1)
	if r == RoleTechnician {
		id = techID
	}
	return Actor{UserID: id, Role: r}
}

// appErr asserts err is an *apperr.Error with the given code and key, and returns it.
func appErr(t *testing.T, err error, code apperr.Code, key string) *apperr.Error {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *apperr.Error", err, err)
	}
	if e.Code != code || e.Key != key {
		t.Fatalf("error = %s/%s, want %s/%s (%v)", e.Code, e.Key, code, key, e)
	}
	return e
}

func TestListsComplete(t *testing.T) {
	if len(States) != 11 || len(Transitions) != 19 || len(Roles) != 6 {
		t.Fatalf("len States/Transitions/Roles = %d/%d/%d, want 11/19/6", len(States), len(Transitions), len(Roles))
	}
	if len(table) != len(Transitions) {
		t.Fatalf("table has %d rules, want %d", len(table), len(Transitions))
	}
	for i, tr := range Transitions {
		if table[i].t != tr {
			t.Errorf("table[%d] = %s, want %s (table order must follow Transitions)", i, table[i].t, tr)
		}
	}
	for _, s := range States {
		if got, want := s.Open(), s != Closed && s != Cancelled; got != want {
			t.Errorf("%s.Open() = %v, want %v", s, got, want)
		}
	}
}

func TestNextEveryCombination(t *testing.T) {
	allowed := map[[3]string]State{}
	pairs := map[[2]string]bool{} // (from, transition) legal for some role
	for _, m := range expected {
		allowed[[3]string{string(m.from), string(m.t), string(m.role)}] = m.to
		pairs[[2]string{string(m.from), string(m.t)}] = true
	}
	n := 0
	for _, s := range States {
		for _, tr := range Transitions {
			for _, r := range Roles {
				n++
				t.Run(fmt.Sprintf("%s/%s/%s", s, tr, r), func(t *testing.T) {
					got, err := Next(permissive(s), tr, actor(r))
					want, ok := allowed[[3]string{string(s), string(tr), string(r)}]
					if ok {
						if err != nil || got != want {
							t.Fatalf("Next = %q, %v; want %q, nil", got, err, want)
						}
						return
					}
					if got != "" {
						t.Errorf("refused Next returned state %q, want \"\"", got)
					}
					if err == nil {
						t.Fatalf("Next = %q, nil; want refusal", got)
					}
					var e *apperr.Error
					if pairs[[2]string{string(s), string(tr)}] {
						e = appErr(t, err, apperr.Forbidden, "error.transition.role")
						if e.Data["Role"] != string(r) {
							t.Errorf("Data[Role] = %v, want %s", e.Data["Role"], r)
						}
					} else {
						e = appErr(t, err, apperr.IllegalTransition, "error.transition.illegal")
					}
					if e.Data["State"] != string(s) || e.Data["Transition"] != string(tr) {
						t.Errorf("Data = %v, want State=%s Transition=%s", e.Data, s, tr)
					}
				})
			}
		}
	}
	if n != 11*19*6 {
		t.Fatalf("covered %d combinations, want %d", n, 11*19*6)
	}
}

func TestUnknownTransition(t *testing.T) {
	got, err := Next(permissive(Received), Transition("teleport"), actor(RoleSupervisor))
	if got != "" {
		t.Errorf("state = %q, want \"\"", got)
	}
	e := appErr(t, err, apperr.Invalid, "error.transition.unknown")
	if e.Data["Transition"] != "teleport" {
		t.Errorf("Data = %v, want Transition=teleport", e.Data)
	}
}

func TestTechnicianMustBeAssignee(t *testing.T) {
	n := 0
	for _, m := range expected {
		if m.role != RoleTechnician {
			continue
		}
		n++
		for _, assignee := range []int64{otherID, 0} {
			f := permissive(m.from)
			f.AssigneeID = assignee
			got, err := Next(f, m.t, Actor{UserID: techID, Role: RoleTechnician})
			if got != "" {
				t.Errorf("%s/%s assignee %d: state = %q, want \"\"", m.from, m.t, assignee, got)
			}
			e := appErr(t, err, apperr.Forbidden, "error.transition.not_assignee")
			if e.Data["State"] != string(m.from) || e.Data["Transition"] != string(m.t) {
				t.Errorf("%s/%s: Data = %v", m.from, m.t, e.Data)
			}
		}
	}
	if n != 10 {
		t.Fatalf("checked %d technician moves, want 10", n)
	}
	// A supervisor need not be the assignee.
	f := permissive(Dispatched)
	f.AssigneeID = otherID
	if got, err := Next(f, MakeAppointment, actor(RoleSupervisor)); err != nil || got != Scheduled {
		t.Errorf("supervisor make_appointment = %q, %v; want scheduled", got, err)
	}
	f = permissive(AwaitingParts)
	f.AssigneeID = otherID
	if got, err := Next(f, PartsArrived, actor(RoleSupervisor)); err != nil || got != Scheduled {
		t.Errorf("supervisor parts_arrived = %q, %v; want scheduled", got, err)
	}
}

func TestUnitLocation(t *testing.T) {
	tech := actor(RoleTechnician)
	sup := actor(RoleSupervisor)

	inShop := permissive(AwaitingParts)
	inShop.UnitInWorkshop = true
	for _, a := range []Actor{tech, sup} {
		if got, err := Next(inShop, PartsArrived, a); err != nil || got != InWorkshop {
			t.Errorf("in workshop, %s parts_arrived = %q, %v; want in_workshop", a.Role, got, err)
		}
	}
	got, err := Next(inShop, CheckIn, tech)
	if got != "" {
		t.Errorf("in workshop check_in state = %q, want \"\"", got)
	}
	e := appErr(t, err, apperr.IllegalTransition, "error.transition.illegal")
	if e.Data["State"] != "awaiting_parts" || e.Data["Transition"] != "check_in" {
		t.Errorf("Data = %v", e.Data)
	}
	if got := Allowed(inShop, tech); !slices.Equal(got, []Transition{PartsArrived}) {
		t.Errorf("Allowed(in workshop, technician) = %v, want [parts_arrived]", got)
	}

	onSite := permissive(AwaitingParts)
	for _, a := range []Actor{tech, sup} {
		if got, err := Next(onSite, PartsArrived, a); err != nil || got != Scheduled {
			t.Errorf("on site, %s parts_arrived = %q, %v; want scheduled", a.Role, got, err)
		}
	}
	if got, err := Next(onSite, CheckIn, tech); err != nil || got != InProgress {
		t.Errorf("on site check_in = %q, %v; want in_progress", got, err)
	}
	if got := Allowed(onSite, tech); !slices.Equal(got, []Transition{CheckIn, PartsArrived}) {
		t.Errorf("Allowed(on site, technician) = %v, want [check_in parts_arrived]", got)
	}

	// Checking in from scheduled is not affected by the flag.
	sched := permissive(Scheduled)
	sched.UnitInWorkshop = true
	if got, err := Next(sched, CheckIn, tech); err != nil || got != InProgress {
		t.Errorf("scheduled check_in = %q, %v; want in_progress", got, err)
	}
}

func TestFeeGuard(t *testing.T) {
	f := permissive(AwaitingCallback)
	f.FeesSettled = false
	got, err := Next(f, CallbackSatisfied, actor(RoleHotline))
	if got != "" {
		t.Errorf("state = %q, want \"\"", got)
	}
	e := appErr(t, err, apperr.IllegalTransition, "error.transition.fees_unsettled")
	if e.Data["State"] != "awaiting_callback" {
		t.Errorf("Data = %v", e.Data)
	}
	// The role is checked before the fee guard.
	_, err = Next(f, CallbackSatisfied, actor(RoleSupervisor))
	appErr(t, err, apperr.Forbidden, "error.transition.role")
	// An unsatisfied callback does not depend on fees.
	if got, err := Next(f, CallbackUnsatisfied, actor(RoleHotline)); err != nil || got != AwaitingDispatch {
		t.Errorf("callback_unsatisfied = %q, %v; want awaiting_dispatch", got, err)
	}
	f.FeesSettled = true
	if got, err := Next(f, CallbackSatisfied, actor(RoleHotline)); err != nil || got != Closed {
		t.Errorf("callback_satisfied = %q, %v; want closed", got, err)
	}
}

func TestAttemptsGuard(t *testing.T) {
	cases := []struct {
		attempts, limit int
		ok              bool
	}{
		{0, 3, false},
		{2, 3, false},
		{3, 3, true},
		{5, 3, true},
		{1, 1, true},
		{0, 0, false},
		{4, 0, false},
		{4, -1, false},
	}
	for _, c := range cases {
		f := permissive(AwaitingCallback)
		f.CallbackAttempts, f.CallbackAttemptLimit = c.attempts, c.limit
		got, err := Next(f, CloseUnreachable, actor(RoleSupervisor))
		if c.ok {
			if err != nil || got != Closed {
				t.Errorf("%d/%d: Next = %q, %v; want closed", c.attempts, c.limit, got, err)
			}
			continue
		}
		if got != "" {
			t.Errorf("%d/%d: state = %q, want \"\"", c.attempts, c.limit, got)
		}
		e := appErr(t, err, apperr.IllegalTransition, "error.transition.attempts")
		if e.Data["State"] != "awaiting_callback" || e.Data["Attempts"] != c.attempts || e.Data["Limit"] != c.limit {
			t.Errorf("%d/%d: Data = %v", c.attempts, c.limit, e.Data)
		}
	}
}

func TestAllowedMatchesNext(t *testing.T) {
	variants := []func(Facts) Facts{
		func(f Facts) Facts { return f },
		func(f Facts) Facts { f.AssigneeID = 0; return f },
		func(f Facts) Facts { f.AssigneeID = otherID; return f },
		func(f Facts) Facts { f.UnitInWorkshop = true; return f },
		func(f Facts) Facts { f.FeesSettled = false; return f },
		func(f Facts) Facts { f.CallbackAttempts = 1; return f },
		func(f Facts) Facts { f.CallbackAttemptLimit = 0; f.CallbackAttempts = 0; return f },
	}
	for _, s := range States {
		for _, r := range Roles {
			for i, v := range variants {
				f := v(permissive(s))
				a := actor(r)
				var want []Transition
				for _, tr := range Transitions {
					if _, err := Next(f, tr, a); err == nil {
						want = append(want, tr)
					}
				}
				if got := Allowed(f, a); !slices.Equal(got, want) {
					t.Errorf("%s/%s/variant %d: Allowed = %v, want %v", s, r, i, got, want)
				}
			}
		}
	}
}

func TestAllowedLiterals(t *testing.T) {
	cases := []struct {
		f    Facts
		r    Role
		want []Transition
	}{
		{permissive(Received), RoleHotline, []Transition{ResolveByPhone, Forward, Cancel}},
		{permissive(Received), RoleSupervisor, []Transition{Assess, Cancel}},
		{permissive(Received), RoleTechnician, nil},
		{permissive(Scheduled), RoleTechnician, []Transition{Reschedule, CheckIn}},
		{permissive(Scheduled), RoleSupervisor, []Transition{Reassign, Cancel}},
		{permissive(Dispatched), RoleSupervisor, []Transition{Reassign, MakeAppointment, Cancel}},
		{permissive(InProgress), RoleTechnician, []Transition{AwaitParts, TakeToWorkshop, Complete}},
		{permissive(AwaitingCallback), RoleHotline, []Transition{CallbackAttempt, CallbackSatisfied, CallbackUnsatisfied}},
		{Facts{State: AwaitingCallback}, RoleHotline, []Transition{CallbackAttempt, CallbackUnsatisfied}},
		{Facts{State: AwaitingCallback}, RoleSupervisor, nil},
		{permissive(Closed), RoleSupervisor, nil},
		{permissive(InProgress), RoleManager, nil},
		{permissive(Received), RoleAdmin, nil},
		{permissive(AwaitingParts), RoleStorekeeper, nil},
	}
	for _, c := range cases {
		if got := Allowed(c.f, actor(c.r)); !slices.Equal(got, c.want) {
			t.Errorf("Allowed(%s, %s) = %v, want %v", c.f.State, c.r, got, c.want)
		}
	}
}

func TestErrorNamesCurrentState(t *testing.T) {
	_, err := Next(permissive(Closed), Assign, actor(RoleSupervisor))
	e := appErr(t, err, apperr.IllegalTransition, "error.transition.illegal")
	if e.Data["State"] != "closed" || e.Data["Transition"] != "assign" {
		t.Errorf("Data = %v, want State=closed Transition=assign", e.Data)
	}
	_, err = Next(permissive(Cancelled), Cancel, actor(RoleHotline))
	e = appErr(t, err, apperr.IllegalTransition, "error.transition.illegal")
	if e.Data["State"] != "cancelled" {
		t.Errorf("Data = %v, want State=cancelled", e.Data)
	}
	_, err = Next(permissive(AwaitingDispatch), Assign, actor(RoleHotline))
	e = appErr(t, err, apperr.Forbidden, "error.transition.role")
	if e.Data["State"] != "awaiting_dispatch" || e.Data["Role"] != "hotline" {
		t.Errorf("Data = %v, want State=awaiting_dispatch Role=hotline", e.Data)
	}
}
