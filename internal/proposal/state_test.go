package proposal

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// move is one allowed (from, transition, role) → to triple, written out by hand from
// the procedure and independent of the rule table.
type move struct {
	from State
	t    Transition
	role auth.Role
	to   State
}

var expected = []move{
	{None, Log, auth.RoleHotline, Logged},
	{None, Log, auth.RoleSupervisor, Logged},
	{None, Log, auth.RoleManager, Logged},

	{Logged, Adopt, auth.RoleSupervisor, Adopted},
	{Logged, Adopt, auth.RoleManager, Adopted},
	{Logged, Reject, auth.RoleSupervisor, Rejected},
	{Logged, Reject, auth.RoleManager, Rejected},
	{Logged, Keep, auth.RoleSupervisor, Kept},
	{Logged, Keep, auth.RoleManager, Kept},

	{Kept, Adopt, auth.RoleSupervisor, Adopted},
	{Kept, Adopt, auth.RoleManager, Adopted},
	{Kept, Reject, auth.RoleSupervisor, Rejected},
	{Kept, Reject, auth.RoleManager, Rejected},

	{Kept, Tell, auth.RoleHotline, Kept},
	{Kept, Tell, auth.RoleSupervisor, Kept},
	{Kept, Tell, auth.RoleManager, Kept},
	{Adopted, Tell, auth.RoleHotline, Adopted},
	{Adopted, Tell, auth.RoleSupervisor, Adopted},
	{Adopted, Tell, auth.RoleManager, Adopted},
	{Rejected, Tell, auth.RoleHotline, Rejected},
	{Rejected, Tell, auth.RoleSupervisor, Rejected},
	{Rejected, Tell, auth.RoleManager, Rejected},
}

func codeOf(t *testing.T, err error) apperr.Code {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *apperr.Error", err, err)
	}
	return e.Code
}

// TestMachineMatrix takes every transition from every state with every role (the
// customer not yet told) and compares with the hand-written list: an allowed move
// reaches its state; a move from a state it does not apply to is IllegalTransition;
// the wrong role is Forbidden. Allowed agrees with Next.
func TestProposalMachineMatrix(t *testing.T) {
	if len(table) != len(Transitions) {
		t.Fatalf("table has %d rules, want %d", len(table), len(Transitions))
	}
	for i, tr := range Transitions {
		if table[i].t != tr {
			t.Errorf("table[%d] = %s, want %s", i, table[i].t, tr)
		}
	}
	states := append([]State{None}, States...)
	for _, s := range states {
		for _, tr := range Transitions {
			for _, role := range auth.Roles {
				var want *move
				for i, m := range expected {
					if m.from == s && m.t == tr && m.role == role {
						want = &expected[i]
					}
				}
				got, err := Next(Facts{State: s}, tr, role)
				switch {
				case want != nil:
					if err != nil || got != want.to {
						t.Errorf("%q --%s/%s--> %q, %v; want %q", s, tr, role, got, err, want.to)
					}
				case err == nil:
					t.Errorf("%q --%s/%s--> %q allowed; want refused", s, tr, role, got)
				default:
					fromOK := false
					for _, m := range expected {
						fromOK = fromOK || (m.from == s && m.t == tr)
					}
					wantCode := apperr.IllegalTransition
					if fromOK {
						wantCode = apperr.Forbidden
					}
					if c := codeOf(t, err); c != wantCode {
						t.Errorf("%q --%s/%s--> %s; want %s", s, tr, role, c, wantCode)
					}
				}
				allowed := slices.Contains(Allowed(Facts{State: s}, role), tr)
				if allowed != (want != nil) {
					t.Errorf("Allowed(%q, %s) has %s = %v; want %v", s, role, tr, allowed, want != nil)
				}
			}
		}
	}
}

// TestTellOnce: a decision told already is not told again, by anyone.
func TestProposalTellOnce(t *testing.T) {
	for _, s := range []State{Adopted, Rejected, Kept} {
		for _, role := range auth.Roles {
			_, err := Next(Facts{State: s, Told: true}, Tell, role)
			if err == nil {
				t.Errorf("%s told again by %s", s, role)
			}
			if slices.Contains(Allowed(Facts{State: s, Told: true}, role), Tell) {
				t.Errorf("Allowed offers telling %s twice to %s", s, role)
			}
		}
	}
	if _, err := Next(Facts{State: Logged}, "fly", auth.RoleManager); codeOf(t, err) != apperr.Invalid {
		t.Errorf("unknown transition: %v", err)
	}
}

func TestProposalMayLogAndDecide(t *testing.T) {
	for _, role := range auth.Roles {
		office := role == auth.RoleHotline || role == auth.RoleSupervisor || role == auth.RoleManager
		if MayLog(role) != office {
			t.Errorf("MayLog(%s) = %v", role, MayLog(role))
		}
		if MayDecide(role) != (role == auth.RoleSupervisor || role == auth.RoleManager) {
			t.Errorf("MayDecide(%s) = %v", role, MayDecide(role))
		}
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestProposalRules(t *testing.T) {
	for _, c := range []struct{ decided, limit string }{
		{"2026-11-23", "2027-01-23"}, {"2026-12-31", "2027-02-28"}, {"2027-12-31", "2028-02-29"}, {"2026-08-31", "2026-10-31"},
	} {
		if got := KeepLimit(day(c.decided)); !got.Equal(day(c.limit)) {
			t.Errorf("KeepLimit(%s) = %s, want %s", c.decided, got.Format(time.DateOnly), c.limit)
		}
	}
	d := day("2026-11-23")
	for review, ok := range map[string]bool{"2026-11-23": false, "2026-11-24": true, "2027-01-23": true, "2027-01-24": false} {
		if ReviewAllowed(d, day(review)) != ok {
			t.Errorf("ReviewAllowed(%s, %s) = %v", d.Format(time.DateOnly), review, !ok)
		}
	}
	review := day("2027-01-23")
	for today, want := range map[string][2]bool{
		"2027-01-15": {false, false}, "2027-01-16": {true, false}, "2027-01-23": {true, false}, "2027-01-24": {true, true},
	} {
		if KeptDue(review, day(today)) != want[0] || KeptOverdue(review, day(today)) != want[1] {
			t.Errorf("on %s: due %v overdue %v, want %v", today, KeptDue(review, day(today)), KeptOverdue(review, day(today)), want)
		}
	}
	if Certificate(CertificateThreshold-1) || !Certificate(CertificateThreshold) {
		t.Error("certificate threshold")
	}
	if AwardInRange(MinAwardFen-1) || !AwardInRange(MinAwardFen) || !AwardInRange(MaxAwardFen) || AwardInRange(MaxAwardFen+1) {
		t.Error("award range")
	}
	sh := time.FixedZone("CST", 8*3600)
	if got := Day(time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC), sh); !got.Equal(day("2026-11-24")) {
		t.Errorf("Day = %s", got)
	}
}
