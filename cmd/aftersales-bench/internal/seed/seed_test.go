package seed_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/cmd/aftersales-bench/internal/seed"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/pgboot"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// tiny is small enough for a test, big enough for every shape of history.
var tiny = seed.Scale{Customers: 1_000, Orders: 3_000, Events: 15_000, Parts: 300, Movements: 5_000}

// throwaway returns a database name unique to this run, dropped when the test ends.
func throwaway(t *testing.T, server, prefix string) string {
	t.Helper()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	t.Cleanup(func() { dropDatabase(t, server, name) })
	return name
}

func dropDatabase(t *testing.T, server, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Logf("drop %s: %v", name, err)
		return
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Logf("drop %s: %v", name, err)
	}
}

type logWriter struct{ t *testing.T }

func (l logWriter) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func count(t *testing.T, ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestEnsureTiny(t *testing.T) {
	ctx := context.Background()
	server := testdb.Server(t)
	name := throwaway(t, server, "bench_test_")
	dbURL, m, seeded, err := seed.Ensure(ctx, server, name, tiny, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	if !seeded || m.Took <= 0 {
		t.Fatalf("seeded = %v, took %s: want a fresh seed", seeded, m.Took)
	}
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	loc := testkit.Shanghai
	orders := workorder.NewService(pool, time.Now, loc)

	t.Run("counts", func(t *testing.T) {
		o, e, mv, err := seed.Counts(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		if o != int64(tiny.Orders) || e != int64(tiny.Events) || mv != int64(tiny.Movements) {
			t.Errorf("counts = %d orders, %d events, %d movements; want %+v", o, e, mv, tiny)
		}
		if n := count(t, ctx, pool, `SELECT count(*) FROM customers`); n != int64(tiny.Customers) {
			t.Errorf("%d customers, want %d", n, tiny.Customers)
		}
		if n := count(t, ctx, pool, `SELECT count(*) FROM units`); n != int64(tiny.Customers) {
			t.Errorf("%d units, want one per customer", n)
		}
		if n := count(t, ctx, pool, `SELECT count(*) FROM parts`); n != int64(tiny.Parts) {
			t.Errorf("%d parts, want %d", n, tiny.Parts)
		}
		// Every phone is stored as customer.NormalizePhone makes it.
		rows, err := pool.Query(ctx, `SELECT raw, e164 FROM customer_phones UNION ALL SELECT contact_phone, contact_e164 FROM work_orders`)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for rows.Next() {
			var raw, e164 string
			if err := rows.Scan(&raw, &e164); err != nil {
				t.Fatal(err)
			}
			if e, ok := customer.NormalizePhone(raw); !ok || e != e164 {
				if bad++; bad < 5 {
					t.Errorf("phone %q stored as %q, NormalizePhone gives %q %v", raw, e164, e, ok)
				}
			}
		}
		rows.Close()
	})

	t.Run("ledger", func(t *testing.T) {
		problems, balances, movements, err := parts.CheckLedger(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range problems {
			if i < 10 {
				t.Error(p)
			}
		}
		if len(problems) > 0 || movements != tiny.Movements || balances == 0 {
			t.Fatalf("%d problems, %d balances, %d movements", len(problems), balances, movements)
		}
		// Stocktake lines: expected and counted bracket their adjustment.
		if n := count(t, ctx, pool, `SELECT count(*) FROM stocktake_lines l LEFT JOIN stock_movements m ON m.id = l.movement_id
			WHERE (l.movement_id IS NULL AND l.counted <> l.expected)
			OR (l.movement_id IS NOT NULL AND (l.counted - l.expected <> m.quantity OR m.balance_after <> l.counted OR m.kind <> 'adjustment'))`); n != 0 {
			t.Errorf("%d stocktake lines disagree with their adjustments", n)
		}
		// Requisition lines: issued movements match the lines.
		if n := count(t, ctx, pool, `SELECT count(*) FROM requisition_lines l JOIN requisitions q ON q.id = l.requisition_id
			WHERE -l.issued <> (SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m WHERE m.ref_type = 'requisition' AND m.ref_id = q.id AND m.part_id = l.part_id AND m.kind = 'issue')
			OR l.returned <> (SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m WHERE m.ref_type = 'requisition' AND m.ref_id = q.id AND m.part_id = l.part_id AND m.kind = 'return')`); n != 0 {
			t.Errorf("%d requisition lines disagree with the ledger", n)
		}
		if n := count(t, ctx, pool, `SELECT count(*) FROM receipt_lines l JOIN receipts r ON r.id = l.receipt_id
			WHERE l.accepted <> (SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m JOIN locations x ON x.id = m.location_id
				WHERE m.ref_type = 'receipt' AND m.ref_id = r.id AND m.part_id = l.part_id AND m.kind = 'receipt' AND x.kind = 'warehouse')`); n != 0 {
			t.Errorf("%d receipt lines disagree with the ledger", n)
		}
		// Movement ids follow time.
		if n := count(t, ctx, pool, `SELECT count(*) FROM (SELECT at, lag(at) OVER (ORDER BY id) AS prev FROM stock_movements) x WHERE at < prev`); n != 0 {
			t.Errorf("%d movements are older than the one before them", n)
		}
	})

	t.Run("orders", func(t *testing.T) {
		checks := map[string]string{
			"version is the number of events": `SELECT count(*) FROM work_orders o WHERE o.version <> (SELECT count(*) FROM work_order_events e WHERE e.order_id = o.id)`,
			"events number the versions":      `SELECT count(*) FROM (SELECT version, row_number() OVER (PARTITION BY order_id ORDER BY id) AS n FROM work_order_events) x WHERE version <> n`,
			"events chain the states": `SELECT count(*) FROM (SELECT from_state, lag(to_state) OVER (PARTITION BY order_id ORDER BY id) AS prev, version FROM work_order_events) x
				WHERE version > 1 AND from_state IS DISTINCT FROM prev`,
			"events follow time": `SELECT count(*) FROM (SELECT at, lag(at) OVER (PARTITION BY order_id ORDER BY id) AS prev FROM work_order_events) x WHERE at < prev`,
			"the last event is the state": `SELECT count(*) FROM work_orders o JOIN LATERAL (SELECT to_state, at FROM work_order_events e WHERE e.order_id = o.id ORDER BY id DESC LIMIT 1) e ON true
				WHERE e.to_state <> o.state OR e.at <> o.updated_at`,
			"created at the first event": `SELECT count(*) FROM work_orders o JOIN work_order_events e ON e.order_id = o.id AND e.version = 1 WHERE e.at <> o.created_at OR e.transition <> 'create'`,
			"nothing in the future":      `SELECT count(*) FROM work_order_events WHERE at > now()`,
			"counters give the numbers": `SELECT count(*) FROM order_counters c WHERE c.last <> (SELECT count(*) FROM work_orders o WHERE o.station_id = c.station_id
				AND (o.created_at AT TIME ZONE 'Asia/Shanghai')::date = c.day)`,
			"numbers from the day": `SELECT count(*) FROM work_orders o WHERE o.number NOT LIKE 'GD' || to_char(o.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-%'`,
			"fees_state as fee.keepState": `SELECT count(*) FROM work_orders o WHERE o.fees_state <> CASE
				WHEN EXISTS (SELECT 1 FROM settlements s WHERE s.order_id = o.id) THEN 'settled'
				WHEN (SELECT coalesce(sum(amount_fen), 0) FROM order_fee_lines l WHERE l.order_id = o.id AND l.deleted_at IS NULL) > 0 THEN 'pending'
				ELSE 'none' END`,
			"settlements pay the quote":    `SELECT count(*) FROM settlements s WHERE s.amount_fen <> (SELECT sum(amount_fen) FROM order_fee_lines l WHERE l.order_id = s.order_id AND l.deleted_at IS NULL)`,
			"callback closes only settled": `SELECT count(*) FROM work_orders o JOIN work_order_events e ON e.order_id = o.id AND e.transition = 'callback_satisfied' WHERE o.fees_state = 'pending'`,
			"a visit line per visit": `SELECT count(*) FROM work_orders o WHERE o.completed_at IS NOT NULL AND (o.arrived_at IS NOT NULL OR o.service_mode = 'onsite')
				AND NOT EXISTS (SELECT 1 FROM order_fee_lines l WHERE l.order_id = o.id AND l.kind = 'visit')`,
			"parts used were issued": `SELECT count(*) FROM order_parts_used u WHERE u.quantity > (SELECT coalesce(sum(l.issued - l.returned), 0) FROM requisition_lines l
				JOIN requisitions q ON q.id = l.requisition_id WHERE q.order_id = u.order_id AND l.part_id = u.part_id AND q.state = 'issued')`,
			"callback attempts counted": `SELECT count(*) FROM work_orders o WHERE o.state = 'awaiting_callback' AND o.callback_attempts <> (SELECT count(*) FROM work_order_events e
				WHERE e.order_id = o.id AND e.transition = 'callback_attempt' AND e.id > coalesce((SELECT max(id) FROM work_order_events x WHERE x.order_id = o.id AND x.transition = 'complete'), 0))`,
			"reached callbacks recorded": `SELECT count(*) FROM work_order_events e WHERE e.transition IN ('callback_satisfied', 'callback_unsatisfied')
				AND NOT EXISTS (SELECT 1 FROM callback_attempts a WHERE a.order_id = e.order_id AND a.outcome = 'reached' AND a.at = e.at)`,
			"repeat repairs link back": `SELECT count(*) FROM work_orders o JOIN work_orders p ON p.id = o.repeat_of WHERE o.warranty <> 'repair' OR p.unit_id <> o.unit_id
				OR p.completed_at > o.created_at OR p.completed_at < o.created_at - interval '90 days'`,
			"open states have the right clocks": `SELECT count(*) FROM work_orders WHERE (state = 'in_progress' AND (arrived_at IS NULL OR repair_due_at IS NULL))
				OR (state = 'awaiting_callback' AND callback_due_at IS NULL) OR (state IN ('scheduled') AND appointment_start IS NULL)
				OR (state IN ('dispatched', 'scheduled', 'in_progress', 'awaiting_parts', 'in_workshop') AND assigned_at IS NULL)`,
			"assignees work at the station":         `SELECT count(*) FROM work_orders o JOIN users u ON u.id = o.assignee_id WHERE u.station_id <> o.station_id OR u.role <> 'technician'`,
			"customers of the station":              `SELECT count(*) FROM work_orders o JOIN customers c ON c.id = o.customer_id WHERE c.station_id <> o.station_id`,
			"customers created before their orders": `SELECT count(*) FROM work_orders o JOIN customers c ON c.id = o.customer_id WHERE c.created_at > o.created_at`,
			"units bought before they were added":   `SELECT count(*) FROM units WHERE purchase_date > (created_at AT TIME ZONE 'Asia/Shanghai')::date OR manufacture_date > purchase_date`,
			"customer search as RefreshSearch": `SELECT count(*) FROM customers c WHERE c.search <> concat_ws(' ', c.name, c.contact_person,
				(SELECT string_agg(regexp_replace(p.raw, '\D', '', 'g') || ' ' || substr(p.e164, 2), ' ') FROM customer_phones p WHERE p.customer_id = c.id),
				(SELECT string_agg(a.address, ' ') FROM customer_addresses a WHERE a.customer_id = c.id),
				(SELECT string_agg(u.serial || ' ' || u.model, ' ') FROM units u WHERE u.customer_id = c.id))`,
			"order search as SearchText": `SELECT count(*) FROM work_orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN units u ON u.id = o.unit_id
				WHERE o.search <> concat_ws(' ', o.number, c.name, o.contact_name, coalesce(u.serial, ''),
					(SELECT string_agg(regexp_replace(p.raw, '\D', '', 'g'), ' ' ORDER BY p.position, p.id) FROM customer_phones p WHERE p.customer_id = c.id),
					regexp_replace(o.contact_phone, '\D', '', 'g'),
					(SELECT string_agg(regexp_replace(p.e164, '\D', '', 'g'), ' ' ORDER BY p.position, p.id) FROM customer_phones p WHERE p.customer_id = c.id),
					regexp_replace(o.contact_e164, '\D', '', 'g'))`,
		}
		for what, sql := range checks {
			if n := count(t, ctx, pool, sql); n != 0 {
				t.Errorf("%s: %d rows disagree", what, n)
			}
		}
	})

	t.Run("foreign keys", func(t *testing.T) {
		// The load skips the foreign-key triggers: check every foreign key here.
		rows, err := pool.Query(ctx, `SELECT conrelid::regclass::text, confrelid::regclass::text,
			(SELECT array_agg(attname ORDER BY k.n) FROM unnest(conkey) WITH ORDINALITY k(a, n) JOIN pg_attribute ON attrelid = conrelid AND attnum = k.a),
			(SELECT array_agg(attname ORDER BY k.n) FROM unnest(confkey) WITH ORDINALITY k(a, n) JOIN pg_attribute ON attrelid = confrelid AND attnum = k.a)
			FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1, 2`)
		if err != nil {
			t.Fatal(err)
		}
		type fk struct {
			child, parent string
			cols, pcols   []string
		}
		fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk, error) {
			var f fk
			err := r.Scan(&f.child, &f.parent, &f.cols, &f.pcols)
			return f, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(fks) < 40 {
			t.Fatalf("only %d foreign keys", len(fks))
		}
		for _, f := range fks {
			var on, notNull []string
			for i := range f.cols {
				on = append(on, "p."+f.pcols[i]+" = c."+f.cols[i])
				notNull = append(notNull, "c."+f.cols[i]+" IS NOT NULL")
			}
			sql := "SELECT count(*) FROM " + f.child + " c WHERE " + strings.Join(notNull, " AND ") + " AND NOT EXISTS (SELECT 1 FROM " + f.parent + " p WHERE " + strings.Join(on, " AND ") + ")"
			if n := count(t, ctx, pool, sql); n != 0 {
				t.Errorf("%s %v → %s: %d rows without a parent", f.child, f.cols, f.parent, n)
			}
		}
	})

	t.Run("schema as migrated", func(t *testing.T) {
		fresh, err := db.Open(ctx, testdb.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		q := `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
			SELECT 'index ' || indexname || ': ' || indexdef AS x FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'bench_manifest'
			UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
				WHERE connamespace = 'public'::regnamespace AND conrelid <> coalesce(to_regclass('bench_manifest'), 0)
			UNION ALL SELECT 'trigger ' || tgname || ': ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal) s`
		var want, got string
		if err := fresh.QueryRow(ctx, q).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("schema differs from the migrations:\n got: %s\nwant: %s", got, want)
		}
		// Sequences continue after the copied ids.
		for _, table := range []string{"work_orders", "customers", "units", "stock_movements", "requisitions", "receipts", "stocktakes", "users", "stations", "parts"} {
			if n := count(t, ctx, pool, `SELECT count(*) FROM `+table+` WHERE id >= (SELECT last_value FROM `+table+`_id_seq)`); n != 0 {
				t.Errorf("%s: %d ids at or past the sequence", table, n)
			}
		}
	})

	t.Run("board", func(t *testing.T) {
		sup := testkit.Actor(t, pool, m.Supervisor)
		if sup.StationID != m.HotStationID || sup.Role != auth.RoleSupervisor {
			t.Fatalf("supervisor %+v is not at the hot station %d", sup, m.HotStationID)
		}
		open := count(t, ctx, pool, `SELECT count(*) FROM work_orders WHERE station_id = $1 AND state NOT IN ('closed', 'cancelled')`, m.HotStationID)
		// Every open order is on the board: new calls in its first column.
		onBoard := open
		b, err := orders.Board(ctx, sup, workorder.BoardFilter{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("hot station: %d open, %d on the board, %d lanes", open, b.Total, len(b.Lanes))
		if int64(b.Total) != onBoard || b.Truncated || len(b.Lanes) == 0 || open < 400 || open > 600 {
			t.Errorf("board shows %d (truncated %v) of %d open orders", b.Total, b.Truncated, open)
		}
		states := map[workorder.State]int{}
		for s, list := range b.Columns {
			states[s] = len(list)
		}
		if len(states) < 6 {
			t.Errorf("board columns %v: want a spread over the open states", states)
		}
		mgr := testkit.Actor(t, pool, m.Manager)
		if len(mgr.Stations) < 100 {
			t.Errorf("manager sees %d stations", len(mgr.Stations))
		}
		centre := testkit.Actor(t, pool, m.CentreManager)
		if centre.Role != auth.RoleManager || !slices.Contains(centre.Stations, m.HotStationID) || len(centre.Stations) < 5 || len(centre.Stations) >= len(mgr.Stations) {
			t.Errorf("centre manager %q sees %d stations (hot station among them: %v)", m.CentreManager, len(centre.Stations), slices.Contains(centre.Stations, m.HotStationID))
		}
		page, err := orders.List(ctx, mgr, workorder.Filter{Text: m.SearchTerm})
		if err != nil || len(page.Orders) == 0 || page.Next == "" {
			t.Errorf("search %q: %d orders, next %q, %v", m.SearchTerm, len(page.Orders), page.Next, err)
		}
		share := float64(count(t, ctx, pool, `SELECT count(*) FROM work_orders WHERE search ILIKE $1`, customer.ContainsPattern(m.SearchTerm))) / float64(tiny.Orders)
		t.Logf("search term %q matches %.1f%% of the orders", m.SearchTerm, 100*share)
		if share < 0.005 || share > 0.08 {
			t.Errorf("search term %q matches %.1f%%", m.SearchTerm, 100*share)
		}
	})

	t.Run("page", func(t *testing.T) {
		sup := testkit.Actor(t, pool, m.Supervisor)
		tl, err := orders.Timeline(ctx, sup, m.PageOrderID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) < 18 || len(tl) > 25 {
			t.Errorf("page order has %d events", len(tl))
		}
		p, err := orders.Page(ctx, sup, m.PageOrderID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Order.StationID != m.HotStationID || len(p.Timeline) != len(tl) || len(p.Files) != 1 || len(p.Technicians) == 0 || p.Order.RevisitCount != 1 {
			t.Errorf("page: station %d, %d events, %d files, %d technicians, %d revisits", p.Order.StationID, len(p.Timeline), len(p.Files), len(p.Technicians), p.Order.RevisitCount)
		}
		hot := testkit.Actor(t, pool, m.Hotline)
		if _, err := orders.Page(ctx, hot, m.PageOrderID); err != nil {
			t.Errorf("hotline page: %v", err)
		}
	})

	t.Run("reschedule", func(t *testing.T) {
		if len(m.HotOrderIDs) < 800 {
			t.Fatalf("%d hot orders", len(m.HotOrderIDs))
		}
		tech := testkit.Actor(t, pool, m.Technician)
		if tech.StationID == m.HotStationID {
			t.Fatal("the technician works at the hot station")
		}
		n := count(t, ctx, pool, `SELECT count(*) FROM work_orders WHERE id = ANY($1) AND state = 'scheduled' AND assignee_id = $2 AND station_id = $3`, m.HotOrderIDs, tech.UserID, tech.StationID)
		if n != int64(len(m.HotOrderIDs)) {
			t.Fatalf("%d of %d hot orders are scheduled for the technician", n, len(m.HotOrderIDs))
		}
		ids := []int64{m.HotOrderIDs[0], m.HotOrderIDs[1], m.HotOrderIDs[len(m.HotOrderIDs)/2], m.HotOrderIDs[len(m.HotOrderIDs)-1]}
		vs, err := seed.Versions(ctx, pool, ids)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
		for _, id := range ids {
			o, err := orders.Reschedule(ctx, tech, id, vs[id], start, start.Add(2*time.Hour), "客户改约")
			if err != nil {
				t.Fatalf("reschedule %d v%d: %v", id, vs[id], err)
			}
			if o.Version != vs[id]+1 || o.RescheduleCount == 0 {
				t.Errorf("order %d: version %d, reschedules %d", id, o.Version, o.RescheduleCount)
			}
		}
		jobs, err := orders.MyJobs(ctx, tech)
		if open := len(jobs.Today) + len(jobs.Pending); err != nil || open < len(m.HotOrderIDs) {
			t.Errorf("my jobs: %d open, %v", open, err)
		}
	})

	t.Run("requisitions", func(t *testing.T) {
		keeper := testkit.Actor(t, pool, m.Storekeeper)
		var locStation int64
		if err := pool.QueryRow(ctx, `SELECT station_id FROM locations WHERE id = $1 AND kind = 'warehouse'`, m.LocationID).Scan(&locStation); err != nil || locStation != keeper.StationID {
			t.Fatalf("location %d: station %d, storekeeper at %d, %v", m.LocationID, locStation, keeper.StationID, err)
		}
		if want := min(1000, tiny.Parts); len(m.PartIDs) < want {
			t.Errorf("%d parts stocked at the location, want %d", len(m.PartIDs), want)
		}
		if len(m.IssueOrderIDs) < 150 {
			t.Errorf("%d issue orders", len(m.IssueOrderIDs))
		}
		svc := parts.NewService(pool, time.Now, loc)
		for round := range 2 {
			refs, err := seed.NewRequisitions(ctx, pool, m, 50, uint64(round+1))
			if err != nil {
				t.Fatal(err)
			}
			if len(refs) != 50 {
				t.Fatalf("%d refs", len(refs))
			}
			queue, err := svc.Queue(ctx, keeper, parts.Approved)
			if err != nil || len(queue) < 50 {
				t.Fatalf("approved queue: %d, %v", len(queue), err)
			}
			// Issue the second round only partly: the next round's top-up counts them.
			issue := refs
			if round == 0 {
				issue = refs[:30]
			}
			for _, r := range issue {
				q, err := svc.IssueParts(ctx, keeper, r.ID, r.Version)
				if err != nil {
					t.Fatalf("issue %d v%d: %v", r.ID, r.Version, err)
				}
				if q.State != parts.Issued || q.Version != r.Version+1 {
					t.Errorf("requisition %d: %s v%d", r.ID, q.State, q.Version)
				}
			}
		}
		// The first round's rest can still be issued after the second round's.
		var rest []seed.Ref
		rows, _ := pool.Query(ctx, `SELECT id, version FROM requisitions WHERE state = 'approved' ORDER BY id`)
		for rows.Next() {
			var r seed.Ref
			_ = rows.Scan(&r.ID, &r.Version)
			rest = append(rest, r)
		}
		rows.Close()
		for _, r := range rest {
			if _, err := svc.IssueParts(ctx, keeper, r.ID, r.Version); err != nil {
				t.Fatalf("issue left-over %d: %v", r.ID, err)
			}
		}
		problems, _, _, err := parts.CheckLedger(ctx, pool)
		if err != nil || len(problems) > 0 {
			t.Fatalf("after issuing: %v %v", problems, err)
		}
		tech := testkit.Actor(t, pool, m.Technician)
		if _, err := svc.Request(ctx, tech, m.IssueOrderIDs[0], []parts.Want{{PartID: m.PartIDs[0], Quantity: 1}}, ""); err != nil {
			t.Errorf("the technician cannot request parts: %v", err)
		}
	})

	t.Run("intake", func(t *testing.T) {
		hot := testkit.Actor(t, pool, m.Hotline)
		v, err := orders.Caller(ctx, hot, m.CustomerID)
		if err != nil || len(v.Units) != 1 || v.Units[0].Unit.ID != m.UnitID {
			t.Fatalf("caller %d: %+v %v", m.CustomerID, v.Units, err)
		}
		o, err := orders.Create(ctx, hot, workorder.NewOrder{CustomerID: m.CustomerID, UnitID: m.UnitID, Channel: "phone", Symptom: "排气温度高", Urgency: "normal", ServiceType: "repair"})
		if err != nil {
			t.Fatalf("intake: %v", err)
		}
		if !regexp.MustCompile(`^[A-Z0-9]{2,8}-GD[0-9]{8}-[0-9]{4}$`).MatchString(o.Number) {
			t.Errorf("number %q", o.Number)
		}
		found, err := customer.NewService(pool, time.Now, loc).Search(ctx, hot, v.Customer.Phones[0].Raw, 5)
		if err != nil || len(found) == 0 {
			t.Errorf("phone search: %d, %v", len(found), err)
		}
	})

	t.Run("reuse", func(t *testing.T) {
		_, m2, seeded, err := seed.Ensure(ctx, server, name, tiny, logWriter{t})
		if err != nil {
			t.Fatal(err)
		}
		if seeded || m2.PageOrderID != m.PageOrderID || len(m2.HotOrderIDs) != len(m.HotOrderIDs) || m2.SearchTerm != m.SearchTerm {
			t.Errorf("second Ensure: seeded %v, manifest %+v", seeded, m2.Scale)
		}
	})
}

// TestEnsureReplacesOtherScale: a database seeded at another scale, or left half done,
// is made again.
func TestEnsureReplacesOtherScale(t *testing.T) {
	ctx := context.Background()
	server := testdb.Server(t)
	name := throwaway(t, server, "bench_test_")
	// A migrated database with rows but no manifest, as a crashed seed leaves it.
	u := testdb.Server(t)
	dbURL, err := pgboot.Database(ctx, u, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateUp(dbURL); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO stations (code, name, kind) VALUES ('XX', '残留', 'hq')`); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	small := seed.Scale{Customers: 300, Orders: 600, Events: 3_000, Parts: 100, Movements: 1_000}
	_, m, seeded, err := seed.Ensure(ctx, server, name, small, logWriter{t})
	if err != nil || !seeded {
		t.Fatalf("seeded %v: %v", seeded, err)
	}
	if m.Scale != small {
		t.Errorf("manifest scale %+v", m.Scale)
	}
	other := small
	other.Orders = 700
	other.Events = 3_500
	dbURL, m, seeded, err = seed.Ensure(ctx, server, name, other, logWriter{t})
	if err != nil || !seeded || m.Scale != other {
		t.Fatalf("other scale: seeded %v, %+v, %v", seeded, m.Scale, err)
	}
	pool, err = db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	o, e, _, err := seed.Counts(ctx, pool)
	if err != nil || o != 700 || e != 3_500 {
		t.Errorf("counts %d %d %v", o, e, err)
	}
	if n := count(t, ctx, pool, `SELECT count(*) FROM stations WHERE code = 'XX'`); n != 0 {
		t.Error("the half-done database was kept")
	}
	// A manifest table of an earlier version of this package: seeded again.
	if _, err := pool.Exec(ctx, `ALTER TABLE bench_manifest DROP COLUMN generator`); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	if _, _, seeded, err = seed.Ensure(ctx, server, name, other, logWriter{t}); err != nil || !seeded {
		t.Fatalf("stale manifest: seeded %v, %v", seeded, err)
	}
	if _, _, seeded, err = seed.Ensure(ctx, server, name, other, logWriter{t}); err != nil || seeded {
		t.Fatalf("after reseeding: seeded %v, %v", seeded, err)
	}
}

func first(ps []parts.Problem) any {
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}
