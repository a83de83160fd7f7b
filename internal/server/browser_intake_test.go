package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserHotlineJourney is the hotline's day in headless Chromium (zh-CN, desktop):
// log a call for a new customer with the keyboard, log a second call from the same
// phone and see the customer found and the open-order warning, forward the first order,
// and find it in the list by part of the phone number.
func TestBrowserHotlineJourney(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "hotline", demo.Password)
	const phone = "137 2468 1357"

	// 1. A new caller: focus starts in the phone field.
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	must("open intake", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav a[href="/intake"]`)), chromedp.WaitVisible(chromedp.ID("phone"))))
	focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil || focus != "phone" {
		t.Errorf("focus on %q, want the phone field", focus)
	}
	must("new caller", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("phone"), phone),
		chromedp.WaitVisible(chromedp.ID("no-match")),
		chromedp.Click(chromedp.ID("new-customer")),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "金桥新材料科技有限公司"),
		chromedp.SendKeys(chromedp.ID("contact_person"), "吴工"),
		chromedp.SendKeys(chromedp.ID("address"), "上海市浦东新区金海路1000号"),
		chromedp.Click(chromedp.CSS(`input[name="unit_id"][value="new"]`)),
		chromedp.WaitVisible(chromedp.ID("model")),
		chromedp.SendKeys(chromedp.ID("model"), "GA37VSD+"),
		chromedp.SendKeys(chromedp.ID("serial"), "AII-778899"),
		chromedp.SetValue(chromedp.ID("purchase_date"), "2026-06-18"),
		chromedp.SendKeys(chromedp.ID("symptom"), "主机温度高报警停机"),
		chromedp.Click(chromedp.CSS(`input[name="urgency"][value="urgent"]`)),
	))
	screenshot(t, ctx, "intake-new-caller")
	// Enter in a text field saves the order.
	must("save with Enter", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("request"), "尽快上门\r"), chromedp.WaitVisible(chromedp.ID("order-number"))))
	first := text(t, ctx, "#order-number")
	firstURL, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasPrefix(first, "GD") || text(t, ctx, "#order-state") != "已受理" {
		t.Fatalf("after saving: number %q state %q", first, text(t, ctx, "#order-state"))
	}
	if !strings.Contains(text(t, ctx, ".flash"), "工单已保存") {
		t.Error("no saved message")
	}
	screenshot(t, ctx, "order-new")

	// 2. The same caller rings again: found by phone, and the unit's open order is flagged.
	must("second call", chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/intake"),
		chromedp.WaitVisible(chromedp.ID("phone")),
		chromedp.SendKeys(chromedp.ID("phone"), "13724681357"),
		chromedp.WaitVisible(chromedp.CSS(`.match input[name="customer_id"]:not([value="new"])`)),
	))
	if m := text(t, ctx, ".matches"); !strings.Contains(m, "金桥新材料科技有限公司") {
		t.Fatalf("matches: %q", m)
	}
	must("pick the caller", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.match input[name="customer_id"]:not([value="new"])`)),
		chromedp.WaitVisible(chromedp.CSS(".open-order")),
	))
	if w := text(t, ctx, ".warn-line"); !strings.Contains(w, "该设备已有未完成工单") || !strings.Contains(w, first) {
		t.Errorf("duplicate warning: %q", w)
	}
	if b := text(t, ctx, ".unit-choice .badge"); !strings.Contains(b, "保内") {
		t.Errorf("warranty badge %q", b)
	}
	screenshot(t, ctx, "intake-duplicate-warning")

	// 3. Forward the first order to assessment.
	must("forward", chromedp.Do(ctx,
		chromedp.Navigate(firstURL),
		chromedp.Click(chromedp.CSS(`#action-forward summary`)),
		chromedp.Click(chromedp.CSS(`button[data-action="forward"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	))
	if s := text(t, ctx, "#order-state"); s != "技术评估中" {
		t.Errorf("after forwarding: %q", s)
	}
	if tl := text(t, ctx, "#timeline"); !strings.Contains(tl, "转技术评估") || !strings.Contains(tl, "陈晓燕") {
		t.Errorf("timeline %q", tl)
	}

	// 4. Find it in the list by part of the phone number.
	must("search the list", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/orders"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#order-filters input[name="q"]`)),
		chromedp.SendKeys(chromedp.CSS(`#order-filters input[name="q"]`), "2468135\r"),
		chromedp.WaitVisible(chromedp.ID("orders")),
	))
	time.Sleep(100 * time.Millisecond)
	rows := text(t, ctx, "#orders tbody")
	if !strings.Contains(rows, first) || !strings.Contains(rows, "技术评估中") {
		t.Errorf("list rows: %q", rows)
	}
	screenshot(t, ctx, "orders-search")
}
