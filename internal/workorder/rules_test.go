package workorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// TestRepeatRepairOnlyAfterARepair: a fault after a maintenance visit is not a repeat
// repair; a fault after a repair within the repair-warranty period is, and links to it.
func TestRepeatRepairOnlyAfterARepair(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	newCall := func(serviceType string) wo.Order {
		return f.must(f.svc.Create(f.ctx, hot, wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone",
			Symptom: "又停机了", Urgency: "normal", ServiceType: serviceType}))
	}
	// A paid maintenance visit, completed.
	m := newCall("maintenance")
	f.driveToCallback(m)
	if o := newCall("repair"); o.RepeatOf != nil || o.Warranty == "repair" {
		t.Fatalf("after maintenance: repeat of %v, warranty %s", o.RepeatOf, o.Warranty)
	}
	view, err := f.svc.Caller(f.ctx, hot, f.customerID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range view.Units {
		if u.RepeatOf != nil {
			t.Fatalf("intake panel calls the maintenance visit a repair: %v", u.RepeatOf.Number)
		}
	}
	// A repair, completed: the next repair call is a repeat repair of it.
	r := f.orderIn(wo.AwaitingCallback, false)
	o := newCall("repair")
	if o.RepeatOf == nil || *o.RepeatOf != r.ID || o.Warranty != "repair" {
		t.Fatalf("after a repair: repeat of %v (want %d), warranty %s", o.RepeatOf, r.ID, o.Warranty)
	}
	// Past the repair-warranty period (90 days) it is not.
	f.clock.Advance(91 * 24 * time.Hour)
	if o := newCall("repair"); o.RepeatOf != nil {
		t.Fatalf("after 91 days: repeat of %v", o.RepeatOf)
	}
}

// driveToCallback takes a new order through assessment, assignment, visit and completion.
func (f *fixture) driveToCallback(o wo.Order) wo.Order {
	f.t.Helper()
	sup, tech := f.actor("supervisor"), f.actor("tech1")
	o = f.must(f.svc.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "例行保养", RepairPlan: "更换三滤", ServiceMode: "onsite", Complexity: "simple"}))
	o = f.must(f.svc.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, ""))
	start := f.clock.Now().Add(time.Hour)
	o = f.must(f.svc.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(time.Hour), ""))
	o = f.must(f.svc.CheckIn(f.ctx, tech, o.ID, o.Version))
	return f.must(f.svc.Complete(f.ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: "done", NoSignatureReason: "客户不在"}))
}

// TestComplexFaultRepairClock: a simple fault gets the repair clock at check-in; a
// complex one needs an agreed completion time, which becomes its repair due time.
func TestComplexFaultRepairClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sup, tech := f.actor("supervisor"), f.actor("tech1")
	o := f.create()
	base := wo.Assessment{CauseAnalysis: "主机轴承磨损", RepairPlan: "解体更换轴承", ServiceMode: "onsite"}
	// No complexity, or complex without an agreed time: refused, nothing changes.
	for _, a := range []wo.Assessment{base, func() wo.Assessment { a := base; a.Complexity = "complex"; return a }()} {
		_, err := f.svc.Assess(f.ctx, sup, o.ID, o.Version, a)
		if got := apperr.As(err).Fields; got["complexity"] == "" && got["agreed_completion_at"] == "" {
			t.Fatalf("assess %+v: %v", a, err)
		}
	}
	agreed := f.clock.Now().Add(72 * time.Hour)
	a := base
	a.Complexity, a.AgreedCompletionAt = "complex", agreed
	o = f.must(f.svc.Assess(f.ctx, sup, o.ID, o.Version, a))
	if o.Complexity == nil || *o.Complexity != "complex" || o.AgreedCompletionAt == nil || !o.AgreedCompletionAt.Equal(agreed) {
		t.Fatalf("assessed: %v %v", o.Complexity, o.AgreedCompletionAt)
	}
	o = f.must(f.svc.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, ""))
	start := f.clock.Now().Add(time.Hour)
	o = f.must(f.svc.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(time.Hour), ""))
	f.clock.Advance(time.Hour)
	o = f.must(f.svc.CheckIn(f.ctx, tech, o.ID, o.Version))
	if o.RepairDueAt == nil || !o.RepairDueAt.Equal(agreed) {
		t.Fatalf("complex: repair due %v, want the agreed %v", o.RepairDueAt, agreed)
	}
	// Three hours on site is not overdue for a complex fault.
	if od := o.Overdue(f.clock.Now().Add(3 * time.Hour)); len(od) != 0 {
		t.Errorf("complex fault overdue after 3 h: %v", od)
	}
	// A simple fault: two hours from arrival.
	s := f.orderIn(wo.InProgress, false)
	if s.RepairDueAt == nil || !s.RepairDueAt.Equal(s.ArrivedAt.Add(2*time.Hour)) {
		t.Fatalf("simple: repair due %v, arrived %v", s.RepairDueAt, s.ArrivedAt)
	}
}

// TestCallbackDueSettingsAreSeparate: the callback after phone guidance, after a job
// with no time to test-run and after an unsure fix each follow their own setting.
func TestCallbackDueSettingsAreSeparate(t *testing.T) {
	t.Parallel()
	st := wo.Settings{CallbackAfterGuidanceMinutes: 100, CallbackAfterNoTestMinutes: 90, CallbackAfterUnsureMinutes: 200}
	done := time.Date(2026, 11, 24, 10, 0, 0, 0, testkit.Shanghai)
	for reason, want := range map[string]time.Duration{
		wo.CallbackAfterGuidance: 100 * time.Minute,
		"not_done":               90 * time.Minute,
		"unsure":                 200 * time.Minute,
	} {
		if got := wo.CallbackDue(st, testkit.Shanghai, reason, done); !got.Equal(done.Add(want)) {
			t.Errorf("%s: callback due %s, want %s later", reason, got.In(testkit.Shanghai), want)
		}
	}
}

// TestArrivalOverdueBeforeDispatch: the arrival clock runs from intake, so an order still
// waiting for assessment is flagged once its arrival is overdue, in the model and in the
// list's overdue filter.
func TestArrivalOverdueBeforeDispatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	o := f.must(f.svc.Create(f.ctx, hot, wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone",
		Symptom: "不能启动", Urgency: "urgent", ServiceType: "repair"}))
	o = f.must(f.svc.Forward(f.ctx, hot, o.ID, o.Version, ""))
	late := o.ArriveDueAt.Add(time.Minute)
	od := o.Overdue(late)
	if len(od) != 2 || od[1] != "arrive" {
		t.Fatalf("assessing order past its arrival due: %v", od)
	}
	f.clock.Set(late)
	page, err := f.svc.List(f.ctx, hot, wo.Filter{Overdue: true, States: []wo.State{wo.Assessing}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 1 || page.Orders[0].ID != o.ID {
		t.Fatalf("overdue filter: %d orders", len(page.Orders))
	}
}

// TestRevisitGetsNewDueTimes: an unsatisfied callback reopens the order with contact and
// arrival clocks counted from the reopening, so it is not overdue the moment it reopens.
func TestRevisitGetsNewDueTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(wo.AwaitingCallback, false)
	first := o.ArriveDueAt
	// The callback comes a week later, long after the first visit's deadlines.
	f.clock.Advance(7 * 24 * time.Hour)
	reopen := f.clock.Now()
	o = f.must(f.svc.RecordCallback(f.ctx, f.actor("hotline"), o.ID, o.Version, wo.Callback{Outcome: "reached",
		Attitude: 3, Timeliness: 3, Quality: 2, Overall: 2, Reason: "仍然漏油"}))
	if o.State != wo.AwaitingDispatch || !o.ArriveDueAt.After(reopen) || !o.ContactDueAt.After(reopen) || !o.ArriveDueAt.After(first) {
		t.Fatalf("revisit: state %s contact due %v arrive due %v (reopened %v)", o.State, o.ContactDueAt, o.ArriveDueAt, reopen)
	}
	if od := o.Overdue(reopen.Add(time.Minute)); len(od) != 0 {
		t.Fatalf("revisit overdue at once: %v", od)
	}
	if o.FirstContactAt != nil {
		t.Errorf("revisit keeps the first visit's contact time")
	}
}

// TestCloseUnreachableKeepsFeesReceivable: closing as unreachable with fees owed keeps
// them as a receivable, listed for the manager until a manager writes it off with a
// reason; both steps are in the order's log.
func TestCloseUnreachableKeepsFeesReceivable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot, mgr := f.actor("hotline"), f.actor("manager")
	o, owed := f.receivable()
	list, err := f.svc.Receivables(f.ctx, mgr)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Order.ID != o.ID || list.Items[0].OwedFen != owed || !list.CanWriteOff {
		t.Fatalf("receivables: %+v", list)
	}
	if _, err := f.svc.Receivables(f.ctx, f.actor("tech1")); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician reads receivables: %v", err)
	}
	// Only a manager writes off, and only with a reason.
	if _, err := f.svc.WriteOff(f.ctx, hot, o.ID, o.Version, "客户失联"); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("hotline writes off: %v", err)
	}
	if _, err := f.svc.WriteOff(f.ctx, mgr, o.ID, o.Version, " "); apperr.As(err).Fields["reason"] == "" {
		t.Errorf("write-off without a reason: %v", err)
	}
	o = f.must(f.svc.WriteOff(f.ctx, mgr, o.ID, o.Version, "客户公司已注销，无法收款"))
	if o.FeesState != "written_off" {
		t.Fatalf("written off: %s", o.FeesState)
	}
	if list, _ := f.svc.Receivables(f.ctx, mgr); len(list.Items) != 0 {
		t.Errorf("still listed after write-off")
	}
	// A second write-off of the same order is refused, and the log has one of each.
	if _, err := f.svc.WriteOff(f.ctx, mgr, o.ID, o.Version, "再次核销"); apperr.CodeOf(err) != apperr.IllegalTransition {
		t.Errorf("second write-off: %v", err)
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_order_events WHERE order_id = $1 AND transition = 'write_off' AND note = '客户公司已注销，无法收款'
		AND (data->>'amount_fen')::bigint = $2`, o.ID, owed).Scan(&n)
	if n != 1 {
		t.Errorf("write-off events: %d", n)
	}
}

// TestSatisfiedCallbackIsTheSurvey: there is no way to close an order after a callback
// without the survey: the order page offers the survey ("callback"), never bare outcomes.
func TestSatisfiedCallbackIsTheSurvey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(wo.AwaitingCallback, false)
	p, err := f.svc.Page(f.ctx, f.actor("hotline"), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"callback"}
	if len(p.Actions) != len(want) || p.Actions[0] != want[0] {
		t.Fatalf("hotline's actions on a finished job: %v, want %v", p.Actions, want)
	}
	// A reached call without the survey's scores is refused.
	if _, err := f.svc.RecordCallback(f.ctx, f.actor("hotline"), o.ID, o.Version, wo.Callback{Outcome: "reached", Satisfied: true}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("satisfied without a survey: %v", err)
	}
}

// TestAssessmentQueueByDue: the assessment queue lists urgent orders first, then the one
// whose customer contact falls due first — not the newest first.
func TestAssessmentQueueByDue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	forward := func(urgency string) wo.Order {
		o := f.must(f.svc.Create(f.ctx, hot, wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone",
			Symptom: "报警停机", Urgency: urgency, ServiceType: "repair"}))
		f.clock.Advance(10 * time.Minute)
		return f.must(f.svc.Forward(f.ctx, hot, o.ID, o.Version, ""))
	}
	oldNormal, newNormal, urgent := forward("normal"), forward("normal"), forward("urgent")
	q, err := f.svc.Assessments(f.ctx, f.actor("supervisor"))
	if err != nil {
		t.Fatal(err)
	}
	if !q.CanAssess {
		t.Error("a supervisor's queue does not offer the assessment")
	}
	var got []int64
	for _, o := range q.Orders {
		got = append(got, o.ID)
	}
	if len(got) != 3 || got[0] != urgent.ID || got[1] != oldNormal.ID || got[2] != newNormal.ID {
		t.Fatalf("queue %v, want urgent %d, then %d, %d", got, urgent.ID, oldNormal.ID, newNormal.ID)
	}
	if _, err := f.svc.Assessments(f.ctx, hot); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("hotline reads the assessment queue: %v", err)
	}
	if m, err := f.svc.Assessments(f.ctx, f.actor("manager")); err != nil || m.CanAssess || len(m.Orders) != 3 {
		t.Errorf("the manager's queue: %d orders, may assess %v, %v", len(m.Orders), m.CanAssess, err)
	}
}

// receivable is an order closed unreachable with a labour line owed, and what it owes.
func (f *fixture) receivable() (wo.Order, int64) {
	t := f.t
	t.Helper()
	hot, sup := f.actor("hotline"), f.actor("supervisor")
	o := f.orderIn(wo.AwaitingCallback, false)
	var owed int64
	if err := f.pool.QueryRow(f.ctx, `INSERT INTO order_fee_lines (order_id, kind, fee_item_id, description, quantity, unit_price_fen, amount_fen, chargeable, created_by, created_at)
		SELECT $1, 'labour', id, name, 1, price_fen, price_fen, true, $2, $3 FROM fee_items WHERE kind = 'labour' AND price_fen > 0 ORDER BY id LIMIT 1
		RETURNING amount_fen`, o.ID, hot.UserID, f.clock.Now()).Scan(&owed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE work_orders SET fees_state = 'pending' WHERE id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	o = f.must(f.svc.OrderByID(f.ctx, hot, o.ID))
	for range 3 {
		o = f.must(f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "no_answer"}))
	}
	o = f.must(f.svc.CloseUnreachable(f.ctx, sup, o.ID, o.Version, "三次未接通"))
	if o.State != wo.Closed || o.FeesState != "receivable" {
		t.Fatalf("closed unreachable: %s, fees %s", o.State, o.FeesState)
	}
	return o, owed
}

// TestReceivableSettled: the payment of a receivable is recorded on its frozen quote;
// the order leaves the list and its log records the payment.
func TestReceivableSettled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o, owed := f.receivable()
	fees := fee.NewService(f.pool, f.clock.Now)
	if err := fees.Settle(f.ctx, f.actor("hotline"), o.ID, owed+1, "cash", "R-1"); apperr.As(err).Fields["amount"] == "" {
		t.Fatalf("wrong amount: %v", err)
	}
	if err := fees.Settle(f.ctx, f.actor("hotline"), o.ID, owed, "cash", "R-1"); err != nil {
		t.Fatal(err)
	}
	o = f.must(f.svc.OrderByID(f.ctx, f.actor("manager"), o.ID))
	if o.FeesState != "settled" || o.State != wo.Closed {
		t.Fatalf("after payment: %s %s", o.State, o.FeesState)
	}
	if list, _ := f.svc.Receivables(f.ctx, f.actor("manager")); len(list.Items) != 0 {
		t.Error("settled receivable still listed")
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_order_events WHERE order_id = $1 AND transition = 'receivable_settled' AND version = $2`, o.ID, o.Version).Scan(&n)
	if n != 1 {
		t.Errorf("receivable_settled events: %d", n)
	}
}

// TestTextLimits: notes, reasons and descriptions have limits; a longer text is refused
// with a message that names the limit, and nothing is saved.
func TestTextLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot, sup := f.actor("hotline"), f.actor("supervisor")
	long := func(n int) string { return strings.Repeat("长", n+1) }
	if _, err := f.svc.Create(f.ctx, hot, wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone",
		Symptom: long(wo.MaxLongText), Urgency: "normal", ServiceType: "repair"}); apperr.As(err).Fields["symptom"] != "field.max.2000" {
		t.Errorf("a 2001-character symptom: %v", err)
	}
	o := f.create()
	for name, call := range map[string]func() error{
		"note": func() error { _, err := f.svc.Forward(f.ctx, hot, o.ID, o.Version, long(wo.MaxShortText)); return err },
		"reason": func() error {
			_, err := f.svc.Cancel(f.ctx, hot, o.ID, o.Version, long(wo.MaxShortText))
			return err
		},
		"cause_analysis": func() error {
			_, err := f.svc.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: long(wo.MaxLongText), RepairPlan: "更换", ServiceMode: "onsite", Complexity: "simple"})
			return err
		},
		"guidance": func() error {
			_, err := f.svc.ResolveByPhone(f.ctx, hot, o.ID, o.Version, long(wo.MaxLongText))
			return err
		},
	} {
		if got := apperr.As(call()).Fields[name]; got != wo.LimitKey(wo.Limit(name)) {
			t.Errorf("%s over its limit: %q", name, got)
		}
	}
	if got := f.must(f.svc.OrderByID(f.ctx, hot, o.ID)); got.Version != o.Version {
		t.Errorf("a refused text changed the order: version %d", got.Version)
	}
	if _, err := f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "no_answer", Note: long(wo.MaxShortText)}); apperr.As(err).Fields["note"] != "field.max.500" {
		t.Errorf("a long callback note: %v", err)
	}
}
