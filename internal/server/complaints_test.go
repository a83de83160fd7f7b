package server_test

import (
	"html"
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

// TestComplaintListPeriod: the complaint list filters by a period of days on the time a
// basis names, says how many complaints matched, and its next-page link keeps the
// filters; a bad date, basis or on-time choice is a message in Chinese (422).
func TestComplaintListPeriod(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var station string
	err := a.Pool.QueryRow(t.Context(), `SELECT s.id::text FROM stations s WHERE s.code = 'SH'`).Scan(&station)
	if err != nil {
		t.Fatal(err)
	}
	// 55 complaints logged on 2 January 2020 (Shanghai), due that evening; the first 20
	// proposed before the deadline.
	_, err = a.Pool.Exec(t.Context(), `INSERT INTO complaints (number, station_id, state, channel, customer_id, category, severity,
		what_happened, due_at, is_claim, created_by, created_at, updated_at)
		SELECT 'TS20200102-' || lpad(g::text, 4, '0'), x.station_id, 'proposed', 'phone', x.customer_id, 'quality', 'general', '期间分页',
			'2020-01-02 18:00+08', false, x.created_by, '2020-01-02 09:00+08'::timestamptz + g * interval '1 minute', now()
		FROM (SELECT station_id, customer_id, created_by FROM complaints WHERE station_id = $1 ORDER BY id LIMIT 1) x, generate_series(1, 55) g`, station)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Pool.Exec(t.Context(), `INSERT INTO complaint_events (complaint_id, step, from_state, to_state, actor_id, version, at)
		SELECT id, 'propose', 'handling', 'proposed', created_by, 2, created_at + interval '1 hour'
		FROM complaints WHERE number BETWEEN 'TS20200102-0001' AND 'TS20200102-0020'`)
	if err != nil {
		t.Fatal(err)
	}
	mgr := a.client(t)
	mgr.signIn("manager")

	r := mgr.get("/complaints?station=" + station + "&from=2020-01-02&to=2020-01-02&basis=created")
	if r.Status != http.StatusOK {
		t.Fatalf("period: %d", r.Status)
	}
	mustContain(t, r.Body, `id="complaints-total"`, "共 55 条", `name="from" id="complaint-from" value="2020-01-02"`, `<option value="created" selected>`)
	next := regexp.MustCompile(`href="(/complaints\?[^"]*after=[^"]*)"`).FindStringSubmatch(r.Body)
	if next == nil {
		t.Fatal("no next-page link")
	}
	link, err := url.Parse(html.UnescapeString(next[1]))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"station": station, "from": "2020-01-02", "to": "2020-01-02", "basis": "created"} {
		if link.Query().Get(k) != v {
			t.Errorf("next link %s: %s = %q, want %q", link, k, link.Query().Get(k), v)
		}
	}
	r = mgr.get(link.String())
	if r.Status != http.StatusOK || strings.Count(r.Body, `<tr data-id=`) != 5 {
		t.Errorf("second page: %d, %d rows", r.Status, strings.Count(r.Body, `<tr data-id=`))
	}
	mustContain(t, r.Body, "共 55 条")
	// Due that day (long passed), and of them proposed by the deadline.
	mustContain(t, mgr.get("/complaints?station="+station+"&from=2020-01-02&to=2020-01-02&basis=due").Body, "共 55 条")
	mustContain(t, mgr.get("/complaints?station="+station+"&from=2020-01-02&to=2020-01-02&basis=due&ontime=1").Body, "共 20 条")
	// The day after: nothing logged.
	mustContain(t, mgr.get("/complaints?station="+station+"&from=2020-01-03&to=2020-01-03").Body, "共 0 条")

	for q, msg := range map[string]string{
		"from=2020-13-01&to=2020-01-02":       "日期格式不正确，应为 年-月-日。",
		"from=2020-01-02&to=2.1.2020":         "日期格式不正确，应为 年-月-日。",
		"from=2020-01-02&basis=closed":        "请选择按登记时间、处理期限或赔付时间。",
		"from=2020-01-02&basis=paid&ontime=1": "“只看按期提出处理结果”须按处理期限筛选。",
	} {
		r := mgr.get("/complaints?" + q)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", q, r.Status)
			continue
		}
		mustContain(t, r.Body, msg)
		describedByResolves(t, q, r.Body)
		if strings.Contains(r.Body, `id="complaints-total"`) {
			t.Errorf("%s: a count under a refused filter", q)
		}
	}
}
