package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestCompleteWithoutFieldClass: the field report without a class is refused with the
// message on the class, linked from the summary, and nothing is written.
func TestCompleteWithoutFieldClass(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("tech1")
	id, version := techOrder(t, a, "in_progress")
	page := c.get("/orders/" + id).Body
	mustContain(t, page, "服务分类", "安装后改造", "一年内换件", "有偿服务", "外厂免费维修", "用户使用不当", "售后服务")
	if checkedOfRE("field_class", `[a-z_]+`).MatchString(page) {
		t.Error("a field class is preselected")
	}
	r := c.postMultipart("/orders/"+id+"/complete", map[string]string{"version": version, "diagnosis": "d", "fault_cause": "c",
		"actions_taken": "a", "test_run": "done", "no_signature_reason": "客户不在"}, nil)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no class: %d", r.Status)
	}
	mustContain(t, r.Body, "请选择服务分类", `href="#complete-field_class"`, `id="complete-field_class"`)
	var state string
	_ = a.Pool.QueryRow(t.Context(), `SELECT state FROM work_orders WHERE id = $1`, id).Scan(&state)
	if v := a.orderVersion(t, id); state != "in_progress" || v != version {
		t.Errorf("refused report changed the order: %s, version %s", state, v)
	}
}

func (a *app) orderVersion(t *testing.T, id string) string {
	t.Helper()
	var v int
	if err := a.Pool.QueryRow(t.Context(), `SELECT version FROM work_orders WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(v)
}

// TestReclassifyFromTheOrderPage: the supervisor corrects a completed order's class from
// the order page; the timeline names the change; others cannot.
func TestReclassifyFromTheOrderPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id, version := demoOrder(t, a, "awaiting_callback")
	var class string
	_ = a.Pool.QueryRow(t.Context(), `SELECT field_class FROM work_orders WHERE id = $1`, id).Scan(&class)
	if class != "paid" {
		t.Fatalf("the first Shanghai order awaiting callback is paid in the demo, got %q", class)
	}
	sup := a.client(t)
	sup.signIn("supervisor")
	page := sup.get("/orders/" + id).Body
	mustContain(t, page, `data-action="reclassify"`, `id="order-field-class">有偿服务</dd>`, "当前分类：有偿服务")

	for _, u := range []string{"hotline", "tech2"} {
		c := a.client(t)
		c.signIn(u)
		if strings.Contains(c.get("/orders/"+id).Body, `data-action="reclassify"`) {
			t.Errorf("%s is offered the correction", u)
		}
		r := c.post("/orders/"+id+"/reclassify", url.Values{"version": {version}, "field_class": {"misuse"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("%s corrects the class: %d", u, r.Status)
		}
	}
	r := sup.post("/orders/"+id+"/reclassify", url.Values{"version": {version}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no class: %d", r.Status)
	}
	mustContain(t, r.Body, "请选择服务分类", `id="action-reclassify" open`)

	r = sup.post("/orders/"+id+"/reclassify", url.Values{"version": {version}, "field_class": {"other_make_free"}, "note": {"设备为外厂品牌"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("correct: %d", r.Status)
	}
	page = sup.get("/orders/" + id).Body
	mustContain(t, page, `id="order-field-class">外厂免费维修</dd>`, "更正分类", "有偿服务 → 外厂免费维修", "设备为外厂品牌")
	mustContain(t, sup.get("/orders/"+id+"/report").Body, "外厂免费维修")

	// A correction on the version seen before is a conflict.
	m := a.client(t)
	m.signIn("manager")
	r = m.post("/orders/"+id+"/reclassify", url.Values{"version": {version}, "field_class": {"misuse"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("stale: %d", r.Status)
	}
	var events int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_order_events WHERE order_id = $1 AND transition = 'reclassify'`, id).Scan(&events)
	_ = a.Pool.QueryRow(t.Context(), `SELECT field_class FROM work_orders WHERE id = $1`, id).Scan(&class)
	if events != 1 || class != "other_make_free" {
		t.Errorf("%d corrections, class %s", events, class)
	}
}
