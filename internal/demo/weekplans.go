package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/weekplan"
	"github.com/jackc/pgx/v5/pgxpool"
)

// loadWeekPlans makes next week's plans (下周工作计划) through the real service: tech1's
// plan of this week, approved by the manager (so the board shows today's plan), and
// tech2's plan of next week, submitted and awaiting approval.
func loadWeekPlans(ctx context.Context, pool *pgxpool.Pool, authSvc *auth.Service, now time.Time, loc *time.Location) error {
	svc := weekplan.NewService(pool, func() time.Time { return now }, loc)
	users := map[string]auth.Actor{}
	for _, u := range []string{"tech1", "tech2", "manager"} {
		var id int64
		if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, u).Scan(&id); err != nil {
			return fmt.Errorf("demo user %s: %w", u, err)
		}
		a, err := authSvc.ActorFor(ctx, id)
		if err != nil {
			return err
		}
		users[u] = a
	}
	today := weekplan.Day(now, loc)
	this := weekplan.WeekOf(today)
	var items []weekplan.ItemInput
	for _, d := range weekplan.Days(this)[:5] {
		items = append(items, weekplan.ItemInput{Day: d, Kind: "other", Part: "am", Note: "站内设备巡检与备件盘点"})
	}
	items = append(items, weekplan.ItemInput{Day: this.AddDate(0, 0, 2), Kind: "training", Part: "time", Start: "14:00", End: "16:00", Note: "变频机组新机型培训"})
	if err := plan(ctx, svc, users["tech1"], users["manager"], this, items, true); err != nil {
		return err
	}
	nextWeek := this.AddDate(0, 0, 7)
	items = []weekplan.ItemInput{
		{Day: nextWeek, Kind: "other", Part: "day", Note: "金桥片区客户保养巡回"},
		{Day: nextWeek.AddDate(0, 0, 3), Kind: "leave", Part: "pm", Note: "事假"},
	}
	return plan(ctx, svc, users["tech2"], users["manager"], nextWeek, items, false)
}

// plan saves and submits tech's plan of week, and has the manager approve it when approve.
func plan(ctx context.Context, svc *weekplan.Service, tech, manager auth.Actor, week time.Time, items []weekplan.ItemInput, approve bool) error {
	p, err := svc.Save(ctx, tech, tech.UserID, week, 0, items)
	if err != nil {
		return fmt.Errorf("demo week plan: %w", err)
	}
	if p, err = svc.Submit(ctx, tech, tech.UserID, week, p.Version); err != nil {
		return fmt.Errorf("demo week plan submit: %w", err)
	}
	if approve {
		if _, err = svc.Approve(ctx, manager, tech.UserID, week, p.Version); err != nil {
			return fmt.Errorf("demo week plan approve: %w", err)
		}
	}
	return nil
}
