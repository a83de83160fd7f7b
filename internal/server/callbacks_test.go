package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCallbackQueue(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for user, want := range map[string]int{"hotline": 200, "supervisor": 200, "manager": 200, "tech1": 403, "storekeeper": 403} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/callbacks"); r.Status != want {
			t.Errorf("%s: %d, want %d", user, r.Status, want)
		}
	}
	c := a.client(t)
	c.signIn("hotline")
	r := c.get("/callbacks")
	mustContain(t, r.Body, "回访", "本月回访率", "记录回访", "服务态度", "总体评价", `data-callback=`)
	// The hotline works one station: no station filter.
	if strings.Contains(r.Body, `name="station"`) {
		t.Error("the hotline of one station is offered a station filter")
	}
	var id, version string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.version::text FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state = 'awaiting_callback' ORDER BY o.callback_due_at LIMIT 1`).Scan(&id, &version)
	if !strings.Contains(r.Body, `id="cb-`+id+`"`) {
		t.Fatal("the first due order is not in the queue")
	}
	// Reached without saying satisfied or not: the form comes back with what was typed.
	r = c.post("/callbacks/"+id, url.Values{"version": {version}, "outcome": {"reached"}, "attitude": {"5"}, "comments": {"很好"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("incomplete survey: %d", r.Status)
	}
	mustContain(t, r.Body, "接通后请选择客户是否满意", ">很好</textarea>")
	// No answer: recorded, still in the queue with the attempt shown.
	r = c.post("/callbacks/"+id, url.Values{"version": {version}, "outcome": {"no_answer"}, "note": {"关机"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("no answer: %d", r.Status)
	}
	mustContain(t, c.get("/callbacks").Body, "已记录：无人接听", "关机")
	// Supervisors see the queue but record nothing.
	s := a.client(t)
	s.signIn("supervisor")
	if strings.Contains(s.get("/callbacks").Body, `data-callback=`) {
		t.Error("the supervisor is offered the callback form")
	}
	if r := s.post("/callbacks/"+id, url.Values{"version": {version}, "outcome": {"no_answer"}}); r.Status != http.StatusForbidden {
		t.Errorf("supervisor records: %d", r.Status)
	}
	// The centre's manager sees the queue of both stations, filters by station, and
	// records nothing either.
	m := a.client(t)
	m.signIn("manager")
	r = m.get("/callbacks")
	mustContain(t, r.Body, `id="cb-`+id+`"`, "关机", `name="station"`, "上海浦东服务站", "苏州服务站")
	if strings.Contains(r.Body, `data-callback=`) {
		t.Error("the manager is offered the callback form")
	}
	var sz string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM stations WHERE code = 'SZ'`).Scan(&sz)
	r = m.get("/callbacks?station=" + sz)
	if r.Status != http.StatusOK || strings.Contains(r.Body, `id="cb-`+id+`"`) {
		t.Errorf("manager, Suzhou only: %d, Shanghai's order listed: %v", r.Status, strings.Contains(r.Body, `id="cb-`+id+`"`))
	}
	mustContain(t, r.Body, `value="`+sz+`" selected`)
	if r := c.get("/callbacks?station=" + sz); r.Status != http.StatusNotFound {
		t.Errorf("hotline filters by another station: %d", r.Status)
	}
}
