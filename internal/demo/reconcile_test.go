package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/reconcile"
	"github.com/aftersales/aftersales/internal/testkit"
)

// TestDemoHasADayToReconcile: yesterday holds mismatches of more than one kind for the
// manager to reconcile — a callback that contradicts the report among them — and a work
// order already back.
func TestDemoHasADayToReconcile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	if _, err := demo.LoadIfEmpty(ctx, pool, auth.NewService(pool, time.Now), time.Now()); err != nil {
		t.Fatal(err)
	}
	r := reconcile.NewService(pool, time.Now, testkit.Shanghai)
	p, err := r.Day(ctx, testkit.Actor(t, pool, "manager"), 0, r.Today().AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	kinds, jobs := map[reconcile.Kind]int{}, 0
	for _, row := range p.Rows {
		jobs += len(row.Jobs)
		for _, l := range row.Lines {
			kinds[l.Kind]++
		}
	}
	if kinds[reconcile.CallbackContradicts] == 0 || len(kinds) < 2 || kinds[reconcile.NotReturned] >= jobs {
		t.Errorf("yesterday: %d jobs, mismatches %v", jobs, kinds)
	}
}
