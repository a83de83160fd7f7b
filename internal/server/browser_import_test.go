package server_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/parts"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// downloaded waits for a finished .xlsx in dir and returns its bytes.
func downloaded(t *testing.T, dir string) []byte {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.xlsx"))
		if len(files) > 0 {
			b, err := os.ReadFile(files[0])
			if err == nil && len(b) > 0 {
				if _, err := parts.ReadXLSX(bytes.NewReader(b)); err == nil {
					return b
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no workbook downloaded into %s", dir)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBrowserCustomerImport: the manager opens 导入客户 from the customer archive,
// downloads the template, fills it with two customers of which one has a bad phone,
// uploads it and sees the preview in Chinese naming row and column, with no way to
// confirm; uploads the corrected file, sees each row as it will be stored, confirms, and
// finds the customer in the archive with the import in its history.
// Screenshots: customer-import, customer-import-errors, customer-import-preview,
// customer-import-done.
func TestBrowserCustomerImport(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	dir, files := t.TempDir(), t.TempDir()
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "manager", demo.Password)
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID, DownloadPath: dir}); err != nil {
		t.Fatalf("downloads: %v", err)
	}
	follow(t, ctx, `nav.mainnav a[data-nav="nav.customers"]`)
	follow(t, ctx, `#customer-import`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("import-upload"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "customer-import")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("import-template"))); err != nil {
		t.Fatal(err)
	}
	tmpl, err := parts.ReadXLSX(bytes.NewReader(downloaded(t, dir)))
	if err != nil || len(tmpl) < 1 || tmpl[0][0] != "客户名称" {
		t.Fatalf("template %v %v", tmpl, err)
	}
	header := tmpl[0]
	rows := [][]string{
		{"浦东某某餐饮公司", "李店长", "021-5888 1234", "上海市浦东新区世纪大道 8 号", "格力", "KFR-120LW", "GL-WEB-0001", "2025-06-01", "2027-06-01", "", ""},
		{"徐汇某某学校", "赵老师", "1381234", "上海市徐汇区漕溪北路 2 号", "美的", "MDV-280", "MD-WEB-0002", "2025/7/15", "", "出风口漏水", "紧急"},
	}
	write := func(name string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, importWorkbook(t, header, rows...), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("客户-有错.xlsx")

	sh := strconv.FormatInt(stationID(t, a, "SH"), 10)
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("import-station"), sh),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{bad}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.ID("import-problems")),
	)
	if err != nil {
		t.Fatalf("upload with an error: %v", err)
	}
	if got := text(t, ctx, "#import-problems"); !strings.Contains(got, "第 3 行「电话」列：电话号码“1381234”无效") {
		t.Errorf("problems %q", got)
	}
	if got := text(t, ctx, "#import-summary"); got != "共 2 行：新客户 1 个，重复 0 行，有错误 1 行。" {
		t.Errorf("summary %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#import-confirm").length`)); n != 0 {
		t.Error("a file with an error offers the confirm button")
	}
	screenshot(t, ctx, "customer-import-errors")

	rows[1][2] = "138 1234 5678"
	good := write("客户.xlsx")
	follow(t, ctx, "#import-again")
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("import-upload")),
		chromedp.SetValue(chromedp.ID("import-station"), sh),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{good}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.ID("import-confirm")),
	)
	if err != nil {
		t.Fatalf("corrected upload: %v", err)
	}
	first := text(t, ctx, `#import-rows tr[data-row="2"]`)
	second := text(t, ctx, `#import-rows tr[data-row="3"]`)
	for _, want := range []string{"浦东某某餐饮公司", "021 5888 1234", "GL-WEB-0001", "2025-06-01", "2027-06-01", "新增"} {
		if !strings.Contains(first, want) {
			t.Errorf("row 2 %q lacks %q", first, want)
		}
	}
	for _, want := range []string{"138 1234 5678", "2025-07-15", "2026-07-15", "出风口漏水（紧急）"} {
		if !strings.Contains(second, want) {
			t.Errorf("row 3 %q lacks %q", second, want)
		}
	}
	screenshot(t, ctx, "customer-import-preview")

	follow(t, ctx, "#import-confirm")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("import-result"))); err != nil {
		t.Fatalf("result: %v", err)
	}
	if got := text(t, ctx, "#import-result"); got != "新建客户 2 个，合并到已有客户 0 个，新增设备 2 台，新建工单 1 张，跳过 0 行。" {
		t.Errorf("result %q", got)
	}
	screenshot(t, ctx, "customer-import-done")

	follow(t, ctx, `nav.mainnav a[data-nav="nav.customers"]`)
	typeAndSubmit(t, ctx, "#q", "GL-WEB-0001")
	follow(t, ctx, `a.customer-link`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`tr.history-entry[data-kind="imported"]`))); err != nil {
		t.Fatalf("history: %v", err)
	}
	if got := text(t, ctx, `tr.history-entry[data-kind="imported"]`); !strings.Contains(got, "从 Excel 导入（文件 客户.xlsx，设备 1 台）") || !strings.Contains(got, "王建国") {
		t.Errorf("history %q", got)
	}
}
