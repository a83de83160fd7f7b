package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserDailyReportOnTablet is a technician filing 今日日报 on a 10-inch tablet from
// 我的工单 (the day's facts prefilled, a difficulty and a business lead typed), then the
// supervisor reading it from the day's list, commenting and marking it reviewed.
func TestBrowserDailyReportOnTablet(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	tab := browser(t)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	must("viewport", chromedp.Do(ctx, chromedp.EmulateViewport(1024, 768, chromedp.EmulateTouch)))
	uiSignIn(t, ctx, a.URL, "tech1", demo.Password)
	follow(t, ctx, `nav a[href="/jobs"]`)
	follow(t, ctx, "#daily-today-link")
	must("facts", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("daily-facts")), chromedp.WaitVisible(chromedp.ID("difficulties"))))
	if h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("#daily-submit").getBoundingClientRect().height`)); err != nil || h < 44 {
		t.Errorf("the submit button is %.0f px high (%v)", h, err)
	}
	must("type", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("difficulties"), "客户现场停电两小时，等电后才试机"),
		chromedp.SendKeys(chromedp.ID("feedback"), "客户希望上门前一小时电话通知"),
		chromedp.SendKeys(chromedp.ID("lead_customer_0"), "张江精密五金厂"),
		chromedp.SendKeys(chromedp.ID("lead_what_0"), "想再加一台 GA22 变频机"),
		chromedp.SendKeys(chromedp.ID("lead_contact_0"), "王经理 13900001111"),
	))
	screenshot(t, ctx, "technician-daily-report-form")
	follow(t, ctx, "#daily-submit")
	must("submitted", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("daily-status"))))
	if s := text(t, ctx, "#daily-status"); !strings.Contains(s, "第 1 版") || !strings.Contains(s, "待审阅") {
		t.Errorf("status %q", s)
	}
	if s := text(t, ctx, ".daily-lead"); !strings.Contains(s, "张江精密五金厂") {
		t.Errorf("lead %q", s)
	}
	screenshot(t, ctx, "technician-daily-report-submitted")

	sup := browser(t)
	sctx, scancel := context.WithTimeout(sup, 90*time.Second)
	defer scancel()
	uiSignIn(t, sctx, a.URL, "supervisor", demo.Password)
	follow(t, sctx, `nav a[href="/daily-reports"]`)
	must("list", chromedp.Do(sctx, chromedp.WaitVisible(chromedp.ID("daily-list"))))
	follow(t, sctx, `#daily-list a[href^="/daily-reports/"]`)
	must("report", chromedp.Do(sctx, chromedp.WaitVisible(chromedp.ID("daily-review-form"))))
	if s := text(t, sctx, "#daily-title"); !strings.Contains(s, "张伟") {
		t.Errorf("title %q", s)
	}
	must("comment", chromedp.Do(sctx, chromedp.SendKeys(chromedp.ID("comment"), "停电情况已告知客户经理，下次提前确认供电")))
	follow(t, sctx, "#daily-review-button")
	must("reviewed", chromedp.Do(sctx, chromedp.WaitVisible(chromedp.ID("daily-reviewed"))))
	if s := text(t, sctx, "#daily-comment"); !strings.Contains(s, "提前确认供电") {
		t.Errorf("comment %q", s)
	}
	screenshot(t, sctx, "supervisor-daily-report-reviewed")
}
