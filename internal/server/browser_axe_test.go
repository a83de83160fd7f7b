package server_test

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (testdata/axe, MPL-2.0), vendored for the tests only: the app
// never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeRun runs the WCAG 2.0 and 2.1 A and AA rules on the whole document and gives the
// violations, each with its first few nodes.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
	.then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.length,
		first: v.nodes.slice(0, 3).map(n => ({target: n.target.map(String).join(' '), html: n.html, summary: n.failureSummary || ''})),
	})))`

type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   int    `json:"nodes"`
	First   []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"first"`
}

// axeCheck runs axe-core's WCAG 2.1 A and AA rules on the page open in ctx once it has
// loaded, and reports the violations as an error of the test, which goes on, so that one
// run lists the problems of every page. axe goes into the page with Runtime.evaluate,
// which the page's Content-Security-Policy (script-src 'self') does not apply to.
func axeCheck(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	waitFor(t, ctx, what+": page loaded", `document.readyState === "complete"`, 30*time.Second)
	const loaded = `typeof window.axe === "object" && typeof window.axe.run === "function"`
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](loaded))
	if err == nil && !ok {
		if _, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err == nil {
			ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](loaded))
		}
	}
	if err != nil || !ok {
		t.Fatalf("%s: put axe into the page: %v (axe.run there: %v)", what, err, ok)
	}
	// A time limit of its own: a page replaced under a running axe never answers.
	runCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	found, err := chromedp.Run(runCtx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", what, err)
	}
	if len(found) == 0 {
		return
	}
	where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %d accessibility violation(s)", what, where, len(found))
	for _, v := range found {
		fmt.Fprintf(&b, "\n  [%s] %s: %s (%d node(s); %s)", v.Impact, v.ID, v.Help, v.Nodes, v.HelpURL)
		for _, n := range v.First {
			fmt.Fprintf(&b, "\n      %s\n        %s", n.Target, clip(n.HTML, 300))
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n        %s", clip(strings.ReplaceAll(n.Summary, "\n", " | "), 400))
			}
		}
	}
	t.Error(b.String())
}

// clip shortens s to n characters.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// TestBrowserAccessibility runs axe (WCAG 2.1 A and AA) on each demo role's daily
// screens in headless Chromium (zh-CN), on the sign-in page signed out, and on the
// intake form refused for its empty fields.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var complaintID, orderID, jobID, customerID, phone, stationID string
	for _, q := range []struct {
		what, sql string
		into      *string
	}{
		// Open ones, so that their pages show the forms of the next step.
		{"a Shanghai complaint", `SELECT c.id::text FROM complaints c JOIN stations s ON s.id = c.station_id
			WHERE s.code = 'SH' ORDER BY (c.state IN ('closed', 'withdrawn')), c.id LIMIT 1`, &complaintID},
		{"a Shanghai order", `SELECT o.id::text FROM work_orders o JOIN stations s ON s.id = o.station_id
			WHERE s.code = 'SH' ORDER BY (o.state IN ('received', 'assessing', 'awaiting_dispatch')) DESC, o.id LIMIT 1`, &orderID},
		{"a job of tech1", `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
			WHERE u.username = 'tech1' ORDER BY (o.state = 'in_progress') DESC, o.id LIMIT 1`, &jobID},
		{"a customer with orders", `SELECT customer_id::text FROM work_orders GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1`, &customerID},
		{"an outlet", `SELECT id::text FROM stations WHERE code = 'SH'`, &stationID},
		{"the phone of a Shanghai caller with an open order", `SELECT regexp_replace(p.raw, '\D', '', 'g') FROM customer_phones p
			JOIN work_orders o ON o.customer_id = p.customer_id JOIN stations s ON s.id = o.station_id
			WHERE s.code = 'SH' AND o.state NOT IN ('closed', 'cancelled') ORDER BY o.id, p.id LIMIT 1`, &phone},
	} {
		if err := a.Pool.QueryRow(t.Context(), q.sql).Scan(q.into); err != nil {
			t.Fatalf("%s: %v", q.what, err)
		}
	}

	// open shows a page, through its link in the navigation when there is one, and
	// checks it.
	open := func(t *testing.T, ctx context.Context, path string) {
		t.Helper()
		link := fmt.Sprintf(`nav a[href=%q]`, path)
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector(%q)`, link))); err == nil && n {
			follow(t, ctx, link)
		} else {
			res, err := chromedp.Run(ctx, chromedp.NavigateResponse(a.URL+path))
			if err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			if res.Status != 200 {
				t.Fatalf("open %s: status %d", path, res.Status)
			}
		}
		waitFor(t, ctx, "open "+path, fmt.Sprintf(`location.pathname + location.search === %q && document.readyState === "complete"`, path), 30*time.Second)
		axeCheck(t, ctx, path)
	}

	t.Run("signed out", func(t *testing.T) {
		ctx := browser(t)
		open(t, ctx, "/signin")
	})
	for _, c := range []struct {
		user  string
		pages []string
	}{
		{"hotline", []string{"/", "/intake", "/orders", "/callbacks", "/complaints", "/complaints/new", "/customers", "/proposals"}},
		{"supervisor", []string{"/", "/board", "/board?view=tech", "/assessments", "/complaints", "/complaints/" + complaintID, "/orders/" + orderID, "/safety"}},
		{"tech1", []string{"/", "/jobs", "/orders/" + jobID}},
		{"storekeeper", []string{"/", "/parts", "/parts/requisitions", "/parts/receipts", "/parts/stocktakes", "/parts/catalog", "/tools", "/tools/stocktake", "/loaners"}},
		{"manager", []string{"/", "/settings", "/settings/complaints", "/receivables", "/customers/" + customerID, "/callbacks/due"}},
		{"admin", []string{"/", "/admin/users", "/admin/stations", "/admin/stations/" + stationID}},
	} {
		t.Run(c.user, func(t *testing.T) {
			ctx := browser(t)
			uiSignIn(t, ctx, a.URL, c.user, demo.Password)
			for _, p := range c.pages {
				open(t, ctx, p)
			}
			if c.user != "hotline" {
				return
			}
			// A caller found by their phone number, picked: their units, one with an open order.
			open(t, ctx, "/intake")
			pick := lookedUp(phone) + ` .match input[name="customer_id"]:not([value="new"])`
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("phone"), phone),
				chromedp.WaitVisible(chromedp.CSS(pick)),
				chromedp.Click(chromedp.CSS(pick)),
				chromedp.WaitVisible(chromedp.CSS("#caller-card")),
				chromedp.WaitVisible(chromedp.CSS(".open-order")),
			); err != nil {
				t.Fatalf("look up the caller %s: %v", phone, err)
			}
			axeCheck(t, ctx, "intake, caller found")
			// The intake saved empty comes back with its errors.
			open(t, ctx, "/intake")
			follow(t, ctx, "#save-order")
			waitFor(t, ctx, "the refused intake", `document.readyState === "complete" && !!document.querySelector(".field-error")`, 30*time.Second)
			if s := text(t, ctx, "#err-symptom"); s == "" {
				t.Error("no message for the empty symptom")
			}
			axeCheck(t, ctx, "refused intake")
		})
	}
}
