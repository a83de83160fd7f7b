package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/weekplan"
)

// TestWeekPlanPages: tech1 opens next week's plan from 我的工单, saves a row (a repeated
// post saves once), is told in Chinese what a bad row lacks, and submits; other
// technicians, another station and the hotline are refused; the manager returns the plan
// only with a comment, then approves it once it is submitted again.
func TestWeekPlanPages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	today := weekplan.Day(time.Now(), testkit.Shanghai)
	week := weekplan.NextWeek(today)
	tech1 := userID(t, a, "tech1")
	planPath := "/weekplans/" + tech1 + "/" + week.Format(time.DateOnly)

	tech := a.client(t)
	tech.signIn("tech1")
	mustContain(t, tech.get("/jobs").Body, `href="/weekplan"`, "下周计划")
	if r := tech.get("/weekplan"); r.Status != http.StatusSeeOther || r.Location != planPath {
		t.Fatalf("my plan: %d %s", r.Status, r.Location)
	}
	page := tech.get(planPath)
	if page.Status != http.StatusOK {
		t.Fatalf("plan page: %d", page.Status)
	}
	mustContain(t, page.Body, "下周工作计划", "未填写", "保存", `name="form_key"`)

	row := url.Values{"version": {version(t, page.Body)}, "rows": {"1"}, "day_0": {week.AddDate(0, 0, 1).Format(time.DateOnly)},
		"kind_0": {"other"}, "part_0": {"am"}, "note_0": {""}, "form_key": {"weekplan-key-00001"}}
	if r := tech.post(planPath+"/save", row); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad row: %d", r.Status)
	} else {
		mustContain(t, r.Body, "其他工作请写明内容。")
	}
	row.Set("note_0", "客户空压机房巡检")
	row.Set("form_key", "weekplan-key-00002")
	for range 2 {
		if r := tech.post(planPath+"/save", row); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.Status, r.Body)
		}
	}
	var events int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM week_plan_events e JOIN week_plans p ON p.id = e.plan_id
		WHERE p.technician_id = $1 AND p.week_start = $2`, testkit.UserID(t, a.Pool, "tech1"), week).Scan(&events); err != nil || events != 1 {
		t.Fatalf("a repeated post saved twice: %d %v", events, err)
	}
	page = tech.get(planPath)
	mustContain(t, page.Body, "草稿", "客户空压机房巡检", "提交经理批准")
	if r := tech.post(planPath+"/submit", url.Values{"version": {version(t, page.Body)}, "form_key": {"weekplan-key-00003"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	mustContain(t, tech.get(planPath).Body, "待批准")
	var v int
	if err := a.Pool.QueryRow(t.Context(), `SELECT version FROM week_plans WHERE technician_id = $1 AND week_start = $2`,
		testkit.UserID(t, a.Pool, "tech1"), week).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if r := tech.post(planPath+"/approve", url.Values{"version": {strconv.Itoa(v)}}); r.Status != http.StatusForbidden {
		t.Fatalf("technician approved: %d", r.Status)
	}

	other := a.client(t)
	other.signIn("tech2")
	if r := other.get(planPath); r.Status != http.StatusNotFound {
		t.Fatalf("tech2 read tech1's plan: %d", r.Status)
	}
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r := sz.get(planPath); r.Status != http.StatusNotFound {
		t.Fatalf("another station read the plan: %d", r.Status)
	}
	hot := a.client(t)
	hot.signIn("hotline")
	if r := hot.get("/weekplans"); r.Status != http.StatusForbidden {
		t.Fatalf("hotline listed plans: %d", r.Status)
	}

	mgr := a.client(t)
	mgr.signIn("manager")
	list := mgr.get("/weekplans")
	mustContain(t, list.Body, "下周工作计划", "张伟", "待批准", "孙磊")
	page = mgr.get(planPath)
	mustContain(t, page.Body, `id="plan-approve"`, `id="plan-return"`)
	if r := mgr.post(planPath+"/return", url.Values{"version": {version(t, page.Body)}, "comment": {""}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("return without comment: %d", r.Status)
	} else {
		mustContain(t, r.Body, "退回时请写明意见。")
	}
	if r := mgr.post(planPath+"/return", url.Values{"version": {version(t, page.Body)}, "comment": {"周三上午另有保养任务"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("return: %d", r.Status)
	}
	page = tech.get(planPath)
	mustContain(t, page.Body, "已退回", "周三上午另有保养任务")
	if r := tech.post(planPath+"/submit", url.Values{"version": {version(t, page.Body)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit again: %d", r.Status)
	}
	page = mgr.get(planPath)
	if r := mgr.post(planPath+"/approve", url.Values{"version": {version(t, page.Body)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	page = tech.get(planPath)
	mustContain(t, page.Body, "已批准", "客户空压机房巡检")
	if r := tech.get("/weekplans/" + tech1 + "/not-a-week"); r.Status != http.StatusNotFound {
		t.Fatalf("bad week: %d", r.Status)
	}
}

// TestWeekPlanBoard: the board's technician view shows the approved plan's items of the
// day beside the appointments (the demo's approved plan of this week).
func TestWeekPlanBoard(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	today := weekplan.Day(time.Now(), testkit.Shanghai)
	monday := weekplan.WeekOf(today)
	sup := a.client(t)
	sup.signIn("supervisor")
	r := sup.get("/board?view=tech&day=" + monday.AddDate(0, 0, 2).Format(time.DateOnly))
	if r.Status != http.StatusOK {
		t.Fatalf("board: %d", r.Status)
	}
	mustContain(t, r.Body, `id="plan-day-`+userID(t, a, "tech1")+`"`, "今日计划", "变频机组新机型培训", "14:00", "16:00")
	// A day outside the approved plan shows no plan line.
	r = sup.get("/board?view=tech&day=" + monday.AddDate(0, 0, 14).Format(time.DateOnly))
	if r.Status != http.StatusOK {
		t.Fatalf("board: %d", r.Status)
	}
	if strings.Contains(r.Body, "今日计划") {
		t.Error("the board shows a plan for a day without one")
	}
	// Submitted (not approved) plans do not show: tech2's next week.
	r = sup.get("/board?view=tech&day=" + monday.AddDate(0, 0, 7).Format(time.DateOnly))
	if strings.Contains(r.Body, "金桥片区客户保养巡回") {
		t.Error("the board shows a plan awaiting approval")
	}
}
