package demo

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/proposal"
)

// TestLoadProposals: the demo proposals load through the service on the base data and
// show each case: kept and overdue, adopted with an award and told, rejected and not
// told, and logged in both stations.
func TestLoadProposals(t *testing.T) {
	t.Parallel()
	pool := testdb.Seeded(t, "demo-base", SeedBase)
	ctx := context.Background()
	authSvc := auth.NewService(pool, time.Now)
	now := time.Now()
	if err := loadProposals(ctx, pool, authSvc, now); err != nil {
		t.Fatal(err)
	}
	var mgrID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE username = 'manager'`).Scan(&mgrID); err != nil {
		t.Fatal(err)
	}
	mgr, err := authSvc.ActorFor(ctx, mgrID)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	svc := proposal.NewService(pool, time.Now, loc)
	lp, err := svc.List(ctx, mgr, proposal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Proposals) != 5 {
		t.Fatalf("%d demo proposals, want 5", len(lp.Proposals))
	}
	var overdue, awardedTold, rejectedUntold, logged int
	for _, p := range lp.Proposals {
		switch {
		case p.Overdue(lp.Today) && !p.ToTell():
			overdue++
		case p.State == proposal.Adopted && p.AwardFen != nil && !p.ToTell():
			awardedTold++
		case p.State == proposal.Rejected && p.ToTell():
			rejectedUntold++
		case p.State == proposal.Logged:
			logged++
		}
	}
	if overdue != 1 || awardedTold != 1 || rejectedUntold != 1 || logged != 2 {
		t.Errorf("overdue %d, adopted and told %d, rejected untold %d, logged %d", overdue, awardedTold, rejectedUntold, logged)
	}
	c, err := svc.HomeCounts(ctx, mgr)
	if err != nil || c.Due != 3 || c.ToTell != 1 {
		t.Errorf("home counts %+v %v", c, err)
	}
}
