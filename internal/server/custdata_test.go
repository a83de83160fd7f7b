package server_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/xlsxmark"
	"github.com/xuri/excelize/v2"
)

// reportRows reads the figures sheet of the manager's report workbook.
func reportRows(t *testing.T, c *client) [][]string {
	t.Helper()
	r := c.get("/reports.xlsx?period=month")
	if r.Status != http.StatusOK {
		t.Fatalf("report: %d", r.Status)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// A manager exports everything held on a customer as one workbook, then anonymises them:
// name, phones and addresses replaced also on their orders, nothing findable by the old
// name or number, the orders, fees and report figures kept, the event recorded with who
// and why; a second time and a customer with open orders are refused.
func TestCustomerDataExportAndAnonymisation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	// A customer whose orders are all closed, with a settled fee.
	var id, orderID int64
	var name, phone, address, number string
	if err := a.Pool.QueryRow(ctx, `SELECT c.id, c.name, p.raw, o.id, o.number, o.address FROM customers c
		JOIN customer_phones p ON p.customer_id = c.id JOIN work_orders o ON o.customer_id = c.id
		WHERE o.fees_state = 'settled' AND NOT EXISTS (SELECT 1 FROM work_orders x WHERE x.customer_id = c.id AND x.state NOT IN ('closed', 'cancelled'))
		ORDER BY c.id, p.position LIMIT 1`).Scan(&id, &name, &phone, &orderID, &number, &address); err != nil {
		t.Fatalf("a demo customer with a settled, closed order: %v", err)
	}
	path := "/customers/" + strconv.FormatInt(id, 10)
	digits := regexp.MustCompile(`\D`).ReplaceAllString(phone, "")
	figures := func() (orders int, fees, settled int64) {
		if err := a.Pool.QueryRow(ctx, `SELECT count(*), (SELECT coalesce(sum(l.amount_fen), 0) FROM order_fee_lines l JOIN work_orders o ON o.id = l.order_id WHERE o.customer_id = $1 AND l.deleted_at IS NULL),
			(SELECT coalesce(sum(s.amount_fen), 0) FROM settlements s JOIN work_orders o ON o.id = s.order_id WHERE o.customer_id = $1)
			FROM work_orders WHERE customer_id = $1`, id).Scan(&orders, &fees, &settled); err != nil {
			t.Fatal(err)
		}
		return
	}
	o0, f0, s0 := figures()
	if s0 == 0 {
		t.Fatal("the customer has no settlement to keep")
	}
	// An earlier edit kept the old name and number in the history, and a message to the
	// customer holds the number.
	if _, err := a.Pool.Exec(ctx, `INSERT INTO customer_events (customer_id, actor_id, at, kind, changes)
		SELECT $1, id, now() - interval '1 day', 'edited', jsonb_build_object('name', jsonb_build_array($2::text, 'x'), 'phones', jsonb_build_array($3::text))
		FROM users WHERE username = 'manager'`, id, name, phone); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `INSERT INTO outbox (order_id, kind, recipient, params, next_at, created_at)
		VALUES ($1, 'received', $2, jsonb_build_object('number', $3::text), now(), now())`, orderID, phone, number); err != nil {
		t.Fatal(err)
	}
	m := a.client(t)
	m.signIn("manager")
	report0 := reportRows(t, m)
	mustContain(t, m.get(path).Body, `id="export-customer"`, `id="anonymise-customer"`)

	// The export: a sheet per kind, the customer's phone and order in it, marked.
	r := m.get(path + "/data.xlsx")
	if r.Status != http.StatusOK {
		t.Fatalf("export: %d", r.Status)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	for _, want := range []string{"客户资料", "电话", "地址", "设备", "工单", "工单记录", "回访", "费用明细", "结算", "投诉", "附件清单", "档案变更"} {
		if !strings.Contains(strings.Join(sheets, ","), want) {
			t.Errorf("no sheet %s in %v", want, sheets)
		}
	}
	cell := func(sheet, ref string) string {
		v, _ := f.GetCellValue(sheet, ref)
		return v
	}
	if cell("客户资料", "B2") != name || cell("电话", "A2") != phone || cell("工单", "A2") == "" {
		t.Errorf("export rows: name %q phone %q order %q", cell("客户资料", "B2"), cell("电话", "A2"), cell("工单", "A2"))
	}
	footer, props, err := xlsxmark.Read(f, "客户资料")
	f.Close()
	if err != nil || !strings.HasPrefix(footer, "导出人：王建国") || props.Creator != "王建国" {
		t.Errorf("export mark: %q %+v %v", footer, props, err)
	}
	if n := accessCount(t, a, "manager", "export", id); n != 1 {
		t.Errorf("export logged %d times, want 1", n)
	}

	// The confirmation step wants a reason and the tick.
	page := m.get(path + "/anonymise")
	mustContain(t, page.Body, `id="anonymise-form"`, `name="reason"`, `name="confirm"`)
	key := regexp.MustCompile(`name="form_key" value="([0-9a-f]+)"`).FindStringSubmatch(page.Body)[1]
	if r := m.post(path+"/anonymise", url.Values{"form_key": {key}, "confirm": {"yes"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("no reason: %d", r.Status)
	}
	if r := m.post(path+"/anonymise", url.Values{"form_key": {key}, "reason": {"客户书面申请"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("not confirmed: %d", r.Status)
	}
	for _, user := range []string{"hotline", "supervisor"} {
		c := a.client(t)
		c.signIn(user)
		if r := c.post(path+"/anonymise", url.Values{"reason": {"x"}, "confirm": {"yes"}}); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", user, r.Status)
		}
	}
	if r := m.post(path+"/anonymise", url.Values{"form_key": {key}, "reason": {"客户书面申请删除个人信息"}, "confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymise: %d %s", r.Status, r.Body)
	}
	// The same form again changes nothing; a new one is refused.
	if r := m.post(path+"/anonymise", url.Values{"form_key": {key}, "reason": {"again"}, "confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Errorf("replayed form: %d", r.Status)
	}
	if r := m.post(path+"/anonymise", url.Values{"reason": {"again"}, "confirm": {"yes"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "已匿名化") {
		t.Errorf("second anonymisation: %d", r.Status)
	}

	body := m.get(path).Body
	anon := "已匿名客户 #" + strconv.FormatInt(id, 10)
	mustContain(t, body, anon, `id="customer-anonymised"`, "匿名化，原因：客户书面申请删除个人信息")
	if strings.Contains(body, name) || strings.Contains(body, address) || strings.Contains(body, `id="anonymise-customer"`) {
		t.Error("the customer's page still shows the old name or address, or offers anonymisation again")
	}
	var events int
	_ = a.Pool.QueryRow(ctx, `SELECT count(*) FROM customer_events e JOIN users u ON u.id = e.actor_id
		WHERE e.customer_id = $1 AND e.kind = 'anonymised' AND u.username = 'manager' AND e.changes->>'reason' = '客户书面申请删除个人信息'`, id).Scan(&events)
	if events != 1 {
		t.Errorf("%d anonymisation events, want 1", events)
	}
	order := m.get("/orders/" + strconv.FormatInt(orderID, 10)).Body
	if strings.Contains(order, address) || strings.Contains(order, name) {
		t.Error("the order still shows the customer's name or address")
	}
	mustContain(t, order, number, anon)
	// Not findable by the old name or number, in the archive or the order list.
	h := a.client(t)
	h.signIn("hotline")
	for _, q := range []string{name, digits, phone} {
		for _, list := range []string{"/customers?q=", "/orders?q="} {
			if b := h.get(list + url.QueryEscape(q)).Body; strings.Contains(b, anon) || strings.Contains(b, number) {
				t.Errorf("%s%s still finds the customer", list, q)
			}
		}
	}
	mustContain(t, h.get("/orders?q="+url.QueryEscape(number)).Body, number)

	// Neither the export made now nor the messages to the customer hold the old name,
	// number or address.
	after := m.get(path + "/data.xlsx")
	fa, err := excelize.OpenReader(bytes.NewReader([]byte(after.Body)))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, sh := range fa.GetSheetList() {
		rows, _ := fa.GetRows(sh)
		for _, row := range rows {
			all.WriteString(strings.Join(row, "|") + "\n")
		}
	}
	fa.Close()
	if s := all.String(); strings.Contains(s, name) || strings.Contains(regexp.MustCompile(`\D`).ReplaceAllString(s, ""), digits) || (address != "" && strings.Contains(s, address)) {
		t.Error("the export after anonymisation still holds the old name, number or address")
	}
	var leaks int
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox m JOIN work_orders o ON o.id = m.order_id
		WHERE o.customer_id = $1 AND (m.recipient <> '****' OR m.params <> '{}')`, id).Scan(&leaks); err != nil || leaks != 0 {
		t.Errorf("%d messages still hold the customer's number or texts (%v)", leaks, err)
	}

	// The figures stay.
	if o1, f1, s1 := figures(); o1 != o0 || f1 != f0 || s1 != s0 {
		t.Errorf("figures changed: orders %d→%d, fees %d→%d, settled %d→%d", o0, o1, f0, f1, s0, s1)
	}
	if report1 := reportRows(t, m); strings.Join(flatten(report1), "|") != strings.Join(flatten(report0), "|") {
		t.Errorf("the report changed:\n%v\n%v", report0, report1)
	}

	// A customer with an open order is refused, saying so.
	var open int64
	if err := a.Pool.QueryRow(ctx, `SELECT customer_id FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND state NOT IN ('closed', 'cancelled') ORDER BY o.id LIMIT 1`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	r = m.post("/customers/"+strconv.FormatInt(open, 10)+"/anonymise", url.Values{"reason": {"申请"}, "confirm": {"yes"}})
	if r.Status != http.StatusConflict {
		t.Errorf("open orders: %d, want 409", r.Status)
	}
	mustContain(t, r.Body, "张未结工单")
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}
