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

// TestBrowserFieldKitDay is a day with the field kit in headless Chromium (zh-CN), the
// technician on a 1024×768 tablet: the supervisor records the safety meeting; the
// storekeeper finds the overdue instrument cannot be lent, lends a toolbox and a loaner
// for the job; the technician ticks the kit before leaving (the rag is missing), checks
// in before confirming the meeting and is reminded, confirms, and completes the job; the
// supervisor sees the job that left with a missing item and the check-in before the
// meeting.
func TestBrowserFieldKitDay(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var id, number string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.number FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.state = 'dispatched' ORDER BY o.id LIMIT 1`).Scan(&id, &number); err != nil {
		t.Fatalf("no dispatched demo order for tech1: %v", err)
	}
	run := func(t *testing.T, ctx context.Context, name, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			shot, _ := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			_ = os.WriteFile(filepath.Join(repoRoot(t), "test-artifacts", "screenshots", "FAILED-"+name+".png"), shot, 0o644)
			t.Fatalf("%s: %v", step, err)
		}
	}

	// The supervisor records today's safety meeting.
	sup := browser(t)
	uiSignIn(t, sup, a.URL, "supervisor", demo.Password)
	follow(t, sup, `a.tile[href="/safety"]`)
	run(t, sup, "safety", "record the meeting",
		chromedp.WaitVisible(chromedp.ID("safety-form")),
		chromedp.SetValue(chromedp.ID("held_at"), "00:00"),
		chromedp.SendKeys(chromedp.ID("topic"), "压力管路作业安全"),
		chromedp.SendKeys(chromedp.ID("hazards"), "储气罐带压拆卸、高温排气管"),
		chromedp.SendKeys(chromedp.ID("measures"), "泄压至零再拆，戴护目镜和隔热手套"),
		chromedp.Click(chromedp.CSS(`#safety-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("safety-meeting")),
	)
	screenshot(t, sup, "fieldkit-safety-meeting")

	// The storekeeper: the overdue instrument offers no lending; the toolbox is lent to
	// 张伟 for the job, the loaner to the job's customer.
	keeper := browser(t)
	uiSignIn(t, keeper, a.URL, "storekeeper", demo.Password)
	follow(t, keeper, `nav a[href="/tools"]`)
	run(t, keeper, "tools", "ledger", chromedp.WaitVisible(chromedp.ID("tools-due-list")))
	if due := text(t, keeper, "#tools-due-list"); !strings.Contains(due, "JL-002") || !strings.Contains(due, "校准过期") || !strings.Contains(due, "JL-001") {
		t.Errorf("calibration-due list: %q", due)
	}
	screenshot(t, keeper, "fieldkit-tools-ledger")
	follow(t, keeper, `#tools-due-list tr.overdue a`)
	run(t, keeper, "tools", "overdue tool", chromedp.WaitVisible(chromedp.ID("tool-overdue-note")))
	if n, _ := chromedp.Run(keeper, chromedp.Evaluate[int](`document.querySelectorAll("#tool-lend-form").length`)); n != 0 {
		t.Error("the overdue instrument offers lending")
	}
	run(t, keeper, "tools", "open the toolbox", chromedp.Navigate(a.URL+"/tools"), chromedp.WaitVisible(chromedp.ID("tools-list")))
	follow(t, keeper, `tr[data-tool="GJ-001"] a`)
	run(t, keeper, "tools", "lend the toolbox",
		chromedp.WaitVisible(chromedp.ID("tool-lend-form")),
		chromedp.SetValue(chromedp.ID("holder"), a.scalarText(t, `SELECT id::text FROM users WHERE username = 'tech1'`)),
		chromedp.SendKeys(chromedp.ID("lend-order"), number),
		chromedp.Click(chromedp.CSS(`#tool-lend-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("tool-return-form")),
	)
	if s := text(t, keeper, "#tool-state"); s != "借出" {
		t.Errorf("toolbox state %q", s)
	}
	screenshot(t, keeper, "fieldkit-tool-lent")
	follow(t, keeper, `nav a[href="/loaners"]`)
	run(t, keeper, "loaners", "lend a loaner",
		chromedp.WaitVisible(chromedp.CSS(`article[data-serial="BJ-0002"] .loaner-lend-form`)),
		chromedp.SendKeys(chromedp.CSS(`article[data-serial="BJ-0002"] input[name=order]`), number),
		chromedp.SetValue(chromedp.CSS(`article[data-serial="BJ-0002"] input[name=expected_return]`), time.Now().AddDate(0, 0, 7).Format(time.DateOnly)),
		chromedp.Click(chromedp.CSS(`article[data-serial="BJ-0002"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`article[data-serial="BJ-0002"] .loaner-return-form`)),
	)
	screenshot(t, keeper, "fieldkit-loaners")

	// The technician on the tablet.
	tab := browser(t)
	ctx, cancel := context.WithTimeout(tab, 120*time.Second)
	defer cancel()
	run(t, ctx, "tablet", "viewport", chromedp.EmulateViewport(1024, 768, chromedp.EmulateTouch))
	uiSignIn(t, ctx, a.URL, "tech1", demo.Password)
	run(t, ctx, "tablet", "open the job", chromedp.Navigate(a.URL+"/orders/"+id), chromedp.WaitVisible(chromedp.ID("departure-form")))
	if l := text(t, ctx, "#order-loaner"); !strings.Contains(l, "BJ-0002") {
		t.Errorf("the job's loaner: %q", l)
	}
	run(t, ctx, "tablet", "tick the kit",
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#departure-form input[name=item]').forEach(c => { c.checked = c.value !== "抹布" })`),
		chromedp.SendKeys(chromedp.ID("departure-note"), "抹布用完，路上补买"),
	)
	if h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.min(...[...document.querySelectorAll(".kit-item")].map(l => l.getBoundingClientRect().height))`)); err != nil || h < 44 {
		t.Errorf("kit items are %.0f px high (%v)", h, err)
	}
	screenshot(t, ctx, "fieldkit-tablet-checklist")
	run(t, ctx, "tablet", "record the check",
		chromedp.Click(chromedp.CSS(`#departure-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("departure-missing")),
	)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	start := time.Now().In(sh).Add(2 * time.Hour).Truncate(time.Hour)
	run(t, ctx, "tablet", "appointment",
		chromedp.SetAttributeValue(chromedp.CSS("#action-make_appointment"), "open", ""),
		chromedp.SetValue(chromedp.ID("make_appointment-start"), start.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("make_appointment-end"), start.Add(2*time.Hour).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`button[data-action="make_appointment"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	)
	run(t, ctx, "tablet", "check in",
		chromedp.SetAttributeValue(chromedp.CSS("#action-check_in"), "open", ""),
		chromedp.Click(chromedp.CSS(`button[data-action="check_in"]`)),
		chromedp.WaitVisible(chromedp.ID("safety-reminder")),
	)
	if tools := text(t, ctx, "#departure"); !strings.Contains(tools, "抹布") {
		t.Errorf("the check after the check-in: %q", tools)
	}
	screenshot(t, ctx, "fieldkit-tablet-reminder")
	run(t, ctx, "tablet", "confirm the meeting",
		chromedp.Click(chromedp.CSS(`#safety-confirm-form button`)),
		chromedp.WaitVisible(chromedp.ID("safety-attended")),
	)
	screenshot(t, ctx, "fieldkit-tablet-jobs")
	run(t, ctx, "tablet", "complete",
		chromedp.Navigate(a.URL+"/orders/"+id),
		chromedp.WaitVisible(chromedp.ID("complete-form")),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.SendKeys(chromedp.ID("complete-diagnosis"), "进气阀密封圈老化漏气"),
		chromedp.SendKeys(chromedp.ID("complete-fault_cause"), "密封圈老化"),
		chromedp.SendKeys(chromedp.ID("complete-actions_taken"), "更换进气阀密封圈，试机正常"),
		chromedp.Click(chromedp.CSS(`input[name="test_run"][value="done"]`)),
		chromedp.Click(chromedp.CSS(`input[name="field_class"][value="part_within_year"]`)),
		chromedp.Click(chromedp.CSS(`input[name="rating"][value="5"]`)),
		chromedp.SendKeys(chromedp.ID("complete-no_signature_reason"), "客户负责人外出，电话确认"),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`button[data-action="complete"]`))); err != nil {
		t.Fatalf("complete: %v", err)
	}
	if s := text(t, ctx, "#order-state"); s != "待回访" {
		t.Fatalf("after completing: %q (%s)", s, text(t, ctx, "main"))
	}
	screenshot(t, ctx, "fieldkit-tablet-completed")

	// The supervisor sees the job that left without the rag, and 张伟's check-in before
	// the meeting.
	run(t, sup, "safety", "supervisor's page", chromedp.Navigate(a.URL+"/safety"), chromedp.WaitVisible(chromedp.ID("kit-missing")))
	if m := text(t, sup, "#kit-missing"); !strings.Contains(m, number) || !strings.Contains(m, "抹布") {
		t.Errorf("missing-kit list: %q", m)
	}
	today := time.Now().In(sh).Format(time.DateOnly)
	if u := text(t, sup, `#safety-days tr[data-day="`+today+`"]`); !strings.Contains(u, "张伟") {
		t.Errorf("today's row: %q", u)
	}
	screenshot(t, sup, "fieldkit-safety-month")
}

func (a *app) scalarText(t *testing.T, sql string) string {
	t.Helper()
	var s string
	if err := a.Pool.QueryRow(context.Background(), sql).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
