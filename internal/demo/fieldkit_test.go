package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/fieldday"
	"github.com/aftersales/aftersales/internal/loaner"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/tools"
)

// TestDemoHasAFieldKit: tools with one instrument due soon and one overdue, a lent
// loaner, and a month of safety meetings with today's still to hold.
func TestDemoHasAFieldKit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testkit.DemoDB(t)
	keeper, sup := testkit.Actor(t, pool, "storekeeper"), testkit.Actor(t, pool, "supervisor")
	l, err := tools.NewService(pool, time.Now, testkit.Shanghai).Ledger(ctx, keeper)
	if err != nil {
		t.Fatal(err)
	}
	var soon, overdue, lent int
	for _, x := range l.Tools {
		if x.DueSoon {
			soon++
		}
		if x.Overdue {
			overdue++
		}
		if x.State == tools.Lent {
			lent++
		}
	}
	if soon != 1 || overdue != 1 || lent != 1 {
		t.Errorf("tools: %d due soon, %d overdue, %d lent", soon, overdue, lent)
	}
	ll, err := loaner.NewService(pool, time.Now, testkit.Shanghai).List(ctx, keeper)
	if err != nil || len(ll.Loaners) != 3 || ll.Out != 1 {
		t.Errorf("loaners %+v %v", ll, err)
	}
	fd := fieldday.NewService(pool, time.Now, testkit.Shanghai)
	m, err := fd.Month(ctx, sup, time.Now().AddDate(0, 0, -10))
	if err != nil || m.Held < 5 {
		t.Errorf("safety month held %d: %v", m.Held, err)
	}
	if missing, err := fd.LeftMissing(ctx, sup, 30); err != nil || len(missing) != 1 {
		t.Errorf("left missing %+v %v", missing, err)
	}
}
