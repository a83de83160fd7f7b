package workorder_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func TestRecordCallback(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	rows := func(id int64) (n int) {
		_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM callback_attempts WHERE order_id = $1`, id).Scan(&n)
		return n
	}
	survey := wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 4, Quality: 5, Overall: 5, Satisfied: true, Comments: "师傅很专业"}

	o := f.orderIn(wo.AwaitingCallback, false)
	o = f.must(f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "no_answer", Note: "上午无人接"}))
	if o.CallbackAttempts != 1 || o.State != wo.AwaitingCallback || rows(o.ID) != 1 {
		t.Fatalf("no answer: attempts %d state %s rows %d", o.CallbackAttempts, o.State, rows(o.ID))
	}
	// Reached but the survey is incomplete; unsatisfied without a reason.
	got := fieldsOf(t, func() error {
		_, err := f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 9})
		return err
	}())
	for _, k := range []string{"attitude", "timeliness", "quality", "overall", "reason"} {
		if got[k] == "" {
			t.Errorf("no message for %s: %v", k, got)
		}
	}
	// Fees pending: a satisfied callback cannot close the order, and nothing is saved.
	if _, err := f.pool.Exec(f.ctx, `UPDATE work_orders SET fees_state = 'pending' WHERE id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, survey); apperr.As(err).Key != "error.transition.fees_unsettled" || rows(o.ID) != 1 {
		t.Fatalf("closing with fees pending: %v, %d rows", err, rows(o.ID))
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE work_orders SET fees_state = 'settled' WHERE id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	closed := f.must(f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, survey))
	if closed.State != wo.Closed || rows(o.ID) != 2 {
		t.Fatalf("satisfied: %s, %d rows", closed.State, rows(o.ID))
	}

	// Unsatisfied: back to dispatch for a revisit, unassigned, counted.
	p := f.orderIn(wo.AwaitingCallback, false)
	bad := survey
	bad.Satisfied, bad.Overall, bad.Reason = false, 2, "仍然漏油"
	back := f.must(f.svc.RecordCallback(f.ctx, hot, p.ID, p.Version, bad))
	if back.State != wo.AwaitingDispatch || back.RevisitCount != 1 || back.AssigneeID != nil || rows(p.ID) != 1 {
		t.Errorf("unsatisfied: %s revisit %d assignee %v rows %d", back.State, back.RevisitCount, back.AssigneeID, rows(p.ID))
	}
	// The technician cannot record callbacks (not even see the order once it left them).
	q := f.orderIn(wo.AwaitingCallback, false)
	if _, err := f.svc.RecordCallback(f.ctx, f.actor("tech1"), q.ID, q.Version, survey); apperr.CodeOf(err) != apperr.Forbidden && apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("technician records a callback: %v", err)
	}
	// This month's figures once the three callbacks have fallen due (three working days
	// after completion): three due, one reached and satisfied, one reached and not.
	f.clock.Set(time.Date(2026, 11, 27, 12, 0, 0, 0, testkit.Shanghai))
	cq, err := f.svc.Callbacks(f.ctx, hot, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if cq.Stats.Due != 3 || cq.Stats.Reached != 2 || cq.Stats.Rate != 66 || cq.Stats.Satisfied != 50 || cq.Stats.Satisfaction != 35 {
		t.Errorf("stats %+v", cq.Stats)
	}
	if len(cq.Orders) != 1 || cq.Orders[0].ID != q.ID {
		t.Errorf("queue %d orders", len(cq.Orders))
	}
}

// TestCompletionQuotesOutOfWarrantyWork: completing out-of-warranty work leaves its fees
// pending, so the satisfied callback cannot close it before settlement; in-warranty work
// has nothing to pay.
func TestCompletionQuotesOutOfWarrantyWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot, sup, tech := f.actor("hotline"), f.actor("supervisor"), f.actor("tech1")
	old := time.Date(2023, 1, 5, 0, 0, 0, 0, time.UTC)
	u, err := f.cust.AddUnit(f.ctx, hot, f.customerID, customer.NewUnit{Model: "LS20S", PurchaseDate: &old, WarrantyMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	o := f.must(f.svc.Create(f.ctx, hot, wo.NewOrder{CustomerID: f.customerID, UnitID: u.ID, Channel: "phone", Symptom: "异响", Urgency: "normal", ServiceType: "repair"}))
	if o.Warranty != "out" {
		t.Fatalf("warranty %s", o.Warranty)
	}
	o = f.must(f.svc.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "轴承", RepairPlan: "更换", ServiceMode: "onsite", Complexity: "simple"}))
	o = f.must(f.svc.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, ""))
	start := f.clock.Now().Add(time.Hour)
	o = f.must(f.svc.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(time.Hour), ""))
	o = f.must(f.svc.CheckIn(f.ctx, tech, o.ID, o.Version))
	o = f.must(f.svc.Complete(f.ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: "done", NoSignatureReason: "不在"}))
	if o.FeesState != "pending" {
		t.Fatalf("out of warranty after completion: fees %s", o.FeesState)
	}
	survey := wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true}
	if _, err := f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, survey); apperr.As(err).Key != "error.transition.fees_unsettled" {
		t.Errorf("closing unpaid work: %v", err)
	}
	in := f.orderIn(wo.AwaitingCallback, false)
	if in.FeesState != "none" {
		t.Errorf("in warranty after completion: fees %s", in.FeesState)
	}
}

// TestCallbackRateIsOneSet: the rate counts the callbacks that fell due in the month and,
// of those, the ones that reached the customer. A callback due last month but made this
// month, or one not yet due, does not count, so the rate never exceeds 100%.
func TestCallbackRateIsOneSet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	survey := wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true}
	// Two jobs done in late October (callbacks due in early November), one done in
	// mid-October (due in October).
	f.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, testkit.Shanghai))
	oct := f.orderIn(wo.AwaitingCallback, false)
	f.clock.Set(time.Date(2026, 10, 29, 10, 0, 0, 0, testkit.Shanghai))
	a := f.orderIn(wo.AwaitingCallback, false)
	b := f.orderIn(wo.AwaitingCallback, false)
	// All three are called back in November; b is never reached.
	f.clock.Set(time.Date(2026, 11, 10, 10, 0, 0, 0, testkit.Shanghai))
	f.must(f.svc.RecordCallback(f.ctx, hot, oct.ID, oct.Version, survey))
	f.must(f.svc.RecordCallback(f.ctx, hot, a.ID, a.Version, survey))
	f.must(f.svc.RecordCallback(f.ctx, hot, b.ID, b.Version, wo.Callback{Outcome: "no_answer"}))
	// A job done today whose callback is not due yet.
	f.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, testkit.Shanghai))
	f.orderIn(wo.AwaitingCallback, false)
	cq, err := f.svc.Callbacks(f.ctx, hot, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if cq.Stats.Due != 2 || cq.Stats.Reached != 1 || cq.Stats.Rate != 50 {
		t.Errorf("stats %+v, want 1 of 2 due this month reached (50%%)", cq.Stats)
	}
}
