package workorder_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/report"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// dueSet is a fixture's callbacks around November 2026, read on 30 Nov 17:00:
//   - A at Shanghai completed Thu 29 Oct, reached but unsatisfied on 10 Nov, done again
//     that day and reached satisfied on 16 Nov: two callbacks due in November, both
//     reached;
//   - B at Shanghai completed 29 Oct (due with A's first), never reached;
//   - C at Shanghai completed Fri 27 Nov, its callback due in December;
//   - S at Suzhou completed 29 Oct, reached on 10 Nov.
type dueSet struct {
	*fixture
	a, b, c, s wo.Order
	sh, sz     int64
}

func shanghai(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, testkit.Shanghai)
}

func buildDueSet(t *testing.T) *dueSet {
	t.Helper()
	f := newFixture(t)
	d := &dueSet{fixture: f}
	if err := f.pool.QueryRow(f.ctx, `SELECT (SELECT id FROM stations WHERE code = 'SH'), (SELECT id FROM stations WHERE code = 'SZ')`).Scan(&d.sh, &d.sz); err != nil {
		t.Fatal(err)
	}
	hot, sup, tech := f.actor("hotline"), f.actor("supervisor"), f.actor("tech1")
	satisfied := wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true}

	f.clock.Set(shanghai(time.October, 29, 10))
	d.a = f.orderIn(wo.AwaitingCallback, false)
	d.b = f.orderIn(wo.AwaitingCallback, false)
	szHot := f.actor("sz.hotline")
	sc, err := f.cust.CreateCustomer(f.ctx, szHot, customer.NewCustomer{Name: "苏州回访测试厂", ContactPerson: "周工", Phones: []string{"139 0000 5566"}, Addresses: []string{"苏州市工业园区回访路3号"}})
	if err != nil {
		t.Fatal(err)
	}
	bought := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	su, err := f.cust.AddUnit(f.ctx, szHot, sc.ID, customer.NewUnit{Brand: "复盛", Model: "SA-60A", Serial: "SN-SZ-DUE", PurchaseDate: &bought, WarrantyMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	szCall := wo.NewOrder{CustomerID: sc.ID, UnitID: su.ID, Channel: "phone", Symptom: "不能启动", Urgency: "normal", ServiceType: "repair"}
	d.s = testkit.OrderIn(t, f.svc, testkit.Route{Call: szCall, Hotline: szHot, Supervisor: f.actor("sz.supervisor"), Technician: f.actor("sz.tech"), Now: f.clock.Now}, wo.AwaitingCallback, false)

	f.clock.Set(shanghai(time.November, 10, 10))
	unhappy := satisfied
	unhappy.Satisfied, unhappy.Overall, unhappy.Reason = false, 2, "仍然高温"
	d.a = f.must(f.svc.RecordCallback(f.ctx, hot, d.a.ID, d.a.Version, unhappy))
	d.b = f.must(f.svc.RecordCallback(f.ctx, hot, d.b.ID, d.b.Version, wo.Callback{Outcome: "no_answer"}))
	d.s = f.must(f.svc.RecordCallback(f.ctx, szHot, d.s.ID, d.s.Version, satisfied))
	// The revisit: A is done again and waits for its second callback.
	f.clock.Set(shanghai(time.November, 10, 14))
	d.a = f.must(f.svc.Assign(f.ctx, sup, d.a.ID, d.a.Version, tech.UserID, ""))
	start := f.clock.Now().Add(time.Hour)
	d.a = f.must(f.svc.MakeAppointment(f.ctx, tech, d.a.ID, d.a.Version, start, start.Add(time.Hour), ""))
	f.clock.Set(start)
	d.a = f.must(f.svc.CheckIn(f.ctx, tech, d.a.ID, d.a.Version))
	f.clock.Set(start.Add(time.Hour))
	d.a = f.must(f.svc.Complete(f.ctx, tech, d.a.ID, d.a.Version, wo.Report{Diagnosis: "散热器脏堵", FaultCause: "积尘", ActionsTaken: "清洗散热器", FieldClass: "after_sales", TestRun: "done", Signature: demo.Signature()}))
	if d.a.State != wo.AwaitingCallback {
		t.Fatalf("A after its revisit: %s", d.a.State)
	}

	f.clock.Set(shanghai(time.November, 16, 10))
	d.a = f.must(f.svc.RecordCallback(f.ctx, hot, d.a.ID, d.a.Version, satisfied))

	f.clock.Set(shanghai(time.November, 27, 10))
	d.c = f.orderIn(wo.AwaitingCallback, false)
	f.clock.Set(shanghai(time.November, 30, 17))
	return d
}

// due lists every callback of f for actor, page by page (limit rows a page).
func (d *dueSet) due(actor auth.Actor, f wo.DueFilter, limit int) (wo.DueCallbacks, []wo.DueCallback) {
	d.t.Helper()
	f.Limit = limit
	var all []wo.DueCallback
	for n := 0; ; n++ {
		p, err := d.svc.CallbacksDue(d.ctx, actor, f)
		if err != nil {
			d.t.Fatal(err)
		}
		all = append(all, p.Callbacks...)
		if p.Next == "" {
			return p, all
		}
		if n > 20 {
			d.t.Fatal("the pages do not end")
		}
		f.After = p.Next
	}
}

func dueOrders(cs []wo.DueCallback) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.OrderID
	}
	return ids
}

// TestCallbacksDueAreTheRate: the list of the callbacks that fell due holds exactly the
// callbacks the callback rate counts, one row per callback (an order with two in the
// period is listed twice), and its counts are the queue's and the report's for the same
// period and stations; a callback due next period is not listed until then.
func TestCallbacksDueAreTheRate(t *testing.T) {
	t.Parallel()
	d := buildDueSet(t)
	hot, mgr := d.actor("hotline"), d.actor("manager")
	reports := report.NewService(d.pool, d.clock.Now, testkit.Shanghai)
	nov := wo.DueFilter{From: shanghai(time.November, 1, 0), To: shanghai(time.December, 1, 0)}

	// The hotline at Shanghai, page by page, one row a page: A twice, B, by due time.
	p, rows := d.due(hot, nov, 1)
	if p.Due != 3 || p.Reached != 2 || len(rows) != 3 {
		t.Fatalf("Shanghai in November: %d due, %d reached, %d rows", p.Due, p.Reached, len(rows))
	}
	if got := dueOrders(rows); !slices.Contains(got[:2], d.a.ID) || !slices.Contains(got[:2], d.b.ID) || got[2] != d.a.ID {
		t.Errorf("rows %v, want A and B (due together), then A again", got)
	}
	for i, r := range rows {
		if i > 0 && r.DueAt.Before(rows[i-1].DueAt) {
			t.Errorf("row %d due %v before row %d's %v", i, r.DueAt, i-1, rows[i-1].DueAt)
		}
		if r.DueAt.Before(nov.From) || !r.DueAt.Before(nov.To) {
			t.Errorf("row %d due %v, outside November", i, r.DueAt)
		}
		if r.Reached != (r.OrderID == d.a.ID) || r.Reached != (r.ReachedAt != nil) {
			t.Errorf("row %d (order %d): reached %v at %v", i, r.OrderID, r.Reached, r.ReachedAt)
		}
		if r.Number == "" || r.CustomerName != "测试客户有限公司" || r.StationName == "" {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	// Each of A's callbacks was reached by its own call.
	var reachedA []time.Time
	for _, r := range rows {
		if r.OrderID == d.a.ID && r.ReachedAt != nil {
			reachedA = append(reachedA, *r.ReachedAt)
		}
	}
	if want := []time.Time{shanghai(time.November, 10, 10), shanghai(time.November, 16, 10)}; len(reachedA) != 2 ||
		!reachedA[0].Equal(want[0]) || !reachedA[1].Equal(want[1]) {
		t.Errorf("A's callbacks reached at %v, want %v", reachedA, want)
	}

	// The same counts as the callback queue's month (the clock is in November) …
	q, err := d.svc.Callbacks(d.ctx, hot, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if q.Stats.Due != p.Due || q.Stats.Reached != p.Reached {
		t.Errorf("queue %d/%d, list %d/%d", q.Stats.Reached, q.Stats.Due, p.Reached, p.Due)
	}
	// … and as the report's, for one station and for all the manager sees.
	for _, c := range []struct {
		station      int64
		due, reached int
	}{{d.sh, 3, 2}, {d.sz, 1, 1}, {0, 4, 3}} {
		rp, err := reports.Report(d.ctx, mgr, report.Query{Period: report.RangeOf(nov.From, nov.To.AddDate(0, 0, -1), testkit.Shanghai), StationID: c.station})
		if err != nil {
			t.Fatal(err)
		}
		fig := rp.Total.Current.Get(report.CallbackRate)
		f := nov
		f.StationID = c.station
		lp, rows := d.due(mgr, f, 0)
		if lp.Due != c.due || lp.Reached != c.reached || len(rows) != c.due || int(fig.Den) != lp.Due || int(fig.Num) != lp.Reached {
			t.Errorf("station %d: list %d/%d (%d rows), report %d/%d, want %d/%d", c.station, lp.Reached, lp.Due, len(rows), fig.Num, fig.Den, c.reached, c.due)
		}
	}

	// Reached or not: the two sides of the figure.
	yes, no := true, false
	f := nov
	f.Reached = &yes
	if p, rows := d.due(hot, f, 0); !slices.Equal(dueOrders(rows), []int64{d.a.ID, d.a.ID}) || p.Due != 3 || p.Reached != 2 {
		t.Errorf("reached: %v (%d/%d)", dueOrders(rows), p.Reached, p.Due)
	}
	f.Reached = &no
	if _, rows := d.due(hot, f, 0); !slices.Equal(dueOrders(rows), []int64{d.b.ID}) {
		t.Errorf("not reached: %v", dueOrders(rows))
	}

	// C falls due in December: listed then (the default period is this month), and the
	// November list is unchanged.
	d.clock.Set(shanghai(time.December, 10, 10))
	if p, rows := d.due(hot, wo.DueFilter{}, 0); !slices.Equal(dueOrders(rows), []int64{d.c.ID}) || p.Due != 1 || p.Reached != 0 || !p.From.Equal(shanghai(time.December, 1, 0)) {
		t.Errorf("December: %v (%d/%d from %v)", dueOrders(rows), p.Reached, p.Due, p.From)
	}
	if p, _ := d.due(hot, nov, 0); p.Due != 3 || p.Reached != 2 {
		t.Errorf("November read in December: %d/%d", p.Reached, p.Due)
	}
}

// TestCallbacksDueScope: nobody sees another station's callbacks; asking for a station
// one does not see is not found; only the office roles open the list; a bad period or
// cursor is a field message.
func TestCallbacksDueScope(t *testing.T) {
	t.Parallel()
	d := buildDueSet(t)
	nov := wo.DueFilter{From: shanghai(time.November, 1, 0), To: shanghai(time.December, 1, 0)}
	if _, rows := d.due(d.actor("sz.hotline"), nov, 0); !slices.Equal(dueOrders(rows), []int64{d.s.ID}) {
		t.Errorf("Suzhou's hotline: %v, want only S", dueOrders(rows))
	}
	if _, rows := d.due(d.actor("supervisor"), nov, 0); slices.Contains(dueOrders(rows), d.s.ID) || len(rows) != 3 {
		t.Errorf("Shanghai's supervisor: %v", dueOrders(rows))
	}
	f := nov
	f.StationID = d.sz
	if _, err := d.svc.CallbacksDue(d.ctx, d.actor("hotline"), f); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Shanghai's hotline asks for Suzhou: %v", err)
	}
	for _, who := range []string{"tech1", "storekeeper"} {
		if _, err := d.svc.CallbacksDue(d.ctx, d.actor(who), nov); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s: %v", who, err)
		}
	}
	bad := wo.DueFilter{From: nov.To, To: nov.From}
	if _, err := d.svc.CallbacksDue(d.ctx, d.actor("hotline"), bad); apperr.As(err).Fields["to"] == "" {
		t.Errorf("a period that ends before it starts: %v", err)
	}
	bad = nov
	bad.After = "not-a-cursor"
	if _, err := d.svc.CallbacksDue(d.ctx, d.actor("hotline"), bad); apperr.As(err).Fields["after"] == "" {
		t.Errorf("a bad cursor: %v", err)
	}
}
