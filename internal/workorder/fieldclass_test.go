package workorder_test

import (
	"github.com/aftersales/aftersales/internal/report"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// storedClass is what the database holds as o's field class ("" for none).
func (f *fixture) storedClass(id int64) string {
	f.t.Helper()
	var c *string
	if err := f.pool.QueryRow(f.ctx, `SELECT field_class FROM work_orders WHERE id = $1`, id).Scan(&c); err != nil {
		f.t.Fatal(err)
	}
	if c == nil {
		return ""
	}
	return *c
}

func TestCompleteRequiresAFieldClass(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech := f.actor("tech1")
	o := f.orderIn(wo.InProgress, false)
	events := f.events(o.ID)
	report := wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", TestRun: "done", Signature: demo.Signature(), Photos: [][]byte{jpegBytes(t, 40, 30)}}
	for _, class := range []string{"", "warranty", "PAID"} {
		r := report
		r.FieldClass = class
		got := fieldsOf(t, func() error { _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, r); return err }())
		if got["field_class"] != "workorder.field.field_class_required" || len(got) != 1 {
			t.Errorf("class %q: fields %v", class, got)
		}
	}
	var files int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM attachments WHERE order_id = $1`, o.ID).Scan(&files)
	after := f.must(f.svc.OrderByID(f.ctx, tech, o.ID))
	if after.Version != o.Version || after.State != wo.InProgress || after.CompletedAt != nil || f.events(o.ID) != events || files != 0 || f.storedClass(o.ID) != "" {
		t.Fatalf("a refused report wrote: version %d→%d, state %s, %d→%d events, %d files, class %q",
			o.Version, after.Version, after.State, events, f.events(o.ID), files, f.storedClass(o.ID))
	}
	report.FieldClass = "misuse"
	done := f.must(f.svc.Complete(f.ctx, tech, o.ID, o.Version, report))
	if done.FieldClass == nil || *done.FieldClass != "misuse" || f.storedClass(o.ID) != "misuse" {
		t.Fatalf("completed with class %v", done.FieldClass)
	}
	var logged string
	if err := f.pool.QueryRow(f.ctx, `SELECT data->>'field_class' FROM work_order_events WHERE order_id = $1 AND transition = 'complete'`, o.ID).Scan(&logged); err != nil || logged != "misuse" {
		t.Errorf("complete event's class %q (%v)", logged, err)
	}
}

func TestReclassify(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sup := f.actor("supervisor")
	o := f.orderIn(wo.AwaitingCallback, false)
	if f.storedClass(o.ID) != "after_sales" {
		t.Fatalf("the route completes as after_sales, got %q", f.storedClass(o.ID))
	}
	unchanged := func(name string, before wo.Order, n int) {
		t.Helper()
		after := f.must(f.svc.OrderByID(f.ctx, sup, before.ID))
		if after.Version != before.Version || f.events(before.ID) != n || f.storedClass(before.ID) != deref(before.FieldClass) {
			t.Errorf("%s changed the order: version %d→%d, events %d→%d, class %q", name, before.Version, after.Version, n, f.events(before.ID), f.storedClass(before.ID))
		}
	}
	n := f.events(o.ID)

	for _, who := range []string{"tech1", "hotline", "storekeeper"} {
		_, err := f.svc.Reclassify(f.ctx, f.actor(who), o.ID, o.Version, "paid", "")
		if c := apperr.CodeOf(err); c != apperr.Forbidden && !(who == "storekeeper" && c == apperr.NotFound) {
			t.Errorf("%s reclassifies: %v, want Forbidden", who, err)
		}
		unchanged(who, o, n)
	}
	for class, want := range map[string]string{"": "workorder.field.field_class_required", "other": "workorder.field.field_class_required",
		"after_sales": "workorder.field.field_class_same"} {
		got := fieldsOf(t, func() error { _, err := f.svc.Reclassify(f.ctx, sup, o.ID, o.Version, class, ""); return err }())
		if got["field_class"] != want {
			t.Errorf("class %q: %v, want %s", class, got, want)
		}
		unchanged("class "+class, o, n)
	}
	if _, err := f.svc.Reclassify(f.ctx, sup, o.ID, o.Version-1, "paid", ""); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("stale version: %v, want Conflict", err)
	}
	unchanged("stale version", o, n)

	f.clock.Advance(time.Hour)
	got := f.must(f.svc.Reclassify(f.ctx, sup, o.ID, o.Version, "paid", "  客户已付上门费  "))
	if got.FieldClass == nil || *got.FieldClass != "paid" || got.State != wo.AwaitingCallback || got.Version != o.Version+1 || f.events(o.ID) != n+1 {
		t.Fatalf("after the correction: class %v, state %s, version %d, %d events", got.FieldClass, got.State, got.Version, f.events(o.ID)-n)
	}
	var (
		from, to, note, transition string
		fromState, toState         wo.State
		actorID                    int64
		at                         time.Time
	)
	if err := f.pool.QueryRow(f.ctx, `SELECT transition, from_state, to_state, actor_id, at, note, data->>'from', data->>'to'
		FROM work_order_events WHERE order_id = $1 ORDER BY id DESC LIMIT 1`, o.ID).Scan(&transition, &fromState, &toState, &actorID, &at, &note, &from, &to); err != nil {
		t.Fatal(err)
	}
	if transition != "reclassify" || fromState != wo.AwaitingCallback || toState != wo.AwaitingCallback || actorID != sup.UserID ||
		!at.Equal(f.clock.Now()) || note != "客户已付上门费" || from != "after_sales" || to != "paid" {
		t.Errorf("event %s %s→%s by %d at %v note %q: %s → %s", transition, fromState, toState, actorID, at, note, from, to)
	}
	// The same form again (a retry) changes nothing more.
	if _, err := f.svc.Reclassify(f.ctx, sup, o.ID, o.Version, "paid", "  客户已付上门费  "); err != nil || f.events(o.ID) != n+1 {
		t.Errorf("retry: %v, %d events", err, f.events(o.ID)-n)
	}
	// A manager corrects a closed order's class.
	c := f.orderIn(wo.Closed, false)
	if got := f.must(f.svc.Reclassify(f.ctx, f.actor("manager"), c.ID, c.Version, "retrofit", "")); deref(got.FieldClass) != "retrofit" {
		t.Errorf("manager on a closed order: %v", got.FieldClass)
	}
	// Not before the job is completed.
	p := f.orderIn(wo.InProgress, false)
	if _, err := f.svc.Reclassify(f.ctx, sup, p.ID, p.Version, "paid", ""); apperr.CodeOf(err) != apperr.IllegalTransition {
		t.Errorf("in progress: %v, want IllegalTransition", err)
	}
}

// TestReclassifyIsOfferedExactlyWhenAccepted: for every state × role, the order page offers
// the correction exactly when the service accepts it.
func TestReclassifyIsOfferedExactlyWhenAccepted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, s := range wo.States {
		o := f.orderIn(s, false)
		for _, r := range wo.Roles {
			o = f.must(f.svc.OrderByID(f.ctx, f.actor("supervisor"), o.ID))
			actor := f.actor(matrixUser[r])
			p, err := f.svc.Page(f.ctx, actor, o.ID)
			offered := err == nil && slices.Contains(p.Actions, "reclassify")
			class := "paid"
			if deref(o.FieldClass) == class {
				class = "misuse"
			}
			_, err = f.svc.Reclassify(f.ctx, actor, o.ID, o.Version, class, "")
			accepted := err == nil
			want := (s == wo.AwaitingCallback || s == wo.Closed) && (r == wo.RoleSupervisor || r == wo.RoleManager)
			if offered != accepted || accepted != want {
				t.Errorf("%s as %s: offered %v, accepted %v (%v), want %v", s, r, offered, accepted, err, want)
			}
		}
	}
}

// TestFieldClassCounts: the report's yearly breakdown counts the orders completed in
// the period by class, as corrected since, unclassified ones apart, per station seen.
func TestFieldClassCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := f.clock.Now()
	complete := func(route testkit.Route, class string) wo.Order {
		t.Helper()
		o := testkit.OrderIn(t, f.svc, route, wo.InProgress, false)
		return f.must(f.svc.Complete(f.ctx, route.Technician, o.ID, o.Version, wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a",
			FieldClass: class, TestRun: "done", NoSignatureReason: "客户不在"}))
	}
	sh := testkit.DemoRoute(f.users, f.call(), f.clock.Now)
	sh2 := sh
	sh2.Technician = f.actor("tech2")
	var szCustomer int64
	if err := f.pool.QueryRow(f.ctx, `SELECT c.id FROM customers c JOIN stations s ON s.id = c.station_id WHERE s.code = 'SZ' ORDER BY c.id LIMIT 1`).Scan(&szCustomer); err != nil {
		t.Fatal(err)
	}
	sz := testkit.Route{Call: wo.NewOrder{CustomerID: szCustomer, Channel: "phone", Symptom: "漏气", Urgency: "normal", ServiceType: "repair"},
		Hotline: f.actor("sz.hotline"), Supervisor: f.actor("sz.supervisor"), Technician: f.actor("sz.tech"), Now: f.clock.Now}

	// Before the period: not counted.
	complete(sh, "paid")
	f.clock.Advance(24 * time.Hour)
	from := f.clock.Now()
	complete(sh, "paid")
	complete(sh, "paid")
	complete(sh2, "misuse")
	complete(sz, "retrofit")
	old := complete(sh, "after_sales")
	// An order completed before classes existed has none.
	if _, err := f.pool.Exec(f.ctx, `UPDATE work_orders SET field_class = NULL WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	// Corrected later: counted by its class now.
	fixed := complete(sh, "after_sales")
	f.must(f.svc.Reclassify(f.ctx, f.actor("supervisor"), fixed.ID, fixed.Version, "part_within_year", ""))
	// Open, never completed: not counted.
	testkit.OrderIn(t, f.svc, sh, wo.InProgress, false)
	f.clock.Advance(24 * time.Hour)
	to := f.clock.Now()
	// After the period: not counted.
	complete(sh, "misuse")

	// The report's breakdown (its daily roll-up) counts the day of from.
	reports := report.NewService(f.pool, f.clock.Now, testkit.Shanghai)
	breakdown := func(who string, day time.Time) map[string]int {
		t.Helper()
		p, err := reports.Report(f.ctx, f.actor(who), report.Query{Period: report.RangeOf(day, day, testkit.Shanghai)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range p.Breakdown {
			if c.Count > 0 {
				got[c.Class] = int(c.Count)
			}
		}
		return got
	}
	if to.Sub(from) != 24*time.Hour || from.In(testkit.Shanghai).Hour() == 0 {
		t.Fatalf("the period is not one day: %v – %v", from, to)
	}
	for _, tc := range []struct {
		who  string
		want map[string]int
	}{
		{"supervisor", map[string]int{"paid": 2, "misuse": 1, "": 1, "part_within_year": 1}},
		{"manager", map[string]int{"paid": 2, "misuse": 1, "": 1, "part_within_year": 1, "retrofit": 1}},
		{"sz.supervisor", map[string]int{"retrofit": 1}},
	} {
		if got := breakdown(tc.who, from); !maps.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.who, got, tc.want)
		}
	}
	if got := breakdown("supervisor", start.Add(-24*time.Hour)); len(got) != 0 {
		t.Errorf("an empty period: %v", got)
	}
	if !slices.Equal(wo.FieldClasses, []string{"retrofit", "part_within_year", "paid", "other_make_free", "misuse", "after_sales"}) {
		t.Errorf("FieldClasses %v", wo.FieldClasses)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
