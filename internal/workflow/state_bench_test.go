package workflow

import (
	"slices"
	"testing"
)

// benchCase is one question put to the state machine.
type benchCase struct {
	f Facts
	t Transition
	a Actor
}

const (
	benchTech  int64 = 7
	benchOther int64 = 99
)

// benchFacts returns a representative mix of order facts: every state, with the unit on
// site or in the workshop, fees settled or not, and callback attempts below or at the
// limit, all assigned to benchTech.
func benchFacts() []Facts {
	var out []Facts
	for i, s := range States {
		out = append(out,
			Facts{State: s, AssigneeID: benchTech, FeesSettled: true, CallbackAttempts: 3, CallbackAttemptLimit: 3},
			Facts{State: s, AssigneeID: benchTech, UnitInWorkshop: i%2 == 0, FeesSettled: i%3 != 0, CallbackAttempts: 1, CallbackAttemptLimit: 3},
		)
	}
	return out
}

// benchActors is every role, plus a technician who is not the assignee.
func benchActors() []Actor {
	out := []Actor{{UserID: benchOther, Role: RoleTechnician}}
	for _, r := range Roles {
		id := int64(1)
		if r == RoleTechnician {
			id = benchTech
		}
		out = append(out, Actor{UserID: id, Role: r})
	}
	return out
}

// benchLifecycle is the path of a repair that waits for parts, goes to the workshop,
// fails its first callback and closes on the second visit.
var benchLifecycle = []struct {
	t Transition
	r Role
}{
	{Forward, RoleHotline}, {Assess, RoleSupervisor}, {Assign, RoleSupervisor},
	{MakeAppointment, RoleTechnician}, {Reschedule, RoleTechnician}, {CheckIn, RoleTechnician},
	{AwaitParts, RoleTechnician}, {PartsArrived, RoleSupervisor}, {CheckIn, RoleTechnician},
	{TakeToWorkshop, RoleTechnician}, {Complete, RoleTechnician}, {CallbackUnsatisfied, RoleHotline},
	{Assign, RoleManager}, {MakeAppointment, RoleTechnician}, {CheckIn, RoleTechnician},
	{Complete, RoleTechnician}, {CallbackSatisfied, RoleHotline},
}

// walkLifecycle runs benchLifecycle from received and returns the final state.
func walkLifecycle() (State, error) {
	f := Facts{State: Received, AssigneeID: benchTech, FeesSettled: true, CallbackAttemptLimit: 3}
	for _, step := range benchLifecycle {
		id := int64(1)
		if step.r == RoleTechnician {
			id = benchTech
		}
		next, err := Next(f, step.t, Actor{UserID: id, Role: step.r})
		if err != nil {
			return f.State, err
		}
		switch step.t {
		case TakeToWorkshop:
			f.UnitInWorkshop = true
		case Complete:
			f.UnitInWorkshop = false
		}
		f.State = next
	}
	return f.State, nil
}

func BenchmarkStateMachine(b *testing.B) {
	facts, actors := benchFacts(), benchActors()
	type allowedCase struct {
		f Facts
		a Actor
	}
	var asks []allowedCase
	var legal, refused []benchCase
	for _, f := range facts {
		for _, a := range actors {
			asks = append(asks, allowedCase{f, a})
			for _, t := range Transitions {
				if _, err := Next(f, t, a); err == nil {
					legal = append(legal, benchCase{f, t, a})
				} else {
					refused = append(refused, benchCase{f, t, a})
				}
			}
		}
	}
	// Check the mix before timing anything: the machine must allow and refuse what the
	// workflow says, or the numbers measure a broken machine.
	if got := Allowed(Facts{State: AwaitingDispatch}, Actor{UserID: 1, Role: RoleSupervisor}); !slices.Contains(got, Assign) {
		b.Fatalf("supervisor on awaiting_dispatch: Allowed = %v, want assign among them", got)
	}
	if got := Allowed(Facts{State: Scheduled, AssigneeID: benchTech}, Actor{UserID: benchOther, Role: RoleTechnician}); len(got) != 0 {
		b.Fatalf("other technician on scheduled: Allowed = %v, want none", got)
	}
	if len(legal) < 50 || len(refused) < 1000 {
		b.Fatalf("mix has %d legal and %d refused transitions; the table looks wrong", len(legal), len(refused))
	}
	if s, err := walkLifecycle(); err != nil || s != Closed {
		b.Fatalf("lifecycle ends in %q, %v; want closed, nil", s, err)
	}

	// allowed: which actions the order page offers, for a mix of (state, facts, role).
	b.Run("allowed", func(b *testing.B) {
		b.ReportAllocs()
		n, i := 0, 0
		for b.Loop() {
			c := asks[i]
			n += len(Allowed(c.f, c.a))
			if i++; i == len(asks) {
				i = 0
			}
		}
		if n < 0 {
			b.Fatal(n)
		}
	})
	// apply: Next for transitions the actor may take (the success path of every action).
	b.Run("apply", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c := legal[i]
			if _, err := Next(c.f, c.t, c.a); err != nil {
				b.Fatal(err)
			}
			if i++; i == len(legal) {
				i = 0
			}
		}
	})
	// refuse: Next for transitions that are illegal from the state, forbidden to the role
	// or the non-assignee, or stopped by a guard (each builds an *apperr.Error).
	b.Run("refuse", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c := refused[i]
			if _, err := Next(c.f, c.t, c.a); err == nil {
				b.Fatalf("Next(%s, %s, %s) succeeded", c.f.State, c.t, c.a.Role)
			}
			if i++; i == len(refused) {
				i = 0
			}
		}
	})
	// lifecycle: one order from received to closed, 17 transitions.
	b.Run("lifecycle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := walkLifecycle(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
