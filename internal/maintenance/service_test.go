package maintenance_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/maintenance"
	"github.com/aftersales/aftersales/internal/testkit"
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
	svc    *maintenance.Service
	users  testkit.Users
	// a Shanghai unit without a plan, and its customer
	unitID, customerID int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.DemoDB(t)
	clock := testkit.NewClock()
	orders := wo.NewService(pool, clock.Now, testkit.Shanghai)
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock, orders: orders,
		svc: maintenance.NewService(pool, clock.Now, testkit.Shanghai, orders.MaintenanceOrderTx), users: testkit.LoadUsers(t, pool)}
	err := pool.QueryRow(f.ctx, `SELECT u.id, u.customer_id FROM units u JOIN customers c ON c.id = u.customer_id JOIN stations s ON s.id = c.station_id
		WHERE s.code = 'SH' AND NOT EXISTS (SELECT 1 FROM maintenance_plans p WHERE p.unit_id = u.id) ORDER BY u.id LIMIT 1`).Scan(&f.unitID, &f.customerID)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) today() time.Time { return maintenance.Day(f.clock.Now(), testkit.Shanghai) }

// plan sets a plan on the fixture's unit due days from today.
func (f *fixture) plan(days int) maintenance.Plan {
	f.t.Helper()
	p, err := f.svc.SetPlan(f.ctx, f.users.Actor("supervisor"), f.unitID, 0, maintenance.PlanInput{CycleMonths: 6,
		NextDue: f.today().AddDate(0, 0, days), Checklist: "清洗滤网\n检查制冷剂压力\n紧固电气接线", Parts: "滤网 ×1"})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// ordersOfUnit counts the unit's maintenance orders.
func (f *fixture) ordersOfUnit() int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_orders WHERE unit_id = $1 AND service_type = 'maintenance'`, f.unitID).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestRunTwiceMakesOneOrder(t *testing.T) {
	f := newFixture(t)
	f.plan(10)
	for i := 0; i < 2; i++ {
		if _, err := f.svc.Run(f.ctx, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.ordersOfUnit(); n != 1 {
		t.Fatalf("orders after two runs: %d", n)
	}
	var customerID int64
	var request, state string
	if err := f.pool.QueryRow(f.ctx, `SELECT customer_id, request, state FROM work_orders WHERE unit_id = $1 AND service_type = 'maintenance'`, f.unitID).
		Scan(&customerID, &request, &state); err != nil {
		t.Fatal(err)
	}
	if customerID != f.customerID || !strings.Contains(request, "1. 清洗滤网") || !strings.Contains(request, "滤网 ×1") || state != string(wo.Received) {
		t.Errorf("order: customer %d, state %s, request %q", customerID, state, request)
	}
}

func TestRunNotYetDue(t *testing.T) {
	f := newFixture(t)
	f.plan(maintenance.DefaultDaysAhead + 1)
	if _, err := f.svc.Run(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := f.ordersOfUnit(); n != 0 {
		t.Fatalf("an order %d days early", maintenance.DefaultDaysAhead+1)
	}
	// A station's own setting reaches further ahead.
	if _, err := f.pool.Exec(f.ctx, `INSERT INTO maintenance_settings (station_id, days_ahead) SELECT id, 30 FROM stations WHERE code = 'SH'`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Run(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := f.ordersOfUnit(); n != 1 {
		t.Fatalf("with 30 days ahead: %d orders", n)
	}
}

func TestConcurrentRunsMakeOneOrder(t *testing.T) {
	f := newFixture(t)
	f.plan(-3)
	// A second process: its own pool on the same database.
	other, err := pgxpool.New(f.ctx, f.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherSvc := maintenance.NewService(other, f.clock.Now, testkit.Shanghai, wo.NewService(other, f.clock.Now, testkit.Shanghai).MaintenanceOrderTx)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			svc := f.svc
			if i%2 == 1 {
				svc = otherSvc
			}
			_, errs[i] = svc.Run(f.ctx, f.clock.Now())
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.ordersOfUnit(); n != 1 {
		t.Fatalf("orders after concurrent runs: %d", n)
	}
}

func TestEndedPlanMakesNoOrder(t *testing.T) {
	f := newFixture(t)
	p := f.plan(-1)
	if err := f.svc.EndPlan(f.ctx, f.users.Actor("supervisor"), f.unitID, p.Version, "设备已报废"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Run(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := f.ordersOfUnit(); n != 0 {
		t.Fatalf("an ended plan made %d orders", n)
	}
	if _, found, err := f.svc.PlanOfUnit(f.ctx, f.users.Actor("supervisor"), f.unitID); err != nil || found {
		t.Fatalf("ended plan still active: %v %v", found, err)
	}
}

func TestCompletionMovesDueDate(t *testing.T) {
	f := newFixture(t)
	p := f.plan(5)
	if _, err := f.svc.Run(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := f.pool.QueryRow(f.ctx, `SELECT order_id FROM maintenance_orders WHERE unit_id = $1`, f.unitID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	items, err := maintenance.ChecklistOfOrder(f.ctx, f.pool, id)
	if err != nil || len(items) != 3 || items[0] != "清洗滤网" {
		t.Fatalf("checklist: %q %v", items, err)
	}
	hot, sup, tech := f.users.Actor("hotline"), f.users.Actor("supervisor"), f.users.Actor("tech1")
	o, err := f.orders.OrderByID(f.ctx, sup, id)
	if err != nil {
		t.Fatal(err)
	}
	step := func(next func(o wo.Order) (wo.Order, error)) {
		t.Helper()
		n, err := next(o)
		if err != nil {
			t.Fatal(err)
		}
		o = n
	}
	step(func(o wo.Order) (wo.Order, error) { return f.orders.Forward(f.ctx, hot, o.ID, o.Version, "") })
	step(func(o wo.Order) (wo.Order, error) {
		return f.orders.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "定期保养", RepairPlan: "按保养项目执行", ServiceMode: "onsite", Complexity: "simple"})
	})
	step(func(o wo.Order) (wo.Order, error) {
		return f.orders.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, "")
	})
	start := f.clock.Now().Add(2 * time.Hour)
	step(func(o wo.Order) (wo.Order, error) {
		return f.orders.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(2*time.Hour), "")
	})
	f.clock.Advance(2 * time.Hour)
	step(func(o wo.Order) (wo.Order, error) { return f.orders.CheckIn(f.ctx, tech, o.ID, o.Version) })
	step(func(o wo.Order) (wo.Order, error) {
		return f.orders.Complete(f.ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "运行正常", FaultCause: "无", ActionsTaken: "按清单完成保养",
			FieldClass: "after_sales", TestRun: "done", Signature: demo.Signature()})
	})
	got, _, err := f.svc.PlanOfUnit(f.ctx, sup, f.unitID)
	if err != nil {
		t.Fatal(err)
	}
	if want := maintenance.NextDue(p.NextDue, 6); !got.NextDue.Equal(want) {
		t.Fatalf("next due %s, want %s", got.NextDue.Format(time.DateOnly), want.Format(time.DateOnly))
	}
	// The next due date is far off: the job makes nothing more.
	if _, err := f.svc.Run(f.ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := f.ordersOfUnit(); n != 1 {
		t.Fatalf("orders: %d", n)
	}
}

func TestPlanScopingRolesAndForms(t *testing.T) {
	f := newFixture(t)
	in := maintenance.PlanInput{CycleMonths: 3, NextDue: f.today().AddDate(0, 1, 0), Checklist: "检查"}
	// Another station's supervisor does not find the unit.
	if _, err := f.svc.SetPlan(f.ctx, f.users.Actor("sz.supervisor"), f.unitID, 0, in); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("other station: %v", err)
	}
	if _, _, err := f.svc.PlanOfUnit(f.ctx, f.users.Actor("sz.supervisor"), f.unitID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("other station reads: %v", err)
	}
	if _, err := f.svc.SetPlan(f.ctx, f.users.Actor("tech1"), f.unitID, 0, in); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician: %v", err)
	}
	bad := in
	bad.CycleMonths, bad.Checklist = 0, ""
	if _, err := f.svc.SetPlan(f.ctx, f.users.Actor("supervisor"), f.unitID, 0, bad); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad input: %v", err)
	}
	// The same form twice: one plan, one event; the second post changes nothing.
	sup := f.users.Actor("supervisor")
	ctx := db.WithFormKey(f.ctx, "maint-form-0001")
	p1, err := f.svc.SetPlan(ctx, sup, f.unitID, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := f.svc.SetPlan(ctx, sup, f.unitID, 0, in)
	if err != nil || p2.ID != p1.ID || p2.Version != p1.Version {
		t.Fatalf("repeated form: %+v %v", p2, err)
	}
	var events int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM maintenance_events WHERE plan_id = $1`, p1.ID).Scan(&events); err != nil || events != 1 {
		t.Fatalf("events: %d %v", events, err)
	}
	// An edit from a stale form is a conflict; from the current one it applies.
	in.CycleMonths = 12
	if _, err := f.svc.SetPlan(f.ctx, sup, f.unitID, p1.Version+1, in); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("stale edit: %v", err)
	}
	p3, err := f.svc.SetPlan(f.ctx, sup, f.unitID, p1.Version, in)
	if err != nil || p3.CycleMonths != 12 || p3.ID != p1.ID {
		t.Fatalf("edit: %+v %v", p3, err)
	}
	// The manager of a station above sees it; the due list of the other station does not.
	list, err := f.svc.DueList(f.ctx, f.users.Actor("sz.supervisor"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.UnitID == f.unitID {
			t.Error("another station lists the unit")
		}
	}
}

func TestDueList(t *testing.T) {
	f := newFixture(t)
	f.plan(-2)
	list, err := f.svc.DueList(f.ctx, f.users.Actor("supervisor"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range list {
		if d.UnitID == f.unitID {
			found = true
			if !d.Overdue || d.OrderID != nil {
				t.Errorf("due: %+v", d)
			}
		}
	}
	if !found {
		t.Fatal("overdue unit not listed")
	}
}
