package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
)

// feeOrder returns a Shanghai demo order awaiting its callback, done on site by tech1
// and out of warranty (made so when the demo's dates put none there).
func feeOrder(t *testing.T, a *app) string {
	t.Helper()
	var id int64
	err := a.Pool.QueryRow(t.Context(), `SELECT o.id FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE o.state = 'awaiting_callback' AND u.username = 'tech1' ORDER BY o.warranty <> 'out', o.id LIMIT 1`).Scan(&id)
	if err != nil {
		t.Fatalf("no awaiting-callback demo order of tech1: %v", err)
	}
	if _, err := a.Pool.Exec(t.Context(), `UPDATE work_orders SET warranty = 'out', repeat_of = NULL WHERE id = $1 AND warranty <> 'out'`, id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func labourItem(t *testing.T, a *app, code string) string {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT id FROM fee_items WHERE code = $1`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func TestOrderFeesRolesAndSettlement(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id := feeOrder(t, a)
	path := "/orders/" + id + "/fees"

	// Another technician does not see tech1's order, nor its fees; tech1 does.
	tech2 := a.client(t)
	tech2.signIn("tech2")
	if r := tech2.get(path); r.Status != http.StatusNotFound {
		t.Errorf("tech2 on tech1's fees: %d", r.Status)
	}
	if r := tech2.post(path+"/lines", url.Values{"item_id": {labourItem(t, a, "REPAIR")}, "quantity": {"1"}}); r.Status != http.StatusNotFound {
		t.Errorf("tech2 adds a line: %d", r.Status)
	}
	tech1 := a.client(t)
	tech1.signIn("tech1")
	r := tech1.get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("tech1: %d", r.Status)
	}
	mustContain(t, r.Body, "上门费", "¥100.00", "应收合计", "待结算", `name="via" value="tablet"`)

	hot := a.client(t)
	hot.signIn("hotline")
	r = hot.get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("hotline: %d", r.Status)
	}
	mustContain(t, r.Body, `name="via" value="phone"`, `id="fee-settle-form"`, `value="100.00"`)

	// The callback cannot close the order while fees are pending.
	orders := workorder.NewService(a.Pool, time.Now, time.UTC)
	hotline := testkit.Actor(t, a.Pool, "hotline")
	oid, _ := strconv.ParseInt(id, 10, 64)
	o, err := orders.OrderByID(t.Context(), hotline, oid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orders.RecordCallback(t.Context(), hotline, oid, o.Version, workorder.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "客户满意"}); apperr.CodeOf(err) != apperr.IllegalTransition {
		t.Fatalf("satisfied while pending: %v", err)
	}

	// A labour line: PRG back to the fees page.
	r = hot.post(path+"/lines", url.Values{"item_id": {labourItem(t, a, "MAJOR")}, "quantity": {"1"}})
	if r.Status != http.StatusSeeOther || r.Location != path {
		t.Fatalf("add line: %d %s", r.Status, r.Location)
	}
	r = hot.get(path)
	mustContain(t, r.Body, "主机维修", "¥800.00", "¥900.00", "已添加费用项目")

	// Wrong input is kept, with field messages.
	r = hot.post(path+"/lines", url.Values{"item_id": {labourItem(t, a, "REPAIR")}, "quantity": {"0"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("quantity 0: %d", r.Status)
	}
	mustContain(t, r.Body, "数量须为 1 到 100 的整数", `id="fee-quantity" min="1" max="100" inputmode="numeric" value="0"`)
	r = hot.post(path+"/confirm", url.Values{"via": {"phone"}, "customer_name": {"王先生"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("confirm without the tick: %d", r.Status)
	}
	mustContain(t, r.Body, "请勾选", `value="王先生"`)
	r = hot.post(path+"/confirm", url.Values{"via": {"phone"}, "customer_name": {"王先生"}, "confirmed": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, hot.get(path).Body, "王先生 已确认报价 ¥900.00（电话确认")

	r = hot.post(path+"/settle", url.Values{"amount": {"800"}, "method": {"wechat"}, "receipt_no": {"WX-1"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong amount: %d", r.Status)
	}
	mustContain(t, r.Body, "金额须等于应收合计", `value="800"`, `value="WX-1"`, `<option value="wechat" selected>`)
	r = hot.post(path+"/settle", url.Values{"amount": {"九百"}, "method": {"cash"}, "receipt_no": {"R-1"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("amount not a number: %d", r.Status)
	}
	r = hot.post(path+"/settle", url.Values{"amount": {"900.00"}, "method": {"cash"}, "receipt_no": {""}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no receipt: %d", r.Status)
	}
	mustContain(t, r.Body, "请填写收据或发票号")
	// Technicians and supervisors do not settle.
	if r := tech1.post(path+"/settle", url.Values{"amount": {"900"}, "method": {"cash"}, "receipt_no": {"R-1"}}); r.Status != http.StatusForbidden {
		t.Errorf("tech1 settles: %d", r.Status)
	}
	r = hot.post(path+"/settle", url.Values{"amount": {"¥900.00"}, "method": {"wechat"}, "receipt_no": {"WX-20260101-8"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("settle: %d\n%s", r.Status, r.Body)
	}
	r = hot.get(path)
	mustContain(t, r.Body, "已结算", "微信支付", "WX-20260101-8", "¥900.00")

	// Settled: changes are refused with 409.
	if r := hot.post(path+"/lines", url.Values{"item_id": {labourItem(t, a, "REPAIR")}, "quantity": {"1"}}); r.Status != http.StatusConflict {
		t.Errorf("add after settlement: %d", r.Status)
	} else {
		mustContain(t, r.Body, "费用已结算，不能再修改")
	}
	if r := hot.post(path+"/settle", url.Values{"amount": {"900"}, "method": {"cash"}, "receipt_no": {"R"}}); r.Status != http.StatusConflict {
		t.Errorf("settle twice: %d", r.Status)
	}

	// The report shows the parts row and the fees.
	r = hot.get("/orders/" + id + "/report")
	mustContain(t, r.Body, `id="report-fees"`, "主机维修", "¥900.00", "WX-20260101-8")

	// Now the callback closes the order.
	o, _ = orders.OrderByID(t.Context(), hotline, oid)
	if _, err := orders.RecordCallback(t.Context(), hotline, oid, o.Version, workorder.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "客户满意"}); err != nil {
		t.Fatalf("satisfied after settlement: %v", err)
	}
}

func TestFeeScheduleIsTheManagers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	hot := a.client(t)
	hot.signIn("hotline")
	if r := hot.get("/settings/fees"); r.Status != http.StatusForbidden {
		t.Errorf("hotline on the schedule: %d", r.Status)
	}
	if r := hot.post("/settings/fees", url.Values{"code": {"X"}, "name": {"x"}, "kind": {"labour"}, "price": {"1"}}); r.Status != http.StatusForbidden {
		t.Errorf("hotline saves: %d", r.Status)
	}
	// Headquarters' manager keeps the schedule's items.
	m := a.client(t)
	m.signIn("hq.manager")
	r := m.get("/settings/fees")
	if r.Status != http.StatusOK {
		t.Fatalf("manager: %d", r.Status)
	}
	mustContain(t, r.Body, "上门费", "¥100.00", "常规保养", "¥300.00", "主机维修", "¥800.00")

	r = m.post("/settings/fees", url.Values{"code": {"CLEAN"}, "name": {"清洗冷却器"}, "kind": {"labour"}, "price": {"12.345"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad price: %d", r.Status)
	}
	mustContain(t, r.Body, "最多两位小数", `value="清洗冷却器"`, `value="12.345"`)
	r = m.post("/settings/fees", url.Values{"code": {"CLEAN"}, "name": {""}, "kind": {"labour"}, "price": {"150"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no name: %d", r.Status)
	}
	mustContain(t, r.Body, "此项必填", `value="CLEAN"`)
	r = m.post("/settings/fees", url.Values{"code": {"CLEAN"}, "name": {"清洗冷却器"}, "kind": {"labour"}, "price": {"1,234.5"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	r = m.get("/settings/fees")
	mustContain(t, r.Body, "收费项目已保存", "清洗冷却器", "¥1,234.50")
	if r := m.get("/settings/fees?edit=CLEAN"); r.Status != http.StatusOK {
		t.Errorf("edit: %d", r.Status)
	} else {
		mustContain(t, r.Body, `value="1234.50"`)
	}

	item := labourItem(t, a, "CLEAN")
	r = m.post("/settings/fees/"+item+"/deactivate", url.Values{})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("deactivate without the tick: %d", r.Status)
	}
	mustContain(t, r.Body, "请先勾选")
	r = m.post("/settings/fees/"+item+"/deactivate", url.Values{"confirm": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	var active bool
	if err := a.Pool.QueryRow(t.Context(), `SELECT active FROM fee_items WHERE id = $1`, item).Scan(&active); err != nil || active {
		t.Errorf("still active: %v %v", active, err)
	}
}

// TestFeeCatalogKeys covers the fee keys built at run time from fixed values.
func TestFeeCatalogKeys(t *testing.T) {
	t.Parallel()
	keys := []string{"fee.free_note.in", "fee.free_note.repair"}
	for _, s := range []string{"none", "pending", "settled"} {
		keys = append(keys, "fee.state."+s)
	}
	for _, k := range fee.LineKinds {
		keys = append(keys, "fee.kind."+k)
	}
	for _, m := range fee.Methods {
		keys = append(keys, "fee.method."+m)
	}
	for _, v := range fee.Vias {
		keys = append(keys, "fee.via."+v, "fee.confirm_tick."+v)
	}
	for _, lang := range i18n.Languages {
		c := i18n.Catalog(lang)
		for _, k := range keys {
			if _, ok := c[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}
