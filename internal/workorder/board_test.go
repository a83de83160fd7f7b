package workorder_test

import (
	"context"
	"github.com/aftersales/aftersales/internal/auth"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// seed100kOrders adds 100,000 orders to the demo stations: a year of closed ones and 500
// open ones on the Shanghai board, then gathers statistics as autovacuum would.
func seed100kOrders(ctx context.Context, pool *pgxpool.Pool) error {
	if err := demo.SeedBase(ctx, pool); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, `INSERT INTO work_orders (number, search, station_id, state, channel, customer_id, symptom, urgency, service_type, warranty,
		contact_due_at, arrive_due_at, created_by, created_at, updated_at, closed_at)
		SELECT 'GD-B-' || g, 'GD-B-' || g, CASE WHEN g % 3 = 0 THEN (SELECT id FROM stations WHERE code = 'SZ') ELSE (SELECT id FROM stations WHERE code = 'SH') END,
			CASE WHEN g <= 750 THEN (ARRAY['awaiting_dispatch', 'received', 'assessing'])[g % 3 + 1] ELSE 'closed' END,
			'phone', (SELECT min(id) FROM customers), '故障', 'normal', 'repair', 'unknown',
			now(), now(), (SELECT id FROM users WHERE username = 'hotline'), now() - g * interval '5 minutes', now(),
			CASE WHEN g > 750 THEN now() END
		FROM generate_series(1, 100000) g`)
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, `VACUUM ANALYZE work_orders`)
	return err
}

// TestBoardQueryUsesTheOpenStateIndex: at 100k orders the board reads the partial indexes
// on open states rather than the whole table, the state view's ranking from the index only.
func TestBoardQueryUsesTheOpenStateIndex(t *testing.T) {
	t.Parallel()
	pool := testdb.Seeded(t, "board100k", seed100kOrders)
	ctx := context.Background()
	var sh int64
	if err := pool.QueryRow(ctx, `SELECT id FROM stations WHERE code = 'SH'`).Scan(&sh); err != nil {
		t.Fatal(err)
	}
	for _, f := range []wo.BoardFilter{{}, {Urgency: "normal"}, {Overdue: true}, {FirstOnly: true}, {FirstOnly: true, Urgency: "urgent"}} {
		query := wo.BoardQuery
		if f.FirstOnly {
			query = wo.BoardFirstQuery
		}
		sql, args := query(auth.Actor{Role: auth.RoleSupervisor, Stations: []int64{sh}}, f, time.Now())
		// EXPLAIN returns one row per plan line.
		rows, err := pool.Query(ctx, "EXPLAIN "+sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			var l string
			_ = rows.Scan(&l)
			lines = append(lines, l)
		}
		rows.Close()
		text := strings.Join(lines, "\n")
		// The state view ranks its columns from the board index alone.
		want := "work_orders_open_idx"
		if f.FirstOnly {
			want = "Index Only Scan using work_orders_board_idx"
		}
		if !strings.Contains(text, want) {
			t.Errorf("filter %+v: the board does not use %s:\n%s", f, want, text)
		}
		if strings.Contains(text, "Seq Scan on work_orders") {
			t.Errorf("filter %+v: sequential scan of work_orders:\n%s", f, text)
		}
	}
}

// The state view reads only each column's first cards and its count: the same cards, in
// the same order, and the same counts as the full board gives, ties included.
func TestBoardFirstCardsAgreeWithTheFullBoard(t *testing.T) {
	t.Parallel()
	pool := testdb.Seeded(t, "board100k", seed100kOrders)
	ctx := context.Background()
	var sh int64
	if err := pool.QueryRow(ctx, `SELECT id FROM stations WHERE code = 'SH'`).Scan(&sh); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	svc := wo.NewService(pool, time.Now, loc)
	sup := auth.Actor{Role: auth.RoleSupervisor, Stations: []int64{sh}}
	for _, f := range []wo.BoardFilter{{}, {Urgency: "normal"}, {Text: "GD-B-1"}} {
		full, err := svc.Board(ctx, sup, f)
		if err != nil {
			t.Fatal(err)
		}
		f.FirstOnly = true
		first, err := svc.Board(ctx, sup, f)
		if err != nil {
			t.Fatal(err)
		}
		if first.Total != full.Total || full.Total == 0 {
			t.Errorf("%+v: total %d, full board %d", f, first.Total, full.Total)
		}
		ids := func(list []wo.Card) (out []int64) {
			for _, c := range wo.FirstCards(list) {
				out = append(out, c.ID)
			}
			return out
		}
		if got, want := ids(first.Intake), ids(full.Intake); !slices.Equal(got, want) || first.Count(wo.Received) != full.Count(wo.Received) {
			t.Errorf("%+v: new calls %v (%d), full board %v (%d)", f, got, first.Count(wo.Received), want, full.Count(wo.Received))
		}
		for _, st := range wo.BoardStates {
			if got, want := ids(first.Columns[st]), ids(full.Columns[st]); !slices.Equal(got, want) || first.Count(st) != full.Count(st) {
				t.Errorf("%+v, %s: %v (%d), full board %v (%d)", f, st, got, first.Count(st), want, full.Count(st))
			}
			if len(first.Columns[st]) > wo.ColumnCards {
				t.Errorf("%+v, %s: %d cards read", f, st, len(first.Columns[st]))
			}
		}
	}
}
