package workorder_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func TestOrderInEveryState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, s := range wo.States {
		o := f.orderIn(s, false)
		if o.State != s {
			t.Errorf("orderIn(%s) gave %s", s, o.State)
		}
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.create()
	if o.Number != "SH-GD20261123-0001" || o.State != wo.Received || o.Version != 1 {
		t.Errorf("number %s state %s version %d", o.Number, o.State, o.Version)
	}
	if o.Warranty != "in" || o.ContactPhone != "138 0000 1234" || o.ContactE164 != "+8613800001234" || o.ContactName != "王工" || o.Address != "上海市浦东新区测试路1号" {
		t.Errorf("snapshot: %+v", o)
	}
	// Normal: contact within 1 working day, arrive within 3 (Monday 10:00 → Tuesday, Thursday 10:00).
	wantContact := time.Date(2026, 11, 24, 10, 0, 0, 0, testkit.Shanghai)
	wantArrive := time.Date(2026, 11, 26, 10, 0, 0, 0, testkit.Shanghai)
	if !o.ContactDueAt.Equal(wantContact) || !o.ArriveDueAt.Equal(wantArrive) {
		t.Errorf("due: contact %s arrive %s", o.ContactDueAt.In(testkit.Shanghai), o.ArriveDueAt.In(testkit.Shanghai))
	}
	u, err := f.svc.Create(f.ctx, f.actor("hotline"), wo.NewOrder{CustomerID: f.customerID, Channel: "visit", Symptom: "漏油", Urgency: "urgent", ServiceType: "repair"})
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	if u.Number != "SH-GD20261123-0002" || !u.ContactDueAt.Equal(now.Add(time.Hour)) || !u.ArriveDueAt.Equal(now.Add(4*time.Hour)) || u.Warranty != "unknown" {
		t.Errorf("urgent: %s contact %s arrive %s warranty %s", u.Number, u.ContactDueAt, u.ArriveDueAt, u.Warranty)
	}
	tl, err := f.svc.Timeline(f.ctx, f.actor("hotline"), o.ID)
	if err != nil || len(tl) != 1 || tl[0].Transition != "create" || tl[0].ToState != wo.Received || tl[0].FromState != nil || tl[0].ActorName != "陈晓燕" {
		t.Errorf("timeline %+v %v", tl, err)
	}
	// The next day starts again at 0001.
	f.clock.Advance(24 * time.Hour)
	if n := f.create().Number; n != "SH-GD20261124-0001" {
		t.Errorf("next day: %s", n)
	}
	// A technician cannot log calls.
	if _, err := f.svc.Create(f.ctx, f.actor("tech1"), wo.NewOrder{CustomerID: f.customerID, Channel: "phone", Symptom: "x", Urgency: "normal", ServiceType: "repair"}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician create: %v", err)
	}
}

func TestIntakeKeyMakesOneOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone", Symptom: "异响", Urgency: "normal", ServiceType: "repair", IntakeKey: "form-123"}
	a, err := f.svc.Create(f.ctx, f.actor("hotline"), in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Create(f.ctx, f.actor("hotline"), in)
	if err != nil || b.ID != a.ID {
		t.Fatalf("second submit: %v, id %d vs %d", err, b.ID, a.ID)
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_orders`).Scan(&n)
	if n != 1 {
		t.Errorf("%d orders after a double submit", n)
	}
}

// fieldsOf returns the field keys of an Invalid error.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	e := apperr.As(err)
	if e.Code != apperr.Invalid {
		t.Fatalf("got %v, want Invalid", err)
	}
	return e.Fields
}

func TestRequiredFieldsNameTheFieldAndWriteNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sup, tech, hot := f.actor("supervisor"), f.actor("tech1"), f.actor("hotline")

	got := fieldsOf(t, func() error {
		_, err := f.svc.Create(f.ctx, hot, wo.NewOrder{ContactPhone: "12"})
		return err
	}())
	for _, k := range []string{"customer_id", "symptom", "channel", "urgency", "service_type", "contact_phone"} {
		if got[k] == "" {
			t.Errorf("create: no message for %s (%v)", k, got)
		}
	}
	check := func(name string, o wo.Order, call func() error, want ...string) {
		t.Helper()
		before := f.events(o.ID)
		got := fieldsOf(t, call())
		for _, k := range want {
			if got[k] == "" {
				t.Errorf("%s: no message for %s (%v)", name, k, got)
			}
		}
		after, err := f.svc.OrderByID(f.ctx, sup, o.ID)
		if err != nil || after.Version != o.Version || after.State != o.State || f.events(o.ID) != before {
			t.Errorf("%s: a refused action changed the order (%v)", name, err)
		}
	}
	r := f.orderIn(wo.Received, false)
	check("assess", r, func() error {
		_, err := f.svc.Assess(f.ctx, sup, r.ID, r.Version, wo.Assessment{ServiceMode: "remote", Complexity: "simple"})
		return err
	}, "cause_analysis", "repair_plan", "service_mode")
	check("resolve by phone", r, func() error { _, err := f.svc.ResolveByPhone(f.ctx, hot, r.ID, r.Version, " "); return err }, "guidance")
	check("cancel", r, func() error { _, err := f.svc.Cancel(f.ctx, hot, r.ID, r.Version, ""); return err }, "reason")
	d := f.orderIn(wo.AwaitingDispatch, false)
	check("assign", d, func() error {
		_, err := f.svc.Assign(f.ctx, sup, d.ID, d.Version, f.actor("sz.tech").UserID, "")
		return err
	}, "technician_id")
	s := f.orderIn(wo.Scheduled, false)
	check("reschedule", s, func() error {
		_, err := f.svc.Reschedule(f.ctx, tech, s.ID, s.Version, f.clock.Now().Add(-24*time.Hour), time.Time{}, "")
		return err
	}, "appointment_start", "reason")
	check("reassign", s, func() error {
		_, err := f.svc.Reassign(f.ctx, sup, s.ID, s.Version, tech.UserID, "")
		return err
	}, "technician_id", "reason")
	p := f.orderIn(wo.InProgress, false)
	check("complete", p, func() error {
		_, err := f.svc.Complete(f.ctx, tech, p.ID, p.Version, wo.Report{Rating: new(7)})
		return err
	}, "diagnosis", "fault_cause", "actions_taken", "test_run", "field_class", "no_signature_reason", "rating")
	check("await parts", p, func() error { _, err := f.svc.AwaitParts(f.ctx, tech, p.ID, p.Version, ""); return err }, "missing_parts")
}

func TestStaleVersionIsAConflictAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.create()
	// The hotline forwards it; the supervisor still has version 1 on screen.
	fw := f.must(f.svc.Forward(f.ctx, f.actor("hotline"), o.ID, o.Version, "复杂故障"))
	_, err := f.svc.Cancel(f.ctx, f.actor("supervisor"), o.ID, o.Version, "客户撤回")
	e := apperr.As(err)
	if e.Code != apperr.Conflict || e.Key != "error.stale" || e.Data["Name"] != "陈晓燕" || e.Data["State"] != "assessing" || e.Data["Transition"] != "forward" {
		t.Fatalf("got %v", err)
	}
	after := f.must(f.svc.OrderByID(f.ctx, f.actor("supervisor"), o.ID))
	if after.State != wo.Assessing || after.Version != fw.Version || f.events(o.ID) != 2 {
		t.Errorf("stale action wrote: state %s version %d events %d", after.State, after.Version, f.events(o.ID))
	}
}

func TestBusinessCalendarDueTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	same := map[string]string{"sla_normal_contact_workdays": "1", "work_hours": "09:00-18:00"}
	if err := f.set.Save(f.ctx, f.actor("supervisor"), f.shanghai(), same); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("supervisor edits settings: %v", err)
	}
	if err := f.set.Save(f.ctx, f.actor("manager"), f.centre(), same); err != nil {
		t.Fatal(err)
	}
	// New Year's Day 2027 (Friday) is a holiday; Saturday 2 January is worked (调休).
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), calendar.Date{Year: 2027, Month: 1, Day: 1}, "holiday"); err != nil {
		t.Fatal(err)
	}
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), calendar.Date{Year: 2027, Month: 1, Day: 2}, "workday"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                string
		now                 time.Time
		contactDue, arrival time.Time
	}{
		// Friday 16:00: 2h left Friday, the weekend is off → Monday 16:00.
		{"weekend", time.Date(2026, 11, 27, 16, 0, 0, 0, testkit.Shanghai), time.Date(2026, 11, 30, 16, 0, 0, 0, testkit.Shanghai), time.Date(2026, 12, 2, 16, 0, 0, 0, testkit.Shanghai)},
		// Thursday 31 Dec 17:00: 1h Thursday, Friday holiday, Saturday worked 09:00+8h → 17:00;
		// arrival 27h: 1 + 9 (Sat) + 9 (Mon) + 8 (Tue) → Tuesday 5 Jan 17:00.
		{"holiday and adjusted day", time.Date(2026, 12, 31, 17, 0, 0, 0, testkit.Shanghai), time.Date(2027, 1, 2, 17, 0, 0, 0, testkit.Shanghai), time.Date(2027, 1, 5, 17, 0, 0, 0, testkit.Shanghai)},
		// Sunday evening: counting starts Monday 09:00.
		{"outside hours", time.Date(2026, 11, 29, 20, 0, 0, 0, testkit.Shanghai), time.Date(2026, 11, 30, 18, 0, 0, 0, testkit.Shanghai), time.Date(2026, 12, 2, 18, 0, 0, 0, testkit.Shanghai)},
	}
	for _, tc := range cases {
		f.clock.Set(tc.now)
		o := f.create()
		if !o.ContactDueAt.Equal(tc.contactDue) || !o.ArriveDueAt.Equal(tc.arrival) {
			t.Errorf("%s: contact %s (want %s), arrive %s (want %s)", tc.name, o.ContactDueAt.In(testkit.Shanghai), tc.contactDue, o.ArriveDueAt.In(testkit.Shanghai), tc.arrival)
		}
	}
	// Callback due times: 2 h after phone guidance, 2 h when there was no time to test-run
	// (002 §四.6), 3 h after an unsure repair (002 §六), else 3 working days.
	f.clock.Set(time.Date(2026, 12, 31, 17, 0, 0, 0, testkit.Shanghai))
	o := f.create()
	o = f.must(f.svc.ResolveByPhone(f.ctx, f.actor("hotline"), o.ID, o.Version, "指导客户复位热继电器"))
	if want := f.clock.Now().Add(2 * time.Hour); !o.CallbackDueAt.Equal(want) {
		t.Errorf("after guidance: %s", o.CallbackDueAt.In(testkit.Shanghai))
	}
	for _, tc := range []struct {
		testRun string
		want    time.Time
	}{
		{"unsure", time.Date(2026, 12, 31, 20, 0, 0, 0, testkit.Shanghai)},
		{"not_done", time.Date(2026, 12, 31, 19, 0, 0, 0, testkit.Shanghai)},
		// 27 working hours from Thursday 17:00 → Tuesday 5 January 17:00.
		{"done", time.Date(2027, 1, 5, 17, 0, 0, 0, testkit.Shanghai)},
	} {
		f.clock.Set(time.Date(2026, 12, 31, 9, 0, 0, 0, testkit.Shanghai))
		p := f.orderIn(wo.InProgress, false)
		f.clock.Set(time.Date(2026, 12, 31, 17, 0, 0, 0, testkit.Shanghai))
		p = f.must(f.svc.Complete(f.ctx, f.actor("tech1"), p.ID, p.Version, wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: tc.testRun, NoSignatureReason: "客户不在现场"}))
		if !p.CallbackDueAt.Equal(tc.want) {
			t.Errorf("test run %s: callback due %s, want %s", tc.testRun, p.CallbackDueAt.In(testkit.Shanghai), tc.want)
		}
	}
}

func TestVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(wo.Scheduled, false) // tech1's
	other := f.create()
	// tech2 neither reads nor changes tech1's order: not found, whatever the id.
	if _, err := f.svc.OrderByID(f.ctx, f.actor("tech2"), o.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("tech2 reads tech1's order: %v", err)
	}
	if _, err := f.svc.CheckIn(f.ctx, f.actor("tech2"), o.ID, o.Version); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("tech2 checks in on tech1's order: %v", err)
	}
	if _, err := f.svc.Timeline(f.ctx, f.actor("tech2"), o.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("tech2 reads tech1's timeline: %v", err)
	}
	if f.events(o.ID) != 5 {
		t.Errorf("events %d", f.events(o.ID))
	}
	// A technician's list holds only their own orders.
	page := f.must2(f.svc.List(f.ctx, f.actor("tech1"), wo.Filter{}))
	if len(page.Orders) != 1 || page.Orders[0].ID != o.ID {
		t.Errorf("tech1 lists %d orders", len(page.Orders))
	}
	if page := f.must2(f.svc.List(f.ctx, f.actor("tech2"), wo.Filter{})); len(page.Orders) != 0 {
		t.Errorf("tech2 lists %d orders", len(page.Orders))
	}
	// Suzhou sees nothing of Shanghai.
	sz := f.actor("sz.supervisor")
	if _, err := f.svc.OrderByID(f.ctx, sz, other.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Suzhou reads a Shanghai order: %v", err)
	}
	if _, err := f.svc.Cancel(f.ctx, sz, other.ID, other.Version, "x"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Suzhou cancels a Shanghai order: %v", err)
	}
	if page := f.must2(f.svc.List(f.ctx, sz, wo.Filter{})); len(page.Orders) != 0 {
		t.Errorf("Suzhou lists %d Shanghai orders", len(page.Orders))
	}
	// The regional manager sees the outlets below the centre.
	if page := f.must2(f.svc.List(f.ctx, f.actor("manager"), wo.Filter{})); len(page.Orders) != 2 {
		t.Errorf("manager lists %d orders, want 2", len(page.Orders))
	}
	if _, err := f.svc.OrderByID(f.ctx, f.actor("manager"), o.ID); err != nil {
		t.Errorf("manager reads a Shanghai order: %v", err)
	}
	// Allowed: exactly the buttons each user may press now.
	if got, _ := f.svc.Allowed(f.ctx, other, f.actor("hotline")); !slices.Equal(got, []wo.Transition{wo.ResolveByPhone, wo.Forward, wo.Cancel}) {
		t.Errorf("hotline on received: %v", got)
	}
	if got, _ := f.svc.Allowed(f.ctx, o, f.actor("tech2")); got != nil {
		t.Errorf("tech2 on tech1's order: %v", got)
	}
	if got, _ := f.svc.Allowed(f.ctx, o, f.actor("tech1")); !slices.Equal(got, []wo.Transition{wo.Reschedule, wo.CheckIn}) {
		t.Errorf("tech1 on scheduled: %v", got)
	}
}

func (f *fixture) must2(p wo.Page, err error) wo.Page {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func TestRepeatRepair(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.orderIn(wo.AwaitingCallback, false)
	f.clock.Advance(30 * 24 * time.Hour)
	again := f.create()
	if again.RepeatOf == nil || *again.RepeatOf != first.ID || again.Warranty != "repair" {
		t.Errorf("30 days later: repeat_of %v warranty %s", again.RepeatOf, again.Warranty)
	}
	f.clock.Advance(61 * 24 * time.Hour) // 91 days after the repair
	late := f.create()
	if late.RepeatOf != nil || late.Warranty == "repair" {
		t.Errorf("91 days later: repeat_of %v warranty %s", late.RepeatOf, late.Warranty)
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.create()
	for _, sql := range []string{
		`UPDATE work_order_events SET note = 'x' WHERE order_id = $1`,
		`DELETE FROM work_order_events WHERE order_id = $1`,
	} {
		if _, err := f.pool.Exec(f.ctx, sql, o.ID); err == nil {
			t.Errorf("the database allowed: %s", sql)
		}
	}
	if _, err := f.pool.Exec(f.ctx, `TRUNCATE work_order_events CASCADE`); err == nil {
		t.Error("the database allowed TRUNCATE")
	}
	if f.events(o.ID) != 1 {
		t.Errorf("events %d", f.events(o.ID))
	}
}

func TestListFiltersSearchAndPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, f.create().ID)
		f.clock.Advance(time.Minute)
	}
	urgent := f.must(f.svc.Create(f.ctx, hot, wo.NewOrder{CustomerID: f.customerID, Channel: "phone", Symptom: "紧急停机", Urgency: "urgent", ServiceType: "repair"}))
	// Pages of 2, newest first, no order twice.
	var seen []int64
	cursor := ""
	for pages := 0; ; pages++ {
		p := f.must2(f.svc.List(f.ctx, hot, wo.Filter{Limit: 2, After: cursor}))
		for _, o := range p.Orders {
			seen = append(seen, o.ID)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	want := append([]int64{urgent.ID}, ids[4], ids[3], ids[2], ids[1], ids[0])
	if !slices.Equal(seen, want) {
		t.Errorf("pages %v, want %v", seen, want)
	}
	count := func(fl wo.Filter) int { return len(f.must2(f.svc.List(f.ctx, hot, fl)).Orders) }
	if n := count(wo.Filter{Urgency: "urgent"}); n != 1 {
		t.Errorf("urgent: %d", n)
	}
	for q, want := range map[string]int{
		"138 0000 1234": 6, "13800001234": 6, "+86 138-0000-1234": 6, "测试客户": 6,
		"SH-GD20261123-0003": 1,
		"SN-TEST-1":          5, // the urgent call named no unit
	} {
		if n := count(wo.Filter{Text: q}); n != want {
			t.Errorf("search %q: %d, want %d", q, n, want)
		}
	}
	if n := count(wo.Filter{Text: "不存在的客户"}); n != 0 {
		t.Errorf("search for nobody: %d", n)
	}
	if n := count(wo.Filter{States: []wo.State{wo.Received}}); n != 6 {
		t.Errorf("state filter: %d", n)
	}
	// Urgent contact is due in 1 h: 2 h later only it is overdue.
	f.clock.Advance(2 * time.Hour)
	if n := count(wo.Filter{Overdue: true}); n != 1 {
		t.Errorf("overdue after 2h: %d", n)
	}
	f.clock.Advance(48 * time.Hour)
	if n := count(wo.Filter{Overdue: true}); n != 6 {
		t.Errorf("overdue after 2 days: %d", n)
	}
	if o := f.must(f.svc.OrderByID(f.ctx, hot, urgent.ID)); !slices.Contains(o.Overdue(f.clock.Now()), "contact") {
		t.Errorf("Overdue() = %v", o.Overdue(f.clock.Now()))
	}
	if _, err := f.svc.List(f.ctx, hot, wo.Filter{After: "garbage"}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestStateChangesAreNotified(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	conn, err := f.pool.Acquire(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(f.ctx, "LISTEN "+wo.NotifyChannel); err != nil {
		t.Fatal(err)
	}
	o := f.create()
	o = f.must(f.svc.Forward(f.ctx, f.actor("hotline"), o.ID, o.Version, ""))
	var got []map[string]any
	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	for len(got) < 2 {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("after %d notifications: %v", len(got), err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(n.Payload), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if fmt.Sprint(got[1]["id"]) != fmt.Sprint(o.ID) || got[1]["state"] != "assessing" || got[0]["state"] != "received" {
		t.Errorf("notifications %v", got)
	}
}

func TestCallbacksAttemptsAndFees(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot, sup := f.actor("hotline"), f.actor("supervisor")
	o := f.orderIn(wo.AwaitingCallback, false)
	if _, err := f.svc.CloseUnreachable(f.ctx, sup, o.ID, o.Version, ""); apperr.As(err).Key != "error.transition.attempts" {
		t.Fatalf("close before any attempt: %v", err)
	}
	for i := 0; i < 3; i++ {
		o = f.must(f.svc.RecordCallbackAttempt(f.ctx, hot, o.ID, o.Version, "no_answer", ""))
	}
	if o.CallbackAttempts != 3 || o.State != wo.AwaitingCallback {
		t.Fatalf("attempts %d state %s", o.CallbackAttempts, o.State)
	}
	if _, err := f.svc.RecordCallbackAttempt(f.ctx, f.actor("tech1"), o.ID, o.Version, "no_answer", ""); apperr.CodeOf(err) != apperr.NotFound && apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician records a callback of their own job: %v", err)
	}
	closed := f.must(f.svc.CloseUnreachable(f.ctx, sup, o.ID, o.Version, "三次未接通"))
	if closed.State != wo.Closed || closed.ClosedAt == nil {
		t.Errorf("closed %+v", closed.State)
	}
	// Fees pending: the satisfied callback may not close the order.
	p := f.orderIn(wo.AwaitingCallback, false)
	if _, err := f.pool.Exec(f.ctx, `UPDATE work_orders SET fees_state = 'pending' WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RecordCallback(f.ctx, hot, p.ID, p.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: ""}); apperr.As(err).Key != "error.transition.fees_unsettled" {
		t.Errorf("closing with fees pending: %v", err)
	}
	// Unsatisfied: back to dispatch, counted, unassigned.
	p = f.must(f.svc.RecordCallback(f.ctx, hot, p.ID, p.Version, wo.Callback{Outcome: "reached", Attitude: 3, Timeliness: 3, Quality: 2, Overall: 2, Reason: "仍有异响"}))
	if p.State != wo.AwaitingDispatch || p.RevisitCount != 1 || p.AssigneeID != nil {
		t.Errorf("unsatisfied: %s revisit %d assignee %v", p.State, p.RevisitCount, p.AssigneeID)
	}
}

// TestRetryWithOtherInputIsAConflict: the same user sending the same form twice gets one
// change, but a different input on the version they already moved (a second browser tab)
// is a conflict, not a silent no-op.
func TestRetryWithOtherInputIsAConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sup := f.actor("supervisor")
	o := f.orderIn(wo.AwaitingDispatch, false)
	first := f.must(f.svc.Assign(f.ctx, sup, o.ID, o.Version, f.actor("tech1").UserID, ""))
	again := f.must(f.svc.Assign(f.ctx, sup, o.ID, o.Version, f.actor("tech1").UserID, ""))
	if again.Version != first.Version {
		t.Errorf("the retry changed the order again: version %d → %d", first.Version, again.Version)
	}
	_, err := f.svc.Assign(f.ctx, sup, o.ID, o.Version, f.actor("tech2").UserID, "")
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("other input on a stale version: %v", err)
	}
	after := f.must(f.svc.OrderByID(f.ctx, sup, o.ID))
	if *after.AssigneeID != f.actor("tech1").UserID || f.events(o.ID) != 4 {
		t.Errorf("assignee %d, events %d", *after.AssigneeID, f.events(o.ID))
	}
}

func jpegBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCompleteWithPhotosAndSignature(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech := f.actor("tech1")
	o := f.orderIn(wo.InProgress, false)
	base := wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: "done"}
	attachments := func() (n int) {
		_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM attachments WHERE order_id = $1`, o.ID).Scan(&n)
		return n
	}
	bad := base
	bad.Photos = [][]byte{[]byte("this is not a picture")}
	bad.Signature = jpegBytes(t, 10, 10)
	got := fieldsOf(t, func() error { _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, bad); return err }())
	if got["photos"] != "attach.not_image" || got["signature"] != "attach.signature_not_png" {
		t.Errorf("bad files: %v", got)
	}
	many := base
	for i := 0; i < 7; i++ {
		many.Photos = append(many.Photos, jpegBytes(t, 20, 20))
	}
	if got := fieldsOf(t, func() error { _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, many); return err }()); got["photos"] != "attach.too_many" {
		t.Errorf("seven photos: %v", got)
	}
	huge := base
	huge.Photos = [][]byte{append(jpegBytes(t, 20, 20), make([]byte, 9<<20)...)}
	if got := fieldsOf(t, func() error { _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, huge); return err }()); got["photos"] != "attach.photo_too_big" {
		t.Errorf("9 MB photo: %v", got)
	}
	if attachments() != 0 || f.events(o.ID) != 6 {
		t.Fatalf("refused reports left %d files, %d events", attachments(), f.events(o.ID))
	}
	good := base
	good.Signature = demo.Signature()
	good.Photos = [][]byte{jpegBytes(t, 1200, 900), jpegBytes(t, 640, 480)}
	done := f.must(f.svc.Complete(f.ctx, tech, o.ID, o.Version, good))
	if !done.Signed || done.State != wo.AwaitingCallback || attachments() != 3 {
		t.Fatalf("signed %v state %s files %d", done.Signed, done.State, attachments())
	}
	// The same form again (a retry after a timeout) changes nothing and adds no files.
	if _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, good); err != nil || attachments() != 3 {
		t.Errorf("retry: %v, %d files", err, attachments())
	}
	files, err := f.svc.Files().List(f.ctx, o.ID)
	if err != nil || len(files) != 3 || files[0].Kind != "signature" || files[0].ContentType != "image/png" {
		t.Fatalf("files %+v %v", files, err)
	}
	_, thumb, err := f.svc.Files().Open(f.ctx, files[1].ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width != 320 || cfg.Height != 240 {
		t.Errorf("thumbnail %dx%d (%v)", cfg.Width, cfg.Height, err)
	}
}
