package dailyreport_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/dailyreport"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
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
	svc    *dailyreport.Service
	orders *wo.Service
	users  testkit.Users
	call   wo.NewOrder
}

// newFixture is the demo stations and users without orders, the clock at Monday
// 2026-11-23 10:00 in Shanghai.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock, users: testkit.LoadUsers(t, pool),
		svc: dailyreport.NewService(pool, clock.Now, testkit.Shanghai), orders: wo.NewService(pool, clock.Now, testkit.Shanghai)}
	f.call = wo.NewOrder{Channel: "phone", Symptom: "排气温度高停机", Urgency: "normal", ServiceType: "repair"}
	err := pool.QueryRow(f.ctx, `SELECT c.id, u.id FROM customers c JOIN stations s ON s.id = c.station_id JOIN units u ON u.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id, u.id LIMIT 1`).Scan(&f.call.CustomerID, &f.call.UnitID)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

// scheduled is an order booked for tech, the appointment two hours after the clock.
func (f *fixture) scheduled(tech string) wo.Order {
	f.t.Helper()
	r := testkit.DemoRoute(f.users, f.call, f.clock.Now)
	r.Technician = f.actor(tech)
	return testkit.OrderIn(f.t, f.orders, r, wo.Scheduled, false)
}

func (f *fixture) at(hour, min int) time.Time {
	return time.Date(2026, 11, 23, hour, min, 0, 0, testkit.Shanghai)
}

func (f *fixture) must(o wo.Order, err error) wo.Order {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

func keyed(ctx context.Context, key string) context.Context { return db.WithFormKey(ctx, key) }

func TestPrefillIsTheDaysEventsOfTheTechnician(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech, other := f.actor("tech1"), f.actor("tech2")
	// Three jobs booked for tech1 at 12:00, 12:10, 12:20 (made in reverse so that id
	// order is not appointment order), one for tech2 at 12:30.
	f.clock.Set(f.at(10, 20))
	c := f.scheduled("tech1")
	f.clock.Set(f.at(10, 10))
	b := f.scheduled("tech1")
	f.clock.Set(f.at(10, 0))
	a := f.scheduled("tech1")
	f.clock.Set(f.at(10, 30))
	d := f.scheduled("tech2")

	f.clock.Set(f.at(12, 0))
	a = f.must(f.orders.CheckIn(f.ctx, tech, a.ID, a.Version))
	f.clock.Set(f.at(12, 45))
	a = f.must(f.orders.Complete(f.ctx, tech, a.ID, a.Version, wo.Report{Diagnosis: "温控阀卡滞", FaultCause: "阀芯磨损", ActionsTaken: "更换温控阀",
		FieldClass: "after_sales", TestRun: "done", Signature: demo.Signature()}))
	f.clock.Set(f.at(13, 5))
	b = f.must(f.orders.CheckIn(f.ctx, tech, b.ID, b.Version))
	f.clock.Set(f.at(13, 35))
	f.must(f.orders.AwaitParts(f.ctx, tech, b.ID, b.Version, "进气阀 ×1"))
	f.clock.Set(f.at(14, 0))
	d = f.must(f.orders.CheckIn(f.ctx, other, d.ID, d.Version))
	// A part recorded on the completed job.
	if _, err := f.pool.Exec(f.ctx, `INSERT INTO order_parts_used (order_id, part_id, quantity) SELECT $1, id, 2 FROM parts ORDER BY code LIMIT 1`, a.ID); err != nil {
		t.Fatal(err)
	}
	var code string
	_ = f.pool.QueryRow(f.ctx, `SELECT code FROM parts ORDER BY code LIMIT 1`).Scan(&code)

	facts, err := dailyreport.Prefill(f.ctx, f.pool, tech.UserID, f.at(0, 0), testkit.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range facts.Jobs {
		got = append(got, j.Number)
	}
	if want := []string{a.Number, b.Number, c.Number}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("jobs %v, want %v in appointment order", got, want)
	}
	ja, jb, jc := facts.Jobs[0], facts.Jobs[1], facts.Jobs[2]
	if ja.CheckedInAt == nil || !ja.CheckedInAt.Equal(f.at(12, 0)) || ja.CompletedAt == nil || !ja.CompletedAt.Equal(f.at(12, 45)) || ja.OnSiteMinutes != 45 {
		t.Errorf("job a: %+v", ja)
	}
	if jb.AwaitingPartsAt == nil || jb.MissingParts != "进气阀 ×1" || jb.OnSiteMinutes != 30 || jb.CompletedAt != nil {
		t.Errorf("job b: %+v", jb)
	}
	if jc.CheckedInAt != nil || jc.AppointmentStart == nil {
		t.Errorf("job c is booked, not visited: %+v", jc)
	}
	if facts.CheckedIn != 2 || facts.Completed != 1 || facts.AwaitingParts != 1 || facts.Workshop != 0 || facts.OnSiteMinutes != 75 {
		t.Errorf("counts %+v", facts)
	}
	if len(facts.Legs) != 1 || facts.Legs[0].Minutes != 20 || !strings.HasPrefix(facts.Legs[0].From, a.Number) || !strings.HasPrefix(facts.Legs[0].To, b.Number) {
		t.Errorf("legs %+v", facts.Legs)
	}
	if len(facts.Parts) != 1 || facts.Parts[0].Number != a.Number || facts.Parts[0].Code != code || facts.Parts[0].Quantity != 2 {
		t.Errorf("parts %+v", facts.Parts)
	}
	// tech2's day is their own job only; the next day tech1 has nothing.
	facts2, err := dailyreport.Prefill(f.ctx, f.pool, other.UserID, f.at(0, 0), testkit.Shanghai)
	if err != nil || len(facts2.Jobs) != 1 || facts2.Jobs[0].Number != d.Number || facts2.CheckedIn != 1 {
		t.Errorf("tech2's facts %+v (%v)", facts2, err)
	}
	next, err := dailyreport.Prefill(f.ctx, f.pool, tech.UserID, f.at(0, 0).AddDate(0, 0, 1), testkit.Shanghai)
	if err != nil || next.HadJobs() {
		t.Errorf("the next day %+v (%v)", next, err)
	}

	// The submitted report keeps the facts as they were.
	f.clock.Set(f.at(18, 0))
	r, err := f.svc.Submit(f.ctx, tech, f.at(0, 0), 0, dailyreport.Entry{Difficulties: "进气阀缺货"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Get(f.ctx, tech, r.ID)
	if err != nil || len(p.Latest().Facts.Jobs) != 3 || p.Latest().Facts.Completed != 1 {
		t.Errorf("stored facts %+v (%v)", p.Latest().Facts, err)
	}
}

func TestSubmitCorrectsWithANewRevisionKeepingHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech, sup := f.actor("tech1"), f.actor("supervisor")
	f.clock.Set(f.at(18, 0))
	r, err := f.svc.Submit(f.ctx, tech, f.at(0, 0), 0, dailyreport.Entry{Difficulties: "客户现场无电", Feedback: "客户希望提前电话",
		Leads: []dailyreport.Lead{{Customer: "张江精密五金厂", What: "想加一台 GA22", Contact: "王经理 13900001111"}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != 1 || r.Version != 1 {
		t.Fatalf("first submission %+v", r)
	}
	if _, err := f.svc.Submit(f.ctx, tech, f.at(0, 0), 0, dailyreport.Entry{Remarks: "again"}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("a second first submission: %v", err)
	}
	r, err = f.svc.Review(f.ctx, sup, r.ID, r.Version, "")
	if err != nil || r.ReviewedAt == nil {
		t.Fatalf("review: %+v %v", r, err)
	}
	f.clock.Set(f.at(19, 0))
	r, err = f.svc.Submit(f.ctx, tech, f.at(0, 0), r.Version, dailyreport.Entry{Difficulties: "客户现场停电两小时", Feedback: "客户希望提前电话"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != 2 || r.ReviewedAt != nil {
		t.Errorf("a correction is revision 2 and needs review again: %+v", r)
	}
	p, err := f.svc.Get(f.ctx, sup, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Revisions) != 2 || p.Revisions[0].Entry.Difficulties != "客户现场停电两小时" || p.Revisions[1].Entry.Difficulties != "客户现场无电" ||
		len(p.Revisions[1].Entry.Leads) != 1 || p.Revisions[1].Entry.Leads[0].Customer != "张江精密五金厂" || len(p.Revisions[0].Entry.Leads) != 0 {
		t.Errorf("revisions %+v", p.Revisions)
	}
	if len(p.Events) != 3 {
		t.Errorf("events %+v", p.Events)
	}
	// A stale form is refused; nothing is lost.
	if _, err := f.svc.Comment(f.ctx, sup, r.ID, r.Version-1, "好"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("stale comment: %v", err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE daily_report_revisions SET remarks = 'x'`); err == nil {
		t.Error("revisions can be changed")
	}
}

func TestMissingAfterTheConfiguredTimeForTechniciansWithJobs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sup, mgr, tech := f.actor("supervisor"), f.actor("manager"), f.actor("tech1")
	f.scheduled("tech1") // booked for 12:00 today; tech2 has nothing
	names := func(rows []dailyreport.Row) string {
		var n []string
		for _, r := range rows {
			n = append(n, r.TechnicianName)
		}
		return strings.Join(n, ",")
	}
	missing := func(a auth.Actor) string {
		t.Helper()
		rows, err := f.svc.Missing(f.ctx, a, f.at(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		return names(rows)
	}
	f.clock.Set(f.at(19, 59))
	if m := missing(sup); m != "" {
		t.Errorf("missing before 20:00: %q", m)
	}
	f.clock.Set(f.at(20, 0))
	if m := missing(sup); m != "张伟" {
		t.Errorf("missing at 20:00: %q", m)
	}
	if m := missing(mgr); m != "张伟" {
		t.Errorf("missing for the centre's manager: %q", m)
	}
	if m := missing(f.actor("sz.supervisor")); m != "" {
		t.Errorf("missing for another station: %q", m)
	}
	// The centre's manager sets 18:00; Shanghai inherits it.
	if err := f.svc.SaveRules(f.ctx, mgr, "18:00"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SaveRules(f.ctx, mgr, "25:00"); apperr.As(err).Fields["missing_after"] != "daily.field.time_invalid" {
		t.Errorf("a bad time: %v", err)
	}
	if err := f.svc.SaveRules(f.ctx, sup, "18:00"); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a supervisor sets the time: %v", err)
	}
	f.clock.Set(f.at(18, 0))
	if m := missing(sup); m != "张伟" {
		t.Errorf("missing at 18:00 after the change: %q", m)
	}
	// The board's read of yesterday and today takes the inherited time too.
	if rows, err := f.svc.MissingRecent(f.ctx, sup); err != nil || names(rows) != "张伟" {
		t.Errorf("yesterday and today at 18:00 after the change: %q %v", names(rows), err)
	}
	// Still missing the next morning, until submitted.
	f.clock.Set(f.at(8, 0).AddDate(0, 0, 1))
	rows, err := f.svc.MissingRecent(f.ctx, sup)
	if err != nil || names(rows) != "张伟" {
		t.Errorf("the next morning: %q %v", names(rows), err)
	}
	if _, err := f.svc.Submit(f.ctx, tech, f.at(0, 0), 0, dailyreport.Entry{Remarks: "补交"}); err != nil {
		t.Fatal(err)
	}
	if m := missing(sup); m != "" {
		t.Errorf("missing after submitting: %q", m)
	}
	l, err := f.svc.List(f.ctx, sup, f.at(0, 0), 0)
	if err != nil || len(l.Rows) != 1 || l.Rows[0].ReportID == 0 {
		t.Errorf("list %+v %v", l, err)
	}
}

func TestScopeRolesAndFormKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech, sup := f.actor("tech1"), f.actor("supervisor")
	f.clock.Set(f.at(18, 0))
	ctx := keyed(f.ctx, "daily-key-0001")
	r, err := f.svc.Submit(ctx, tech, f.at(0, 0), 0, dailyreport.Entry{Remarks: "一切正常"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Submit(ctx, tech, f.at(0, 0), 0, dailyreport.Entry{Remarks: "一切正常"})
	if err != nil || again.ID != r.ID || again.Revision != 1 {
		t.Fatalf("the repeated form: %+v %v", again, err)
	}
	for _, name := range []string{"tech2", "sz.supervisor", "sz.tech", "hotline", "storekeeper"} {
		if _, err := f.svc.Get(f.ctx, f.actor(name), r.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%s reads tech1's report: %v", name, err)
		}
		if _, err := f.svc.Comment(f.ctx, f.actor(name), r.ID, r.Version, "看过"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%s comments tech1's report: %v", name, err)
		}
	}
	for _, name := range []string{"tech1", "supervisor", "manager"} {
		if _, err := f.svc.Get(f.ctx, f.actor(name), r.ID); err != nil {
			t.Errorf("%s cannot read the report: %v", name, err)
		}
	}
	if _, err := f.svc.Comment(f.ctx, tech, r.ID, r.Version, "我自己评"); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("the technician comments: %v", err)
	}
	if _, err := f.svc.Submit(f.ctx, sup, f.at(0, 0), 0, dailyreport.Entry{}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a supervisor submits: %v", err)
	}
	cctx := keyed(f.ctx, "daily-key-0002")
	c1, err := f.svc.Comment(cctx, sup, r.ID, r.Version, "请补充客户反馈")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := f.svc.Comment(cctx, sup, r.ID, r.Version, "请补充客户反馈")
	if err != nil || c2.Version != c1.Version {
		t.Errorf("the repeated comment: %+v %v", c2, err)
	}
	p, _ := f.svc.Get(f.ctx, sup, r.ID)
	if len(p.Events) != 2 || p.Comment != "请补充客户反馈" || p.CommentedByName != "李志强" {
		t.Errorf("after one comment: %+v", p)
	}
	l, err := f.svc.List(f.ctx, f.actor("tech2"), f.at(0, 0), 0)
	if err != nil || len(l.Rows) != 0 {
		t.Errorf("tech2 lists %+v %v", l.Rows, err)
	}
}

func TestBadInputIsRefusedWithMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech, sup := f.actor("tech1"), f.actor("supervisor")
	f.clock.Set(f.at(18, 0))
	fields := func(_ dailyreport.Report, err error) map[string]string {
		t.Helper()
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("want Invalid, got %v", err)
		}
		return apperr.As(err).Fields
	}
	long := strings.Repeat("长", 1001)
	fl := fields(f.svc.Submit(f.ctx, tech, f.at(0, 0), 0, dailyreport.Entry{Difficulties: long,
		Leads: []dailyreport.Lead{{What: "空压机"}, {Customer: "某厂", What: strings.Repeat("x", 501)}}}))
	if fl["difficulties"] != "field.max.1000" || fl["lead_customer_0"] != "daily.field.lead_customer_required" || fl["lead_what_1"] != "field.max.500" {
		t.Errorf("fields %v", fl)
	}
	fl = fields(f.svc.Submit(f.ctx, tech, f.at(0, 0).AddDate(0, 0, 1), 0, dailyreport.Entry{}))
	if fl["day"] != "daily.field.day_invalid" {
		t.Errorf("a day ahead: %v", fl)
	}
	r, err := f.svc.Submit(f.ctx, tech, f.at(0, 0), 0, dailyreport.Entry{})
	if err != nil {
		t.Fatal(err)
	}
	if fl := fields(f.svc.Comment(f.ctx, sup, r.ID, r.Version, "  ")); fl["comment"] != "daily.field.comment_required" {
		t.Errorf("empty comment: %v", fl)
	}
	if fl := fields(f.svc.Review(f.ctx, sup, r.ID, r.Version, strings.Repeat("评", 501))); fl["comment"] != "field.max.500" {
		t.Errorf("long review comment: %v", fl)
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	loc := testkit.Shanghai
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, loc)
	if d := dailyreport.Deadline(dailyreport.DefaultRules, day, loc); !d.Equal(time.Date(2026, 11, 23, 20, 0, 0, 0, loc)) {
		t.Errorf("deadline %v", d)
	}
	// 23:30 UTC is the next morning in Shanghai.
	if d := dailyreport.DayOf(time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC), loc); !d.Equal(day.AddDate(0, 0, 1)) {
		t.Errorf("day of %v", d)
	}
	if m, ok := dailyreport.ParseClock("07:45"); !ok || m != 465 || (dailyreport.Rules{MissingAfter: m}).Clock() != "07:45" {
		t.Errorf("clock %d %v", m, ok)
	}
	if dailyreport.Missing(dailyreport.DefaultRules, day, loc, false, false, day.Add(23*time.Hour)) {
		t.Error("missing without jobs")
	}
}
