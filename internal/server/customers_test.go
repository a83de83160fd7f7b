package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/testkit"
)

// The demo's third Shanghai customer (i = 2): one phone, three units (two in warranty,
// one out), and the dispatched order "冷却风扇不转" on its first unit.
const custDemoPhone = "138 1002 2026"

// custDemo is that customer as the tests need it.
type custDemo struct {
	ID      int64
	Name    string
	Contact string
	Path    string
	// UnitID is the unit with the order; IdleUnitID one without orders.
	UnitID, IdleUnitID int64
	OrderNumber        string
}

func custDemoCustomer(t *testing.T, a *app) custDemo {
	t.Helper()
	ctx := context.Background()
	var d custDemo
	err := a.Pool.QueryRow(ctx, `SELECT c.id, c.name, c.contact_person FROM customers c JOIN customer_phones p ON p.customer_id = c.id WHERE p.raw = $1`,
		custDemoPhone).Scan(&d.ID, &d.Name, &d.Contact)
	if err != nil {
		t.Fatal(err)
	}
	d.Path = "/customers/" + strconv.FormatInt(d.ID, 10)
	if err := a.Pool.QueryRow(ctx, `SELECT o.unit_id, o.number FROM work_orders o WHERE o.customer_id = $1 AND o.symptom = '冷却风扇不转'`, d.ID).Scan(&d.UnitID, &d.OrderNumber); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT u.id FROM units u WHERE u.customer_id = $1 AND NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.unit_id = u.id) ORDER BY u.id DESC LIMIT 1`, d.ID).Scan(&d.IdleUnitID); err != nil {
		t.Fatal(err)
	}
	return d
}

func custStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, want, r.Body)
	}
}

func TestCustomerListAndSearch(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	d := custDemoCustomer(t, a)
	c := a.client(t)
	c.signIn("hotline")

	r := c.get("/customers")
	custStatus(t, "list", r, http.StatusOK)
	mustContain(t, r.Body, "客户档案", "最近建档的客户", `id="customers"`, d.Name, custDemoPhone, `href="`+d.Path+`"`)

	// Part of the phone, typed with a space, finds the customer.
	r = c.get("/customers?q=" + url.QueryEscape("1002 2026"))
	custStatus(t, "search", r, http.StatusOK)
	mustContain(t, r.Body, d.Name, d.Contact, custDemoPhone, `href="`+d.Path+`"`, `value="1002 2026"`)
	// The exact match comes first (near misses may follow).
	if first := strings.Index(r.Body, "data-customer-id="); first < 0 || !strings.HasPrefix(r.Body[first:], `data-customer-id="`+strconv.FormatInt(d.ID, 10)+`"`) {
		t.Error("the customer with that phone is not the first result")
	}

	r = c.get("/customers?q=99999999")
	custStatus(t, "search without a match", r, http.StatusOK)
	mustContain(t, r.Body, `id="no-match"`, "没有找到与「99999999」相符的客户")

	// Suzhou sees its own customers only.
	sz := a.client(t)
	sz.signIn("sz.hotline")
	r = sz.get("/customers")
	custStatus(t, "Suzhou list", r, http.StatusOK)
	mustContain(t, r.Body, "苏州")
	if strings.Contains(r.Body, d.Name) || strings.Contains(sz.get("/customers?q=1002+2026").Body, d.Name) {
		t.Error("Suzhou sees a Shanghai customer in the archive")
	}
}

func TestCustomerPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	d := custDemoCustomer(t, a)
	// A unit without a purchase date: its warranty is unknown.
	svc := customer.NewService(a.Pool, time.Now, time.UTC)
	if _, err := svc.AddUnit(context.Background(), testkit.Actor(t, a.Pool, "hotline"), d.ID, customer.NewUnit{Brand: "复盛", Model: "SA-120A", Serial: "NODATE-1"}); err != nil {
		t.Fatal(err)
	}
	c := a.client(t)
	c.signIn("supervisor")
	r := c.get(d.Path)
	custStatus(t, "customer page", r, http.StatusOK)
	mustContain(t, r.Body, d.Name, d.Contact, custDemoPhone,
		"设备（4）", "SN202200020", "SN202200022", "NODATE-1", "保修截止",
		"保内", "保外", "保修未知", `class="badge warranty-in"`, `class="badge warranty-out"`, `class="badge warranty-unknown"`,
		"工单记录（1）", d.OrderNumber, `href="/orders/`, "已派工", "冷却风扇不转",
		"修改记录", "添加设备 SA-120A NODATE-1", "编辑", `href="`+d.Path+`/edit"`,
		`href="/units/`+strconv.FormatInt(d.UnitID, 10)+`"`)

	// In English, the same page says so in English.
	en := a.client(t)
	en.Header.Set("Accept-Language", "en")
	en.signIn("supervisor")
	r = en.get(d.Path)
	custStatus(t, "customer page in English", r, http.StatusOK)
	mustContain(t, r.Body, "In warranty", "Out of warranty", "Warranty unknown", "Orders (1)", "Change history")

	// Everyone who opens the archive keeps it: the page offers them the edit.
	for _, user := range []string{"hotline", "supervisor", "manager"} {
		c := a.client(t)
		c.signIn(user)
		r := c.get(d.Path)
		custStatus(t, user+" customer page", r, http.StatusOK)
		mustContain(t, r.Body, `id="edit-customer"`, `href="`+d.Path+`/edit"`, d.OrderNumber)
	}
}

func TestCustomerEdit(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	d := custDemoCustomer(t, a)
	c := a.client(t)
	c.signIn("hotline")

	r := c.get(d.Path + "/edit")
	custStatus(t, "edit page", r, http.StatusOK)
	mustContain(t, r.Body, "编辑客户档案", `name="version" value="1"`, `value="`+d.Name+`"`, `value="`+d.Contact+`"`, custDemoPhone+"</textarea>")

	form := func(version, contact, phones string) url.Values {
		return url.Values{"version": {version}, "name": {d.Name}, "contact_person": {contact}, "phones": {phones},
			"addresses": {"上海市浦东新区川沙路114号\r\n上海市浦东新区川沙路116号二号仓库"}, "notes": {"下午来电\r\n门卫处登记"}}
	}

	// A bad phone: 422, the input kept, the message next to the field; nothing saved.
	r = c.post(d.Path+"/edit", form("1", "钱主任", custDemoPhone+"\r\n待补充"))
	custStatus(t, "bad phone", r, http.StatusUnprocessableEntity)
	mustContain(t, r.Body, "请修改标出的项目后再提交", `id="err-phones"`, "电话号码无法识别", `value="钱主任"`, "待补充", "二号仓库", "门卫处登记")
	r = c.post(d.Path+"/edit", url.Values{"version": {"1"}, "name": {" "}, "phones": {""}})
	custStatus(t, "blank form", r, http.StatusUnprocessableEntity)
	mustContain(t, r.Body, `id="err-name"`, "此项必填", "请至少填写一个电话号码")
	r = c.post(d.Path+"/edit", url.Values{"version": {"1"}, "name": {strings.Repeat("长", 201)}, "phones": {custDemoPhone}})
	custStatus(t, "too long", r, http.StatusUnprocessableEntity)
	mustContain(t, r.Body, "内容过长")
	custStatus(t, "no version", c.post(d.Path+"/edit", url.Values{"name": {d.Name}, "phones": {custDemoPhone}}), http.StatusUnprocessableEntity)
	if r := c.get(d.Path); strings.Contains(r.Body, "钱主任") || strings.Contains(r.Body, `data-kind="updated"`) {
		t.Fatal("a refused edit was saved")
	}

	// A good edit: 303 to the customer page, which shows the change and its history line.
	r = c.post(d.Path+"/edit", form("1", "钱主任", custDemoPhone+"\r\n139 8888 7777，021-5888 6666"))
	custStatus(t, "good edit", r, http.StatusSeeOther)
	if r.Location != d.Path {
		t.Fatalf("redirect to %q, want %q", r.Location, d.Path)
	}
	r = c.get(d.Path)
	custStatus(t, "after the edit", r, http.StatusOK)
	// Numbers show grouped, however they were typed (the landline with a dash here).
	mustContain(t, r.Body, "客户档案已保存", "钱主任", "139 8888 7777", "021 5888 6666", "二号仓库", "下午来电<br> 门卫处登记",
		`data-kind="updated"`, `data-field="contact_person"`, html.EscapeString("："+d.Contact+" → 钱主任"),
		`data-field="phones"`, html.EscapeString("："+custDemoPhone+" → "+custDemoPhone+"、139 8888 7777、021 5888 6666"), "陈晓燕")
	// The search box finds the customer by the new number.
	mustContain(t, c.get("/customers?q=8888+7777").Body, d.Name)

	// Saving the same again changes nothing.
	r = c.post(d.Path+"/edit", form("2", "钱主任", custDemoPhone+"\n139 8888 7777\n021-5888 6666"))
	custStatus(t, "same again", r, http.StatusSeeOther)
	mustContain(t, c.get(d.Path).Body, "内容没有变化")

	// Someone still holding version 1: 409, the fresh record in the form, their input
	// listed below, who saved last.
	r = c.post(d.Path+"/edit", form("1", "孙经理", custDemoPhone))
	custStatus(t, "stale version", r, http.StatusConflict)
	mustContain(t, r.Body, `id="stale"`, "此客户档案已被他人修改", "最近一次修改：陈晓燕", `name="version" value="2"`, `value="钱主任"`,
		`id="your-input"`, "孙经理")
	if r := c.get(d.Path); strings.Contains(r.Body, "孙经理") {
		t.Error("the stale edit was saved")
	}
}

func TestCustomerAccess(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	d := custDemoCustomer(t, a)
	edit := url.Values{"version": {"1"}, "name": {"改名"}, "phones": {custDemoPhone}}
	unit := "/units/" + strconv.FormatInt(d.UnitID, 10)

	for _, user := range []string{"tech1", "storekeeper", "admin"} {
		c := a.client(t)
		c.signIn(user)
		for _, path := range []string{"/customers", d.Path, d.Path + "/edit", unit} {
			if user == "admin" && path == d.Path {
				// An admin opens a customer's page for the customer's data (export,
				// anonymisation), from the access log.
				custStatus(t, user+" GET "+path, c.get(path), http.StatusOK)
				continue
			}
			custStatus(t, user+" GET "+path, c.get(path), http.StatusForbidden)
		}
		custStatus(t, user+" POST edit", c.post(d.Path+"/edit", edit), http.StatusForbidden)
	}

	// Suzhou's hotline does not see a Shanghai customer or unit at all.
	sz := a.client(t)
	sz.signIn("sz.hotline")
	for _, path := range []string{d.Path, d.Path + "/edit", unit, "/customers/999999", "/customers/abc", "/units/999999"} {
		custStatus(t, "sz.hotline GET "+path, sz.get(path), http.StatusNotFound)
	}
	custStatus(t, "sz.hotline POST edit", sz.post(d.Path+"/edit", edit), http.StatusNotFound)

	// The centre's manager sees both stations.
	m := a.client(t)
	m.signIn("manager")
	custStatus(t, "manager", m.get(d.Path), http.StatusOK)

	var name string
	if err := a.Pool.QueryRow(context.Background(), `SELECT name FROM customers WHERE id = $1`, d.ID).Scan(&name); err != nil || name != d.Name {
		t.Errorf("refused edits changed the name to %q (%v)", name, err)
	}
}

func TestUnitPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	d := custDemoCustomer(t, a)
	c := a.client(t)
	c.signIn("hotline")

	r := c.get("/units/" + strconv.FormatInt(d.UnitID, 10))
	custStatus(t, "unit page", r, http.StatusOK)
	mustContain(t, r.Body, "SN202200020", "保修状态", "保内", "保修截止", `href="`+d.Path+`"`, d.Name,
		"维修记录（1）", d.OrderNumber, "冷却风扇不转", "已派工", "张伟")

	r = c.get("/units/" + strconv.FormatInt(d.IdleUnitID, 10))
	custStatus(t, "unit without orders", r, http.StatusOK)
	mustContain(t, r.Body, "SN202200022", "保外", "暂无维修记录")
}
