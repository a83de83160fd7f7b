package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserReceiptAndStocktake: the storekeeper, as a new user would, receives a
// delivery with a rejected line from the navigation, sees where each quantity went,
// returns the rejected part to the supplier; then opens a count of the warehouse on a
// tablet held upright, counts every line (one short, with a reason) and posts it.
// Screenshots: receipt, stocktake-sheet.
func TestBrowserReceiptAndStocktake(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "storekeeper", demo.Password)

	follow(t, ctx, `nav.mainnav a[data-nav="nav.receipts"]`)
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("supplier")),
		chromedp.SendKeys(chromedp.ID("supplier"), "上海阿特拉斯配件有限公司"),
		chromedp.SendKeys(chromedp.ID("delivery_note"), "SHD-20261122-01"),
		chromedp.SendKeys(chromedp.ID("line_0_part"), "P-OS-001"),
		chromedp.SendKeys(chromedp.ID("line_0_delivered"), "5"),
		chromedp.SendKeys(chromedp.ID("line_0_accepted"), "4"),
		chromedp.SendKeys(chromedp.ID("line_0_rejected"), "1"),
		chromedp.SendKeys(chromedp.ID("line_1_part"), "P-FUSE-1"),
		chromedp.SendKeys(chromedp.ID("line_1_delivered"), "20"),
		chromedp.Click(chromedp.ID("create-receipt")),
		chromedp.WaitVisible(chromedp.ID("receipt-title")),
	)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	if got := text(t, ctx, ".flash-ok"); !strings.Contains(got, "入库验收已登记") {
		t.Errorf("flash %q", got)
	}
	row := "#receipt-line-P-OS-001"
	if got := text(t, ctx, row+" .line-accepted"); got != "4" {
		t.Errorf("accepted %q", got)
	}
	if got := text(t, ctx, row+" .line-rejected"); !strings.HasPrefix(got, "1") {
		t.Errorf("rejected %q", got)
	}
	if got := text(t, ctx, "#receipt-line-P-FUSE-1 .line-accepted"); got != "20" {
		t.Errorf("fuses accepted %q (blank accepted means all)", got)
	}
	if got := text(t, ctx, "table.movements"); !strings.Contains(got, "不合格品区") || !strings.Contains(got, "仓库") {
		t.Errorf("movements %q", got)
	}
	screenshot(t, ctx, "receipt")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" button"))); err != nil {
		t.Fatalf("return: %v", err)
	}
	// The return is a post and a redirect: wait until the new page has its message (the
	// check reads the live document, so it survives the navigation).
	waitFor(t, ctx, "the return", `(document.querySelector(".flash-ok")?.textContent || "").includes("已退回供应商")`, 10*time.Second)
	if got := text(t, ctx, row+" .line-returned"); got != "1" {
		t.Errorf("returned %q", got)
	}
	if got := text(t, ctx, "table.movements"); !strings.Contains(got, "退供应商") {
		t.Errorf("no return movement: %q", got)
	}

	// The count, on a tablet held upright.
	var wh int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT l.id FROM locations l JOIN stations s ON s.id = l.station_id WHERE s.code = 'SH' AND l.kind = 'warehouse'`).Scan(&wh); err != nil {
		t.Fatal(err)
	}
	loc := "#location-" + strconv.FormatInt(wh, 10)
	if err = chromedp.Do(ctx, chromedp.EmulateViewport(800, 1280)); err != nil {
		t.Fatal(err)
	}
	follow(t, ctx, `nav.mainnav a[data-nav="nav.stocktakes"]`)
	err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(loc)))
	if err != nil {
		t.Fatalf("stocktakes: %v", err)
	}
	if got := text(t, ctx, loc); !strings.Contains(got, "从未盘点") || !strings.Contains(got, "应盘点") {
		t.Errorf("warehouse row %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(loc+" button")),
		chromedp.WaitVisible(chromedp.ID("stocktake-sheet")),
	)
	if err != nil {
		t.Fatalf("open the count: %v", err)
	}
	lines, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll("#sheet input[data-ledger]")].map(i => [i.id, i.dataset.ledger, i.closest("tr").id])`))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < 2 {
		t.Fatalf("sheet lines %v", lines)
	}
	var short, shortReason string
	for _, l := range lines {
		count := l[1]
		if l[2] == "line-P-OS-001" {
			n, _ := strconv.Atoi(l[1])
			count = strconv.Itoa(n - 1)
			short, shortReason = l[0], strings.Replace(l[0], "counted_", "reason_", 1)
		}
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID(l[0]), count)); err != nil {
			t.Fatalf("count %s: %v", l[0], err)
		}
	}
	if short == "" {
		t.Fatal("the received part is not on the sheet")
	}
	if got := text(t, ctx, "#line-P-OS-001 .variance"); got != "-1" {
		t.Errorf("live variance %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID(shortReason), "油分芯外包装破损，已报废未登记")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "stocktake-sheet")

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("confirm-post")),
		chromedp.Click(chromedp.ID("post-stocktake")),
	)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	waitFor(t, ctx, "the post", `(document.querySelector(".flash-ok")?.textContent || "").includes("盘点已过账")`, 10*time.Second)
	if got := text(t, ctx, "#stocktake-state"); got != "已过账" {
		t.Errorf("state %q", got)
	}
	if got := text(t, ctx, "table.movements"); !strings.Contains(got, "盘点调整") || !strings.Contains(got, "油分芯外包装破损") {
		t.Errorf("adjustments %q", got)
	}
	follow(t, ctx, `nav.mainnav a[data-nav="nav.stocktakes"]`)
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(loc)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, loc); !strings.Contains(got, "上次盘点：") || !strings.Contains(got, "本周已盘") {
		t.Errorf("warehouse row after the count %q", got)
	}
}
