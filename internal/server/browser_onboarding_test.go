package server_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/onboard"
	"github.com/chromedp/chromedp"
)

// TestBrowserAdminSetsUpACompany: the admin, in Chinese, sets up a company of one centre
// and three outlets on 服务站, imports the first outlet's customers from an Excel file
// through the home page's 导入客户, and gives the third outlet its own holiday on 设置; the
// holiday is that outlet's alone. Screenshots: onboarding-stations, onboarding-import,
// onboarding-holiday.
func TestBrowserAdminSetsUpACompany(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "admin", demo.Password)
	follow(t, ctx, `nav.mainnav a[data-nav="nav.admin_stations"]`)

	create := func(kind, parent, code, name, address, phone string) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.ID("new-station")),
			chromedp.SetValue(chromedp.ID("kind"), kind),
			chromedp.SetValue(chromedp.ID("parent_id"), parent),
			chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.SendKeys(chromedp.ID("name"), name),
			chromedp.SendKeys(chromedp.ID("address"), address),
			chromedp.SendKeys(chromedp.ID("service_phone"), phone),
			chromedp.Click(chromedp.ID("create-station")),
			chromedp.WaitVisible(chromedp.CSS(`#stations tr[data-code="`+code+`"]`)),
		)
		if err != nil {
			t.Fatalf("create %s: %v", code, err)
		}
	}
	id := func(code string) string { return strconv.FormatInt(stationID(t, a, code), 10) }
	create("centre", id("HQ"), "HN", "华南区域服务中心", "广州市天河区体育西路 1 号", "020-3888 0000")
	create("outlet", id("HN"), "GZ", "广州天河服务站", "广州市天河区天河路 88 号", "020-3888 1001")
	create("outlet", id("HN"), "SZN", "深圳南山服务站", "深圳市南山区科技园 12 号", "0755-2666 1002")
	create("outlet", id("HN"), "FS", "佛山禅城服务站", "佛山市禅城区季华路 6 号", "0757-8222 1003")
	tree, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#stations tbody tr')].map(r => r.dataset.code)`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tree, " "); !strings.Contains(got, "HN GZ SZN FS") && !strings.Contains(got, "HN FS GZ SZN") {
		t.Errorf("the new centre's outlets are not under it: %s", got)
	}
	screenshot(t, ctx, "onboarding-stations")

	// The customers of 广州天河服务站, from the department's spreadsheet.
	file := filepath.Join(t.TempDir(), "广州客户.xlsx")
	rows := [][]string{
		{"天河某某酒店", "陈经理", "020-3888 6601", "广州市天河区林和西路 9 号", "阿特拉斯", "GA37", "AT-GZ-0001", "2025-03-01", "", "", ""},
		{"天河某某酒店", "陈经理", "020-3888 6601", "广州市天河区林和西路 9 号", "阿特拉斯", "GA55", "AT-GZ-0002", "2025-03-01", "", "", ""},
		{"黄埔某某工厂", "林工", "139 2000 1234", "广州市黄埔区开创大道 2 号", "英格索兰", "R75", "IR-GZ-0003", "2024-11-20", "2026-11-20", "", ""},
	}
	if err := os.WriteFile(file, importWorkbook(t, onboard.Headers(), rows...), 0o600); err != nil {
		t.Fatal(err)
	}
	follow(t, ctx, `nav.mainnav a[data-nav="nav.home"]`)
	follow(t, ctx, `a.tile[href="/customers/import"]`)
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("import-upload")),
		chromedp.SetValue(chromedp.ID("import-station"), id("GZ")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
	)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	follow(t, ctx, "#import-submit")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#import-confirm, #import-problems, #import-error"))); err != nil {
		t.Fatalf("preview: %v", err)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "确认导入") {
		t.Fatalf("the preview offers no confirmation: %q", got)
	}
	if got := text(t, ctx, "#import-summary"); !strings.Contains(got, "共 3 行") || !strings.Contains(got, "新客户 2 个") {
		t.Errorf("summary %q", got)
	}
	screenshot(t, ctx, "onboarding-import")
	follow(t, ctx, "#import-confirm")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("import-result"))); err != nil {
		t.Fatalf("result: %v", err)
	}
	if got := text(t, ctx, "#import-result"); !strings.Contains(got, "新建客户 2 个") || !strings.Contains(got, "新增设备 3 台") {
		t.Errorf("result %q", got)
	}
	var customers, units int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(DISTINCT c.id), count(u.id) FROM customers c JOIN stations s ON s.id = c.station_id
		LEFT JOIN units u ON u.customer_id = c.id WHERE s.code = 'GZ'`).Scan(&customers, &units); err != nil {
		t.Fatal(err)
	}
	if customers != 2 || units != 3 {
		t.Errorf("广州天河服务站 holds %d customers and %d units, want 2 and 3", customers, units)
	}

	// 佛山禅城服务站 closes on its own local holiday.
	follow(t, ctx, `nav.mainnav a[data-nav="nav.home"]`)
	follow(t, ctx, `a.tile[href="/settings"]`)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("station-picker")),
		chromedp.SetValue(chromedp.ID("station-select"), id("FS")),
	); err != nil {
		t.Fatal(err)
	}
	follow(t, ctx, `#station-picker button`)
	err = chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.querySelector("#settings-station") && document.querySelector("#settings-station").textContent === "佛山禅城服务站"`, chromedp.WithPollingInterval(100*time.Millisecond)),
		chromedp.SetValue(chromedp.ID("calendar-day"), "2027-01-05"),
		chromedp.Click(chromedp.CSS(`#add-day input[name="kind"][value="holiday"]`)),
		chromedp.Click(chromedp.ID("add-day-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#calendar-days tr[data-day="2027-01-05"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#calendar-days tr[data-day="2027-01-05"]`); !strings.Contains(got, "休息") || !strings.Contains(got, "本站") {
		t.Errorf("calendar row %q", got)
	}
	if got := text(t, ctx, `.setting-source[data-key="sla_repair_minutes"]`); !strings.Contains(got, "总部") {
		t.Errorf("an outlet's inherited value names its source as %q", got)
	}
	if got := text(t, ctx, "#settings-history"); !strings.Contains(got, "2027-01-05 休息") || !strings.Contains(got, "系统管理员") {
		t.Errorf("history %q", got)
	}
	screenshot(t, ctx, "onboarding-holiday")
	var where []string
	rowsQ, err := a.Pool.Query(t.Context(), `SELECT s.code FROM calendar_days d JOIN stations s ON s.id = d.station_id WHERE d.day = '2027-01-05'`)
	if err != nil {
		t.Fatal(err)
	}
	for rowsQ.Next() {
		var c string
		if err := rowsQ.Scan(&c); err != nil {
			t.Fatal(err)
		}
		where = append(where, c)
	}
	if strings.Join(where, ",") != "FS" {
		t.Errorf("the holiday is kept for %v, want FS alone", where)
	}
	// The admin's settings tabs are the station settings they open; no manager-only tab.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('nav.tabs a[href="/settings/complaints"]').length`)); n != 0 {
		t.Error("the admin is offered the complaint rules tab, which refuses them")
	}
}
