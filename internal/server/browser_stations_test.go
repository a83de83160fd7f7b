package server_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserStations: the admin opens 服务站 from the menu, creates the centre 南京区域服务中心
// under headquarters and the outlet 玄武服务站 under it, in Chinese, and finds both in the
// tree. Screenshot: admin-stations.
func TestBrowserStations(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "admin", demo.Password)
	follow(t, ctx, `nav.mainnav a[data-nav="nav.admin_stations"]`)

	id := func(code string) string {
		t.Helper()
		var n int64
		if err := a.Pool.QueryRow(t.Context(), `SELECT id FROM stations WHERE code = $1`, code).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(n, 10)
	}
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
		if got := text(t, ctx, ".flash-ok"); !strings.Contains(got, "已创建服务站 "+name) {
			t.Errorf("flash %q", got)
		}
	}
	create("centre", id("HQ"), "NJ", "南京区域服务中心", "南京市鼓楼区中山北路 30 号", "025-8320 0000")
	create("outlet", id("NJ"), "XW", "玄武服务站", "南京市玄武区中山路 18 号", "025-8460 1234")

	row := text(t, ctx, `#stations tr[data-code="XW"]`)
	for _, want := range []string{"玄武服务站", "服务网点", "025-8460 1234", "Asia/Shanghai", "在用"} {
		if !strings.Contains(row, want) {
			t.Errorf("outlet row %q lacks %q", row, want)
		}
	}
	// In the tree the outlet comes right after its centre, indented one level deeper.
	order, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#stations tbody tr')].map(r => r.dataset.code + ':' + r.cells[0].className)`))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(order, " ")
	if !strings.Contains(joined, "NJ:tree-depth-1 XW:tree-depth-2") {
		t.Errorf("tree order %s", joined)
	}
	screenshot(t, ctx, "admin-stations")

	// Shanghai still works: deactivating it is refused with what keeps it.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#stations tr[data-code="SH"] a.button`)),
		chromedp.WaitVisible(chromedp.ID("deactivate")),
		chromedp.Click(chromedp.ID("deactivate")),
		chromedp.WaitVisible(chromedp.ID("confirm-deactivate")),
		chromedp.Click(chromedp.ID("confirm-deactivate")),
		chromedp.WaitVisible(chromedp.ID("station-refused")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#station-refused"); !strings.Contains(got, "仍在使用，不能停用") || !strings.Contains(got, "陈晓燕") {
		t.Errorf("refusal %q", got)
	}
	screenshot(t, ctx, "admin-station-in-use")
}
