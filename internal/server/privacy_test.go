package server_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/xlsxmark"
	"github.com/xuri/excelize/v2"
)

// accessCount counts the access log's entries of kind for record (0: any record) by user.
func accessCount(t *testing.T, a *app, user, kind string, record int64) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM access_log l JOIN users u ON u.id = l.actor_id
		WHERE u.username = $1 AND l.kind = $2 AND ($3 = 0 OR l.record_id = $3)`, user, kind, record).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The access log records each kind of access once per request — a customer's page, an
// order page (a technician's job page too), an attachment, an export — with the route,
// the address and the record's station, and refuses to be changed.
func TestAccessLogRecordsEachKind(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	var customerID, orderID, attachmentID, station int64
	if err := a.Pool.QueryRow(ctx, `SELECT a.id, o.id, o.customer_id, o.station_id FROM attachments a JOIN work_orders o ON o.id = a.order_id
		JOIN users u ON u.id = o.assignee_id WHERE u.username = 'tech1' ORDER BY a.id LIMIT 1`).Scan(&attachmentID, &orderID, &customerID, &station); err != nil {
		t.Fatalf("a demo photo of tech1's: %v", err)
	}
	h := a.client(t)
	h.signIn("hotline")
	if r := h.get("/customers/" + strconv.FormatInt(customerID, 10)); r.Status != http.StatusOK {
		t.Fatalf("customer page: %d", r.Status)
	}
	if n := accessCount(t, a, "hotline", "customer", customerID); n != 1 {
		t.Errorf("customer page: %d entries, want 1", n)
	}
	// A unit's page shows its customer's record: logged as the customer.
	var unitID int64
	if err := a.Pool.QueryRow(ctx, `SELECT min(id) FROM units WHERE customer_id = $1`, customerID).Scan(&unitID); err != nil {
		t.Fatal(err)
	}
	if r := h.get("/units/" + strconv.FormatInt(unitID, 10)); r.Status != http.StatusOK {
		t.Fatalf("unit page: %d", r.Status)
	}
	if n := accessCount(t, a, "hotline", "customer", customerID); n != 2 {
		t.Errorf("customer and unit pages: %d entries, want 2", n)
	}
	tech := a.client(t)
	tech.signIn("tech1")
	path := "/orders/" + strconv.FormatInt(orderID, 10)
	if r := tech.get(path); r.Status != http.StatusOK {
		t.Fatalf("job page: %d", r.Status)
	}
	if n := accessCount(t, a, "tech1", "order", orderID); n != 1 {
		t.Errorf("job page: %d entries, want 1", n)
	}
	if r := tech.get("/attachments/" + strconv.FormatInt(attachmentID, 10)); r.Status != http.StatusOK {
		t.Fatalf("attachment: %d", r.Status)
	}
	if r := tech.get("/attachments/" + strconv.FormatInt(attachmentID, 10) + "/thumb"); r.Status != http.StatusOK {
		t.Fatalf("thumbnail: %d", r.Status)
	}
	if n := accessCount(t, a, "tech1", "attachment", attachmentID); n != 1 {
		t.Errorf("attachment and its thumbnail: %d entries, want 1 (the thumbnail is part of the order page)", n)
	}
	// Another technician's job: refused, nothing logged.
	other := a.client(t)
	other.signIn("tech2")
	if r := other.get(path); r.Status != http.StatusNotFound {
		t.Errorf("tech2 on tech1's job: %d", r.Status)
	}
	if n := accessCount(t, a, "tech2", "order", orderID); n != 0 {
		t.Errorf("a refused page was logged: %d", n)
	}
	m := a.client(t)
	m.signIn("manager")
	if r := m.get("/orders.xlsx"); r.Status != http.StatusOK {
		t.Fatalf("orders export: %d", r.Status)
	}
	if n := accessCount(t, a, "manager", "export", 0); n != 1 {
		t.Errorf("orders export: %d entries, want 1", n)
	}
	var route, remote string
	var st int64
	if err := a.Pool.QueryRow(ctx, `SELECT l.route, l.remote, l.station_id FROM access_log l JOIN users u ON u.id = l.actor_id
		WHERE u.username = 'tech1' AND l.kind = 'order'`).Scan(&route, &remote, &st); err != nil {
		t.Fatal(err)
	}
	if route != path || remote == "" || st != station {
		t.Errorf("entry: route %q remote %q station %d, want %q, an address, %d", route, remote, st, path, station)
	}
	for _, sql := range []string{`UPDATE access_log SET route = 'x'`, `DELETE FROM access_log`, `TRUNCATE access_log`} {
		if _, err := a.Pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", sql, err)
		}
	}
}

// A manager sees the entries of their subtree's records, an outlet manager only their
// outlet's, an admin all; others may not open the log.
func TestAccessLogVisibility(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	var shOrder, szOrder int64
	if err := a.Pool.QueryRow(ctx, `SELECT (SELECT min(o.id) FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SH'),
		(SELECT min(o.id) FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SZ')`).Scan(&shOrder, &szOrder); err != nil {
		t.Fatal(err)
	}
	h := a.client(t)
	h.signIn("supervisor")
	h.get("/orders/" + strconv.FormatInt(shOrder, 10))
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	sz.get("/orders/" + strconv.FormatInt(szOrder, 10))
	admin := a.client(t)
	admin.signIn("admin")
	if r := admin.get("/access-log"); r.Status != http.StatusOK {
		t.Fatalf("admin: %d", r.Status)
	}
	shRow := `<a href="/orders/` + strconv.FormatInt(shOrder, 10) + `">`
	szRow := `<a href="/orders/` + strconv.FormatInt(szOrder, 10) + `">`
	mustContain(t, admin.get("/access-log").Body, shRow, szRow, "李志强", "周斌")
	// The centre's manager sees both outlets; Suzhou's manager only Suzhou.
	m := a.client(t)
	m.signIn("manager")
	mustContain(t, m.get("/access-log").Body, shRow, szRow)
	// The admin's own views (the access log is not an entry) are at headquarters.
	zm := a.client(t)
	zm.signIn("sz.manager")
	body := zm.get("/access-log").Body
	mustContain(t, body, szRow)
	if strings.Contains(body, shRow) {
		t.Error("Suzhou's manager sees a Shanghai order's entry")
	}
	// Filters: person, kind, record.
	var supID int64
	_ = a.Pool.QueryRow(ctx, `SELECT id FROM users WHERE username = 'supervisor'`).Scan(&supID)
	body = m.get("/access-log?person=" + strconv.FormatInt(supID, 10) + "&kind=order").Body
	if !strings.Contains(body, shRow) || strings.Contains(body, szRow) {
		t.Error("the person filter does not keep to the supervisor's entries")
	}
	body = m.get("/access-log?record=" + strconv.FormatInt(szOrder, 10)).Body
	if strings.Contains(body, shRow) || !strings.Contains(body, szRow) {
		t.Error("the record filter does not keep to the record")
	}
	if r := m.get("/access-log?kind=customer"); strings.Contains(r.Body, shRow) {
		t.Error("the kind filter shows orders under customers")
	}
	if r := m.get("/access-log?from=2026-13-01"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad date: %d, want 422", r.Status)
	}
	for _, user := range []string{"supervisor", "hotline", "tech1", "storekeeper"} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/access-log"); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", user, r.Status)
		}
	}
	mustContain(t, m.get("/").Body, `href="/access-log"`)
	mustContain(t, admin.get("/").Body, `href="/access-log"`)
}

// A technician sees the customer's number and address while the job is open; once the
// job closes, the same pages show them masked and offer no number to dial.
func TestTechnicianSeesContactMaskedAfterTheJobCloses(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	var id, customerID int64
	var version int
	var phone, address, user string
	if err := a.Pool.QueryRow(ctx, `SELECT o.id, o.version, o.customer_id, o.contact_phone, o.address, u.username FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.role = 'technician' AND o.state = 'awaiting_callback' AND o.fees_state IN ('none', 'settled') AND o.contact_phone <> '' AND o.address <> ''
		AND NOT EXISTS (SELECT 1 FROM work_orders x WHERE x.customer_id = o.customer_id AND x.assignee_id = o.assignee_id AND x.id <> o.id
			AND x.state NOT IN ('closed', 'cancelled'))
		ORDER BY o.id LIMIT 1`).Scan(&id, &version, &customerID, &phone, &address, &user); err != nil {
		t.Fatalf("a demo job awaiting the callback: %v", err)
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	masked := digits[:3] + "****" + digits[len(digits)-4:]
	tech := a.client(t)
	tech.signIn(user)
	path := "/orders/" + strconv.FormatInt(id, 10)
	r := tech.get(path)
	mustContain(t, r.Body, `href="tel:`, address)
	if strings.Contains(r.Body, masked) {
		t.Error("an open job's number is masked")
	}
	h := a.client(t)
	h.signIn("hotline")
	if r := h.post("/callbacks/"+strconv.FormatInt(id, 10), url.Values{"version": {strconv.Itoa(version)}, "outcome": {"reached"},
		"attitude": {"5"}, "timeliness": {"5"}, "quality": {"5"}, "overall": {"5"}, "satisfied": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("callback: %d", r.Status)
	}
	var state string
	_ = a.Pool.QueryRow(ctx, `SELECT state FROM work_orders WHERE id = $1`, id).Scan(&state)
	if state != "closed" {
		t.Fatalf("the job is %s, want closed", state)
	}
	for _, p := range []string{path, path + "/report", "/jobs?tab=done"} {
		body := tech.get(p).Body
		if strings.Contains(body, address) || strings.Contains(body, digits[3:7]) && strings.Contains(body, "tel:+86"+digits) {
			t.Errorf("%s still shows the customer's number or address", p)
		}
		if p != "/jobs?tab=done" {
			mustContain(t, body, masked)
		}
	}
	if strings.Contains(tech.get(path).Body, `href="tel:`) {
		t.Error("a closed job offers the number to dial")
	}
	// The office still sees it in full.
	mustContain(t, h.get(path).Body, address)
}

// A workbook names who exported it and when: document properties and a footer line.
func TestExportsCarryWhoAndWhen(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	m := a.client(t)
	m.signIn("manager")
	for _, path := range []string{"/orders.xlsx", "/reports.xlsx", "/parts/catalog.xlsx", "/parts/plan.xlsx", "/reconciliation.xlsx", "/customers/export.xlsx"} {
		r := m.get(path)
		if r.Status != http.StatusOK {
			t.Errorf("%s: %d", path, r.Status)
			continue
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		footer, props, err := xlsxmark.Read(f, f.GetSheetList()[0])
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !strings.HasPrefix(footer, "导出人：王建国 · ") || !strings.HasSuffix(footer, "(Asia/Shanghai)") {
			t.Errorf("%s footer %q", path, footer)
		}
		if props.Creator != "王建国" || props.Description != footer || props.Created == "" {
			t.Errorf("%s properties %+v", path, props)
		}
	}
	if n := accessCount(t, a, "manager", "export", 0); n != 6 {
		t.Errorf("%d exports logged, want 6", n)
	}
}
