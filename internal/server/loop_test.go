package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/testkit"
)

// TestOrderPageCallbackIsTheSurvey: on a finished job the hotline gets one callback
// form, the survey; a bare "satisfied" post is not an action, and a reached call
// without scores comes back with its messages and nothing saved.
func TestOrderPageCallbackIsTheSurvey(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var id, version string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.version::text FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state = 'awaiting_callback' AND o.fees_state <> 'pending' ORDER BY o.id LIMIT 1`).Scan(&id, &version); err != nil {
		t.Fatal(err)
	}
	c := a.client(t)
	c.signIn("hotline")
	r := c.get("/orders/" + id)
	mustContain(t, r.Body, `data-action="callback"`, "服务态度", "是否满意")
	if strings.Contains(r.Body, `data-action="callback_satisfied"`) || strings.Contains(r.Body, `data-action="callback_attempt"`) {
		t.Error("the order page still offers a bare callback outcome")
	}
	if r := c.post("/orders/"+id+"/callback_satisfied", url.Values{"version": {version}}); r.Status != http.StatusNotFound {
		t.Errorf("bare callback_satisfied: %d", r.Status)
	}
	r = c.post("/orders/"+id+"/callback", url.Values{"version": {version}, "outcome": {"reached"}, "satisfied": {"1"}, "comments": {"很好"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("reached without scores: %d", r.Status)
	}
	mustContain(t, r.Body, "很好", `id="action-callback" open`)
	var n int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM callback_attempts WHERE order_id = $1`, id).Scan(&n)
	if n != 0 {
		t.Fatalf("a refused survey saved %d rows", n)
	}
	r = c.post("/orders/"+id+"/callback", url.Values{"version": {version}, "outcome": {"reached"}, "satisfied": {"1"},
		"attitude": {"5"}, "timeliness": {"4"}, "quality": {"5"}, "overall": {"5"}, "comments": {"很好"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("survey: %d", r.Status)
	}
	var state string
	_ = a.Pool.QueryRow(t.Context(), `SELECT state FROM work_orders WHERE id = $1`, id).Scan(&state)
	if state != "closed" {
		t.Errorf("after a satisfied survey: %s", state)
	}
}

// TestReceivablesPage: the demo's order closed unreachable with fees owed is on the
// manager's receivables list and its order page says so; the manager writes it off
// after confirming, with a reason. The contact phone shows grouped however it was typed.
func TestReceivablesPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var id, version, number string
	if err := a.Pool.QueryRow(t.Context(), `SELECT id::text, version::text, number FROM work_orders WHERE fees_state = 'receivable'`).Scan(&id, &version, &number); err != nil {
		t.Fatal(err)
	}
	// The contact phone as a caller might have typed it: the list shows it grouped like
	// every other page.
	if _, err := a.Pool.Exec(t.Context(), `UPDATE work_orders SET contact_phone = '１３８-1001-2013' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	m := a.client(t)
	m.signIn("manager")
	r := m.get("/receivables")
	mustContain(t, r.Body, "应收款", number, "¥", "核销应收款", ">138 1001 2013<")
	r = m.get("/orders/" + id)
	mustContain(t, r.Body, "列为应收款", `data-action="write_off"`)
	if r := m.post("/orders/"+id+"/write_off", url.Values{"version": {version}, "reason": {"客户失联"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("write-off without confirming: %d", r.Status)
	}
	if r := m.post("/orders/"+id+"/write_off", url.Values{"version": {version}, "reason": {"客户失联"}, "confirm": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("write-off: %d", r.Status)
	}
	if r := m.get("/receivables"); strings.Contains(r.Body, number) {
		t.Error("written-off order still listed")
	}
	h := a.client(t)
	h.signIn("tech1")
	if r := h.get("/receivables"); r.Status != http.StatusForbidden {
		t.Errorf("technician opens receivables: %d", r.Status)
	}
}

// TestHomePromisesOnlyWhatExists: every role's home page links only to pages that open.
func TestHomePromisesOnlyWhatExists(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, user := range []string{"hotline", "supervisor", "tech1", "storekeeper", "manager", "admin"} {
		c := a.client(t)
		c.signIn(user)
		r := c.get("/")
		for _, part := range strings.Split(r.Body, `class="tile" href="`)[1:] {
			href := part[:strings.Index(part, `"`)]
			got := c.get(href)
			// A tile may open the page of the moment (this week's plan) through our own redirect.
			if got.Status == http.StatusSeeOther && strings.HasPrefix(got.Location, "/") && !strings.HasPrefix(got.Location, "//") {
				got = c.get(got.Location)
			}
			if got.Status != http.StatusOK {
				t.Errorf("%s: home links to %s, which answers %d", user, href, got.Status)
			}
		}
	}
}

// TestOrderActionBadVersionIsNoConflict: a form whose version does not parse is refused
// as a broken form (422, nothing changed), not reported as someone else's change.
func TestOrderActionBadVersionIsNoConflict(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id, version := demoOrder(t, a, "received")
	c := a.client(t)
	c.signIn("hotline")
	r := c.post("/orders/"+id+"/forward", url.Values{"version": {"x" + version}, "note": {"需评估"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "刷新页面") || strings.Contains(r.Body, "修改了此工单") {
		t.Fatalf("bad version: %d", r.Status)
	}
	mustContain(t, r.Body, "需评估")
	var state string
	_ = a.Pool.QueryRow(t.Context(), `SELECT state FROM work_orders WHERE id = $1`, id).Scan(&state)
	if state != "received" {
		t.Errorf("a broken form changed the order: %s", state)
	}
	// A technician id that is not a number is a message on the technician, not a 500.
	s := a.client(t)
	s.signIn("supervisor")
	did, dver := demoOrder(t, a, "awaiting_dispatch")
	if r := s.post("/orders/"+did+"/assign", url.Values{"version": {dver}, "technician_id": {"abc"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad technician id: %d", r.Status)
	}
}

// TestFormBadVersionIsNoConflict: outside the order page too (the callback queue here),
// a form whose version does not parse is a broken form (422, nothing saved), not a
// conflict with someone else's change.
func TestFormBadVersionIsNoConflict(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id, version := demoOrder(t, a, "awaiting_callback")
	c := a.client(t)
	c.signIn("hotline")
	r := c.post("/callbacks/"+id, url.Values{"version": {"x" + version}, "outcome": {"no_answer"}, "note": {"关机"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "刷新页面") {
		t.Fatalf("bad version: %d", r.Status)
	}
	var n int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM callback_attempts WHERE order_id = $1 AND note = '关机'`, id).Scan(&n)
	if n != 0 {
		t.Errorf("a broken form saved %d attempts", n)
	}
}

// TestAssessComplexFaultForm: a supervisor's assessment of a complex fault without an
// agreed completion time comes back with its message and what was typed; with one, the
// order keeps the time and its page shows it.
func TestAssessComplexFaultForm(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id, version := demoOrder(t, a, "assessing")
	c := a.client(t)
	c.signIn("supervisor")
	form := url.Values{"version": {version}, "cause_analysis": {"主机轴承磨损"}, "repair_plan": {"解体更换轴承"},
		"service_mode": {"onsite"}, "complexity": {"complex"}}
	r := c.post("/orders/"+id+"/assess", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("complex without an agreed time: %d", r.Status)
	}
	mustContain(t, r.Body, "复杂故障须填写与客户约定的完成时间。", "主机轴承磨损", `id="action-assess" open`)
	form.Set("agreed_completion_at", "2026-02-30T25:00")
	if r := c.post("/orders/"+id+"/assess", form); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a broken agreed time: %d", r.Status)
	}
	agreed := time.Now().In(testkit.Shanghai).Add(72 * time.Hour).Truncate(time.Minute)
	form.Set("agreed_completion_at", agreed.Format("2006-01-02T15:04"))
	if r := c.post("/orders/"+id+"/assess", form); r.Status != http.StatusSeeOther {
		t.Fatalf("complex with an agreed time: %d\n%s", r.Status, r.Body)
	}
	var complexity string
	var at time.Time
	if err := a.Pool.QueryRow(t.Context(), `SELECT state || ' ' || complexity, agreed_completion_at FROM work_orders WHERE id = $1`, id).Scan(&complexity, &at); err != nil {
		t.Fatal(err)
	}
	if complexity != "awaiting_dispatch complex" || !at.Equal(agreed) {
		t.Fatalf("saved %s, agreed %v (want %v)", complexity, at, agreed)
	}
	mustContain(t, c.get("/orders/"+id).Body, "复杂故障", agreed.Format("2006-01-02 15:04"))
}
