package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aftersales/aftersales/internal/server"
)

// TestBadTextIsRefusedNot500: a NUL byte or broken UTF-8 anywhere in a query or a form
// is a 422 page in the user's language, never a 500; a huge username is a refusal.
func TestBadTextIsRefusedNot500(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	for _, path := range []string{"/orders?q=%00", "/orders?q=%ff%fe", "/customers?q=a%00b", "/intake?phone=%c3%28",
		"/orders.xlsx?q=%00", "/complaints?q=%ff", "/complaints/new?phone=1%00", "/proposals?q=a%00", "/callbacks?q=%c3%28"} {
		r := c.get(path)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("GET %s: %d", path, r.Status)
		}
		mustContain(t, r.Body, "无法识别的字符")
	}
	id, version := demoOrder(t, a, "received")
	r := c.post("/orders/"+id+"/forward", url.Values{"version": {version}, "note": {"a\x00b"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a NUL in a note: %d", r.Status)
	}
	r = c.post("/orders/"+id+"/forward", url.Values{"version": {version}, "note": {"\xff\xfe"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("broken UTF-8 in a note: %d", r.Status)
	}
	// The same holds for the newer modules' forms and the reports' filters.
	for path, form := range map[string]url.Values{
		"/complaints": {"what_happened": {"a\x00b"}, "channel": {"phone"}},
		"/proposals":  {"content": {"\xff\xfe"}, "channel": {"phone"}},
	} {
		if r := c.post(path, form); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("POST %s with bad text: %d", path, r.Status)
		}
	}
	mgr := a.client(t)
	mgr.signIn("manager")
	for _, path := range []string{"/reports?from=%00", "/reports.xlsx?station=%ff", "/settings/complaints?x=%00"} {
		if r := mgr.get(path); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("GET %s: %d", path, r.Status)
		}
	}
	var events int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_order_events WHERE order_id = $1`, id).Scan(&events)
	if events != 1 {
		t.Errorf("a refused post wrote events: %d", events)
	}
	// The completion form is multipart: the same rule holds.
	tech := a.client(t)
	tech.signIn("tech1")
	job, jobVersion := techOrder(t, a, "in_progress")
	r = tech.postMultipart("/orders/"+job+"/complete", map[string]string{"version": jobVersion, "diagnosis": "a\x00b",
		"fault_cause": "c", "actions_taken": "a", "test_run": "done", "field_class": "after_sales", "no_signature_reason": "不在"}, nil)
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a NUL in the field report: %d", r.Status)
	}
	anon := a.client(t)
	r = anon.post("/signin", url.Values{"username": {strings.Repeat("a", 900_000)}, "password": {"x"}})
	if r.Status >= 500 {
		t.Errorf("a 900 kB username: %d", r.Status)
	}
	r = anon.post("/signin", url.Values{"username": {strings.Repeat("a", 2<<20)}, "password": {"x"}})
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MB form: %d", r.Status)
	}
}

// TestSecurityHeaders: every page forbids inline script, sniffing, framing and leaking
// the referrer; no page carries an inline script the policy would block.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	for _, path := range []string{"/signin", "/static/css/app.css"} {
		r, err := http.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code", path)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, r.Header)
		}
	}
	for _, user := range []string{"hotline", "supervisor", "tech1", "storekeeper", "manager", "admin"} {
		c = a.client(t)
		c.signIn(user)
		body := c.get("/").Body
		for _, part := range strings.Split(body, `class="tile" href="`)[1:] {
			page := c.get(part[:strings.Index(part, `"`)]).Body
			if strings.Contains(page, "<script>") || strings.Contains(page, " onclick=") || strings.Contains(page, ` style="`) {
				t.Errorf("%s: a page has inline script or style", user)
			}
		}
	}
}

// TestMetricsOnlyFromLoopbackOrWithToken: /metrics answers loopback; from elsewhere only
// with the configured token.
func TestMetricsOnlyFromLoopbackOrWithToken(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *server.Deps) { d.Config.MetricsToken = "s3cret" })
	if r, _ := http.Get(a.URL + "/metrics"); r == nil || r.StatusCode != http.StatusOK {
		t.Fatalf("loopback: %v", r)
	}
	h := a.Config.Handler
	for _, tc := range []struct {
		auth string
		want int
	}{{"", http.StatusForbidden}, {"Bearer wrong", http.StatusForbidden}, {"Bearer s3cret", http.StatusOK}} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil)
		req.RemoteAddr = "203.0.113.9:4000"
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("from outside with %q: %d, want %d", tc.auth, rec.Code, tc.want)
		}
	}
}

// postTogether sends the same form n times at once and returns the statuses.
func postTogether(c *client, n int, path string, form url.Values) []int {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = c.post(path, form).Status
		}()
	}
	wg.Wait()
	return statuses
}

// TestDoubleSubmitTakesEffectOnce: the same form posted several times at once (a
// double click, a retried request) adds one labour line, one confirmation and one
// requisition; each post gets the first post's answer.
func TestDoubleSubmitTakesEffectOnce(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id := feeOrder(t, a)
	hot := a.client(t)
	hot.signIn("hotline")
	count := func(sql string) (n int) {
		if err := a.Pool.QueryRow(t.Context(), sql, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	lines := count(`SELECT count(*) FROM order_fee_lines WHERE order_id = $1 AND deleted_at IS NULL`)
	for _, st := range postTogether(hot, 4, "/orders/"+id+"/fees/lines", url.Values{"item_id": {labourItem(t, a, "REPAIR")}, "quantity": {"1"}, "form_key": {"line-key-0001"}}) {
		if st != http.StatusSeeOther {
			t.Errorf("a copy of the line form: %d", st)
		}
	}
	if got := count(`SELECT count(*) FROM order_fee_lines WHERE order_id = $1 AND deleted_at IS NULL`); got != lines+1 {
		t.Errorf("four copies of one form added %d lines", got-lines)
	}
	// Without a key (an old page, a script) each post counts, as before.
	hot.post("/orders/"+id+"/fees/lines", url.Values{"item_id": {labourItem(t, a, "REPAIR")}, "quantity": {"1"}})
	if got := count(`SELECT count(*) FROM order_fee_lines WHERE order_id = $1 AND deleted_at IS NULL`); got != lines+2 {
		t.Errorf("a keyless post: %d lines", got-lines)
	}
	for _, st := range postTogether(hot, 3, "/orders/"+id+"/fees/confirm", url.Values{"via": {"phone"}, "confirmed": {"1"}, "customer_name": {"王工"}, "form_key": {"confirm-key-01"}}) {
		if st != http.StatusSeeOther {
			t.Errorf("a copy of the confirmation: %d", st)
		}
	}
	if got := count(`SELECT count(*) FROM quote_confirmations WHERE order_id = $1`); got != 1 {
		t.Errorf("three copies of one confirmation made %d", got)
	}

	// A requisition on a job under way.
	var job string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE o.state = 'in_progress' AND u.username = 'tech1' LIMIT 1`).Scan(&job); err != nil {
		t.Fatal(err)
	}
	var partCode string
	_ = a.Pool.QueryRow(t.Context(), `SELECT code FROM parts WHERE active ORDER BY id LIMIT 1`).Scan(&partCode)
	tech := a.client(t)
	tech.signIn("tech1")
	postTogether(tech, 4, "/orders/"+job+"/requisitions", url.Values{"part": {partCode}, "quantity": {"1"}, "form_key": {"req-key-00001"}})
	var reqs int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM requisitions WHERE order_id = $1`, job).Scan(&reqs)
	if reqs != 1 {
		t.Errorf("four copies of one requisition made %d", reqs)
	}
}

// TestPartCodesIgnoreLetterCase: a code differing only in case is the same part: the
// database refuses a second one, and a receipt typed in lower case says which part it
// was read as.
func TestPartCodesIgnoreLetterCase(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	if _, err := a.Pool.Exec(t.Context(), `INSERT INTO parts (code, name) VALUES ('p-af-001', '重复的空滤')`); err == nil {
		t.Error("a part code differing only in case was accepted")
	}
	c := a.client(t)
	c.signIn("storekeeper")
	r := c.post("/parts/receipts", url.Values{"supplier": {"上海滤清器厂"}, "delivery_note": {"SHD-CASE-1"},
		"line_0_part": {"p-af-001"}, "line_0_delivered": {"2"}, "line_0_accepted": {"2"}, "line_0_rejected": {"0"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("receipt with a lower-case code: %d\n%s", r.Status, r.Body)
	}
	page := c.get(r.Location)
	mustContain(t, page.Body, "p-af-001 → P-AF-001")
}

// TestSettingsFormsTakeEffectOnce: the manager's settings forms carry a one-time key; a
// form posted again (a double click, a retried request) answers as the first post did
// instead of refusing a day it has just added or removed.
func TestSettingsFormsTakeEffectOnce(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	m := a.client(t)
	m.signIn("manager")
	// Headquarters' manager keeps the fee schedule's items.
	hq := a.client(t)
	hq.signIn("hq.manager")
	for _, c := range []struct {
		client *client
		path   string
	}{{m, "/settings"}, {m, "/settings/fees"}, {hq, "/settings/fees"}} {
		path := c.path
		body := c.client.get(path).Body
		for _, form := range []string{`id="settings-form"`, `id="add-day"`, `id="fee-item-form"`, `class="inline fee-deactivate"`} {
			i := strings.Index(body, form)
			if i < 0 {
				continue
			}
			if end := strings.Index(body[i:], "</form>"); !strings.Contains(body[i:i+end], `name="form_key"`) {
				t.Errorf("%s: the form %s has no one-time key", path, form)
			}
		}
	}
	days := func() int {
		var n int
		_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM calendar_days WHERE day = '2026-10-01'`).Scan(&n)
		return n
	}
	add := url.Values{"day": {"2026-10-01"}, "kind": {"holiday"}, "form_key": {"add-day-key-01"}}
	for _, st := range postTogether(m, 3, "/settings/calendar", add) {
		if st != http.StatusSeeOther {
			t.Errorf("adding a day posted three times: %d", st)
		}
	}
	if r := m.post("/settings/calendar", add); r.Status != http.StatusSeeOther || days() != 1 {
		t.Errorf("the add form once more: %d, %d days", r.Status, days())
	}
	del := url.Values{"confirm": {"yes"}, "form_key": {"del-day-key-01"}}
	for range 2 {
		if r := m.post("/settings/calendar/2026-10-01/delete", del); r.Status != http.StatusSeeOther || days() != 0 {
			t.Errorf("the delete form posted again: %d, %d days", r.Status, days())
		}
	}
	item := url.Values{"code": {"CLEAN"}, "name": {"清洗冷却器"}, "kind": {"labour"}, "price": {"150"}, "form_key": {"fee-item-key-1"}}
	for _, st := range postTogether(hq, 3, "/settings/fees", item) {
		if st != http.StatusSeeOther {
			t.Errorf("saving a fee item posted three times: %d", st)
		}
	}
	var id int64
	_ = a.Pool.QueryRow(t.Context(), `SELECT id FROM fee_items WHERE code = 'CLEAN'`).Scan(&id)
	// A later change of the same item with the old form's key changes nothing.
	item.Set("price", "999")
	hq.post("/settings/fees", item)
	var price int64
	_ = a.Pool.QueryRow(t.Context(), `SELECT price_fen FROM fee_items WHERE id = $1`, id).Scan(&price)
	if price != 15000 {
		t.Errorf("a repeated key changed the price to %d fen", price)
	}
}
