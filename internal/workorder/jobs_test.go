package workorder_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func orderIDs(orders []wo.Order) map[int64]bool {
	m := map[int64]bool{}
	for _, o := range orders {
		m[o.ID] = true
	}
	return m
}

// TestMyJobsSortsIntoTodayPendingDone: today holds the jobs under way and today's (or
// missed) appointments; pending the other open jobs; done the completions of the last
// 30 days. Only the technician's own, and only technicians.
func TestMyJobsSortsIntoTodayPendingDone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech := f.actor("tech1")
	todayAppt := f.orderIn(wo.Scheduled, false) // 12:00 today
	later := f.orderIn(wo.Scheduled, false)
	tomorrow := time.Date(2026, 11, 24, 9, 0, 0, 0, shanghai)
	later = f.must(f.svc.Reschedule(f.ctx, tech, later.ID, later.Version, tomorrow, tomorrow.Add(2*time.Hour), "客户改约"))
	underWay := f.orderIn(wo.InProgress, false)
	dispatched := f.orderIn(wo.Dispatched, false)
	parts := f.orderIn(wo.AwaitingParts, false)
	workshop := f.orderIn(wo.InWorkshop, true)
	first := f.orderIn(wo.AwaitingCallback, false)
	f.clock.advance(time.Hour)
	second := f.orderIn(wo.Closed, false)

	j, err := f.svc.MyJobs(f.ctx, tech)
	if err != nil {
		t.Fatal(err)
	}
	want := func(tab string, got []wo.Order, orders ...wo.Order) {
		t.Helper()
		ids := orderIDs(got)
		if len(got) != len(orders) {
			t.Errorf("%s: %d jobs, want %d", tab, len(got), len(orders))
		}
		for _, o := range orders {
			if !ids[o.ID] {
				t.Errorf("%s lacks order %d (%s)", tab, o.ID, o.State)
			}
		}
	}
	want("today", j.Today, underWay, todayAppt)
	if len(j.Today) > 0 && j.Today[0].ID != underWay.ID {
		t.Error("the job under way is not first")
	}
	want("pending", j.Pending, later, dispatched, parts, workshop)
	if len(j.Pending) > 0 && j.Pending[0].ID != dispatched.ID {
		t.Error("the job still to be booked is not first")
	}
	want("done", j.Done, second, first)
	if len(j.Done) == 2 && j.Done[0].ID != second.ID {
		t.Error("done is not newest first")
	}

	// Tomorrow, the rescheduled appointment is today's; the missed one stays there too.
	f.clock.set(tomorrow.Add(-time.Hour))
	j, _ = f.svc.MyJobs(f.ctx, tech)
	want("today, a day later", j.Today, underWay, todayAppt, later)
	// A month on, nothing is recent any more.
	f.clock.advance(31 * 24 * time.Hour)
	if j, _ = f.svc.MyJobs(f.ctx, tech); len(j.Done) != 0 {
		t.Errorf("done after a month: %d", len(j.Done))
	}
	if j, err := f.svc.MyJobs(f.ctx, f.actor("tech2")); err != nil || len(j.Today)+len(j.Pending)+len(j.Done) != 0 {
		t.Errorf("tech2 sees %d+%d+%d jobs (%v)", len(j.Today), len(j.Pending), len(j.Done), err)
	}
	if _, err := f.svc.MyJobs(f.ctx, f.actor("supervisor")); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("supervisor: %v", err)
	}
}
