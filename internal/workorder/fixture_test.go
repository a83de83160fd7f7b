package workorder_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// clock is the fixture's settable clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a fresh copy of the demo database (without demo orders) with the services
// and actors.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	clock *clock
	svc   *wo.Service
	cust  *customer.Service
	// users by demo username
	users map[string]auth.Actor
	// a Shanghai customer with one unit
	customerID, unitID int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testdb.Seeded(t, "demo-base", demo.SeedBase)
	// Monday 2026-11-23 10:00 in Shanghai: a working day, inside working hours.
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai)}
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clk,
		svc:   wo.NewService(pool, clk.now, shanghai),
		cust:  customer.NewService(pool, clk.now, shanghai),
		users: map[string]auth.Actor{}}
	authSvc := auth.NewService(pool, time.Now)
	rows, err := pool.Query(f.ctx, `SELECT id, username FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		a, err := authSvc.ActorFor(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		f.users[name] = a
	}
	rows.Close()
	c, err := f.cust.CreateCustomer(f.ctx, f.users["hotline"], customer.NewCustomer{Name: "测试客户有限公司", ContactPerson: "王工", Phones: []string{"138 0000 1234"}, Addresses: []string{"上海市浦东新区测试路1号"}})
	if err != nil {
		t.Fatal(err)
	}
	purchase := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, err := f.cust.AddUnit(f.ctx, f.users["hotline"], c.ID, customer.NewUnit{Brand: "复盛", Model: "SA-120A", Serial: "SN-TEST-1", PurchaseDate: &purchase, WarrantyMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	f.customerID, f.unitID = c.ID, u.ID
	return f
}

func (f *fixture) actor(name string) auth.Actor {
	a, ok := f.users[name]
	if !ok {
		f.t.Fatalf("no demo user %s", name)
	}
	return a
}

// create logs a normal repair call as the hotline.
func (f *fixture) create() wo.Order {
	f.t.Helper()
	o, err := f.svc.Create(f.ctx, f.actor("hotline"), wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone",
		Symptom: "排气温度高，停机", Urgency: "normal", ServiceType: "repair"})
	if err != nil {
		f.t.Fatalf("create: %v", err)
	}
	return o
}

// must fails the test on err and returns o.
func (f *fixture) must(o wo.Order, err error) wo.Order {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%v", err)
	}
	return o
}

// orderIn drives a new order through real transitions into state s, assigned to tech1
// where a technician is involved. workshop puts the unit in the workshop on the way
// (for awaiting_parts).
func (f *fixture) orderIn(s wo.State, workshop bool) wo.Order {
	f.t.Helper()
	sup, hot, tech := f.actor("supervisor"), f.actor("hotline"), f.actor("tech1")
	o := f.create()
	step := func(next func(o wo.Order) (wo.Order, error)) { o = f.must(next(o)) }
	if s == wo.Received {
		return o
	}
	if s == wo.Cancelled {
		step(func(o wo.Order) (wo.Order, error) { return f.svc.Cancel(f.ctx, hot, o.ID, o.Version, "重复报修") })
		return o
	}
	step(func(o wo.Order) (wo.Order, error) { return f.svc.Forward(f.ctx, hot, o.ID, o.Version, "") })
	if s == wo.Assessing {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) {
		return f.svc.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "温控阀失效", RepairPlan: "更换温控阀", ServiceMode: "onsite", Complexity: "simple"})
	})
	if s == wo.AwaitingDispatch {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) { return f.svc.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, "") })
	if s == wo.Dispatched {
		return o
	}
	start := f.clock.now().Add(2 * time.Hour)
	step(func(o wo.Order) (wo.Order, error) {
		return f.svc.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(2*time.Hour), "")
	})
	if s == wo.Scheduled {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) { return f.svc.CheckIn(f.ctx, tech, o.ID, o.Version) })
	if s == wo.InProgress {
		return o
	}
	if s == wo.InWorkshop || (s == wo.AwaitingParts && workshop) {
		step(func(o wo.Order) (wo.Order, error) {
			return f.svc.TakeToWorkshop(f.ctx, tech, o.ID, o.Version, true, "")
		})
		if s == wo.InWorkshop {
			return o
		}
	}
	if s == wo.AwaitingParts {
		step(func(o wo.Order) (wo.Order, error) {
			return f.svc.AwaitParts(f.ctx, tech, o.ID, o.Version, "温控阀 ×1")
		})
		return o
	}
	step(func(o wo.Order) (wo.Order, error) {
		return f.svc.Complete(f.ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "温控阀卡滞", FaultCause: "阀芯磨损", ActionsTaken: "更换温控阀", TestRun: "done", Signature: demo.Signature()})
	})
	if s == wo.AwaitingCallback {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) {
		return f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "客户满意"})
	})
	if s != wo.Closed {
		f.t.Fatalf("orderIn: unknown state %s", s)
	}
	return o
}

// events counts an order's event rows.
func (f *fixture) events(id int64) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_order_events WHERE order_id = $1`, id).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
