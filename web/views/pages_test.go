package views_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
)

// TestPagesShowWhatTheServiceAllows: the customer page offers the edit and the callback
// queue the call form exactly when the page value says the actor may.
func TestPagesShowWhatTheServiceAllows(t *testing.T) {
	now := benchNow
	o := workorder.Order{ID: 77, Number: "GD20250318-0001", State: workorder.AwaitingCallback, Version: 3, CustomerName: "测试客户", CreatedAt: now}
	for _, may := range []bool{true, false} {
		var b bytes.Buffer
		cp := workorder.CustomerPage{Page: customer.Page{Customer: customer.Customer{ID: 42, Name: "测试客户", CreatedAt: now}, CanEdit: may}}
		if err := views.CustomerPage(supervisorPage("customer.page_title", "/customers/42", "/customers"), views.CustomerPageView{CustomerPage: cp, Now: now}).Render(benchCtx(), &b); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), `id="edit-customer"`); got != may {
			t.Errorf("CanEdit %v: edit offered %v", may, got)
		}

		b.Reset()
		q := workorder.CallbackPage{CallbackQueue: workorder.CallbackQueue{Orders: []workorder.Order{o}}, CanCall: may}
		if err := views.Callbacks(supervisorPage("callback.title", "/callbacks", "/callbacks"), views.CallbacksView{CallbackPage: q, Now: now}).Render(benchCtx(), &b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `id="cb-77"`) {
			t.Fatal("the queue lacks its order")
		}
		if got := strings.Contains(b.String(), `data-callback="77"`); got != may {
			t.Errorf("CanCall %v: call form offered %v", may, got)
		}
	}
}

// TestCallbacksDueNextPageKeepsFilters: the next page of the callbacks that fell due
// keeps the station and reached filters and spells out the period listed, so it goes on
// with the same callbacks.
func TestCallbacksDueNextPageKeepsFilters(t *testing.T) {
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, shanghai)
	due := workorder.DueCallbacks{From: from, To: from.AddDate(0, 1, 0), Due: 60, Reached: 51, Next: "abc.7",
		Callbacks: []workorder.DueCallback{{EventID: 9, OrderID: 77, Number: "GD20250303-0001", StationName: "杭州西湖服务站", CustomerName: "测试客户", DueAt: from.Add(50 * time.Hour), Reached: true, ReachedAt: ptrTime(from.Add(51 * time.Hour))}}}
	q := url.Values{"station": {"1"}, "reached": {"1"}}
	var b bytes.Buffer
	if err := views.CallbacksDue(supervisorPage("callback.due.title", "/callbacks/due", "/callbacks"), views.CallbacksDueView{DueCallbacks: due, Query: q}).Render(benchCtx(), &b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	next := `href="/callbacks/due?after=abc.7&amp;from=2025-03-01&amp;reached=1&amp;station=1&amp;to=2025-03-31"`
	for _, want := range []string{next, "共 60 次回访到期，已回访 51 次", `value="2025-03-01"`, `value="2025-03-31"`, `href="/orders/77"`, "2025-03-03 02:00", "已回访（2025-03-03 03:00）"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
