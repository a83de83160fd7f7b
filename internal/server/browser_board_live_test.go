package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserBoardLiveUpdateKeepsTheOpenForm: supervisor A is choosing a technician in
// the assign dialog opened from a card when supervisor B dispatches another card. A's
// board does not pull the form away: it says updates are waiting, and the dialog stays
// open with the technician chosen and the select focused. Once A closes the dialog the
// board refreshes with B's change, keeping the column's scroll position and the focus on
// the card's assign button. B, who saved with the dialog, comes back to the board with
// focus on that card; so does a session without JavaScript (the card's assign page), at
// the card.
func TestBrowserBoardLiveUpdateKeepsTheOpenForm(t *testing.T) {
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
	// Enough unassigned orders that the unassigned lane scrolls.
	if _, err := a.Pool.Exec(t.Context(), `INSERT INTO work_orders (number, search, station_id, state, channel, customer_id, symptom, urgency, service_type,
		warranty, contact_due_at, arrive_due_at, created_by, created_at, updated_at, address)
		SELECT 'GD20261123-' || lpad(g::text, 4, '0'), 'x', s.id, 'awaiting_dispatch', 'phone', c.id, '看板实时 ' || g,
			'normal', 'repair', 'unknown', now() + g * interval '30 minutes', now() + g * interval '60 minutes',
			u.id, now() - g * interval '2 minutes', now(), '上海市浦东新区看板路' || g || '号'
		FROM generate_series(1, 24) g, stations s, users u, LATERAL (SELECT id FROM customers WHERE station_id = s.id ORDER BY id LIMIT 1) c
		WHERE s.code = 'SH' AND u.username = 'hotline'`); err != nil {
		t.Fatal(err)
	}
	tech1, tech2 := userID(t, a, "tech1"), userID(t, a, "tech2")
	const wait = 30 * time.Second

	ctxA, ctxB := browser(t), browser(t)
	for _, c := range []struct {
		ctx  context.Context
		user string
	}{{ctxA, "supervisor"}, {ctxB, "supervisor2"}} {
		uiSignIn(t, c.ctx, a.URL, c.user, demo.Password)
		if err := chromedp.Do(c.ctx, chromedp.EmulateViewport(1400, 900), chromedp.Navigate(a.URL+"/board?view=tech"),
			chromedp.WaitVisible(chromedp.ID("lane-unassigned"))); err != nil {
			t.Fatalf("%s opens the board: %v", c.user, err)
		}
	}
	// A marks its page: a reload would lose the mark.
	if _, err := chromedp.Run(ctxA, chromedp.Evaluate[int](`window.__sameLoad = 42`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctxA, "A's event stream connects", `document.getElementById("board").dataset.live === "open"`, wait)

	lane := `document.getElementById("lane-unassigned")`
	if ok, _ := chromedp.Run(ctxA, chromedp.Evaluate[bool](lane+`.scrollHeight > `+lane+`.clientHeight + 200`)); !ok {
		t.Fatal("the unassigned lane does not scroll: the scroll check would prove nothing")
	}
	// A's form is on a card well down the lane; B takes a card above it.
	ids, err := chromedp.Run(ctxA, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#lane-unassigned .board-item")).map(c => c.dataset.id)`))
	if err != nil || len(ids) < 12 {
		t.Fatalf("unassigned cards %v (%v)", ids, err)
	}
	mine, theirs := ids[10], ids[2]
	sel := "#card-" + mine
	assignButton := sel + ` a[data-card-action="assign"]`
	techSelect := `document.getElementById("assign-tech")`
	if err := chromedp.Do(ctxA,
		chromedp.Click(chromedp.CSS(assignButton)),
		chromedp.WaitVisible(chromedp.ID("assign-tech")),
		chromedp.Focus(chromedp.ID("assign-tech")),
		chromedp.SetValue(chromedp.ID("assign-tech"), tech1),
	); err != nil {
		t.Fatalf("A opens the assign dialog: %v", err)
	}
	// The dialog is filled in from the card: its order, version and state, no reason
	// asked for an unassigned card.
	for what, js := range map[string]string{
		"the order":         `document.querySelector("#assign-form [name=order_id]").value === "` + mine + `"`,
		"the version":       `document.querySelector("#assign-form [name=version]").value === document.querySelector("` + sel + `").dataset.version`,
		"the state":         `document.querySelector("#assign-form [name=state]").value === "awaiting_dispatch"`,
		"no reason to give": `document.getElementById("assign-reason-row").hidden && document.getElementById("assign-reason").disabled`,
	} {
		if ok, err := chromedp.Run(ctxA, chromedp.Evaluate[bool](js)); err != nil || !ok {
			t.Errorf("the assign dialog, %s: no (%v)", what, err)
		}
	}
	scrollTop, err := chromedp.Run(ctxA, chromedp.Evaluate[float64](lane+`.scrollTop`))
	if err != nil || scrollTop < 50 {
		t.Fatalf("A's lane scrolled to %v (%v)", scrollTop, err)
	}
	screenshot(t, ctxA, "board-live-form-open")

	// B dispatches its card with the assign dialog.
	other := "#card-" + theirs
	if err := chromedp.Do(ctxB,
		chromedp.Click(chromedp.CSS(other+` a[data-card-action="assign"]`)),
		chromedp.WaitVisible(chromedp.ID("assign-tech")),
		chromedp.SetValue(chromedp.ID("assign-tech"), tech2),
		chromedp.Click(chromedp.ID("assign-ok")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	); err != nil {
		t.Fatalf("B dispatches: %v", err)
	}
	// B is back on the board at the card it dispatched, with focus on it.
	waitFor(t, ctxB, "B's focus on the card it saved",
		`location.hash === "`+other+`" && document.activeElement && document.activeElement.id === "`+other[1:]+`" && !!document.querySelector("#lane-`+tech2+` `+other+`")`, wait)

	// A is told that updates wait, and nothing under the form moved.
	waitFor(t, ctxA, "A is told updates are waiting", `document.getElementById("board-waiting").textContent.includes("有新的变动")`, wait)
	screenshot(t, ctxA, "board-live-updates-waiting")
	for what, js := range map[string]string{
		"the dialog is still open":             `document.getElementById("assign-dialog").open`,
		"the technician is still chosen":       techSelect + `.value === "` + tech1 + `"`,
		"the select still has focus":           `document.activeElement === ` + techSelect,
		"the board was not swapped underneath": `!!document.querySelector("#lane-unassigned ` + other + `")`,
		"the lane kept its scroll position":    `Math.abs(` + lane + `.scrollTop - ` + ftoa(scrollTop) + `) <= 1`,
		"the page was not reloaded":            `window.__sameLoad === 42`,
	} {
		if ok, err := chromedp.Run(ctxA, chromedp.Evaluate[bool](js)); err != nil || !ok {
			t.Errorf("while updates wait, %s: no (%v)", what, err)
		}
	}

	// A closes the dialog: the board refreshes with B's change, the lane where it was
	// and the focus back on the card's assign button.
	if err := chromedp.Do(ctxA, chromedp.Click(chromedp.ID("assign-close"))); err != nil {
		t.Fatalf("A closes the dialog: %v", err)
	}
	waitFor(t, ctxA, "A's board shows B's dispatch", `!!document.querySelector("#lane-`+tech2+` `+other+`") && !document.querySelector("#lane-unassigned `+other+`")`, wait)
	waitFor(t, ctxA, "the waiting notice goes", `document.getElementById("board-waiting").textContent === ""`, wait)
	for what, js := range map[string]string{
		"the lane kept its scroll position": `Math.abs(` + lane + `.scrollTop - ` + ftoa(scrollTop) + `) <= 1`,
		"the assign button has focus":       `document.activeElement === document.querySelector('` + assignButton + `')`,
		"the dialog is closed":              `!document.getElementById("assign-dialog").open`,
		"the page was not reloaded":         `window.__sameLoad === 42`,
	} {
		if ok, err := chromedp.Run(ctxA, chromedp.Evaluate[bool](js)); err != nil || !ok {
			t.Errorf("after the refresh, %s: no (%v)", what, err)
		}
	}
	screenshot(t, ctxA, "board-live-refreshed")

	// Without JavaScript the form's save comes back to the board at the card.
	ctxC := browser(t)
	if _, err := chromedp.Call(ctxC, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	uiSignIn(t, ctxC, a.URL, "supervisor", demo.Password)
	if err := chromedp.Do(ctxC, chromedp.EmulateViewport(1400, 900), chromedp.Navigate(a.URL+"/board?view=tech"), chromedp.WaitVisible(chromedp.ID("lane-unassigned"))); err != nil {
		t.Fatal(err)
	}
	third := "#card-" + ids[6]
	if err := chromedp.Do(ctxC,
		chromedp.Click(chromedp.CSS(third+` a[data-card-action="assign"]`)),
		chromedp.WaitVisible(chromedp.ID("assign-page-form")),
		chromedp.SetValue(chromedp.CSS(`#assign-page-form select[name="technician_id"]`), tech1),
		chromedp.Click(chromedp.CSS(`#assign-page-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	); err != nil {
		t.Fatalf("no-JavaScript dispatch: %v", err)
	}
	if !strings.Contains(text(t, ctxC, ".flash-ok"), "已派工") {
		t.Error("no confirmation after the form")
	}
	waitFor(t, ctxC, "the no-JavaScript board comes back at the card",
		`location.hash === "`+third+`" && document.querySelector("`+third+`").matches(":target") && !!document.querySelector("#lane-`+tech1+` `+third+`")`, wait)
	// The browser itself focuses the card the address points at (it is focusable).
	if id, _ := chromedp.Run(ctxC, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)); id != third[1:] {
		t.Errorf("without JavaScript, focus after the save is on %q, want %s", id, third[1:])
	}

	// A, still open and not busy, follows that change by itself with the focus kept.
	waitFor(t, ctxA, "A sees the no-JavaScript dispatch", `!!document.querySelector("#lane-`+tech1+` `+third+`")`, wait)
	if ok, _ := chromedp.Run(ctxA, chromedp.Evaluate[bool](`document.activeElement === document.querySelector('`+assignButton+`') && window.__sameLoad === 42`)); !ok {
		t.Error("A's focus moved, or the page reloaded, with a plain live update")
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
