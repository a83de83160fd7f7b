package reconcile_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/reconcile"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	t          *testing.T
	ctx        context.Context
	pool       *pgxpool.Pool
	clock      *testkit.Clock
	svc        *reconcile.Service
	orders     *wo.Service
	cust       *customer.Service
	users      testkit.Users
	customerID int64
	day        time.Time
	units      int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock,
		svc:    reconcile.NewService(pool, clock.Now, testkit.Shanghai),
		orders: wo.NewService(pool, clock.Now, testkit.Shanghai),
		cust:   customer.NewService(pool, clock.Now, testkit.Shanghai),
		users:  testkit.LoadUsers(t, pool), day: testkit.Start}
	c, err := f.cust.CreateCustomer(f.ctx, f.actor("hotline"), customer.NewCustomer{Name: "对账测试有限公司", ContactPerson: "赵工",
		Phones: []string{"138 0000 7788"}, Addresses: []string{"上海市浦东新区对账路1号"}})
	if err != nil {
		t.Fatal(err)
	}
	f.customerID = c.ID
	return f
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

// job drives a new repair on a unit of its own through the real workflow into state s
// (awaiting_callback or closed), completed by tech1 on the fixture's day.
func (f *fixture) job(s wo.State) wo.Order {
	f.t.Helper()
	f.units++
	purchase := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	u, err := f.cust.AddUnit(f.ctx, f.actor("hotline"), f.customerID, customer.NewUnit{Brand: "复盛", Model: "SA-120A",
		Serial: "SN-RC-" + string(rune('A'+f.units)), PurchaseDate: &purchase, WarrantyMonths: 12})
	if err != nil {
		f.t.Fatal(err)
	}
	call := wo.NewOrder{CustomerID: f.customerID, UnitID: u.ID, Channel: "phone", Symptom: "排气温度高", Urgency: "normal", ServiceType: "repair"}
	return testkit.OrderIn(f.t, f.orders, testkit.DemoRoute(f.users, call, f.clock.Now), s, false)
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatal(err)
	}
}

// returned ticks 回单已交 for the orders, as the office would.
func (f *fixture) returned(ids ...int64) {
	for _, id := range ids {
		f.must(f.svc.MarkReturned(f.key(), f.actor("manager"), f.tech(), f.day, id))
	}
}

func (f *fixture) tech() int64 { return f.actor("tech1").UserID }

var keys int

// key is a context with a fresh one-time form key.
func (f *fixture) key() context.Context {
	keys++
	return db.WithFormKey(f.ctx, "recon-test-key-"+string(rune('a'+keys%26))+time.Now().Format("150405.000000000"))
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// row is tech1's row of the day, read as the manager.
func (f *fixture) row() reconcile.Row {
	f.t.Helper()
	r, err := f.svc.Row(f.ctx, f.actor("manager"), f.tech(), f.day)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func lineKinds(r reconcile.Row, order int64) []reconcile.Kind {
	var out []reconcile.Kind
	for _, l := range r.Lines {
		if l.OrderID == order {
			out = append(out, l.Kind)
		}
	}
	return out
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("error %v (code %q), want %s", err, got, code)
	}
}

// TestDayFindsEachMismatch crafts one job per kind of mismatch and one clean job.
func TestDayFindsEachMismatch(t *testing.T) {
	f := newFixture(t)
	good := f.job(wo.AwaitingCallback)
	unsigned := f.job(wo.AwaitingCallback)
	incomplete := f.job(wo.AwaitingCallback)
	notBack := f.job(wo.AwaitingCallback)
	quoted := f.job(wo.AwaitingCallback)
	cash := f.job(wo.AwaitingCallback)
	contradicted := f.job(wo.AwaitingCallback)
	f.exec(`UPDATE work_orders SET signed = false, no_signature_reason = '' WHERE id = $1`, unsigned.ID)
	f.exec(`UPDATE work_orders SET diagnosis = '', test_run = NULL WHERE id = $1`, incomplete.ID)
	tech := f.tech()
	f.exec(`INSERT INTO quote_confirmations (order_id, total_fen, customer_name, via, confirmed_by, confirmed_at) VALUES ($1, 30000, '赵工', 'tablet', $2, $3)`,
		quoted.ID, tech, f.clock.Now())
	f.exec(`INSERT INTO settlements (order_id, amount_fen, method, receipt_no, settled_by, settled_at) VALUES ($1, 45000, 'cash', 'R-1', $2, $3)`,
		cash.ID, f.actor("hotline").UserID, f.clock.Now())
	// The tablet recorded 非常满意; the callback reached the customer, who is not satisfied.
	f.exec(`UPDATE work_orders SET rating = 5 WHERE id = $1`, contradicted.ID)
	f.clock.Set(f.day.Add(22 * time.Hour)) // the next morning
	if _, err := f.orders.RecordCallback(f.ctx, f.actor("hotline"), contradicted.ID, contradicted.Version, wo.Callback{Outcome: "reached",
		Attitude: 3, Timeliness: 3, Quality: 2, Overall: 2, Reason: "故障依旧，技术员没修"}); err != nil {
		t.Fatal(err)
	}
	f.returned(good.ID, unsigned.ID, incomplete.ID, quoted.ID, cash.ID, contradicted.ID)

	r := f.row()
	if len(r.Jobs) != 7 {
		t.Fatalf("%d jobs, want 7", len(r.Jobs))
	}
	for _, c := range []struct {
		order int64
		want  []reconcile.Kind
	}{
		{good.ID, nil},
		{unsigned.ID, []reconcile.Kind{reconcile.NoSignature}},
		{incomplete.ID, []reconcile.Kind{reconcile.ReportIncomplete}},
		{notBack.ID, []reconcile.Kind{reconcile.NotReturned}},
		{quoted.ID, []reconcile.Kind{reconcile.CashUnsettled}},
		{cash.ID, []reconcile.Kind{reconcile.CashNotHanded}},
		{contradicted.ID, []reconcile.Kind{reconcile.CallbackContradicts}},
	} {
		if got := lineKinds(r, c.order); !slices.Equal(got, c.want) {
			t.Errorf("order %d: lines %v, want %v", c.order, got, c.want)
		}
	}
	if r.Open() != 6 {
		t.Fatalf("%d open lines, want 6", r.Open())
	}

	// The cash handed over in full clears its line; short, it stays.
	wantCode(t, f.svc.ConfirmCash(f.key(), f.actor("manager"), tech, f.day, cash.ID, "abc"), apperr.Invalid)
	f.must(f.svc.ConfirmCash(f.key(), f.actor("manager"), tech, f.day, cash.ID, "450"))
	if got := lineKinds(f.row(), cash.ID); len(got) != 0 {
		t.Fatalf("cash handed in full still has lines %v", got)
	}
	wantCode(t, f.svc.ConfirmCash(f.key(), f.actor("manager"), tech, f.day, cash.ID, "450"), apperr.Conflict)
	// Ticking the work order returned clears its line.
	f.returned(notBack.ID)
	if got := lineKinds(f.row(), notBack.ID); len(got) != 0 {
		t.Fatalf("returned order still has lines %v", got)
	}
}

// TestRemedialCallbackAndClose: a remedial callback lands on the queue due now; the day
// closes only when every line is resolved, and a closed day refuses changes.
func TestRemedialCallbackAndClose(t *testing.T) {
	f := newFixture(t)
	waiting := f.job(wo.AwaitingCallback)
	closed := f.job(wo.Closed)
	f.exec(`UPDATE work_orders SET signed = false, no_signature_reason = '' WHERE id = ANY($1)`, []int64{waiting.ID, closed.ID})
	f.clock.Set(f.day.Add(23 * time.Hour))
	f.returned(waiting.ID, closed.ID)
	mgr, tech := f.actor("manager"), f.tech()

	if r := f.row(); r.Open() != 2 || !r.CanRemedy[waiting.ID] || !r.CanRemedy[closed.ID] {
		t.Fatalf("open %d, remedy %v; want 2 open lines, remedy on both", r.Open(), r.CanRemedy)
	}
	wantCode(t, f.svc.Close(f.key(), mgr, tech, f.day, true), apperr.Conflict)
	wantCode(t, f.svc.Resolve(f.key(), mgr, tech, f.day, reconcile.Resolution{OrderID: waiting.ID, Kind: reconcile.NoSignature, Action: reconcile.Accept}), apperr.Invalid)

	// A repeated form resolves once and orders one callback.
	ctx := f.key()
	in := reconcile.Resolution{OrderID: closed.ID, Kind: reconcile.NoSignature, Action: reconcile.RemedialCallback, Note: "满意非客户所签，补救回访"}
	f.clock.Advance(time.Minute)
	now := f.clock.Now()
	f.must(f.svc.Resolve(ctx, mgr, tech, f.day, in))
	f.must(f.svc.Resolve(ctx, mgr, tech, f.day, in))
	var events int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_order_events WHERE order_id = $1 AND transition = 'remedial_callback'`, closed.ID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 1 {
		t.Fatalf("%d remedial callback events, want 1", events)
	}
	q, err := f.orders.Callbacks(f.ctx, f.actor("hotline"), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(q.Orders, func(o wo.Order) bool { return o.ID == closed.ID })
	if i < 0 {
		t.Fatal("the reopened order is not on the callback queue")
	}
	if o := q.Orders[i]; o.State != wo.AwaitingCallback || o.CallbackDueAt == nil || !o.CallbackDueAt.Equal(now) || o.ClosedAt != nil {
		t.Fatalf("queued order %s due %v closed %v, want awaiting_callback due %v", o.State, o.CallbackDueAt, o.ClosedAt, now)
	}
	wantCode(t, f.svc.Resolve(f.key(), mgr, tech, f.day, in), apperr.Conflict) // resolved already

	// Supervisors read but do not resolve or close.
	sup := f.actor("supervisor")
	wantCode(t, f.svc.Resolve(f.key(), sup, tech, f.day, reconcile.Resolution{OrderID: waiting.ID, Kind: reconcile.NoSignature, Action: reconcile.RequireOrder}), apperr.Forbidden)
	f.must(f.svc.Resolve(f.key(), mgr, tech, f.day, reconcile.Resolution{OrderID: waiting.ID, Kind: reconcile.NoSignature, Action: reconcile.RequireOrder, Note: "明早交回单"}))
	wantCode(t, f.svc.Close(f.key(), sup, tech, f.day, true), apperr.Forbidden)
	wantCode(t, f.svc.Close(f.key(), mgr, tech, f.day, false), apperr.Invalid)
	f.must(f.svc.Close(f.key(), mgr, tech, f.day, true))

	r := f.row()
	if !r.Closed || r.ClosedBy == "" || r.Open() != 0 || len(r.Lines) != 2 {
		t.Fatalf("closed %v by %q, %d lines %d open; want closed with 2 resolved lines", r.Closed, r.ClosedBy, len(r.Lines), r.Open())
	}
	// A closed day refuses every change, with the clear message.
	for _, err := range []error{
		f.svc.Close(f.key(), mgr, tech, f.day, true),
		f.svc.MarkReturned(f.key(), mgr, tech, f.day, waiting.ID),
		f.svc.ConfirmCash(f.key(), mgr, tech, f.day, waiting.ID, "10"),
		f.svc.Resolve(f.key(), mgr, tech, f.day, reconcile.Resolution{OrderID: waiting.ID, Kind: reconcile.NotReturned, Action: reconcile.RequireOrder}),
	} {
		wantCode(t, err, apperr.Conflict)
		if e := apperr.As(err); e.Key != "recon.error.closed" {
			t.Fatalf("closed day refused with %q, want recon.error.closed", e.Key)
		}
	}
	// A mismatch appearing later does not change the closed day.
	f.exec(`UPDATE work_orders SET diagnosis = '' WHERE id = $1`, waiting.ID)
	if r := f.row(); len(r.Lines) != 2 || r.CanRemedy[waiting.ID] {
		t.Fatalf("closed day now has %d lines, remedy %v", len(r.Lines), r.CanRemedy)
	}
	if p, err := f.svc.Unreconciled(f.ctx, mgr); err != nil || p.Days != 0 {
		t.Fatalf("unreconciled %+v, %v; want none", p, err)
	}
}

// TestScopeAndPending: another station's supervisor finds neither the station nor the
// technician; technicians may not read; past days not closed count on the home page.
func TestScopeAndPending(t *testing.T) {
	f := newFixture(t)
	f.job(wo.AwaitingCallback)
	f.clock.Set(f.day.Add(26 * time.Hour))
	mgr := f.actor("manager")
	p, err := f.svc.Day(f.ctx, mgr, 0, f.day)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) == 0 || !p.CanChange {
		t.Fatalf("manager sees %d rows, may change %v", len(p.Rows), p.CanChange)
	}
	sz := f.actor("sz.supervisor")
	if _, err := f.svc.Day(f.ctx, sz, mgr.StationID, f.day); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another station's day: %v, want NotFound", err)
	}
	if _, err := f.svc.Row(f.ctx, sz, f.tech(), f.day); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another station's technician: %v, want NotFound", err)
	}
	sp, err := f.svc.Day(f.ctx, sz, 0, f.day)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sp.Rows {
		if r.TechnicianID == f.tech() || sp.CanChange {
			t.Fatalf("another station's supervisor sees tech1 (%v) or may change (%v)", r.TechnicianID, sp.CanChange)
		}
	}
	if _, err := f.svc.Day(f.ctx, f.actor("tech1"), 0, f.day); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("technician reads the reconciliation: %v, want Forbidden", err)
	}
	if _, err := f.svc.Day(f.ctx, mgr, 0, f.day.AddDate(0, 0, 3)); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("a day to come: %v, want Invalid", err)
	}
	pend, err := f.svc.Unreconciled(f.ctx, mgr)
	if err != nil || pend.Days != 1 || pend.Oldest == nil || !pend.Oldest.Equal(f.day.Truncate(time.Hour).Add(-10*time.Hour)) {
		t.Fatalf("unreconciled %+v, %v; want 1 day, the fixture's", pend, err)
	}
	if pend, _ := f.svc.Unreconciled(f.ctx, sz); pend.Days != 0 {
		t.Fatalf("another station counts %d days", pend.Days)
	}
}
