package complaint_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/textlimit"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	clock *testkit.Clock
	svc   *complaint.Service
	users testkit.Users
	// a closed Shanghai order, its customer, unit and technician
	orderID, customerID, unitID, techID int64
	// before counts the demo's complaints, so a test counts only its own
	before int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.DemoDB(t)
	clock := testkit.NewClock()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock,
		svc: complaint.NewService(pool, clock.Now, testkit.Shanghai), users: testkit.LoadUsers(t, pool)}
	err := pool.QueryRow(f.ctx, `SELECT o.id, o.customer_id, o.unit_id, o.assignee_id FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state = 'closed' AND o.unit_id IS NOT NULL AND o.assignee_id IS NOT NULL ORDER BY o.id LIMIT 1`).
		Scan(&f.orderID, &f.customerID, &f.unitID, &f.techID)
	if err != nil {
		t.Fatal(err)
	}
	// The demo's complaints about this customer would make the test's first one a repeat.
	if _, err := pool.Exec(f.ctx, `UPDATE complaints SET created_at = created_at - interval '60 days' WHERE customer_id = $1`, f.customerID); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(f.ctx, `SELECT count(*) FROM complaints`).Scan(&f.before); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

// keyed gives the call its own one-time form key.
func keyed(ctx context.Context, key string) context.Context { return db.WithFormKey(ctx, key) }

func (f *fixture) log(in complaint.NewComplaint) complaint.Complaint {
	f.t.Helper()
	c, err := f.svc.Create(f.ctx, f.actor("hotline"), in)
	if err != nil {
		f.t.Fatalf("log: %v", err)
	}
	return c
}

func (f *fixture) about() complaint.NewComplaint {
	return complaint.NewComplaint{CustomerID: f.customerID, Channel: "phone", UnitID: f.unitID, OrderIDs: []int64{f.orderID},
		TechnicianID: f.techID, Category: "attitude", Severity: "important", WhatHappened: "技术员上门态度差，未清理现场", CustomerAsks: "道歉并重新检查"}
}

func (f *fixture) ok(c complaint.Complaint, err error) complaint.Complaint {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// TestComplaintFromCallToClosure runs a complaint through every step: logged about a
// closed order's technician, assigned, investigated by the responsible person, a result
// not accepted and handled again, accepted, closed; the log says who did what.
func TestComplaintFromCallToClosure(t *testing.T) {
	f := newFixture(t)
	c := f.log(f.about())
	if c.State != complaint.Logged || c.Number == "" || len(c.Orders) != 1 || c.Orders[0].ID != f.orderID || c.TechnicianName == "" || c.ContactPhone == "" {
		t.Fatalf("logged: %+v", c)
	}
	sup := f.actor("supervisor")
	c = f.ok(f.svc.Assign(f.ctx, f.actor("manager"), c.ID, c.Version, complaint.Assignment{ResponsibleID: sup.UserID}))
	// Important: 3 working days from Monday 10:00.
	if want := testkit.Start.AddDate(0, 0, 3); c.State != complaint.Assigned || c.DueAt == nil || !c.DueAt.Equal(want) {
		t.Fatalf("assigned: %s due %v, want %v", c.State, c.DueAt, want)
	}
	// The hotline cannot investigate; the responsible supervisor can (as responsible).
	if _, err := f.svc.Investigate(f.ctx, f.actor("hotline"), c.ID, c.Version, complaint.Findings{Investigation: "x"}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("hotline investigates: %v", err)
	}
	if _, err := f.svc.Propose(f.ctx, sup, c.ID, c.Version, "赔礼道歉"); apperr.CodeOf(err) != apperr.IllegalTransition {
		t.Fatalf("propose before investigating: %v", err)
	}
	c = f.ok(f.svc.Investigate(f.ctx, sup, c.ID, c.Version, complaint.Findings{Investigation: "电话询问张伟，承认未清理", Cause: "未按规范清理现场", Responsibility: "维修工程师"}))
	c = f.ok(f.svc.Propose(f.ctx, sup, c.ID, c.Version, "上门道歉，免费保养一次"))
	c = f.ok(f.svc.Inform(f.ctx, f.actor("hotline"), c.ID, c.Version, complaint.Reply{How: "phone", Note: "客户要求更换技术员"}))
	if c.State != complaint.Handling || c.Rejections != 1 {
		t.Fatalf("not accepted: %s %d", c.State, c.Rejections)
	}
	c = f.ok(f.svc.Propose(f.ctx, sup, c.ID, c.Version, "上门道歉，更换技术员，免费保养一次"))
	c = f.ok(f.svc.Inform(f.ctx, f.actor("hotline"), c.ID, c.Version, complaint.Reply{Accepted: true, How: "phone"}))
	if _, err := f.svc.Close(f.ctx, f.actor("hotline"), c.ID, c.Version, ""); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("hotline closes: %v", err)
	}
	c = f.ok(f.svc.Close(f.ctx, f.actor("manager"), c.ID, c.Version, "结案"))
	if c.State != complaint.Closed || c.ClosedAt == nil {
		t.Fatalf("closed: %+v", c)
	}
	p, err := f.svc.Page(f.ctx, f.actor("manager"), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range p.Timeline {
		steps = append(steps, e.Step+":"+e.ActorName)
	}
	want := []string{"log:陈晓燕", "assign:王建国", "investigate:李志强", "propose:李志强", "not_accept:陈晓燕", "propose:李志强", "accept:陈晓燕", "close:王建国"}
	if len(steps) != len(want) {
		t.Fatalf("timeline %v", steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("timeline %v, want %v", steps, want)
			break
		}
	}
	if len(p.Steps) != 0 {
		t.Errorf("a closed complaint offers %v", p.Steps)
	}
	// It shows on the order, customer, unit and technician.
	for _, concern := range []complaint.Concern{{OrderID: f.orderID}, {CustomerID: f.customerID}, {UnitID: f.unitID}, {TechnicianID: f.techID}} {
		got, err := f.svc.Concerning(f.ctx, f.actor("hotline"), concern)
		if err != nil || !slices.ContainsFunc(got, func(m complaint.Summary) bool { return m.ID == c.ID }) {
			t.Errorf("concerning %+v: %v %v", concern, got, err)
		}
	}
	// A stale page's step is refused and changes nothing.
	if _, err := f.svc.Close(f.ctx, f.actor("manager"), c.ID, c.Version-1, ""); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("stale: %v", err)
	}
}

// TestComplaintScope: another station's user, and a technician who is not responsible,
// get not-found; the responsible technician sees it.
func TestComplaintScope(t *testing.T) {
	f := newFixture(t)
	c := f.log(f.about())
	for _, who := range []string{"sz.hotline", "sz.supervisor", "tech1", "tech2", "storekeeper"} {
		if _, err := f.svc.Page(f.ctx, f.actor(who), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%s: %v", who, err)
		}
		if _, err := f.svc.Withdraw(f.ctx, f.actor(who), c.ID, c.Version, "x"); apperr.CodeOf(err) != apperr.NotFound && apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s withdraws: %v", who, err)
		}
		l, err := f.svc.List(f.ctx, f.actor(who), complaint.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range l.Complaints {
			if x.ID == c.ID || x.StationID == c.StationID && !f.actor(who).Sees(x.StationID) {
				t.Errorf("%s lists %s", who, x.Number)
			}
		}
	}
	tech2 := f.actor("tech2")
	c = f.ok(f.svc.Assign(f.ctx, f.actor("supervisor"), c.ID, c.Version, complaint.Assignment{ResponsibleID: tech2.UserID}))
	p, err := f.svc.Page(f.ctx, tech2, c.ID)
	if err != nil || !p.May(complaint.Investigate) || p.May(complaint.Reassign) {
		t.Fatalf("the responsible technician: %v %v", p.Steps, err)
	}
	if _, err := f.svc.Page(f.ctx, f.actor("tech1"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("tech1 after assignment: %v", err)
	}
	// A customer of another station is refused with a field message, nothing written.
	var szCustomer int64
	if err := f.pool.QueryRow(f.ctx, `SELECT c.id FROM customers c JOIN stations s ON s.id = c.station_id WHERE s.code = 'SZ' LIMIT 1`).Scan(&szCustomer); err != nil {
		t.Fatal(err)
	}
	in := f.about()
	in.CustomerID, in.UnitID, in.OrderIDs, in.TechnicianID = szCustomer, 0, nil, 0
	_, err = f.svc.Create(f.ctx, f.actor("hotline"), in)
	if e := apperr.As(err); err == nil || e.Fields["customer_id"] != "complaint.field.customer_not_found" {
		t.Errorf("another station's customer: %v", err)
	}
	f.count(1)
}

func (f *fixture) count(want int) {
	f.t.Helper()
	var n, e int
	if err := f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM complaint_events)`).Scan(&n, &e); err != nil {
		f.t.Fatal(err)
	}
	if n-f.before != want {
		f.t.Errorf("%d new complaints, want %d (%d events in all)", n-f.before, want, e)
	}
}

// TestDeadlineAndEscalation: assigned on a Friday afternoon, a major complaint is due the
// next working day (Monday), not Saturday; past it, it is overdue for every manager above
// the station and nobody at another station, until a result is proposed.
func TestDeadlineAndEscalation(t *testing.T) {
	f := newFixture(t)
	friday := time.Date(2026, 11, 27, 16, 0, 0, 0, testkit.Shanghai)
	f.clock.Set(friday)
	in := f.about()
	in.Severity = "major"
	c := f.log(in)
	sup := f.actor("supervisor")
	c = f.ok(f.svc.Assign(f.ctx, f.actor("manager"), c.ID, c.Version, complaint.Assignment{ResponsibleID: sup.UserID}))
	if want := time.Date(2026, 11, 30, 16, 0, 0, 0, testkit.Shanghai); !c.DueAt.Equal(want) {
		t.Fatalf("due %v, want Monday %v", c.DueAt, want)
	}
	listed := func(who string) bool {
		t.Helper()
		n, err := f.svc.HomeCounts(f.ctx, f.actor(who))
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(n.OverdueList, func(x complaint.Complaint) bool { return x.ID == c.ID })
	}
	f.clock.Set(time.Date(2026, 11, 29, 12, 0, 0, 0, testkit.Shanghai)) // Sunday
	if listed("manager") {
		t.Error("overdue on Sunday")
	}
	f.clock.Set(time.Date(2026, 11, 30, 16, 1, 0, 0, testkit.Shanghai))
	if !listed("manager") || !listed("supervisor") {
		t.Error("Monday after the deadline: not escalated to the centre manager and the station")
	}
	if listed("sz.supervisor") {
		t.Error("another station sees it")
	}
	l, err := f.svc.List(f.ctx, f.actor("manager"), complaint.Filter{Overdue: true})
	if err != nil || !slices.ContainsFunc(l.Complaints, func(x complaint.Complaint) bool { return x.ID == c.ID }) {
		t.Errorf("overdue filter: %v", err)
	}
	c = f.ok(f.svc.Investigate(f.ctx, sup, c.ID, c.Version, complaint.Findings{Investigation: "查明", Cause: "配件延误"}))
	c = f.ok(f.svc.Propose(f.ctx, sup, c.ID, c.Version, "补偿"))
	if listed("manager") {
		t.Error("handled, still overdue")
	}
	_ = c
}

// TestClaimApprovalLimits: above the station's limit only a manager of a centre or
// headquarters approves; never more than claimed; nothing for an invalid claim; a claim
// closes once paid.
func TestClaimApprovalLimits(t *testing.T) {
	f := newFixture(t)
	var sh int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM stations WHERE code = 'SH'`).Scan(&sh); err != nil {
		t.Fatal(err)
	}
	authSvc := auth.NewService(f.pool, f.clock.Now)
	u, err := authSvc.AddUser(f.ctx, auth.NewUser{Username: "sh.manager", DisplayName: "钱站长", Role: auth.RoleManager, StationID: sh, Password: demo.Password})
	if err != nil {
		t.Fatal(err)
	}
	outlet := testkit.ActorByID(t, f.pool, u.ID)
	in := f.about()
	in.IsClaim, in.ClaimAmount, in.Category = true, "8,000.50", "quality"
	c := f.log(in)
	if c.ClaimFen == nil || *c.ClaimFen != 800050 {
		t.Fatalf("claimed %v", c.ClaimFen)
	}
	c = f.ok(f.svc.Assign(f.ctx, outlet, c.ID, c.Version, complaint.Assignment{ResponsibleID: outlet.UserID}))
	c = f.ok(f.svc.Investigate(f.ctx, outlet, c.ID, c.Version, complaint.Findings{Investigation: "检测报告", Cause: "维修质量问题"}))
	if _, err := f.svc.Approve(f.ctx, outlet, c.ID, c.Version, "100"); apperr.CodeOf(err) != apperr.IllegalTransition {
		t.Fatalf("approve before appraisal: %v", err)
	}
	c = f.ok(f.svc.Appraise(f.ctx, outlet, c.ID, c.Version, "partly", "部分损失由客户操作不当造成"))
	for amount, key := range map[string]string{"9000": "complaint.field.amount_over_claim", "-5": "complaint.field.amount_invalid_or_zero", "1.234": "complaint.field.amount_invalid_or_zero"} {
		_, err := f.svc.Approve(f.ctx, f.actor("manager"), c.ID, c.Version, amount)
		if e := apperr.As(err); err == nil || e.Fields["approved_amount"] != key {
			t.Errorf("approve %s: %v, want %s", amount, err, key)
		}
	}
	_, err = f.svc.Approve(f.ctx, outlet, c.ID, c.Version, "6000")
	if e := apperr.As(err); e.Code != apperr.Forbidden || e.Key != "complaint.error.claim_limit" {
		t.Fatalf("outlet manager above the limit: %v", err)
	}
	c = f.ok(f.svc.Approve(f.ctx, f.actor("manager"), c.ID, c.Version, "6000"))
	if c.ApprovedFen == nil || *c.ApprovedFen != 600000 || c.ApprovedByName != "王建国" {
		t.Fatalf("approved %v by %q", c.ApprovedFen, c.ApprovedByName)
	}
	c = f.ok(f.svc.Propose(f.ctx, outlet, c.ID, c.Version, "赔偿 6000 元"))
	c = f.ok(f.svc.Inform(f.ctx, f.actor("hotline"), c.ID, c.Version, complaint.Reply{Accepted: true, How: "phone"}))
	if _, err := f.svc.Close(f.ctx, outlet, c.ID, c.Version, ""); apperr.As(err).Key != "complaint.error.claim_unsettled" {
		t.Fatalf("close unpaid: %v", err)
	}
	c = f.ok(f.svc.Pay(f.ctx, f.actor("hotline"), c.ID, c.Version, complaint.Payment{PaidOn: f.clock.Now(), Method: "transfer", Note: "工行转账"}))
	c = f.ok(f.svc.Close(f.ctx, outlet, c.ID, c.Version, ""))
	if c.State != complaint.Closed {
		t.Fatalf("closed: %s", c.State)
	}

	// Below the limit the outlet manager approves; an invalid claim approves nothing.
	in.ClaimAmount = "300"
	c2 := f.log(in)
	c2 = f.ok(f.svc.Assign(f.ctx, outlet, c2.ID, c2.Version, complaint.Assignment{ResponsibleID: outlet.UserID}))
	c2 = f.ok(f.svc.Appraise(f.ctx, outlet, c2.ID, c2.Version, "invalid", "非质量问题"))
	c2 = f.ok(f.svc.Investigate(f.ctx, outlet, c2.ID, c2.Version, complaint.Findings{Investigation: "查看", Cause: "使用不当"}))
	if _, err := f.svc.Approve(f.ctx, outlet, c2.ID, c2.Version, "300"); apperr.As(err).Fields["approved_amount"] != "complaint.field.invalid_claim_zero" {
		t.Errorf("invalid claim approved money: %v", err)
	}
	c2 = f.ok(f.svc.Approve(f.ctx, outlet, c2.ID, c2.Version, "0"))
	if p, _ := f.svc.Page(f.ctx, f.actor("hotline"), c2.ID); p.May(complaint.Pay) {
		t.Error("nothing approved, yet pay is offered")
	}
}

// TestBadInputWritesNothing: each mistake gets its field message and nothing is stored.
func TestBadInputWritesNothing(t *testing.T) {
	f := newFixture(t)
	cases := map[string]func(*complaint.NewComplaint){
		"category":      func(n *complaint.NewComplaint) { n.Category = "" },
		"severity":      func(n *complaint.NewComplaint) { n.Severity = "urgent" },
		"what_happened": func(n *complaint.NewComplaint) { n.WhatHappened = "  " },
		"claim_amount":  func(n *complaint.NewComplaint) { n.IsClaim, n.ClaimAmount = true, "-100" },
		"order_ids":     func(n *complaint.NewComplaint) { n.OrderIDs = []int64{999999} },
		"unit_id":       func(n *complaint.NewComplaint) { n.UnitID = 999999 },
	}
	for field, mutate := range cases {
		in := f.about()
		mutate(&in)
		_, err := f.svc.Create(f.ctx, f.actor("hotline"), in)
		if e := apperr.As(err); err == nil || e.Fields[field] == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
	in := f.about()
	in.IsClaim, in.ClaimAmount = true, "12.345"
	if _, err := f.svc.Create(f.ctx, f.actor("hotline"), in); apperr.As(err).Fields["claim_amount"] != "complaint.field.amount_invalid" {
		t.Errorf("over-precise amount: %v", err)
	}
	f.count(0)
	if _, err := f.svc.Create(f.ctx, f.actor("tech1"), f.about()); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a technician logs: %v", err)
	}

	c := f.log(f.about())
	past := f.clock.Now().Add(-time.Hour)
	_, err := f.svc.Assign(f.ctx, f.actor("manager"), c.ID, c.Version, complaint.Assignment{ResponsibleID: f.actor("supervisor").UserID, DueAt: &past})
	if apperr.As(err).Fields["due_at"] != "complaint.field.due_past" {
		t.Errorf("deadline in the past: %v", err)
	}
	_, err = f.svc.Assign(f.ctx, f.actor("manager"), c.ID, c.Version, complaint.Assignment{ResponsibleID: f.actor("sz.hotline").UserID})
	if apperr.As(err).Fields["responsible_id"] != "complaint.field.responsible_unknown" {
		t.Errorf("responsible from another station: %v", err)
	}
	if p, _ := f.svc.Page(f.ctx, f.actor("manager"), c.ID); p.Complaint.State != complaint.Logged || p.Complaint.Version != 1 || len(p.Timeline) != 1 {
		t.Errorf("refused steps changed it: %+v, %d events", p.Complaint.State, len(p.Timeline))
	}
}

// TestRepeatedFormAndRepeatComplaint: the same form sent twice makes one complaint; a
// second complaint from the customer within 30 days is flagged as a repeat, after 30
// days it is not.
func TestRepeatedFormAndRepeatComplaint(t *testing.T) {
	f := newFixture(t)
	ctx := keyed(f.ctx, "form-key-0001")
	a, err := f.svc.Create(ctx, f.actor("hotline"), f.about())
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Create(ctx, f.actor("hotline"), f.about())
	if err != nil || b.ID != a.ID {
		t.Fatalf("repeated form: %v %v", b.ID, err)
	}
	f.count(1)
	sup := f.actor("supervisor").UserID
	ctx = keyed(f.ctx, "form-key-0002")
	a2, err := f.svc.Assign(ctx, f.actor("manager"), a.ID, a.Version, complaint.Assignment{ResponsibleID: sup})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := f.svc.Assign(ctx, f.actor("manager"), a.ID, a.Version, complaint.Assignment{ResponsibleID: sup})
	if err != nil || b2.Version != a2.Version {
		t.Fatalf("repeated assign: %v (versions %d, %d)", err, a2.Version, b2.Version)
	}

	f.clock.Advance(20 * 24 * time.Hour)
	c := f.log(f.about())
	if c.RepeatOf == nil || *c.RepeatOf != a.ID || c.RepeatOfNumber != a.Number {
		t.Errorf("within 30 days: repeat of %v", c.RepeatOf)
	}
	f.clock.Advance(31 * 24 * time.Hour)
	if d := f.log(f.about()); d.RepeatOf != nil {
		t.Errorf("after 30 days: repeat of %v", *d.RepeatOf)
	}
}

// TestTextLimits: every text of a complaint is bounded; a longer one is refused with the
// message naming the limit, and nothing is written.
func TestTextLimits(t *testing.T) {
	f := newFixture(t)
	long := func(n int) string { return strings.Repeat("长", n+1) }
	for field, mutate := range map[string]func(*complaint.NewComplaint){
		"what_happened": func(n *complaint.NewComplaint) { n.WhatHappened = long(complaint.Limit("what_happened")) },
		"customer_asks": func(n *complaint.NewComplaint) { n.CustomerAsks = long(complaint.Limit("customer_asks")) },
	} {
		in := f.about()
		mutate(&in)
		_, err := f.svc.Create(f.ctx, f.actor("hotline"), in)
		if got, want := apperr.As(err).Fields[field], textlimit.Key(complaint.Limit(field)); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	f.count(0)
	c := f.log(f.about())
	mgr, sup := f.actor("manager"), f.actor("supervisor")
	_, err := f.svc.Assign(f.ctx, mgr, c.ID, c.Version, complaint.Assignment{ResponsibleID: sup.UserID, Note: long(complaint.Limit("note"))})
	if apperr.As(err).Fields["note"] != "field.max.500" {
		t.Errorf("assignment note: %v", err)
	}
	c = f.ok(f.svc.Assign(f.ctx, mgr, c.ID, c.Version, complaint.Assignment{ResponsibleID: sup.UserID}))
	_, err = f.svc.Investigate(f.ctx, sup, c.ID, c.Version, complaint.Findings{Investigation: long(complaint.Limit("investigation")), Cause: long(complaint.Limit("cause"))})
	if e := apperr.As(err); e.Fields["investigation"] != "field.max.2000" || e.Fields["cause"] != "field.max.1000" {
		t.Errorf("findings: %v", err)
	}
	if _, err := f.svc.Withdraw(f.ctx, mgr, c.ID, c.Version, long(complaint.Limit("reason"))); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("withdrawal reason: %v", err)
	}
	if p, _ := f.svc.Page(f.ctx, mgr, c.ID); p.Complaint.Version != c.Version {
		t.Errorf("refused steps changed it: version %d, want %d", p.Complaint.Version, c.Version)
	}
}

// TestListByPeriod: complaints logged, due and paid inside and outside March 2031; each
// basis lists exactly those the report counts (logged in the month; due in it before
// now, and of them those proposed by the deadline; paid in it), counts them on every
// page, and keeps them over the pages.
func TestListByPeriod(t *testing.T) {
	f := newFixture(t)
	day := func(d, h, m int) time.Time { return time.Date(2031, 3, d, h, m, 0, 0, testkit.Shanghai) }
	f.clock.Set(day(20, 10, 0))
	mgr := f.actor("manager")
	type spec struct {
		created           time.Time
		due, paid, propos *time.Time
		approved          int64
	}
	at := func(t time.Time) *time.Time { return &t }
	specs := map[string]spec{
		// logged and due in March, proposed before the deadline
		"A": {created: day(5, 9, 0), due: at(day(10, 18, 0)), propos: at(day(9, 12, 0))},
		// logged in February, due in March, proposed after the deadline
		"B": {created: day(1, 0, 0).AddDate(0, 0, -9), due: at(day(12, 18, 0)), propos: at(day(13, 9, 0))},
		// logged in March, due after now (still in March): not yet due
		"C": {created: day(15, 9, 0), due: at(day(25, 18, 0)), propos: at(day(16, 9, 0))},
		// logged and due in January, paid in March
		"D": {created: time.Date(2031, 1, 10, 9, 0, 0, 0, testkit.Shanghai), due: at(time.Date(2031, 1, 15, 18, 0, 0, 0, testkit.Shanghai)), paid: at(day(2, 10, 0)), approved: 50000},
		// logged on the month's last evening, paid just after it
		"E": {created: day(31, 23, 30), paid: at(time.Date(2031, 4, 1, 0, 10, 0, 0, testkit.Shanghai)), approved: 1000},
		// logged at the next month's first moment, due just before the month, paid on its last minute
		"F": {created: time.Date(2031, 4, 1, 0, 0, 0, 0, testkit.Shanghai), due: at(day(1, 0, 0).Add(-time.Minute)), paid: at(day(31, 23, 59)), approved: 20000},
		// logged at the month's first moment, due and passed, never proposed
		"G": {created: day(1, 0, 0), due: at(day(18, 18, 0))},
	}
	ids := map[int64]string{}
	for name, s := range specs {
		in := f.about()
		in.WhatHappened = "期间筛选 " + name
		if s.paid != nil {
			in.IsClaim, in.ClaimAmount = true, "1000"
		}
		c := f.log(in)
		ids[c.ID] = name
		var approved *int64
		if s.paid != nil {
			approved = &s.approved
		}
		if _, err := f.pool.Exec(f.ctx, `UPDATE complaints SET created_at = $2, due_at = $3, paid_at = $4, approved_fen = $5 WHERE id = $1`,
			c.ID, s.created, s.due, s.paid, approved); err != nil {
			t.Fatal(err)
		}
		if s.propos != nil {
			if _, err := f.pool.Exec(f.ctx, `INSERT INTO complaint_events (complaint_id, step, from_state, to_state, actor_id, version, at)
				VALUES ($1, 'propose', 'handling', 'proposed', $2, 2, $3)`, c.ID, mgr.UserID, *s.propos); err != nil {
				t.Fatal(err)
			}
		}
	}
	from, to := day(1, 0, 0), time.Date(2031, 4, 1, 0, 0, 0, 0, testkit.Shanghai)
	cases := []struct {
		basis  string
		onTime bool
		want   string
		fen    int64
	}{
		{"", false, "ACEG", 0},
		{complaint.BasisCreated, false, "ACEG", 0},
		{complaint.BasisDue, false, "ABG", 0},
		{complaint.BasisDue, true, "A", 0},
		{complaint.BasisPaid, false, "DF", 70000},
	}
	for _, c := range cases {
		flt := complaint.Filter{From: from, To: to, Basis: c.basis, OnTime: c.onTime, Limit: 1}
		var got []string
		for page := 0; ; page++ {
			l, err := f.svc.List(f.ctx, mgr, flt)
			if err != nil {
				t.Fatalf("%s: %v", c.basis, err)
			}
			if !l.Counted || l.Total != int64(len(c.want)) || (c.fen != 0 && l.PaidFen != c.fen) {
				t.Errorf("%s on time %v, page %d: counted %v, %d complaints, %d fen; want %d, %d fen", c.basis, c.onTime, page, l.Counted, l.Total, l.PaidFen, len(c.want), c.fen)
			}
			for _, x := range l.Complaints {
				name, ok := ids[x.ID]
				if !ok {
					name = x.Number
				}
				got = append(got, name)
			}
			if l.Next == "" {
				break
			}
			flt.After = l.Next
		}
		slices.Sort(got)
		if want := strings.Split(c.want, ""); !slices.Equal(got, want) {
			t.Errorf("%q on time %v lists %v, want %v", c.basis, c.onTime, got, want)
		}
	}
	// Only one side bounded: due from 12 March up to now.
	l, err := f.svc.List(f.ctx, mgr, complaint.Filter{From: day(12, 0, 0), Basis: complaint.BasisDue})
	if err != nil || l.Total != 2 {
		t.Errorf("due from 12 March: %d, %v; want B and G", l.Total, err)
	}
	// No period: nothing counted.
	if l, err := f.svc.List(f.ctx, mgr, complaint.Filter{Basis: complaint.BasisCreated}); err != nil || l.Counted {
		t.Errorf("without a period: counted %v, %v", l.Counted, err)
	}
	for name, flt := range map[string]complaint.Filter{
		"basis":  {From: from, Basis: "closed"},
		"ontime": {From: from, Basis: complaint.BasisCreated, OnTime: true},
	} {
		if _, err := f.svc.List(f.ctx, mgr, flt); apperr.As(err).Fields[name] == "" {
			t.Errorf("bad %s: %v", name, err)
		}
	}
}
