package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/notice"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoNotices issues one technical notice from headquarters, three days ago, for the
// GA37VSD+ units with serials SN2022… to SN2024… (five in Shanghai, one in Suzhou).
// Shanghai's supervisor has ordered the first unit and marked the second as not
// executable (环: the site is closed); the rest wait.
func demoNotices(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), now time.Time, loc *time.Location) error {
	at := now.Add(-3 * 24 * time.Hour)
	clock := func() time.Time { return at }
	svc := notice.NewService(pool, clock, loc, wo.NewService(pool, clock, loc))
	admin, err := users("admin")
	if err != nil {
		return err
	}
	sup, err := users("supervisor")
	if err != nil {
		return err
	}
	l := now.In(loc)
	n, err := svc.Issue(ctx, admin, notice.NewNotice{
		Title:      "GA37VSD+ 最小压力阀密封圈更换",
		Content:    "部分批次最小压力阀密封圈材质老化偏快，可能导致停机后卸载不彻底。请各服务站对范围内机组更换密封圈并检查阀芯磨损，完成后在工单中记录更换情况。",
		Parts:      "最小压力阀密封圈 ×1，密封垫片组 ×1",
		Brand:      "阿特拉斯·科普柯",
		Model:      "GA37VSD+",
		SerialFrom: "SN202200000",
		SerialTo:   "SN202499999",
		Deadline:   time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 25),
	}, nil)
	if err != nil {
		return fmt.Errorf("demo notice: %w", err)
	}
	d, err := svc.Detail(ctx, sup, n.ID, 0)
	if err != nil {
		return fmt.Errorf("demo notice units: %w", err)
	}
	if len(d.Units) < 3 {
		return fmt.Errorf("demo notice: %d Shanghai units, want at least 3", len(d.Units))
	}
	at = at.Add(24 * time.Hour)
	if _, err := svc.CreateOrders(ctx, sup, n.ID, []int64{d.Units[0].UnitID}); err != nil {
		return fmt.Errorf("demo notice order: %w", err)
	}
	at = at.Add(time.Hour)
	if err := svc.MarkUnable(ctx, sup, n.ID, d.Units[1].UnitID, "environment", "客户车间停产整改，现场关闭，预计下月复工后再安排"); err != nil {
		return fmt.Errorf("demo notice unable: %w", err)
	}
	return nil
}
