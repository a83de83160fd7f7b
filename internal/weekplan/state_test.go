package weekplan

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
	{None, Save, auth.RoleTechnician, Draft},
	{None, Save, auth.RoleSupervisor, Draft},
	{Draft, Save, auth.RoleTechnician, Draft},
	{Draft, Save, auth.RoleSupervisor, Draft},
	{Returned, Save, auth.RoleTechnician, Returned},
	{Returned, Save, auth.RoleSupervisor, Returned},

	{Draft, Submit, auth.RoleTechnician, Submitted},
	{Draft, Submit, auth.RoleSupervisor, Submitted},
	{Returned, Submit, auth.RoleTechnician, Submitted},
	{Returned, Submit, auth.RoleSupervisor, Submitted},

	{Submitted, Approve, auth.RoleManager, Approved},
	{Submitted, Return, auth.RoleManager, Returned},
}

// TestMachineMatrix tries every state × transition × role against the hand-written
// list: allowed moves reach their state, the rest are refused with the right code.
func TestMachineMatrix(t *testing.T) {
	for _, from := range append([]State{None}, States...) {
		for _, tr := range Transitions {
			for _, role := range auth.Roles {
				got, err := Next(Facts{State: from, Items: 1}, tr, role)
				i := slices.IndexFunc(expected, func(m move) bool { return m.from == from && m.t == tr && m.role == role })
				if i >= 0 {
					if err != nil || got != expected[i].to {
						t.Errorf("%q %s by %s: got %q, %v; want %q", from, tr, role, got, err, expected[i].to)
					}
					continue
				}
				if err == nil {
					t.Errorf("%q %s by %s: allowed, want refused", from, tr, role)
					continue
				}
				stateOK := slices.ContainsFunc(expected, func(m move) bool { return m.from == from && m.t == tr })
				want := apperr.IllegalTransition
				if stateOK {
					want = apperr.Forbidden
				}
				var e *apperr.Error
				if !errors.As(err, &e) || e.Code != want {
					t.Errorf("%q %s by %s: %v, want %s", from, tr, role, err, want)
				}
			}
		}
	}
}

func TestSubmitNeedsItems(t *testing.T) {
	_, err := Next(Facts{State: Draft}, Submit, auth.RoleTechnician)
	if e := apperr.As(err); e.Code != apperr.IllegalTransition || e.Key != "weekplan.error.empty" {
		t.Fatalf("empty plan submitted: %v", err)
	}
	if got := Allowed(Facts{State: Draft}, auth.RoleTechnician); !slices.Equal(got, []Transition{Save}) {
		t.Fatalf("allowed on an empty draft: %v", got)
	}
	if got := Allowed(Facts{State: Submitted, Items: 3}, auth.RoleManager); !slices.Equal(got, []Transition{Approve, Return}) {
		t.Fatalf("allowed to the manager on a submitted plan: %v", got)
	}
	if _, err := Next(Facts{}, "bogus", auth.RoleManager); apperr.As(err).Code != apperr.Invalid {
		t.Fatalf("unknown transition: %v", err)
	}
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestWeeks(t *testing.T) {
	for _, c := range []struct{ day, week string }{
		{"2026-11-23", "2026-11-23"}, // Monday
		{"2026-11-29", "2026-11-23"}, // Sunday
		{"2026-11-25", "2026-11-23"},
		{"2027-01-01", "2026-12-28"}, // across the year
	} {
		if got := WeekOf(date(c.day)); !got.Equal(date(c.week)) {
			t.Errorf("WeekOf(%s) = %s, want %s", c.day, got.Format(time.DateOnly), c.week)
		}
	}
	if got := NextWeek(date("2026-11-29")); !got.Equal(date("2026-11-30")) {
		t.Errorf("NextWeek: %s", got.Format(time.DateOnly))
	}
	ds := Days(date("2026-11-30"))
	if len(ds) != 7 || !ds[6].Equal(date("2026-12-06")) || ds[0].Weekday() != time.Monday {
		t.Errorf("Days: %v", ds)
	}
	if !InWeek(date("2026-11-30"), date("2026-12-06")) || InWeek(date("2026-11-30"), date("2026-12-07")) || InWeek(date("2026-11-30"), date("2026-11-29")) {
		t.Error("InWeek")
	}
	if w, ok := ParseWeek("2026-12-02"); !ok || !w.Equal(date("2026-11-30")) {
		t.Errorf("ParseWeek: %v %v", w, ok)
	}
	if _, ok := ParseWeek("next"); ok {
		t.Error("ParseWeek took a non-date")
	}
	// A day ends at local midnight: 23:30 on Sunday in Shanghai is still that week.
	sh := time.FixedZone("CST", 8*3600)
	late := time.Date(2026, 11, 29, 23, 30, 0, 0, sh)
	if got := WeekOf(Day(late, sh)); !got.Equal(date("2026-11-23")) {
		t.Errorf("local Sunday night fell in week %s", got.Format(time.DateOnly))
	}
}

func TestValid(t *testing.T) {
	week := date("2026-11-30")
	long := make([]rune, MaxNote+1)
	for i := range long {
		long[i] = '字'
	}
	items := []ItemInput{
		{Day: date("2026-12-01"), Kind: "training", Part: "am"},                              // fine
		{Day: date("2026-12-07"), Kind: "leave", Part: "day"},                                // day outside the week
		{Day: date("2026-12-02"), Kind: "visit", Part: "time", Start: "9:00"},                // bad time, no order
		{Day: date("2026-12-02"), Kind: "other", Part: "time", Start: "10:00", End: "09:00"}, // end before start, no note
		{Day: date("2026-12-03"), Kind: "party", Part: "night", Note: string(long)},          // unknown kind and part, long note
	}
	f := Valid(week, items)
	want := map[string]string{
		"items.1.day": "weekplan.field.day", "items.2.start": "weekplan.field.time", "items.2.order": "weekplan.field.order",
		"items.3.end": "weekplan.field.end", "items.3.note": "weekplan.field.note_other",
		"items.4.kind": "field.required", "items.4.part": "field.required", "items.4.note": "field.max.200",
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s: %q, want %q", k, f[k], v)
		}
	}
	if len(f) != len(want) {
		t.Errorf("messages: %v", f)
	}
}

func TestPrefillItems(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	end := time.Date(2026, 12, 1, 11, 0, 0, 0, sh)
	overnight := time.Date(2026, 12, 3, 1, 0, 0, 0, sh)
	appts := []Appointment{
		{OrderID: 7, Start: time.Date(2026, 12, 1, 9, 0, 0, 0, sh), End: &end},
		{OrderID: 8, Start: time.Date(2026, 12, 2, 22, 0, 0, 0, sh), End: &overnight},
		{OrderID: 9, Start: time.Date(2026, 12, 5, 16, 30, 0, 0, time.UTC)}, // 00:30 on the 6th in Shanghai
	}
	got := PrefillItems(appts, sh)
	want := []ItemInput{
		{Day: date("2026-12-01"), Kind: "visit", Part: "time", Start: "09:00", End: "11:00", OrderID: 7},
		{Day: date("2026-12-02"), Kind: "visit", Part: "time", Start: "22:00", OrderID: 8},
		{Day: date("2026-12-06"), Kind: "visit", Part: "time", Start: "00:30", OrderID: 9},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("prefill:\n got %+v\nwant %+v", got, want)
	}
}
