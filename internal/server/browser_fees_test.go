package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserHotlineSettlesFees is the hotline in headless Chromium (zh-CN): an
// out-of-warranty order awaiting its callback, its 费用 page from the order page, a
// labour item added, the quote confirmed by phone, settled by WeChat with a receipt
// number, and the printable report showing the parts used and the fees.
func TestBrowserHotlineSettlesFees(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id := feeOrder(t, a)
	// The technician used two of a catalogue part on this job.
	if _, err := a.Pool.Exec(t.Context(), `INSERT INTO order_parts_used (order_id, part_id, quantity)
		SELECT $1, id, 2 FROM parts WHERE active AND unit_price > 0 ORDER BY unit_price, code LIMIT 1`, id); err != nil {
		t.Fatal(err)
	}
	labour := labourItem(t, a, "REPAIR")

	tab := browser(t)
	if err := chromedp.Do(tab, chromedp.Navigate(a.URL+"/signin")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			shot, _ := chromedp.Run(tab, chromedp.CaptureScreenshot())
			_ = os.WriteFile(filepath.Join(repoRoot(t), "test-artifacts", "screenshots", "FAILED-fees.png"), shot, 0o644)
			t.Fatalf("%s: %v", step, err)
		}
	}
	uiSignIn(t, ctx, a.URL, "hotline", demo.Password)
	must("order page", chromedp.Do(ctx, chromedp.Navigate(a.URL+"/orders/"+id), chromedp.WaitVisible(chromedp.ID("fees-link"))))
	must("fees page", chromedp.Do(ctx, chromedp.Click(chromedp.ID("fees-link")), chromedp.WaitVisible(chromedp.ID("fee-lines"))))
	if s := text(t, ctx, "#fee-state"); s != "待结算" {
		t.Errorf("fees state %q", s)
	}
	before := text(t, ctx, "#fee-total")

	must("add labour", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("fee-item"), labour),
		chromedp.SetValue(chromedp.ID("fee-quantity"), "1"),
		chromedp.Click(chromedp.ID("fee-add")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	))
	if s := text(t, ctx, "#fee-lines"); !strings.Contains(s, "故障检修") {
		t.Errorf("quote lacks the labour line: %q", s)
	}
	total := text(t, ctx, "#fee-total")
	if total == before {
		t.Errorf("total did not change: %s", total)
	}

	must("confirm by phone", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("fee-customer-name"), "王经理"),
		chromedp.Click(chromedp.ID("fee-confirm-tick")),
		chromedp.Click(chromedp.ID("fee-confirm")),
		chromedp.WaitVisible(chromedp.ID("fee-confirmed")),
	))
	if s := text(t, ctx, "#fee-confirmed"); !strings.Contains(s, "王经理") || !strings.Contains(s, "电话确认") || !strings.Contains(s, total) {
		t.Errorf("confirmation %q (total %s)", s, total)
	}

	must("settle", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("fee-method"), "wechat"),
		chromedp.SendKeys(chromedp.ID("fee-receipt"), "WX-4200001234"),
		chromedp.Click(chromedp.ID("fee-settle")),
		chromedp.WaitVisible(chromedp.ID("fee-settled")),
	))
	if s := text(t, ctx, "#fee-state"); s != "已结算" {
		t.Errorf("after settlement: %q", s)
	}
	if s := text(t, ctx, "#fee-settled"); !strings.Contains(s, "微信支付") || !strings.Contains(s, "WX-4200001234") || !strings.Contains(s, total) {
		t.Errorf("settlement record %q", s)
	}
	screenshot(t, ctx, "fees")

	must("report", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("fee-back")),
		chromedp.WaitVisible(chromedp.ID("order-number")),
		chromedp.Click(chromedp.CSS(`a[href="/orders/`+id+`/report"]`)),
		chromedp.WaitVisible(chromedp.ID("report-fees")),
	))
	if s := text(t, ctx, "#report-fees"); !strings.Contains(s, "故障检修") || !strings.Contains(s, total) {
		t.Errorf("report fees %q", s)
	}
	if s := text(t, ctx, "#report-parts"); !strings.Contains(s, "× 2") {
		t.Errorf("report parts %q", s)
	}
	if s := text(t, ctx, "#report-settlement"); !strings.Contains(s, "WX-4200001234") {
		t.Errorf("report settlement %q", s)
	}
	screenshot(t, ctx, "report-with-fees")
}
