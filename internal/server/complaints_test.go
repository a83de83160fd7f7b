package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestComplaintPages: the hotline finds the caller by phone, logs a complaint about an
// order (a refused form keeps what was typed and says what is wrong in Chinese), the page
// shows exactly the steps the user may take, a repeated post makes one complaint, another
// station gets not-found, and the complaint shows on its order and customer pages.
func TestComplaintPages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var orderID, customerID, phone string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.customer_id::text, p.raw FROM work_orders o
		JOIN stations s ON s.id = o.station_id JOIN customer_phones p ON p.customer_id = o.customer_id
		WHERE s.code = 'SH' AND o.state = 'closed' ORDER BY o.id LIMIT 1`).Scan(&orderID, &customerID, &phone); err != nil {
		t.Fatal(err)
	}
	hot := a.client(t)
	hot.signIn("hotline")
	if r := hot.get("/"); !strings.Contains(r.Body, `href="/complaints/new"`) {
		t.Error("the hotline's menu lacks 投诉登记")
	}
	r := hot.get("/complaints/new?phone=" + url.QueryEscape(phone))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="complaint-form"`) {
		t.Fatalf("lookup: %d", r.Status)
	}
	key := regexp.MustCompile(`name="form_key" value="([0-9a-f]+)"`).FindStringSubmatch(r.Body)[1]
	form := url.Values{"form_key": {key}, "customer_id": {customerID}, "phone": {phone}, "channel": {"phone"},
		"what_happened": {"上门维修后设备仍然漏油<script>x</script>"}, "order_id": {orderID}, "is_claim": {"1"}, "claim_amount": {"-20"}}
	r = hot.post("/complaints", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: %d", r.Status)
	}
	mustContain(t, r.Body, "请选择投诉类别。", "请选择严重程度", "请输入大于 0 的金额", "上门维修后设备仍然漏油&lt;script&gt;")
	if strings.Contains(r.Body, "<script>x") {
		t.Error("typed text is not escaped")
	}
	var n int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM complaints WHERE what_happened LIKE '上门维修后%'`).Scan(&n)
	if n != 0 {
		t.Fatalf("a refused form wrote %d complaints", n)
	}
	form.Set("category", "quality")
	form.Set("severity", "important")
	form.Set("claim_amount", "1200.50")
	// Texts are bounded, in the form and by the service; the message names the limit.
	mustContain(t, r.Body, `maxlength="2000"`)
	long := url.Values{}
	for k, v := range form {
		long[k] = v
	}
	long.Set("what_happened", strings.Repeat("漏", 2001))
	long.Set("form_key", "form-complaint-long1")
	if r := hot.post("/complaints", long); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a 2001-character complaint: %d", r.Status)
	} else {
		mustContain(t, r.Body, "最多 2000 个字")
	}
	r = hot.post("/complaints", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/complaints/") {
		t.Fatalf("log: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	page := r.Location
	if again := hot.post("/complaints", form); again.Location != page {
		t.Errorf("a repeated post went to %s, not %s", again.Location, page)
	}
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM complaints WHERE what_happened LIKE '上门维修后%'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d complaints after a double submit", n)
	}
	r = hot.get(page)
	mustContain(t, r.Body, "投诉已登记。", "待指派", "¥1,200.50", `data-step="withdraw"`)
	if strings.Contains(r.Body, `data-step="assign"`) {
		t.Error("the hotline is offered to assign")
	}
	id := strings.TrimPrefix(page, "/complaints/")

	sup := a.client(t)
	sup.signIn("supervisor")
	r = sup.get(page)
	mustContain(t, r.Body, `data-step="assign"`, `name="due_at"`)
	// The order page and the customer page list it.
	mustContain(t, sup.get("/orders/"+orderID).Body, `href="/complaints/`+id+`"`)
	mustContain(t, sup.get("/customers/"+customerID).Body, `href="/complaints/`+id+`"`)
	// Assigning with a deadline in the past is refused with the form kept open.
	r = sup.post(page+"/assign", url.Values{"version": {"1"}, "responsible_id": {"999999"}, "due_at": {"2020-01-01T09:00"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "责任人须为本服务站") {
		t.Errorf("bad assignment: %d", r.Status)
	}
	// A stale version is a conflict with a message, nothing changed.
	r = sup.post(page+"/withdraw", url.Values{"version": {"7"}, "reason": {"客户撤回"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "刚被别人更新过") {
		t.Errorf("stale: %d", r.Status)
	}

	sz := a.client(t)
	sz.signIn("sz.hotline")
	if r := sz.get(page); r.Status != http.StatusNotFound {
		t.Errorf("another station: %d", r.Status)
	}
	if r := sz.post(page+"/withdraw", url.Values{"version": {"1"}, "reason": {"x"}}); r.Status != http.StatusNotFound {
		t.Errorf("another station withdraws: %d", r.Status)
	}
	tech := a.client(t)
	tech.signIn("tech1")
	if r := tech.get(page); r.Status != http.StatusNotFound {
		t.Errorf("a technician not responsible: %d", r.Status)
	}
	if r := tech.get("/complaints/new"); r.Status != http.StatusForbidden {
		t.Errorf("a technician opens the complaint form: %d", r.Status)
	}
	if r := sup.get(page + "/print"); r.Status != http.StatusOK || !strings.Contains(r.Body, "投诉处理通知单") {
		t.Errorf("print: %d", r.Status)
	}
}
