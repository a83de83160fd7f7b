package parts_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/testkit"
)

func receiptCount(t *testing.T, w world, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := w.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReceiptWithARejectedLineSplitsWarehouseAndQuarantine(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	svc := parts.NewService(w.pool, time.Now, time.UTC)
	keeper := testkit.Actor(t, w.pool, "storekeeper")
	var filter, valve int64
	_ = w.pool.QueryRow(ctx, `SELECT id FROM parts WHERE code = 'P-AF-001'`).Scan(&filter)
	_ = w.pool.QueryRow(ctx, `SELECT id FROM parts WHERE code = 'P-IV-001'`).Scan(&valve)

	r, err := svc.CreateReceipt(ctx, keeper, parts.NewReceipt{Supplier: "上海阿特拉斯配件有限公司", DeliveryNote: "SH-2026-0001", Lines: []parts.NewReceiptLine{
		{Row: 0, PartCode: "P-AF-001", Delivered: 10, Accepted: 8, Rejected: 2},
		{Row: 3, PartCode: "p-iv-001", Delivered: 1, Accepted: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Delivered != 11 || r.Accepted != 9 || r.Rejected != 2 || r.ToReturn() != 2 {
		t.Fatalf("totals %+v", r)
	}
	if got := w.balance(t, filter, w.warehouse); got != 8 {
		t.Errorf("warehouse filters %d, want 8", got)
	}
	if got := w.balance(t, filter, w.quarantine); got != 2 {
		t.Errorf("quarantine filters %d, want 2", got)
	}
	if got := w.balance(t, valve, w.warehouse); got != 1 {
		t.Errorf("warehouse valves %d, want 1", got)
	}
	if n := receiptCount(t, w, `SELECT count(*) FROM stock_movements WHERE ref_type = 'receipt' AND ref_id = $1 AND kind = 'receipt' AND actor_id = $2`, r.ID, w.actor); n != 3 {
		t.Errorf("%d receipt movements linked to the receipt, want 3", n)
	}

	page, err := svc.ReceiptDetail(ctx, keeper, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Lines) != 2 || len(page.Movements) != 3 || !page.CanReturn {
		t.Fatalf("page: %d lines, %d movements, can return %v", len(page.Lines), len(page.Movements), page.CanReturn)
	}
	line := page.Lines[0]

	// Return more than was rejected: refused, nothing moves.
	_, err = svc.ReturnToSupplier(ctx, keeper, r.ID, r.Version, line.ID, 3)
	if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["quantity"] != "receipt.field.return_range" {
		t.Fatalf("returning 3 of 2: %v", err)
	}
	// Return one, then the other one; a third is refused.
	r2, err := svc.ReturnToSupplier(ctx, keeper, r.ID, r.Version, line.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReturnToSupplier(ctx, keeper, r.ID, r.Version, line.ID, 1); apperr.As(err).Key != "receipt.stale" {
		t.Fatalf("an old version: %v", err)
	}
	if _, err := svc.ReturnToSupplier(ctx, keeper, r.ID, r2.Version, line.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReturnToSupplier(ctx, keeper, r.ID, r2.Version+1, line.ID, 1); apperr.As(err).Code != apperr.Invalid {
		t.Fatalf("returning a third: %v", err)
	}
	if got := w.balance(t, filter, w.quarantine); got != 0 {
		t.Errorf("quarantine after returns %d, want 0", got)
	}
	if got := w.balance(t, filter, w.warehouse); got != 8 {
		t.Errorf("warehouse after returns %d, want 8", got)
	}
	if n := receiptCount(t, w, `SELECT count(*) FROM stock_movements WHERE ref_type = 'receipt' AND ref_id = $1 AND kind = 'return_to_supplier' AND location_id = $2`, r.ID, w.quarantine); n != 2 {
		t.Errorf("%d return movements, want 2", n)
	}
	if n := receiptCount(t, w, `SELECT returned FROM receipt_lines WHERE id = $1`, line.ID); n != 2 {
		t.Errorf("returned %d, want 2", n)
	}
	// The valve line had nothing rejected.
	if _, err := svc.ReturnToSupplier(ctx, keeper, r.ID, r2.Version+1, page.Lines[1].ID, 1); apperr.As(err).Code != apperr.Invalid {
		t.Fatalf("returning an accepted line: %v", err)
	}
	// Lines are never edited but for the returned quantity.
	if _, err := w.pool.Exec(ctx, `UPDATE receipt_lines SET accepted = 9, rejected = 1 WHERE id = $1`, line.ID); err == nil {
		t.Error("a received line was edited")
	}
	w.mustBeSound(t)
}

func TestBadReceiptsWriteNothing(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	svc := parts.NewService(w.pool, time.Now, time.UTC)
	keeper := testkit.Actor(t, w.pool, "storekeeper")
	ok := parts.NewReceiptLine{Row: 0, PartCode: "P-AF-001", Delivered: 2, Accepted: 2}
	tables := []string{"receipts", "receipt_lines", "stock_movements", "stock_balances"}
	before := map[string]int{}
	for _, table := range tables {
		before[table] = receiptCount(t, w, `SELECT count(*) FROM `+table)
	}
	cases := []struct {
		name  string
		in    parts.NewReceipt
		field string
		key   string
	}{
		{"no supplier", parts.NewReceipt{DeliveryNote: "N1", Lines: []parts.NewReceiptLine{ok}}, "supplier", "receipt.field.supplier_required"},
		{"no note number", parts.NewReceipt{Supplier: "S", DeliveryNote: "  ", Lines: []parts.NewReceiptLine{ok}}, "delivery_note", "receipt.field.delivery_note_required"},
		{"no lines", parts.NewReceipt{Supplier: "S", DeliveryNote: "N1"}, "lines", "receipt.field.lines_required"},
		{"sum", parts.NewReceipt{Supplier: "S", DeliveryNote: "N1", Lines: []parts.NewReceiptLine{ok, {Row: 4, PartCode: "P-OF-001", Delivered: 5, Accepted: 3, Rejected: 1}}}, "line_4_qty", "receipt.field.sum"},
		{"negative", parts.NewReceipt{Supplier: "S", DeliveryNote: "N1", Lines: []parts.NewReceiptLine{{Row: 2, PartCode: "P-OF-001", Delivered: 1, Accepted: 2, Rejected: -1}}}, "line_2_qty", "receipt.field.negative"},
		{"nothing delivered", parts.NewReceipt{Supplier: "S", DeliveryNote: "N1", Lines: []parts.NewReceiptLine{{Row: 1, PartCode: "P-OF-001"}}}, "line_1_qty", "receipt.field.delivered_required"},
		{"unknown part", parts.NewReceipt{Supplier: "S", DeliveryNote: "N1", Lines: []parts.NewReceiptLine{ok, {Row: 5, PartCode: "NOPE", Delivered: 1, Accepted: 1}}}, "line_5_part", "receipt.field.part_unknown"},
		{"no part", parts.NewReceipt{Supplier: "S", DeliveryNote: "N1", Lines: []parts.NewReceiptLine{{Row: 6, Delivered: 1, Accepted: 1}}}, "line_6_part", "receipt.field.part_required"},
	}
	for _, c := range cases {
		_, err := svc.CreateReceipt(ctx, keeper, c.in)
		e := apperr.As(err)
		if e.Code != apperr.Invalid || e.Fields[c.field] != c.key {
			t.Errorf("%s: got %v, want %s on %s", c.name, err, c.key, c.field)
		}
	}
	// Only storekeepers receive; managers look.
	if _, err := svc.CreateReceipt(ctx, testkit.Actor(t, w.pool, "manager"), parts.NewReceipt{Supplier: "S", DeliveryNote: "N1", Lines: []parts.NewReceiptLine{ok}}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("manager: %v", err)
	}
	for _, table := range tables {
		if n := receiptCount(t, w, `SELECT count(*) FROM `+table); n != before[table] {
			t.Errorf("%s has %d rows after refused receipts", table, n)
		}
	}
	// The same supplier's delivery note is received once.
	in := parts.NewReceipt{Supplier: "S", DeliveryNote: "N1", Lines: []parts.NewReceiptLine{ok}}
	if _, err := svc.CreateReceipt(ctx, keeper, in); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateReceipt(ctx, keeper, in); apperr.As(err).Fields["delivery_note"] != "receipt.field.delivery_note_taken" {
		t.Fatalf("second receipt of one note: %v", err)
	}
	if n := receiptCount(t, w, `SELECT count(*) FROM stock_movements`); n != before["stock_movements"]+1 {
		t.Errorf("%d movements, want 1", n)
	}
	// Other stations' receipts are not found.
	list, err := svc.Receipts(ctx, keeper, 0)
	if err != nil || len(list.Receipts) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	sz := testkit.Actor(t, w.pool, "sz.supervisor")
	if _, err := svc.ReceiptDetail(ctx, sz, list.Receipts[0].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another station's receipt: %v", err)
	}
	w.mustBeSound(t)
}

func TestReceiptListPagesNewestFirst(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	svc := parts.NewService(w.pool, time.Now, time.UTC)
	keeper := testkit.Actor(t, w.pool, "storekeeper")
	n := parts.ReceiptPageSize + 3
	for i := 0; i < n; i++ {
		_, err := svc.CreateReceipt(ctx, keeper, parts.NewReceipt{Supplier: "S", DeliveryNote: "N" + string(rune('A'+i)),
			Lines: []parts.NewReceiptLine{{PartCode: "P-FUSE-1", Delivered: 1, Accepted: 1}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	first, err := svc.Receipts(ctx, keeper, 0)
	if err != nil || len(first.Receipts) != parts.ReceiptPageSize || first.Next == 0 {
		t.Fatalf("first page: %d, next %d, %v", len(first.Receipts), first.Next, err)
	}
	second, err := svc.Receipts(ctx, keeper, first.Next)
	if err != nil || len(second.Receipts) != 3 || second.Next != 0 {
		t.Fatalf("second page: %d, next %d, %v", len(second.Receipts), second.Next, err)
	}
	if first.Receipts[0].ID < first.Receipts[1].ID || second.Receipts[0].ID > first.Receipts[parts.ReceiptPageSize-1].ID {
		t.Error("not newest first")
	}
	w.mustBeSound(t)
}
