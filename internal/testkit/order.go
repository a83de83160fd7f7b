package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/demo"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// Route is how OrderIn drives an order: the call the hotline logs, who works on it
// and the clock the order service runs on.
type Route struct {
	// Call is the order as the hotline logs it.
	Call wo.NewOrder
	// Hotline logs, forwards or cancels the order and takes the callback; Supervisor
	// assesses and assigns it; Technician visits and completes it.
	Hotline, Supervisor, Technician auth.Actor
	// Now is the service's clock: the appointment starts two hours after it.
	Now func() time.Time
}

// DemoRoute is call driven by the Shanghai demo team: hotline, supervisor and tech1.
func DemoRoute(users Users, call wo.NewOrder, now func() time.Time) Route {
	users.t.Helper()
	return Route{Call: call, Hotline: users.Actor("hotline"), Supervisor: users.Actor("supervisor"),
		Technician: users.Actor("tech1"), Now: now}
}

// OrderIn logs r.Call and drives it through real transitions into state s: forwarded,
// assessed as a simple on-site repair, assigned to r.Technician, an appointment two hours
// on, checked in, completed with a test run and a signature, closed by a satisfied
// callback; or cancelled as a duplicate. workshop puts the unit in the workshop on the
// way (for awaiting_parts). The test fails if a transition is refused or s is a state
// this route does not reach.
func OrderIn(t testing.TB, svc *wo.Service, r Route, s wo.State, workshop bool) wo.Order {
	t.Helper()
	ctx := context.Background()
	hot, sup, tech := r.Hotline, r.Supervisor, r.Technician
	o, err := svc.Create(ctx, hot, r.Call)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	step := func(next func(o wo.Order) (wo.Order, error)) {
		t.Helper()
		n, err := next(o)
		if err != nil {
			t.Fatalf("%v", err)
		}
		o = n
	}
	if s == wo.Received {
		return o
	}
	if s == wo.Cancelled {
		step(func(o wo.Order) (wo.Order, error) { return svc.Cancel(ctx, hot, o.ID, o.Version, "重复报修") })
		return o
	}
	step(func(o wo.Order) (wo.Order, error) { return svc.Forward(ctx, hot, o.ID, o.Version, "") })
	if s == wo.Assessing {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) {
		return svc.Assess(ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "温控阀失效", RepairPlan: "更换温控阀", ServiceMode: "onsite", Complexity: "simple"})
	})
	if s == wo.AwaitingDispatch {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) { return svc.Assign(ctx, sup, o.ID, o.Version, tech.UserID, "") })
	if s == wo.Dispatched {
		return o
	}
	start := r.Now().Add(2 * time.Hour)
	step(func(o wo.Order) (wo.Order, error) {
		return svc.MakeAppointment(ctx, tech, o.ID, o.Version, start, start.Add(2*time.Hour), "")
	})
	if s == wo.Scheduled {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) { return svc.CheckIn(ctx, tech, o.ID, o.Version) })
	if s == wo.InProgress {
		return o
	}
	if s == wo.InWorkshop || (s == wo.AwaitingParts && workshop) {
		step(func(o wo.Order) (wo.Order, error) {
			return svc.TakeToWorkshop(ctx, tech, o.ID, o.Version, true, "")
		})
		if s == wo.InWorkshop {
			return o
		}
	}
	if s == wo.AwaitingParts {
		step(func(o wo.Order) (wo.Order, error) {
			return svc.AwaitParts(ctx, tech, o.ID, o.Version, "温控阀 ×1")
		})
		return o
	}
	step(func(o wo.Order) (wo.Order, error) {
		return svc.Complete(ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "温控阀卡滞", FaultCause: "阀芯磨损", ActionsTaken: "更换温控阀", FieldClass: "after_sales", TestRun: "done", Signature: demo.Signature()})
	})
	if s == wo.AwaitingCallback {
		return o
	}
	step(func(o wo.Order) (wo.Order, error) {
		return svc.RecordCallback(ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "客户满意"})
	})
	if s != wo.Closed {
		t.Fatalf("OrderIn: unknown state %s", s)
	}
	return o
}
