package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/workorder"
)

// settingsValues is the settings form as the page shows the defaults.
func settingsValues() url.Values {
	return url.Values{
		"sla_urgent_contact_minutes": {"60"}, "sla_urgent_arrive_minutes": {"240"},
		"sla_normal_contact_workdays": {"1"}, "sla_normal_arrive_workdays": {"3"},
		"sla_repair_minutes": {"120"}, "repair_warranty_days": {"90"},
		"callback_after_guidance_minutes": {"120"}, "callback_after_unsure_minutes": {"180"},
		"callback_after_no_test_minutes": {"120"}, "callback_after_repair_workdays": {"3"}, "callback_attempt_limit": {"3"},
		"work_day_start": {"09:00"}, "work_day_end": {"18:00"}, "weekend": {"6", "0"},
	}
}

// settingsSaved reads the settings of the manager's station (the regional centre) as
// the service sees them.
func settingsSaved(t *testing.T, a *app) workorder.Settings {
	t.Helper()
	st, err := workorder.NewService(a.Pool, time.Now, time.UTC).Settings(context.Background(), stationID(t, a, "HD"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSettingsOnlyForManagers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, who := range []string{"hotline", "supervisor"} {
		c := a.client(t)
		c.signIn(who)
		if r := c.get("/settings"); r.Status != http.StatusForbidden {
			t.Errorf("%s GET /settings: %d", who, r.Status)
		}
		if r := c.post("/settings", settingsValues()); r.Status != http.StatusForbidden {
			t.Errorf("%s POST /settings: %d", who, r.Status)
		}
		if r := c.post("/settings/calendar", url.Values{"day": {"2026-10-01"}, "kind": {"holiday"}}); r.Status != http.StatusForbidden {
			t.Errorf("%s adds a day: %d", who, r.Status)
		}
	}
	if st := settingsSaved(t, a); len(st.Holidays) != 0 {
		t.Errorf("forbidden add wrote %v", st.Holidays)
	}
}

func TestSettingsPageShowsDefaults(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	r := c.get("/settings")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /settings: %d", r.Status)
	}
	mustContain(t, r.Body, "服务设置", "紧急：联系客户时限", "分钟", "即 4 小时", "个工作日", "维修质保期", "回访尝试次数上限",
		"工作日历", "尚未录入节假日或调休上班日。", "周一", "周日", "本站的设置尚无修改记录。", "总部")
	for name, want := range map[string]string{
		"sla_urgent_contact_minutes": "60", "sla_urgent_arrive_minutes": "240", "sla_normal_contact_workdays": "1",
		"sla_normal_arrive_workdays": "3", "sla_repair_minutes": "120", "repair_warranty_days": "90",
		"callback_after_guidance_minutes": "120", "callback_after_unsure_minutes": "180", "callback_after_no_test_minutes": "120",
		"callback_after_repair_workdays": "3", "callback_attempt_limit": "3", "work_day_start": "09:00", "work_day_end": "18:00",
	} {
		if got := inputValue(r.Body, name); got != want {
			t.Errorf("%s shows %q, want %q", name, got, want)
		}
	}
	mustContain(t, r.Body, `name="weekend" value="6" checked`, `name="weekend" value="0" checked`)
	if strings.Contains(r.Body, `name="weekend" value="1" checked`) {
		t.Error("Monday shown as a day off")
	}
}

// inputValue is the value attribute of the input named name.
func inputValue(body, name string) string {
	i := strings.Index(body, `name="`+name+`"`)
	if i < 0 {
		return "<missing>"
	}
	end := strings.Index(body[i:], ">")
	tag := body[i : i+end]
	_, rest, ok := strings.Cut(tag, `value="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

func TestSaveSettings(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")

	cases := []struct {
		name, field, value, message string
	}{
		{"not a number", "sla_urgent_arrive_minutes", "四小时", "请填写整数。"},
		{"zero", "callback_attempt_limit", "0", "须为正数。"},
		{"negative warranty", "repair_warranty_days", "-1", "须为 0 或正数。"},
		{"bad time", "work_day_end", "25:99", "请填写时间"},
		{"end before start", "work_day_end", "08:00", "下班时间须晚于上班时间。"},
	}
	for _, tc := range cases {
		form := settingsValues()
		form.Set(tc.field, tc.value)
		form.Set("sla_normal_arrive_workdays", "5") // a good change in the same form is kept too
		r := c.post("/settings", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", tc.name, r.Status)
			continue
		}
		mustContain(t, r.Body, "请修改标出的项目后再提交。", tc.message, `id="err-`+tc.field+`"`)
		if got := inputValue(r.Body, tc.field); got != tc.value {
			t.Errorf("%s: input shows %q, want %q", tc.name, got, tc.value)
		}
		if got := inputValue(r.Body, "sla_normal_arrive_workdays"); got != "5" {
			t.Errorf("%s: other input shows %q", tc.name, got)
		}
	}
	if st := settingsSaved(t, a); st.SLAUrgentArriveMinutes != 240 || st.SLANormalArriveWorkdays != 3 {
		t.Fatalf("a rejected form saved: %+v", st)
	}

	// A holiday added before saving the numbers stays.
	if r := c.post("/settings/calendar", url.Values{"day": {"2026-10-01"}, "kind": {"holiday"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add day: %d", r.Status)
	}
	form := settingsValues()
	form.Set("sla_urgent_arrive_minutes", "180")
	form.Set("callback_after_no_test_minutes", "90")
	form.Set("work_day_start", "08:30")
	form["weekend"] = []string{"0"}
	r := c.post("/settings", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/settings?station=") {
		t.Fatalf("save: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	r = c.get("/settings")
	mustContain(t, r.Body, "服务设置已保存。", "王建国", "即 3 小时")
	if got := inputValue(r.Body, "sla_urgent_arrive_minutes"); got != "180" {
		t.Errorf("urgent arrival shows %q", got)
	}
	if got := inputValue(r.Body, "work_day_start"); got != "08:30" {
		t.Errorf("day start shows %q", got)
	}
	st := settingsSaved(t, a)
	if st.SLAUrgentArriveMinutes != 180 || st.WorkDayStart != 8*time.Hour+30*time.Minute || !slices.Equal(st.Weekend, []int32{0}) {
		t.Errorf("saved %+v", st)
	}
	// The callback after a job not test-run is its own setting, apart from guidance and
	// an unsure fix.
	if st.CallbackAfterNoTestMinutes != 90 || st.CallbackAfterGuidanceMinutes != 120 || st.CallbackAfterUnsureMinutes != 180 {
		t.Errorf("callback settings saved: no test run %d, guidance %d, unsure %d", st.CallbackAfterNoTestMinutes, st.CallbackAfterGuidanceMinutes, st.CallbackAfterUnsureMinutes)
	}
	if got := inputValue(r.Body, "callback_after_no_test_minutes"); got != "90" {
		t.Errorf("no-test-run callback shows %q", got)
	}
	if len(st.Holidays) != 1 || st.Holidays[0].String() != "2026-10-01" {
		t.Errorf("saving the numbers lost the calendar: %v", st.Holidays)
	}
}

func TestSettingsCalendarDays(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")

	r := c.post("/settings/calendar", url.Values{"day": {"2026-10-01"}, "kind": {"holiday"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add holiday: %d\n%s", r.Status, r.Body)
	}
	if r := c.post("/settings/calendar", url.Values{"day": {"2026-10-10"}, "kind": {"workday"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add workday: %d", r.Status)
	}
	r = c.get("/settings")
	mustContain(t, r.Body, "已添加 2026-10-10（调休上班）。", `data-day="2026-10-01" data-kind="holiday"`, `data-day="2026-10-10" data-kind="workday"`, "周四", "周六")
	st := settingsSaved(t, a)
	if !slices.Equal(st.Holidays, []calendar.Date{{Year: 2026, Month: 10, Day: 1}}) || !slices.Equal(st.Workdays, []calendar.Date{{Year: 2026, Month: 10, Day: 10}}) {
		t.Fatalf("stored holidays %v workdays %v", st.Holidays, st.Workdays)
	}

	for _, tc := range []struct {
		name, day, kind, message string
	}{
		{"both kinds", "2026-10-01", "workday", "同一天不能既休息又调休上班"},
		{"twice", "2026-10-01", "holiday", "该日期已在列表中。"},
		{"bad date", "2026-02-30", "holiday", "请填写有效日期"},
		{"no date", "", "holiday", "请填写有效日期"},
		{"no kind", "2026-10-02", "", "请选择“休息”或“调休上班”。"},
	} {
		r := c.post("/settings/calendar", url.Values{"day": {tc.day}, "kind": {tc.kind}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", tc.name, r.Status)
			continue
		}
		mustContain(t, r.Body, tc.message, `value="`+tc.day+`"`)
	}

	// Deleting asks first: a post without the confirmation leads to the question.
	r = c.post("/settings/calendar/2026-10-01/delete", nil)
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "&delete=2026-10-01") {
		t.Fatalf("unconfirmed delete: %d %q", r.Status, r.Location)
	}
	if st := settingsSaved(t, a); len(st.Holidays) != 1 {
		t.Fatalf("unconfirmed delete removed the day: %v", st.Holidays)
	}
	r = c.get("/settings?delete=2026-10-01")
	mustContain(t, r.Body, "确定从工作日历中删除 2026-10-01（休息）吗？", `action="/settings/calendar/2026-10-01/delete"`, `name="confirm" value="yes"`)
	r = c.post("/settings/calendar/2026-10-01/delete", url.Values{"confirm": {"yes"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("confirmed delete: %d", r.Status)
	}
	r = c.get("/settings")
	mustContain(t, r.Body, "已删除 2026-10-01。")
	if strings.Contains(r.Body, `data-day="2026-10-01"`) {
		t.Error("deleted day still listed")
	}
	if st := settingsSaved(t, a); len(st.Holidays) != 0 || len(st.Workdays) != 1 {
		t.Errorf("after delete: holidays %v workdays %v", st.Holidays, st.Workdays)
	}
	if r := c.post("/settings/calendar/2026-10-01/delete", url.Values{"confirm": {"yes"}}); r.Status != http.StatusNotFound {
		t.Errorf("deleting again: %d", r.Status)
	}
	if r := c.post("/settings/calendar/not-a-day/delete", url.Values{"confirm": {"yes"}}); r.Status != http.StatusNotFound {
		t.Errorf("bad day in the path: %d", r.Status)
	}
}
