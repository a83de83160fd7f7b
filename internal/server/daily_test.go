package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"
)

// TestDailyReportHandlers files a report as a technician, refuses bad input in Chinese,
// and keeps reports to their readers: other technicians and stations get 404, roles
// without the screen 403.
func TestDailyReportHandlers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	tech := a.client(t)
	tech.signIn("tech1")
	r := tech.get("/daily-reports/today")
	if r.Status != http.StatusOK {
		t.Fatalf("today: %d", r.Status)
	}
	mustContain(t, r.Body, "今日日报", "系统记录（只读）", `name="form_key"`, "商机（转销售）")
	day := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	form := url.Values{"day": {day}, "version": {"0"}, "form_key": {"dailyhandler01"}, "difficulties": {"客户现场无电"},
		"lead_what_0": {"想加一台 GA22"}}
	r = tech.post("/daily-reports/today", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a lead without its customer: %d", r.Status)
	}
	mustContain(t, r.Body, "请填写商机的客户。", "想加一台 GA22")
	form.Set("lead_customer_0", "张江精密五金厂")
	form.Set("form_key", "dailyhandler02")
	if r = tech.post("/daily-reports/today", form); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", r.Status, r.Body)
	}
	r = tech.get("/daily-reports/today")
	mustContain(t, r.Body, "第 1 版", "张江精密五金厂", "待审阅", "更正（提交新版本）")
	var id string
	if err := a.Pool.QueryRow(t.Context(), `SELECT r.id::text FROM daily_reports r JOIN users u ON u.id = r.technician_id WHERE u.username = 'tech1' AND r.day = $1::date`, day).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if r = tech.get("/daily-reports/" + id); r.Status != http.StatusOK || regexp.MustCompile(`daily-review-form`).MatchString(r.Body) {
		t.Errorf("the technician's own report: %d, with the review form?", r.Status)
	}
	if r = tech.post("/daily-reports/"+id+"/comment", url.Values{"version": {"1"}, "comment": {"自评"}}); r.Status != http.StatusForbidden {
		t.Errorf("the technician comments: %d", r.Status)
	}
	if r = tech.get("/daily-reports"); r.Status != http.StatusForbidden {
		t.Errorf("the technician opens the office list: %d", r.Status)
	}
	for user, want := range map[string]int{"tech2": http.StatusNotFound, "sz.supervisor": http.StatusNotFound, "hotline": http.StatusForbidden} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/daily-reports/" + id); r.Status != want {
			t.Errorf("%s opens tech1's report: %d, want %d", user, r.Status, want)
		}
	}
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r := sz.post("/daily-reports/"+id+"/review", url.Values{"version": {"1"}}); r.Status != http.StatusNotFound {
		t.Errorf("another station reviews: %d", r.Status)
	}

	sup := a.client(t)
	sup.signIn("supervisor")
	r = sup.get("/daily-reports?day=" + day)
	mustContain(t, r.Body, "张伟", "/daily-reports/"+id)
	r = sup.post("/daily-reports/"+id+"/comment", url.Values{"version": {"1"}, "comment": {" "}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an empty comment: %d", r.Status)
	}
	mustContain(t, r.Body, "请填写批注。")
	if r = sup.post("/daily-reports/"+id+"/review", url.Values{"version": {"1"}, "comment": {"收到，停电情况已反馈客户"}, "form_key": {"dailyhandler03"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("review: %d\n%s", r.Status, r.Body)
	}
	r = sup.get("/daily-reports/" + id)
	mustContain(t, r.Body, "李志强 已审阅", "收到，停电情况已反馈客户")
	if r = sup.get("/daily-reports?day=2026-13-01"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad day: %d", r.Status)
	}

	mgr := a.client(t)
	mgr.signIn("manager")
	if r = mgr.get("/settings/daily-reports"); r.Status != http.StatusOK {
		t.Fatalf("settings: %d", r.Status)
	}
	mustContain(t, r.Body, "日报截止时间", `value="20:00"`)
	r = mgr.post("/settings/daily-reports", url.Values{"missing_after": {"晚上"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad time: %d", r.Status)
	}
	mustContain(t, r.Body, "请填写时间，例如 20:00。")
	if r = mgr.post("/settings/daily-reports", url.Values{"missing_after": {"19:30"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	mustContain(t, mgr.get("/settings/daily-reports").Body, `value="19:30"`, "使用自己的设置")
}
