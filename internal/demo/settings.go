package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoSettings gives the Suzhou outlet settings of its own, so the settings pages show
// values from headquarters, the centre and the station itself: the centre's manager sets
// Suzhou's callback two working days after a repair, a local holiday (the Monday two
// weeks ahead) and a visit fee of ¥120.
func demoSettings(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), now time.Time, loc *time.Location) error {
	m, err := users("manager")
	if err != nil {
		return err
	}
	var sz, visit int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT id FROM stations WHERE code = 'SZ'), (SELECT id FROM fee_items WHERE code = 'VISIT')`).Scan(&sz, &visit); err != nil {
		return fmt.Errorf("demo settings: %w", err)
	}
	clock := func() time.Time { return now }
	svc := settings.NewService(pool, clock)
	if err := svc.Save(ctx, m, sz, map[string]string{"callback_after_repair_workdays": "2"}); err != nil {
		return fmt.Errorf("demo settings: %w", err)
	}
	day := now.In(loc).AddDate(0, 0, 14)
	for day.Weekday() != time.Monday {
		day = day.AddDate(0, 0, 1)
	}
	if err := svc.AddDay(ctx, m, sz, calendar.DateOf(day, loc), settings.KindHoliday); err != nil {
		return fmt.Errorf("demo holiday: %w", err)
	}
	if err := fee.NewService(pool, clock).SetOverride(ctx, m, sz, visit, 12000, true); err != nil {
		return fmt.Errorf("demo fee: %w", err)
	}
	return nil
}
