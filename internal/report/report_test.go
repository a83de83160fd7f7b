package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/report"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func at(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, testkit.Shanghai)
}

// dataset is a small November 2026 with known answers (see buildDataset).
type dataset struct {
	pool                *pgxpool.Pool
	clock               *testkit.Clock
	users               testkit.Users
	orders              *wo.Service
	svc                 *report.Service
	sh, sz              int64
	a, b, c, d, e, f, h wo.Order
	outletManager       auth.Actor
}

// buildDataset makes, at Shanghai (SH), with tech1:
//   - A, B, C, D completed on Mon 2 Nov 10:00 (D after waiting for parts), callbacks due
//     Thu 5 Nov; A, B, C reached on 3 Nov (overall 5, 4, 3; attitude 5, 5, 4), D never;
//   - E completed Fri 27 Nov, an hour after its repair was due, callback due 2 Dec;
//   - F on 16 Nov, a repeat repair of A's unit, never contacted;
//   - H logged and cancelled on 4 Nov;
//   - first contact A +10, B +30, C +90, D +120, E +0 minutes after intake;
//   - three complaints: one due 20 Nov answered on 18 Nov, one due 25 Nov unanswered,
//     one claim paid 26 Nov with 123.45 yuan approved;
//   - 3 of a part issued and 1 returned; a settlement of 50 yuan by WeChat on B; E with
//     a quote of 100 yuan unsettled;
//
// and at Suzhou (SZ) one order S1 logged 3 Nov and never contacted. The report is read
// on 10 Dec.
func buildDataset(t *testing.T) *dataset {
	t.Helper()
	ctx := context.Background()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	ds := &dataset{pool: pool, clock: clock, users: testkit.LoadUsers(t, pool)}
	ds.orders = wo.NewService(pool, clock.Now, testkit.Shanghai)
	ds.svc = report.NewService(pool, clock.Now, testkit.Shanghai)
	cust := customer.NewService(pool, clock.Now, testkit.Shanghai)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(pool.QueryRow(ctx, `SELECT id FROM stations WHERE code = 'SH'`).Scan(&ds.sh))
	must(pool.QueryRow(ctx, `SELECT id FROM stations WHERE code = 'SZ'`).Scan(&ds.sz))
	clock.Set(at(11, 2, 10))
	hot := ds.users.Actor("hotline")
	c, err := cust.CreateCustomer(ctx, hot, customer.NewCustomer{Name: "报表测试有限公司", ContactPerson: "李工", Phones: []string{"138 0000 7788"}, Addresses: []string{"上海市浦东新区报表路1号"}})
	must(err)
	bought := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	serial := 0
	unit := func(a auth.Actor, customerID int64) int64 {
		serial++
		u, err := cust.AddUnit(ctx, a, customerID, customer.NewUnit{Brand: "复盛", Model: "SA-60A", Serial: "SN-RPT-" + string(rune('A'+serial)), PurchaseDate: &bought, WarrantyMonths: 12})
		must(err)
		return u.ID
	}
	call := func(u int64) wo.NewOrder {
		return wo.NewOrder{CustomerID: c.ID, UnitID: u, Channel: "phone", Symptom: "排气温度高", Urgency: "normal", ServiceType: "repair"}
	}
	route := func(u int64) testkit.Route { return testkit.DemoRoute(ds.users, call(u), clock.Now) }
	unitA := unit(hot, c.ID)
	ds.a = testkit.OrderIn(t, ds.orders, route(unitA), wo.AwaitingCallback, false)
	ds.b = testkit.OrderIn(t, ds.orders, route(unit(hot, c.ID)), wo.AwaitingCallback, false)
	ds.c = testkit.OrderIn(t, ds.orders, route(unit(hot, c.ID)), wo.AwaitingCallback, false)
	d := testkit.OrderIn(t, ds.orders, route(unit(hot, c.ID)), wo.AwaitingParts, false)
	tech := ds.users.Actor("tech1")
	start := clock.Now().Add(time.Hour)
	d, err = ds.orders.PartsArrived(ctx, tech, d.ID, d.Version, start, start.Add(time.Hour), "")
	must(err)
	d, err = ds.orders.CheckIn(ctx, tech, d.ID, d.Version)
	must(err)
	d, err = ds.orders.Complete(ctx, tech, d.ID, d.Version, wo.Report{Diagnosis: "温控阀卡滞", FaultCause: "阀芯磨损", ActionsTaken: "更换温控阀", FieldClass: "paid", TestRun: "done", Signature: demo.Signature()})
	must(err)
	ds.d = d

	clock.Set(at(11, 3, 10))
	for i, o := range []*wo.Order{&ds.a, &ds.b, &ds.c} {
		att := []int{5, 5, 4}[i]
		*o, err = ds.orders.RecordCallback(ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: att, Timeliness: 4, Quality: 4, Overall: 5 - i, Satisfied: true})
		must(err)
	}
	szHot := ds.users.Actor("sz.hotline")
	sc, err := cust.CreateCustomer(ctx, szHot, customer.NewCustomer{Name: "苏州报表测试厂", ContactPerson: "周工", Phones: []string{"139 0000 7788"}, Addresses: []string{"苏州市工业园区报表路2号"}})
	must(err)
	s1 := wo.NewOrder{CustomerID: sc.ID, UnitID: unit(szHot, sc.ID), Channel: "phone", Symptom: "不能启动", Urgency: "normal", ServiceType: "repair"}
	testkit.OrderIn(t, ds.orders, testkit.Route{Call: s1, Hotline: szHot, Supervisor: ds.users.Actor("sz.supervisor"), Technician: ds.users.Actor("sz.tech"), Now: clock.Now}, wo.Received, false)

	clock.Set(at(11, 4, 10))
	ds.h = testkit.OrderIn(t, ds.orders, route(unit(hot, c.ID)), wo.Cancelled, false)

	clock.Set(at(11, 16, 10))
	f, err := ds.orders.Create(ctx, hot, call(unitA))
	must(err)
	if f.RepeatOf == nil || *f.RepeatOf != ds.a.ID {
		t.Fatalf("F is not a repeat repair of A: %+v", f.RepeatOf)
	}
	ds.f = f

	clock.Set(at(11, 27, 10))
	ds.e = testkit.OrderIn(t, ds.orders, route(unit(hot, c.ID)), wo.AwaitingCallback, false)

	// What the services cannot backdate: contact times, a late repair, complaints, the
	// ledger and money.
	for id, minutes := range map[int64]int{ds.a.ID: 10, ds.b.ID: 30, ds.c.ID: 90, ds.d.ID: 120, ds.e.ID: 0} {
		_, err := pool.Exec(ctx, `UPDATE work_orders SET first_contact_at = created_at + make_interval(mins => $2) WHERE id = $1`, id, minutes)
		must(err)
	}
	_, err = pool.Exec(ctx, `UPDATE work_orders SET completed_at = repair_due_at + interval '1 hour' WHERE id = $1`, ds.e.ID)
	must(err)
	mgr, tech1 := testkit.UserID(t, pool, "manager"), testkit.UserID(t, pool, "tech1")
	complaint := func(number string, created time.Time, due *time.Time, claim bool) int64 {
		var id int64
		var claimFen, approved, paid any
		if claim {
			claimFen, approved, paid = int64(20000), int64(12345), at(11, 26, 15)
		}
		must(pool.QueryRow(ctx, `INSERT INTO complaints (number, station_id, state, channel, customer_id, technician_id, category, severity,
			what_happened, due_at, is_claim, claim_fen, approved_fen, paid_at, created_by, created_at, updated_at)
			VALUES ($1, $2, 'handling', 'phone', $3, $4, 'quality', 'general', '维修后又坏了', $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			number, ds.sh, c.ID, tech1, due, claim, claimFen, approved, paid, mgr, created).Scan(&id))
		return id
	}
	due1, due2 := at(11, 20, 18), at(11, 25, 18)
	c1 := complaint("TS20261110-0001", at(11, 10, 10), &due1, false)
	complaint("TS20261112-0001", at(11, 12, 10), &due2, false)
	complaint("TS20261113-0001", at(11, 13, 10), nil, true)
	_, err = pool.Exec(ctx, `INSERT INTO complaint_events (complaint_id, step, from_state, to_state, actor_id, version, at)
		VALUES ($1, 'propose', 'handling', 'proposed', $2, 2, $3)`, c1, mgr, at(11, 18, 10))
	must(err)
	var part, location int64
	must(pool.QueryRow(ctx, `SELECT id FROM parts WHERE unit_price > 0 ORDER BY id LIMIT 1`).Scan(&part))
	must(pool.QueryRow(ctx, `SELECT id FROM locations WHERE station_id = $1 AND kind = 'warehouse'`, ds.sh).Scan(&location))
	_, err = pool.Exec(ctx, `INSERT INTO stock_movements (part_id, location_id, quantity, kind, actor_id, at, balance_after)
		VALUES ($1, $2, -3, 'issue', $3, $4, 0), ($1, $2, 1, 'return', $3, $5, 1)`, part, location, mgr, at(11, 5, 10), at(11, 6, 10))
	must(err)
	_, err = pool.Exec(ctx, `INSERT INTO settlements (order_id, amount_fen, method, receipt_no, settled_by, settled_at)
		VALUES ($1, 5000, 'wechat', 'R-1', $2, $3)`, ds.b.ID, mgr, at(11, 3, 11))
	must(err)
	_, err = pool.Exec(ctx, `INSERT INTO order_fee_lines (order_id, kind, fee_item_id, description, quantity, unit_price_fen, amount_fen, chargeable, created_by, created_at)
		VALUES ($1, 'labour', (SELECT id FROM fee_items WHERE code = 'REPAIR'), '故障检修', 1, 10000, 10000, true, $2, $3)`, ds.e.ID, mgr, at(11, 27, 12))
	must(err)
	_, err = pool.Exec(ctx, `UPDATE work_orders SET fees_state = 'pending' WHERE id = $1`, ds.e.ID)
	must(err)

	// An outlet manager at Shanghai.
	var om int64
	must(pool.QueryRow(ctx, `INSERT INTO users (username, display_name, role, station_id, password_hash) VALUES ('sh.manager', '上海站长', 'manager', $1, 'x') RETURNING id`, ds.sh).Scan(&om))
	ds.outletManager = testkit.ActorByID(t, pool, om)
	clock.Set(at(12, 10, 10))
	return ds
}

func month(m time.Month) report.Period {
	return report.PeriodOf(report.Month, at(m, 1, 0), testkit.Shanghai)
}

type want struct {
	key      string
	num, den int64
	value    float64
}

func check(t *testing.T, name string, s report.Set, wants []want) {
	t.Helper()
	for _, w := range wants {
		f := s.Get(w.key)
		if f.Num != w.num || f.Den != w.den || f.Value() != w.value {
			t.Errorf("%s %s = %d/%d (%v), want %d/%d (%v)", name, w.key, f.Num, f.Den, f.Value(), w.num, w.den, w.value)
		}
	}
}

func TestReportFigures(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ctx := context.Background()
	centre := ds.users.Actor("manager")

	p, err := ds.svc.Report(ctx, centre, report.Query{Period: month(time.November)})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int64]report.Set{}
	for _, r := range p.Rows {
		rows[r.Station.ID] = r.Current
	}
	if len(p.Rows) != 3 || rows[ds.sh] == nil || rows[ds.sz] == nil {
		t.Fatalf("rows: %d, want the centre, SH and SZ", len(p.Rows))
	}
	// The breakdown counts every order completed in November by its class: D (completed
	// as paid) and the rest (after-sales, as testkit completes them); shares add to 100.
	var done, paid, after int64
	var shares float64
	for _, c := range p.Breakdown {
		done += c.Count
		shares += c.Share
		switch c.Class {
		case "paid":
			paid = c.Count
		case "after_sales":
			after = c.Count
		}
	}
	if ff := p.Total.Current.Get(report.FirstFix); done != ff.Den || paid != 1 || after != done-1 || (done > 0 && (shares < 99.9 || shares > 100.1)) {
		t.Errorf("breakdown %+v: %d completed (first-fix base %d), paid %d, after-sales %d, shares %.1f", p.Breakdown, done, ff.Den, paid, after, shares)
	}
	sh := rows[ds.sh]
	check(t, "SH", sh, []want{
		{report.Received, 7, 0, 7},            // A–F and the cancelled H
		{report.SLAContact, 5, 6, 83},         // F never contacted; H cancelled
		{report.SLAArrive, 5, 6, 83},          // F never visited
		{report.SLARepair, 4, 5, 80},          // E an hour late
		{report.MedianContact, 30, 5, 30},     // 0, 10, 30, 90, 120
		{report.MedianArrive, 0, 5, 0},        // arrived when logged
		{report.MedianRepair, 0, 5, 0},        // 0, 0, 0, 0, 180
		{report.FirstFix, 3, 5, 60},           // A repeated by F, D waited for parts
		{report.RepeatRate, 1, 6, 16},         // F of A–F
		{report.CallbackRate, 3, 4, 75},       // A, B, C of A–D; E falls due in December
		{report.ScoreOverall, 12, 3, 4},       // 5, 4, 3
		{report.ScoreAttitude, 14, 3, 4.67},   // 5, 5, 4
		{report.ComplaintsPer100, 3, 7, 42.9}, // 3 complaints, 7 orders
		{report.ComplaintsOnTime, 1, 2, 50},   // answered by 20 Nov; not by 25 Nov
		{report.ClaimsPaid, 12345, 1, 12345},
	})
	check(t, "SZ", rows[ds.sz], []want{{report.Received, 1, 0, 1}, {report.SLAContact, 0, 1, 0}, {report.CallbackRate, 0, 0, 0}})
	check(t, "total", p.Total.Current, []want{
		{report.Received, 8, 0, 8}, {report.SLAContact, 5, 7, 71}, {report.CallbackRate, 3, 4, 75},
		{report.ComplaintsPer100, 3, 8, 37.5}, {report.MedianContact, 30, 5, 30},
	})
	check(t, "October", p.Total.Previous, []want{{report.Received, 0, 0, 0}, {report.CallbackRate, 0, 0, 0}})
	if f := p.Total.Current.Get(report.RepeatRate); f.URL == "" {
		t.Error("a figure without its list")
	}

	// Technicians: tech1 did every Shanghai job.
	var tech1 *report.TechRow
	for i := range p.Technicians {
		if p.Technicians[i].Name == ds.users.Actor("tech1").Name {
			tech1 = &p.Technicians[i]
		}
	}
	if tech1 == nil {
		t.Fatalf("no tech1 among %+v", p.Technicians)
	}
	if tech1.Done != 5 || tech1.FirstFix != 3 || tech1.OverallSum != 12 || tech1.OverallN != 3 || tech1.Complaints != 3 ||
		tech1.Repeats != 1 || tech1.Reschedule != 0 || tech1.OnSite() != 36 {
		t.Errorf("tech1: %+v (on site %d)", *tech1, tech1.OnSite())
	}

	// Parts, money.
	var price int64
	if err := ds.pool.QueryRow(ctx, `SELECT round(unit_price * 100)::bigint FROM parts WHERE unit_price > 0 ORDER BY id LIMIT 1`).Scan(&price); err != nil {
		t.Fatal(err)
	}
	if p.Parts.Quantity != 2 || p.Parts.ValueFen != 2*price || len(p.Parts.Top) != 1 {
		t.Errorf("parts: %+v, want 2 × %d fen", p.Parts, price)
	}
	if m := p.Money; m.SettledFen != 5000 || m.SettledCount != 1 || len(m.Settlements) != 1 || m.Settlements[0].Method != "wechat" ||
		m.ReceivableCount != 1 || m.ReceivableFen != 10000 || m.FreeWarranty != 5 || m.FreeRepeat != 0 {
		t.Errorf("money: %+v", m)
	}
	// The trend's last month is November.
	last := p.Trend[len(p.Trend)-1]
	if len(p.Trend) != 12 || last.Received != 8 || last.Contact.Num != 5 || last.Contact.Den != 7 {
		t.Errorf("trend: %+v", last)
	}

	// December: E's callback falls due and is not reached; November is the period before.
	dec, err := ds.svc.Report(ctx, centre, report.Query{Period: month(time.December)})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "December", dec.Total.Current, []want{{report.CallbackRate, 0, 1, 0}, {report.Received, 0, 0, 0}})
	check(t, "December's previous", dec.Total.Previous, []want{{report.CallbackRate, 3, 4, 75}, {report.Received, 8, 0, 8}})
}

// TestCallbackRateAgreesWithTheQueue: the report's callback rate for this month is the
// callback queue's.
func TestCallbackRateAgreesWithTheQueue(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ds.clock.Set(at(11, 30, 17))
	centre := ds.users.Actor("manager")
	q, err := ds.orders.Callbacks(context.Background(), centre, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ds.svc.Report(context.Background(), centre, report.Query{Period: report.PeriodOf(report.Month, ds.clock.Now(), testkit.Shanghai)})
	if err != nil {
		t.Fatal(err)
	}
	f := p.Total.Current.Get(report.CallbackRate)
	if int(f.Num) != q.Stats.Reached || int(f.Den) != q.Stats.Due || int(f.Value()) != q.Stats.Rate || q.Stats.Rate != 75 {
		t.Errorf("report %d/%d = %v, queue %d/%d = %d", f.Num, f.Den, f.Value(), q.Stats.Reached, q.Stats.Due, q.Stats.Rate)
	}
}

func TestReportScope(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ctx := context.Background()
	nov := month(time.November)
	for _, name := range []string{"outlet manager", "supervisor"} {
		a := ds.outletManager
		if name == "supervisor" {
			a = ds.users.Actor("supervisor")
		}
		p, err := ds.svc.Report(ctx, a, report.Query{Period: nov})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Rows) != 0 || len(p.Stations) != 1 || p.Stations[0].ID != ds.sh {
			t.Errorf("%s sees stations %+v and rows %d", name, p.Stations, len(p.Rows))
		}
		check(t, name, p.Total.Current, []want{{report.Received, 7, 0, 7}, {report.SLAContact, 5, 6, 83}})
		for _, tr := range p.Technicians {
			if tr.StationID != ds.sh {
				t.Errorf("%s sees technician %s of another station", name, tr.Name)
			}
		}
		if _, err := ds.svc.Report(ctx, a, report.Query{Period: nov, StationID: ds.sz}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%s asking for Suzhou: %v", name, err)
		}
	}
	p, err := ds.svc.Report(ctx, ds.users.Actor("manager"), report.Query{Period: nov, StationID: ds.sz})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "centre at SZ", p.Total.Current, []want{{report.Received, 1, 0, 1}})
	for _, who := range []string{"tech1", "hotline", "storekeeper", "admin"} {
		if _, err := ds.svc.Report(ctx, ds.users.Actor(who), report.Query{Period: nov}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s: %v, want Forbidden", who, err)
		}
	}
	h, err := ds.svc.Headline(ctx, ds.users.Actor("manager"))
	if err != nil {
		t.Fatal(err)
	}
	check(t, "headline month", h.MonthSet, []want{{report.CallbackRate, 0, 1, 0}})
}

// TestFigureKeysHaveDefinitions: every figure has a name and a definition in both
// catalogs.
func TestFigureKeysHaveDefinitions(t *testing.T) {
	keys := append([]string{}, report.Keys...)
	keys = append(keys, report.TechSection, report.PartsSection, report.MoneySection, report.TrendSection)
	for _, lang := range i18n.Languages {
		c := i18n.Catalog(lang)
		for _, k := range keys {
			for _, key := range []string{"report.figure." + k, "report.def." + k} {
				if _, ok := c[key]; !ok {
					t.Errorf("%s lacks %q", lang, key)
				}
			}
		}
		for _, k := range report.Kinds {
			if _, ok := c["report.kind."+string(k)]; !ok {
				t.Errorf("%s lacks report.kind.%s", lang, k)
			}
		}
	}
}

// TestRollupFollowsChangesAndTime: the report reads its daily roll-up, which follows a
// change made after it was built (a new call) and the passing of a due time with no
// change at all (the new call's contact falls due uncontacted).
func TestRollupFollowsChangesAndTime(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ctx := context.Background()
	centre := ds.users.Actor("manager")
	dec := month(time.December)
	read := func() report.Set {
		t.Helper()
		p, err := ds.svc.Report(ctx, centre, report.Query{Period: dec, StationID: ds.sh})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total.Current
	}
	before := read()
	if f := before.Get(report.Received); f.Num != 0 {
		t.Fatalf("December before the call: %d received", f.Num)
	}
	cust := customer.NewService(ds.pool, ds.clock.Now, testkit.Shanghai)
	hot := ds.users.Actor("hotline")
	c, err := cust.CreateCustomer(ctx, hot, customer.NewCustomer{Name: "十二月新客户", ContactPerson: "王工", Phones: []string{"137 0000 1212"}, Addresses: []string{"上海市闵行区新路3号"}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := ds.orders.Create(ctx, hot, wo.NewOrder{CustomerID: c.ID, Channel: "phone", Symptom: "漏油", Urgency: "normal", ServiceType: "repair"})
	if err != nil {
		t.Fatal(err)
	}
	after := read()
	if f := after.Get(report.Received); f.Num != 1 {
		t.Errorf("after a new call: %d received, want 1", f.Num)
	}
	if f := after.Get(report.SLAContact); f.Den != 0 {
		t.Errorf("contact not yet due: SLA contact %d/%d, want 0/0", f.Num, f.Den)
	}
	ds.clock.Set(o.ContactDueAt.Add(time.Minute))
	if f := read().Get(report.SLAContact); f.Num != 0 || f.Den != 1 {
		t.Errorf("contact due time passed uncontacted: SLA contact %d/%d, want 0/1", f.Num, f.Den)
	}

	// November is past: its page is kept until something it reads changes, such as a
	// complaint logged late about a November day or a part issued then.
	nov := func() report.Set {
		t.Helper()
		p, err := ds.svc.Report(ctx, centre, report.Query{Period: month(time.November), StationID: ds.sh})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total.Current
	}
	complaints := nov().Get(report.ComplaintsPer100).Num
	if again := nov().Get(report.ComplaintsPer100).Num; again != complaints {
		t.Fatalf("the same November twice: %d then %d complaints", complaints, again)
	}
	mgr := testkit.UserID(t, ds.pool, "manager")
	if _, err := ds.pool.Exec(ctx, `INSERT INTO complaints (number, station_id, state, channel, customer_id, category, severity,
		what_happened, created_by, created_at, updated_at)
		VALUES ('TS20261120-0009', $1, 'logged', 'phone', $2, 'quality', 'general', '补登的投诉', $3, $4, $4)`, ds.sh, c.ID, mgr, at(11, 20, 10)); err != nil {
		t.Fatal(err)
	}
	if got := nov().Get(report.ComplaintsPer100).Num; got != complaints+1 {
		t.Errorf("a November complaint logged later: %d complaints, want %d", got, complaints+1)
	}
	// What the kept page shows of now follows now: a fee quoted today is receivable.
	receivable := func() int64 {
		t.Helper()
		p, err := ds.svc.Report(ctx, centre, report.Query{Period: month(time.November), StationID: ds.sh})
		if err != nil {
			t.Fatal(err)
		}
		return p.Money.ReceivableCount
	}
	owed := receivable()
	if _, err := ds.pool.Exec(ctx, `UPDATE work_orders SET fees_state = 'pending' WHERE id = $1`, ds.c.ID); err != nil {
		t.Fatal(err)
	}
	if got := receivable(); got != owed+1 {
		t.Errorf("a fee quoted now: %d receivable, want %d", got, owed+1)
	}
}

// TestRefreshDrainsEveryMark: the background refresh brings every marked station day up
// to date, whichever stations a reader last asked for.
func TestRefreshDrainsEveryMark(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ctx := context.Background()
	if err := ds.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.pool.Exec(ctx, `UPDATE work_orders SET updated_at = updated_at WHERE station_id IN ($1, $2)`, ds.sh, ds.sz); err != nil {
		t.Fatal(err)
	}
	var marked int
	if err := ds.pool.QueryRow(ctx, `SELECT count(*) FROM report_dirty`).Scan(&marked); err != nil || marked == 0 {
		t.Fatalf("a change marked %d rows (%v)", marked, err)
	}
	if err := ds.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ds.pool.QueryRow(ctx, `SELECT count(*) FROM report_dirty`).Scan(&marked); err != nil || marked != 0 {
		t.Errorf("after the refresh %d marks are left (%v)", marked, err)
	}
}
