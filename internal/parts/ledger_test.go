package parts_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type world struct {
	pool       *pgxpool.Pool
	actor      int64
	warehouse  int64
	quarantine int64
	parts      []int64
}

func setup(t *testing.T) world {
	t.Helper()
	pool := testkit.BaseDB(t)
	ctx := context.Background()
	w := world{pool: pool, actor: testkit.UserID(t, pool, "storekeeper")}
	if err := pool.QueryRow(ctx, `SELECT l.id FROM locations l JOIN stations s ON s.id = l.station_id WHERE s.code = 'SH' AND l.kind = 'warehouse'`).Scan(&w.warehouse); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT l.id FROM locations l JOIN stations s ON s.id = l.station_id WHERE s.code = 'SH' AND l.kind = 'quarantine'`).Scan(&w.quarantine); err != nil {
		t.Fatal(err)
	}
	rows, _ := pool.Query(ctx, `SELECT id FROM parts ORDER BY id LIMIT 5`)
	w.parts, _ = pgx.CollectRows(rows, pgx.RowTo[int64])
	return w
}

func (w world) post(ctx context.Context, lines ...parts.Line) ([]parts.Movement, error) {
	var out []parts.Movement
	err := db.InTx(ctx, w.pool, func(tx pgx.Tx) error {
		var err error
		out, err = parts.Post(ctx, tx, w.actor, time.Now(), lines)
		return err
	})
	return out, err
}

func (w world) balance(t *testing.T, part, loc int64) int {
	t.Helper()
	var q int
	_ = w.pool.QueryRow(context.Background(), `SELECT coalesce((SELECT quantity FROM stock_balances WHERE part_id = $1 AND location_id = $2), 0)`, part, loc).Scan(&q)
	return q
}

func (w world) mustBeSound(t *testing.T) {
	t.Helper()
	problems, _, _, err := parts.CheckLedger(context.Background(), w.pool)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ledger: %v %v", problems, err)
	}
}

func TestEveryStationHasAWarehouseAndAQuarantine(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	var missing int
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM stations s WHERE NOT EXISTS (SELECT 1 FROM locations WHERE station_id = s.id AND kind = 'warehouse')
		OR NOT EXISTS (SELECT 1 FROM locations WHERE station_id = s.id AND kind = 'quarantine')`).Scan(&missing)
	if missing != 0 {
		t.Errorf("%d stations lack a warehouse or quarantine", missing)
	}
}

func TestFiftyConcurrentIssuesOfTen(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	part := w.parts[0]
	if _, err := w.post(ctx, parts.Line{PartID: part, LocationID: w.warehouse, Quantity: 10, Kind: parts.Receipt}); err != nil {
		t.Fatal(err)
	}
	var ok, short int
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := w.post(ctx, parts.Line{PartID: part, LocationID: w.warehouse, Quantity: -1, Kind: parts.Issue})
			mu.Lock()
			defer mu.Unlock()
			switch e := apperr.As(err); {
			case err == nil:
				ok++
			case e.Code == apperr.Conflict && e.Key == "parts.not_enough":
				short++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok != 10 || short != 40 {
		t.Fatalf("%d issued, %d refused; want 10 and 40", ok, short)
	}
	if b := w.balance(t, part, w.warehouse); b != 0 {
		t.Errorf("balance %d", b)
	}
	w.mustBeSound(t)
	// The refusal says what is there.
	_, err := w.post(ctx, parts.Line{PartID: part, LocationID: w.warehouse, Quantity: -2, Kind: parts.Issue})
	if e := apperr.As(err); e.Data["Available"] != 0 || e.Data["Wanted"] != 2 || e.Data["Location"] != "仓库" {
		t.Errorf("refusal data %v", e.Data)
	}
}

// TestConcurrentMovesNeverDeadlock posts many multi-line movements over overlapping parts
// in random order from many goroutines: the fixed lock order must leave no deadlock.
func TestConcurrentMovesNeverDeadlock(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, seed*7+1))
			for i := 0; i < 25; i++ {
				var lines []parts.Line
				for _, p := range r.Perm(len(w.parts))[:1+r.IntN(4)] {
					q := 1 + r.IntN(3)
					kind := parts.Receipt
					if r.IntN(2) == 0 {
						q, kind = -q, parts.Issue
					}
					loc := w.warehouse
					if r.IntN(4) == 0 {
						loc = w.quarantine
					}
					lines = append(lines, parts.Line{PartID: w.parts[p], LocationID: loc, Quantity: q, Kind: kind})
				}
				if _, err := w.post(ctx, lines...); err != nil && apperr.As(err).Key != "parts.not_enough" {
					errs <- err
				}
			}
		}(uint64(g + 1))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected (deadlock?): %v", err)
	}
	w.mustBeSound(t)
}

func TestLedgerIsAppendOnlyAndNeverNegative(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	ms, err := w.post(ctx, parts.Line{PartID: w.parts[1], LocationID: w.warehouse, Quantity: 5, Kind: parts.Receipt, RefType: "receipt", RefID: 1})
	if err != nil || ms[0].BalanceAfter != 5 {
		t.Fatalf("%v %v", ms, err)
	}
	for _, sql := range []string{`UPDATE stock_movements SET quantity = 6`, `DELETE FROM stock_movements`, `TRUNCATE stock_movements CASCADE`, `UPDATE stock_balances SET quantity = -1`} {
		if _, err := w.pool.Exec(ctx, sql); err == nil {
			t.Errorf("the database allowed: %s", sql)
		}
	}
	// A receipt cannot be negative, an issue cannot be positive.
	if _, err := w.post(ctx, parts.Line{PartID: w.parts[1], LocationID: w.warehouse, Quantity: -1, Kind: parts.Receipt}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("negative receipt: %v", err)
	}
	// A mistake is corrected by a reversing movement, once.
	err = db.InTx(ctx, w.pool, func(tx pgx.Tx) error {
		_, err := parts.Reverse(ctx, tx, w.actor, time.Now(), ms[0].ID, "数量录错")
		return err
	})
	if err != nil || w.balance(t, w.parts[1], w.warehouse) != 0 {
		t.Fatalf("reverse: %v, balance %d", err, w.balance(t, w.parts[1], w.warehouse))
	}
	err = db.InTx(ctx, w.pool, func(tx pgx.Tx) error {
		_, err := parts.Reverse(ctx, tx, w.actor, time.Now(), ms[0].ID, "again")
		return err
	})
	if apperr.As(err).Key != "parts.already_reversed" {
		t.Errorf("second reversal: %v", err)
	}
	w.mustBeSound(t)
}

func TestCheckLedgerFindsPlantedInconsistencies(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	if _, err := w.post(ctx, parts.Line{PartID: w.parts[2], LocationID: w.warehouse, Quantity: 4, Kind: parts.Receipt},
		parts.Line{PartID: w.parts[3], LocationID: w.warehouse, Quantity: 2, Kind: parts.Receipt}); err != nil {
		t.Fatal(err)
	}
	w.mustBeSound(t)
	// A balance changed behind the ledger's back.
	if _, err := w.pool.Exec(ctx, `UPDATE stock_balances SET quantity = quantity + 1 WHERE part_id = $1`, w.parts[2]); err != nil {
		t.Fatal(err)
	}
	// A movement appended by hand with a wrong running balance.
	if _, err := w.pool.Exec(ctx, `INSERT INTO stock_movements (part_id, location_id, quantity, kind, actor_id, at, balance_after)
		VALUES ($1, $2, 1, 'receipt', $3, now(), 9)`, w.parts[3], w.warehouse, w.actor); err != nil {
		t.Fatal(err)
	}
	problems, _, _, err := parts.CheckLedger(ctx, w.pool)
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, p := range problems {
		text += p.String() + "\n"
	}
	if !strings.Contains(text, "balance 5, movements sum to 4") || !strings.Contains(text, "says balance 9, the running sum is 3") {
		t.Errorf("problems found:\n%s", text)
	}
}
