package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// maintUnit is a Shanghai unit without a maintenance plan.
func maintUnit(t *testing.T, a *app) int64 {
	t.Helper()
	var id int64
	err := a.Pool.QueryRow(context.Background(), `SELECT u.id FROM units u JOIN customers c ON c.id = u.customer_id JOIN stations s ON s.id = c.station_id
		WHERE s.code = 'SH' AND NOT EXISTS (SELECT 1 FROM maintenance_plans p WHERE p.unit_id = u.id) ORDER BY u.id LIMIT 1`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMaintPlanForm(t *testing.T) {
	a := newApp(t)
	unit := maintUnit(t, a)
	path := "/units/" + strconv.FormatInt(unit, 10)
	c := a.client(t)
	c.signIn("supervisor")
	if r := c.get(path); r.Status != http.StatusOK {
		t.Fatalf("unit page: %d", r.Status)
	} else {
		mustContain(t, r.Body, `id="maint-form"`, `name="form_key"`, "还没有保养计划")
	}
	due := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	form := url.Values{"form_key": {"maint-test-key-1"}, "version": {"0"}, "cycle_months": {"6"}, "next_due": {due},
		"checklist": {"清洗滤网\n检查制冷剂压力"}, "parts": {"滤网"}}
	for i := 0; i < 2; i++ {
		if r := c.post(path+"/maintenance", form); r.Status != http.StatusSeeOther {
			t.Fatalf("post %d: %d\n%s", i, r.Status, r.Body)
		}
	}
	var plans, events int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(DISTINCT p.id), count(e.id) FROM maintenance_plans p JOIN maintenance_events e ON e.plan_id = p.id WHERE p.unit_id = $1`, unit).
		Scan(&plans, &events); err != nil {
		t.Fatal(err)
	}
	if plans != 1 || events != 1 {
		t.Fatalf("repeated form: %d plans, %d events", plans, events)
	}
	r := c.get(path)
	mustContain(t, r.Body, "检查制冷剂压力", due)
	// The supervisor's list shows it due this month.
	mustContain(t, c.get("/maintenance").Body, `data-unit="`+strconv.FormatInt(unit, 10)+`"`)

	// Bad input: the form again with field messages.
	bad := url.Values{"form_key": {"maint-test-key-2"}, "version": {"1"}, "cycle_months": {"x"}, "next_due": {"2025-13-40"}, "checklist": {" "}}
	if r := c.post(path+"/maintenance", bad); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: %d", r.Status)
	} else {
		mustContain(t, r.Body, "请至少填写一项保养项目", "请填写下次保养日期")
	}
}

func TestMaintScoping(t *testing.T) {
	a := newApp(t)
	unit := maintUnit(t, a)
	path := "/units/" + strconv.FormatInt(unit, 10)
	c := a.client(t)
	c.signIn("sz.supervisor")
	form := url.Values{"form_key": {"maint-test-key-3"}, "version": {"0"}, "cycle_months": {"6"}, "next_due": {"2030-01-01"}, "checklist": {"检查"}}
	if r := c.post(path+"/maintenance", form); r.Status != http.StatusNotFound {
		t.Fatalf("another station's unit: %d", r.Status)
	}
	tech := a.client(t)
	tech.signIn("tech1")
	if r := tech.get("/maintenance"); r.Status != http.StatusForbidden {
		t.Fatalf("technician on the list: %d", r.Status)
	}
}
