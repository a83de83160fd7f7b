package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
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

// TestCallbacksDuePage: the callbacks that fell due, one row per callback with its
// order, counted as the callback rate counts them; the queue links to it; a query that
// does not parse is a field message (422).
func TestCallbacksDuePage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	// A Shanghai job completed ten days ago: its callback has fallen due and nobody
	// called.
	var custID, unitID, sh, sz int64
	if err := a.Pool.QueryRow(ctx, `SELECT c.id, un.id, s.id, (SELECT id FROM stations WHERE code = 'SZ') FROM customers c
		JOIN stations s ON s.id = c.station_id JOIN units un ON un.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id, un.id LIMIT 1`).Scan(&custID, &unitID, &sh, &sz); err != nil {
		t.Fatal(err)
	}
	done := time.Now().AddDate(0, 0, -10)
	orders := workorder.NewService(a.Pool, func() time.Time { return done }, testkit.Shanghai)
	call := workorder.NewOrder{CustomerID: custID, UnitID: unitID, Channel: "phone", Symptom: "排气温度高", Urgency: "normal", ServiceType: "repair"}
	o := testkit.OrderIn(t, orders, testkit.DemoRoute(testkit.LoadUsers(t, a.Pool), call, func() time.Time { return done }), workorder.AwaitingCallback, false)
	if o.CallbackDueAt == nil || !o.CallbackDueAt.Before(time.Now()) {
		t.Fatalf("the callback is not due yet: %v", o.CallbackDueAt)
	}
	orderID, number, due := o.ID, o.Number, *o.CallbackDueAt
	var eventID int64
	if err := a.Pool.QueryRow(ctx, `SELECT max(id) FROM work_order_events WHERE order_id = $1 AND to_state = 'awaiting_callback'`, orderID).Scan(&eventID); err != nil {
		t.Fatal(err)
	}
	// The period: from the day it fell due to today, in Shanghai; counted as the
	// callback rate counts.
	day := func(t time.Time) time.Time {
		l := t.In(testkit.Shanghai)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, testkit.Shanghai)
	}
	first, last := day(due), day(time.Now())
	from, to := first.Format("2006-01-02"), last.Format("2006-01-02")
	var n, reached int
	if err := a.Pool.QueryRow(ctx, workorder.CallbackCyclesSQL("$1", "$2", "$3", "o.station_id = $4")+`
		SELECT count(*), count(*) FILTER (WHERE `+workorder.CallbackReachedSQL("c")+`) FROM cycles c`,
		first, last.AddDate(0, 0, 1), time.Now(), sh).Scan(&n, &reached); err != nil || n == 0 {
		t.Fatalf("%d callbacks due: %v", n, err)
	}

	for user, want := range map[string]int{"hotline": 200, "supervisor": 200, "manager": 200, "tech1": 403, "storekeeper": 403} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/callbacks/due"); r.Status != want {
			t.Errorf("%s: %d, want %d", user, r.Status, want)
		}
	}
	c := a.client(t)
	c.signIn("hotline")
	mustContain(t, c.get("/callbacks").Body, `href="/callbacks/due"`, "已到期回访记录")
	period := "from=" + from + "&to=" + to
	r := c.get("/callbacks/due?" + period)
	if r.Status != http.StatusOK {
		t.Fatalf("the list: %d", r.Status)
	}
	mustContain(t, r.Body, "<h1>已到期回访</h1>", "工单号", "服务站", "客户", "到期时间", "是否回访到客户",
		fmt.Sprintf("共 %d 次回访到期，已回访 %d 次", n, reached), `id="due-`+strconv.FormatInt(eventID, 10)+`"`,
		`href="/orders/`+strconv.FormatInt(orderID, 10)+`">`+number+`</a>`, `value="`+from+`"`, `value="`+to+`"`)
	if !strings.Contains(c.get("/callbacks/due?"+period+"&reached=0").Body, `id="due-`+strconv.FormatInt(eventID, 10)+`"`) {
		t.Error("a callback not reached is missing from the not-reached list")
	}
	if strings.Contains(c.get("/callbacks/due?"+period+"&reached=1").Body, `id="due-`+strconv.FormatInt(eventID, 10)+`"`) {
		t.Error("a callback not reached is in the reached list")
	}

	// What does not parse is a message on the page, never an error page.
	for q, msg := range map[string]string{
		"from=2026-13-45":               "日期格式不正确。",
		"to=yesterday":                  "日期格式不正确。",
		"from=2026-11-30&to=2026-11-01": "结束日期不能早于开始日期。",
		"reached=2":                     "提交的内容有误。",
		"station=abc":                   "提交的内容有误。",
		"after=not-a-cursor":            "提交的内容有误。",
	} {
		r := c.get("/callbacks/due?" + q)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", q, r.Status)
			continue
		}
		mustContain(t, r.Body, "<h1>已到期回访</h1>", msg)
	}
	// Another station's callbacks: not found for the hotline of one station.
	if r := c.get("/callbacks/due?station=" + strconv.FormatInt(sz, 10)); r.Status != http.StatusNotFound {
		t.Errorf("hotline asks for Suzhou: %d", r.Status)
	}
	m := a.client(t)
	m.signIn("manager")
	r = m.get("/callbacks/due?" + period + "&station=" + strconv.FormatInt(sz, 10))
	if r.Status != http.StatusOK || strings.Contains(r.Body, `id="due-`+strconv.FormatInt(eventID, 10)+`"`) {
		t.Errorf("manager, Suzhou only: %d, Shanghai's callback listed: %v", r.Status, strings.Contains(r.Body, `id="due-`+strconv.FormatInt(eventID, 10)+`"`))
	}
}
