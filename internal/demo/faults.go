package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/fault"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5/pgxpool"
)

// loadFaults reports a few product faults from assigned demo jobs: a major one not
// fixed on site (on HQ's quality list), a minor one being analysed and one closed.
func loadFaults(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), now time.Time, loc *time.Location) error {
	rows, err := pool.Query(ctx, `SELECT o.id, u.username FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE `+workflow.StateIsNot("o", workflow.Cancelled)+` AND o.unit_id IS NOT NULL ORDER BY o.id LIMIT 3`)
	if err != nil {
		return err
	}
	type job struct {
		id   int64
		tech string
	}
	var jobs []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.id, &j.tech); err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil || len(jobs) < 3 {
		return fmt.Errorf("demo faults: %d jobs: %w", len(jobs), err)
	}
	at := func(d time.Duration) *fault.Service {
		return fault.NewService(pool, func() time.Time { return now.Add(d) }, loc)
	}
	report := func(j job, d time.Duration, in fault.NewFault) (fault.Fault, error) {
		tech, err := users(j.tech)
		if err != nil {
			return fault.Fault{}, err
		}
		in.OrderID = j.id
		return at(d).Report(ctx, tech, in)
	}
	if _, err := report(jobs[0], -2*time.Hour, fault.NewFault{Assembly: "压缩机", Symptom: "运行中异响后卡死，无法重新启动", Severity: "major"}); err != nil {
		return fmt.Errorf("demo fault: %w", err)
	}
	minor, err := report(jobs[1], -26*time.Hour, fault.NewFault{Assembly: "控制器", Symptom: "显示屏间歇闪烁", Severity: "minor", FixedOnSite: true})
	if err != nil {
		return fmt.Errorf("demo fault: %w", err)
	}
	closed, err := report(jobs[2], -30*24*time.Hour, fault.NewFault{Assembly: "压缩机", Symptom: "排气温度高停机", Severity: "minor", FixedOnSite: true})
	if err != nil {
		return fmt.Errorf("demo fault: %w", err)
	}
	sup, err := users("supervisor")
	if err != nil {
		return err
	}
	if _, err := at(-20*time.Hour).Take(ctx, sup, minor.ID, minor.Version, fault.Analyse, fault.Step{Text: "显示屏排线接触不良"}); err != nil {
		return fmt.Errorf("demo fault analyse: %w", err)
	}
	f := closed
	for i, st := range []struct {
		t    fault.Transition
		text string
	}{{fault.Analyse, "散热器积灰，冷却不足"}, {fault.Measure, "保养清单加入散热器清洗"}, {fault.Close, "措施已执行"}} {
		if f, err = at(time.Duration(i-27*24)*time.Hour).Take(ctx, sup, f.ID, f.Version, st.t, fault.Step{Text: st.text}); err != nil {
			return fmt.Errorf("demo fault %s: %w", st.t, err)
		}
	}
	return nil
}
