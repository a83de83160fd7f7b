package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// waitFor polls a JavaScript condition until it holds or the time is up.
func waitFor(t *testing.T, ctx context.Context, what, js string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (last error %v)", what, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserBoardDragAndLiveUpdate: supervisor A drags an unassigned card onto a
// technician; supervisor B's open board shows it moved without a reload. Then A
// reassigns by dragging to the other technician and gives the reason in the dialog.
// Then, with JavaScript off, a third session dispatches with the card's assign page.
func TestBrowserBoardDragAndLiveUpdate(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	authSvc := auth.NewService(a.Pool, time.Now)
	var sh int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT id FROM stations WHERE code = 'SH'`).Scan(&sh); err != nil {
		t.Fatal(err)
	}
	if _, err := authSvc.AddUser(t.Context(), auth.NewUser{Username: "supervisor2", DisplayName: "马红", Role: auth.RoleSupervisor, StationID: sh, Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	tech1, tech2 := userID(t, a, "tech1"), userID(t, a, "tech2")

	ctxA, ctxB := browser(t), browser(t)
	for _, c := range []struct {
		ctx  context.Context
		user string
	}{{ctxA, "supervisor"}, {ctxB, "supervisor2"}} {
		uiSignIn(t, c.ctx, a.URL, c.user, demo.Password)
		if err := chromedp.Do(c.ctx, chromedp.EmulateViewport(1400, 2200), chromedp.Navigate(a.URL+"/board?view=tech"),
			chromedp.WaitVisible(chromedp.ID("lane-unassigned"))); err != nil {
			t.Fatalf("%s opens the board: %v", c.user, err)
		}
	}
	// B marks its page: a reload would lose the mark.
	if _, err := chromedp.Run(ctxB, chromedp.Evaluate[int](`window.__sameLoad = 42`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctxB, "B's event stream connects", `document.getElementById("board").dataset.live === "open"`, 5*time.Second)

	card, err := chromedp.Run(ctxA, chromedp.Evaluate[string](`document.querySelector("#lane-unassigned .board-item").dataset.id`))
	if err != nil || card == "" {
		t.Fatalf("no unassigned card: %v", err)
	}
	screenshot(t, ctxA, "board-before-drag")
	if err := chromedp.Do(ctxA, chromedp.DragAndDrop(chromedp.CSS("#card-"+card+" .card-customer"), chromedp.CSS("#lane-"+tech1))); err != nil {
		t.Fatalf("drag: %v", err)
	}
	inLane := func(tech string) string {
		return `!!document.querySelector("#lane-` + tech + ` #card-` + card + `")`
	}
	waitFor(t, ctxA, "A sees the card on 张伟", inLane(tech1), 5*time.Second)
	waitFor(t, ctxA, "A's confirmation", `document.getElementById("board-message").textContent.includes("已派工")`, 5*time.Second)
	waitFor(t, ctxB, "B sees the card move without reloading", inLane(tech1), 5*time.Second)
	if same, _ := chromedp.Run(ctxB, chromedp.Evaluate[int](`window.__sameLoad || 0`)); same != 42 {
		t.Error("B's page was reloaded")
	}
	screenshot(t, ctxB, "board-live-update")

	// Reassign by dragging to the other technician: the dialog asks for the reason.
	if err := chromedp.Do(ctxA, chromedp.DragAndDrop(chromedp.CSS("#card-"+card+" .card-customer"), chromedp.CSS("#lane-"+tech2)),
		chromedp.WaitVisible(chromedp.ID("reason-dialog"))); err != nil {
		t.Fatalf("reassign drag: %v", err)
	}
	screenshot(t, ctxA, "board-reassign-reason")
	if err := chromedp.Do(ctxA, chromedp.SendKeys(chromedp.ID("reason-text"), "张伟临时去处理紧急故障"), chromedp.Click(chromedp.ID("reason-ok"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctxA, "A sees the card on 刘洋", inLane(tech2), 5*time.Second)
	waitFor(t, ctxB, "B sees the reassignment", inLane(tech2), 5*time.Second)
	var reason string
	_ = a.Pool.QueryRow(t.Context(), `SELECT note FROM work_order_events WHERE order_id = $1 AND transition = 'reassign'`, card).Scan(&reason)
	if reason != "张伟临时去处理紧急故障" {
		t.Errorf("reassign reason %q", reason)
	}

	// JavaScript off: the card's own form dispatches.
	ctxC := browser(t)
	if _, err := chromedp.Call(ctxC, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	uiSignIn(t, ctxC, a.URL, "supervisor", demo.Password)
	if err := chromedp.Do(ctxC, chromedp.EmulateViewport(1400, 2200), chromedp.Navigate(a.URL+"/board?view=tech"), chromedp.WaitVisible(chromedp.ID("lane-unassigned"))); err != nil {
		t.Fatal(err)
	}
	// No page script ran: the board script would have loaded Sortable and opened the
	// event stream. (DevTools can still evaluate while page scripts are off.)
	if js, err := chromedp.Run(ctxC, chromedp.Evaluate[bool](`typeof Sortable !== "undefined" || !!document.getElementById("board").dataset.live`)); err != nil || js {
		t.Fatalf("scripts still run in the no-JavaScript session (%v)", err)
	}
	card2, err := chromedp.Run(ctxC, chromedp.AttributeValue(chromedp.CSS("#lane-unassigned .board-item"), "data-id"))
	if err != nil || !card2.Exists {
		t.Fatalf("no unassigned card left: %v", err)
	}
	sel := "#card-" + card2.Value
	// The card's assign button is a link to the card's assign page: a plain form.
	if err := chromedp.Do(ctxC,
		chromedp.Click(chromedp.CSS(sel+` a[data-card-action="assign"]`)),
		chromedp.WaitVisible(chromedp.ID("assign-page-form")),
	); err != nil {
		t.Fatalf("the assign page: %v", err)
	}
	screenshot(t, ctxC, "board-assign-page")
	if err := chromedp.Do(ctxC,
		chromedp.SetValue(chromedp.CSS(`#assign-page-form select[name="technician_id"]`), tech2),
		chromedp.Click(chromedp.CSS(`#assign-page-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	); err != nil {
		t.Fatalf("form fallback: %v", err)
	}
	if !strings.Contains(text(t, ctxC, ".flash-ok"), "已派工") {
		t.Error("no confirmation after the form")
	}
	if ok, _ := chromedp.Run(ctxC, chromedp.Evaluate[bool](`!!document.querySelector("#lane-`+tech2+` `+sel+`")`)); !ok {
		t.Error("the card is not in 刘洋's lane after the form")
	}
	screenshot(t, ctxC, "board-no-js-fallback")
	// B, still open, follows this change too.
	waitFor(t, ctxB, "B sees the form's dispatch", `!!document.querySelector("#lane-`+tech2+` `+sel+`")`, 5*time.Second)
}

// TestBrowserBoardWith500OpenOrders renders the board with 500 more open orders on one
// station, as a busy morning would have it, and saves screenshots to look at.
func TestBrowserBoardWith500OpenOrders(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, err := a.Pool.Exec(t.Context(), `INSERT INTO work_orders (number, search, station_id, state, channel, customer_id, symptom, urgency, service_type,
		warranty, contact_due_at, arrive_due_at, created_by, created_at, updated_at, address)
		SELECT 'GD20261122-' || lpad((100 + g)::text, 4, '0'), 'x', s.id, 'awaiting_dispatch', 'phone', c.id, '批量故障 ' || g,
			(ARRAY['urgent', 'normal', 'normal'])[g % 3 + 1], 'repair', 'unknown', now() + (g - 250) * interval '3 minutes',
			now() + g * interval '10 minutes', u.id, now() - g * interval '2 minutes', now(), '上海市浦东新区测试路' || g || '号'
		FROM generate_series(1, 500) g, stations s, users u, LATERAL (SELECT id FROM customers WHERE station_id = s.id ORDER BY id LIMIT 1) c
		WHERE s.code = 'SH' AND u.username = 'hotline'`)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "supervisor", demo.Password)
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+"/board"), chromedp.WaitVisible(chromedp.ID("col-awaiting_dispatch"))); err != nil {
		t.Fatal(err)
	}
	t.Logf("state view with 500+ open orders loaded in %s (seen, not asserted)", time.Since(start))
	// The column shows its count and its first cards, urgent first; the rest are one
	// click away in the order list, which holds them all.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#col-awaiting_dispatch .board-item").length`))
	if err != nil || n != workorder.ColumnCards {
		t.Fatalf("awaiting-dispatch column shows %d cards (%v), want %d", n, err, workorder.ColumnCards)
	}
	if badge, _ := strconv.Atoi(text(t, ctx, "#col-awaiting_dispatch h2 .badge")); badge < 500 {
		t.Errorf("column count %d", badge)
	}
	if u, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#col-awaiting_dispatch .board-item").classList.contains("urgent")`)); !u {
		t.Error("the column's first card is not urgent")
	}
	if total := text(t, ctx, "#board > p"); !strings.Contains(total, "个未完成工单") {
		t.Errorf("total line %q", total)
	}
	html, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.outerHTML.length`))
	if err != nil || html > 200000 {
		t.Errorf("the board's markup is %d characters (%v)", html, err)
	}
	screenshot(t, ctx, "board-500-state")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#col-awaiting_dispatch .column-more a")), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatalf("the column's more link: %v", err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`)); !strings.Contains(loc, "/orders?") || !strings.Contains(loc, "state=awaiting_dispatch") {
		t.Errorf("more link leads to %q", loc)
	}
	if !strings.Contains(text(t, ctx, "main"), "GD20261122-") {
		t.Error("the full list lacks the column's orders")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+"/board?view=tech&urgency=urgent&overdue=1"), chromedp.WaitVisible(chromedp.ID("lane-unassigned"))); err != nil {
		t.Fatal(err)
	}
	m, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#lane-unassigned .board-item").length`))
	if m == 0 || m > workorder.ColumnCards {
		t.Errorf("urgent overdue filter leaves %d cards in the unassigned lane", m)
	}
	screenshot(t, ctx, "board-500-tech-filtered")
}
