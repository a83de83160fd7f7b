package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/aftersales/aftersales/internal/workorder"
)

var labelLink = regexp.MustCompile(`/u/([A-Za-z0-9_-]{43})`)
var progressLink = regexp.MustCompile(`/p/([A-Za-z0-9_-]{43})`)

// freeUnit is a demo unit of the hotline's station without an open order, with its
// customer's address.
func freeUnit(t *testing.T, a *app) (id int64, address string) {
	t.Helper()
	err := a.Pool.QueryRow(t.Context(), `SELECT u.id, coalesce(nullif(u.install_address, ''), (SELECT address FROM customer_addresses ca WHERE ca.customer_id = c.id ORDER BY ca.id LIMIT 1), '')
		FROM units u JOIN customers c ON c.id = u.customer_id
		WHERE c.station_id = (SELECT station_id FROM users WHERE username = 'hotline')
		AND NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.unit_id = u.id AND `+workflow.OpenSQL("o")+`) ORDER BY u.id LIMIT 1`).Scan(&id, &address)
	if err != nil {
		t.Fatal(err)
	}
	return id, address
}

// labelToken prints the unit's label as the hotline and reads its link's token.
func labelToken(t *testing.T, a *app, unitID int64) string {
	t.Helper()
	hot := a.client(t)
	hot.signIn("hotline")
	r := hot.get("/labels?unit=" + strconv.FormatInt(unitID, 10))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `<svg`) {
		t.Fatalf("label sheet: %d\n%s", r.Status, r.Body)
	}
	m := labelLink.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no label link on the sheet")
	}
	return m[1]
}

func TestSelfReportAndProgressPageShowNothingPersonal(t *testing.T) {
	a := newApp(t)
	unitID, address := freeUnit(t, a)
	token := labelToken(t, a, unitID)
	cust := a.client(t)
	page := cust.get("/u/" + token)
	if page.Status != http.StatusOK {
		t.Fatalf("label page: %d", page.Status)
	}
	mustContain(t, page.Body, `id="report-form"`, `enctype="multipart/form-data"`, `name="form_key"`, `id="unit-warranty"`)
	if address != "" && strings.Contains(page.Body, address) {
		t.Error("the label page shows the customer's address")
	}
	if page.Header.Get("Content-Security-Policy") == "" || page.Header.Get("X-Frame-Options") != "DENY" {
		t.Error("no security headers on the public page")
	}

	// A photo that is not an image is refused and nothing is written.
	var before int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_orders`).Scan(&before)
	form := url.Values{"symptom": {"空压机异响，压力上不去"}, "name": {"钱先生"}, "phone": {"139 8765 4321"}, "preferred": {"周六上午"}, "form_key": {"public-form-key-1"}}
	bad := cust.postFiles("/u/"+token, form, map[string][]byte{"fault.jpg": []byte("this is not a picture")})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="err-photos"`) {
		t.Fatalf("non-image: %d", bad.Status)
	}
	var after int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_orders`).Scan(&after)
	if after != before {
		t.Fatal("a refused report wrote an order")
	}

	// A cross-site post is refused by the cross-origin protection.
	if r := cust.post("/u/"+token+"/note", url.Values{"note": {"x"}}, "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", r.Status)
	}

	ok := cust.postFiles("/u/"+token, form, nil)
	if ok.Status != http.StatusSeeOther || !strings.HasPrefix(ok.Location, "/p/") {
		t.Fatalf("report: %d %s\n%s", ok.Status, ok.Location, ok.Body)
	}
	again := cust.postFiles("/u/"+token, form, nil)
	if again.Status != http.StatusSeeOther || progressLink.FindString(again.Location) == "" {
		t.Fatalf("double submit: %d %s", again.Status, again.Location)
	}
	var qr int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_orders WHERE unit_id = $1 AND channel = 'qr' AND state = 'received'`, unitID).Scan(&qr)
	if qr != 1 {
		t.Fatalf("%d orders after a double submit", qr)
	}
	var orderID int64
	var number string
	if err := a.Pool.QueryRow(t.Context(), `SELECT id, number FROM work_orders WHERE unit_id = $1 AND channel = 'qr' AND state = 'received'`, unitID).Scan(&orderID, &number); err != nil {
		t.Fatalf("one qr order: %v", err)
	}
	// The hotline notes something internal; the progress page must not show it.
	orders := workorder.NewService(a.Pool, time.Now, testkit.Shanghai)
	if _, err := orders.AddNote(t.Context(), testkit.Actor(t, a.Pool, "hotline"), orderID, "内部：客户欠款未结清", "note-key-internal"); err != nil {
		t.Fatal(err)
	}
	hot := a.client(t)
	hot.signIn("hotline")
	prog := cust.get(ok.Location)
	if prog.Status != http.StatusOK {
		t.Fatalf("progress: %d", prog.Status)
	}
	mustContain(t, prog.Body, number, `data-step="received"`, `data-done="true"`)
	for _, secret := range []string{"13987654321", "8765 4321", "8765", "内部：客户欠款未结清", "钱先生"} {
		if strings.Contains(prog.Body, secret) {
			t.Errorf("the progress page shows %q", secret)
		}
	}
	if address != "" && strings.Contains(prog.Body, address) {
		t.Error("the progress page shows the address")
	}
	// The unit's page now shows the open order instead of a second form.
	mustContain(t, cust.get("/u/"+token).Body, `id="open-order"`, number)

	// The hotline's progress-link page, and resending.
	link := hot.get("/orders/" + strconv.FormatInt(orderID, 10) + "/progress-link")
	if link.Status != http.StatusOK || progressLink.FindString(link.Body) == "" {
		t.Fatalf("progress-link page: %d", link.Status)
	}
	m := regexp.MustCompile(`name="form_key" value="([^"]+)"`).FindStringSubmatch(link.Body)
	if r := hot.post("/orders/"+strconv.FormatInt(orderID, 10)+"/progress-link", url.Values{"form_key": {m[1]}}); r.Status != http.StatusSeeOther {
		t.Fatalf("resend: %d", r.Status)
	}
	var msgs int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE order_id = $1 AND kind = 'progress_link'`, orderID).Scan(&msgs)
	if msgs != 1 {
		t.Fatalf("%d progress-link messages", msgs)
	}
}

func TestBadLinksShowAPlainPage(t *testing.T) {
	a := newApp(t)
	unitID, _ := freeUnit(t, a)
	token := labelToken(t, a, unitID)
	cust := a.client(t)
	for _, path := range []string{"/u/not-a-token", "/u/" + token[:40] + "AAA", "/p/" + token, "/p/garbage"} {
		r := cust.get(path)
		if r.Status != http.StatusNotFound || !strings.Contains(r.Body, `id="link-problem"`) || strings.Contains(r.Body, "error.") {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
	hot := a.client(t)
	hot.signIn("hotline")
	unit := hot.get("/units/" + strconv.FormatInt(unitID, 10))
	m := regexp.MustCompile(`name="form_key" value="([^"]+)"`).FindStringSubmatch(unit.Body)
	if m == nil || !strings.Contains(unit.Body, `id="revoke-label"`) {
		t.Fatal("no revoke form on the unit page")
	}
	if r := hot.post("/units/"+strconv.FormatInt(unitID, 10)+"/label/revoke", url.Values{"form_key": {m[1]}}); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	r := cust.get("/u/" + token)
	var phone string
	_ = a.Pool.QueryRow(t.Context(), `SELECT service_phone FROM stations s JOIN users u ON u.station_id = s.id WHERE u.username = 'hotline'`).Scan(&phone)
	if r.Status != http.StatusNotFound || phone == "" || !strings.Contains(r.Body, phone) {
		t.Fatalf("revoked label: %d, phone %q", r.Status, phone)
	}
}

func TestLabelsAndOutboxRoles(t *testing.T) {
	a := newApp(t)
	unitID, _ := freeUnit(t, a)
	tech := a.client(t)
	tech.signIn("tech1")
	if r := tech.get("/labels?unit=" + strconv.FormatInt(unitID, 10)); r.Status != http.StatusForbidden {
		t.Errorf("technician labels: %d", r.Status)
	}
	if r := tech.get("/outbox"); r.Status != http.StatusForbidden {
		t.Errorf("technician outbox: %d", r.Status)
	}
	mgr := a.client(t)
	mgr.signIn("manager")
	if r := mgr.get("/outbox"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="outbox-counts"`) {
		t.Errorf("manager outbox: %d", r.Status)
	}
	// The demo has one message that failed at the gateway: the manager's home counts it.
	mustContain(t, mgr.get("/").Body, `href="/outbox"`, `id="home-outbox"`)
	hot := a.client(t)
	hot.signIn("hotline")
	if r := hot.get("/labels?unit=abc"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad unit id: %d", r.Status)
	}
}
