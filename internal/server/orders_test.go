package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/testkit"
)

// demoOrder returns the id and version of a Shanghai demo order in state.
func demoOrder(t *testing.T, a *app, state string) (string, string) {
	t.Helper()
	var id int64
	var version int
	err := a.Pool.QueryRow(t.Context(), `SELECT o.id, o.version FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state = $1 ORDER BY o.id LIMIT 1`, state).Scan(&id, &version)
	if err != nil {
		t.Fatalf("no demo order in %s: %v", state, err)
	}
	return strconv.FormatInt(id, 10), strconv.Itoa(version)
}

func TestOrderPageShowsExactlyTheAllowedActions(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id, _ := demoOrder(t, a, "received")
	for user, want := range map[string][]string{
		"hotline":    {"resolve_by_phone", "forward", "cancel"},
		"supervisor": {"assess", "cancel"},
		"manager":    nil,
	} {
		c := a.client(t)
		c.signIn(user)
		r := c.get("/orders/" + id)
		if r.Status != 200 {
			t.Fatalf("%s: %d", user, r.Status)
		}
		got := []string{}
		for _, part := range strings.Split(r.Body, `data-action="`)[1:] {
			got = append(got, part[:strings.Index(part, `"`)])
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s sees actions %v, want %v", user, got, want)
		}
		mustContain(t, r.Body, "工单日志", "服务时限", "已受理")
	}
}

func TestOrderActionPRGConflictAndValidation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id, version := demoOrder(t, a, "received")
	c := a.client(t)
	c.signIn("hotline")

	// Guidance is required; what was typed elsewhere is kept.
	r := c.post("/orders/"+id+"/resolve_by_phone", url.Values{"version": {version}, "guidance": {" "}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty guidance: %d", r.Status)
	}
	mustContain(t, r.Body, "此项必填", `id="action-resolve_by_phone" open`)
	// Cancel needs the confirmation box.
	r = c.post("/orders/"+id+"/cancel", url.Values{"version": {version}, "reason": {"客户撤回"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("cancel without confirmation: %d", r.Status)
	}
	mustContain(t, r.Body, "请勾选确认后再撤销", `value="客户撤回"`)

	r = c.post("/orders/"+id+"/forward", url.Values{"version": {version}, "note": {"需评估"}})
	if r.Status != http.StatusSeeOther || r.Location != "/orders/"+id {
		t.Fatalf("forward: %d %q", r.Status, r.Location)
	}
	mustContain(t, c.get("/orders/"+id).Body, "已保存", "技术评估中", "需评估")
	// The same form again (a double click) is one change.
	if r := c.post("/orders/"+id+"/forward", url.Values{"version": {version}, "note": {"需评估"}}); r.Status != http.StatusSeeOther {
		t.Errorf("double submit: %d", r.Status)
	}
	// Another user acting on the version they saw gets a conflict and the fresh order.
	s := a.client(t)
	s.signIn("supervisor")
	r = s.post("/orders/"+id+"/cancel", url.Values{"version": {version}, "reason": {"重复"}, "confirm": {"1"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("stale cancel: %d", r.Status)
	}
	mustContain(t, r.Body, "陈晓燕 已于", "修改了此工单", "转技术评估", "当前状态为「技术评估中」", `id="order-state">技术评估中`, `value="重复"`)
	var events int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_order_events WHERE order_id = $1`, id).Scan(&events)
	var state string
	_ = a.Pool.QueryRow(t.Context(), `SELECT state FROM work_orders WHERE id = $1`, id).Scan(&state)
	if state != "assessing" || events != 2 {
		t.Errorf("state %s, %d events", state, events)
	}
	// An action the state does not allow names the state.
	r = c.post("/orders/"+id+"/resolve_by_phone", url.Values{"version": {strconv.Itoa(mustAtoi(version) + 1)}, "guidance": {"x"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("illegal: %d", r.Status)
	}
	mustContain(t, r.Body, "工单当前状态为「技术评估中」，不能执行「电话解决」")
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestOrdersListFiltersAndVisibility(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	r := c.get("/orders?state=received")
	if r.Status != 200 {
		t.Fatalf("%d", r.Status)
	}
	if strings.Contains(r.Body, `class="state state-awaiting_dispatch"`) || !strings.Contains(r.Body, `class="state state-received"`) {
		t.Error("the state filter does not filter")
	}
	mustContain(t, r.Body, `option value="received" selected`)
	// Part of a phone number finds the order; the filters stay in the next-page link.
	var phone, number string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.contact_phone, o.number FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SH' ORDER BY o.id LIMIT 1`).Scan(&phone, &number)
	part := strings.ReplaceAll(phone, " ", "")[3:9]
	mustContain(t, c.get("/orders?q="+part).Body, number)
	// Suzhou's orders are not in Shanghai's list.
	// (Numbers are per station and day, so compare links, not numbers.)
	var szOrder string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SZ' LIMIT 1`).Scan(&szOrder)
	r = c.get("/orders")
	if strings.Contains(r.Body, `href="/orders/`+szOrder+`"`) {
		t.Error("Shanghai's list shows a Suzhou order")
	}
	// A date that is not a date is a 422 with the list unfiltered.
	if r := c.get("/orders?from=yesterday"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d", r.Status)
	}
	// Technicians have no list, and another technician's order is a 404.
	tc := a.client(t)
	tc.signIn("tech2")
	if r := tc.get("/orders"); r.Status != http.StatusForbidden {
		t.Errorf("technician list: %d", r.Status)
	}
	var techOrder string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id WHERE u.username = 'tech1' LIMIT 1`).Scan(&techOrder)
	if r := tc.get("/orders/" + techOrder); r.Status != http.StatusNotFound {
		t.Errorf("tech2 opens tech1's order: %d", r.Status)
	}
	t1 := a.client(t)
	t1.signIn("tech1")
	if r := t1.get("/orders/" + techOrder); r.Status != 200 {
		t.Errorf("tech1 opens own order: %d", r.Status)
	}
	sz := a.client(t)
	sz.signIn("sz.hotline")
	var shOrder string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SH' LIMIT 1`).Scan(&shOrder)
	if r := sz.get("/orders/" + shOrder); r.Status != http.StatusNotFound {
		t.Errorf("Suzhou opens a Shanghai order: %d", r.Status)
	}
	if strings.Contains(sz.get("/orders").Body, `href="/orders/`+shOrder+`"`) {
		t.Error("Suzhou's list shows a Shanghai order")
	}
}

func TestOrdersListPagesKeepTheFilters(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	// Add orders until there is more than one page of 50.
	var cust, station int64
	_ = a.Pool.QueryRow(t.Context(), `SELECT c.id, c.station_id FROM customers c ORDER BY c.id LIMIT 1`).Scan(&cust, &station)
	hotline := testkit.UserID(t, a.Pool, "hotline")
	_, err := a.Pool.Exec(t.Context(), `INSERT INTO work_orders (number, search, station_id, state, channel, customer_id, symptom, urgency, service_type, warranty,
		contact_due_at, arrive_due_at, created_by, created_at, updated_at)
		SELECT 'GD20200101-' || lpad(g::text, 4, '0'), 'GD20200101-' || lpad(g::text, 4, '0'), $1, 'received', 'phone', $2, '批量', 'normal', 'repair', 'unknown',
			now(), now(), $3, now() - g * interval '1 minute', now() FROM generate_series(1, 60) g`, station, cust, hotline)
	if err != nil {
		t.Fatal(err)
	}
	r := c.get("/orders?urgency=normal&q=" + url.QueryEscape("GD20200101"))
	if strings.Count(r.Body, "GD20200101-") != 50 {
		t.Fatalf("first page shows %d", strings.Count(r.Body, "GD20200101-"))
	}
	i := strings.Index(r.Body, `id="next-page" href="`)
	if i < 0 {
		t.Fatal("no next-page link")
	}
	next := r.Body[i+len(`id="next-page" href="`):]
	next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
	if !strings.Contains(next, "urgency=normal") || !strings.Contains(next, "q=GD20200101") {
		t.Errorf("next link lost the filters: %s", next)
	}
	r = c.get(next)
	if n := strings.Count(r.Body, "GD20200101-"); n != 10 || strings.Contains(r.Body, `id="next-page"`) {
		t.Errorf("second page shows %d (next link: %v)", n, strings.Contains(r.Body, `id="next-page"`))
	}
}

// activeNav returns the hrefs of the highlighted navigation entries on a page.
func activeNav(body string) []string {
	var out []string
	for _, part := range strings.Split(body, "<a href=\"")[1:] {
		tag := part[:strings.Index(part, ">")]
		if strings.Contains(tag, `class="active"`) && strings.Contains(tag, "data-nav=") {
			out = append(out, strings.ReplaceAll(tag[:strings.Index(tag, `"`)], "&amp;", "&"))
		}
	}
	return out
}

func TestNavigationHighlightsOneEntry(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("supervisor")
	id, _ := demoOrder(t, a, "assessing")
	for path, want := range map[string]string{
		"/orders":                 "/orders",
		"/orders/" + id:           "/orders",
		"/orders?state=assessing": "/orders",
		"/assessments":            "/assessments",
		"/orders?state=received":  "/orders",
		"/board":                  "/board",
		"/":                       "/",
	} {
		if got := activeNav(c.get(path).Body); len(got) != 1 || got[0] != want {
			t.Errorf("%s: active %v, want [%s]", path, got, want)
		}
	}
}

func TestNavigationPrefersTheLongestMatch(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("storekeeper")
	for path, want := range map[string]string{"/parts": "/parts", "/parts/catalog": "/parts/catalog", "/parts/requisitions": "/parts/requisitions"} {
		if got := activeNav(c.get(path).Body); len(got) != 1 || got[0] != want {
			t.Errorf("%s: active %v, want [%s]", path, got, want)
		}
	}
}
