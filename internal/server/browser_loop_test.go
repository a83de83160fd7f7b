package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/chromedp/chromedp"
)

// TestBrowserNewCallsReachTheBoard: an urgent call the hotline logs appears live at the
// top of the board's 新报修 / 待评估 column, and the supervisor assesses it from its card.
func TestBrowserNewCallsReachTheBoard(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "supervisor", demo.Password)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1600, 1100), chromedp.Navigate(a.URL+"/board"),
		chromedp.WaitVisible(chromedp.ID("col-intake"))); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	waitFor(t, ctx, "the board's event stream connects", `document.getElementById("board").dataset.live === "open"`, 10*time.Second)

	// The hotline logs an urgent call on a Shanghai customer.
	hot := testkit.Actor(t, a.Pool, "hotline")
	var custID, unitID int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT c.id, un.id FROM customers c JOIN stations s ON s.id = c.station_id JOIN units un ON un.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id DESC, un.id LIMIT 1`).Scan(&custID, &unitID); err != nil {
		t.Fatal(err)
	}
	loc := testkit.Shanghai
	o, err := workorder.NewService(a.Pool, time.Now, loc).Create(t.Context(), hot, workorder.NewOrder{CustomerID: custID, UnitID: unitID,
		Channel: "phone", Symptom: "整机断电无法启动，产线停工", Urgency: "urgent", ServiceType: "repair"})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(o.ID, 10)
	waitFor(t, ctx, "the new call appears in 新报修 / 待评估 without a reload", `!!document.querySelector("#col-intake #card-`+id+`")`, 15*time.Second)
	// Urgent calls come before normal ones, and among them the earliest contact due first.
	order, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#col-intake .board-item")].map(c => c.classList.contains("urgent") ? "U" : "N").join("")`))
	if err != nil || !strings.HasPrefix(order, "UU") || strings.Contains(strings.TrimLeft(order, "U"), "U") {
		t.Errorf("intake column order %q (%v), want urgent first", order, err)
	}
	// Its contact falls due last of the urgent calls: it is the last urgent card.
	if pos, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#col-intake .board-item")].findIndex(c => c.id === "card-`+id+`")`)); pos != strings.Count(order, "U")-1 {
		t.Errorf("the new urgent call is card %d of %q", pos, order)
	}
	if got := text(t, ctx, "#col-intake h2"); !strings.Contains(got, "新报修 / 待评估") {
		t.Errorf("column heading %q", got)
	}
	screenshot(t, ctx, "board-new-call")

	// Assess it from the card: the link opens the order with the assessment form open.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#card-`+id+` a[data-card-action="assess"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#action-assess[open] textarea[name="cause_analysis"]`)),
		chromedp.SendKeys(chromedp.CSS(`#action-assess textarea[name="cause_analysis"]`), "主电源接触器烧蚀"),
		chromedp.SendKeys(chromedp.CSS(`#action-assess textarea[name="repair_plan"]`), "上门更换接触器"),
		chromedp.Click(chromedp.CSS(`#action-assess input[name="service_mode"][value="onsite"]`)),
		chromedp.Click(chromedp.CSS(`#action-assess button[data-action="assess"]`)),
		chromedp.WaitVisible(chromedp.ID("order-state")),
	); err != nil {
		t.Fatalf("assess from the card: %v", err)
	}
	waitFor(t, ctx, "the order awaits dispatch", `document.getElementById("order-state").textContent.includes("待派工")`, 10*time.Second)
	if got := text(t, ctx, "#order-complexity"); !strings.Contains(got, "简单故障") {
		t.Errorf("complexity %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+"/board"), chromedp.WaitVisible(chromedp.ID("col-awaiting_dispatch"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the card moved to 待派工", `!!document.querySelector("#col-awaiting_dispatch #card-`+id+`") && !document.querySelector("#col-intake #card-`+id+`")`, 10*time.Second)
	// Cancel is reachable from a new call's card too.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#col-intake a[data-card-action="cancel"]').length`)); err != nil || n == 0 {
		t.Errorf("cancel links on new calls: %d (%v)", n, err)
	}
}

// TestBrowserManagerMenuOnOneLine: at 1366 px the manager's menu and the user block fit
// in the top bar's one row.
func TestBrowserManagerMenuOnOneLine(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatal(err)
	}
	uiSignIn(t, ctx, a.URL, "manager", demo.Password)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Set([...document.querySelectorAll(".mainnav a")].map(a => a.getBoundingClientRect().top)).size`))
	if err != nil || rows != 1 {
		t.Errorf("the menu takes %d rows at 1366 px (%v)", rows, err)
	}
	sameRow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const nav = document.querySelector(".mainnav").getBoundingClientRect(), who = document.querySelector(".who").getBoundingClientRect();
		return who.top < nav.bottom && nav.top < who.bottom; })()`))
	if err != nil || !sameRow {
		t.Errorf("the user block wraps below the menu at 1366 px (%v)", err)
	}
	screenshot(t, ctx, "manager-menu-1366")
}
