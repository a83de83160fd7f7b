package demo

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/reconcile"
	"github.com/aftersales/aftersales/internal/workflow"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoReconciliation gives yesterday something to reconcile for tech1 besides the work
// orders not yet returned: a job done yesterday whose report says the customer was
// very satisfied (signed, rated 5 on the tablet) while the evening callback reached a
// customer who is not (a callback that contradicts the report), and an earlier job of
// the day whose work order the office already has back.
func demoReconciliation(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), loc *time.Location, now time.Time) error {
	var actors [4]auth.Actor
	for i, name := range []string{"hotline", "supervisor", "tech1", "manager"} {
		a, err := users(name)
		if err != nil {
			return err
		}
		actors[i] = a
	}
	hot, sup, tech, mgr := actors[0], actors[1], actors[2], actors[3]
	day := reconcile.NewService(pool, func() time.Time { return now }, loc).Today().AddDate(0, 0, -1)
	at := day.Add(9 * time.Hour)
	clock := func() time.Time { return at }
	svc := wo.NewService(pool, clock, loc)
	var cust, unit int64
	if err := pool.QueryRow(ctx, `SELECT u.customer_id, u.id FROM units u JOIN customers c ON c.id = u.customer_id
		WHERE c.station_id = $1 AND NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.unit_id = u.id AND `+workflow.OpenSQL("o")+`)
		ORDER BY u.id DESC LIMIT 1`, hot.StationID).Scan(&cust, &unit); err != nil {
		return err
	}
	o, err := svc.Create(ctx, hot, wo.NewOrder{CustomerID: cust, UnitID: unit, Channel: "phone", Symptom: "卸载阀不动作，压力上不去",
		Request: "今天上午上门", Urgency: "normal", ServiceType: "repair"})
	if err != nil {
		return err
	}
	steps := []func() (wo.Order, error){
		func() (wo.Order, error) { return svc.Forward(ctx, hot, o.ID, o.Version, "需技术评估") },
		func() (wo.Order, error) {
			return svc.Assess(ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "卸载阀膜片老化", RepairPlan: "上门更换卸载阀膜片",
				ServiceMode: "onsite", Complexity: "simple", PartsNeeded: "卸载阀膜片", ToolsNeeded: "常规工具"})
		},
		func() (wo.Order, error) { return svc.Assign(ctx, sup, o.ID, o.Version, tech.UserID, "") },
		func() (wo.Order, error) {
			start := at.Add(time.Hour).Truncate(time.Hour)
			return svc.MakeAppointment(ctx, tech, o.ID, o.Version, start, start.Add(2*time.Hour), "已电话联系客户")
		},
		func() (wo.Order, error) { return svc.CheckIn(ctx, tech, o.ID, o.Version) },
		func() (wo.Order, error) {
			return svc.Complete(ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "卸载阀膜片破损", FaultCause: "膜片老化", ActionsTaken: "更换卸载阀膜片",
				FieldClass: "after_sales", TestRun: "done", Signature: Signature(), Rating: new(5)})
		},
	}
	for _, s := range steps {
		at = at.Add(50 * time.Minute)
		if o, err = s(); err != nil {
			return err
		}
	}
	at = day.Add(20 * time.Hour)
	if _, err := svc.RecordCallback(ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 3, Timeliness: 3, Quality: 2, Overall: 2,
		Reason: "客户说工程师没有试机就走了，故障依旧", Comments: "客户称满意栏不是本人所签"}); err != nil {
		return err
	}
	// The office has the work order of tech1's first other job of the day back.
	var first int64
	err = pool.QueryRow(ctx, `SELECT coalesce(min(e.order_id), 0) FROM work_order_events e WHERE e.transition = 'complete' AND e.actor_id = $1
		AND e.at >= $2 AND e.at < $3 AND e.order_id <> $4`, tech.UserID, day, day.AddDate(0, 0, 1), o.ID).Scan(&first)
	if err != nil || first == 0 {
		return err
	}
	return reconcile.NewService(pool, clock, loc).MarkReturned(ctx, mgr, tech.UserID, day, first)
}
