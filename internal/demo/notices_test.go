package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/notice"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// TestDemoHasANoticeInProgress: headquarters' notice covers units of two stations; one
// unit is ordered, one cannot be executed with a reason, the rest wait, and the notice
// is still open.
func TestDemoHasANoticeInProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	if _, err := demo.LoadIfEmpty(ctx, pool, auth.NewService(pool, time.Now), time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := notice.NewService(pool, time.Now, testkit.Shanghai, wo.NewService(pool, time.Now, testkit.Shanghai))
	admin := testkit.Actor(t, pool, "admin")
	list, err := svc.List(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d demo notices, want 1", len(list))
	}
	n := list[0]
	if n.State != notice.Issued || n.IssuerName != "系统管理员" {
		t.Errorf("notice %s state %s issued by %s", n.Number, n.State, n.IssuerName)
	}
	d, err := svc.Detail(ctx, admin, n.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, u := range d.Units {
		states[u.State]++
		if u.State == notice.Unable && (u.Reason == nil || *u.Reason == "" || u.Note == "") {
			t.Errorf("unit %s is unable without a reason and note", u.Serial)
		}
		if u.State == notice.Executing && u.OrderNumber == nil {
			t.Errorf("unit %s is executing without an order", u.Serial)
		}
	}
	if len(d.Stations) < 2 || states[notice.Executing] < 1 || states[notice.Unable] != 1 || states[notice.Pending] < 1 {
		t.Errorf("demo notice: %d stations, unit states %v", len(d.Stations), states)
	}
	if d.Total.Executed >= d.Total.Total || d.Total.Open() == 0 {
		t.Errorf("demo notice progress %d / %d, want in progress", d.Total.Executed, d.Total.Total)
	}
}
