package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func newCallerForm(key, phone, name string) url.Values {
	return url.Values{
		"key": {key}, "phone": {phone}, "customer_id": {"new"}, "name": {name}, "contact_person": {"周经理"},
		"address": {"上海市浦东新区张江路88号"}, "unit_id": {"new"}, "brand": {"开山"}, "model": {"LG-10/8G"}, "serial": {"KS-2026-001"},
		"purchase_date": {"2026-05-01"}, "warranty_months": {"12"}, "symptom": {"开机后压力上不去"}, "request": {"今天下午上门"},
		"urgency": {"urgent"}, "service_type": {"repair"}, "channel": {"phone"},
	}
}

func TestIntakeBadInputKeepsEverythingTyped(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	form := newCallerForm("k-bad", "12", "")
	form.Set("symptom", "")
	form.Set("purchase_date", "2099-01-01")
	form.Set("request", "带上压力表")
	r := c.post("/intake", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	mustContain(t, r.Body, "电话号码无法识别", "日期不能晚于今天", "请修改标出的项目",
		`id="err-name"`, `id="err-symptom"`, `value="12"`, `value="带上压力表"`, `value="LG-10/8G"`, `value="2099-01-01"`)
	var n int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM customers WHERE contact_person = '周经理'`).Scan(&n)
	if n != 0 {
		t.Error("a refused intake created a customer")
	}
	// Nothing chosen at all: the form asks for a customer.
	r = c.post("/intake", url.Values{"phone": {"13800000000"}, "symptom": {"x"}})
	mustContain(t, r.Body, "请选择或新建客户")
	// A date that is not a date.
	form = newCallerForm("k-bad2", "139 1111 2222", "新公司")
	form.Set("purchase_date", "2026-13-45")
	r = c.post("/intake", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", r.Status)
	}
	mustContain(t, r.Body, "日期格式不正确")
}

var orderPath = regexp.MustCompile(`^/orders/(\d+)$`)

func TestIntakeNewCallerAndDoubleSubmit(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	form := newCallerForm("k-once", "186 5555 0001", "张江精密机械有限公司")
	r := c.post("/intake", form)
	m := orderPath.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("intake: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	again := c.post("/intake", form)
	if again.Status != http.StatusSeeOther || again.Location != r.Location {
		t.Fatalf("double submit: %d %q, first %q", again.Status, again.Location, r.Location)
	}
	var orders, customers, units int
	_ = a.Pool.QueryRow(t.Context(), `SELECT
		(SELECT count(*) FROM work_orders o JOIN customers c ON c.id = o.customer_id WHERE c.name = '张江精密机械有限公司'),
		(SELECT count(*) FROM customers WHERE name = '张江精密机械有限公司'),
		(SELECT count(*) FROM units WHERE serial = 'KS-2026-001')`).Scan(&orders, &customers, &units)
	if orders != 1 || customers != 1 || units != 1 {
		t.Errorf("after a double submit: %d orders, %d customers, %d units", orders, customers, units)
	}
	page := c.get(r.Location)
	mustContain(t, page.Body, "工单已保存", "张江精密机械有限公司", "开机后压力上不去", "已受理", "紧急", "保内",
		`data-action="resolve_by_phone"`, `data-action="forward"`, `data-action="cancel"`)
	if strings.Contains(page.Body, `data-action="assess"`) {
		t.Error("the hotline is offered the supervisor's assessment")
	}
}

func TestIntakeLookupAndCallerPanel(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	// Demo customer 0 has phone "138 1000 2000".
	r := c.get("/intake/lookup?phone=" + url.QueryEscape("1381000 2000"))
	if r.Status != 200 || strings.Contains(r.Body, "<html") {
		t.Fatalf("lookup: %d (a fragment is expected)", r.Status)
	}
	var id, name string
	_ = a.Pool.QueryRow(t.Context(), `SELECT c.id::text, c.name FROM customers c JOIN customer_phones p ON p.customer_id = c.id WHERE p.raw = '138 1000 2000'`).Scan(&id, &name)
	mustContain(t, r.Body, name, `value="`+id+`"`, "新客户")
	// A customer with an open order on a unit: the panel warns and links to it.
	var cust, number string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.customer_id::text, o.number FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state NOT IN ('closed', 'cancelled') AND o.unit_id IS NOT NULL ORDER BY o.id LIMIT 1`).Scan(&cust, &number)
	r = c.get("/intake/customer?customer_id=" + cust)
	mustContain(t, r.Body, "该设备已有未完成工单", number, "新设备", "不指定设备")
	if !strings.Contains(r.Body, "保内") && !strings.Contains(r.Body, "保外") && !strings.Contains(r.Body, "维修质保") {
		t.Error("no warranty status on the units")
	}
	// Without JavaScript: GET /intake?phone= lists the matches in the full page.
	r = c.get("/intake?phone=" + url.QueryEscape("138 1000 2000"))
	mustContain(t, r.Body, name, "报修登记")
	// A Suzhou customer is not found from Shanghai, and its panel is a 404.
	var szCust string
	_ = a.Pool.QueryRow(t.Context(), `SELECT c.id::text FROM customers c JOIN stations s ON s.id = c.station_id WHERE s.code = 'SZ' LIMIT 1`).Scan(&szCust)
	if r := c.get("/intake/customer?customer_id=" + szCust); r.Status != http.StatusNotFound {
		t.Errorf("Suzhou customer's panel: %d", r.Status)
	}
}

func TestIntakeIsForTheHotline(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, u := range []string{"tech1", "supervisor", "storekeeper"} {
		c := a.client(t)
		c.signIn(u)
		if r := c.get("/intake"); r.Status != http.StatusForbidden {
			t.Errorf("%s GET /intake: %d", u, r.Status)
		}
		if r := c.post("/intake", newCallerForm("k-"+u, "13900001111", "x")); r.Status != http.StatusForbidden {
			t.Errorf("%s POST /intake: %d", u, r.Status)
		}
	}
	if r := a.client(t).get("/intake"); r.Status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.Status)
	}
}

// unitRadio matches a unit radio button and whether it is checked.
var unitRadio = regexp.MustCompile(`<input type="radio" name="unit_id" value="([^"]*)"( checked)?`)

// checkedUnit is the unit radio checked in a page, "" when none is.
func checkedUnit(body string) string {
	for _, m := range unitRadio.FindAllStringSubmatch(body, -1) {
		if m[2] != "" {
			return m[1]
		}
	}
	return ""
}

// existingCallForm is a call about an existing customer; unit "" leaves the unit field out.
func existingCallForm(key, customerID, unit string) url.Values {
	f := url.Values{"key": {key}, "phone": {"138 1000 2000"}, "customer_id": {customerID}, "symptom": {"压力上不去"},
		"request": {"带上压力表"}, "urgency": {"normal"}, "service_type": {"repair"}, "channel": {"phone"}}
	if unit != "" {
		f.Set("unit_id", unit)
	}
	return f
}

func TestIntakeUnitChoice(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	var one, oneUnit, several string
	_ = a.Pool.QueryRow(t.Context(), `SELECT c.id::text, min(u.id)::text FROM customers c JOIN stations s ON s.id = c.station_id JOIN units u ON u.customer_id = c.id
		WHERE s.code = 'SH' GROUP BY c.id HAVING count(*) = 1 ORDER BY c.id LIMIT 1`).Scan(&one, &oneUnit)
	_ = a.Pool.QueryRow(t.Context(), `SELECT c.id::text FROM customers c JOIN stations s ON s.id = c.station_id JOIN units u ON u.customer_id = c.id
		WHERE s.code = 'SH' GROUP BY c.id HAVING count(*) > 1 ORDER BY c.id LIMIT 1`).Scan(&several)
	if one == "" || several == "" {
		t.Fatal("the demo data has no customer with one unit or with several")
	}
	// The only unit is chosen; of several none is, and "no unit" says what it loses.
	r := c.get("/intake/customer?customer_id=" + one)
	if got := checkedUnit(r.Body); got != oneUnit {
		t.Errorf("one unit: %q checked, want %s", got, oneUnit)
	}
	r = c.get("/intake/customer?customer_id=" + several)
	if got := checkedUnit(r.Body); got != "" {
		t.Errorf("several units: %q checked, want none", got)
	}
	mustContain(t, r.Body, "不指定设备", "保修状态未知，不检查返修和未结工单")
	// A unit of the customer picked before is not kept for the next one.
	if got := checkedUnit(c.get("/intake/customer?customer_id=" + several + "&unit_id=" + oneUnit).Body); got != "" {
		t.Errorf("another customer's unit stays chosen: %q", got)
	}

	count := func() (n int) {
		_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_orders WHERE intake_key LIKE 'k-unit-%'`).Scan(&n)
		return n
	}
	// A form that says nothing of the unit is refused, everything typed kept.
	r = c.post("/intake", existingCallForm("k-unit-1", several, ""))
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("several units, no unit field: %d", r.Status)
	}
	mustContain(t, r.Body, `id="err-unit_id"`, "请选择设备", `value="带上压力表"`, "压力上不去")
	r = c.post("/intake", existingCallForm("k-unit-2", one, ""))
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("one unit, no unit field: %d", r.Status)
	}
	if got := checkedUnit(r.Body); got != oneUnit {
		t.Errorf("the refused form offers %q, want the only unit %s", got, oneUnit)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d orders after the refusals", n)
	}
	// "No unit" chosen explicitly is accepted.
	r = c.post("/intake", existingCallForm("k-unit-3", several, "none"))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("no unit chosen: %d\n%s", r.Status, r.Body)
	}
	var unit *int64
	_ = a.Pool.QueryRow(t.Context(), `SELECT unit_id FROM work_orders WHERE intake_key = 'k-unit-3'`).Scan(&unit)
	if unit != nil || count() != 1 {
		t.Errorf("no unit chosen: unit %v, %d orders", unit, count())
	}
}

func TestIntakePhoneEnterLooksUp(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	// The phone field belongs to a GET form of its own, so without JavaScript its Enter
	// looks the number up; the intake form gets the number looked up.
	r := c.get("/intake?phone=" + url.QueryEscape("138 1000 2000"))
	mustContain(t, r.Body, `<form method="get" action="/intake" id="phone-lookup">`, `form="phone-lookup"`,
		`<input type="hidden" name="phone" value="138 1000 2000" id="phone-looked-up">`, `/static/js/intake.js`)
	phone := regexp.MustCompile(`<input id="phone"[^>]*>`).FindString(r.Body)
	if !strings.Contains(phone, `form="phone-lookup"`) {
		t.Errorf("phone field %s", phone)
	}
	if strings.Contains(r.Body, "请修改标出的项目") || r.Status != http.StatusOK {
		t.Errorf("a lookup shows errors: %d", r.Status)
	}
	var name string
	_ = a.Pool.QueryRow(t.Context(), `SELECT c.name FROM customers c JOIN customer_phones p ON p.customer_id = c.id WHERE p.raw = '138 1000 2000'`).Scan(&name)
	mustContain(t, r.Body, name)
	// With JavaScript, intake.js moves the field into the intake form and turns its Enter
	// into the lookup.
	js := c.get("/static/js/intake.js")
	if js.Status != http.StatusOK {
		t.Fatalf("intake.js: %d", js.Status)
	}
	mustContain(t, js.Body, "phone-looked-up", "removeAttribute('form')", "preventDefault", "htmx.trigger(phone, 'search')", "isComposing")
}

func TestIntakeOpenOrderAsks(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	var cust, unit, openID, number, symptom string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.customer_id::text, o.unit_id::text, o.id::text, o.number, o.symptom FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state NOT IN ('closed', 'cancelled') AND o.unit_id IS NOT NULL
		AND (SELECT count(*) FROM work_orders x WHERE x.unit_id = o.unit_id AND x.state NOT IN ('closed', 'cancelled')) = 1 ORDER BY o.id LIMIT 1`).Scan(&cust, &unit, &openID, &number, &symptom)
	if openID == "" {
		t.Fatal("no demo unit with one open order")
	}
	orders := func() (n int) {
		_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_orders WHERE unit_id = $1`, unit).Scan(&n)
		return n
	}
	before := orders()
	form := existingCallForm("k-open", cust, unit)
	form.Set("symptom", "又停机了")
	r := c.post("/intake", form)
	if r.Status != http.StatusConflict {
		t.Fatalf("a second order for the unit: %d", r.Status)
	}
	mustContain(t, r.Body, `id="open-orders"`, "该设备已有 1 张未完成工单", number, symptom, `href="/orders/`+openID+`"`,
		`name="note_order" value="`+openID+`"`, "添加备注到 "+number, `name="ack_open" value="`+openID+`"`, "仍然新建工单",
		`value="带上压力表"`, ">又停机了</textarea>", `value="`+unit+`" checked`)
	if orders() != before {
		t.Fatal("asking made an order")
	}

	// A note that is empty or too long keeps asking.
	note := url.Values{}
	for k, v := range form {
		note[k] = v
	}
	note.Set("note_order", openID)
	note.Set("note", "  ")
	r = c.post("/intake", note)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty note: %d", r.Status)
	}
	mustContain(t, r.Body, `id="err-note"`, `id="open-orders"`, "添加备注到 "+number, `value="带上压力表"`)
	note.Set("note", strings.Repeat("催", 501))
	if r = c.post("/intake", note); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "最多 500 个字") {
		t.Fatalf("long note: %d", r.Status)
	}

	// Add a note to the open order: to its page, once however often it is sent.
	note.Set("note", "客户再次来电：又停机了")
	for range 2 {
		r = c.post("/intake", note)
		if r.Status != http.StatusSeeOther || r.Location != "/orders/"+openID {
			t.Fatalf("note: %d %q", r.Status, r.Location)
		}
	}
	var notes, version, noteVersion int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*), max(e.version), max(o.version) FROM work_order_events e JOIN work_orders o ON o.id = e.order_id
		WHERE e.order_id = $1 AND e.transition = 'note'`, openID).Scan(&notes, &noteVersion, &version)
	if notes != 1 || noteVersion != version || orders() != before {
		t.Errorf("%d notes (version %d, order at %d), %d new orders", notes, noteVersion, version, orders()-before)
	}
	page := c.get(r.Location)
	mustContain(t, page.Body, "备注已添加到该工单", "添加备注", "客户再次来电：又停机了")

	// Or create a new order anyway: made, and it records the open order it saw.
	form.Set("ack_open", openID)
	r = c.post("/intake", form)
	m := orderPath.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil || orders() != before+1 {
		t.Fatalf("create anyway: %d %q", r.Status, r.Location)
	}
	var acknowledged string
	_ = a.Pool.QueryRow(t.Context(), `SELECT data->>'acknowledged_open' FROM work_order_events WHERE order_id = $1 AND transition = 'create'`, m[1]).Scan(&acknowledged)
	if acknowledged != "["+openID+"]" {
		t.Errorf("the create event acknowledges %q", acknowledged)
	}
	// Now two are open: acknowledging the first alone asks again, with both.
	form.Set("key", "k-open-2")
	r = c.post("/intake", form)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "该设备已有 2 张未完成工单") || !strings.Contains(r.Body, `value="`+openID+`,`+m[1]+`"`) {
		t.Errorf("the second open order is not asked about: %d", r.Status)
	}
}

func TestIntakePhonesShowTheSameHoweverTyped(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	for i, typed := range []string{"13700002222", "１３７００００２２２２", "137-0000-2222"} {
		key := "k-phone-" + strconv.Itoa(i)
		form := newCallerForm(key, typed, "号码格式测试公司"+strconv.Itoa(i))
		form.Set("serial", key)
		form.Set("phone", typed)
		if i > 0 {
			// The same number again: an existing customer, the number as typed now.
			var id string
			_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM customers WHERE name = '号码格式测试公司0'`).Scan(&id)
			form.Set("customer_id", id)
		}
		r := c.post("/intake", form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("intake with %q: %d\n%s", typed, r.Status, r.Body)
		}
		page := c.get(r.Location)
		if !strings.Contains(page.Body, ">137 0000 2222</a>") {
			t.Errorf("typed %q: the order page shows %s", typed, regexp.MustCompile(`href="tel:[^"]*">[^<]*`).FindString(page.Body))
		}
		if strings.Contains(page.Body, ">"+typed) {
			t.Errorf("typed %q: shown as typed", typed)
		}
	}
	// Found by full-width digits, and shown grouped, in intake, the customer archive and
	// the order list.
	r := c.get("/intake/lookup?phone=" + url.QueryEscape("１３７００００２２２２"))
	mustContain(t, r.Body, "号码格式测试公司0", "137 0000 2222")
	r = c.get("/customers?q=" + url.QueryEscape("１３７ ００００ ２２２２"))
	mustContain(t, r.Body, "号码格式测试公司0", "137 0000 2222")
	r = c.get("/orders?q=" + url.QueryEscape("１３７００００２２２２"))
	if n := strings.Count(r.Body, "137 0000 2222"); n < 3 {
		t.Errorf("the order list by full-width digits shows the number %d times, want 3", n)
	}
	// A landline typed with a dash shows grouped too (demo customer 0: 021-5100 3000).
	var id string
	_ = a.Pool.QueryRow(t.Context(), `SELECT customer_id::text FROM customer_phones WHERE raw = '021-5100 3000'`).Scan(&id)
	mustContain(t, c.get("/customers/"+id).Body, "021 5100 3000", "138 1000 2000")
}
