package workorder_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// exported runs ExportOrders and returns the ids it streamed, whether there were more,
// and its error.
func (f *fixture) exported(a auth.Actor, fl wo.Filter) ([]int64, bool, error) {
	f.t.Helper()
	var ids []int64
	more, err := f.svc.ExportOrders(f.ctx, a, fl, func(o wo.Order) error {
		ids = append(ids, o.ID)
		return nil
	})
	return ids, more, err
}

// The export is scoped exactly as the list: each actor streams the orders they see,
// all of them (not one page), newest first, and the list's filters apply.
func TestExportOrdersScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var sh []int64
	for range 3 {
		sh = append(sh, f.create().ID)
		f.clock.Advance(time.Second)
	}
	mine := f.orderIn(wo.Scheduled, false) // tech1's, at Shanghai
	sh = append(sh, mine.ID)
	szHot := f.actor("sz.hotline")
	c, err := f.cust.CreateCustomer(f.ctx, szHot, customer.NewCustomer{Name: "苏州测试客户", ContactPerson: "李工", Phones: []string{"139 0000 5678"}, Addresses: []string{"苏州市工业园区1号"}})
	if err != nil {
		t.Fatal(err)
	}
	sz := f.must(f.svc.Create(f.ctx, szHot, wo.NewOrder{CustomerID: c.ID, Channel: "phone", Symptom: "不启动", Urgency: "urgent", ServiceType: "repair"}))
	slices.Reverse(sh) // newest first

	for name, want := range map[string][]int64{
		"hotline":       sh,
		"supervisor":    sh,
		"sz.hotline":    {sz.ID},
		"sz.supervisor": {sz.ID},
		"manager":       append([]int64{sz.ID}, sh...),
	} {
		got, more, err := f.exported(f.actor(name), wo.Filter{})
		if err != nil || more || !slices.Equal(got, want) {
			t.Errorf("%s exports %v (more %v, %v), want %v", name, got, more, err, want)
		}
		// The same orders as the list's pages, in the same order.
		var listed []int64
		for p := (wo.Page{Next: ""}); ; {
			p = f.must2(f.svc.List(f.ctx, f.actor(name), wo.Filter{Limit: 2, After: p.Next}))
			for _, o := range p.Orders {
				listed = append(listed, o.ID)
			}
			if p.Next == "" {
				break
			}
		}
		if !slices.Equal(got, listed) {
			t.Errorf("%s: export %v, list %v", name, got, listed)
		}
	}
	// The manager narrowed to Suzhou; a station the actor does not see is not found.
	mgr := f.actor("manager")
	if got, _, err := f.exported(mgr, wo.Filter{StationID: sz.StationID}); err != nil || !slices.Equal(got, []int64{sz.ID}) {
		t.Errorf("manager, Suzhou: %v %v", got, err)
	}
	if _, _, err := f.exported(f.actor("hotline"), wo.Filter{StationID: sz.StationID}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("hotline asks for Suzhou: %v", err)
	}
	// Filters apply; the page cursor does not (an export starts at the newest).
	if got, _, _ := f.exported(mgr, wo.Filter{Urgency: "urgent"}); !slices.Equal(got, []int64{sz.ID}) {
		t.Errorf("urgent: %v", got)
	}
	if got, _, _ := f.exported(mgr, wo.Filter{States: []wo.State{wo.Scheduled}}); !slices.Equal(got, []int64{mine.ID}) {
		t.Errorf("scheduled: %v", got)
	}
	first := f.must2(f.svc.List(f.ctx, mgr, wo.Filter{Limit: 1}))
	if got, _, _ := f.exported(mgr, wo.Filter{After: first.Next}); len(got) != 5 {
		t.Errorf("with a cursor: %d orders, want all 5", len(got))
	}
	// Technicians and storekeepers do not export the list.
	for _, name := range []string{"tech1", "storekeeper"} {
		if _, _, err := f.exported(f.actor(name), wo.Filter{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s exports: %v", name, err)
		}
	}
	// The cap: at most Limit rows, and more says there were more.
	if got, more, err := f.exported(mgr, wo.Filter{Limit: 2}); err != nil || !more || !slices.Equal(got, append([]int64{sz.ID}, sh[0])) {
		t.Errorf("limit 2: %v more %v %v", got, more, err)
	}
	if _, more, _ := f.exported(mgr, wo.Filter{Limit: 5}); more {
		t.Error("limit 5 of 5 says more")
	}
	// The callback's error ends the query and comes back; so does a cancelled context.
	stop := errors.New("stop")
	n := 0
	if _, err := f.svc.ExportOrders(f.ctx, mgr, wo.Filter{}, func(wo.Order) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d rows", err, n)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := f.svc.ExportOrders(ctx, mgr, wo.Filter{}, func(wo.Order) error { return nil }); err == nil {
		t.Error("a cancelled export succeeded")
	}
}
