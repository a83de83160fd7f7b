package fieldday_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/fieldday"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workflow"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	t      *testing.T
	ctx    context.Context
	pool   *pgxpool.Pool
	clock  *testkit.Clock
	orders *wo.Service
	svc    *fieldday.Service
	users  testkit.Users
	call   wo.NewOrder
	keys   int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Parallel()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock, users: testkit.LoadUsers(t, pool),
		orders: wo.NewService(pool, clock.Now, testkit.Shanghai), svc: fieldday.NewService(pool, clock.Now, testkit.Shanghai)}
	f.call = wo.NewOrder{Channel: "phone", Symptom: "排气温度高停机", Urgency: "normal", ServiceType: "repair"}
	if err := pool.QueryRow(f.ctx, `SELECT c.id, u.id FROM customers c JOIN stations s ON s.id = c.station_id JOIN units u ON u.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id, u.id LIMIT 1`).Scan(&f.call.CustomerID, &f.call.UnitID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) key() context.Context {
	f.keys++
	return db.WithFormKey(f.ctx, fmt.Sprintf("fieldday-test-%04d", f.keys))
}

// scheduled is an order of tech1 with its appointment made, not checked in.
func (f *fixture) scheduled() wo.Order {
	f.t.Helper()
	return testkit.OrderIn(f.t, f.orders, testkit.DemoRoute(f.users, f.call, f.clock.Now), wo.Scheduled, false)
}

func (f *fixture) checkIn(o wo.Order) {
	f.t.Helper()
	if _, err := f.orders.CheckIn(f.ctx, f.users.Actor("tech1"), o.ID, o.Version); err != nil {
		f.t.Fatalf("check in: %v", err)
	}
}

func TestMissingKitIsRecordedAndReachesTheSupervisorWithoutBlockingTheCheckIn(t *testing.T) {
	f := newFixture(t)
	tech, sup := f.users.Actor("tech1"), f.users.Actor("supervisor")
	o := f.scheduled()
	jc, err := f.svc.ForOrder(f.ctx, tech, o.ID)
	if err != nil || !jc.Ask || len(jc.Kit) != len(fieldday.DefaultKit) {
		t.Fatalf("job check %+v %v", jc, err)
	}
	ticked := []string{"工具", "配件或备用机", "维修记录单", "收据", "收费标准", "服务卡", "工作证"} // no 抹布
	if _, err := f.svc.CheckKit(f.key(), tech, o.ID, ticked, ""); apperr.As(err).Fields["note"] != "fieldday.field.missing_note" {
		t.Fatalf("missing item without a note: %v", err)
	}
	d, err := f.svc.CheckKit(f.key(), tech, o.ID, ticked, "路上买")
	if err != nil || len(d.Missing) != 1 || d.Missing[0] != "抹布" {
		t.Fatalf("check %+v %v", d, err)
	}
	if _, err := f.svc.CheckKit(f.key(), tech, o.ID, ticked, "再来"); apperr.As(err).Key != "fieldday.error.checked" {
		t.Errorf("second check: %v", err)
	}
	// The check-in still goes ahead.
	f.checkIn(o)
	missing, err := f.svc.LeftMissing(f.ctx, sup, 30)
	if err != nil || len(missing) != 1 || missing[0].OrderNumber != o.Number || missing[0].Note != "路上买" {
		t.Fatalf("supervisor's list %+v %v", missing, err)
	}
	if jc, _ = f.svc.ForOrder(f.ctx, sup, o.ID); jc.Done == nil || jc.Ask {
		t.Errorf("supervisor's view of the job %+v", jc)
	}
	// Another technician does not see the job; a job checked in needs no check.
	if _, err := f.svc.ForOrder(f.ctx, f.users.Actor("tech2"), o.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("tech2: %v", err)
	}
	// A station's own list replaces the manual's.
	if err := f.svc.SetKit(f.ctx, sup, "工具\n万用表\n\n工具"); err != nil {
		t.Fatal(err)
	}
	if k, _ := f.svc.Kit(f.ctx, sup.StationID); len(k) != 2 || k[1] != "万用表" {
		t.Errorf("kit %v", k)
	}
}

func TestSafetyReminderOnFirstCheckInOfADayWithoutAMeeting(t *testing.T) {
	f := newFixture(t)
	tech, sup := f.users.Actor("tech1"), f.users.Actor("supervisor")
	// Monday: the meeting at 08:30, tech1 confirms, then checks in: no reminder, not marked.
	f.clock.Set(time.Date(2026, 11, 23, 8, 40, 0, 0, testkit.Shanghai))
	if err := f.svc.Confirm(f.ctx, tech); apperr.As(err).Key != "fieldday.error.no_meeting" {
		t.Fatalf("confirm before a meeting: %v", err)
	}
	if _, err := f.svc.RecordMeeting(f.key(), sup, fieldday.MeetingInput{HeldAt: time.Date(2026, 11, 23, 8, 30, 0, 0, testkit.Shanghai),
		Topic: "高处作业", Hazards: "登高检修", Measures: "系安全带"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RecordMeeting(f.key(), sup, fieldday.MeetingInput{HeldAt: time.Date(2026, 11, 23, 8, 35, 0, 0, testkit.Shanghai),
		Topic: "又一次", Hazards: "-", Measures: "-"}); apperr.As(err).Key != "fieldday.error.meeting_exists" {
		t.Errorf("second meeting of a day: %v", err)
	}
	if err := f.svc.Confirm(f.ctx, tech); err != nil {
		t.Fatal(err)
	}
	o := f.scheduled()
	f.checkIn(o)
	td, err := f.svc.Today(f.ctx, tech)
	if err != nil || !td.Attended || !td.CheckedIn || td.Reminder {
		t.Fatalf("monday %+v %v", td, err)
	}
	// Tuesday: no meeting; the first check-in of the day shows the reminder and is
	// marked for the supervisor.
	f.clock.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, testkit.Shanghai))
	if td, _ = f.svc.Today(f.ctx, tech); td.Reminder || td.CheckedIn {
		t.Errorf("tuesday before any check-in %+v", td)
	}
	o2 := f.scheduled()
	f.checkIn(o2)
	if td, _ = f.svc.Today(f.ctx, tech); !td.Reminder || td.Meeting != nil {
		t.Errorf("tuesday after check-in %+v", td)
	}
	m, err := f.svc.Month(f.ctx, sup, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	byDay := map[int]fieldday.MonthDay{}
	for _, d := range m.Days {
		byDay[d.Day.Day()] = d
	}
	if d := byDay[23]; d.Meeting == nil || len(d.Meeting.Attendees) != 1 || len(d.Unattended) != 0 {
		t.Errorf("23rd %+v", d)
	}
	if d := byDay[24]; d.Meeting != nil || len(d.Unattended) != 1 || d.Unattended[0].Name != tech.Name {
		t.Errorf("24th %+v", d)
	}
	if byDay[25].Past || m.Held != 1 || m.Missed != 23 {
		t.Errorf("month held %d missed %d", m.Held, m.Missed)
	}
	// A meeting recorded later that day and confirmed ends the reminder, but the mark
	// stays: the check-in came first.
	f.clock.Set(time.Date(2026, 11, 24, 10, 0, 0, 0, testkit.Shanghai))
	if _, err := f.svc.RecordMeeting(f.key(), sup, fieldday.MeetingInput{HeldAt: time.Date(2026, 11, 24, 9, 50, 0, 0, testkit.Shanghai),
		Topic: "补开", Hazards: "电气", Measures: "断电挂牌"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Confirm(f.ctx, tech); err != nil {
		t.Fatal(err)
	}
	if td, _ = f.svc.Today(f.ctx, tech); td.Reminder {
		t.Error("reminder after confirming")
	}
	m, _ = f.svc.Month(f.ctx, sup, f.clock.Now())
	if d := m.Days[23]; d.Meeting == nil || len(d.Unattended) != 1 {
		t.Errorf("24th after the late meeting %+v", d)
	}
}

// TestNeedsCheckOnlyForOpenJobsNotYetStarted: the kit is checked before the first
// check-in of an open job, once; a closed or cancelled job never asks.
func TestNeedsCheckOnlyForOpenJobsNotYetStarted(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		state   workflow.State
		arrived *time.Time
		checked bool
		want    bool
	}{
		{workflow.Scheduled, nil, false, true},
		{workflow.Scheduled, &now, false, false},
		{workflow.Scheduled, nil, true, false},
		{workflow.Cancelled, nil, false, false},
		{workflow.Closed, nil, false, false},
	} {
		if got := fieldday.NeedsCheck(c.state, c.arrived, c.checked); got != c.want {
			t.Errorf("%s arrived %v checked %v: %v", c.state, c.arrived != nil, c.checked, got)
		}
	}
}
