package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

func (a *app) scalar(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestToolsLedgerPagesRolesAndOverdueRefusal(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	keeper := a.client(t)
	keeper.signIn("storekeeper")
	r := keeper.get("/tools")
	if r.Status != http.StatusOK {
		t.Fatalf("tools: %d", r.Status)
	}
	mustContain(t, r.Body, "工具台账", "JL-002", "校准过期", "即将到期", "扭力扳手")
	overdue := a.scalar(t, `SELECT id FROM tools WHERE number = 'JL-002'`)
	tech1 := a.scalar(t, `SELECT id FROM users WHERE username = 'tech1'`)
	before := a.scalar(t, `SELECT count(*) FROM tool_movements`)
	r = keeper.post("/tools/"+strconv.FormatInt(overdue, 10)+"/lend", url.Values{"holder": {strconv.FormatInt(tech1, 10)}, "form_key": {"lend-overdue-0001"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("lend overdue: %d", r.Status)
	}
	mustContain(t, r.Body, "不能借出")
	if n := a.scalar(t, `SELECT count(*) FROM tool_movements`); n != before {
		t.Errorf("a refused lend wrote %d movements", n-before)
	}
	// Lend a tool in store for an order, then return it.
	vac := a.scalar(t, `SELECT id FROM tools WHERE number = 'SB-001'`)
	r = keeper.post("/tools/"+strconv.FormatInt(vac, 10)+"/lend", url.Values{"holder": {strconv.FormatInt(tech1, 10)}, "form_key": {"lend-vacuum-0001"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("lend: %d %s", r.Status, r.Body)
	}
	if r = keeper.get("/tools/" + strconv.FormatInt(vac, 10)); r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	mustContain(t, r.Body, "张伟", "归还入库")
	// Roles and stations: technicians may not open the ledger; another station's
	// supervisor does not find this station's tool.
	tech := a.client(t)
	tech.signIn("tech1")
	if r = tech.get("/tools"); r.Status != http.StatusForbidden {
		t.Errorf("technician opens tools: %d", r.Status)
	}
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r = sz.get("/tools/" + strconv.FormatInt(vac, 10)); r.Status != http.StatusNotFound {
		t.Errorf("other station's tool: %d", r.Status)
	}
	sup := a.client(t)
	sup.signIn("supervisor")
	if r = sup.post("/tools/"+strconv.FormatInt(vac, 10)+"/return", url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("supervisor returns a tool: %d", r.Status)
	}
	// The job naming the wrench shows its technician holds it.
	job := a.scalar(t, `SELECT ot.order_id FROM order_tools ot JOIN tools t ON t.id = ot.tool_id WHERE t.number = 'GJ-002'`)
	r = tech.get("/orders/" + strconv.FormatInt(job, 10))
	if r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	mustContain(t, r.Body, "台账工具", "GJ-002", "已领用", "JL-001", "未领用")
}

func TestLoanerOnOrderReportAndSafetyPages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sup := a.client(t)
	sup.signIn("supervisor")
	order := a.scalar(t, `SELECT order_id FROM loaner_loans WHERE returned_at IS NULL`)
	r := sup.get("/orders/" + strconv.FormatInt(order, 10))
	mustContain(t, r.Body, "BJ-0001", "预计归还")
	r = sup.get("/orders/" + strconv.FormatInt(order, 10) + "/report")
	mustContain(t, r.Body, `id="report-loaner"`, "BJ-0001")
	r = sup.get("/reports")
	mustContain(t, r.Body, "备用机在外", "在外 1 台")
	// The safety page: today's meeting is still to hold; record it.
	r = sup.get("/safety")
	if r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	mustContain(t, r.Body, "今天还没有记录安全会", "缺少物品出发的工单", "抹布")
	r = sup.post("/safety", url.Values{"held_at": {"00:00"}, "topic": {"电气作业安全"}, "hazards": {"带电检修"}, "measures": {"断电挂牌"}, "form_key": {"safety-form-0001"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	r = sup.post("/safety", url.Values{"held_at": {"00:00"}, "topic": {"x"}, "hazards": {"x"}, "measures": {"x"}, "form_key": {"safety-form-0002"}})
	if r.Status != http.StatusConflict {
		t.Errorf("second meeting: %d", r.Status)
	}
	tech := a.client(t)
	tech.signIn("tech1")
	mustContain(t, tech.get("/jobs").Body, "电气作业安全", "我已参加，确认")
	if r = tech.post("/safety/confirm", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.Status)
	}
	mustContain(t, tech.get("/jobs").Body, "已确认参加今日安全会")
	mustContain(t, sup.get("/safety").Body, "张伟")
	if r = tech.get("/safety"); r.Status != http.StatusForbidden {
		t.Errorf("technician opens the safety page: %d", r.Status)
	}
}
