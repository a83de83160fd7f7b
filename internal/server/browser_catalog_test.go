package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserCatalogImportAndPlan: the storekeeper opens 配件目录, uploads a workbook
// with a bad row and sees the row named in Chinese, then a good one and sees the flash
// and the new part; 采购计划 lists the new part (no stock, reorder point 5).
// Screenshots: catalog-import-errors, purchase-plan.
func TestBrowserCatalogImportAndPlan(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	setStock(t, a, "P-AF-001", 3)
	dir := t.TempDir()
	badPath := filepath.Join(dir, "bad.xlsx")
	goodPath := filepath.Join(dir, "good.xlsx")
	bad := catalogWorkbook(t,
		[]string{"P-WEB-01", "干燥机滤芯", "DF-30", "个", "128.5", "5", "否", "是", "是"},
		[]string{"P-WEB-02", "", "DF-40", "个", "99", "5", "否", "是", "是"},
		[]string{"P-WEB-03", "排气温度开关", "120℃", "个", "免费", "2", "否", "否", "是"},
	)
	good := catalogWorkbook(t,
		[]string{"P-WEB-01", "干燥机滤芯", "DF-30", "个", "128.5", "5", "否", "是", "是"},
	)
	if err := os.WriteFile(badPath, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goodPath, good, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "storekeeper", demo.Password)
	follow(t, ctx, `nav.mainnav a[data-nav="nav.catalog"]`)
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("catalog-import")),
		chromedp.SetUploadFiles(chromedp.ID("catalog-file"), []string{badPath}),
		chromedp.Click(chromedp.CSS(`#catalog-import button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("import-errors")),
	)
	if err != nil {
		t.Fatalf("bad import: %v", err)
	}
	errs := text(t, ctx, "#import-errors")
	for _, want := range []string{"第 3 行：名称不能为空", "第 4 行：单价“免费”无效"} {
		if !strings.Contains(errs, want) {
			t.Errorf("row errors %q lack %q", errs, want)
		}
	}
	if got := text(t, ctx, "#import-error"); !strings.Contains(got, "没有导入任何数据") {
		t.Errorf("import error %q", got)
	}
	screenshot(t, ctx, "catalog-import-errors")

	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.ID("catalog-file"), []string{goodPath}),
		chromedp.Click(chromedp.CSS(`#catalog-import button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
		chromedp.WaitVisible(chromedp.CSS(`#catalog tr[data-code="P-WEB-01"]`)),
	)
	if err != nil {
		t.Fatalf("good import: %v", err)
	}
	if got := text(t, ctx, ".flash-ok"); got != "导入完成：新增 1 个配件，更新 0 个配件。" {
		t.Errorf("flash %q", got)
	}
	if got := text(t, ctx, `#catalog tr[data-code="P-WEB-01"]`); !strings.Contains(got, "干燥机滤芯") || !strings.Contains(got, "128.50") {
		t.Errorf("new part row %q", got)
	}

	follow(t, ctx, `nav.mainnav a[data-nav="nav.plan"]`)
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#plan tr[data-code="P-WEB-01"]`)),
	)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	// No stock, reorder point 5: order 10 at 128.50.
	if got := text(t, ctx, `#plan tr[data-code="P-WEB-01"]`); !strings.Contains(got, "干燥机滤芯") || !strings.Contains(got, "1285.00") {
		t.Errorf("plan row %q", got)
	}
	if got := text(t, ctx, `#plan tr[data-code="P-AF-001"]`); !strings.Contains(got, "17") {
		t.Errorf("P-AF-001 plan row %q, want 17 to order", got)
	}
	screenshot(t, ctx, "purchase-plan")
}
