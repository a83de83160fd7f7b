package parts_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
)

// receive posts a receipt of qty of part code into station's warehouse.
func (w catalogWorld) receive(t *testing.T, station, code string, qty int) {
	t.Helper()
	ctx := context.Background()
	var partID, locID int64
	if err := w.pool.QueryRow(ctx, `SELECT id FROM parts WHERE code = $1`, code).Scan(&partID); err != nil {
		t.Fatal(err)
	}
	if err := w.pool.QueryRow(ctx, `SELECT l.id FROM locations l JOIN stations s ON s.id = l.station_id WHERE s.code = $1 AND l.kind = 'warehouse'`, station).Scan(&locID); err != nil {
		t.Fatal(err)
	}
	actorID := testkit.UserID(t, w.pool, "storekeeper")
	err := db.InTx(ctx, w.pool, func(tx pgx.Tx) error {
		_, err := parts.Post(ctx, tx, actorID, time.Now(), []parts.Line{{PartID: partID, LocationID: locID, Quantity: qty, Kind: parts.Receipt}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func planLine(lines []parts.PlanLine, code string) (parts.PlanLine, bool) {
	i := slices.IndexFunc(lines, func(l parts.PlanLine) bool { return l.Code == code })
	if i < 0 {
		return parts.PlanLine{}, false
	}
	return lines[i], true
}

func TestPlanListsPartsAtOrUnderTheirReorderPoint(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	ctx := context.Background()
	w.receive(t, "SH", "P-AF-001", 4)  // reorder point 10: under it
	w.receive(t, "SH", "P-OF-001", 25) // reorder point 10: above it
	w.receive(t, "SH", "P-OS-001", 5)  // reorder point 5: at it
	w.receive(t, "SZ", "P-AF-001", 50) // another station's warehouse

	lines, err := w.svc.PurchasePlan(ctx, testkit.Actor(t, w.pool, "storekeeper"), w.now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(lines, func(a, b parts.PlanLine) int {
		if a.Code < b.Code {
			return -1
		}
		return 1
	}) {
		t.Error("plan not in code order")
	}
	l, ok := planLine(lines, "P-AF-001")
	expected := time.Date(2026, 3, 18, 0, 0, 0, 0, w.loc) // 2026-03-11 in Shanghai + 7 days
	if !ok || l.OnHand != 4 || l.ReorderPoint != 10 || l.Quantity != 16 || l.UnitPrice != "280.00" || l.Amount != "4480.00" || !l.ExpectedDate.Equal(expected) {
		t.Errorf("P-AF-001 on the plan: %+v (ok %v)", l, ok)
	}
	if l, ok := planLine(lines, "P-OS-001"); !ok || l.Quantity != 5 {
		t.Errorf("P-OS-001 at its reorder point: %+v (ok %v)", l, ok)
	}
	if _, ok := planLine(lines, "P-OF-001"); ok {
		t.Error("P-OF-001, above its reorder point, is on the plan")
	}
	if l, ok := planLine(lines, "P-OF-002"); !ok || l.OnHand != 0 || l.Quantity != 20 {
		t.Errorf("P-OF-002 without stock: %+v (ok %v)", l, ok)
	}
	if _, ok := planLine(lines, "P-AE-001"); ok {
		t.Error("P-AE-001 (reorder point 0, not stocked) is on the plan")
	}
	// 30 parts: 2 have reorder point 0, P-OF-001 is above its point.
	if len(lines) != 27 {
		t.Errorf("%d plan lines, want 27", len(lines))
	}
	// The regional manager sees Suzhou's warehouse too: 54 of P-AF-001 is plenty.
	mgrLines, err := w.svc.PurchasePlan(ctx, testkit.Actor(t, w.pool, "manager"), w.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := planLine(mgrLines, "P-AF-001"); ok {
		t.Error("manager's plan counts only one station's stock")
	}
	// An inactive part is never planned.
	if _, _, err := w.svc.ImportCatalog(ctx, testkit.Actor(t, w.pool, "storekeeper"), [][]string{catalogHeader, {"P-OF-002", "油滤", "", "", "", "", "", "", "否"}}); err != nil {
		t.Fatal(err)
	}
	lines, _ = w.svc.PurchasePlan(ctx, testkit.Actor(t, w.pool, "storekeeper"), w.now)
	if _, ok := planLine(lines, "P-OF-002"); ok {
		t.Error("an inactive part is on the plan")
	}
}

func TestPlanExportOpensWithTheHeader(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	w.receive(t, "SH", "P-AF-001", 4)
	lines, err := w.svc.PurchasePlan(context.Background(), testkit.Actor(t, w.pool, "storekeeper"), w.now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parts.WriteXLSX("采购计划", parts.PlanColumns, parts.PlanRows(lines))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("采购计划")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"编码", "名称", "规格型号", "单位", "库存", "再订货点", "建议采购数量", "单价", "金额", "预计到货日期"}
	if len(rows) != len(lines)+1 || !slices.Equal(rows[0], want) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	i := slices.IndexFunc(rows, func(r []string) bool { return r[0] == "P-AF-001" })
	if i < 0 || !slices.Equal(rows[i], []string{"P-AF-001", "空气滤芯", "GA37 适用", "个", "4", "10", "16", "280", "4480", "2026-03-18"}) {
		t.Errorf("P-AF-001 row %v", rows[max(i, 0)])
	}
	// The amount cell is a number, not text.
	if typ, _ := f.GetCellType("采购计划", "I2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("amount cell type %v", typ)
	}
}
