package fault_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/fault"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	t      *testing.T
	ctx    context.Context
	pool   *pgxpool.Pool
	svc    *fault.Service
	orders *wo.Service
	users  testkit.Users
	call   wo.NewOrder
	clock  *testkit.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Parallel()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock, users: testkit.LoadUsers(t, pool),
		svc: fault.NewService(pool, clock.Now, testkit.Shanghai), orders: wo.NewService(pool, clock.Now, testkit.Shanghai)}
	f.call = wo.NewOrder{Channel: "phone", Symptom: "排气温度高停机", Urgency: "normal", ServiceType: "repair"}
	if err := pool.QueryRow(f.ctx, `SELECT c.id, u.id FROM customers c JOIN stations s ON s.id = c.station_id JOIN units u ON u.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id, u.id LIMIT 1`).Scan(&f.call.CustomerID, &f.call.UnitID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

// job is an order of the Shanghai demo unit being worked on by tech.
func (f *fixture) job(tech string) wo.Order {
	f.t.Helper()
	r := testkit.DemoRoute(f.users, f.call, f.clock.Now)
	r.Technician = f.actor(tech)
	return testkit.OrderIn(f.t, f.orders, r, wo.InProgress, false)
}

func (f *fixture) report(who string, in fault.NewFault) fault.Fault {
	f.t.Helper()
	got, err := f.svc.Report(f.ctx, f.actor(who), in)
	if err != nil {
		f.t.Fatalf("report: %v", err)
	}
	return got
}

func code(err error) apperr.Code {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func pngOf(w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestMajorNotFixedIsOnHQListAtOnce(t *testing.T) {
	f := newFixture(t)
	o := f.job("tech1")
	major := f.report("tech1", fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响后卡死", Severity: "major", Photos: [][]byte{pngOf(40, 30)}})
	minor := f.report("tech1", fault.NewFault{OrderID: o.ID, Assembly: "控制器", Symptom: "显示屏闪烁", Severity: "minor"})
	fixedMajor := f.report("tech1", fault.NewFault{OrderID: o.ID, Assembly: "风机", Symptom: "皮带断裂", Severity: "major", FixedOnSite: true})
	if !major.Escalated || minor.Escalated || fixedMajor.Escalated || len(major.Photos) != 1 || major.Model == "" {
		t.Fatalf("escalation: %+v %+v %+v", major, minor, fixedMajor)
	}
	q, err := f.svc.Quality(f.ctx, f.actor("admin"), 6)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Escalated) != 1 || q.Escalated[0].ID != major.ID {
		t.Fatalf("HQ list: %+v", q.Escalated)
	}
	if len(q.Recent) != 3 || q.Total != 3 {
		t.Fatalf("recent %d total %d", len(q.Recent), q.Total)
	}
	// A station supervisor may not handle the escalated fault; HQ may, to closure.
	if _, err := f.svc.Take(f.ctx, f.actor("supervisor"), major.ID, major.Version, fault.Analyse, fault.Step{Text: "轴承失效"}); code(err) != apperr.Forbidden {
		t.Fatalf("supervisor analyse escalated: %v", err)
	}
	hq := f.actor("admin")
	got := major
	for _, st := range []struct {
		t    fault.Transition
		text string
	}{{fault.Analyse, "轴承批次不良"}, {fault.Measure, "更换供应商批次并发技术通知"}, {fault.Close, ""}} {
		if got, err = f.svc.Take(f.ctx, hq, got.ID, got.Version, st.t, fault.Step{Text: st.text}); err != nil {
			t.Fatalf("%s: %v", st.t, err)
		}
	}
	if got.State != fault.Closed || got.Cause == "" || got.Measure == "" {
		t.Fatalf("closed: %+v", got)
	}
	q, _ = f.svc.Quality(f.ctx, hq, 6)
	if len(q.Escalated) != 0 {
		t.Fatalf("closed fault still on the list")
	}
	// The station's supervisor handles the minor fault; a stale version is a conflict.
	if _, err := f.svc.Take(f.ctx, f.actor("supervisor"), minor.ID, minor.Version+1, fault.Analyse, fault.Step{Text: "x"}); code(err) != apperr.Conflict {
		t.Fatalf("stale: %v", err)
	}
	if _, err := f.svc.Take(f.ctx, f.actor("supervisor"), minor.ID, minor.Version, fault.Measure, fault.Step{Text: "x"}); code(err) != apperr.IllegalTransition {
		t.Fatalf("measure before analyse: %v", err)
	}
	if _, err := f.svc.Take(f.ctx, f.actor("supervisor"), minor.ID, minor.Version, fault.Analyse, fault.Step{}); code(err) != apperr.Invalid {
		t.Fatalf("no cause: %v", err)
	}
	pg, err := f.svc.Page(f.ctx, hq, major.ID)
	if err != nil || len(pg.Events) != 4 || len(pg.Allowed) != 0 {
		t.Fatalf("page: %v %+v", err, pg)
	}
}

func TestScoping(t *testing.T) {
	f := newFixture(t)
	o := f.job("tech1")
	// Another technician may not report on tech1's job, nor see its faults.
	if _, err := f.svc.Report(f.ctx, f.actor("tech2"), fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响", Severity: "minor"}); code(err) != apperr.NotFound {
		t.Fatalf("tech2 report: %v", err)
	}
	if _, err := f.svc.Report(f.ctx, f.actor("hotline"), fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响", Severity: "minor"}); code(err) != apperr.Forbidden {
		t.Fatalf("hotline report: %v", err)
	}
	ft := f.report("supervisor", fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响", Severity: "major"})
	if _, err := f.svc.ByID(f.ctx, f.actor("tech2"), ft.ID); code(err) != apperr.NotFound {
		t.Fatalf("tech2 sees: %v", err)
	}
	if _, err := f.svc.ByID(f.ctx, f.actor("tech1"), ft.ID); err != nil {
		t.Fatalf("tech1: %v", err)
	}
	if _, err := f.svc.ByID(f.ctx, f.actor("sz.supervisor"), ft.ID); code(err) != apperr.NotFound {
		t.Fatalf("other station: %v", err)
	}
	q, err := f.svc.Quality(f.ctx, f.actor("sz.supervisor"), 6)
	if err != nil || len(q.Escalated)+len(q.Recent) != 0 {
		t.Fatalf("other station list: %v %+v", err, q)
	}
	if _, _, err := f.svc.Photo(f.ctx, f.actor("sz.supervisor"), 1, false); code(err) != apperr.NotFound {
		t.Fatalf("photo: %v", err)
	}
	if _, err := f.svc.Quality(f.ctx, f.actor("tech1"), 6); code(err) != apperr.Forbidden {
		t.Fatalf("tech quality: %v", err)
	}
}

func TestRepeatedFormKeyReportsOnce(t *testing.T) {
	f := newFixture(t)
	o := f.job("tech1")
	ctx := db.WithFormKey(f.ctx, "fault-key-0001")
	in := fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响", Severity: "minor"}
	a, err := f.svc.Report(ctx, f.actor("tech1"), in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Report(ctx, f.actor("tech1"), in)
	if err != nil || b.ID != a.ID {
		t.Fatalf("repeat: %v %d %d", err, a.ID, b.ID)
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM faults`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d faults", n)
	}
}

func TestBadInputAndPhotoRefusedByHeader(t *testing.T) {
	f := newFixture(t)
	o := f.job("tech1")
	long := string(bytes.Repeat([]byte("长"), fault.MaxName+1))
	cases := map[string]struct {
		in    fault.NewFault
		field string
	}{
		"no symptom":   {fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Severity: "minor"}, "symptom"},
		"no assembly":  {fault.NewFault{OrderID: o.ID, Symptom: "异响", Severity: "minor"}, "assembly"},
		"bad severity": {fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响", Severity: "fatal"}, "severity"},
		"too long":     {fault.NewFault{OrderID: o.ID, Assembly: long, Symptom: "异响", Severity: "minor"}, "assembly"},
		"not image":    {fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响", Severity: "minor", Photos: [][]byte{[]byte("%PDF-1.4 hello")}}, "photos"},
		"huge pixels":  {fault.NewFault{OrderID: o.ID, Assembly: "压缩机", Symptom: "异响", Severity: "minor", Photos: [][]byte{pngOf(7000, 6000)}}, "photos"},
	}
	for name, c := range cases {
		_, err := f.svc.Report(f.ctx, f.actor("tech1"), c.in)
		ae := apperr.As(err)
		if err == nil || ae.Code != apperr.Invalid || ae.Fields[c.field] == "" {
			t.Errorf("%s: %v", name, err)
		}
		if name == "huge pixels" && ae.Fields["photos"] != "attach.photo_too_many_pixels" {
			t.Errorf("huge pixels: %v", ae.Fields)
		}
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM faults`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d faults saved", n)
	}
}

func TestParetoCounts(t *testing.T) {
	f := newFixture(t)
	o := f.job("tech1")
	for assembly, n := range map[string]int{"压缩机": 5, "控制器": 3, "风机": 2} {
		for i := 0; i < n; i++ {
			f.report("tech1", fault.NewFault{OrderID: o.ID, Assembly: assembly, Symptom: "异响", Severity: "minor"})
		}
	}
	q, err := f.svc.Quality(f.ctx, f.actor("supervisor"), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		a   string
		n   int
		cum float64
	}{{"压缩机", 5, 50}, {"控制器", 3, 80}, {"风机", 2, 100}}
	if len(q.Pareto) != 3 || q.Total != 10 {
		t.Fatalf("pareto: %+v", q.Pareto)
	}
	for i, w := range want {
		r := q.Pareto[i]
		if r.Assembly != w.a || r.Count != w.n || r.Cumulative != w.cum {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	if len(q.PerMonth) != 3 || q.PerMonth[2].Count != 10 {
		t.Errorf("per month: %+v", q.PerMonth)
	}
}

func TestDemoFaults(t *testing.T) {
	t.Parallel()
	pool := testkit.DemoDB(t)
	svc := fault.NewService(pool, testkit.NewClock().Now, testkit.Shanghai)
	q, err := svc.Quality(context.Background(), testkit.Actor(t, pool, "admin"), 6)
	if err != nil {
		t.Fatal(err)
	}
	closed := 0
	for _, f := range q.Recent {
		if f.State == fault.Closed {
			closed++
		}
	}
	if len(q.Escalated) != 1 || closed != 1 {
		t.Fatalf("demo: %d escalated, %d closed of %d", len(q.Escalated), closed, len(q.Recent))
	}
}
