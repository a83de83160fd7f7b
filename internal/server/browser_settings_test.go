package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserSettings: the manager opens 服务设置 from the navigation, changes the urgent
// arrival target, saves, adds a holiday, and sees both saved. Screenshot: settings.
func TestBrowserSettings(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "manager", demo.Password)

	follow(t, ctx, `nav.mainnav a[data-nav="nav.settings"]`)
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("settings-form")),
		chromedp.Clear(chromedp.ID("sla_urgent_arrive_minutes")),
		chromedp.SendKeys(chromedp.ID("sla_urgent_arrive_minutes"), "180"),
		chromedp.Click(chromedp.ID("save-settings")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".flash-ok"); got != "服务设置已保存。" {
		t.Errorf("flash %q", got)
	}
	var arrive string
	if arrive, err = chromedp.Run(ctx, chromedp.Value(chromedp.ID("sla_urgent_arrive_minutes"))); err != nil {
		t.Fatal(err)
	}
	if arrive != "180" {
		t.Errorf("urgent arrival shows %q after saving", arrive)
	}
	if got := text(t, ctx, "#settings-history"); !strings.Contains(got, "王建国") || !strings.Contains(got, "240 → 180") {
		t.Errorf("history %q", got)
	}

	// The date input takes typed digits in the browser's locale order; setting the
	// value is what a date picker does.
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("calendar-day"), "2026-10-01"),
		chromedp.Click(chromedp.CSS(`#add-day input[name="kind"][value="holiday"]`)),
		chromedp.Click(chromedp.ID("add-day-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#calendar-days tr[data-day="2026-10-01"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#calendar-days tr[data-day="2026-10-01"]`); !strings.Contains(got, "休息") || !strings.Contains(got, "周四") {
		t.Errorf("calendar row %q", got)
	}
	if got := text(t, ctx, ".flash-ok"); !strings.Contains(got, "2026-10-01") {
		t.Errorf("flash %q", got)
	}
	if arrive, err = chromedp.Run(ctx, chromedp.Value(chromedp.ID("sla_urgent_arrive_minutes"))); err != nil {
		t.Fatal(err)
	}
	if arrive != "180" {
		t.Errorf("urgent arrival shows %q after adding a day", arrive)
	}
	st := settingsSaved(t, a)
	if st.SLAUrgentArriveMinutes != 180 || len(st.Holidays) != 1 || st.Holidays[0].String() != "2026-10-01" {
		t.Errorf("saved %d minutes, holidays %v", st.SLAUrgentArriveMinutes, st.Holidays)
	}
	screenshot(t, ctx, "settings")
}

// TestBrowserOutletHoliday: the centre's manager picks the Suzhou outlet on the settings
// page, gives it a holiday of its own and sees the day listed as 本站's while the
// centre's page does not list it. Screenshot: settings-outlet-holiday.
func TestBrowserOutletHoliday(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "manager", demo.Password)

	follow(t, ctx, `nav.mainnav a[data-nav="nav.settings"]`)
	sz := strconv.FormatInt(stationID(t, a, "SZ"), 10)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("station-picker")),
		chromedp.SetValue(chromedp.ID("station-select"), sz),
	); err != nil {
		t.Fatal(err)
	}
	follow(t, ctx, `#station-picker button`)
	err := chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.querySelector("#settings-station") && document.querySelector("#settings-station").textContent === "苏州服务站"`, chromedp.WithPollingInterval(100*time.Millisecond)),
		chromedp.SetValue(chromedp.ID("calendar-day"), "2026-12-15"),
		chromedp.Click(chromedp.CSS(`#add-day input[name="kind"][value="holiday"]`)),
		chromedp.Click(chromedp.ID("add-day-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#calendar-days tr[data-day="2026-12-15"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#calendar-days tr[data-day="2026-12-15"]`); !strings.Contains(got, "休息") || !strings.Contains(got, "本站") || !strings.Contains(got, "周二") {
		t.Errorf("calendar row %q", got)
	}
	if got := text(t, ctx, `.setting-source[data-key="callback_after_repair_workdays"]`); !strings.Contains(got, "本站") || !strings.Contains(got, "修改影响：苏州服务站") {
		t.Errorf("Suzhou's callback delay source %q", got)
	}
	if got := text(t, ctx, `.setting-source[data-key="sla_repair_minutes"]`); !strings.Contains(got, "总部") {
		t.Errorf("headquarters' value source %q", got)
	}
	if got := text(t, ctx, "#settings-history"); !strings.Contains(got, "2026-12-15 休息") || !strings.Contains(got, "王建国") {
		t.Errorf("history %q", got)
	}
	screenshot(t, ctx, "settings-outlet-holiday")

	// The centre's own page does not list Suzhou's day.
	var listed bool
	if err := chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/settings"),
		chromedp.WaitVisible(chromedp.ID("settings-form")),
	); err != nil {
		t.Fatal(err)
	}
	if listed, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('tr[data-day="2026-12-15"]') !== null`)); err != nil {
		t.Fatal(err)
	}
	if listed {
		t.Error("the centre lists Suzhou's holiday")
	}

	// Suzhou's fee schedule: its own visit fee, headquarters' other prices.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/settings/fees?station="+sz),
		chromedp.WaitVisible(chromedp.CSS(`#fee-items tr[data-code="VISIT"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#fee-items tr[data-code="VISIT"]`); !strings.Contains(got, "价格：本站") {
		t.Errorf("visit fee row %q", got)
	}
	screenshot(t, ctx, "settings-outlet-fees")
}
