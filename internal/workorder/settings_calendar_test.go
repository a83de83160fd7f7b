package workorder_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func TestAddAndDeleteCalendarDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Monday 23 November 10:00: a normal call must be contacted within 1 working day.
	before := f.create()
	if want := time.Date(2026, 11, 24, 10, 0, 0, 0, testkit.Shanghai); !before.ContactDueAt.Equal(want) {
		t.Fatalf("contact due %s, want %s", before.ContactDueAt.In(testkit.Shanghai), want)
	}
	tuesday := calendar.Date{Year: 2026, Month: 11, Day: 24}
	saturday := calendar.Date{Year: 2026, Month: 11, Day: 28}
	f.clock.Set(time.Date(2026, 11, 23, 11, 0, 0, 0, testkit.Shanghai))
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), tuesday, wo.CalendarHoliday); err != nil {
		t.Fatal(err)
	}
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), saturday, wo.CalendarWorkday); err != nil {
		t.Fatal(err)
	}
	st, err := f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Holidays, []calendar.Date{tuesday}) || !slices.Equal(st.Workdays, []calendar.Date{saturday}) {
		t.Fatalf("holidays %v workdays %v", st.Holidays, st.Workdays)
	}
	v, err := f.set.ViewOf(f.ctx, f.actor("manager"), f.centre())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.History) != 2 || v.History[0].By != "王建国" || !v.History[0].At.Equal(f.clock.Now()) || v.History[0].New != "2026-11-28 workday" {
		t.Errorf("history %+v", v.History)
	}

	// An order taken the day before the holiday is due after it.
	f.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, testkit.Shanghai))
	after := f.create()
	if want := time.Date(2026, 11, 25, 10, 0, 0, 0, testkit.Shanghai); !after.ContactDueAt.Equal(want) {
		t.Errorf("contact due with the holiday %s, want %s", after.ContactDueAt.In(testkit.Shanghai), want)
	}

	if err := f.set.DeleteDay(f.ctx, f.actor("manager"), f.centre(), tuesday); err != nil {
		t.Fatal(err)
	}
	st, err = f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Holidays) != 0 || !slices.Equal(st.Workdays, []calendar.Date{saturday}) {
		t.Errorf("after delete: holidays %v workdays %v", st.Holidays, st.Workdays)
	}
	if err := f.set.DeleteDay(f.ctx, f.actor("manager"), f.centre(), tuesday); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("deleting a day not listed: %v", err)
	}
}

func TestCalendarDayCannotBeBothKinds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	day := calendar.Date{Year: 2026, Month: 10, Day: 1}
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), day, wo.CalendarHoliday); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		day   calendar.Date
		kind  string
		field string
		key   string
	}{
		{"other kind", day, wo.CalendarWorkday, "day", "settings.calendar.both_kinds"},
		{"same kind again", day, wo.CalendarHoliday, "day", "settings.calendar.exists"},
		{"impossible date", calendar.Date{Year: 2026, Month: 2, Day: 30}, wo.CalendarHoliday, "day", "settings.calendar.day_invalid"},
		{"unknown kind", calendar.Date{Year: 2026, Month: 10, Day: 2}, "vacation", "kind", "settings.calendar.kind_invalid"},
	}
	for _, tc := range cases {
		err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), tc.day, tc.kind)
		if e := apperr.As(err); err == nil || e.Code != apperr.Invalid || e.Fields[tc.field] != tc.key {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	st, err := f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Holidays, []calendar.Date{day}) || len(st.Workdays) != 0 {
		t.Errorf("refused adds wrote: holidays %v workdays %v", st.Holidays, st.Workdays)
	}
}

func TestOnlyManagersEditTheCalendar(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	day := calendar.Date{Year: 2026, Month: 10, Day: 1}
	for _, who := range []string{"hotline", "supervisor", "tech1", "storekeeper"} {
		if err := f.set.AddDay(f.ctx, f.actor(who), f.centre(), day, wo.CalendarHoliday); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s adds a day: %v", who, err)
		}
	}
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), day, wo.CalendarHoliday); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"hotline", "supervisor", "tech1", "storekeeper"} {
		if err := f.set.DeleteDay(f.ctx, f.actor(who), f.centre(), day); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s deletes a day: %v", who, err)
		}
	}
	st, err := f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Holidays, []calendar.Date{day}) {
		t.Errorf("holidays %v", st.Holidays)
	}
}

// Managers adding days at the same time lose none of them.
func TestConcurrentCalendarEditsLoseNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), calendar.Date{Year: 2026, Month: 10, Day: i + 1}, wo.CalendarHoliday)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	st, err := f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Holidays) != n {
		t.Errorf("holidays %v, want %d days", st.Holidays, n)
	}
	for i, d := range st.Holidays {
		if got, want := d.String(), fmt.Sprintf("2026-10-%02d", i+1); got != want {
			t.Errorf("holiday %d is %s, want %s", i, got, want)
		}
	}
}
