package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserCustomerDataAndAccessLog: a manager opens a customer whose orders are all
// closed, downloads the customer's data, anonymises them with a reason after the
// confirmation step, and then finds the export in the access log (from the home page).
// Screenshots: customer-anonymise, customer-anonymised, access-log.
func TestBrowserCustomerDataAndAccessLog(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var id int64
	var name string
	if err := a.Pool.QueryRow(t.Context(), `SELECT c.id, c.name FROM customers c JOIN work_orders o ON o.customer_id = c.id
		WHERE o.fees_state = 'settled' AND NOT EXISTS (SELECT 1 FROM work_orders x WHERE x.customer_id = c.id AND x.state NOT IN ('closed', 'cancelled'))
		ORDER BY c.id LIMIT 1`).Scan(&id, &name); err != nil {
		t.Fatal(err)
	}
	path := "/customers/" + strconv.FormatInt(id, 10)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "manager", demo.Password)
	if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+path), chromedp.WaitVisible(chromedp.ID("export-customer"))); err != nil {
		t.Fatalf("customer page: %v", err)
	}
	if got := text(t, ctx, "#customer-name"); got != name {
		t.Errorf("customer %q, want %q", got, name)
	}
	// The download, as the browser fetches it with the manager's session.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("export-customer").href)
		.then(r => r.arrayBuffer().then(b => r.status + " " + r.headers.get("Content-Type") + " " + (b.byteLength > 1000)))`,
		chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(got, "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet true") {
		t.Fatalf("export: %q %v", got, err)
	}

	follow(t, ctx, "#anonymise-customer")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("reason")),
		chromedp.SendKeys(chromedp.ID("reason"), "客户来函要求删除个人信息（函件编号 2026-118）"),
		chromedp.Click(chromedp.ID("confirm")),
	); err != nil {
		t.Fatalf("confirmation step: %v", err)
	}
	screenshot(t, ctx, "customer-anonymise")
	follow(t, ctx, "#anonymise-submit")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("customer-anonymised"))); err != nil {
		t.Fatalf("anonymised: %v", err)
	}
	if got := text(t, ctx, "#customer-name"); got != "已匿名客户 #"+strconv.FormatInt(id, 10) {
		t.Errorf("name after anonymisation %q", got)
	}
	if got := text(t, ctx, `#history tr[data-kind="anonymised"]`); !strings.Contains(got, "王建国") || !strings.Contains(got, "函件编号 2026-118") {
		t.Errorf("history line %q", got)
	}
	if got := text(t, ctx, "#customer-phones"); got != "" {
		t.Errorf("phones after anonymisation %q", got)
	}
	screenshot(t, ctx, "customer-anonymised")

	if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/access-log"]`))); err != nil {
		t.Fatalf("home: %v", err)
	}
	follow(t, ctx, `a[href="/access-log"]`)
	waitFor(t, ctx, "the export in the access log", `(() => {
		const row = document.querySelector("#access-log tbody tr.access-export");
		return !!row && row.textContent.includes("王建国") && row.textContent.includes(`+strconv.Quote(path+"/data.xlsx")+`);
	})()`, 10*time.Second)
	screenshot(t, ctx, "access-log")
}
