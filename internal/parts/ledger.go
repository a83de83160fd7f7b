// Package parts keeps the parts ledger (配件台账): an append-only list of stock
// movements with one balance per part and location that never goes below zero.
package parts

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Movement kinds (出入库类型).
const (
	Receipt          = "receipt"            // 入库
	Issue            = "issue"              // 领用出库
	Return           = "return"             // 退库
	Adjustment       = "adjustment"         // 盘点调整
	Scrap            = "scrap"              // 报废
	ReturnToSupplier = "return_to_supplier" // 退供应商
	Transfer         = "transfer"           // 调拨
)

// Line is one movement to post: a signed quantity of a part at a location.
type Line struct {
	PartID     int64
	LocationID int64
	// Quantity is signed: positive into the location, negative out of it.
	Quantity int
	Kind     string
	// RefType and RefID name what caused the movement (receipt, requisition, order,
	// stocktake, movement); OrderID links an issue or return to a work order.
	RefType string
	RefID   int64
	OrderID int64
	Note    string
	// Reverses is the movement this one corrects.
	Reverses int64
}

// Movement is a posted ledger row.
type Movement struct {
	ID           int64     `db:"id"`
	PartID       int64     `db:"part_id"`
	LocationID   int64     `db:"location_id"`
	Quantity     int       `db:"quantity"`
	Kind         string    `db:"kind"`
	RefType      *string   `db:"ref_type"`
	RefID        *int64    `db:"ref_id"`
	OrderID      *int64    `db:"order_id"`
	ActorID      int64     `db:"actor_id"`
	At           time.Time `db:"at"`
	Note         string    `db:"note"`
	BalanceAfter int       `db:"balance_after"`
	Reverses     *int64    `db:"reverses"`
}

type key struct{ part, location int64 }

// Post writes lines to the ledger in the caller's transaction. It locks the balance rows
// in (part, location) order, so concurrent posts over the same parts queue up instead of
// deadlocking; refuses the whole post with Conflict "parts.not_enough" (naming the part,
// what is there and what was asked) when any balance would go below zero; and appends each
// movement with the balance after it.
func Post(ctx context.Context, tx pgx.Tx, actorID int64, at time.Time, lines []Line) ([]Movement, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	keys := make([]key, 0, len(lines))
	seen := map[key]bool{}
	for _, l := range lines {
		if l.Quantity == 0 {
			return nil, apperr.Fields(map[string]string{"quantity": "parts.quantity_zero"})
		}
		k := key{l.PartID, l.LocationID}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].part != keys[j].part {
			return keys[i].part < keys[j].part
		}
		return keys[i].location < keys[j].location
	})
	balance := map[key]int{}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `INSERT INTO stock_balances (part_id, location_id, quantity, updated_at) VALUES ($1, $2, 0, $3)
			ON CONFLICT (part_id, location_id) DO NOTHING`, k.part, k.location, at); err != nil {
			return nil, db.Translate(err, "balance row")
		}
		var q int
		if err := tx.QueryRow(ctx, `SELECT quantity FROM stock_balances WHERE part_id = $1 AND location_id = $2 FOR UPDATE`, k.part, k.location).Scan(&q); err != nil {
			return nil, db.Translate(err, "lock balance")
		}
		balance[k] = q
	}
	out := make([]Movement, 0, len(lines))
	for _, l := range lines {
		k := key{l.PartID, l.LocationID}
		after := balance[k] + l.Quantity
		if after < 0 {
			var code, loc string
			_ = tx.QueryRow(ctx, `SELECT p.code, l.name FROM parts p, locations l WHERE p.id = $1 AND l.id = $2`, l.PartID, l.LocationID).Scan(&code, &loc)
			return nil, apperr.New(apperr.Conflict, "parts.not_enough", "Part", code, "Location", loc, "Available", balance[k], "Wanted", -l.Quantity)
		}
		balance[k] = after
		m := Movement{PartID: l.PartID, LocationID: l.LocationID, Quantity: l.Quantity, Kind: l.Kind, ActorID: actorID, At: at, Note: l.Note, BalanceAfter: after}
		if l.RefType != "" {
			m.RefType, m.RefID = &l.RefType, &l.RefID
		}
		if l.OrderID != 0 {
			m.OrderID = &l.OrderID
		}
		if l.Reverses != 0 {
			m.Reverses = &l.Reverses
		}
		err := tx.QueryRow(ctx, `INSERT INTO stock_movements (part_id, location_id, quantity, kind, ref_type, ref_id, order_id, actor_id, at, note, balance_after, reverses)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			m.PartID, m.LocationID, m.Quantity, m.Kind, m.RefType, m.RefID, m.OrderID, m.ActorID, m.At, m.Note, m.BalanceAfter, m.Reverses).Scan(&m.ID)
		if err != nil {
			return nil, db.Translate(err, "movement")
		}
		out = append(out, m)
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `UPDATE stock_balances SET quantity = $3, updated_at = $4 WHERE part_id = $1 AND location_id = $2`,
			k.part, k.location, balance[k], at); err != nil {
			return nil, db.Translate(err, "balance")
		}
	}
	return out, nil
}

// Reverse corrects a movement by posting its opposite, referencing it (never an edit).
// A movement is reversed at most once (Conflict "parts.already_reversed").
func Reverse(ctx context.Context, tx pgx.Tx, actorID int64, at time.Time, movementID int64, note string) (Movement, error) {
	var m Movement
	err := tx.QueryRow(ctx, `SELECT part_id, location_id, quantity, kind, order_id FROM stock_movements WHERE id = $1`, movementID).
		Scan(&m.PartID, &m.LocationID, &m.Quantity, &m.Kind, &m.OrderID)
	if err != nil {
		return Movement{}, db.Translate(err, "movement")
	}
	var done bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM stock_movements WHERE reverses = $1)`, movementID).Scan(&done); err != nil {
		return Movement{}, db.Translate(err, "reversed")
	}
	if done {
		return Movement{}, apperr.New(apperr.Conflict, "parts.already_reversed")
	}
	l := Line{PartID: m.PartID, LocationID: m.LocationID, Quantity: -m.Quantity, Kind: m.Kind, RefType: "movement", RefID: movementID, Note: note, Reverses: movementID}
	if m.OrderID != nil {
		l.OrderID = *m.OrderID
	}
	ms, err := Post(ctx, tx, actorID, at, []Line{l})
	if err != nil {
		return Movement{}, err
	}
	return ms[0], nil
}

// Problem is one inconsistency CheckLedger found.
type Problem struct {
	PartID, LocationID int64
	What               string
}

func (p Problem) String() string {
	return fmt.Sprintf("part %d at location %d: %s", p.PartID, p.LocationID, p.What)
}

// CheckLedger verifies the whole ledger: every balance equals the sum of its movements,
// every movement's balance_after equals the running sum up to it, and every part and
// location with movements has its balance row. It returns the problems (none when the
// ledger is sound) and how many balances and movements it read.
func CheckLedger(ctx context.Context, pool *pgxpool.Pool) (problems []Problem, balances, movements int, err error) {
	rows, err := pool.Query(ctx, `SELECT coalesce(b.part_id, m.part_id), coalesce(b.location_id, m.location_id), b.quantity, m.total, m.n
		FROM stock_balances b
		FULL JOIN (SELECT part_id, location_id, sum(quantity) AS total, count(*) AS n FROM stock_movements GROUP BY 1, 2) m
			ON m.part_id = b.part_id AND m.location_id = b.location_id`)
	if err != nil {
		return nil, 0, 0, db.Translate(err, "check balances")
	}
	for rows.Next() {
		var part, loc int64
		var q, total, n *int64
		if err := rows.Scan(&part, &loc, &q, &total, &n); err != nil {
			rows.Close()
			return nil, 0, 0, db.Translate(err, "check balances")
		}
		switch {
		case q == nil:
			problems = append(problems, Problem{part, loc, fmt.Sprintf("%d movements but no balance row", *n)})
		case total == nil && *q != 0:
			problems = append(problems, Problem{part, loc, fmt.Sprintf("balance %d without movements", *q)})
		case total != nil && *total != *q:
			problems = append(problems, Problem{part, loc, fmt.Sprintf("balance %d, movements sum to %d", *q, *total)})
		}
		if q != nil {
			balances++
		}
		if n != nil {
			movements += int(*n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, 0, db.Translate(err, "check balances")
	}
	rows, err = pool.Query(ctx, `SELECT part_id, location_id, id, balance_after, running FROM (
		SELECT part_id, location_id, id, balance_after,
			sum(quantity) OVER (PARTITION BY part_id, location_id ORDER BY id) AS running
		FROM stock_movements) r WHERE balance_after <> running ORDER BY part_id, location_id, id`)
	if err != nil {
		return nil, 0, 0, db.Translate(err, "check running balances")
	}
	defer rows.Close()
	for rows.Next() {
		var part, loc, id, after, running int64
		if err := rows.Scan(&part, &loc, &id, &after, &running); err != nil {
			return nil, 0, 0, db.Translate(err, "check running balances")
		}
		problems = append(problems, Problem{part, loc, fmt.Sprintf("movement %d says balance %d, the running sum is %d", id, after, running)})
	}
	return problems, balances, movements, db.Translate(rows.Err(), "check running balances")
}
