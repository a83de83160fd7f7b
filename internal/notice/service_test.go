package notice_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/notice"
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
	svc    *notice.Service
	users  testkit.Users
	keys   int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.DemoDB(t)
	clock := testkit.NewClock()
	orders := wo.NewService(pool, clock.Now, testkit.Shanghai)
	return &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock, orders: orders,
		svc: notice.NewService(pool, clock.Now, testkit.Shanghai, orders), users: testkit.LoadUsers(t, pool)}
}

// key gives each call its own one-time form key.
func (f *fixture) key() context.Context {
	f.keys++
	return db.WithFormKey(f.ctx, fmt.Sprintf("notice-test-%04d", f.keys))
}

// unit adds a unit of model with serial to a new customer of the station of user.
func (f *fixture) unit(user, model, serial string, made string) int64 {
	f.t.Helper()
	var id int64
	err := f.pool.QueryRow(f.ctx, `WITH c AS (INSERT INTO customers (station_id, name) VALUES ($1, $2) RETURNING id)
		INSERT INTO units (customer_id, brand, model, serial, manufacture_date) SELECT id, '恒温', $3, $4, $5::date FROM c RETURNING id`,
		f.users.Actor(user).StationID, "客户"+serial, model, serial, made).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) issue(in notice.NewNotice) notice.Notice {
	f.t.Helper()
	n, err := f.svc.Issue(f.key(), f.users.Actor("admin"), in, []notice.Upload{{Name: "通知.pdf", Data: []byte("%PDF-1.4\n%test\n")}})
	if err != nil {
		f.t.Fatalf("issue: %v", err)
	}
	return n
}

func serials(units []notice.Unit) []string {
	var out []string
	for _, u := range units {
		out = append(out, u.Serial+":"+u.State)
	}
	return out
}

func TestMatchingBySerialRangeAcrossStationsAndLaterUnits(t *testing.T) {
	f := newFixture(t)
	f.unit("supervisor", "TN-900", "A0100", "2025-03-01")
	f.unit("supervisor", "TN-900", "A0200", "2025-04-01")
	f.unit("sz.supervisor", "TN-900", "A0150", "2025-03-15")
	f.unit("supervisor", "TN-900", "A0300", "2025-05-01") // outside the range
	f.unit("supervisor", "TN-901", "A0120", "2025-03-01") // another model
	n := f.issue(notice.NewNotice{Title: "更换温控阀", Brand: "恒温", Model: "TN-900", SerialFrom: "A0100", SerialTo: "A0200",
		Parts: "温控阀 ×1", Deadline: testkit.Start.AddDate(0, 1, 0)})

	d, err := f.svc.Detail(f.ctx, f.users.Actor("admin"), n.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(serials(d.Units)); got != "[A0100:pending A0200:pending A0150:pending]" {
		t.Errorf("HQ sees %s", got)
	}
	if len(d.Stations) != 2 || d.Total.Total != 3 {
		t.Errorf("stations %+v total %+v", d.Stations, d.Total)
	}
	sh, err := f.svc.Detail(f.ctx, f.users.Actor("supervisor"), n.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(serials(sh.Units)); got != "[A0100:pending A0200:pending]" {
		t.Errorf("the Shanghai supervisor sees %s", got)
	}
	// A unit added later that matches joins the notice.
	f.unit("sz.supervisor", "TN-900", "A0199", "2025-03-20")
	sz, err := f.svc.Detail(f.ctx, f.users.Actor("sz.supervisor"), n.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(serials(sz.Units)); got != "[A0150:pending A0199:pending]" {
		t.Errorf("the Shenzhen supervisor sees %s", got)
	}
	// A supervisor cannot order a unit of another station.
	if _, err := f.svc.CreateOrders(f.key(), f.users.Actor("supervisor"), n.ID, []int64{sz.Units[0].UnitID}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("ordering another station's unit: %v", err)
	}
	// Only headquarters issues.
	if _, err := f.svc.Issue(f.key(), f.users.Actor("manager"), notice.NewNotice{Title: "x", Model: "TN-900", SerialFrom: "A", Deadline: testkit.Start}, nil); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a centre manager issued: %v", err)
	}
}

func TestMatchingByDateRangeAndList(t *testing.T) {
	f := newFixture(t)
	f.unit("supervisor", "TN-700", "B1", "2024-01-10")
	f.unit("supervisor", "TN-700", "B2", "2024-06-10")
	f.unit("supervisor", "TN-700", "B3", "2024-12-10")
	byDate := f.issue(notice.NewNotice{Title: "日期", Model: "TN-700", MadeFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		MadeTo: time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC), Deadline: testkit.Start.AddDate(0, 1, 0)})
	byList := f.issue(notice.NewNotice{Title: "清单", Model: "TN-700", Serials: "B3\nB1, B9", Deadline: testkit.Start.AddDate(0, 1, 0)})
	for _, c := range []struct {
		n    notice.Notice
		want string
	}{{byDate, "[B1:pending B2:pending]"}, {byList, "[B1:pending B3:pending]"}} {
		d, err := f.svc.Detail(f.ctx, f.users.Actor("supervisor"), c.n.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(serials(d.Units)); got != c.want {
			t.Errorf("%s: %s, want %s", c.n.Title, got, c.want)
		}
	}
	if _, err := f.svc.Issue(f.key(), f.users.Actor("admin"), notice.NewNotice{Title: "无范围", Model: "TN-700", Deadline: testkit.Start}, nil); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("a notice without a range: %v", err)
	}
	if _, err := f.svc.Issue(f.key(), f.users.Actor("admin"), notice.NewNotice{Title: "假PDF", Model: "TN-700", SerialFrom: "B", Deadline: testkit.Start},
		[]notice.Upload{{Name: "x.pdf", Data: []byte("MZ not a pdf")}}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("a document that is not PDF: %v", err)
	}
}

func TestExecutingUnableAndClosing(t *testing.T) {
	f := newFixture(t)
	a := f.unit("supervisor", "TN-500", "C1", "2025-01-01")
	b := f.unit("supervisor", "TN-500", "C2", "2025-01-01")
	n := f.issue(notice.NewNotice{Title: "执行", Model: "TN-500", Serials: "C1 C2", Parts: "密封圈 ×2", Deadline: testkit.Start.AddDate(0, 0, 7)})
	sup := f.users.Actor("supervisor")

	if err := f.svc.MarkUnable(f.key(), sup, n.ID, b, "", "无"); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("unable without a reason: %v", err)
	}
	if err := f.svc.MarkUnable(f.key(), sup, n.ID, b, "environment", "现场关闭"); err != nil {
		t.Fatal(err)
	}
	numbers, err := f.svc.CreateOrders(f.key(), sup, n.ID, []int64{a})
	if err != nil || len(numbers) != 1 {
		t.Fatalf("create orders: %v %v", numbers, err)
	}
	if _, err := f.svc.CreateOrders(f.key(), sup, n.ID, []int64{a}); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("a second order for the unit: %v", err)
	}
	var orderID int64
	var typ, parts string
	if err := f.pool.QueryRow(f.ctx, `SELECT o.id, o.service_type, o.parts_needed FROM work_orders o WHERE o.number = $1`, numbers[0]).Scan(&orderID, &typ, &parts); err != nil {
		t.Fatal(err)
	}
	if typ != "notice" || parts != "密封圈 ×2" {
		t.Errorf("order type %q parts %q", typ, parts)
	}
	admin := f.users.Actor("admin")
	d, _ := f.svc.Detail(f.ctx, admin, n.ID, 0)
	if err := f.svc.Close(f.key(), admin, n.ID, d.Notice.Version, ""); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("closing with a unit executing: %v", err)
	}

	// The order goes its normal way; its completion executes the unit.
	o, err := f.orders.OrderByID(f.ctx, sup, orderID)
	if err != nil {
		t.Fatal(err)
	}
	hot, tech := f.users.Actor("hotline"), f.users.Actor("tech1")
	step := func(o wo.Order, err error) wo.Order {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o = step(f.orders.Forward(f.ctx, hot, o.ID, o.Version, ""))
	o = step(f.orders.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "批次缺陷", RepairPlan: "更换密封圈", ServiceMode: "onsite", Complexity: "simple", PartsNeeded: o.PartsNeeded}))
	o = step(f.orders.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, ""))
	start := f.clock.Now().Add(2 * time.Hour)
	o = step(f.orders.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(time.Hour), ""))
	o = step(f.orders.CheckIn(f.ctx, tech, o.ID, o.Version))
	step(f.orders.Complete(f.ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "按通知执行", FaultCause: "批次缺陷", ActionsTaken: "更换密封圈",
		FieldClass: "after_sales", TestRun: "done", Signature: demo.Signature()}))

	d, err = f.svc.Detail(f.ctx, admin, n.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(serials(d.Units)); got != "[C1:executed C2:unable]" {
		t.Errorf("units %s", got)
	}
	if !d.Closeable {
		t.Error("the notice is not closeable with every unit executed or unable")
	}
	if err := f.svc.Close(f.key(), sup, n.ID, d.Notice.Version, ""); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a supervisor closed: %v", err)
	}
	if err := f.svc.Close(f.key(), admin, n.ID, d.Notice.Version, "全部处理完毕"); err != nil {
		t.Fatal(err)
	}
	var closes int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM notice_events WHERE notice_id = $1 AND step = 'close'`, n.ID).Scan(&closes); err != nil || closes != 1 {
		t.Errorf("close events %d %v", closes, err)
	}
	if err := f.svc.MarkUnable(f.key(), sup, n.ID, a, "man", "x"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("changing a closed notice: %v", err)
	}
}
