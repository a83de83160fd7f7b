package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserRequisitionToLedger: a technician asks for a part from the job page, the
// supervisor approves, the storekeeper issues, the technician records it as used on
// completion, and the part's ledger shows the issue linked to the order.
func TestBrowserRequisitionToLedger(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var job, number, partID string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.number FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.state = 'in_progress' LIMIT 1`).Scan(&job, &number); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(t.Context(), `SELECT id::text FROM parts WHERE code = 'P-OF-001'`).Scan(&partID); err != nil {
		t.Fatal(err)
	}
	tech, sup, keeper := browser(t), browser(t), browser(t)
	uiSignIn(t, tech, a.URL, "tech1", demo.Password)
	uiSignIn(t, sup, a.URL, "supervisor", demo.Password)
	uiSignIn(t, keeper, a.URL, "storekeeper", demo.Password)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	// The technician asks for one oil filter.
	must("request", chromedp.Do(tech, chromedp.EmulateViewport(1024, 768),
		chromedp.Navigate(a.URL+"/orders/"+job),
		chromedp.SetAttributeValue(chromedp.ID("action-request"), "open", ""),
		chromedp.SendKeys(chromedp.ID("req-part-0"), "P-OF-001"),
		chromedp.SendKeys(chromedp.CSS(`#action-request input[name="quantity"]`), "1"),
		chromedp.Click(chromedp.CSS(`button[data-action="request"]`)),
		chromedp.WaitVisible(chromedp.CSS(".order-req")),
	))
	if s := text(t, tech, "#order-parts"); !strings.Contains(s, "待审批") || !strings.Contains(s, "P-OF-001") {
		t.Fatalf("after asking: %q", s)
	}
	// The supervisor approves it from the queue.
	follow(t, sup, `nav a[href="/parts/requisitions"]`)
	must("approve", chromedp.Do(sup, chromedp.WaitVisible(chromedp.CSS(`button[data-req-action="approve"]`)),
		chromedp.Click(chromedp.CSS(`button[data-req-action="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok"))))
	screenshot(t, sup, "requisition-approved")
	// The storekeeper issues it.
	before := 0
	_ = a.Pool.QueryRow(t.Context(), `SELECT quantity FROM stock_balances b JOIN locations l ON l.id = b.location_id JOIN stations s ON s.id = l.station_id
		WHERE b.part_id = $1 AND l.kind = 'warehouse' AND s.code = 'SH'`, partID).Scan(&before)
	follow(t, keeper, `nav a[href="/parts/requisitions"]`)
	must("issue", chromedp.Do(keeper, chromedp.WaitVisible(chromedp.CSS(`button[data-req-action="issue"]`)),
		chromedp.Click(chromedp.CSS(`button[data-req-action="issue"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok"))))
	if s := text(t, keeper, ".flash-ok"); !strings.Contains(s, "已发料") {
		t.Errorf("issue flash %q", s)
	}
	// The technician completes, using the part.
	must("complete", chromedp.Do(tech, chromedp.Navigate(a.URL+"/orders/"+job),
		chromedp.WaitVisible(chromedp.ID("parts-used")),
		chromedp.SendKeys(chromedp.ID("complete-diagnosis"), "油滤堵塞"),
		chromedp.SendKeys(chromedp.ID("complete-fault_cause"), "超期未换"),
		chromedp.SendKeys(chromedp.ID("complete-actions_taken"), "更换油滤"),
		chromedp.Click(chromedp.CSS(`input[name="test_run"][value="done"]`)),
		chromedp.Click(chromedp.CSS(`input[name="field_class"][value="part_within_year"]`)),
		chromedp.SendKeys(chromedp.CSS(`#parts-used input[name="used_`+partID+`"]`), "1"),
		chromedp.SendKeys(chromedp.ID("complete-no_signature_reason"), "客户外出"),
		chromedp.Click(chromedp.CSS(`button[data-action="complete"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	))
	waitFor(t, tech, "the order awaits its callback", `document.getElementById("order-state").textContent === "待回访"`, 5*time.Second)
	// The ledger shows the issue, linked to the order.
	must("ledger", chromedp.Do(keeper, chromedp.Navigate(a.URL+"/parts"), chromedp.WaitVisible(chromedp.ID("stock-P-OF-001")),
		chromedp.Click(chromedp.CSS(`#stock-P-OF-001 a`)), chromedp.WaitVisible(chromedp.ID("ledger"))))
	first := text(t, keeper, "#ledger tbody tr")
	if !strings.Contains(first, "领用出库") || !strings.Contains(first, "-1") || !strings.Contains(first, number) || !strings.Contains(first, "赵敏") {
		t.Errorf("first ledger row: %q", first)
	}
	if onHand := text(t, keeper, "#on-hand"); onHand == "" || onHand == "0" && before != 1 {
		t.Errorf("on hand %q (was %d)", onHand, before)
	}
	screenshot(t, keeper, "part-ledger")
	var used int
	_ = a.Pool.QueryRow(t.Context(), `SELECT quantity FROM order_parts_used WHERE order_id = $1`, job).Scan(&used)
	if used != 1 {
		t.Errorf("parts used on the order: %d", used)
	}
}
