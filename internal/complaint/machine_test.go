package complaint

import (
	"slices"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// expected is the complaint workflow as docs/domain.md states it, written out apart from
// the table: step → the states it starts from and who may take it ("resp" is the
// complaint's responsible person, whatever their role).
var expected = map[Step]struct {
	from string
	who  string
}{
	Assign:      {"logged", "supervisor manager"},
	Reassign:    {"assigned handling", "supervisor manager"},
	Investigate: {"assigned handling", "manager resp"},
	Propose:     {"handling", "manager resp"},
	Accept:      {"proposed", "hotline supervisor manager"},
	NotAccept:   {"proposed", "hotline supervisor manager"},
	Close:       {"accepted", "supervisor manager"},
	Withdraw:    {"logged", "hotline supervisor manager"},
	Appraise:    {"assigned handling proposed", "manager resp"},
	Approve:     {"handling proposed accepted", "manager"},
	Pay:         {"handling proposed accepted", "manager hotline"},
}

// TestMachineMatrix checks every state × step × role, as someone else and as the
// responsible person, on facts that satisfy every guard of the step.
func TestMachineMatrix(t *testing.T) {
	for _, st := range States {
		for _, step := range Steps {
			for _, role := range auth.Roles {
				for _, responsible := range []bool{false, true} {
					a := auth.Actor{UserID: 7, Role: role}
					f := passing(step)
					f.State = st
					f.ResponsibleID = 9
					if responsible {
						f.ResponsibleID = 7
					}
					e := expected[step]
					want := strings.Contains(" "+e.from+" ", " "+string(st)+" ") &&
						(strings.Contains(" "+e.who+" ", " "+string(role)+" ") || (responsible && strings.Contains(e.who, "resp")))
					_, err := Next(f, step, a)
					if (err == nil) != want {
						t.Errorf("%s from %s by %s (responsible %v): err %v, want allowed %v", step, st, role, responsible, err, want)
					}
					if got := slices.Contains(Allowed(f, a), step); got != want {
						t.Errorf("Allowed disagrees with Next for %s from %s by %s", step, st, role)
					}
				}
			}
		}
	}
}

// passing returns facts on which step's guard holds.
func passing(step Step) Facts {
	switch step {
	case Propose:
		return Facts{Investigated: true}
	case Close:
		return Facts{}
	case Appraise:
		return Facts{Claim: true}
	case Approve:
		return Facts{Claim: true, Appraised: true}
	case Pay:
		return Facts{Claim: true, Appraised: true, Approved: true}
	}
	return Facts{}
}

// TestMachineGuards: what each guard refuses, with its own message.
func TestMachineGuards(t *testing.T) {
	mgr := auth.Actor{UserID: 1, Role: auth.RoleManager}
	cases := []struct {
		f    Facts
		step Step
		key  string
	}{
		{Facts{State: Handling}, Propose, "complaint.error.not_investigated"},
		{Facts{State: Accepted, Claim: true, Appraised: true}, Close, "complaint.error.claim_unsettled"},
		{Facts{State: Accepted, Claim: true, Appraised: true, Approved: true}, Close, "complaint.error.claim_unsettled"},
		{Facts{State: Handling}, Appraise, "complaint.error.not_claim"},
		{Facts{State: Handling, Claim: true, Appraised: true, Approved: true}, Appraise, "complaint.error.claim_approved"},
		{Facts{State: Handling, Claim: true}, Approve, "complaint.error.not_appraised"},
		{Facts{State: Handling, Claim: true, Appraised: true, Approved: true, ApprovedZero: true}, Pay, "complaint.error.nothing_to_pay"},
		{Facts{State: Handling, Claim: true, Appraised: true, Approved: true, Paid: true}, Pay, "complaint.error.paid"},
	}
	for _, c := range cases {
		_, err := Next(c.f, c.step, mgr)
		if e := apperr.As(err); err == nil || e.Key != c.key || e.Code != apperr.IllegalTransition {
			t.Errorf("%s on %+v: %v, want %s", c.step, c.f, err, c.key)
		}
	}
	// Settled claims close: paid, or approved at nothing.
	for _, f := range []Facts{
		{State: Accepted, Claim: true, Appraised: true, Approved: true, Paid: true},
		{State: Accepted, Claim: true, Appraised: true, Approved: true, ApprovedZero: true},
		{State: Accepted},
	} {
		if to, err := Next(f, Close, mgr); err != nil || to != Closed {
			t.Errorf("close %+v: %v %v", f, to, err)
		}
	}
	if _, err := Next(Facts{State: Logged}, "nope", mgr); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("unknown step: %v", err)
	}
	// Not accepted goes back to handling; the deadline runs again there.
	if to, _ := Next(Facts{State: Proposed}, NotAccept, auth.Actor{Role: auth.RoleHotline}); to != Handling || !to.Running() {
		t.Errorf("not accepted: %v", to)
	}
}
