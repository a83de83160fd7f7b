package parts_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/testkit"
)

func stocktakeInt(n int) *int { return &n }

func TestStocktakeWithAVariancePostsAnAdjustment(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	svc := parts.NewService(w.pool, time.Now, time.UTC)
	keeper := testkit.Actor(t, w.pool, "storekeeper")
	a, b, c := w.parts[0], w.parts[1], w.parts[2]
	if _, err := w.post(ctx, parts.Line{PartID: a, LocationID: w.warehouse, Quantity: 10, Kind: parts.Receipt},
		parts.Line{PartID: b, LocationID: w.warehouse, Quantity: 4, Kind: parts.Receipt}); err != nil {
		t.Fatal(err)
	}

	over, err := svc.Stocktakes(ctx, keeper)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, l := range over.Locations {
		if l.ID == w.warehouse {
			found = true
			if !l.Due || l.LastCountedAt != nil || l.Open != nil {
				t.Errorf("never counted warehouse: %+v", l)
			}
		}
	}
	if !found || !over.CanCount {
		t.Fatalf("overview: %+v", over)
	}

	st, err := svc.OpenStocktake(ctx, keeper, w.warehouse)
	if err != nil {
		t.Fatal(err)
	}
	// One open count per location.
	_, err = svc.OpenStocktake(ctx, keeper, w.warehouse)
	if e := apperr.As(err); e.Code != apperr.Conflict || e.Key != "stocktake.already_open" || e.Data["ID"] != st.ID {
		t.Fatalf("second open count: %v", err)
	}
	if _, err := svc.OpenStocktake(ctx, testkit.Actor(t, w.pool, "manager"), w.quarantine); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("manager opens a count: %v", err)
	}

	sheet, err := svc.StocktakeSheet(ctx, keeper, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet.Lines) != 2 || !sheet.CanCount {
		t.Fatalf("sheet lines %+v", sheet.Lines)
	}

	// Count a: 9 (one missing), b not yet; c found on the shelf (not in the ledger).
	st, err = svc.SaveCounts(ctx, keeper, st.ID, st.Version, []parts.Count{{PartID: a, Counted: stocktakeInt(9)}, {PartID: c, Counted: stocktakeInt(1), Reason: "找到未入账的"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveCounts(ctx, keeper, st.ID, st.Version-1, nil); apperr.As(err).Key != "stocktake.stale" {
		t.Fatalf("an old version: %v", err)
	}
	// The ledger moves while counting: the variance is taken against the balance at posting.
	if _, err := w.post(ctx, parts.Line{PartID: a, LocationID: w.warehouse, Quantity: -2, Kind: parts.Issue}); err != nil {
		t.Fatal(err)
	}

	// Posting refuses an uncounted line with a balance and a variance without a reason.
	_, err = svc.PostStocktake(ctx, keeper, st.ID, st.Version, nil)
	e := apperr.As(err)
	if e.Code != apperr.Invalid || e.Key != "stocktake.cannot_post" ||
		e.Fields[parts.StocktakeField("counted", b)] != "stocktake.field.count_required" ||
		e.Fields[parts.StocktakeField("reason", a)] != "stocktake.field.reason_required" || len(e.Fields) != 2 {
		t.Fatalf("incomplete post: %v", err)
	}
	if n := receiptCount(t, w, `SELECT count(*) FROM stock_movements WHERE kind = 'adjustment'`); n != 0 {
		t.Fatalf("a refused post wrote %d adjustments", n)
	}
	// Counted 9 against 8 now: +1 with a reason; b counted as in the ledger.
	st, err = svc.PostStocktake(ctx, keeper, st.ID, st.Version, []parts.Count{
		{PartID: a, Counted: stocktakeInt(9), Reason: "领料未退回，已找到"},
		{PartID: b, Counted: stocktakeInt(4)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.State != parts.StocktakePosted || st.PostedAt == nil {
		t.Fatalf("after posting: %+v", st)
	}
	if got := w.balance(t, a, w.warehouse); got != 9 {
		t.Errorf("a after the count %d, want 9", got)
	}
	if got := w.balance(t, c, w.warehouse); got != 1 {
		t.Errorf("c after the count %d, want 1", got)
	}
	if n := receiptCount(t, w, `SELECT count(*) FROM stock_movements WHERE kind = 'adjustment' AND ref_type = 'stocktake' AND ref_id = $1`, st.ID); n != 2 {
		t.Errorf("%d adjustments, want 2", n)
	}
	var q int
	var note string
	_ = w.pool.QueryRow(ctx, `SELECT quantity, note FROM stock_movements WHERE kind = 'adjustment' AND part_id = $1`, a).Scan(&q, &note)
	if q != 1 || note != "领料未退回，已找到" {
		t.Errorf("adjustment of a: %d %q", q, note)
	}
	posted, err := svc.StocktakeSheet(ctx, keeper, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if posted.CanCount || len(posted.Lines) != 3 {
		t.Fatalf("posted sheet: %+v", posted)
	}
	for _, l := range posted.Lines {
		if l.PartID == a && (l.Ledger != 8 || *l.Counted != 9 || l.Variance() != 1 || l.MovementID == nil) {
			t.Errorf("posted line a: %+v", l)
		}
	}
	over, _ = svc.Stocktakes(ctx, keeper)
	for _, l := range over.Locations {
		if l.ID == w.warehouse && (l.LastCountedAt == nil || l.Due || l.Open != nil) {
			t.Errorf("after the count: %+v", l)
		}
	}
	// Posted counts are never changed, and may be counted again with a new stocktake.
	if _, err := svc.SaveCounts(ctx, keeper, st.ID, st.Version, nil); apperr.As(err).Key != "stocktake.not_open" {
		t.Errorf("saving a posted count: %v", err)
	}
	if _, err := w.pool.Exec(ctx, `UPDATE stocktake_lines SET counted = 3 WHERE stocktake_id = $1`, st.ID); err == nil {
		t.Error("a posted line was edited")
	}
	if _, err := svc.OpenStocktake(ctx, keeper, w.warehouse); err != nil {
		t.Errorf("a new count after posting: %v", err)
	}
	w.mustBeSound(t)
}

func TestStocktakeCountingDownToZeroAndNotBelow(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	svc := parts.NewService(w.pool, time.Now, time.UTC)
	keeper := testkit.Actor(t, w.pool, "storekeeper")
	a := w.parts[3]
	if _, err := w.post(ctx, parts.Line{PartID: a, LocationID: w.quarantine, Quantity: 3, Kind: parts.Receipt}); err != nil {
		t.Fatal(err)
	}
	st, err := svc.OpenStocktake(ctx, keeper, w.quarantine)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.SaveCounts(ctx, keeper, st.ID, st.Version, []parts.Count{{PartID: a, Counted: stocktakeInt(-1)}})
	if e := apperr.As(err); e.Fields[parts.StocktakeField("counted", a)] != "stocktake.field.count_invalid" {
		t.Fatalf("negative count: %v", err)
	}
	if _, err := svc.PostStocktake(ctx, keeper, st.ID, st.Version, []parts.Count{{PartID: a, Counted: stocktakeInt(0), Reason: "已报废未登记"}}); err != nil {
		t.Fatal(err)
	}
	if got := w.balance(t, a, w.quarantine); got != 0 {
		t.Errorf("after counting zero: %d", got)
	}
	// Another station's location is not found.
	if _, err := svc.OpenStocktake(ctx, testkit.Actor(t, w.pool, "sz.supervisor"), w.warehouse); apperr.CodeOf(err) == "" {
		t.Error("a supervisor of another station opened a count")
	}
	w.mustBeSound(t)
}
