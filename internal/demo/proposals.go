package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/jackc/pgx/v5/pgxpool"
)

// loadProposals logs customer proposals (客户提案) through the real service, with the
// clock set back, so the list shows every case: one kept and now overdue (the customer
// told), one adopted with an award and the customer told, one rejected and not yet
// told, one just logged in Shanghai and one in Suzhou.
func loadProposals(ctx context.Context, pool *pgxpool.Pool, authSvc *auth.Service, now time.Time) error {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("Asia/Shanghai", 8*3600)
	}
	clock := now
	svc := proposal.NewService(pool, func() time.Time { return clock }, loc)
	users := map[string]auth.Actor{}
	for _, u := range []string{"hotline", "supervisor", "manager", "sz.hotline"} {
		var id int64
		if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, u).Scan(&id); err != nil {
			return fmt.Errorf("demo user %s: %w", u, err)
		}
		if users[u], err = authSvc.ActorFor(ctx, id); err != nil {
			return err
		}
	}
	customers := func(station string) ([]int64, error) {
		rows, err := pool.Query(ctx, `SELECT c.id FROM customers c JOIN stations s ON s.id = c.station_id WHERE s.code = $1 ORDER BY c.id LIMIT 4`, station)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("demo proposals: no customer at %s", station)
		}
		return ids, rows.Err()
	}
	sh, err := customers("SH")
	if err != nil {
		return err
	}
	sz, err := customers("SZ")
	if err != nil {
		return err
	}
	at := func(d time.Duration) { clock = now.Add(-d) }
	day := 24 * time.Hour
	log := func(who string, customerID int64, channel, category, content string) (proposal.Proposal, error) {
		return svc.Log(ctx, users[who], proposal.NewProposal{CustomerID: customerID, Channel: channel, Category: category, Content: content})
	}

	// Kept 70 days ago for study: the two months have run out.
	at(71 * day)
	p, err := log("hotline", sh[0], "phone", "product_quality", "建议螺杆机主机出厂前增加 72 小时连续满载试运行，减少新机早期故障。")
	if err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	at(70 * day)
	if p, err = svc.Keep(ctx, users["supervisor"], p.ID, p.Version, proposal.Keeping{Reason: "需与生产部评估试运行对交货期的影响"}); err != nil {
		return fmt.Errorf("demo keep: %w", err)
	}
	if _, err = svc.Tell(ctx, users["hotline"], p.ID, p.Version, proposal.Notice{Via: "phone", Note: "已电话说明正在评估"}); err != nil {
		return fmt.Errorf("demo tell: %w", err)
	}

	// Adopted with an award; the customer was told by letter.
	at(20 * day)
	if p, err = log("hotline", sh[1], "letter", "after_sales", "建议保养完成后由工程师在设备上张贴保养标签，注明下次保养日期。"); err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	at(15 * day)
	var level int64
	if err := pool.QueryRow(ctx, `SELECT id FROM proposal_award_levels WHERE active ORDER BY amount_fen OFFSET 1 LIMIT 1`).Scan(&level); err != nil {
		return fmt.Errorf("demo award level: %w", err)
	}
	effective := proposal.Day(now, loc).AddDate(0, 0, 10)
	if p, err = svc.Adopt(ctx, users["manager"], p.ID, p.Version, proposal.Adoption{Department: "售后服务部",
		Measures: "所有保养工单完工时张贴保养标签，标明保养内容和下次保养日期。", EffectiveOn: effective, AwardLevelID: level}); err != nil {
		return fmt.Errorf("demo adopt: %w", err)
	}
	at(14 * day)
	if _, err = svc.Tell(ctx, users["hotline"], p.ID, p.Version, proposal.Notice{Via: "letter", Note: "寄送采用通知书及奖金领取说明"}); err != nil {
		return fmt.Errorf("demo tell: %w", err)
	}

	// Not adopted yesterday; the customer has not been told yet.
	at(3 * day)
	if p, err = log("hotline", sh[2], "email", "shopping_environment", "建议服务站接待区提供免费无线网络。"); err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	at(day)
	if _, err = svc.Reject(ctx, users["supervisor"], p.ID, p.Version, "接待区即将搬迁，新址已规划"); err != nil {
		return fmt.Errorf("demo reject: %w", err)
	}

	// Just logged, awaiting a decision: one in Shanghai, one in Suzhou.
	at(2 * time.Hour)
	if _, err = log("hotline", sh[len(sh)-1], "visit", "new_materials", "建议提供长寿命油分芯作为选配件，延长更换周期。"); err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	at(time.Hour)
	if _, err = log("sz.hotline", sz[0], "phone", "logistics_sales", "建议苏州地区常用配件在本地备库，缩短到货时间。"); err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	return nil
}
