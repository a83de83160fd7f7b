package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// drawSignature draws a stroke on the completion form's signature pad with pointer events.
func drawSignature(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("sig-pad"))); err != nil {
		t.Fatal(err)
	}
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("sig-pad").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil || len(box) != 4 {
		t.Fatalf("signature pad: %v", err)
	}
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, box[0]+box[2]*0.1, box[1]+box[3]*0.5, chromedp.ButtonLeft)}
	for i := 1; i <= 20; i++ {
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, box[0]+box[2]*(0.1+0.04*float64(i)), box[1]+box[3]*(0.3+0.04*float64(i%5)), chromedp.ButtonLeft))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, box[0]+box[2]*0.9, box[1]+box[3]*0.5, chromedp.ButtonLeft))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserWholeJourney walks one order through every role: the hotline logs a call for
// an out-of-warranty unit, a supervisor assesses and assigns on the board, the technician
// asks for a part, the storekeeper issues it, the technician completes on a tablet with a
// signature, the hotline settles the fee and records a satisfied callback, and the order
// is closed with every step in its timeline. A second order ends unsatisfied and is back
// on the board as a revisit.
func TestBrowserWholeJourney(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	hot, sup, tech, keeper := browser(t), browser(t), browser(t), browser(t)
	for _, u := range []struct {
		ctx  context.Context
		name string
	}{{hot, "hotline"}, {sup, "supervisor"}, {tech, "tech1"}, {keeper, "storekeeper"}} {
		uiSignIn(t, u.ctx, a.URL, u.name, demo.Password)
	}
	// do runs one step in a tab with its own time limit, and on failure saves what the
	// page showed.
	do := func(ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			screenshot(t, ctx, "journey-FAILED-"+strings.ReplaceAll(step, " ", "-"))
			t.Fatalf("%s: %v", step, err)
		}
	}
	shot := func(ctx context.Context, name string) { screenshot(t, ctx, "journey-"+name) }

	// 1. The hotline logs the call: a new customer, a unit bought in 2022 with 12 months' warranty.
	do(hot, "intake", chromedp.Navigate(a.URL+"/intake"), chromedp.WaitVisible(chromedp.ID("phone")),
		chromedp.SendKeys(chromedp.ID("phone"), "136 5555 8888"),
		chromedp.WaitVisible(chromedp.CSS(lookedUp("136 5555 8888")+" #new-customer")), chromedp.Click(chromedp.ID("new-customer")),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "三林重工机械有限公司"),
		chromedp.SendKeys(chromedp.ID("contact_person"), "何经理"),
		chromedp.SendKeys(chromedp.ID("address"), "上海市浦东新区三林路88号"),
		chromedp.Click(chromedp.CSS(`input[name="unit_id"][value="new"]`)),
		chromedp.WaitVisible(chromedp.ID("model")),
		chromedp.SendKeys(chromedp.ID("model"), "GA22"),
		chromedp.SetValue(chromedp.ID("purchase_date"), "2022-01-10"),
		chromedp.SendKeys(chromedp.ID("symptom"), "排气温度高，频繁停机"),
		chromedp.SendKeys(chromedp.ID("request"), "明天上门\r"),
		chromedp.WaitVisible(chromedp.ID("order-number")))
	number := text(t, hot, "#order-number")
	url, _ := chromedp.Run(hot, chromedp.Location())
	id := url[strings.LastIndex(url, "/")+1:]
	if !strings.Contains(text(t, hot, ".order-head"), "保外") {
		t.Fatalf("the order is not out of warranty: %q", text(t, hot, ".order-head"))
	}
	shot(hot, "1-logged")

	// 2. The supervisor assesses it and assigns it on the board by dragging.
	do(sup, "assess", chromedp.Navigate(a.URL+"/orders/"+id),
		chromedp.SetAttributeValue(chromedp.ID("action-assess"), "open", ""),
		chromedp.SendKeys(chromedp.ID("assess-cause_analysis"), "油冷却器脏堵，散热不良"),
		chromedp.SendKeys(chromedp.ID("assess-repair_plan"), "上门清洗冷却器，更换油滤"),
		chromedp.Click(chromedp.CSS(`#action-assess input[name="service_mode"][value="onsite"]`)),
		chromedp.Click(chromedp.CSS(`button[data-action="assess"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	tech1 := userID(t, a, "tech1")
	do(sup, "board", chromedp.EmulateViewport(1400, 2200), chromedp.Navigate(a.URL+"/board?view=tech"),
		chromedp.WaitVisible(chromedp.ID("card-"+id)),
		chromedp.DragAndDrop(chromedp.CSS("#card-"+id+" .card-customer"), chromedp.CSS("#lane-"+tech1)))
	waitFor(t, sup, "the card on 张伟's lane", `!!document.querySelector("#lane-`+tech1+` #card-`+id+`")`, 5*time.Second)
	shot(sup, "2-assigned")

	// 3. The technician books, arrives and asks for an oil filter; the storekeeper approves and issues it.
	start := time.Now().Add(90 * time.Minute).Truncate(time.Hour)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	do(tech, "appointment", chromedp.EmulateViewport(1024, 768), chromedp.Navigate(a.URL+"/orders/"+id),
		chromedp.SetAttributeValue(chromedp.ID("action-make_appointment"), "open", ""),
		chromedp.SetValue(chromedp.ID("make_appointment-start"), start.In(sh).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`button[data-action="make_appointment"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#action-check_in`)))
	do(tech, "check in", chromedp.SetAttributeValue(chromedp.ID("action-check_in"), "open", ""),
		chromedp.Click(chromedp.CSS(`button[data-action="check_in"]`)), chromedp.WaitVisible(chromedp.ID("complete-form")))
	do(tech, "request", chromedp.SetAttributeValue(chromedp.ID("action-request"), "open", ""),
		chromedp.SendKeys(chromedp.ID("req-part-0"), "P-OF-001"),
		chromedp.SendKeys(chromedp.CSS(`#action-request input[name="quantity"]`), "1"),
		chromedp.Click(chromedp.CSS(`button[data-action="request"]`)), chromedp.WaitVisible(chromedp.CSS(".order-req")))
	do(keeper, "approve", chromedp.Navigate(a.URL+"/parts/requisitions?state=requested"),
		chromedp.Click(chromedp.CSS(`button[data-req-action="approve"]`)), chromedp.WaitVisible(chromedp.CSS(`button[data-req-action="issue"]`)),
		chromedp.Click(chromedp.CSS(`button[data-req-action="issue"]`)), chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	shot(keeper, "3-issued")

	// 4. The technician completes on the tablet with the part and the customer's signature.
	partID := ""
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM parts WHERE code = 'P-OF-001'`).Scan(&partID)
	do(tech, "report", chromedp.Navigate(a.URL+"/orders/"+id), chromedp.WaitVisible(chromedp.ID("parts-used")),
		chromedp.SendKeys(chromedp.ID("complete-diagnosis"), "冷却器翅片堵塞"),
		chromedp.SendKeys(chromedp.ID("complete-fault_cause"), "环境粉尘大"),
		chromedp.SendKeys(chromedp.ID("complete-actions_taken"), "清洗冷却器，更换油滤，试机正常"),
		chromedp.Click(chromedp.CSS(`input[name="test_run"][value="done"]`)),
		chromedp.Click(chromedp.CSS(`input[name="field_class"][value="after_sales"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="used_`+partID+`"]`), "1"),
		chromedp.Click(chromedp.CSS(`input[name="rating"][value="5"]`)))
	drawSignature(t, tech)
	shot(tech, "4-report")
	do(tech, "complete", chromedp.Click(chromedp.CSS(`button[data-action="complete"]`)), chromedp.WaitVisible(chromedp.ID("files")))
	if s := text(t, tech, "#order-state"); s != "待回访" {
		t.Fatalf("after completing: %q", s)
	}

	// 5. The hotline settles the fee, then records a satisfied callback.
	do(hot, "fees", chromedp.Navigate(a.URL+"/orders/"+id), chromedp.Click(chromedp.ID("fees-link")),
		chromedp.WaitVisible(chromedp.ID("fee-lines")))
	lines := text(t, hot, "#fee-lines")
	if !strings.Contains(lines, "上门") || !strings.Contains(lines, "油滤") {
		t.Errorf("quote lines: %q", lines)
	}
	do(hot, "confirm", chromedp.Click(chromedp.ID("fee-confirm-tick")), chromedp.Click(chromedp.ID("fee-confirm")),
		chromedp.WaitVisible(chromedp.ID("fee-confirmed")))
	do(hot, "settle", chromedp.SetValue(chromedp.ID("fee-method"), "wechat"),
		chromedp.SendKeys(chromedp.ID("fee-receipt"), "WX20261122001"),
		chromedp.Click(chromedp.ID("fee-settle")), chromedp.WaitVisible(chromedp.ID("fee-settled")))
	shot(hot, "5-settled")
	do(hot, "callback", chromedp.Navigate(a.URL+"/callbacks"), chromedp.WaitVisible(chromedp.ID("cb-"+id)),
		chromedp.SetAttributeValue(chromedp.CSS("#cb-"+id+" details"), "open", ""),
		chromedp.Click(chromedp.CSS(`#cb-`+id+` input[name="outcome"][value="reached"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+id+` input[name="attitude"][value="5"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+id+` input[name="timeliness"][value="4"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+id+` input[name="quality"][value="5"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+id+` input[name="overall"][value="5"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+id+` input[name="satisfied"][value="1"]`)),
		chromedp.SendKeys(chromedp.CSS(`#cb-`+id+` textarea[name="comments"]`), "师傅很专业"),
		chromedp.Click(chromedp.CSS(`button[data-callback="`+id+`"]`)), chromedp.WaitVisible(chromedp.CSS(".flash-ok")))

	// 6. Closed, and the timeline names every step and who took it.
	do(hot, "closed", chromedp.Navigate(a.URL+"/orders/"+id), chromedp.WaitVisible(chromedp.ID("timeline")))
	if s := text(t, hot, "#order-state"); s != "已关闭" {
		t.Errorf("final state %q", s)
	}
	timeline := text(t, hot, "#timeline")
	for _, step := range []string{"陈晓燕 受理报修", "李志强 完成评估", "李志强 派工", "张伟 预约上门", "张伟 到场签到", "张伟 完工", "陈晓燕 回访满意"} {
		if !strings.Contains(strings.Join(strings.Fields(timeline), " "), step) {
			t.Errorf("timeline lacks %q:\n%s", step, timeline)
		}
	}
	shot(hot, "6-closed")
	// The supervisor corrects the job's class: the customer paid for the work.
	do(sup, "reclassify", chromedp.Navigate(a.URL+"/orders/"+id), chromedp.WaitVisible(chromedp.ID("action-reclassify")),
		chromedp.SetAttributeValue(chromedp.CSS("#action-reclassify"), "open", ""),
		chromedp.Click(chromedp.CSS(`#action-reclassify input[name="field_class"][value="paid"]`)),
		chromedp.SendKeys(chromedp.CSS(`#action-reclassify input[name="note"]`), "客户已付费，属有偿服务"),
		chromedp.Click(chromedp.CSS(`button[data-action="reclassify"]`)), chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	if c := text(t, sup, "#order-field-class"); c != "有偿服务" {
		t.Errorf("class after the correction: %q", c)
	}
	if tl := strings.Join(strings.Fields(text(t, sup, "#timeline")), " "); !strings.Contains(tl, "李志强 更正分类 售后服务 → 有偿服务") {
		t.Errorf("timeline lacks the correction:\n%s", tl)
	}
	shot(sup, "6-reclassified")
	do(hot, "report", chromedp.Navigate(a.URL+"/orders/"+id+"/report"), chromedp.WaitVisible(chromedp.ID("report-signature")))
	if r := text(t, hot, "#report"); !strings.Contains(r, "WX20261122001") || !strings.Contains(r, "P-OF-001") || !strings.Contains(r, "有偿服务") {
		t.Errorf("report lacks the settlement, the part or the class:\n%s", r)
	}
	shot(hot, "7-report")
	_ = number

	// A second order ends unsatisfied and is back on the board as a revisit.
	var other string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state = 'awaiting_callback' AND o.fees_state <> 'pending' ORDER BY o.id LIMIT 1`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	do(hot, "unsatisfied", chromedp.Navigate(a.URL+"/callbacks"), chromedp.WaitVisible(chromedp.ID("cb-"+other)),
		chromedp.SetAttributeValue(chromedp.CSS("#cb-"+other+" details"), "open", ""),
		chromedp.Click(chromedp.CSS(`#cb-`+other+` input[name="outcome"][value="reached"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+other+` input[name="attitude"][value="3"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+other+` input[name="timeliness"][value="2"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+other+` input[name="quality"][value="2"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+other+` input[name="overall"][value="2"]`)),
		chromedp.Click(chromedp.CSS(`#cb-`+other+` input[name="satisfied"][value="0"]`)),
		chromedp.SendKeys(chromedp.ID("cb-"+other+"-reason"), "维修后仍然漏油"),
		chromedp.Click(chromedp.CSS(`button[data-callback="`+other+`"]`)), chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	if f := text(t, hot, ".flash-ok"); !strings.Contains(f, "重新上门") {
		t.Errorf("flash %q", f)
	}
	do(sup, "board revisit", chromedp.Navigate(a.URL+"/board?view=tech"), chromedp.WaitVisible(chromedp.CSS("#lane-unassigned #card-"+other+" .revisit")))
	shot(sup, "8-revisit")
}
