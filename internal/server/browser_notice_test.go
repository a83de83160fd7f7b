package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/chromedp/chromedp"
)

// TestBrowserNoticeJourney is a technical notice in headless Chromium (zh-CN): HQ issues
// it with a PDF attached for a model and serial range that covers three Shanghai units;
// Shanghai's supervisor orders two of them and marks the third 无法执行 (环: 现场关闭);
// a technician completes one order; the notice shows 1 / 3 executed.
func TestBrowserNoticeJourney(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx0 := context.Background()
	for _, s := range []string{"TN2-001", "TN2-002", "TN2-003"} {
		if _, err := a.Pool.Exec(ctx0, `WITH c AS (INSERT INTO customers (station_id, name)
			SELECT station_id, '通知客户' || $1 FROM users WHERE username = 'supervisor' RETURNING id)
			INSERT INTO units (customer_id, brand, model, serial) SELECT id, '恒温', 'TN-200', $1 FROM c`, s); err != nil {
			t.Fatal(err)
		}
	}
	pdf := filepath.Join(t.TempDir(), "技术通知-密封圈.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// HQ issues the notice with the PDF.
	hq := browser(t)
	uiSignIn(t, hq, a.URL, "admin", demo.Password)
	if err := chromedp.Do(hq, chromedp.Navigate(a.URL+"/notices"), chromedp.WaitVisible(chromedp.CSS("#notice-issue summary"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(hq,
		chromedp.Click(chromedp.CSS("#notice-issue summary")),
		chromedp.WaitVisible(chromedp.ID("notice-title")),
		chromedp.SendKeys(chromedp.ID("notice-title"), "TN-200 进气阀密封圈更换"),
		chromedp.SendKeys(chromedp.ID("notice-content"), "该批次进气阀密封圈易老化，请更换并检查阀芯。"),
		chromedp.SendKeys(chromedp.ID("notice-parts"), "进气阀密封圈 ×1"),
		chromedp.SendKeys(chromedp.ID("notice-brand"), "恒温"),
		chromedp.SendKeys(chromedp.ID("notice-model"), "TN-200"),
		chromedp.SendKeys(chromedp.ID("notice-serial_from"), "TN2-001"),
		chromedp.SendKeys(chromedp.ID("notice-serial_to"), "TN2-999"),
		chromedp.SetValue(chromedp.ID("notice-deadline"), time.Now().AddDate(0, 1, 0).Format("2006-01-02")),
		chromedp.SetUploadFiles(chromedp.ID("notice-files"), []string{pdf}),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, hq, "admin-notice-issue-form")
	follow(t, hq, "#notice-submit")
	waitFor(t, hq, "the issued notice's page", `!!document.getElementById("notice-progress") && !!document.getElementById("notice-files-list")`, 30*time.Second)
	if got := text(t, hq, "#notice-progress"); got != "0 / 3" {
		t.Fatalf("progress after issuing: %q", got)
	}
	if f := text(t, hq, "#notice-files-list"); !strings.Contains(f, "技术通知-密封圈.pdf") {
		t.Fatalf("attachments: %q", f)
	}
	screenshot(t, hq, "admin-notice-issued")
	var noticeID string
	if err := a.Pool.QueryRow(ctx0, `SELECT id::text FROM notices WHERE model = 'TN-200'`).Scan(&noticeID); err != nil {
		t.Fatal(err)
	}

	// Shanghai's supervisor orders two units and marks the third as not executable.
	sup := browser(t)
	uiSignIn(t, sup, a.URL, "supervisor", demo.Password)
	if err := chromedp.Do(sup, chromedp.Navigate(a.URL+"/notices/"+noticeID), chromedp.WaitVisible(chromedp.ID("notice-units"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(sup,
		chromedp.Click(chromedp.CSS(`#notice-unit-TN2-001 input[type="checkbox"]`)),
		chromedp.Click(chromedp.CSS(`#notice-unit-TN2-002 input[type="checkbox"]`)),
	); err != nil {
		t.Fatal(err)
	}
	follow(t, sup, "#notice-create-orders")
	waitFor(t, sup, "two units executing", `["TN2-001", "TN2-002"].every(s => (document.getElementById("notice-unit-" + s) || {}).textContent?.includes("执行中"))`, 30*time.Second)
	if err := chromedp.Do(sup,
		chromedp.SetValue(chromedp.CSS(`#notice-unit-TN2-003 select[name="reason"]`), "environment"),
		chromedp.SendKeys(chromedp.CSS(`#notice-unit-TN2-003 input[name="note"]`), "现场关闭"),
	); err != nil {
		t.Fatal(err)
	}
	follow(t, sup, `#notice-unit-TN2-003 button[type="submit"]`)
	waitFor(t, sup, "the third unit not executable", `(document.getElementById("notice-unit-TN2-003") || {}).textContent?.includes("无法执行")`, 30*time.Second)
	if row := text(t, sup, "#notice-unit-TN2-003"); !strings.Contains(row, "环: 现场关闭") {
		t.Fatalf("the unable unit's row: %q", row)
	}
	screenshot(t, sup, "supervisor-notice-units")

	// The first order goes to tech1 up to the check-in.
	var orderID int64
	if err := a.Pool.QueryRow(ctx0, `SELECT nu.order_id FROM notice_units nu JOIN units u ON u.id = nu.unit_id
		WHERE u.serial = 'TN2-001'`).Scan(&orderID); err != nil {
		t.Fatal(err)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	orders := workorder.NewService(a.Pool, time.Now, sh)
	hot, boss, tech := testkit.Actor(t, a.Pool, "hotline"), testkit.Actor(t, a.Pool, "supervisor"), testkit.Actor(t, a.Pool, "tech1")
	o, err := orders.OrderByID(ctx0, boss, orderID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(time.Hour).Truncate(time.Hour)
	steps := []struct {
		name string
		do   func() (workorder.Order, error)
	}{
		{"forward", func() (workorder.Order, error) {
			return orders.Forward(ctx0, hot, o.ID, o.Version, "技术通知执行")
		}},
		{"assess", func() (workorder.Order, error) {
			return orders.Assess(ctx0, boss, o.ID, o.Version, workorder.Assessment{CauseAnalysis: "按技术通知更换进气阀密封圈",
				RepairPlan: "上门更换密封圈并检查阀芯", ServiceMode: "onsite", Complexity: "simple", PartsNeeded: "进气阀密封圈 ×1", ToolsNeeded: "常规工具"})
		}},
		{"assign", func() (workorder.Order, error) { return orders.Assign(ctx0, boss, o.ID, o.Version, tech.UserID, "") }},
		{"appointment", func() (workorder.Order, error) {
			return orders.MakeAppointment(ctx0, tech, o.ID, o.Version, start, start.Add(2*time.Hour), "已电话联系客户")
		}},
		{"check in", func() (workorder.Order, error) { return orders.CheckIn(ctx0, tech, o.ID, o.Version) }},
	}
	for _, s := range steps {
		if o, err = s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}

	// tech1 completes it on the order page.
	tc := browser(t)
	uiSignIn(t, tc, a.URL, "tech1", demo.Password)
	id := strconv.FormatInt(orderID, 10)
	if err := chromedp.Do(tc, chromedp.Navigate(a.URL+"/orders/"+id), chromedp.WaitVisible(chromedp.ID("complete-form"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tc,
		chromedp.Poll[chromedp.Void](`document.readyState === "complete" && !!document.getElementById("complete-diagnosis")`, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.SendKeys(chromedp.ID("complete-diagnosis"), "进气阀密封圈老化"),
		chromedp.SendKeys(chromedp.ID("complete-fault_cause"), "密封圈材质批次问题"),
		chromedp.SendKeys(chromedp.ID("complete-actions_taken"), "按技术通知更换进气阀密封圈，试机正常"),
		chromedp.Click(chromedp.CSS(`input[name="test_run"][value="done"]`)),
		chromedp.Click(chromedp.CSS(`input[name="usage_guidance"]`)),
		chromedp.Click(chromedp.CSS(`input[name="field_class"][value="retrofit"]`)),
		chromedp.SendKeys(chromedp.ID("complete-no_signature_reason"), "客户负责人不在现场"),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, tc, "technician-notice-complete-form")
	if err := chromedp.Do(tc, chromedp.Click(chromedp.CSS(`button[data-action="complete"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tc, "the order completed", `(document.getElementById("order-state") || {}).textContent?.trim() === "待回访"`, 30*time.Second)

	// The notice shows one of three executed, to the supervisor and to HQ.
	if err := chromedp.Do(sup, chromedp.Navigate(a.URL+"/notices/"+noticeID), chromedp.WaitVisible(chromedp.ID("notice-progress"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, sup, "#notice-progress"); got != "1 / 3" {
		t.Fatalf("supervisor's progress: %q", got)
	}
	if row := text(t, sup, "#notice-unit-TN2-001"); !strings.Contains(row, "已执行") {
		t.Errorf("the completed unit's row: %q", row)
	}
	screenshot(t, sup, "supervisor-notice-progress")
	if err := chromedp.Do(hq, chromedp.Navigate(a.URL+"/notices"), chromedp.WaitVisible(chromedp.ID("notice-list"))); err != nil {
		t.Fatal(err)
	}
	if list := text(t, hq, "#notice-list"); !strings.Contains(list, "TN-200 进气阀密封圈更换") || !strings.Contains(list, "1 / 3") {
		t.Errorf("HQ's list: %q", list)
	}
	screenshot(t, hq, "admin-notice-list")
}
