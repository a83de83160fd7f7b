package views_test

import (
	"bytes"
	"strings"
	"testing"

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
