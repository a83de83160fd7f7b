package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersales/aftersales/internal/workflow"
)

// Ref is a requisition and its version.
type Ref struct {
	ID      int64
	Version int
}

// NewRequisitions creates n approved requisitions, as parts.Service.Request and Approve
// leave them: requested by the Technician for one of m.IssueOrderIDs, approved by a
// supervisor of its station, one line of quantity 1 of a part drawn Zipf-skewed
// (s = 1.1, v = 1) over m.PartIDs. Before that it tops up the warehouse at m.LocationID
// with a goods receipt (receipt, lines and ledger movements as parts.Post writes them)
// so that every approved requisition of the station can be issued. All in one
// transaction.
func NewRequisitions(ctx context.Context, pool *pgxpool.Pool, m Manifest, n int, seed uint64) ([]Ref, error) {
	if n <= 0 {
		return nil, nil
	}
	if len(m.PartIDs) == 0 || len(m.IssueOrderIDs) == 0 {
		return nil, errors.New("seed: the manifest has no parts or orders to requisition")
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	z := rand.NewZipf(r, 1.1, 1, uint64(len(m.PartIDs)-1))
	type want struct{ order, part int64 }
	wants := make([]want, n)
	for i := range wants {
		wants[i] = want{order: m.IssueOrderIDs[r.IntN(len(m.IssueOrderIDs))], part: m.PartIDs[z.Uint64()]}
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var station, tech, sup, keeper int64
	err = tx.QueryRow(ctx, `SELECT l.station_id,
		(SELECT id FROM users WHERE username = $2),
		(SELECT id FROM users WHERE station_id = l.station_id AND role = 'supervisor' AND active ORDER BY id LIMIT 1),
		(SELECT id FROM users WHERE station_id = l.station_id AND role = 'storekeeper' AND active ORDER BY id LIMIT 1)
		FROM locations l WHERE l.id = $1`, m.LocationID, m.Technician).Scan(&station, &tech, &sup, &keeper)
	if err != nil {
		return nil, fmt.Errorf("seed: location %d: %w", m.LocationID, err)
	}
	// The orders must be the Technician's, at the station, under way (Request's rules).
	rows, err := tx.Query(ctx, `SELECT id FROM work_orders WHERE id = ANY($1) AND station_id = $2 AND assignee_id = $3
		AND `+workflow.StateColumnIs("state", workflow.PartsStates...), m.IssueOrderIDs, station, tech)
	if err != nil {
		return nil, err
	}
	ok, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	okSet := map[int64]bool{}
	for _, id := range ok {
		okSet[id] = true
	}
	for _, x := range wants {
		if !okSet[x.order] {
			return nil, fmt.Errorf("seed: order %d cannot have parts requested for it", x.order)
		}
	}
	now := time.Now()

	// Top up: every approved requisition of the station, these included, must be
	// issuable from the warehouse.
	demand := map[int64]int{}
	for _, x := range wants {
		demand[x.part]++
	}
	parts := make([]int64, 0, len(demand))
	for p := range demand {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	rows, err = tx.Query(ctx, `SELECT l.part_id, sum(l.quantity - l.issued)::int FROM requisition_lines l JOIN requisitions q ON q.id = l.requisition_id
		WHERE q.station_id = $1 AND q.state = 'approved' AND l.part_id = ANY($2) GROUP BY 1`, station, parts)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p int64
		var q int
		if err := rows.Scan(&p, &q); err != nil {
			rows.Close()
			return nil, err
		}
		demand[p] += q
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Lock the balances in part order, as parts.Post does.
	if _, err := tx.Exec(ctx, `INSERT INTO stock_balances (part_id, location_id, quantity, updated_at)
		SELECT p, $2, 0, $3 FROM unnest($1::bigint[]) p ON CONFLICT (part_id, location_id) DO NOTHING`, parts, m.LocationID, now); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT part_id, quantity FROM stock_balances WHERE location_id = $1 AND part_id = ANY($2) ORDER BY part_id FOR UPDATE`, m.LocationID, parts)
	if err != nil {
		return nil, err
	}
	balance := map[int64]int{}
	for rows.Next() {
		var p int64
		var q int
		if err := rows.Scan(&p, &q); err != nil {
			rows.Close()
			return nil, err
		}
		balance[p] = q
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	type topUp struct {
		part     int64
		qty, bal int
	}
	var tops []topUp
	for _, p := range parts {
		if need := demand[p] - balance[p]; need > 0 {
			q := need + 5 + need/5
			tops = append(tops, topUp{p, q, balance[p] + q})
		}
	}
	if len(tops) > 0 {
		dn := fmt.Sprintf("BH%s-%d-%d", now.Format("20060102150405"), seed, now.UnixNano()%1_000_000)
		var receipt int64
		if err := tx.QueryRow(ctx, `INSERT INTO receipts (station_id, supplier, delivery_note, note, created_by, created_at)
			VALUES ($1, $2, $3, '', $4, $5) RETURNING id`, station, suppliers[0], dn, keeper, now).Scan(&receipt); err != nil {
			return nil, err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"receipt_lines"}, []string{"receipt_id", "part_id", "delivered", "accepted", "rejected"},
			pgx.CopyFromSlice(len(tops), func(i int) ([]any, error) {
				return []any{receipt, tops[i].part, tops[i].qty, tops[i].qty, 0}, nil
			})); err != nil {
			return nil, err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stock_movements"}, []string{"part_id", "location_id", "quantity", "kind", "ref_type", "ref_id", "actor_id", "at", "note", "balance_after"},
			pgx.CopyFromSlice(len(tops), func(i int) ([]any, error) {
				t := tops[i]
				return []any{t.part, m.LocationID, t.qty, "receipt", "receipt", receipt, keeper, now, dn, t.bal}, nil
			})); err != nil {
			return nil, err
		}
		ids, qs := make([]int64, len(tops)), make([]int32, len(tops))
		for i, t := range tops {
			ids[i], qs[i] = t.part, int32(t.bal)
		}
		if _, err := tx.Exec(ctx, `UPDATE stock_balances b SET quantity = v.q, updated_at = $4 FROM unnest($2::bigint[], $3::int[]) AS v(p, q)
			WHERE b.location_id = $1 AND b.part_id = v.p`, m.LocationID, ids, qs, now); err != nil {
			return nil, err
		}
	}

	// The requisitions, requested and approved.
	rows, err = tx.Query(ctx, `SELECT nextval('requisitions_id_seq') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, err
	}
	reqIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"requisitions"}, []string{"id", "order_id", "station_id", "state", "version", "requested_by", "requested_at", "note", "decided_by", "decided_at"},
		pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return []any{reqIDs[i], wants[i].order, station, "approved", 2, tech, now, "", sup, now}, nil
		})); err != nil {
		return nil, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"requisition_lines"}, []string{"requisition_id", "part_id", "quantity"},
		pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return []any{reqIDs[i], wants[i].part, 1}, nil
		})); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	refs := make([]Ref, n)
	for i, id := range reqIDs {
		refs[i] = Ref{ID: id, Version: 2}
	}
	return refs, nil
}
