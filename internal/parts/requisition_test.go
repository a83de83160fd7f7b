package parts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func TestRequisitionFromRequestToUse(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	loc := testkit.Shanghai
	hot, sup, tech := testkit.Actor(t, w.pool, "hotline"), testkit.Actor(t, w.pool, "supervisor"), testkit.Actor(t, w.pool, "tech1")
	tech2, keeper := testkit.Actor(t, w.pool, "tech2"), testkit.Actor(t, w.pool, "storekeeper")
	orders := wo.NewService(w.pool, time.Now, loc)
	ps := parts.NewService(w.pool, time.Now, loc)
	c, err := customer.NewService(w.pool, time.Now, loc).CreateCustomer(ctx, hot, customer.NewCustomer{Name: "领料测试客户", Phones: []string{"139 1234 0000"}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := orders.Create(ctx, hot, wo.NewOrder{CustomerID: c.ID, Channel: "phone", Symptom: "漏油", Urgency: "normal", ServiceType: "repair"})
	if err != nil {
		t.Fatal(err)
	}
	step := func(o wo.Order, err error) wo.Order {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o = step(orders.Assess(ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "密封老化", RepairPlan: "更换密封", ServiceMode: "onsite", Complexity: "simple"}))
	// Not yet dispatched: no parts for it.
	if _, err := ps.Request(ctx, tech, o.ID, []parts.Want{{PartID: w.parts[0], Quantity: 1}}, ""); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("request on an order not assigned to tech1: %v", err)
	}
	o = step(orders.Assign(ctx, sup, o.ID, o.Version, tech.UserID, ""))
	if _, err := ps.Request(ctx, tech2, o.ID, []parts.Want{{PartID: w.parts[0], Quantity: 1}}, ""); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("tech2 asks for tech1's order: %v", err)
	}
	if _, err := ps.Request(ctx, tech, o.ID, []parts.Want{{Code: "NO-SUCH", Quantity: 1}}, ""); apperr.As(err).Fields["lines"] != "requisition.field.part" {
		t.Errorf("unknown code: %v", err)
	}
	// Its note is bounded, and the message names the limit.
	long := strings.Repeat("急", parts.RequisitionTextLimit+1)
	if _, err := ps.Request(ctx, tech, o.ID, []parts.Want{{PartID: w.parts[0], Quantity: 1}}, long); apperr.As(err).Fields["note"] != "field.max.500" {
		t.Errorf("a %d-character note: %v", parts.RequisitionTextLimit+1, err)
	}
	var code string
	_ = w.pool.QueryRow(ctx, `SELECT code FROM parts WHERE id = $1`, w.parts[0]).Scan(&code)
	req, err := ps.Request(ctx, tech, o.ID, []parts.Want{{Code: code + " 随便什么名字", Quantity: 2}, {PartID: w.parts[1], Quantity: 1}}, "现场急用")
	if err != nil || req.State != parts.Requested || len(req.Lines) != 2 {
		t.Fatalf("request: %+v %v", req, err)
	}
	// The queue's cards offer what the service accepts: the supervisor decides a
	// requested requisition; the storekeeper may decide too, but not issue it yet.
	for _, c := range []struct {
		a    auth.Actor
		want parts.RequisitionCan
	}{{sup, parts.RequisitionCan{Decide: true}}, {keeper, parts.RequisitionCan{Decide: true}}, {hot, parts.RequisitionCan{}}} {
		q, err := ps.Queue(ctx, c.a, parts.Requested)
		if c.a.Role == auth.RoleHotline {
			if apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("hotline reads the queue: %v", err)
			}
			continue
		}
		if err != nil || len(q) == 0 || q[0].Can != c.want {
			t.Errorf("%s's card: %+v (%v), want %+v", c.a.Username, q, err, c.want)
		}
	}
	// A technician cannot approve; the storekeeper cannot issue before approval.
	if _, err := ps.Approve(ctx, tech, req.ID, req.Version); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician approves: %v", err)
	}
	if _, err := ps.IssueParts(ctx, keeper, req.ID, req.Version); apperr.CodeOf(err) != apperr.IllegalTransition {
		t.Errorf("issue before approval: %v", err)
	}
	req, err = ps.Approve(ctx, sup, req.ID, req.Version)
	if err != nil {
		t.Fatal(err)
	}
	// The warehouse is empty: issuing is refused and nothing moves.
	if _, err := ps.IssueParts(ctx, keeper, req.ID, req.Version); apperr.As(err).Key != "parts.not_enough" {
		t.Fatalf("issue from an empty warehouse: %v", err)
	}
	if _, err := w.post(ctx, parts.Line{PartID: w.parts[0], LocationID: w.warehouse, Quantity: 5, Kind: parts.Receipt},
		parts.Line{PartID: w.parts[1], LocationID: w.warehouse, Quantity: 5, Kind: parts.Receipt}); err != nil {
		t.Fatal(err)
	}
	req, err = ps.IssueParts(ctx, keeper, req.ID, req.Version)
	if err != nil || req.State != parts.Issued {
		t.Fatalf("issue: %v", err)
	}
	if b := w.balance(t, w.parts[0], w.warehouse); b != 3 {
		t.Errorf("balance after issuing 2 of 5: %d", b)
	}
	var linked int
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM stock_movements WHERE order_id = $1 AND ref_type = 'requisition' AND ref_id = $2 AND kind = 'issue'`, o.ID, req.ID).Scan(&linked)
	if linked != 2 {
		t.Errorf("%d issue movements linked to the order and requisition", linked)
	}
	op, err := ps.ForOrder(ctx, o.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if avail := op.Issued; len(avail) != 2 {
		t.Fatalf("issued to the order: %+v", avail)
	}
	if len(op.Requisitions) != 1 || len(op.Requisitions[0].Lines) != 2 || len(op.Choices) == 0 {
		t.Fatalf("the order's parts: %d requisitions, lines %+v, %d choices", len(op.Requisitions), op.Requisitions, len(op.Choices))
	}
	// The technician uses one of the two on completion; more than issued is refused.
	start := time.Now().Add(time.Hour)
	o = step(orders.MakeAppointment(ctx, tech, o.ID, o.Version, start, start.Add(time.Hour), ""))
	o = step(orders.CheckIn(ctx, tech, o.ID, o.Version))
	report := wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: "done", Signature: demo.Signature(), PartsUsed: map[int64]int{w.parts[0]: 3}}
	if _, err := orders.Complete(ctx, tech, o.ID, o.Version, report); apperr.As(err).Fields["parts_used"] == "" {
		t.Fatalf("using 3 of 2 issued: %v", err)
	}
	report.PartsUsed = map[int64]int{w.parts[0]: 1}
	o = step(orders.Complete(ctx, tech, o.ID, o.Version, report))
	var used int
	_ = w.pool.QueryRow(ctx, `SELECT quantity FROM order_parts_used WHERE order_id = $1 AND part_id = $2`, o.ID, w.parts[0]).Scan(&used)
	if used != 1 {
		t.Errorf("used %d", used)
	}
	// The unused one comes back; not more.
	if _, err := ps.ReturnUnused(ctx, keeper, req.ID, req.Version, w.parts[0], 2); apperr.As(err).Key != "requisition.return_too_many" {
		t.Errorf("returning 2 when 1 is left: %v", err)
	}
	req, err = ps.ReturnUnused(ctx, keeper, req.ID, req.Version, w.parts[0], 1)
	if err != nil || w.balance(t, w.parts[0], w.warehouse) != 4 {
		t.Fatalf("return: %v, balance %d", err, w.balance(t, w.parts[0], w.warehouse))
	}
	// A stale version is a clear conflict.
	if _, err := ps.ReturnUnused(ctx, keeper, req.ID, req.Version-1, w.parts[1], 1); apperr.As(err).Key != "requisition.stale" {
		t.Errorf("stale: %v", err)
	}
	w.mustBeSound(t)

	// Rejection needs a reason.
	o2 := step(orders.Create(ctx, hot, wo.NewOrder{CustomerID: c.ID, Channel: "phone", Symptom: "异响", Urgency: "normal", ServiceType: "repair"}))
	o2 = step(orders.Assess(ctx, sup, o2.ID, o2.Version, wo.Assessment{CauseAnalysis: "x", RepairPlan: "y", ServiceMode: "onsite", Complexity: "simple"}))
	o2 = step(orders.Assign(ctx, sup, o2.ID, o2.Version, tech.UserID, ""))
	r2, err := ps.Request(ctx, sup, o2.ID, []parts.Want{{PartID: w.parts[2], Quantity: 1}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Reject(ctx, keeper, r2.ID, r2.Version, " "); apperr.As(err).Fields["reason"] == "" {
		t.Errorf("reject without reason: %v", err)
	}
	if _, err := ps.Reject(ctx, keeper, r2.ID, r2.Version, strings.Repeat("因", parts.RequisitionTextLimit+1)); apperr.As(err).Fields["reason"] != "field.max.500" {
		t.Errorf("a %d-character reason: %v", parts.RequisitionTextLimit+1, err)
	}
	if r2, err = ps.Reject(ctx, keeper, r2.ID, r2.Version, "库存另有安排"); err != nil || r2.State != parts.Rejected {
		t.Errorf("reject: %v", err)
	}
}
