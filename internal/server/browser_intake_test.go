package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// lookedUp selects the intake's matches once they answer the whole number typed, not
// the lookup of a part of it still on its way.
func lookedUp(phone string) string { return `.matches[data-phone="` + phone + `"]` }

// TestBrowserHotlineJourney is the hotline's day in headless Chromium (zh-CN, desktop):
// log a call for a new customer with the keyboard (Enter in the phone field looks the
// number up, Enter elsewhere saves), log a second call from the same phone typed in full
// width and see the customer found with their only unit chosen, be asked about the
// unit's open order and add a note to it, log a third call and create a new order anyway,
// forward the first order, and find it in the list by part of the phone number.
func TestBrowserHotlineJourney(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "hotline", demo.Password)
	// Typed without spaces, shown grouped.
	const phone, shown = "13724681357", "137 2468 1357"
	evalBool := func(js string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return ok
	}

	// 1. A new caller: focus starts in the phone field.
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	follow(t, ctx, `nav a[href="/intake"]`)
	must("open intake", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("phone"))))
	// The browser moves the focus once the page has loaded: wait for it, within a bound.
	fctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err := chromedp.Do(fctx, chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === "phone"`, chromedp.WithPollingInterval(50*time.Millisecond)))
	cancel()
	if err != nil {
		focus, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		t.Errorf("focus on %q, want the phone field", focus)
	}
	// Enter in the phone field looks the number up in place: no page load, no errors.
	must("mark the page", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__intakePage = 1`)))
	must("look up with Enter", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("phone"), phone+"\r"),
		chromedp.WaitVisible(chromedp.CSS(lookedUp(phone)+" #no-match")),
	))
	if !evalBool(`window.__intakePage === 1 && !document.querySelector(".flash-error, .field-error")`) {
		t.Fatal("Enter in the phone field submitted the form")
	}
	must("new caller", chromedp.Do(ctx,
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
	if !strings.HasPrefix(first, "SH-GD") || text(t, ctx, "#order-state") != "已受理" {
		t.Fatalf("after saving: number %q state %q", first, text(t, ctx, "#order-state"))
	}
	if !strings.Contains(text(t, ctx, ".flash"), "工单已保存") {
		t.Error("no saved message")
	}
	if c := text(t, ctx, `a[href^="tel:"]`); c != shown {
		t.Errorf("contact phone shown as %q, want %q", c, shown)
	}
	screenshot(t, ctx, "order-new")

	// 2. The same caller rings again, the number typed in full width through an input
	// method: found, their only unit chosen, and the unit's open order is flagged.
	must("second call", chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/intake"),
		chromedp.WaitVisible(chromedp.ID("phone")),
		chromedp.SendKeys(chromedp.ID("phone"), "１３７２４６８１３５７"),
		chromedp.WaitVisible(chromedp.CSS(lookedUp("１３７２４６８１３５７")+` .match input[name="customer_id"]:not([value="new"])`)),
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
	if !strings.Contains(text(t, ctx, ".matches"), shown) || !strings.Contains(text(t, ctx, "#caller-card"), shown) {
		t.Errorf("the caller's phone is not shown as %q: %q", shown, text(t, ctx, "#caller-card"))
	}
	if !evalBool(`/^\d+$/.test(document.querySelector('input[name="unit_id"]:checked')?.value || "")`) {
		t.Error("the caller's only unit is not chosen")
	}
	screenshot(t, ctx, "intake-duplicate-warning")

	// Saving with Enter asks about the open order, keeping everything typed.
	must("asked about the open order", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("symptom"), "还是温度高报警"),
		chromedp.SendKeys(chromedp.ID("request"), "客户很着急\r"),
		chromedp.WaitVisible(chromedp.ID("open-orders")),
	))
	if q := text(t, ctx, "#open-orders"); !strings.Contains(q, first) || !strings.Contains(q, "已受理") || !strings.Contains(q, "主机温度高报警停机") ||
		!strings.Contains(q, "添加备注到 "+first) || !strings.Contains(q, "仍然新建工单") {
		t.Errorf("the question: %q", q)
	}
	if !evalBool(`document.getElementById("symptom").value === "还是温度高报警" && document.getElementById("request").value === "客户很着急" &&
		document.getElementById("note").value === "还是温度高报警" && document.activeElement.id === "note" &&
		/^\d+$/.test(document.querySelector('input[name="unit_id"]:checked')?.value || "")`) {
		t.Error("the question lost what was typed, or the note box is not focused")
	}
	screenshot(t, ctx, "intake-open-order-asks")

	// Add a note to the open order: its page, with the note on the timeline.
	must("add a note", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("note"), "，客户再次来电催促"),
		chromedp.Click(chromedp.CSS(`button[data-action="note"]`)),
		chromedp.WaitVisible(chromedp.ID("order-number")),
	))
	if n := text(t, ctx, "#order-number"); n != first || !strings.Contains(text(t, ctx, ".flash"), "备注已添加到该工单") {
		t.Errorf("after the note: order %q, flash %q", n, text(t, ctx, ".flash"))
	}
	if tl := text(t, ctx, "#timeline"); !strings.Contains(tl, "添加备注") || !strings.Contains(tl, "还是温度高报警，客户再次来电催促") {
		t.Errorf("timeline %q", tl)
	}
	screenshot(t, ctx, "order-note-added")

	// 3. Another fault on the same unit: asked again, the hotline creates a new order anyway.
	must("third call", chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/intake"),
		chromedp.WaitVisible(chromedp.ID("phone")),
		chromedp.SendKeys(chromedp.ID("phone"), shown),
		chromedp.WaitVisible(chromedp.CSS(lookedUp(shown)+` .match input[name="customer_id"]:not([value="new"])`)),
		chromedp.Click(chromedp.CSS(`.match input[name="customer_id"]:not([value="new"])`)),
		chromedp.WaitVisible(chromedp.CSS(".open-order")),
		chromedp.SendKeys(chromedp.ID("symptom"), "储气罐安全阀漏气"),
		chromedp.Click(chromedp.ID("save-order")),
		chromedp.WaitVisible(chromedp.ID("create-anyway")),
		chromedp.Click(chromedp.ID("create-anyway")),
		chromedp.WaitVisible(chromedp.ID("order-number")),
	))
	if n := text(t, ctx, "#order-number"); n == first || !strings.HasPrefix(n, "SH-GD") || !strings.Contains(text(t, ctx, ".flash"), "工单已保存") {
		t.Errorf("create anyway: order %q", n)
	}

	// 4. Forward the first order to assessment.
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

	// 5. Find it in the list by part of the phone number.
	follow(t, ctx, `nav a[href="/orders"]`)
	typeAndSubmit(t, ctx, `#order-filters input[name="q"]`, "2468135")
	must("the results", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("orders"))))
	rows := text(t, ctx, "#orders tbody")
	if !strings.Contains(rows, first) || !strings.Contains(rows, "技术评估中") {
		t.Errorf("list rows: %q", rows)
	}
	screenshot(t, ctx, "orders-search")
}
