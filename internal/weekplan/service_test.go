package weekplan_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/weekplan"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is a fresh copy of the demo base data with the service on a settable clock
// standing on Monday 2026-11-23 (next week starts 2026-11-30).
type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	clock *testkit.Clock
	svc   *weekplan.Service
	users testkit.Users
}

var next = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Parallel()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	return &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock,
		svc: weekplan.NewService(pool, clock.Now, testkit.Shanghai), users: testkit.LoadUsers(t, pool)}
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

func (f *fixture) id(name string) int64 { return f.actor(name).UserID }

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

var training = []weekplan.ItemInput{{Day: day("2026-12-01"), Kind: "training", Part: "am", Note: "新机型培训"}}

func code(err error) apperr.Code { return apperr.As(err).Code }

// appoint makes an order of the Shanghai demo team and appoints tech1 for start.
func (f *fixture) appoint(orders *wo.Service, start time.Time) wo.Order {
	f.t.Helper()
	var cust, unit int64
	if err := f.pool.QueryRow(f.ctx, `SELECT c.id, u.id FROM customers c JOIN stations s ON s.id = c.station_id JOIN units u ON u.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id, u.id LIMIT 1`).Scan(&cust, &unit); err != nil {
		f.t.Fatal(err)
	}
	call := wo.NewOrder{CustomerID: cust, UnitID: unit, Channel: "phone", Symptom: "排气温度高", Urgency: "normal", ServiceType: "repair"}
	o := testkit.OrderIn(f.t, orders, testkit.DemoRoute(f.users, call, f.clock.Now), wo.Dispatched, false)
	o, err := orders.MakeAppointment(f.ctx, f.actor("tech1"), o.ID, o.Version, start, start.Add(90*time.Minute), "")
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// TestPrefillIsTheWeeksAppointments: a plan not saved yet offers exactly the visits the
// technician has appointed in that week, on their local days and times.
func TestPrefillIsTheWeeksAppointments(t *testing.T) {
	f := newFixture(t)
	orders := wo.NewService(f.pool, f.clock.Now, testkit.Shanghai)
	sh := testkit.Shanghai
	in1 := f.appoint(orders, time.Date(2026, 12, 1, 9, 0, 0, 0, sh))
	in2 := f.appoint(orders, time.Date(2026, 12, 6, 14, 0, 0, 0, sh))
	f.appoint(orders, time.Date(2026, 11, 27, 9, 0, 0, 0, sh)) // this week
	f.appoint(orders, time.Date(2026, 12, 7, 9, 0, 0, 0, sh))  // the week after
	got, err := f.svc.Prefill(f.ctx, f.actor("tech1"), f.id("tech1"), next)
	if err != nil {
		t.Fatal(err)
	}
	want := []weekplan.ItemInput{
		{Day: day("2026-12-01"), Kind: "visit", Part: "time", Start: "09:00", End: "10:30", OrderID: in1.ID},
		{Day: day("2026-12-06"), Kind: "visit", Part: "time", Start: "14:00", End: "15:30", OrderID: in2.ID},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("prefill:\n got %+v\nwant %+v", got, want)
	}
	pg, err := f.svc.Page(f.ctx, f.actor("tech1"), f.id("tech1"), next)
	if err != nil || len(pg.Rows) != 2 || pg.Plan.State != weekplan.None || !pg.Can.Save || pg.Can.Submit {
		t.Fatalf("page of a plan not saved: %+v %v", pg.Can, err)
	}
	// Saved as prefilled, the visits link their orders.
	p, err := f.svc.Save(f.ctx, f.actor("tech1"), f.id("tech1"), next, 0, got)
	if err != nil || p.State != weekplan.Draft {
		t.Fatalf("save prefill: %+v %v", p, err)
	}
	pg, _ = f.svc.Page(f.ctx, f.actor("tech1"), f.id("tech1"), next)
	if len(pg.Items) != 2 || pg.Items[0].OrderNumber != in1.Number {
		t.Fatalf("items: %+v", pg.Items)
	}
	// Another technician's order cannot be planned as a visit.
	_, err = f.svc.Save(f.ctx, f.actor("tech2"), f.id("tech2"), next, 0, got[:1])
	if e := apperr.As(err); e.Fields["items.0.order"] != "weekplan.field.order" {
		t.Fatalf("someone else's order: %v", err)
	}
}

// TestApproveAndReturn walks a plan through the procedure: return needs a comment, a
// returned plan is edited and submitted again, then approved; approved plans are shown
// by day.
func TestApproveAndReturn(t *testing.T) {
	f := newFixture(t)
	tech, sup, mgr := f.actor("tech1"), f.actor("supervisor"), f.actor("manager")
	p, err := f.svc.Save(f.ctx, tech, tech.UserID, next, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(f.ctx, tech, tech.UserID, next, p.Version); code(err) != apperr.IllegalTransition {
		t.Fatalf("empty plan submitted: %v", err)
	}
	if p, err = f.svc.Save(f.ctx, sup, tech.UserID, next, p.Version, training); err != nil {
		t.Fatalf("supervisor saves for the technician: %v", err)
	}
	if _, err := f.svc.Approve(f.ctx, mgr, tech.UserID, next, p.Version); code(err) != apperr.IllegalTransition {
		t.Fatalf("draft approved: %v", err)
	}
	if p, err = f.svc.Submit(f.ctx, tech, tech.UserID, next, p.Version); err != nil || p.State != weekplan.Submitted {
		t.Fatalf("submit: %v", err)
	}
	if _, err := f.svc.Save(f.ctx, tech, tech.UserID, next, p.Version, training); code(err) != apperr.IllegalTransition {
		t.Fatalf("submitted plan edited: %v", err)
	}
	if _, err := f.svc.Approve(f.ctx, sup, tech.UserID, next, p.Version); code(err) != apperr.Forbidden {
		t.Fatalf("supervisor approved: %v", err)
	}
	if _, err := f.svc.Return(f.ctx, mgr, tech.UserID, next, p.Version, "  "); apperr.As(err).Fields["comment"] != "weekplan.field.comment" {
		t.Fatalf("return without a comment: %v", err)
	}
	if p, err = f.svc.Return(f.ctx, mgr, tech.UserID, next, p.Version, "周三请安排保养"); err != nil || p.State != weekplan.Returned || p.ReturnComment != "周三请安排保养" {
		t.Fatalf("return: %+v %v", p, err)
	}
	more := append([]weekplan.ItemInput{{Day: day("2026-12-02"), Kind: "other", Part: "time", Start: "13:00", End: "17:00", Note: "客户保养"}}, training...)
	if p, err = f.svc.Save(f.ctx, tech, tech.UserID, next, p.Version, more); err != nil || p.State != weekplan.Returned {
		t.Fatalf("edit returned plan: %+v %v", p, err)
	}
	if p, err = f.svc.Submit(f.ctx, tech, tech.UserID, next, p.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Approve(f.ctx, mgr, tech.UserID, next, p.Version-1); code(err) != apperr.Conflict {
		t.Fatalf("stale version: %v", err)
	}
	if p, err = f.svc.Approve(f.ctx, mgr, tech.UserID, next, p.Version); err != nil || p.State != weekplan.Approved || p.DecidedByName == "" {
		t.Fatalf("approve: %+v %v", p, err)
	}
	items, err := f.svc.DayItems(f.ctx, sup, day("2026-12-02"))
	if err != nil || len(items[tech.UserID]) != 1 || items[tech.UserID][0].Start != "13:00" || items[tech.UserID][0].End != "17:00" {
		t.Fatalf("day items: %+v %v", items, err)
	}
	if items, _ := f.svc.DayItems(f.ctx, f.actor("sz.supervisor"), day("2026-12-02")); len(items) != 0 {
		t.Fatalf("Suzhou sees Shanghai's plan: %+v", items)
	}
	pg, err := f.svc.Page(f.ctx, mgr, tech.UserID, next)
	if err != nil || len(pg.Events) != 7 || pg.Can.Any() {
		t.Fatalf("page after approval: %d events, %+v, %v", len(pg.Events), pg.Can, err)
	}
}

// TestScope: a technician sees and plans only their own week; another station's
// technician is not found; roles without plans are refused.
func TestScope(t *testing.T) {
	f := newFixture(t)
	tech1, tech2 := f.actor("tech1"), f.actor("tech2")
	if _, err := f.svc.Save(f.ctx, tech1, tech1.UserID, next, 0, training); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Page(f.ctx, tech2, tech1.UserID, next); code(err) != apperr.NotFound {
		t.Fatalf("tech2 read tech1's plan: %v", err)
	}
	if _, err := f.svc.Save(f.ctx, tech2, tech1.UserID, next, 1, training); code(err) != apperr.NotFound {
		t.Fatalf("tech2 saved tech1's plan: %v", err)
	}
	if _, err := f.svc.Page(f.ctx, f.actor("sz.supervisor"), tech1.UserID, next); code(err) != apperr.NotFound {
		t.Fatalf("another station read the plan: %v", err)
	}
	if _, err := f.svc.Page(f.ctx, f.actor("hotline"), tech1.UserID, next); code(err) != apperr.NotFound {
		t.Fatalf("hotline read the plan: %v", err)
	}
	if _, err := f.svc.List(f.ctx, tech1, next, 0); code(err) != apperr.Forbidden {
		t.Fatalf("technician listed plans: %v", err)
	}
	lp, err := f.svc.List(f.ctx, f.actor("supervisor"), next, 0)
	if err != nil || len(lp.Rows) != 2 || lp.Rows[0].State == "" && lp.Rows[1].State == "" {
		t.Fatalf("supervisor's list: %+v %v", lp.Rows, err)
	}
	lp, err = f.svc.List(f.ctx, f.actor("manager"), next, 0)
	if err != nil || len(lp.Rows) != 3 {
		t.Fatalf("manager's list (both stations): %+v %v", lp.Rows, err)
	}
	if _, err := f.svc.List(f.ctx, f.actor("sz.supervisor"), next, f.actor("supervisor").StationID); code(err) != apperr.NotFound {
		t.Fatalf("another station's list: %v", err)
	}
	// A week that has ended is not planned any more.
	last := next.AddDate(0, 0, -14)
	if _, err := f.svc.Save(f.ctx, tech2, tech2.UserID, last, 0, nil); code(err) != apperr.IllegalTransition {
		t.Fatalf("past week planned: %v", err)
	}
}

// TestFormKeyOnce: the same form posted twice takes effect once.
func TestFormKeyOnce(t *testing.T) {
	f := newFixture(t)
	tech := f.actor("tech1")
	ctx := db.WithFormKey(f.ctx, "key-weekplan-0001")
	p, err := f.svc.Save(ctx, tech, tech.UserID, next, 0, training)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Save(ctx, tech, tech.UserID, next, 0, training)
	if err != nil || again.Version != p.Version {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	sub := db.WithFormKey(f.ctx, "key-weekplan-0002")
	if _, err := f.svc.Submit(sub, tech, tech.UserID, next, p.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(sub, tech, tech.UserID, next, p.Version); err != nil {
		t.Fatalf("repeated submit: %v", err)
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM week_plan_events`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("events: %d %v", n, err)
	}
}

// TestBadInput: items outside the week, unknown kinds and long notes are refused with
// field messages and nothing is saved.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	tech := f.actor("tech1")
	bad := []weekplan.ItemInput{{Day: day("2026-12-09"), Kind: "party", Part: "day"}}
	_, err := f.svc.Save(f.ctx, tech, tech.UserID, next, 0, bad)
	e := apperr.As(err)
	if e.Fields["items.0.day"] == "" || e.Fields["items.0.kind"] == "" {
		t.Fatalf("bad items: %v", err)
	}
	long := make([]rune, weekplan.MaxComment+1)
	for i := range long {
		long[i] = '长'
	}
	if _, err := f.svc.Return(f.ctx, f.actor("manager"), tech.UserID, next, 0, string(long)); apperr.As(err).Fields["comment"] != "field.max.500" {
		t.Fatalf("long comment: %v", err)
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM week_plans`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("plans: %d %v", n, err)
	}
}
