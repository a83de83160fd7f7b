package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/bench"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5/pgxpool"
)

// countingApp is the app on the demo data with every request's SQL statements counted
// (the bench mode's tracer), by the scenario its client names.
func countingApp(t *testing.T) (*app, *bench.Stats) {
	t.Helper()
	demo := testkit.DemoDB(t)
	pool, err := db.Open(context.Background(), demo.Config().ConnString(), func(c *pgxpool.Config) { c.ConnConfig.Tracer = bench.Tracer{} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	stats := bench.NewStats()
	return newAppOn(t, pool, stats.Count), stats
}

// statements sends one request labelled scenario and returns its response and how many
// SQL statements it ran (the session's and the signed-in user's included).
func statements(t *testing.T, stats *bench.Stats, c *client, scenario, method, path string, form url.Values) (response, int64) {
	t.Helper()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(bench.ScenarioHeader, scenario)
	defer c.Header.Del(bench.ScenarioHeader)
	var r response
	if method == http.MethodGet {
		r = c.get(path)
	} else {
		r = c.post(path, form)
	}
	tot := stats.Snapshot()[scenario]
	if tot.Requests != 1 {
		t.Fatalf("%s: %d requests counted", scenario, tot.Requests)
	}
	return r, tot.Statements
}

// The order page is one statement beside the session's and the signed-in user's, for the
// office and for the technician, whatever the order holds (parts, faults, a checklist).
func TestOrderPageStatements(t *testing.T) {
	t.Parallel()
	a, stats := countingApp(t)
	sup := a.client(t)
	sup.signIn("supervisor")
	for _, state := range []string{"in_progress", "closed", "received"} {
		id, _ := demoOrder(t, a, state)
		r, n := statements(t, stats, sup, "order "+state, http.MethodGet, "/orders/"+id, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("order page (%s): %d", state, r.Status)
		}
		if n > 3 {
			t.Errorf("order page (%s): %d statements, want at most 3 (session, user, page)", state, n)
		}
	}
	var jobID int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.state = 'in_progress' ORDER BY o.id LIMIT 1`).Scan(&jobID); err == nil {
		tech := a.client(t)
		tech.signIn("tech1")
		r, n := statements(t, stats, tech, "job page", http.MethodGet, "/orders/"+strconv.FormatInt(jobID, 10), nil)
		if r.Status != http.StatusOK || n > 3 {
			t.Errorf("the technician's job page: %d, %d statements, want at most 3", r.Status, n)
		}
	}
}

// rescheduleStatements and intakeStatements are the most SQL statements a reschedule and
// an intake may run, the session's read and write and the signed-in user's read
// included. A reschedule: session, user, BEGIN, the order locked, the station's settings
// with its calendar, one statement for the row, its event, the customer's message and the
// NOTIFY, COMMIT, the session's flash. An intake for an existing customer: session, user,
// BEGIN, the customer held (with its phones and address, the order of the form's key if
// it was sent before, and its station's settings with the calendar), the unit locked
// (with its latest repair), its open orders, the day's number, one statement for the
// order, its event, the customer's message and the NOTIFY, COMMIT, the session's flash.
const rescheduleStatements, intakeStatements = 8, 10

// boardStatements is the most SQL statements the board runs by view (see
// TestBoardStatements): session, user, the cards and the technicians in one batch, and
// the missing daily reports of yesterday and today in one statement; the technician view
// also reads the day's approved plans.
var boardStatements = map[string]int64{"state": 5, "tech": 6}

// The write path's statements: a reschedule and an intake, each with every check it makes
// (station, assignment, version, replay, event row, NOTIFY) and the session's and the
// signed-in user's reads.
func TestWriteStatements(t *testing.T) {
	t.Parallel()
	a, stats := countingApp(t)
	const maxReschedule, maxIntake = rescheduleStatements, intakeStatements

	// Reschedule: the assigned technician moves an agreed appointment.
	var id int64
	var version int
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id, o.version FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.state = 'scheduled' ORDER BY o.id LIMIT 1`).Scan(&id, &version); err != nil {
		t.Fatalf("no scheduled order of tech1: %v", err)
	}
	tech := a.client(t)
	tech.signIn("tech1")
	from := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	r, n := statements(t, stats, tech, "reschedule", http.MethodPost, "/orders/"+strconv.FormatInt(id, 10)+"/reschedule", url.Values{
		"version": {strconv.Itoa(version)}, "start": {from.Format("2006-01-02T15:04")}, "end": {from.Add(2 * time.Hour).Format("2006-01-02T15:04")},
		"reason": {"客户临时有事，改约时间"},
	})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("reschedule: %d %.300s", r.Status, r.Body)
	}
	t.Logf("reschedule: %d statements", n)
	if n > maxReschedule {
		t.Errorf("reschedule ran %d statements, want at most %d", n, maxReschedule)
	}

	// Intake: the hotline logs a call for an existing customer and a unit without open orders.
	var customerID, unitID int64
	var phone string
	if err := a.Pool.QueryRow(t.Context(), `SELECT u.customer_id, u.id, coalesce((SELECT p.raw FROM customer_phones p WHERE p.customer_id = u.customer_id ORDER BY p.position LIMIT 1), '')
		FROM units u JOIN customers c ON c.id = u.customer_id JOIN stations s ON s.id = c.station_id
		WHERE s.code = 'SH' AND NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.unit_id = u.id AND o.state NOT IN ('closed', 'cancelled'))
		ORDER BY u.id LIMIT 1`).Scan(&customerID, &unitID, &phone); err != nil {
		t.Fatalf("no unit for an intake: %v", err)
	}
	hot := a.client(t)
	hot.signIn("hotline")
	r, n = statements(t, stats, hot, "intake", http.MethodPost, "/intake", url.Values{
		"key": {"statements-test-intake-1"}, "phone": {phone},
		"customer_id": {strconv.FormatInt(customerID, 10)}, "unit_id": {strconv.FormatInt(unitID, 10)},
		"symptom": {"开机后压力上不去，排气温度高"}, "request": {"尽快上门"},
		"urgency": {"normal"}, "service_type": {"repair"}, "channel": {"phone"},
	})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("intake: %d %.300s", r.Status, r.Body)
	}
	t.Logf("intake: %d statements", n)
	if n > maxIntake {
		t.Errorf("intake ran %d statements, want at most %d", n, maxIntake)
	}
}

// The board: the session's and the signed-in user's reads, the cards and the technicians
// (one batch), and the missing daily reports of yesterday and today (a list each, and
// each station's rules once for both). Lower it as those get lighter.
func TestBoardStatements(t *testing.T) {
	t.Parallel()
	a, stats := countingApp(t)
	sup := a.client(t)
	sup.signIn("supervisor")
	for _, view := range []string{"state", "tech"} {
		r, n := statements(t, stats, sup, "board "+view, http.MethodGet, "/board?view="+view, nil)
		t.Logf("board (%s): %d statements", view, n)
		if r.Status != http.StatusOK || n > boardStatements[view] {
			t.Errorf("board (%s): %d, %d statements, want at most %d", view, r.Status, n, boardStatements[view])
		}
	}
}
