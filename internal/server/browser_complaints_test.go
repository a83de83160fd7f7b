package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserComplaintJourney is a complaint from the call to its close in headless
// Chromium (zh-CN): the hotline finds the caller by phone with Enter and logs a complaint
// about a closed order and its technician (a save without a category comes back in
// Chinese with everything typed); the manager sees it waiting on the home page and
// assigns the supervisor with the prefilled deadline; the supervisor investigates and
// proposes a result; the customer first refuses it, then accepts a second one; the
// manager closes it. The order and customer pages list it, the A4 notice names the
// responsible person, the list finds it by severity, and another station gets not-found.
func TestBrowserComplaintJourney(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	// A closed Shanghai order with a unit and a technician, among the latest ten of its
	// customer (those the form offers), and a phone of that customer.
	var orderID, orderNumber, customerID, phone, unitID, model, techID, techName string
	must("a closed order", a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.number, o.customer_id::text, p.raw, o.unit_id::text, un.model, o.assignee_id::text, u.display_name
		FROM work_orders o JOIN stations s ON s.id = o.station_id JOIN customer_phones p ON p.customer_id = o.customer_id JOIN users u ON u.id = o.assignee_id
		JOIN units un ON un.id = o.unit_id
		WHERE s.code = 'SH' AND o.state = 'closed'
		  AND (SELECT count(*) FROM work_orders o2 WHERE o2.customer_id = o.customer_id AND o2.created_at > o.created_at) < 10
		ORDER BY o.id LIMIT 1`).Scan(&orderID, &orderNumber, &customerID, &phone, &unitID, &model, &techID, &techName))
	supervisorID := userID(t, a, "supervisor")
	eval := func(ctx context.Context, js string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return ok
	}
	// submit clicks a button that posts its form and waits for the page that answers.
	submit := func(ctx context.Context, css string) {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
			t.Fatalf("submit %s: %v", css, err)
		}
	}
	// done waits for the answer to a step (its confirmation, or a refusal read out at
	// once) and checks the state it leads to.
	done := func(ctx context.Context, flash, state string) {
		t.Helper()
		waitFor(t, ctx, "the answer to "+flash, `!!document.querySelector(".flash-ok, .flash-error, .field-error")`, 60*time.Second)
		if f := text(t, ctx, ".flash-ok, .flash-error, .field-error"); !strings.Contains(f, flash) {
			t.Fatalf("confirmation %q, want %q (%s)", f, flash, text(t, ctx, "main"))
		}
		if s := text(t, ctx, "#complaint-state"); !strings.Contains(s, state) {
			t.Fatalf("state %q, want %q", s, state)
		}
	}
	// openStep opens a step's form unless the page already shows it open (the only step
	// offered comes open), then waits for its button.
	openStep := func(ctx context.Context, step string) {
		t.Helper()
		if !eval(ctx, `document.getElementById("step-`+step+`").open`) {
			must("open "+step, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#step-`+step+` summary`))))
		}
		must("the form of "+step, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`button[data-step="`+step+`"]`))))
	}

	// 1. The hotline logs the complaint, finding the caller by phone.
	hot := browser(t)
	uiSignIn(t, hot, a.URL, "hotline", demo.Password)
	follow(t, hot, `nav a[href="/complaints/new"]`)
	must("the complaint form", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("c-phone"))))
	typeAndSubmit(t, hot, "#c-phone", phone)
	waitFor(t, hot, "the caller is looked up", `!!document.getElementById("complaint-form") || !!document.getElementById("complaint-matches")`, 30*time.Second)
	if !eval(hot, `!!document.querySelector('#complaint-form input[name="customer_id"][value="`+customerID+`"]')`) {
		// Several customers share the phone: choose the caller.
		follow(t, hot, `#complaint-matches a[href*="customer=`+customerID+`"]`)
	}
	must("the caller's records", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("complaint-form"))))
	if !eval(hot, `document.querySelector('#complaint-form input[name="customer_id"]').value === "`+customerID+`"`) {
		t.Fatalf("the form is for another customer: %s", text(t, hot, "#complaint-customer"))
	}
	const what, asks = "技术员上门时态度恶劣，与客户争吵，未清理现场油污", "更换技术员并书面道歉"
	must("fill in all but the category", chromedp.Do(hot,
		chromedp.Click(chromedp.CSS(`#complaint-orders input[name="order_id"][value="`+orderID+`"]`)),
		chromedp.SetValue(chromedp.ID("c-unit"), unitID),
		chromedp.SetValue(chromedp.ID("c-technician"), techID),
		chromedp.SetValue(chromedp.ID("c-severity"), "important"),
		chromedp.SendKeys(chromedp.ID("c-what"), what),
		chromedp.SendKeys(chromedp.ID("c-asks"), asks),
	))
	// Saving without a category: the browser's own check stops it on the page.
	must("mark the page", chromedp.Do(hot, chromedp.Evaluate[chromedp.Void](`window.__formPage = 1`)))
	must("save without a category", chromedp.Do(hot, chromedp.Click(chromedp.ID("save-complaint"))))
	if !eval(hot, `window.__formPage === 1 && document.getElementById("c-category").validity.valueMissing`) {
		t.Error("the browser let the form go without a category")
	}
	// The server says the same in Chinese (as it does to a browser that does not check),
	// and gives back everything typed and chosen.
	must("turn off the browser's check", chromedp.Do(hot, chromedp.Evaluate[chromedp.Void](`document.getElementById("complaint-form").noValidate = true`)))
	submit(hot, "#save-complaint")
	must("refused", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("complaint-errors"))))
	if e := text(t, hot, "#complaint-form"); !strings.Contains(e, "请选择投诉类别") {
		t.Errorf("no category message by the field: %q", e)
	}
	if e := text(t, hot, "#complaint-errors"); !strings.Contains(e, "请选择投诉类别") {
		t.Errorf("the summary: %q", e)
	}
	kept, err := chromedp.Run(hot, chromedp.Evaluate[[]string](`[
		document.getElementById("c-what").value, document.getElementById("c-asks").value,
		document.getElementById("c-severity").value, document.getElementById("c-unit").value, document.getElementById("c-technician").value,
		String(document.querySelector('#complaint-orders input[value="`+orderID+`"]').checked)]`))
	if want := []string{what, asks, "important", unitID, techID, "true"}; err != nil || strings.Join(kept, "|") != strings.Join(want, "|") {
		t.Errorf("kept after the refusal: %q, want %q (%v)", kept, want, err)
	}
	must("choose the category", chromedp.Do(hot, chromedp.SetValue(chromedp.ID("c-category"), "attitude")))
	screenshot(t, hot, "complaint-new")
	submit(hot, "#save-complaint")
	done(hot, "投诉已登记", "待指派")
	number := text(t, hot, "#complaint-number")
	page, err := chromedp.Run(hot, chromedp.Location())
	must("the complaint's address", err)
	id := page[strings.LastIndex(page, "/")+1:]
	if !strings.HasPrefix(page, a.URL+"/complaints/") || number == "" {
		t.Fatalf("after saving: %s, number %q", page, number)
	}
	if o := text(t, hot, "#complaint-order-links"); !strings.Contains(o, orderNumber) {
		t.Errorf("linked orders %q, want %s", o, orderNumber)
	}
	if m := text(t, hot, "main"); !strings.Contains(m, techName) || !strings.Contains(m, "服务态度") || !strings.Contains(m, what) {
		t.Errorf("the complaint page lacks the technician, category or text: %q", m)
	}
	screenshot(t, hot, "complaint-logged")

	// 2. The manager finds it waiting on the home page and assigns the supervisor.
	mgr := browser(t)
	uiSignIn(t, mgr, a.URL, "manager", demo.Password)
	must("the waiting tile", chromedp.Do(mgr, chromedp.WaitVisible(chromedp.ID("home-unassigned-complaints"))))
	if s := text(t, mgr, "#home-unassigned-complaints"); !strings.Contains(s, "待指派的投诉") {
		t.Errorf("tile %q", s)
	}
	follow(t, mgr, "#home-unassigned-complaints")
	must("the waiting list", chromedp.Do(mgr, chromedp.WaitVisible(chromedp.ID("complaints"))))
	follow(t, mgr, `#complaints a[href="/complaints/`+id+`"]`)
	must("the complaint", chromedp.Do(mgr, chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	openStep(mgr, "assign")
	if !eval(mgr, `document.getElementById("c-assign-due").value !== ""`) {
		t.Error("the deadline is not prefilled")
	}
	must("choose 李志强", chromedp.Do(mgr, chromedp.SetValue(chromedp.ID("c-assign-responsible"), supervisorID)))
	if s, err := chromedp.Run(mgr, chromedp.Evaluate[string](`document.getElementById("c-assign-responsible").selectedOptions[0].textContent`)); err != nil || !strings.Contains(s, "李志强") {
		t.Errorf("the responsible chosen is %q (%v)", s, err)
	}
	submit(mgr, `button[data-step="assign"]`)
	done(mgr, "已指派责任人", "已指派")
	if d := text(t, mgr, "#complaint-due"); d == "" {
		t.Error("no deadline shown")
	}
	if m := text(t, mgr, "main"); !strings.Contains(m, "李志强") {
		t.Errorf("the responsible person is not shown: %q", m)
	}
	screenshot(t, mgr, "complaint-assigned")

	// 3. The supervisor, now responsible, records the investigation and proposes a result.
	sup := browser(t)
	uiSignIn(t, sup, a.URL, "supervisor", demo.Password)
	must("the complaint", chromedp.Do(sup, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	openStep(sup, "investigate")
	must("investigate", chromedp.Do(sup,
		chromedp.SendKeys(chromedp.ID("c-investigate-investigation"), "回访客户并与技术员面谈，确认上门时双方发生争执"),
		chromedp.SendKeys(chromedp.ID("c-investigate-cause"), "技术员赶时间，未按规范沟通，作业后未清理现场"),
	))
	// Enter in the last field records it.
	typeAndSubmit(t, sup, "#c-investigate-responsibility", "服务站责任（技术员个人）")
	done(sup, "调查情况已记录", "处理中")
	openStep(sup, "propose")
	must("the first result", chromedp.Do(sup, chromedp.SendKeys(chromedp.ID("c-propose-result"), "由主管电话致歉，技术员写检讨")))
	submit(sup, `button[data-step="propose"]`)
	done(sup, "处理结果已提出", "待答复客户")

	// 4. The customer does not accept it; the second result they accept; the manager closes.
	must("the complaint", chromedp.Do(hot, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	openStep(hot, "not_accept")
	typeAndSubmit(t, hot, "#c-not_accept-note", "客户要求上门当面道歉并免费清洗设备")
	done(hot, "已记录客户不接受", "处理中")
	if r := text(t, hot, "#complaint-rejections"); !strings.Contains(r, "1 次") {
		t.Errorf("rejections %q", r)
	}
	must("the complaint again", chromedp.Do(sup, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	openStep(sup, "propose")
	must("the second result", chromedp.Do(sup,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("c-propose-result").value = ""`),
		chromedp.SendKeys(chromedp.ID("c-propose-result"), "主管上门当面致歉，免费清洗设备一次，更换负责该客户的技术员"),
	))
	submit(sup, `button[data-step="propose"]`)
	done(sup, "处理结果已提出", "待答复客户")
	must("the complaint again", chromedp.Do(hot, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	openStep(hot, "accept")
	typeAndSubmit(t, hot, "#c-accept-note", "客户表示满意")
	done(hot, "客户已接受处理结果", "客户已接受")
	must("the complaint again", chromedp.Do(mgr, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	openStep(mgr, "close")
	submit(mgr, `button[data-step="close"]`)
	done(mgr, "投诉已结案", "已结案")
	tl := text(t, mgr, "#complaint-timeline")
	for _, s := range []string{"登记投诉", "指派责任人", "记录调查", "提出处理结果", "客户不接受", "客户接受", "结案", "陈晓燕", "王建国", "李志强"} {
		if !strings.Contains(tl, s) {
			t.Errorf("the timeline lacks %s: %q", s, tl)
		}
	}
	if n, _ := chromedp.Run(mgr, chromedp.Evaluate[int](`document.querySelectorAll("#complaint-timeline li").length`)); n != 8 {
		t.Errorf("%d timeline entries, want 8 (log, assign, investigate, propose, not accepted, propose, accept, close)", n)
	}
	if n, _ := chromedp.Run(mgr, chromedp.Evaluate[int](`document.querySelectorAll("#actions details").length`)); n != 0 {
		t.Errorf("%d steps offered on a closed complaint", n)
	}
	screenshot(t, mgr, "complaint-closed")

	// 5. Its order and its customer list it.
	must("the complaint", chromedp.Do(hot, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	follow(t, hot, `#complaint-order-links a[href="/orders/`+orderID+`"]`)
	must("the order", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("complaints-about"))))
	if c := text(t, hot, "#complaints-about"); !strings.Contains(c, number) || !strings.Contains(c, "已结案") {
		t.Errorf("the order's complaints: %q", c)
	}
	screenshot(t, hot, "order-complaints")
	follow(t, hot, `#complaints-about a[href="/complaints/`+id+`"]`)
	must("back to the complaint", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	follow(t, hot, `a#complaint-customer`)
	must("the customer", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("complaints-about"))))
	if u, _ := chromedp.Run(hot, chromedp.Location()); !strings.HasSuffix(u, "/customers/"+customerID) {
		t.Errorf("the customer link went to %s", u)
	}
	if c := text(t, hot, "#complaints-about"); !strings.Contains(c, number) {
		t.Errorf("the customer's complaints: %q", c)
	}

	// 6. The A4 notice names the responsible person.
	must("the complaint", chromedp.Do(sup, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("complaint-number"))))
	follow(t, sup, "#complaint-print")
	must("the notice", chromedp.Do(sup, chromedp.WaitVisible(chromedp.ID("complaint-notice"))))
	if n := text(t, sup, "#complaint-notice"); !strings.Contains(n, "投诉处理通知单") || !strings.Contains(n, "李志强") || !strings.Contains(n, number) || !strings.Contains(n, model) {
		t.Errorf("the notice: %q", n)
	}
	screenshot(t, sup, "complaint-notice")

	// 7. The list finds it among the important complaints; another station does not see it.
	follow(t, hot, `nav a[href="/complaints"]`)
	must("the list", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("complaint-filters")),
		chromedp.SetValue(chromedp.CSS(`#complaint-filters select[name="severity"]`), "important")))
	submit(hot, `#complaint-filters button[type="submit"]`)
	must("the filtered list", chromedp.Do(hot, chromedp.WaitVisible(chromedp.ID("complaints"))))
	if u, _ := chromedp.Run(hot, chromedp.Location()); !strings.Contains(u, "severity=important") {
		t.Errorf("the filter is not in the address: %s", u)
	}
	if rows := text(t, hot, "#complaints tbody"); !strings.Contains(rows, number) || !strings.Contains(rows, "已结案") {
		t.Errorf("list rows: %q", rows)
	}
	if !eval(hot, `[...document.querySelectorAll("#complaints tbody tr")].every(r => r.textContent.includes("重要"))`) {
		t.Error("the list shows complaints of another severity")
	}
	sz := browser(t)
	uiSignIn(t, sz, a.URL, "sz.hotline", demo.Password)
	resp, err := chromedp.RunResponse(sz, chromedp.Navigate(page))
	must("another station opens the complaint", err)
	if resp.Status != 404 {
		t.Errorf("another station: status %d", resp.Status)
	}
	must("the not-found page", chromedp.Do(sz, chromedp.WaitVisible(chromedp.ID("error-message"))))
	if m := text(t, sz, "#error-message"); m != "找不到您要的页面或记录。" {
		t.Errorf("not-found message %q", m)
	}
	if m := text(t, sz, "main"); strings.Contains(m, number) {
		t.Error("the not-found page shows the complaint number")
	}
}
