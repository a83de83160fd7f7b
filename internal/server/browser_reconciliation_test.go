package server_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserReconciliation: the manager reconciles a technician's day with one mismatch
// (no signature and no reason) in headless Chromium (zh-CN), orders a remedial callback,
// and closes the day; the order is back on the callback queue, due now.
func TestBrowserReconciliation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	day, tech, o := reconDay(t, a)
	ctx := browser(t)
	line := "#recon-line-" + strconv.FormatInt(o.ID, 10) + "-no_signature"
	uiSignIn(t, ctx, a.URL, "manager", demo.Password)
	if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+"/reconciliation/technicians/"+strconv.FormatInt(tech, 10)+"?day="+day)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the mismatch line", `!!document.querySelector(`+strconv.Quote(line+"-action")+`)`, 30*time.Second)
	screenshot(t, ctx, "manager-reconciliation-mismatch")

	before := time.Now()
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(line+"-action"), "remedial_callback"),
		chromedp.SendKeys(chromedp.CSS(line+"-note"), "满意非客户所签，补救回访"),
	); err != nil {
		t.Fatal(err)
	}
	follow(t, ctx, line+"-submit")
	waitFor(t, ctx, "the line resolved", `!!document.querySelector(`+strconv.Quote(line+"-resolved")+`)`, 30*time.Second)
	if got := text(t, ctx, line+"-resolved"); got != "补救回访" {
		t.Fatalf("resolution %q, want 补救回访", got)
	}
	closeForm := "#recon-close-" + strconv.FormatInt(tech, 10)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(closeForm+` input[name="confirm"]`))); err != nil {
		t.Fatal(err)
	}
	follow(t, ctx, closeForm+` button[type="submit"]`)
	closed := "#recon-closed-" + strconv.FormatInt(tech, 10)
	waitFor(t, ctx, "the day closed", `!!document.querySelector(`+strconv.Quote(closed)+`)`, 30*time.Second)
	screenshot(t, ctx, "manager-reconciliation-closed")

	var state string
	var due time.Time
	if err := a.Pool.QueryRow(context.Background(), `SELECT state, callback_due_at FROM work_orders WHERE id = $1`, o.ID).Scan(&state, &due); err != nil {
		t.Fatal(err)
	}
	if state != "awaiting_callback" || due.Before(before.Add(-time.Second)) || due.After(time.Now()) {
		t.Fatalf("order %s due %v, want awaiting_callback due now (after %v)", state, due, before)
	}
}
