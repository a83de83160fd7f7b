package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/testkit"
)

func TestBoardIsForSupervisorsAndManagers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for user, want := range map[string]int{"supervisor": 200, "manager": 200, "tech1": 403, "hotline": 403, "storekeeper": 403} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/board"); r.Status != want {
			t.Errorf("%s: %d, want %d", user, r.Status, want)
		}
		if r := c.post("/board/move", url.Values{"order_id": {"1"}}); want == 403 && r.Status != 403 {
			t.Errorf("%s moves a card: %d", user, r.Status)
		}
	}
	c := a.client(t)
	c.signIn("supervisor")
	r := c.get("/board")
	mustContain(t, r.Body, "派工看板", "待派工", "已派工", "已预约", "处理中", "待料", "返厂维修", "待回访", "/static/js/Sortable.min.js")
	r = c.get("/board?view=tech")
	mustContain(t, r.Body, `id="lane-unassigned"`, "张伟", "刘洋", "在手")
	if strings.Contains(r.Body, "孙磊") {
		t.Error("the Shanghai board shows the Suzhou technician")
	}
}

func boardMove(c *client, id, version, state, tech, reason string, script bool) response {
	form := url.Values{"order_id": {id}, "version": {version}, "state": {state}, "technician_id": {tech}, "reason": {reason}, "return": {"/board?view=tech"}}
	if script {
		return c.post("/board/move", form, "X-Requested-With", "fetch")
	}
	return c.post("/board/move", form)
}

// userID is the user's id as forms carry it.
func userID(t *testing.T, a *app, username string) string {
	t.Helper()
	return strconv.FormatInt(testkit.UserID(t, a.Pool, username), 10)
}

func TestBoardMove(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sup := a.client(t)
	sup.signIn("supervisor")
	id, version := demoOrder(t, a, "awaiting_dispatch")
	tech1, tech2 := userID(t, a, "tech1"), userID(t, a, "tech2")

	// The plain form (no JavaScript): 303 back to the board at the card, with the outcome.
	r := boardMove(sup, id, version, "awaiting_dispatch", tech1, "", false)
	if r.Status != http.StatusSeeOther || r.Location != "/board?view=tech#card-"+id {
		t.Fatalf("form move: %d %q", r.Status, r.Location)
	}
	mustContain(t, sup.get(r.Location).Body, "已派工。")
	var assignee string
	_ = a.Pool.QueryRow(t.Context(), `SELECT coalesce(assignee_id::text, '') FROM work_orders WHERE id = $1`, id).Scan(&assignee)
	if assignee != tech1 {
		t.Fatalf("assignee %q, want %s", assignee, tech1)
	}
	// A manager who saw the card before the move drops it elsewhere: a conflict naming the
	// supervisor, in plain text for the script, and nothing changes.
	mgr := a.client(t)
	mgr.signIn("manager")
	r = boardMove(mgr, id, version, "awaiting_dispatch", tech2, "", true)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "李志强 已于") || strings.Contains(r.Body, "<html") {
		t.Fatalf("stale drop: %d %q", r.Status, r.Body)
	}
	// Reassigning needs a reason.
	newVersion := "2"
	_ = a.Pool.QueryRow(t.Context(), `SELECT version::text FROM work_orders WHERE id = $1`, id).Scan(&newVersion)
	r = boardMove(mgr, id, newVersion, "dispatched", tech2, "", true)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "此项必填") {
		t.Fatalf("reassign without reason: %d %q", r.Status, r.Body)
	}
	// With a reason the manager of the centre above may reassign.
	r = boardMove(mgr, id, newVersion, "dispatched", tech2, "张伟临时去处理紧急故障", true)
	if r.Status != http.StatusNoContent {
		t.Fatalf("manager reassigns: %d %q", r.Status, r.Body)
	}
	_ = a.Pool.QueryRow(t.Context(), `SELECT coalesce(assignee_id::text, '') FROM work_orders WHERE id = $1`, id).Scan(&assignee)
	if assignee != tech2 {
		t.Errorf("assignee %q, want %s", assignee, tech2)
	}
	// Another station's supervisor cannot even see the order.
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r := boardMove(sz, id, "9", "dispatched", tech1, "x", true); r.Status != http.StatusNotFound {
		t.Errorf("Suzhou moves a Shanghai card: %d", r.Status)
	}
	// A Suzhou technician is no choice for a Shanghai order.
	id2, v2 := demoOrder(t, a, "awaiting_dispatch")
	r = boardMove(sup, id2, v2, "awaiting_dispatch", userID(t, a, "sz.tech"), "", true)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请选择本站在职的维修工程师") {
		t.Errorf("Suzhou technician: %d %q", r.Status, r.Body)
	}
	// The no-JavaScript path shows the same conflict as a message on the board. (The
	// supervisor's own earlier form sent again would be a harmless retry; a different
	// technician on that old card is a conflict.)
	r = boardMove(sup, id, version, "awaiting_dispatch", tech2, "", false)
	if r.Status != http.StatusSeeOther || r.Location != "/board?view=tech#card-"+id {
		t.Fatalf("stale form: %d %q", r.Status, r.Location)
	}
	mustContain(t, sup.get(r.Location).Body, "flash-error", "修改了此工单")
	// The card's fragment replaces one in the return address; a return off the site
	// still lands on the board.
	for ret, want := range map[string]string{
		"/board?view=state#col-intake": "/board?view=state#card-" + id,
		"//evil.example/board#x":       "/board#card-" + id,
	} {
		r = sup.post("/board/move", url.Values{"order_id": {id}, "version": {version}, "state": {"awaiting_dispatch"}, "technician_id": {tech2}, "return": {ret}})
		if r.Status != http.StatusSeeOther || r.Location != want {
			t.Errorf("return %q: %d %q, want %q", ret, r.Status, r.Location, want)
		}
	}
}

// The board carries one assign form (the dialog) however many cards it shows; each card
// links to its own assign page, a plain form for browsers without JavaScript, which asks
// for a reason only when the order has a technician already. Another station's order is
// not found, and an order past dispatch cannot be assigned from there.
func TestBoardAssignPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sup := a.client(t)
	sup.signIn("supervisor")
	id, version := demoOrder(t, a, "awaiting_dispatch")
	r := sup.get("/board?view=tech")
	if n := strings.Count(r.Body, `name="technician_id"`); n != 1 {
		t.Errorf("the board holds %d technician choices, want the dialog's one", n)
	}
	mustContain(t, r.Body, `id="assign-dialog"`, `data-card-action="assign"`, `href="/board/assign/`+id+`?return=%2Fboard%3Fview%3Dtech"`)

	r = sup.get("/board/assign/" + id + "?return=" + url.QueryEscape("/board?view=tech"))
	if r.Status != http.StatusOK {
		t.Fatalf("assign page: %d", r.Status)
	}
	mustContain(t, r.Body, `id="assign-page-form"`, `name="version" value="`+version+`"`, `name="return" value="/board?view=tech"`, "张伟", "刘洋")
	if strings.Contains(r.Body, `name="reason"`) {
		t.Error("assigning asks for a reason")
	}
	if strings.Contains(r.Body, "孙磊") {
		t.Error("the Shanghai order offers the Suzhou technician")
	}
	// Off-site return addresses fall back to the board.
	mustContain(t, sup.get("/board/assign/"+id+"?return=//evil.example/").Body, `name="return" value="/board"`)

	tech1 := userID(t, a, "tech1")
	if r := boardMove(sup, id, version, "awaiting_dispatch", tech1, "", false); r.Status != http.StatusSeeOther {
		t.Fatalf("assign: %d", r.Status)
	}
	r = sup.get("/board/assign/" + id)
	mustContain(t, r.Body, `name="reason"`, "改派", "刘洋")
	if strings.Contains(r.Body, `<option value="`+tech1+`"`) {
		t.Error("reassigning offers the current technician")
	}

	for user, want := range map[string]int{"sz.supervisor": 404, "tech1": 403, "hotline": 403} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/board/assign/" + id); r.Status != want {
			t.Errorf("%s: %d, want %d", user, r.Status, want)
		}
	}
	closed, _ := demoOrder(t, a, "closed")
	if r := sup.get("/board/assign/" + closed); r.Status != http.StatusConflict || !strings.Contains(r.Body, "不能派工或改派") {
		t.Errorf("closed order: %d", r.Status)
	}
	// The new-calls column's full list: the calls not yet assessed.
	number := func(id string) (n string) {
		_ = a.Pool.QueryRow(t.Context(), `SELECT number FROM work_orders WHERE id = $1`, id).Scan(&n)
		return n
	}
	received, _ := demoOrder(t, a, "received")
	r = sup.get("/orders?state=intake")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, number(received)) || strings.Contains(r.Body, number(id)) {
		t.Errorf("intake list: %d, the new call listed %v, the dispatched one listed %v", r.Status,
			strings.Contains(r.Body, number(received)), strings.Contains(r.Body, number(id)))
	}
}
