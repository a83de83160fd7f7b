package workorder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// intakeCall is a repair call on the fixture's customer with the given unit choice.
func intakeCall(f *fixture, in wo.Intake) wo.Intake {
	in.CustomerID = f.customerID
	in.Order = wo.NewOrder{Channel: "phone", Symptom: "排气温度高，停机", Urgency: "normal", ServiceType: "repair"}
	return in
}

// ordersOfCustomer counts the fixture customer's orders.
func ordersOfCustomer(f *fixture) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_orders WHERE customer_id = $1`, f.customerID).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// createEventData is the data of an order's "create" event.
func createEventData(f *fixture, id int64) map[string]any {
	f.t.Helper()
	var data map[string]any
	if err := f.pool.QueryRow(f.ctx, `SELECT data FROM work_order_events WHERE order_id = $1 AND transition = 'create'`, id).Scan(&data); err != nil {
		f.t.Fatal(err)
	}
	return data
}

// TestIntakeRequiresAUnitChoice: an existing customer who has units gets no order
// without a unit unless "no unit" was chosen explicitly.
func TestIntakeRequiresAUnitChoice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	_, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{}))
	if e := apperr.As(err); err == nil || e.Fields["unit_id"] != "workorder.field.unit_required" {
		t.Fatalf("no unit chosen for a customer with one unit: %v", err)
	}
	// With several units, the same.
	if _, err := f.cust.AddUnit(f.ctx, hot, f.customerID, customer.NewUnit{Model: "SA-37A", Serial: "SN-TEST-2"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{}))
	if e := apperr.As(err); err == nil || e.Fields["unit_id"] != "workorder.field.unit_required" {
		t.Fatalf("no unit chosen for a customer with two units: %v", err)
	}
	if n := ordersOfCustomer(f); n != 0 {
		t.Fatalf("%d orders after refusals", n)
	}
	// "No unit" chosen explicitly: an order without a unit, warranty unknown.
	o, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{NoUnit: true}))
	if err != nil || o.UnitID != nil || o.Warranty != "unknown" {
		t.Fatalf("no unit chosen explicitly: %+v %v", o, err)
	}
	// The chosen unit, and a new one, need nothing more.
	if o, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{UnitID: f.unitID})); err != nil || o.UnitID == nil || *o.UnitID != f.unitID {
		t.Fatalf("the chosen unit: %+v %v", o, err)
	}
	if _, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{NewUnit: &customer.NewUnit{Model: "GA11", WarrantyMonths: 12}})); err != nil {
		t.Fatalf("a new unit: %v", err)
	}
	// A customer without units has nothing to choose.
	c, err := f.cust.CreateCustomer(f.ctx, hot, customer.NewCustomer{Name: "无设备客户", Phones: []string{"139 0000 4321"}})
	if err != nil {
		t.Fatal(err)
	}
	in := intakeCall(f, wo.Intake{})
	in.CustomerID = c.ID
	if _, err := f.svc.Intake(f.ctx, hot, in); err != nil {
		t.Fatalf("a customer without units: %v", err)
	}
}

// TestIntakeAsksAboutOpenOrders: a unit with open orders gets another only when the
// intake acknowledges all of them, and the new order records which.
func TestIntakeAsksAboutOpenOrders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	first, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{UnitID: f.unitID}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := createEventData(f, first.ID)["acknowledged_open"]; ok {
		t.Error("the first order acknowledges open orders")
	}

	_, err = f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{UnitID: f.unitID}))
	e := apperr.As(err)
	if err == nil || e.Code != apperr.Conflict || e.Key != "workorder.open_orders" || e.Data["Count"] != 1 {
		t.Fatalf("a second open order for the unit: %v", err)
	}
	open := wo.OpenOrdersOf(err)
	if len(open) != 1 || open[0].ID != first.ID || open[0].Number != first.Number || open[0].State != wo.Received || open[0].Symptom != "排气温度高，停机" {
		t.Fatalf("the refusal carries %+v", open)
	}
	if wo.OpenOrdersOf(apperr.New(apperr.Conflict, "error.stale")) != nil {
		t.Error("another conflict carries open orders")
	}
	if n := ordersOfCustomer(f); n != 1 {
		t.Fatalf("%d orders after the refusal", n)
	}

	// Acknowledged: the new order is made and names the open one.
	second, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{UnitID: f.unitID, AcknowledgedOpen: []int64{first.ID}}))
	if err != nil {
		t.Fatalf("acknowledged: %v", err)
	}
	if got := fmt.Sprint(createEventData(f, second.ID)["acknowledged_open"]); got != fmt.Sprint([]any{float64(first.ID)}) {
		t.Errorf("the create event records %s", got)
	}
	// Acknowledging the first only does not cover the second.
	_, err = f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{UnitID: f.unitID, AcknowledgedOpen: []int64{first.ID}}))
	if open := wo.OpenOrdersOf(err); len(open) != 2 || open[0].ID != first.ID || open[1].ID != second.ID {
		t.Fatalf("two open orders, one acknowledged: %v %+v", err, open)
	}
	// Closed and cancelled orders are not open.
	f.must(f.svc.Cancel(f.ctx, hot, first.ID, first.Version, "重复报修"))
	third, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{UnitID: f.unitID, AcknowledgedOpen: []int64{second.ID, 999999}}))
	if err != nil {
		t.Fatalf("the cancelled order still counts: %v", err)
	}
	if got := fmt.Sprint(createEventData(f, third.ID)["acknowledged_open"]); got != fmt.Sprint([]any{float64(second.ID)}) {
		t.Errorf("the create event records %s, want only the open order", got)
	}
	// No unit and a new unit are not asked about.
	if _, err := f.svc.Intake(f.ctx, hot, intakeCall(f, wo.Intake{NoUnit: true})); err != nil {
		t.Errorf("no unit: %v", err)
	}
	// Another station's hotline learns nothing of the orders.
	_, err = f.svc.Intake(f.ctx, f.actor("sz.hotline"), intakeCall(f, wo.Intake{UnitID: f.unitID}))
	if e := apperr.As(err); err == nil || e.Fields["customer_id"] == "" || wo.OpenOrdersOf(err) != nil {
		t.Errorf("Suzhou: %v", err)
	}
}

// TestConcurrentIntakesOnOneUnit: two calls about one unit logged at the same moment do
// not both miss each other: one makes the order, the other is asked about it.
func TestConcurrentIntakesOnOneUnit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	const n = 4
	errs := make([]error, n)
	concRun(n, func(i int) {
		in := intakeCall(f, wo.Intake{UnitID: f.unitID})
		in.Order.IntakeKey = fmt.Sprintf("conc-unit-%d", i)
		_, errs[i] = f.svc.Intake(f.ctx, hot, in)
	})
	made := 0
	for _, err := range errs {
		switch {
		case err == nil:
			made++
		case len(wo.OpenOrdersOf(err)) == 1:
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if made != 1 || ordersOfCustomer(f) != 1 {
		t.Errorf("%d intakes succeeded, %d orders; want 1", made, ordersOfCustomer(f))
	}
}

// TestAddNote: a note is an event on the order with no state change; the order and its
// version stay as they are, a form's key adds it once, and the rules on who and what.
func TestAddNote(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	conn, err := f.pool.Acquire(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(f.ctx, "LISTEN "+wo.NotifyChannel); err != nil {
		t.Fatal(err)
	}
	o := f.create()
	o = f.must(f.svc.Forward(f.ctx, hot, o.ID, o.Version, ""))
	f.clock.Advance(time.Minute)
	events := f.events(o.ID)

	got, err := f.svc.AddNote(f.ctx, hot, o.ID, "  客户来电催促，今天能否上门？  ", "form-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != o.Version || got.State != wo.Assessing || !got.UpdatedAt.Equal(o.UpdatedAt) {
		t.Errorf("the note changed the order: version %d→%d, state %s", o.Version, got.Version, got.State)
	}
	tl, err := f.svc.Timeline(f.ctx, hot, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := tl[len(tl)-1]
	if len(tl) != events+1 || last.Transition != "note" || last.Note != "客户来电催促，今天能否上门？" || last.FromState == nil ||
		*last.FromState != wo.Assessing || last.ToState != wo.Assessing || last.Version != o.Version || last.ActorName != "陈晓燕" ||
		!last.At.Equal(f.clock.Now()) {
		t.Errorf("the note's event: %+v (%d events, had %d)", last, len(tl), events)
	}
	// Live pages hear of it.
	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	for heard := 0; heard < 3; heard++ {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("no notification of the note: %v", err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(n.Payload), &m)
		if heard == 2 && fmt.Sprint(m["id"]) != fmt.Sprint(o.ID) {
			t.Errorf("third notification %v", m)
		}
	}

	// The same form again adds nothing; another form adds another note.
	if _, err := f.svc.AddNote(f.ctx, hot, o.ID, "客户来电催促，今天能否上门？", "form-1"); err != nil || f.events(o.ID) != events+1 {
		t.Errorf("the same form again: %d events, %v", f.events(o.ID)-events, err)
	}
	concRun(3, func(int) { _, _ = f.svc.AddNote(f.ctx, hot, o.ID, "同一表单", "form-2") })
	if n := concCountEvents(f, o.ID, "note"); n != 2 {
		t.Errorf("%d notes after a form sent three times at once, want 2", n)
	}

	// Forms opened before the note stay valid: the retried forward is still a retry,
	// and the supervisor's assessment on the version they saw goes through.
	if _, err := f.svc.Forward(f.ctx, hot, o.ID, o.Version-1, ""); err != nil {
		t.Errorf("a retried forward after a note: %v", err)
	}
	if _, err := f.svc.Assess(f.ctx, f.actor("supervisor"), o.ID, o.Version, wo.Assessment{CauseAnalysis: "排气温度传感器", RepairPlan: "更换传感器", ServiceMode: "onsite", Complexity: "simple"}); err != nil {
		t.Errorf("assessing on the version seen before the note: %v", err)
	}

	// Who and what.
	for name, code := range map[string]apperr.Code{"supervisor": "", "manager": "", "tech1": apperr.Forbidden, "storekeeper": apperr.Forbidden, "sz.hotline": apperr.NotFound} {
		if _, err := f.svc.AddNote(f.ctx, f.actor(name), o.ID, "备注", ""); apperr.CodeOf(err) != code {
			t.Errorf("%s: %v, want %q", name, err, code)
		}
	}
	for note, key := range map[string]string{"": "field.required", "   ": "field.required", strings.Repeat("长", wo.NoteMaxLength+1): wo.LimitKey(wo.NoteMaxLength)} {
		if _, err := f.svc.AddNote(f.ctx, hot, o.ID, note, ""); apperr.As(err).Fields["note"] != key {
			t.Errorf("note of %d characters: %v", len([]rune(note)), err)
		}
	}
	if _, err := f.svc.AddNote(f.ctx, hot, o.ID, strings.Repeat("长", wo.NoteMaxLength), ""); err != nil {
		t.Errorf("a note of the longest length: %v", err)
	}
	if _, err := f.svc.AddNote(f.ctx, hot, 999999, "备注", ""); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("no such order: %v", err)
	}
	if !slices.ContainsFunc(tl, func(e wo.Event) bool { return e.Transition == "forward" }) {
		t.Error("the timeline lost the forward")
	}
}

// TestNoteIsNoCallbackDue: a note on an order awaiting its callback is no new callback
// due: the month's callbacks due stay as they were.
func TestNoteIsNoCallbackDue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	o := f.orderIn(wo.AwaitingCallback, false)
	f.clock.Set(time.Date(2026, 11, 27, 10, 0, 0, 0, testkit.Shanghai))
	before, err := f.svc.Callbacks(f.ctx, hot, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	f.must(f.svc.AddNote(f.ctx, hot, o.ID, "客户问何时回访", ""))
	after, err := f.svc.Callbacks(f.ctx, hot, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if before.Stats.Due != 1 || after.Stats.Due != before.Stats.Due {
		t.Errorf("callbacks due this month: %d before the note, %d after", before.Stats.Due, after.Stats.Due)
	}
}
