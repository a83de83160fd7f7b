package fault

import (
	"errors"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// TestMachineMatrix tries every (state, transition, role) of an ordinary and of an
// escalated fault, with the actor at HQ or at a station.
func TestMachineMatrix(t *testing.T) {
	t.Parallel()
	handles := map[auth.Role]bool{auth.RoleSupervisor: true, auth.RoleManager: true, auth.RoleAdmin: true}
	reports := map[auth.Role]bool{auth.RoleTechnician: true, auth.RoleSupervisor: true}
	next := map[Transition][2]State{Report: {None, Reported}, Analyse: {Reported, Analysed}, Measure: {Analysed, Measured}, Close: {Measured, Closed}}
	for _, escalated := range []bool{false, true} {
		for _, hq := range []bool{false, true} {
			for _, s := range append([]State{None}, States...) {
				for _, tr := range Transitions {
					for _, role := range auth.Roles {
						f := Facts{State: s, Escalated: escalated, ActorAtHQ: hq}
						got, err := Next(f, tr, role)
						want := next[tr]
						var code apperr.Code
						switch {
						case want[0] != s:
							code = apperr.IllegalTransition
						case tr == Report && !reports[role], tr != Report && !handles[role]:
							code = apperr.Forbidden
						case tr != Report && escalated && !(hq && (role == auth.RoleManager || role == auth.RoleAdmin)):
							code = apperr.Forbidden
						}
						if code == "" {
							if err != nil || got != want[1] {
								t.Errorf("%v %s %s: got %q, %v; want %q", f, tr, role, got, err, want[1])
							}
							continue
						}
						var ae *apperr.Error
						if !errors.As(err, &ae) || ae.Code != code {
							t.Errorf("%v %s %s: got %v, want %s", f, tr, role, err, code)
						}
					}
				}
			}
		}
	}
}

func TestUnknownTransitionIsInvalid(t *testing.T) {
	t.Parallel()
	var ae *apperr.Error
	if _, err := Next(Facts{State: Reported}, "reopen", auth.RoleManager); !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("got %v", err)
	}
}

func TestAllowedMatchesNext(t *testing.T) {
	t.Parallel()
	if got := Allowed(Facts{State: Reported, Escalated: true}, auth.RoleSupervisor); len(got) != 0 {
		t.Errorf("a station supervisor may not handle an escalated fault: %v", got)
	}
	if got := Allowed(Facts{State: Reported, Escalated: true, ActorAtHQ: true}, auth.RoleManager); len(got) != 1 || got[0] != Analyse {
		t.Errorf("HQ manager: %v", got)
	}
}
