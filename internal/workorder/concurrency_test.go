package workorder_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// concExtraSupervisors adds n supervisors at the supervisor's station directly in the
// database and returns their actors: concurrent users who are really different people.
func concExtraSupervisors(f *fixture, n int) []auth.Actor {
	f.t.Helper()
	station := f.actor("supervisor").StationID
	actors := make([]auth.Actor, 0, n)
	for i := 1; i <= n; i++ {
		var id int64
		err := f.pool.QueryRow(f.ctx, `INSERT INTO users (username, display_name, role, station_id, password_hash)
			VALUES ($1, $2, 'supervisor', $3, 'x') RETURNING id`,
			fmt.Sprintf("conc.sup%02d", i), fmt.Sprintf("并发主管%02d", i), station).Scan(&id)
		if err != nil {
			f.t.Fatalf("insert supervisor %d: %v", i, err)
		}
		actors = append(actors, testkit.ActorByID(f.t, f.pool, id))
	}
	return actors
}

// concCountEvents counts an order's event rows of one transition.
func concCountEvents(f *fixture, id int64, transition string) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_order_events WHERE order_id = $1 AND transition = $2`,
		id, transition).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// concRun starts n goroutines that wait on one barrier, releases them together and waits
// for all of them.
func concRun(n int, fn func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// TestConcurrentAssign: twenty supervisors assign the same order from the version they all
// saw; exactly one wins, the others are told someone else changed it.
func TestConcurrentAssign(t *testing.T) {
	f := newFixture(t)
	o := f.orderIn(wo.AwaitingDispatch, false)
	base := f.events(o.ID)
	actors := append([]auth.Actor{f.actor("supervisor")}, concExtraSupervisors(f, 19)...)
	techs := []int64{f.actor("tech1").UserID, f.actor("tech2").UserID}

	const n = 20
	type result struct {
		o   wo.Order
		err error
	}
	results := make([]result, n)
	concRun(n, func(i int) {
		got, err := f.svc.Assign(f.ctx, actors[i], o.ID, o.Version, techs[i%2], fmt.Sprintf("第%d个主管派工", i+1))
		results[i] = result{got, err}
	})

	winner := -1
	for i, r := range results {
		switch {
		case r.err == nil:
			if winner >= 0 {
				t.Errorf("both %s and %s assigned the order", actors[winner].Username, actors[i].Username)
			}
			winner = i
		case apperr.CodeOf(r.err) != apperr.Conflict:
			t.Errorf("%s: error code %s (%v), want %s", actors[i].Username, apperr.CodeOf(r.err), r.err, apperr.Conflict)
		}
	}
	if winner < 0 {
		t.Fatal("nobody assigned the order")
	}
	wantTech := techs[winner%2]
	if w := results[winner].o; w.State != wo.Dispatched || w.Version != o.Version+1 || w.AssigneeID == nil || *w.AssigneeID != wantTech {
		t.Errorf("winner got %s v%d assignee %v, want dispatched v%d assignee %d", w.State, w.Version, w.AssigneeID, o.Version+1, wantTech)
	}

	stored, err := f.svc.OrderByID(f.ctx, f.actor("supervisor"), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.State != wo.Dispatched || stored.Version != o.Version+1 {
		t.Errorf("stored order is %s v%d, want dispatched v%d", stored.State, stored.Version, o.Version+1)
	}
	if stored.AssigneeID == nil || *stored.AssigneeID != wantTech {
		t.Errorf("stored assignee %v, want the winner's technician %d", stored.AssigneeID, wantTech)
	}
	if got := concCountEvents(f, o.ID, string(wo.Assign)); got != 1 {
		t.Errorf("%d assign events, want exactly 1", got)
	}
	if got := f.events(o.ID); got != base+1 {
		t.Errorf("%d new event rows, want 1", got-base)
	}
	e := matrixLastEvent(f, o.ID)
	if e.transition != string(wo.Assign) || e.actorID != actors[winner].UserID || e.version != o.Version+1 {
		t.Errorf("last event %s v%d by %d, want assign v%d by the winner %d", e.transition, e.version, e.actorID, o.Version+1, actors[winner].UserID)
	}
}

// TestDoubleSubmitIsReplayed: the same supervisor submitting the same assign form twice
// (same version) gets the order back both times, and it is assigned only once.
func TestDoubleSubmitIsReplayed(t *testing.T) {
	f := newFixture(t)
	sup, tech := f.actor("supervisor"), f.actor("tech1").UserID
	o := f.orderIn(wo.AwaitingDispatch, false)
	base := f.events(o.ID)

	first, err := f.svc.Assign(f.ctx, sup, o.ID, o.Version, tech, "")
	if err != nil {
		t.Fatalf("first submit: %v", err)
	}
	second, err := f.svc.Assign(f.ctx, sup, o.ID, o.Version, tech, "")
	if err != nil {
		t.Fatalf("second submit of the same form: %v, want the order back", err)
	}
	for name, got := range map[string]wo.Order{"first": first, "second": second} {
		if got.ID != o.ID || got.State != wo.Dispatched || got.Version != o.Version+1 || got.AssigneeID == nil || *got.AssigneeID != tech {
			t.Errorf("%s submit returned %d %s v%d assignee %v, want %d dispatched v%d assignee %d",
				name, got.ID, got.State, got.Version, got.AssigneeID, o.ID, o.Version+1, tech)
		}
	}
	if got := concCountEvents(f, o.ID, string(wo.Assign)); got != 1 {
		t.Errorf("%d assign events, want exactly 1", got)
	}
	if got := f.events(o.ID); got != base+1 {
		t.Errorf("%d new event rows, want 1", got-base)
	}
}

// concIntake logs a normal repair call on the fixture's customer and unit.
func concIntake(f *fixture, key string) (wo.Order, error) {
	return f.svc.Create(f.ctx, f.actor("hotline"), wo.NewOrder{CustomerID: f.customerID, UnitID: f.unitID, Channel: "phone",
		Symptom: "压力不稳", Urgency: "normal", ServiceType: "repair", IntakeKey: key})
}

// concDay is the fixture clock's day in Shanghai, as the order counter keys it.
func concDay(f *fixture) (prefix string, day time.Time) {
	local := f.clock.Now().In(testkit.Shanghai)
	return "SH-GD" + local.Format("20060102"), time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
}

// concCounter is the last number taken at the hotline's station on the fixture's day
// (0 when none; the demo data may hold orders of that day).
func concCounter(f *fixture) int {
	f.t.Helper()
	_, day := concDay(f)
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT coalesce(max(last), 0) FROM order_counters WHERE station_id = $1 AND day = $2`,
		f.actor("hotline").StationID, day).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// concNumber is the number of the n-th order of the fixture's day.
func concNumber(f *fixture, n int) string {
	prefix, _ := concDay(f)
	return fmt.Sprintf("%s-%04d", prefix, n)
}

// TestConcurrentIntakeNumbers: fifty calls logged at once get fifty distinct, consecutive
// numbers of the day, with no gaps.
func TestConcurrentIntakeNumbers(t *testing.T) {
	f := newFixture(t)
	base := concCounter(f)
	if base != 0 {
		t.Logf("the demo data already took %d numbers on this day", base)
	}
	if prefix, _ := concDay(f); prefix != "SH-GD20261123" {
		t.Fatalf("fixture day prefix %s, want SH-GD20261123", prefix)
	}

	const n = 50
	orders := make([]wo.Order, n)
	errs := make([]error, n)
	concRun(n, func(i int) { orders[i], errs[i] = concIntake(f, "") })

	var numbers []string
	for i := range n {
		if errs[i] != nil {
			t.Errorf("intake %d: %v", i, errs[i])
			continue
		}
		numbers = append(numbers, orders[i].Number)
	}
	if t.Failed() {
		t.FailNow()
	}
	if prefix, _ := concDay(f); len(orders[0].Number) < len(prefix) || orders[0].Number[:len(prefix)] != prefix {
		t.Fatalf("number %s does not start with %s", orders[0].Number, prefix)
	}
	slices.Sort(numbers)
	want := make([]string, n)
	for i := range want {
		want[i] = concNumber(f, base+i+1)
	}
	if !slices.Equal(numbers, want) {
		t.Fatalf("numbers\n%v\nwant %s … %s, consecutive and distinct:\n%v", numbers, want[0], want[n-1], want)
	}
	if base == 0 && (numbers[0] != "SH-GD20261123-0001" || numbers[n-1] != "SH-GD20261123-0050") {
		t.Errorf("numbers run %s … %s, want SH-GD20261123-0001 … SH-GD20261123-0050", numbers[0], numbers[n-1])
	}
	var stored int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(DISTINCT number) FROM work_orders WHERE number = ANY($1)`, numbers).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != n {
		t.Errorf("%d of the %d numbers are stored", stored, n)
	}
	if got := concCounter(f); got != base+n {
		t.Errorf("counter at %d, want %d", got, base+n)
	}
}

// TestFailedIntakeLeavesNoGap: an intake refused before its number is taken, and one that
// fails after taking it (a double submit losing the race on the form's key), leave no
// gap in the day's numbers.
func TestFailedIntakeLeavesNoGap(t *testing.T) {
	f := newFixture(t)
	base := concCounter(f)

	first := f.must(concIntake(f, ""))
	if first.Number != concNumber(f, base+1) {
		t.Fatalf("first number %s, want %s", first.Number, concNumber(f, base+1))
	}

	// A unit of another customer: refused with a field error (checked before the number).
	var foreignUnit int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM units WHERE customer_id <> $1 ORDER BY id LIMIT 1`, f.customerID).Scan(&foreignUnit); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Create(f.ctx, f.actor("hotline"), wo.NewOrder{CustomerID: f.customerID, UnitID: foreignUnit, Channel: "phone",
		Symptom: "压力不稳", Urgency: "normal", ServiceType: "repair"})
	if e := apperr.As(err); err == nil || e.Code != apperr.Invalid || e.Fields["unit_id"] == "" {
		t.Fatalf("intake with another customer's unit: %v, want a unit_id field error", err)
	}
	second := f.must(concIntake(f, ""))
	if second.Number != concNumber(f, base+2) {
		t.Fatalf("after a refused intake: number %s, want %s", second.Number, concNumber(f, base+2))
	}

	// A double submit of one form: hold the day's counter so that both submits pass the
	// intake-key check and queue for a number; the second takes base+4, then fails on the
	// key the first committed, and must give its number back.
	_, day := concDay(f)
	lock, err := f.pool.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(f.ctx) //nolint:errcheck // a no-op after Commit
	if _, err := lock.Exec(f.ctx, `SELECT last FROM order_counters WHERE station_id = $1 AND day = $2 FOR UPDATE`,
		f.actor("hotline").StationID, day); err != nil {
		t.Fatal(err)
	}
	const key = "conc-intake-key-1"
	var wg sync.WaitGroup
	var dup [2]wo.Order
	var dupErr [2]error
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dup[i], dupErr[i] = concIntake(f, key)
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%order_counters%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= 2 {
			break
		}
		if time.Now().After(deadline) {
			_ = lock.Rollback(f.ctx)
			wg.Wait()
			t.Fatalf("the two submits did not both queue for a number (%d waiting)", waiting)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := lock.Commit(f.ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i := range 2 {
		if dupErr[i] != nil {
			t.Fatalf("submit %d of the same form: %v, want the order", i+1, dupErr[i])
		}
	}
	if dup[0].ID != dup[1].ID || dup[0].Number != concNumber(f, base+3) {
		t.Fatalf("double submit gave %d %s and %d %s, want one order numbered %s",
			dup[0].ID, dup[0].Number, dup[1].ID, dup[1].Number, concNumber(f, base+3))
	}
	var withKey int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM work_orders WHERE intake_key = $1`, key).Scan(&withKey); err != nil {
		t.Fatal(err)
	}
	if withKey != 1 {
		t.Fatalf("%d orders with the form's key, want 1", withKey)
	}

	third := f.must(concIntake(f, ""))
	if third.Number != concNumber(f, base+4) {
		t.Fatalf("after a rolled-back intake: number %s, want %s (no gap)", third.Number, concNumber(f, base+4))
	}
	if got := concCounter(f); got != base+4 {
		t.Errorf("counter at %d, want %d", got, base+4)
	}
}

// TestConcurrentIntakeTwoStations: calls logged at once at Shanghai and Suzhou on the same
// day each count from the station's own counter, and every number is unique across the
// installation because it starts with the station's code.
func TestConcurrentIntakeTwoStations(t *testing.T) {
	f := newFixture(t)
	sz := f.actor("sz.hotline")
	c, err := f.cust.CreateCustomer(f.ctx, sz, customer.NewCustomer{Name: "苏州测试客户", Phones: []string{"139 0000 5678"}, Addresses: []string{"苏州市工业园区测试路2号"}})
	if err != nil {
		t.Fatal(err)
	}
	_, day := concDay(f)
	counter := func(stationID int64) int {
		var last int
		if err := f.pool.QueryRow(f.ctx, `SELECT coalesce(max(last), 0) FROM order_counters WHERE station_id = $1 AND day = $2`, stationID, day).Scan(&last); err != nil {
			t.Fatal(err)
		}
		return last
	}
	base := map[string]int{"SH": counter(f.actor("hotline").StationID), "SZ": counter(sz.StationID)}
	const n = 20
	orders := make([]wo.Order, 2*n)
	errs := make([]error, 2*n)
	concRun(2*n, func(i int) {
		if i%2 == 0 {
			orders[i], errs[i] = concIntake(f, "")
			return
		}
		orders[i], errs[i] = f.svc.Create(f.ctx, sz, wo.NewOrder{CustomerID: c.ID, Channel: "phone",
			Symptom: "不启动", Urgency: "normal", ServiceType: "repair"})
	})
	seen := map[string]bool{}
	perStation := map[string]int{}
	for i := range 2 * n {
		if errs[i] != nil {
			t.Fatalf("intake %d: %v", i, errs[i])
		}
		num := orders[i].Number
		if seen[num] {
			t.Errorf("number %s given twice", num)
		}
		seen[num] = true
		want := "SH-GD20261123-"
		if i%2 == 1 {
			want = "SZ-GD20261123-"
		}
		if !strings.HasPrefix(num, want) {
			t.Errorf("number %s, want it to start with %s", num, want)
		}
		perStation[want]++
	}
	if perStation["SH-GD20261123-"] != n || perStation["SZ-GD20261123-"] != n {
		t.Errorf("numbers per station %v", perStation)
	}
	// Each station's counter ran on its own: both took the next n numbers of the day.
	for _, code := range []string{"SH", "SZ"} {
		for _, k := range []int{base[code] + 1, base[code] + n} {
			if num := wo.OrderNumber(code, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), k); !seen[num] {
				t.Errorf("%s not given", num)
			}
		}
	}
	var stored int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(DISTINCT number) FROM work_orders WHERE number = ANY($1)`, slices.Collect(maps.Keys(seen))).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 2*n {
		t.Errorf("%d distinct numbers stored, want %d", stored, 2*n)
	}
}

// TestDeactivatedStationTakesNoOrders: a station marked inactive refuses a new order with
// a clear message and nothing is written, not even a number.
func TestDeactivatedStationTakesNoOrders(t *testing.T) {
	f := newFixture(t)
	sz := f.actor("sz.hotline")
	c, err := f.cust.CreateCustomer(f.ctx, sz, customer.NewCustomer{Name: "苏州停用测试", Phones: []string{"139 0000 5679"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE stations SET active = false WHERE id = $1`, sz.StationID); err != nil {
		t.Fatal(err)
	}
	count := func() (orders, counters int) {
		if err := f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM work_orders WHERE station_id = $1), (SELECT count(*) FROM order_counters WHERE station_id = $1)`,
			sz.StationID).Scan(&orders, &counters); err != nil {
			t.Fatal(err)
		}
		return
	}
	o0, c0 := count()
	_, err = f.svc.Create(f.ctx, sz, wo.NewOrder{CustomerID: c.ID, Channel: "phone", Symptom: "不启动", Urgency: "normal", ServiceType: "repair"})
	if apperr.As(err).Key != "station.takes_no_orders" {
		t.Fatalf("intake at a deactivated station: %v", err)
	}
	if o1, c1 := count(); o1 != o0 || c1 != c0 {
		t.Errorf("written: orders %d → %d, counters %d → %d", o0, o1, c0, c1)
	}
}
