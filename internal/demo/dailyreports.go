package demo

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/dailyreport"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoDailyReports files daily reports for the latest past day on which at least two
// Shanghai technicians had jobs: the first reports and the supervisor reviews it with a
// comment, the others stay missing.
func demoDailyReports(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), loc *time.Location, now time.Time) error {
	sup, err := users("supervisor")
	if err != nil {
		return err
	}
	today := dailyreport.DayOf(now, loc)
	for back := 1; back <= 5; back++ {
		day := today.AddDate(0, 0, -back)
		at := day.Add(19 * time.Hour)
		svc := dailyreport.NewService(pool, func() time.Time { return at }, loc)
		l, err := svc.List(ctx, sup, day, 0)
		if err != nil {
			return err
		}
		var withJobs []dailyreport.Row
		for _, r := range l.Rows {
			if r.HadJobs {
				withJobs = append(withJobs, r)
			}
		}
		if len(withJobs) < 2 {
			continue
		}
		var username string
		if err := pool.QueryRow(ctx, `SELECT username FROM users WHERE id = $1`, withJobs[0].TechnicianID).Scan(&username); err != nil {
			return err
		}
		tech, err := users(username)
		if err != nil {
			return err
		}
		r, err := svc.Submit(ctx, tech, day, 0, dailyreport.Entry{Difficulties: "一处现场停电，等电后才试机", Feedback: "客户希望上门前一小时电话通知",
			Leads: []dailyreport.Lead{{Customer: "张江精密五金厂", What: "想再加一台变频空压机", Contact: "王经理 13900001111"}}})
		if err != nil {
			return err
		}
		at = at.Add(45 * time.Minute)
		_, err = svc.Review(ctx, sup, r.ID, r.Version, "停电情况已反馈客户经理，下次提前确认供电。")
		return err
	}
	return nil
}
