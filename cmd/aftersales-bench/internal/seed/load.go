package seed

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/demo"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// How the load is fast (measured on 2 cores at a quarter of the Full scale):
//
//   - The connections run with session_replication_role = replica, so the foreign-key
//     triggers do not fire: the data is consistent by construction (the tests check every
//     foreign key), and tables may be copied in any order, in parallel. Without it the
//     load took 1.75× as long (58 s against 33 s).
//   - The secondary indexes and the unique constraints no foreign key relies on are
//     dropped for the COPY and made again afterwards from their own definitions
//     (pg_get_indexdef, pg_get_constraintdef), so the schema ends exactly as migrated (the
//     tests compare it with a freshly migrated database). Keeping them took 4× as long
//     (2m10s): the trigram index and the random intake keys are slow to keep row by row.
//   - The ledger is copied alongside the orders, the events alongside the other rows the
//     orders produce, and the orders' indexes are built while the events are copied.
var dropIndexes = true

// progress prints timed progress lines.
type progress struct {
	log   io.Writer
	start time.Time
	mu    sync.Mutex
	last  time.Time
	parts []string
}

func (p *progress) step(format string, args ...any) func() {
	t := time.Now()
	msg := fmt.Sprintf(format, args...)
	return func() {
		d := time.Since(t)
		p.mu.Lock()
		defer p.mu.Unlock()
		line := fmt.Sprintf("%s … %s", msg, d.Round(100*time.Millisecond))
		p.parts = append(p.parts, line)
		fmt.Fprintf(p.log, "seed: %s (at %s)\n", line, time.Since(p.start).Round(time.Second))
	}
}

func connect(ctx context.Context, dbURL string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["application_name"] = "benchseed"
	cfg.RuntimeParams["synchronous_commit"] = "off"
	cfg.RuntimeParams["maintenance_work_mem"] = "1GB"
	cfg.RuntimeParams["work_mem"] = "256MB"
	cfg.RuntimeParams["session_replication_role"] = "replica" // see above
	return pgx.ConnectConfig(ctx, cfg)
}

// source adapts a generator to pgx.CopyFromSource.
type source struct {
	next func() ([]any, bool, error)
	row  []any
	err  error
}

func (s *source) Next() bool {
	if s.err != nil {
		return false
	}
	row, ok, err := s.next()
	if err != nil {
		s.err = err
		return false
	}
	s.row = row
	return ok
}
func (s *source) Values() ([]any, error) { return s.row, nil }
func (s *source) Err() error             { return s.err }

// copyRows copies n rows made by row(i) into table.
func copyRows(ctx context.Context, conn *pgx.Conn, table string, cols []string, n int, row func(i int, dst []any) []any) (int64, error) {
	i := 0
	buf := make([]any, len(cols))
	src := &source{next: func() ([]any, bool, error) {
		if i >= n {
			return nil, false, nil
		}
		r := row(i, buf)
		i++
		return r, true, nil
	}}
	return copyFrom(ctx, conn, table, cols, src)
}

func copyFrom(ctx context.Context, conn *pgx.Conn, table string, cols []string, src pgx.CopyFromSource) (int64, error) {
	n, err := conn.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
	if err != nil {
		return n, fmt.Errorf("copy %s: %w", table, err)
	}
	return n, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func numericFen(fen int64) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(fen), Exp: -2, Valid: true}
}

// The tables whose secondary indexes are dropped during the load.
var bigTables = []string{"work_orders", "work_order_events", "stock_movements", "customers", "customer_phones", "customer_addresses",
	"units", "customer_events", "callback_attempts", "order_fee_lines", "quote_confirmations", "requisitions", "requisition_lines",
	"receipt_lines", "receipts", "stocktakes"}

// seedDatabase plans everything, then writes it.
func seedDatabase(ctx context.Context, dbURL string, sc Scale, log io.Writer) (Manifest, error) {
	pr := &progress{log: log, start: time.Now()}
	now := time.Now().UTC().Truncate(time.Second)
	conn, err := connect(ctx, dbURL)
	if err != nil {
		return Manifest{}, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_manifest (id integer PRIMARY KEY CHECK (id = 1), scale jsonb NOT NULL,
		manifest jsonb NOT NULL, migration integer NOT NULL DEFAULT 0, generator integer NOT NULL DEFAULT 0, finished_at timestamptz)`); err != nil {
		return Manifest{}, err
	}
	if _, err := conn.Exec(ctx, `INSERT INTO bench_manifest (id, scale, manifest) VALUES (1, $1, '{}') ON CONFLICT (id) DO NOTHING`, sc); err != nil {
		return Manifest{}, err
	}

	done := pr.step("planning %d orders", sc.Orders)
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return Manifest{}, err
	}
	st, err := settings(ctx, dbURL)
	if err != nil {
		return Manifest{}, err
	}
	w, err := newWorld(sc, now, hash, st)
	if err != nil {
		return Manifest{}, err
	}
	P, err := w.planOrders()
	if err != nil {
		return Manifest{}, err
	}
	done()

	done = pr.step("stations and users")
	if err := P.insertStations(ctx, conn); err != nil {
		return Manifest{}, err
	}
	done()

	// The ledger plan needs the location ids; it runs while the customers are copied.
	stockErr := make(chan error, 1)
	go func() {
		d := pr.step("planning %d movements", sc.Movements)
		err := P.planStock()
		if err == nil {
			d()
		}
		stockErr <- err
	}()

	var defs []restore
	if dropIndexes {
		if defs, err = dropSecondary(ctx, conn, bigTables); err != nil {
			return Manifest{}, err
		}
	}
	if err := P.copyCatalogue(ctx, conn, pr); err != nil {
		return Manifest{}, err
	}
	if err := P.copyCustomers(ctx, conn, pr); err != nil {
		return Manifest{}, err
	}
	if err := <-stockErr; err != nil {
		return Manifest{}, err
	}
	sig := demo.Signature()
	sum := sha256.Sum256(sig)
	P.signature, P.signatureHash = sig, hex.EncodeToString(sum[:])

	conns := []*pgx.Conn{conn}
	for range 2 {
		c, err := connect(ctx, dbURL)
		if err != nil {
			return Manifest{}, err
		}
		defer c.Close(ctx)
		conns = append(conns, c)
	}
	// The ledger (no foreign key is checked during the load, so it need not wait for
	// the orders) while the orders are copied.
	var g group
	g.run(func() error { return P.copyStock(ctx, conns[1], pr) })
	k, err := P.copyOrders(ctx, conn, pr)
	if err != nil {
		g.wait()
		return Manifest{}, err
	}
	if err := g.wait(); err != nil {
		return Manifest{}, err
	}
	// The orders are complete: their indexes (the slow GIN one) build while the events
	// and the rest are copied.
	var orderDefs, rest []restore
	for _, d := range defs {
		if d.table == "work_orders" {
			orderDefs = append(orderDefs, d)
		} else {
			rest = append(rest, d)
		}
	}
	g.run(func() error {
		d := pr.step("%d indexes of work_orders", len(orderDefs))
		err := createIndexes(ctx, conns[2:], orderDefs, pr)
		if err == nil {
			d()
		}
		return err
	})
	g.run(func() error { return P.copyEvents(ctx, conns[1], pr) })
	if err := P.copyKids(ctx, conn, k, pr); err != nil {
		g.wait()
		return Manifest{}, err
	}
	// The other tables' indexes on each connection as it comes free.
	done = pr.step("%d indexes", len(rest))
	work := make(chan restore, len(rest))
	for _, d := range sortRestores(rest) {
		work <- d
	}
	close(work)
	g.run(func() error { return buildFrom(ctx, conn, work, pr) })
	if err := g.wait(); err != nil {
		return Manifest{}, err
	}
	var g2 group
	for _, c := range conns[1:] {
		g2.run(func() error { return buildFrom(ctx, c, work, pr) })
	}
	if err := g2.wait(); err != nil {
		return Manifest{}, err
	}
	done()
	// Only now: the events take their ids from the sequence while they are copied.
	if err := setSequences(ctx, conn); err != nil {
		return Manifest{}, err
	}
	done = pr.step("vacuum analyze")
	if err := vacuumAnalyze(ctx, conns); err != nil {
		return Manifest{}, err
	}
	done()
	m := P.manifest()
	m.SeededAt = now
	fmt.Fprintf(log, "seed: %s\n", strings.Join(pr.parts, "; "))
	return m, nil
}

// settings reads the workflow settings of the new database, before any station holds
// its own (the defaults headquarters starts with): the seeded clocks, repeat repairs and
// callback limits follow the numbers the app uses.
func settings(ctx context.Context, dbURL string) (wo.Settings, error) {
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		return wo.Settings{}, err
	}
	defer pool.Close()
	return wo.NewService(pool, time.Now, time.UTC).Settings(ctx, 0)
}

// dropSecondary drops the indexes of tables that back no constraint, and their unique
// constraints that no foreign key relies on, and returns the statements that make them
// again exactly (pg_get_indexdef, pg_get_constraintdef).
func dropSecondary(ctx context.Context, conn *pgx.Conn, tables []string) ([]restore, error) {
	rows, err := conn.Query(ctx, `SELECT c.relname, 'DROP INDEX ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace
		AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		UNION ALL
		SELECT c.relname, 'ALTER TABLE ' || k.conrelid::regclass::text || ' DROP CONSTRAINT ' || quote_ident(k.conname),
			'ALTER TABLE ' || k.conrelid::regclass::text || ' ADD CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace AND k.contype = 'u'
		AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid)`, tables)
	if err != nil {
		return nil, err
	}
	type ix struct{ table, drop, def string }
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ix, error) {
		var x ix
		err := r.Scan(&x.table, &x.drop, &x.def)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	var defs []restore
	for _, x := range list {
		if _, err := conn.Exec(ctx, x.drop); err != nil {
			return nil, err
		}
		defs = append(defs, restore{x.table, x.def})
	}
	return defs, nil
}

// restore is a statement that makes a dropped index or constraint again.
type restore struct{ table, stmt string }

// sortRestores puts the slowest builds (GIN) first, and those of the events (which may
// still be loading) last.
func sortRestores(defs []restore) []restore {
	out := slices.Clone(defs)
	rank := func(r restore) int {
		switch {
		case strings.Contains(r.stmt, "USING gin"):
			return 0
		case r.table == "work_order_events":
			return 2
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b restore) int { return rank(a) - rank(b) })
	return out
}

// createIndexes runs the statements on the given connections.
func createIndexes(ctx context.Context, conns []*pgx.Conn, defs []restore, pr *progress) error {
	work := make(chan restore, len(defs))
	for _, d := range sortRestores(defs) {
		work <- d
	}
	close(work)
	var g group
	for _, c := range conns {
		g.run(func() error { return buildFrom(ctx, c, work, pr) })
	}
	return g.wait()
}

// buildFrom runs statements from work until there are none left.
func buildFrom(ctx context.Context, c *pgx.Conn, work <-chan restore, pr *progress) error {
	for def := range work {
		t := time.Now()
		if _, err := c.Exec(ctx, def.stmt); err != nil {
			return fmt.Errorf("%s: %w", def.stmt, err)
		}
		if el := time.Since(t); el > 2*time.Second {
			fmt.Fprintf(pr.log, "seed:   %s … %s\n", shortDef(def.stmt), el.Round(100*time.Millisecond))
		}
	}
	return nil
}

// vacuumAnalyze vacuums and analyzes every table, the biggest first, spread over the
// connections.
func vacuumAnalyze(ctx context.Context, conns []*pgx.Conn) error {
	rows, err := conns[0].Query(ctx, `SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
		ORDER BY pg_total_relation_size(c.oid) DESC`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	work := make(chan string, len(tables))
	for _, t := range tables {
		work <- t
	}
	close(work)
	var g group
	for _, c := range conns {
		g.run(func() error {
			for t := range work {
				if _, err := c.Exec(ctx, `VACUUM (ANALYZE) `+t); err != nil {
					return fmt.Errorf("vacuum %s: %w", t, err)
				}
			}
			return nil
		})
	}
	return g.wait()
}

// group runs functions concurrently and returns the first error.
type group struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	first error
}

func (g *group) run(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.mu.Lock()
			if g.first == nil {
				g.first = err
			}
			g.mu.Unlock()
		}
	}()
}

func (g *group) wait() error {
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	err := g.first
	g.first = nil
	return err
}

// shortDef names the index or constraint a statement makes.
func shortDef(def string) string {
	f := strings.Fields(def)
	for i, w := range f {
		if (w == "INDEX" || w == "CONSTRAINT") && i+1 < len(f) {
			return f[i+1]
		}
	}
	return def
}

// setSequences moves every id sequence past the ids written explicitly.
func setSequences(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT t.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype = 'a'
		JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		WHERE s.relkind = 'S' AND a.attname = 'id' AND t.relnamespace = 'public'::regnamespace ORDER BY 1`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce((SELECT max(id) FROM %s), 0) + 1, false)`, t, pgx.Identifier{t}.Sanitize())
		if _, err := conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (P *plan) insertStations(ctx context.Context, conn *pgx.Conn) error {
	w := P.w
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	// The stations' trigger makes their locations: it must fire.
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = origin`); err != nil {
		return err
	}
	created := w.now.AddDate(-4, 0, 0)
	for _, s := range w.stations {
		// INSERT, not COPY: the trigger makes each station's warehouse and quarantine.
		if _, err := tx.Exec(ctx, `INSERT INTO stations (id, code, name, kind, parent_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.id, s.code, s.name, s.kind, nullID(s.parent), created); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, station_id, kind FROM locations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, st int64
		var kind string
		if err := rows.Scan(&id, &st, &kind); err != nil {
			rows.Close()
			return err
		}
		if kind == "warehouse" {
			w.stations[st-1].wh = id
		} else {
			w.stations[st-1].qu = id
		}
	}
	rows.Close()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "username", "display_name", "role", "station_id", "password_hash", "phone", "created_at", "updated_at"},
		pgx.CopyFromSlice(len(w.users), func(i int) ([]any, error) {
			u := w.users[i]
			return []any{u.id, u.username, u.name, u.role, w.stations[u.station].id, w.hash, u.phone, created, created}, nil
		})); err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"user_events"}, []string{"user_id", "kind", "at", "data"},
		pgx.CopyFromSlice(len(w.users), func(i int) ([]any, error) {
			u := w.users[i]
			return []any{u.id, "created", created, fmt.Sprintf(`{"role":%q,"station_id":%d}`, u.role, w.stations[u.station].id)}, nil
		})); err != nil {
		return fmt.Errorf("copy user events: %w", err)
	}
	return tx.Commit(ctx)
}

func (P *plan) copyCatalogue(ctx context.Context, conn *pgx.Conn, pr *progress) error {
	w := P.w
	done := pr.step("parts %d", len(w.parts))
	_, err := copyRows(ctx, conn, "parts", []string{"id", "code", "name", "spec", "uom", "unit_price", "reorder_point", "valuable", "wear", "active", "created_at"},
		len(w.parts), func(i int, r []any) []any {
			p := w.parts[i]
			return append(r[:0], p.id, p.code, p.name, p.spec, p.uom, numericFen(p.priceFen), p.reorder, p.valuable, p.wear, true, p.createdAt)
		})
	if err == nil {
		done()
	}
	return err
}

func (P *plan) copyCustomers(ctx context.Context, conn *pgx.Conn, pr *progress) error {
	w := P.w
	n := len(w.custs)
	byID := func(i int) *cust { return w.custs[w.custByID[i]] }
	done := pr.step("customers %d", n)
	if _, err := copyRows(ctx, conn, "customers", []string{"id", "station_id", "name", "contact_person", "notes", "version", "created_at", "updated_at", "search"},
		n, func(i int, r []any) []any {
			c := byID(i)
			return append(r[:0], c.id, w.stations[c.station].id, c.name, c.contact, "", 1, c.createdAt, c.createdAt, c.search)
		}); err != nil {
		return err
	}
	type ph struct{ c, pos int }
	var phones []ph
	for i := range n {
		for pos := range byID(i).phones {
			phones = append(phones, ph{i, pos})
		}
	}
	if _, err := copyRows(ctx, conn, "customer_phones", []string{"customer_id", "raw", "e164", "label", "position"}, len(phones), func(i int, r []any) []any {
		c := byID(phones[i].c)
		p := c.phones[phones[i].pos]
		return append(r[:0], c.id, p.raw, p.e164, "", phones[i].pos)
	}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "customer_addresses", []string{"customer_id", "address", "label", "position"}, n, func(i int, r []any) []any {
		c := byID(i)
		return append(r[:0], c.id, c.address, "", 0)
	}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "units", []string{"id", "customer_id", "brand", "model", "serial", "purchase_date", "manufacture_date", "warranty_months", "install_address", "created_at"},
		n, func(i int, r []any) []any {
			c := byID(i)
			return append(r[:0], c.id, c.id, c.brand, c.model, c.serial, c.purchase, c.made, c.months, c.install, c.createdAt)
		}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "customer_events", []string{"customer_id", "actor_id", "at", "kind", "changes"}, 2*n, func(i int, r []any) []any {
		c := byID(i / 2)
		if i%2 == 0 {
			return append(r[:0], c.id, w.uid(c.creator), c.createdAt, "created", "{}")
		}
		ch := (&jb{}).num("unit_id", c.id).str("model", c.model).str("serial", c.serial).done()
		return append(r[:0], c.id, w.uid(c.creator), c.createdAt, "unit_added", ch)
	}); err != nil {
		return err
	}
	done()
	return nil
}

// orderCols are the columns of work_orders: id, then the service's own, in its order.
var orderCols = append([]string{"id"}, wo.OrderColumns()...)

// orderRow is an order's row for orderCols.
func orderRow(o *wo.Order, r []any) []any {
	return append(append(r[:0], o.ID), wo.OrderValues(o)...)
}

// copyOrders writes the orders in id order (the first pass over every history) and
// collects the rows other tables get from them.
func (P *plan) copyOrders(ctx context.Context, conn *pgx.Conn, pr *progress) (*kids, error) {
	w := P.w
	k := &kids{}
	done := pr.step("orders %d", len(P.orders))
	_, err := copyFrom(ctx, conn, "work_orders", orderCols, &source{next: func() func() ([]any, bool, error) {
		i := 0
		buf := make([]any, len(orderCols))
		return func() ([]any, bool, error) {
			if i >= len(P.byID) {
				return nil, false, nil
			}
			p := &P.orders[P.byID[i]]
			i++
			steps, f := w.buildAny(p)
			o, err := P.apply(p, steps, f, nil, k)
			if err != nil {
				return nil, false, err
			}
			return orderRow(&o, buf), true, nil
		}
	}()})
	if err != nil {
		return nil, err
	}
	done()
	done = pr.step("order counters %d", len(P.counters))
	keys := make([]counterKey, 0, len(P.counters))
	for key := range P.counters {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b counterKey) int {
		if c := a.day.Compare(b.day); c != 0 {
			return c
		}
		return int(a.station - b.station)
	})
	if _, err := copyRows(ctx, conn, "order_counters", []string{"station_id", "day", "last"}, len(keys), func(i int, r []any) []any {
		key := keys[i]
		return append(r[:0], w.stations[key.station].id, key.day, P.counters[key])
	}); err != nil {
		return nil, err
	}
	done()
	return k, nil
}

// evHeap merges the orders' events into time order, as they were written: each entry
// is an order's next event.
type evCursor struct {
	evs []evRow
	i   int
}
type evEntry struct {
	at    int64
	order int64
	c     *evCursor
}
type evHeap []evEntry

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(a, b int) bool {
	if h[a].at != h[b].at {
		return h[a].at < h[b].at
	}
	return h[a].order < h[b].order
}
func (h evHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *evHeap) Push(x any)   { *h = append(*h, x.(evEntry)) }
func (h *evHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (c *evCursor) entry() evEntry {
	e := &c.evs[c.i]
	return evEntry{at: e.at.UnixNano(), order: e.order, c: c}
}

// copyEvents writes every order's events (the second pass over every history) in the
// order they happened, so their ids interleave as in a live database.
func (P *plan) copyEvents(ctx context.Context, conn *pgx.Conn, pr *progress) error {
	w := P.w
	done := pr.step("events %d", w.sc.Events)
	h := &evHeap{}
	next := 0
	buf := make([]any, 10)
	var cur *evCursor
	load := func() error {
		p := &P.orders[P.byID[next]]
		next++
		steps, f := w.buildAny(p)
		c := &evCursor{evs: make([]evRow, 0, len(steps))}
		if _, err := P.apply(p, steps, f, func(e evRow) { c.evs = append(c.evs, e) }, nil); err != nil {
			return err
		}
		heap.Push(h, c.entry())
		return nil
	}
	n, err := copyFrom(ctx, conn, "work_order_events", []string{"order_id", "from_state", "to_state", "transition", "actor_id", "version", "input_hash", "at", "note", "data"},
		&source{next: func() ([]any, bool, error) {
			if cur != nil {
				cur.i++
				if cur.i < len(cur.evs) {
					(*h)[0] = cur.entry()
					heap.Fix(h, 0)
				} else {
					heap.Pop(h)
				}
				cur = nil
			}
			for next < len(P.byID) && (h.Len() == 0 || P.orders[P.byID[next]].t0.UnixNano() <= (*h)[0].at) {
				if err := load(); err != nil {
					return nil, false, err
				}
			}
			if h.Len() == 0 {
				return nil, false, nil
			}
			cur = (*h)[0].c
			e := &cur.evs[cur.i]
			// Pointers into the row, which stays put until pgx has encoded it: no boxing.
			var from *string
			if e.from != "" {
				from = &e.from
			}
			return append(buf[:0], &e.order, from, &e.to, &e.tr, &e.actor, &e.version, &e.hash, &e.at, &e.note, &e.data), true, nil
		}})
	if err != nil {
		return err
	}
	if int(n) != w.sc.Events {
		return fmt.Errorf("wrote %d events, want %d", n, w.sc.Events)
	}
	done()
	return nil
}

// copyKids writes the callbacks, fee lines, confirmations, settlements and parts used.
func (P *plan) copyKids(ctx context.Context, conn *pgx.Conn, k *kids, pr *progress) error {
	done := pr.step("callbacks %d, fee lines %d, settlements %d", len(k.cbs), len(k.fees), len(k.setts))
	sortStable(k.cbs, func(a, b *cbRow) int { return a.at.Compare(b.at) })
	sortStable(k.fees, func(a, b *feeRow) int { return a.at.Compare(b.at) })
	sortStable(k.confs, func(a, b *confRow) int { return a.at.Compare(b.at) })
	sortStable(k.setts, func(a, b *settRow) int { return a.at.Compare(b.at) })
	score := func(v int8) any {
		if v == 0 {
			return nil
		}
		return int(v)
	}
	if _, err := copyRows(ctx, conn, "callback_attempts", []string{"order_id", "outcome", "attitude", "timeliness", "quality", "overall", "satisfied", "comments", "note", "by_user", "at"},
		len(k.cbs), func(i int, r []any) []any {
			c := &k.cbs[i]
			var sat any
			if c.satisfied >= 0 {
				sat = c.satisfied == 1
			}
			return append(r[:0], c.order, c.outcome, score(c.scores[0]), score(c.scores[1]), score(c.scores[2]), score(c.scores[3]), sat, c.comments, c.note, c.by, c.at)
		}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "order_fee_lines", []string{"order_id", "kind", "fee_item_id", "part_id", "description", "quantity", "unit_price_fen", "amount_fen", "chargeable", "created_by", "created_at"},
		len(k.fees), func(i int, r []any) []any {
			f := &k.fees[i]
			return append(r[:0], f.order, f.kind, nullID(f.item), nullID(f.part), f.desc, f.qty, f.unit, f.amount, f.chargeable, f.by, f.at)
		}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "quote_confirmations", []string{"order_id", "total_fen", "customer_name", "via", "confirmed_by", "confirmed_at"},
		len(k.confs), func(i int, r []any) []any {
			c := &k.confs[i]
			return append(r[:0], c.order, c.total, c.name, c.via, c.by, c.at)
		}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "settlements", []string{"order_id", "amount_fen", "method", "receipt_no", "settled_by", "settled_at"},
		len(k.setts), func(i int, r []any) []any {
			s := &k.setts[i]
			return append(r[:0], s.order, s.amount, s.method, s.receiptNo, s.by, s.at)
		}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "order_parts_used", []string{"order_id", "part_id", "quantity"}, len(k.used), func(i int, r []any) []any {
		u := &k.used[i]
		return append(r[:0], u.order, u.part, u.qty)
	}); err != nil {
		return err
	}
	done()
	// The page order's signature, saved with its report.
	pg := &P.orders[P.page]
	steps, _ := P.w.buildAny(pg)
	last := steps[len(steps)-1]
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].tr == "complete" {
			last = steps[i]
			break
		}
	}
	c, err := attach.Check(attach.Signature, P.signature)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `INSERT INTO attachments (order_id, kind, content_type, size, sha256, data, thumb, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, pg.id, c.Kind, c.ContentType, len(c.Data), c.SHA256, c.Data, c.Thumb, P.w.uid(last.actor), last.at)
	return err
}

// copyStock writes the requisitions, receipts, stocktakes, the ledger and the balances.
func (P *plan) copyStock(ctx context.Context, conn *pgx.Conn, pr *progress) error {
	w, S := P.w, P.stock
	done := pr.step("requisitions %d", len(P.reqs))
	ord := make([]int, len(P.reqs))
	for i := range ord {
		ord[i] = i
	}
	slices.SortFunc(ord, func(a, b int) int { return int(P.reqs[a].id - P.reqs[b].id) })
	if _, err := copyRows(ctx, conn, "requisitions", []string{"id", "order_id", "station_id", "state", "version", "requested_by", "requested_at", "note",
		"decided_by", "decided_at", "reject_reason", "issued_by", "issued_at"}, len(ord), func(i int, r []any) []any {
		q := &P.reqs[ord[i]]
		return append(r[:0], q.id, P.orders[q.order].id, w.stations[q.station].id, "issued", 3+q.returns, w.uid(q.requestedBy), q.requestedAt, q.note,
			w.uid(q.decidedBy), q.decidedAt, "", w.uid(q.issuedBy), q.issuedAt)
	}); err != nil {
		return err
	}
	type ln struct{ q, l int }
	var lines []ln
	for _, i := range ord {
		for j := range P.reqs[i].lines {
			lines = append(lines, ln{i, j})
		}
	}
	if _, err := copyRows(ctx, conn, "requisition_lines", []string{"requisition_id", "part_id", "quantity", "issued", "returned"}, len(lines), func(i int, r []any) []any {
		q := &P.reqs[lines[i].q]
		l := q.lines[lines[i].l]
		return append(r[:0], q.id, w.parts[l.part].id, l.qty, l.qty, l.returned)
	}); err != nil {
		return err
	}
	done()

	done = pr.step("receipts %d, stocktakes %d", len(S.receipts), len(S.takes))
	rord := make([]int, len(S.receipts))
	for i := range rord {
		rord[i] = i
	}
	slices.SortFunc(rord, func(a, b int) int { return int(S.receipts[a].id - S.receipts[b].id) })
	if _, err := copyRows(ctx, conn, "receipts", []string{"id", "station_id", "supplier", "delivery_note", "note", "created_by", "created_at", "version"},
		len(rord), func(i int, r []any) []any {
			rc := &S.receipts[rord[i]]
			return append(r[:0], rc.id, w.stations[rc.station].id, rc.supplier, rc.dn, "", w.uid(rc.by), rc.at, 1)
		}); err != nil {
		return err
	}
	// Receipt lines in receipt order, ids following.
	var rl []int32
	for _, i := range rord {
		rl = append(rl, S.receipts[i].lines...)
	}
	if _, err := copyRows(ctx, conn, "receipt_lines", []string{"id", "receipt_id", "part_id", "delivered", "accepted", "rejected", "returned"},
		len(rl), func(i int, r []any) []any {
			l := &S.rlines[rl[i]]
			return append(r[:0], int64(i+1), S.receipts[l.receipt].id, w.parts[l.part].id, l.accepted+l.rejected, l.accepted, l.rejected, l.returned)
		}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "stocktakes", []string{"id", "location_id", "state", "opened_by", "opened_at", "posted_by", "posted_at", "version"},
		len(S.takes), func(i int, r []any) []any {
			t := &S.takes[i]
			return append(r[:0], t.id, t.loc, "posted", w.uid(t.by), t.openedAt, w.uid(t.by), t.postedAt, 3)
		}); err != nil {
		return err
	}
	done()

	done = pr.step("movements %d", len(S.order))
	refType := func(m *mv) any {
		if m.ref == refNone {
			return nil
		}
		return refName[m.ref]
	}
	if _, err := copyRows(ctx, conn, "stock_movements", []string{"id", "part_id", "location_id", "quantity", "kind", "ref_type", "ref_id", "order_id", "actor_id", "at", "note", "balance_after"},
		len(S.order), func(i int, r []any) []any {
			m := &S.mvs[S.order[i]]
			s := &S.streams[m.stream]
			return append(r[:0], m.id, w.parts[s.part].id, s.loc, m.qty, kindName[m.kind], refType(m), nullID(m.refID), nullID(m.order), w.uid(m.actor), m.at, m.note, m.bal)
		}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "stock_balances", []string{"part_id", "location_id", "quantity", "updated_at"}, len(S.streams), func(i int, r []any) []any {
		s := &S.streams[i]
		return append(r[:0], w.parts[s.part].id, s.loc, s.balance, s.updated)
	}); err != nil {
		return err
	}
	if _, err := copyRows(ctx, conn, "stocktake_lines", []string{"stocktake_id", "part_id", "expected", "counted", "reason", "movement_id"}, len(S.stLines), func(i int, r []any) []any {
		l := &S.stLines[i]
		var mid any
		if l.mv >= 0 {
			mid = S.mvs[l.mv].id
		}
		return append(r[:0], S.takes[l.take].id, w.parts[l.part].id, l.expected, l.counted, l.reason, mid)
	}); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `UPDATE locations l SET last_counted_at = t.posted FROM (SELECT location_id, max(posted_at) AS posted FROM stocktakes GROUP BY 1) t WHERE t.location_id = l.id`); err != nil {
		return err
	}
	done()
	return nil
}

// manifest names what the benchmarks use.
func (P *plan) manifest() Manifest {
	w := P.w
	hot, tech := w.stations[w.hot], w.stations[w.tech]
	m := Manifest{Scale: w.sc, HotStationID: hot.id,
		Supervisor: w.users[hot.sups[0]].username, Hotline: w.users[hot.hotlines[0]].username, Manager: w.users[w.manager].username,
		Storekeeper: w.users[tech.storekeeper].username, Technician: w.users[w.techUser].username,
		CentreManager: w.users[w.stations[hot.parent-1].manager].username,
		PageOrderID:   P.orders[P.page].id, LocationID: P.stock.locationID, PartIDs: P.stock.partIDs}
	for _, i := range P.hotOrd {
		m.HotOrderIDs = append(m.HotOrderIDs, P.orders[i].id)
	}
	for _, i := range P.issue {
		m.IssueOrderIDs = append(m.IssueOrderIDs, P.orders[i].id)
	}
	slices.Sort(m.HotOrderIDs)
	slices.Sort(m.IssueOrderIDs)
	// A customer of the hot station with history but nothing open.
	best := int32(-1)
	for _, ci := range hot.custs {
		c := w.custs[ci]
		if c.openOrders == 0 && (best < 0 || c.orders > w.custs[best].orders) {
			best = ci
		}
	}
	if best < 0 {
		best = hot.custs[0]
	}
	m.CustomerID, m.UnitID = w.custs[best].id, w.custs[best].id
	m.SearchTerm = P.searchTerm()
	return m
}

// searchTerm picks an industry word of the customer names that matches about 2.5 % of
// the orders (at least three characters, so the trigram index serves it).
func (P *plan) searchTerm() string {
	w := P.w
	best, bestDiff := "", 2.0
	for _, ind := range industries {
		if runeLen(ind.name) < 3 {
			continue
		}
		n := 0
		for _, c := range w.custs {
			if strings.Contains(c.name, ind.name) {
				n += int(c.orders)
			}
		}
		share := float64(n) / float64(len(P.orders))
		diff := share - 0.025
		if diff < 0 {
			diff = -diff
		}
		if share < 0.01 || share > 0.05 {
			diff += 1
		}
		if diff < bestDiff {
			best, bestDiff = ind.name, diff
		}
	}
	return best
}
