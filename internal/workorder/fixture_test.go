package workorder_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is a fresh copy of the demo database (without demo orders) with the services
// and actors.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	clock *testkit.Clock
	svc   *wo.Service
	cust  *customer.Service
	// set keeps the stations' settings and calendars
	set *settings.Service
	// users by demo username
	users testkit.Users
	// a Shanghai customer with one unit
	customerID, unitID int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.BaseDB(t)
	clk := testkit.NewClock()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clk,
		svc:   wo.NewService(pool, clk.Now, testkit.Shanghai),
		cust:  customer.NewService(pool, clk.Now, testkit.Shanghai),
		set:   settings.NewService(pool, clk.Now),
		users: testkit.LoadUsers(t, pool)}
	c, err := f.cust.CreateCustomer(f.ctx, f.actor("hotline"), customer.NewCustomer{Name: "测试客户有限公司", ContactPerson: "王工", Phones: []string{"138 0000 1234"}, Addresses: []string{"上海市浦东新区测试路1号"}})
	if err != nil {
		t.Fatal(err)
	}
	purchase := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, err := f.cust.AddUnit(f.ctx, f.actor("hotline"), c.ID, customer.NewUnit{Brand: "复盛", Model: "SA-120A", Serial: "SN-TEST-1", PurchaseDate: &purchase, WarrantyMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	f.customerID, f.unitID = c.ID, u.ID
	return f
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

// centre is the regional centre the manager keeps; shanghai the outlet of the hotline's
// orders, below it.
func (f *fixture) centre() int64   { return f.actor("manager").StationID }
func (f *fixture) shanghai() int64 { return f.actor("hotline").StationID }

// settings are the settings the Shanghai outlet uses.
func (f *fixture) settings() wo.Settings {
	f.t.Helper()
	st, err := f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// call is the normal repair call the hotline logs on the fixture's unit.
func (f *fixture) call() wo.NewOrder {
	return wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone",
		Symptom: "排气温度高，停机", Urgency: "normal", ServiceType: "repair"}
}

// create logs a normal repair call as the hotline.
func (f *fixture) create() wo.Order {
	f.t.Helper()
	o, err := f.svc.Create(f.ctx, f.actor("hotline"), f.call())
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
	return testkit.OrderIn(f.t, f.svc, testkit.DemoRoute(f.users, f.call(), f.clock.Now), s, workshop)
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
