package server_test

import (
	"net/http"
	"net/url"
	"testing"
)

// A number that does not parse, in a list's filter or a form, is refused with a field
// message (422), never read as 0, and nothing is written.
func TestGarbledNumbersAreRefused(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	const invalid = "提交的内容有误。"
	count := func(sql string) (n int) {
		t.Helper()
		if err := a.Pool.QueryRow(t.Context(), sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Filters in the query string.
	m := a.client(t)
	m.signIn("manager")
	for _, path := range []string{"/callbacks?station=abc", "/complaints?station=abc", "/complaints?technician=1x"} {
		r := m.get(path)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", path, r.Status)
		}
		mustContain(t, r.Body, invalid)
	}

	// Page cursors.
	sk := a.client(t)
	sk.signIn("storekeeper")
	var partID string
	if err := a.Pool.QueryRow(t.Context(), `SELECT id::text FROM parts WHERE code = 'P-AF-001'`).Scan(&partID); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/parts/ledger/" + partID + "?before=x", "/parts/receipts?after=x"} {
		r := sk.get(path)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", path, r.Status)
		}
		mustContain(t, r.Body, invalid)
	}

	// A callback score that is not a number: the survey comes back, the order is as it was.
	hot := a.client(t)
	hot.signIn("hotline")
	var id, version string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.version::text FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.state = 'awaiting_callback' ORDER BY o.callback_due_at LIMIT 1`).Scan(&id, &version); err != nil {
		t.Fatal(err)
	}
	events := count(`SELECT count(*) FROM work_order_events WHERE order_id = ` + id)
	r := hot.post("/callbacks/"+id, url.Values{"version": {version}, "outcome": {"reached"}, "satisfied": {"1"},
		"attitude": {"x"}, "timeliness": {"5"}, "quality": {"5"}, "overall": {"5"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("score x: %d, want 422", r.Status)
	}
	mustContain(t, r.Body, invalid, `id="err-attitude"`)
	if n := count(`SELECT count(*) FROM work_order_events WHERE order_id = ` + id); n != events {
		t.Errorf("score x: %d events written", n-events)
	}

	// A complaint whose customer is not a number: the form comes back, nothing logged.
	complaints := count(`SELECT count(*) FROM complaints`)
	r = hot.post("/complaints", url.Values{"customer_id": {"abc"}, "channel": {"phone"}, "what_happened": {"漏油"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("customer abc: %d, want 422", r.Status)
	}
	mustContain(t, r.Body, invalid)
	if n := count(`SELECT count(*) FROM complaints`); n != complaints {
		t.Errorf("customer abc: %d complaints logged", n-complaints)
	}
	if r := hot.get("/complaints/new?customer=abc"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("complaint form for customer abc: %d, want 422", r.Status)
	}

	// A user whose station is not a number: the form comes back, no user is made.
	ad := a.client(t)
	ad.signIn("admin")
	r = ad.post("/admin/users", url.Values{"username": {"newtech"}, "display_name": {"新技师"}, "role": {"technician"},
		"station_id": {"abc"}, "password": {"correct-horse-battery-staple"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("station abc: %d, want 422", r.Status)
	}
	mustContain(t, r.Body, invalid, `id="err-station_id"`)
	if n := count(`SELECT count(*) FROM users WHERE username = 'newtech'`); n != 0 {
		t.Error("a user was made with station abc")
	}
}
