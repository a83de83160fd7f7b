package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/chromedp/chromedp"
)

// TestBrowserProposalJourney is a customer proposal's life in headless Chromium (zh-CN):
// the hotline looks a Shanghai customer up by phone and logs a proposal (a save without
// content comes back with the field's message and everything else kept); the manager
// keeps it for study (a review date beyond two months is refused, the default is exactly
// two months); the hotline tells the customer and it leaves the 待告知客户 list; the
// manager adopts it with an award; the hotline tells the customer again; the timeline
// names every step and who took it, and the customer's page lists the proposal.
func TestBrowserProposalJourney(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	// A Shanghai customer without proposals yet, and their main phone as typed.
	var custID int64
	var custName, phone string
	if err := a.Pool.QueryRow(t.Context(), `SELECT c.id, c.name, p.raw FROM customers c JOIN stations s ON s.id = c.station_id
		JOIN customer_phones p ON p.customer_id = c.id AND p.position = 0
		WHERE s.code = 'SH' AND NOT EXISTS (SELECT 1 FROM proposals q WHERE q.customer_id = c.id) ORDER BY c.id LIMIT 1`).Scan(&custID, &custName, &phone); err != nil {
		t.Fatalf("a Shanghai customer: %v", err)
	}
	cust := strconv.FormatInt(custID, 10)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		sh = time.FixedZone("Asia/Shanghai", 8*3600)
	}
	today := proposal.Day(time.Now(), sh)
	limit := proposal.KeepLimit(today).Format(time.DateOnly)
	tooLate := proposal.AddMonths(today, 3).Format(time.DateOnly)
	effective := today.AddDate(0, 1, 0).Format(time.DateOnly)

	hot, mgr := browser(t), browser(t)
	uiSignIn(t, hot, a.URL, "hotline", demo.Password)
	uiSignIn(t, mgr, a.URL, "manager", demo.Password)

	// do runs one step with its own time limit and saves what the page showed if it fails.
	do := func(ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			screenshot(t, ctx, "proposal-FAILED-"+strings.ReplaceAll(step, " ", "-"))
			t.Fatalf("%s: %v", step, err)
		}
	}
	is := func(ctx context.Context, js string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return ok
	}
	// choose picks the option of a select by the label the user reads.
	choose := func(ctx context.Context, sel, label string) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
			`[...document.querySelector(%q).options].find(o => o.textContent.trim().startsWith(%q))?.value ?? "-"`, sel, label)))
		if err != nil || v == "-" {
			t.Fatalf("no option %q in %s: %v", label, sel, err)
		}
		do(ctx, "choose "+label, chromedp.SetValue(chromedp.CSS(sel), v))
	}
	// tick ticks a decision's confirmation box, as a user does when it is not ticked yet.
	tick := func(ctx context.Context, form string) {
		t.Helper()
		box := "#" + form + ` input[name="confirm"]`
		if !is(ctx, `document.querySelector(`+strconv.Quote(box)+`).checked`) {
			do(ctx, "tick "+form, chromedp.Click(chromedp.CSS(box)))
		}
	}
	// flash waits for the page a post answered with: its message, on the live document.
	flash := func(ctx context.Context, want string) {
		t.Helper()
		waitFor(t, ctx, "the message "+want, fmt.Sprintf(`(document.querySelector(".flash-ok")?.textContent || "").includes(%q)`, want), 60*time.Second)
	}
	// inToTell opens the list filtered to 待告知客户 as a user does and reports whether
	// the proposal is on it.
	inToTell := func(ctx context.Context, id string) bool {
		t.Helper()
		follow(t, ctx, `nav a[href="/proposals"]`)
		do(ctx, "tick 待告知客户", chromedp.WaitVisible(chromedp.ID("proposal-filters")),
			chromedp.Click(chromedp.CSS(`#proposal-filters input[name="totell"]`)))
		follow(t, ctx, `#proposal-filters button[type="submit"]`)
		waitFor(t, ctx, "the filtered list", `location.search.includes("totell=1") && document.querySelector('#proposal-filters input[name="totell"]').checked`, 60*time.Second)
		return is(ctx, `!!document.getElementById("proposal-`+id+`")`)
	}

	// 1. The hotline logs the proposal from the menu: phone, Enter, the customer.
	follow(t, hot, `nav a[href="/proposals"]`)
	follow(t, hot, "#new-proposal")
	do(hot, "the log form", chromedp.WaitVisible(chromedp.ID("phone")))
	if h := text(t, hot, "#proposal-matches"); !strings.Contains(h, "先输入客户电话") {
		t.Errorf("before the lookup: %q", h)
	}
	typeAndSubmit(t, hot, "#phone", phone)
	radio := `#proposal-matches input[name="customer_id"][value="` + cust + `"]`
	do(hot, "the customer found", chromedp.WaitVisible(chromedp.CSS(radio)))
	if m := text(t, hot, "#proposal-matches"); !strings.Contains(m, custName) {
		t.Errorf("matches %q lack %s", m, custName)
	}
	do(hot, "choose the customer", chromedp.Click(chromedp.CSS(radio)))
	choose(hot, "#proposal-channel", "来访")
	choose(hot, "#proposal-category", "售后服务")
	// Saved without content: the field's message, everything else as it was.
	follow(t, hot, "#save-proposal")
	do(hot, "the refusal", chromedp.WaitVisible(chromedp.ID("err-content")))
	if m := text(t, hot, "#err-content"); m != "此项必填。" {
		t.Errorf("content message %q", m)
	}
	if !is(hot, `document.querySelector(`+strconv.Quote(radio)+`).checked && document.getElementById("proposal-channel").value === "visit" &&
		document.getElementById("proposal-category").value === "after_sales" && document.getElementById("phone").value === `+strconv.Quote(phone)+` &&
		document.querySelectorAll(".field-error").length === 1`) {
		t.Error("the refused form lost the customer, channel, category or phone, or shows other messages")
	}
	const content = "建议上门服务前短信告知技术员姓名和预计到达时间，方便客户安排值班人员。"
	do(hot, "type the content", chromedp.SendKeys(chromedp.ID("proposal-content"), content))
	follow(t, hot, "#save-proposal")
	flash(hot, "提案已登记。")
	number := text(t, hot, "#proposal-number")
	if !strings.HasPrefix(number, "TA"+today.Format("20060102")+"-") {
		t.Errorf("number %q", number)
	}
	if s := text(t, hot, "#proposal-state"); s != "已登记" {
		t.Errorf("state %q", s)
	}
	if d := text(t, hot, "#proposal-details"); !strings.Contains(d, custName) || !strings.Contains(d, "来访") || !strings.Contains(d, "售后服务") ||
		!strings.Contains(d, content) || !strings.Contains(d, "陈晓燕") || !strings.Contains(d, "本年度提案 1 件") {
		t.Errorf("details %q", d)
	}
	if is(hot, `!!document.getElementById("proposal-actions")`) {
		t.Error("the hotline is offered an action before a decision")
	}
	page, err := chromedp.Run(hot, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := page[strings.LastIndex(page, "/")+1:]
	screenshot(t, hot, "proposal-logged")

	// 2. The manager finds it in the list and keeps it for study.
	follow(t, mgr, `nav a[href="/proposals"]`)
	follow(t, mgr, "#proposal-"+id+" a")
	do(mgr, "open keep", chromedp.WaitVisible(chromedp.ID("proposal-actions")),
		chromedp.Click(chromedp.CSS(`details:has(#proposal-keep) > summary`)),
		chromedp.WaitVisible(chromedp.ID("keep-reason")))
	if v := text(t, mgr, "#proposal-keep .hint"); !strings.Contains(v, "保留最长两个月") || !strings.Contains(v, limit) {
		t.Errorf("review hint %q", v)
	}
	if !is(mgr, `document.getElementById("keep-review").value === "`+limit+`"`) {
		t.Errorf("the review date is not prefilled with %s", limit)
	}
	const reason = "需与服务部评估短信通知的费用"
	do(mgr, "three months ahead", chromedp.SendKeys(chromedp.ID("keep-reason"), reason),
		chromedp.SetValue(chromedp.ID("keep-review"), tooLate))
	tick(mgr, "proposal-keep")
	do(mgr, "save three months ahead",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("keep-review").addEventListener("invalid", e => { window.__refused = e.target.validity.rangeOverflow }, {once: true})`),
		chromedp.Click(chromedp.CSS(`#proposal-keep button[type="submit"]`)))
	// The browser refuses a date past the field's maximum before anything is sent (in
	// its own words, which depend on its installed languages; the hint beside the field
	// gives the limit in Chinese)…
	waitFor(t, mgr, "the browser refuses the date", `window.__refused === true`, 60*time.Second)
	// …and the app refuses it too, as for a browser that does not check dates.
	do(mgr, "post without the browser's check", chromedp.Evaluate[chromedp.Void](`document.getElementById("proposal-keep").noValidate = true`))
	follow(t, mgr, `#proposal-keep button[type="submit"]`)
	do(mgr, "the app's refusal", chromedp.WaitVisible(chromedp.ID("err-review_on")))
	if m := text(t, mgr, "#err-review_on"); m != "保留最长两个月：复议日期须在今天之后、两个月之内。" {
		t.Errorf("review date message %q", m)
	}
	if !is(mgr, `document.getElementById("keep-reason").value === `+strconv.Quote(reason)+` && document.getElementById("keep-review").value === "`+tooLate+`"`) {
		t.Error("the refused keep lost the reason or the date")
	}
	if s := text(t, mgr, "#proposal-state"); s != "已登记" {
		t.Errorf("state after the refusal %q", s)
	}
	// Back to the default, the latest date allowed.
	do(mgr, "keep with the default date", chromedp.SetValue(chromedp.ID("keep-review"), limit))
	tick(mgr, "proposal-keep")
	follow(t, mgr, `#proposal-keep button[type="submit"]`)
	flash(mgr, "提案已保留，请告知客户。")
	if s := text(t, mgr, "#proposal-state"); s != "保留中" {
		t.Errorf("state after keeping %q", s)
	}
	if r := text(t, mgr, "#proposal-review"); r != limit {
		t.Errorf("review date %q, want %s", r, limit)
	}

	// The hotline finds it among those to tell, and tells the customer by phone.
	if !inToTell(hot, id) {
		t.Fatal("the kept proposal is not on the 待告知客户 list")
	}
	follow(t, hot, "#proposal-"+id+" a")
	do(hot, "tell the kept proposal", chromedp.WaitVisible(chromedp.ID("proposal-tell")),
		chromedp.Click(chromedp.CSS(`#proposal-tell input[name="via"][value="phone"]`)),
		chromedp.SendKeys(chromedp.ID("tell-note"), "已电话说明保留研究的原因"))
	follow(t, hot, `#proposal-tell button[type="submit"]`)
	flash(hot, "已记录告知客户。")
	if s := text(t, hot, "#proposal-state"); s != "保留中" {
		t.Errorf("state after telling %q", s)
	}
	if told := text(t, hot, "#proposal-told"); !strings.Contains(told, "电话") || !strings.Contains(told, "陈晓燕") {
		t.Errorf("told %q", told)
	}
	screenshot(t, hot, "proposal-kept")
	if inToTell(hot, id) {
		t.Error("the proposal is still on the 待告知客户 list after telling")
	}

	// 3. The manager adopts it with an award.
	follow(t, mgr, `nav a[href="/proposals"]`)
	follow(t, mgr, "#proposal-"+id+" a")
	do(mgr, "open adopt", chromedp.WaitVisible(chromedp.ID("proposal-actions")),
		chromedp.Click(chromedp.CSS(`details:has(#proposal-adopt) > summary`)),
		chromedp.WaitVisible(chromedp.ID("adopt-department")),
		chromedp.SendKeys(chromedp.ID("adopt-department"), "客户服务部"),
		chromedp.SendKeys(chromedp.ID("adopt-measures"), "派工后自动短信告知技术员姓名和预计到达时间"),
		chromedp.SetValue(chromedp.ID("adopt-effective"), effective))
	choose(mgr, "#adopt-award", "二等奖")
	tick(mgr, "proposal-adopt")
	follow(t, mgr, `#proposal-adopt button[type="submit"]`)
	flash(mgr, "提案已采用，请告知客户。")
	if s := text(t, mgr, "#proposal-state"); s != "已采用" {
		t.Errorf("state after adopting %q", s)
	}
	if aw := text(t, mgr, "#proposal-award"); !strings.Contains(aw, "二等奖") || !strings.Contains(aw, "¥5,000.00") {
		t.Errorf("award %q", aw)
	}

	// The hotline tells the customer of the adoption.
	do(hot, "open the adopted proposal", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("proposal-tell")))
	if s := text(t, hot, "#proposal-state"); s != "已采用" {
		t.Errorf("the hotline sees state %q", s)
	}
	do(hot, "tell the adoption", chromedp.Click(chromedp.CSS(`#proposal-tell input[name="via"][value="phone"]`)))
	follow(t, hot, `#proposal-tell button[type="submit"]`)
	flash(hot, "已记录告知客户。")
	if d := text(t, hot, "#proposal-decision"); !strings.Contains(d, "客户服务部") || !strings.Contains(d, effective) || !strings.Contains(d, "二等奖") ||
		!strings.Contains(d, "王建国") || !strings.Contains(d, "陈晓燕") {
		t.Errorf("decision %q", d)
	}
	steps, err := chromedp.Run(hot, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#proposal-timeline li")].map(li => li.textContent.replace(/\s+/g, " ").trim())`))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ who, what, detail string }{
		{"陈晓燕", "登记提案", ""},
		{"王建国", "保留", reason},
		{"陈晓燕", "告知客户", "电话"},
		{"王建国", "采用", "二等奖"},
		{"陈晓燕", "告知客户", "电话"},
	}
	if len(steps) != len(want) {
		t.Fatalf("timeline %q", steps)
	}
	for i, w := range want {
		if !strings.Contains(steps[i], w.who) || !strings.Contains(steps[i], w.what) || !strings.Contains(steps[i], w.detail) {
			t.Errorf("timeline step %d %q, want %s %s %s", i+1, steps[i], w.who, w.what, w.detail)
		}
	}
	screenshot(t, hot, "proposal-adopted")

	// 4. The customer's page lists the proposal.
	follow(t, hot, `#proposal-details a[href="/customers/`+cust+`"]`)
	do(hot, "the customer's page", chromedp.WaitVisible(chromedp.ID("customer-proposals")))
	if l := text(t, hot, "#customer-proposals"); !strings.Contains(l, "客户提案（1）") || !strings.Contains(l, number) ||
		!strings.Contains(l, "售后服务") || !strings.Contains(l, "已采用") {
		t.Errorf("the customer's proposals %q", l)
	}
}
