package demo

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// demoMaintenance gives four Shanghai units a maintenance plan: one overdue, one due
// later this month, one due within the next days ahead and one months away; the
// maintenance job of a running app makes the due orders.
func demoMaintenance(ctx context.Context, pool *pgxpool.Pool, loc *time.Location, now time.Time) error {
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	monthEnd := time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	dues := []time.Time{today.AddDate(0, 0, -9), monthEnd, today.AddDate(0, 0, 5), today.AddDate(0, 4, 0)}
	checklist := []string{"清洗室内机滤网和蒸发器", "检查制冷剂压力", "紧固电气接线并测绝缘", "试运行并记录出风温度"}
	_, err := pool.Exec(ctx, `WITH u AS (
			SELECT u.id, row_number() OVER (ORDER BY u.id DESC) AS n FROM units u JOIN customers c ON c.id = u.customer_id
			JOIN stations s ON s.id = c.station_id WHERE s.code = 'SH' ORDER BY u.id DESC LIMIT 4),
		sup AS (SELECT id FROM users WHERE username = 'supervisor'),
		p AS (INSERT INTO maintenance_plans (unit_id, cycle_months, next_due, checklist, parts, created_by, updated_by, created_at, updated_at)
			SELECT u.id, CASE WHEN u.n % 2 = 0 THEN 6 ELSE 12 END, ($1::date[])[u.n], $2, '滤网 ×1，冷媒 R32 适量', sup.id, sup.id, $3, $3
			FROM u, sup RETURNING id, created_by)
		INSERT INTO maintenance_events (plan_id, kind, actor_id, at) SELECT id, 'set', created_by, $3 FROM p`, dues, checklist, now)
	return err
}
