package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestLoadIfEmpty(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	svc := auth.NewService(pool, time.Now)
	loaded, err := demo.LoadIfEmpty(ctx, pool, svc, time.Now())
	if err != nil || !loaded {
		t.Fatalf("first load: %v %v", loaded, err)
	}
	counts := map[string]int{}
	for _, table := range []string{"stations", "users", "customers", "customer_phones", "units", "parts"} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	// The demo's report from a QR label made the customers' own account (inactive).
	if counts["stations"] != 4 || counts["users"] != len(demo.Usernames)+1 || counts["customers"] != 50 || counts["parts"] != 30 || counts["units"] < 50 || counts["customer_phones"] <= 50 {
		t.Errorf("counts %v", counts)
	}
	var roles int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT role) FROM users`).Scan(&roles); err != nil || roles != len(auth.Roles) {
		t.Errorf("%d distinct roles, want one user per role (%v)", roles, err)
	}
	var inWarranty, outOfWarranty int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE purchase_date + make_interval(months => warranty_months) >= current_date),
		count(*) FILTER (WHERE purchase_date + make_interval(months => warranty_months) < current_date) FROM units`).Scan(&inWarranty, &outOfWarranty); err != nil {
		t.Fatal(err)
	}
	if inWarranty == 0 || outOfWarranty == 0 {
		t.Errorf("units in warranty %d, out %d: the demo should show both", inWarranty, outOfWarranty)
	}
	for _, u := range []string{"admin", "manager", "supervisor", "hotline", "tech1", "tech2", "storekeeper"} {
		if _, err := svc.Authenticate(ctx, u, demo.Password, "127.0.0.1"); err != nil {
			t.Errorf("%s cannot sign in with the demo password: %v", u, err)
		}
	}
	var states []string
	rows, err := pool.Query(ctx, `SELECT DISTINCT state FROM work_orders ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		states = append(states, s)
	}
	rows.Close()
	if len(states) != len(wo.States) {
		t.Errorf("demo orders cover states %v, want all %d", states, len(wo.States))
	}
	// The features of the loop each show in the demo: every closed order went through the
	// survey, one receivable, two revisits (one from yesterday's contradicted callback),
	// one complex fault.
	var unsurveyed, receivables, revisits, complex int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM work_orders o WHERE o.state = 'closed' AND o.fees_state <> 'receivable'
			AND NOT EXISTS (SELECT 1 FROM callback_attempts a WHERE a.order_id = o.id AND a.outcome = 'reached' AND a.overall IS NOT NULL)),
		(SELECT count(*) FROM work_orders WHERE fees_state = 'receivable'),
		(SELECT count(*) FROM work_orders WHERE revisit_count > 0 AND state = 'awaiting_dispatch'),
		(SELECT count(*) FROM work_orders WHERE complexity = 'complex' AND agreed_completion_at IS NOT NULL)`).Scan(&unsurveyed, &receivables, &revisits, &complex); err != nil {
		t.Fatal(err)
	}
	if unsurveyed != 0 || receivables != 1 || revisits != 2 || complex != 1 {
		t.Errorf("closed without survey %d, receivables %d, revisits %d, complex faults %d", unsurveyed, receivables, revisits, complex)
	}
	// Every completed order has a field class, several different ones, and one was corrected.
	var unclassified, classes, corrected int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM work_orders WHERE completed_at IS NOT NULL AND field_class IS NULL),
		(SELECT count(DISTINCT field_class) FROM work_orders WHERE completed_at IS NOT NULL),
		(SELECT count(*) FROM work_order_events WHERE transition = 'reclassify')`).Scan(&unclassified, &classes, &corrected); err != nil {
		t.Fatal(err)
	}
	if unclassified != 0 || classes < 3 || corrected != 1 {
		t.Errorf("demo field classes: %d completed without one, %d distinct, %d corrections", unclassified, classes, corrected)
	}
	// Complaints in every state, one overdue, one an approved claim, one in Suzhou.
	var complaintStates, overdue, claims, suzhou int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(DISTINCT state) FROM complaints),
		(SELECT count(*) FROM complaints WHERE state IN ('assigned', 'handling') AND due_at < now()),
		(SELECT count(*) FROM complaints WHERE is_claim AND approved_fen IS NOT NULL),
		(SELECT count(*) FROM complaints c JOIN stations s ON s.id = c.station_id WHERE s.code = 'SZ')`).Scan(&complaintStates, &overdue, &claims, &suzhou); err != nil {
		t.Fatal(err)
	}
	if complaintStates < 6 || overdue != 1 || claims != 1 || suzhou != 1 {
		t.Errorf("demo complaints: %d states, %d overdue, %d approved claims, %d in Suzhou", complaintStates, overdue, claims, suzhou)
	}
	loaded, err = demo.LoadIfEmpty(ctx, pool, svc, time.Now())
	if err != nil || loaded {
		t.Fatalf("second load: %v %v (must leave a non-empty database alone)", loaded, err)
	}
}
