package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// demoCustomer returns a Shanghai demo customer's id and main phone as typed.
func demoCustomer(t *testing.T, a *app) (string, string) {
	t.Helper()
	var id int64
	var phone string
	err := a.Pool.QueryRow(t.Context(), `SELECT c.id, p.raw FROM customers c JOIN stations s ON s.id = c.station_id
		JOIN customer_phones p ON p.customer_id = c.id AND p.position = 0 WHERE s.code = 'SH'
		AND NOT EXISTS (SELECT 1 FROM proposals x WHERE x.customer_id = c.id) ORDER BY c.id LIMIT 1`).Scan(&id, &phone)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10), phone
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// version is the version the proposal page's forms carry.
func version(t *testing.T, body string) string {
	t.Helper()
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page has no action form")
	}
	return m[1]
}

// TestProposalPages: the hotline looks the caller up by phone and logs a proposal (a
// repeated post makes it once); a supervisor adopts it with the confirmation; the
// hotline records that the customer was told; other stations and technicians see
// nothing; the manager's home counts the to-do list.
func TestProposalPages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	custID, phone := demoCustomer(t, a)

	var before int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM proposals`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	mgr := a.client(t)
	mgr.signIn("manager")
	home := regexp.MustCompile(`待决定 (\d+) 件[\s\S]*?待答复客户 (\d+) 件`)
	m := home.FindStringSubmatch(mgr.get("/").Body)
	if m == nil {
		t.Fatal("the manager's home lacks the proposal counts")
	}
	due, toTell := m[1], m[2]
	plus1 := func(s string) string { n, _ := strconv.Atoi(s); return strconv.Itoa(n + 1) }
	hot := a.client(t)
	hot.signIn("hotline")
	r := hot.get("/proposals")
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d", r.Status)
	}
	mustContain(t, r.Body, "客户提案", `href="/proposals"`, `id="new-proposal"`)
	if r := hot.get("/proposals?q=" + url.QueryEscape("没有这样的提案内容")); !strings.Contains(r.Body, "没有符合条件的提案") {
		t.Error("an empty search does not say so")
	}

	r = hot.get("/proposals/new?phone=" + url.QueryEscape(phone))
	if r.Status != http.StatusOK {
		t.Fatalf("lookup: %d", r.Status)
	}
	mustContain(t, r.Body, `name="customer_id" value="`+custID+`"`, "购物环境", "新材料、新配件", "name=\"form_key\"")

	// Shape: no category, no content; nothing is written.
	form := url.Values{"phone": {phone}, "customer_id": {custID}, "channel": {"phone"}, "form_key": {"form-proposal-bad1"}}
	r = hot.post("/proposals", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad log: %d", r.Status)
	}
	mustContain(t, r.Body, "请选择提案类别", "必填", `value="`+custID+`" checked`)
	r = hot.post("/proposals", url.Values{"customer_id": {custID}, "channel": {"phone"}, "category": {"other"}, "content": {strings.Repeat("长", 2001)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "最多 2000 个字") {
		t.Fatalf("over-long content: %d", r.Status)
	}
	var n int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM proposals`).Scan(&n)
	if n != before {
		t.Fatalf("%d new proposals after refused posts", n-before)
	}

	form = url.Values{"phone": {phone}, "customer_id": {custID}, "channel": {"letter"}, "category": {"product_design"},
		"content": {"建议包装箱加装提手"}, "form_key": {"form-proposal-0001"}}
	r = hot.post("/proposals", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/proposals/") {
		t.Fatalf("log: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	path := r.Location
	if again := hot.post("/proposals", form); again.Location != path {
		t.Errorf("repeated post went to %q, want %q", again.Location, path)
	}
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM proposals`).Scan(&n)
	if n != before+1 {
		t.Fatalf("%d proposals after a repeated post", n)
	}
	r = hot.get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("page: %d", r.Status)
	}
	mustContain(t, r.Body, "提案已登记", "TA", "已登记", "产品开发与包装设计", "信函", "建议包装箱加装提手", "本年度提案 1 件", "登记提案")
	if strings.Contains(r.Body, `id="proposal-adopt"`) || strings.Contains(r.Body, `id="proposal-actions"`) {
		t.Error("the hotline is offered a decision")
	}

	// Another station, a technician: nothing.
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r := sz.get(path); r.Status != http.StatusNotFound {
		t.Errorf("Suzhou opens a Shanghai proposal: %d", r.Status)
	}
	if r := sz.post(path+"/adopt", url.Values{"version": {"1"}, "confirm": {"1"}, "department": {"x"}, "measures": {"y"}, "effective_on": {"2027-01-01"}}); r.Status != http.StatusNotFound {
		t.Errorf("Suzhou decides a Shanghai proposal: %d", r.Status)
	}
	tech := a.client(t)
	tech.signIn("tech1")
	if r := tech.get("/proposals"); r.Status != http.StatusForbidden {
		t.Errorf("technician lists proposals: %d", r.Status)
	}
	if r := tech.get(path); r.Status != http.StatusForbidden {
		t.Errorf("technician opens a proposal: %d", r.Status)
	}

	sup := a.client(t)
	sup.signIn("supervisor")
	r = sup.get(path)
	mustContain(t, r.Body, `id="proposal-adopt"`, `id="proposal-keep"`, `id="proposal-reject"`, "三等奖", "采用后，提案交实施部门")
	if strings.Contains(r.Body, `id="proposal-tell"`) {
		t.Error("telling offered before a decision")
	}
	v := version(t, r.Body)
	// Keep: a review date beyond two months is refused with its message.
	late := time.Now().AddDate(0, 2, 5).Format(time.DateOnly)
	r = sup.post(path+"/keep", url.Values{"version": {v}, "confirm": {"1"}, "reason": {"研究"}, "review_on": {late}, "form_key": {"form-proposal-keep1"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("late keep: %d", r.Status)
	}
	mustContain(t, r.Body, "保留最长两个月")
	// Adopt without the tick: refused; with it: adopted.
	adopt := url.Values{"version": {v}, "department": {"包装设计部"}, "measures": {"新包装加提手"}, "effective_on": {"2027-03-01"}, "form_key": {"form-proposal-adopt1"}}
	r = sup.post(path+"/adopt", adopt)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请勾选确认") {
		t.Fatalf("adopt without confirmation: %d", r.Status)
	}
	adopt.Set("confirm", "1")
	adopt.Set("form_key", "form-proposal-adopt2")
	if r = sup.post(path+"/adopt", adopt); r.Status != http.StatusSeeOther {
		t.Fatalf("adopt: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, sup.get(path).Body, "提案已采用，请告知客户", "已采用")
	// The same decision on the old version: a conflict, said plainly.
	adopt.Set("form_key", "form-proposal-adopt3")
	r = sup.post(path+"/adopt", adopt)
	if r.Status != http.StatusConflict {
		t.Fatalf("stale adopt: %d", r.Status)
	}
	mustContain(t, r.Body, "已被他人处理")

	r = mgr.get("/")
	mustContain(t, r.Body, "提案待决定或待答复", "待决定 "+due+" 件", "待答复客户 "+plus1(toTell)+" 件", `href="/proposals?totell=1"`, `href="/proposals"`)
	r = mgr.get("/proposals?totell=1")
	mustContain(t, r.Body, "建议包装箱加装提手", "待告知客户", `name="station"`)

	r = hot.get(path)
	mustContain(t, r.Body, "已采用", "包装设计部", "2027-03-01", `id="proposal-tell"`)
	r = hot.post(path+"/tell", url.Values{"version": {version(t, r.Body)}, "via": {"sms"}, "note": {"已短信告知"}, "form_key": {"form-proposal-tell1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("tell: %d\n%s", r.Status, r.Body)
	}
	r = hot.get(path)
	mustContain(t, r.Body, "已记录告知客户", "短信", "已短信告知", "告知客户")
	if strings.Contains(r.Body, `id="proposal-tell"`) {
		t.Error("telling offered twice")
	}
	r = mgr.get("/")
	mustContain(t, r.Body, "待答复客户 "+toTell+" 件")

	// The customer's page lists the proposal.
	r = hot.get("/customers/" + custID)
	mustContain(t, r.Body, `id="customer-proposals"`, "建议包装箱加装提手", "已采用")
}

// TestProposalAwardLevelsPage: the manager adds a level; an amount outside 1 000–50 000
// 元 is refused; only managers open the tab.
func TestProposalAwardLevelsPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	mgr := a.client(t)
	mgr.signIn("manager")
	r := mgr.get("/settings/proposals")
	if r.Status != http.StatusOK {
		t.Fatalf("levels: %d", r.Status)
	}
	mustContain(t, r.Body, "提案奖励等级", "三等奖", "¥1,000.00", "特等奖", "¥50,000.00", `href="/settings/proposals"`)
	r = mgr.post("/settings/proposals", url.Values{"name": {"超级奖"}, "amount": {"60000"}, "form_key": {"form-level-0001"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "1,000 元至 50,000 元") {
		t.Fatalf("out of range: %d", r.Status)
	}
	r = mgr.post("/settings/proposals", url.Values{"name": {"鼓励奖"}, "amount": {"1500"}, "form_key": {"form-level-0002"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", r.Status, r.Body)
	}
	r = mgr.get("/settings/proposals")
	mustContain(t, r.Body, "鼓励奖", "¥1,500.00", "奖励等级已保存")
	sup := a.client(t)
	sup.signIn("supervisor")
	if r := sup.get("/settings/proposals"); r.Status != http.StatusForbidden {
		t.Errorf("supervisor opens award levels: %d", r.Status)
	}
}
