package parts_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5/pgxpool"
)

// catalogWorld is a fresh demo database (30 parts, no stock) with the parts service.
type catalogWorld struct {
	pool *pgxpool.Pool
	svc  *parts.Service
	now  time.Time
	loc  *time.Location
}

func catalogSetup(t *testing.T) catalogWorld {
	t.Helper()
	pool := testkit.BaseDB(t)
	loc := testkit.Shanghai
	// 23:30 UTC is already the next morning in Shanghai.
	now := time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC)
	return catalogWorld{pool: pool, svc: parts.NewService(pool, func() time.Time { return now }, loc), now: now, loc: loc}
}

func (w catalogWorld) part(t *testing.T, code string) parts.Part {
	t.Helper()
	all, err := w.svc.ExportCatalog(context.Background(), testkit.Actor(t, w.pool, "storekeeper"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if p.Code == code {
			return p
		}
	}
	t.Fatalf("no part %s", code)
	return parts.Part{}
}

func (w catalogWorld) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := w.pool.QueryRow(context.Background(), `SELECT count(*) FROM parts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var catalogHeader = []string{"编码", "名称", "规格型号", "单位", "单价", "再订货点", "贵重", "易损", "启用"}

func rowNumbers(errs parts.RowErrors) []int {
	var out []int
	for _, e := range errs {
		if !slices.Contains(out, e.Row) {
			out = append(out, e.Row)
		}
	}
	return out
}

func TestImportWithBadRowsReportsEveryRowAndChangesNothing(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	ctx := context.Background()
	sk := testkit.Actor(t, w.pool, "storekeeper")
	before := w.part(t, "P-AF-001")
	rows := [][]string{
		catalogHeader,
		{"P-NEW-001", "新配件", "X1", "个", "10", "2", "否", "否", "是"},       // row 2: fine
		{"P-NEW-002", "", "X2", "个", "10", "2", "否", "否", "是"},          // row 3: no name
		{"P-AF-001", "空气滤芯（改）", "GA37", "个", "999", "1", "否", "是", "是"}, // row 4: fine (an update)
		{"P-NEW-003", "新配件三", "X3", "个", "abc", "2", "否", "否", "是"},     // row 5: bad price
	}
	added, updated, err := w.svc.ImportCatalog(ctx, sk, rows)
	if apperr.CodeOf(err) != apperr.Invalid || added != 0 || updated != 0 {
		t.Fatalf("import with bad rows: %d %d %v", added, updated, err)
	}
	rowErrs, ok := errors.AsType[parts.RowErrors](err)
	if !ok {
		t.Fatalf("no row errors in %v", err)
	}
	if got := rowNumbers(rowErrs); !slices.Equal(got, []int{3, 5}) {
		t.Errorf("bad rows %v, want [3 5]: %v", got, rowErrs)
	}
	keys := map[int]string{}
	for _, e := range rowErrs {
		keys[e.Row] = e.Key
	}
	if keys[3] != "catalog.row.name_required" || keys[5] != "catalog.row.price_invalid" {
		t.Errorf("row error keys %v", keys)
	}
	if n := w.count(t); n != 30 {
		t.Errorf("%d parts after a refused import, want 30", n)
	}
	if after := w.part(t, "P-AF-001"); after != before {
		t.Errorf("P-AF-001 changed by a refused import: %+v → %+v", before, after)
	}
}

func TestImportChecksEveryValue(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	sk := testkit.Actor(t, w.pool, "storekeeper")
	cases := []struct {
		name string
		row  []string
		key  string
	}{
		{"no code", []string{"", "名称"}, "catalog.row.code_required"},
		{"no name", []string{"C-1", "  "}, "catalog.row.name_required"},
		{"negative price", []string{"C-1", "N", "", "", "-1"}, "catalog.row.price_invalid"},
		{"three decimals", []string{"C-1", "N", "", "", "1.005"}, "catalog.row.price_invalid"},
		{"price with exponent", []string{"C-1", "N", "", "", "1e3"}, "catalog.row.price_invalid"},
		{"price too big", []string{"C-1", "N", "", "", "12345678901"}, "catalog.row.price_invalid"},
		{"fractional reorder point", []string{"C-1", "N", "", "", "1", "2.5"}, "catalog.row.reorder_invalid"},
		{"negative reorder point", []string{"C-1", "N", "", "", "1", "-2"}, "catalog.row.reorder_invalid"},
		{"bad flag", []string{"C-1", "N", "", "", "1", "2", "也许"}, "catalog.row.flag_invalid"},
		{"bad active flag", []string{"C-1", "N", "", "", "1", "2", "是", "否", "yes"}, "catalog.row.flag_invalid"},
	}
	for _, c := range cases {
		_, _, err := w.svc.ImportCatalog(context.Background(), sk, [][]string{catalogHeader, c.row})
		rowErrs, ok := errors.AsType[parts.RowErrors](err)
		if !ok || len(rowErrs) != 1 || rowErrs[0].Row != 2 || rowErrs[0].Key != c.key {
			t.Errorf("%s: %v, want row 2 %s", c.name, err, c.key)
		}
	}
	// A code twice in one file: the second names the first.
	_, _, err := w.svc.ImportCatalog(context.Background(), sk, [][]string{catalogHeader, {"C-1", "A"}, {}, {"C-1", "B"}})
	rowErrs, _ := errors.AsType[parts.RowErrors](err)
	if len(rowErrs) != 1 || rowErrs[0].Row != 4 || rowErrs[0].Key != "catalog.row.code_duplicate" || rowErrs[0].Data["First"] != 2 {
		t.Errorf("duplicate code: %v", err)
	}
	// A header without 名称.
	_, _, err = w.svc.ImportCatalog(context.Background(), sk, [][]string{{"编码", "单价"}, {"C-1", "1"}})
	rowErrs, _ = errors.AsType[parts.RowErrors](err)
	if len(rowErrs) != 1 || rowErrs[0].Row != 1 || rowErrs[0].Key != "catalog.row.header_missing" {
		t.Errorf("header without 名称: %v", err)
	}
	// Only a header.
	if _, _, err := w.svc.ImportCatalog(context.Background(), sk, [][]string{catalogHeader}); apperr.As(err).Key != "catalog.import.empty" {
		t.Errorf("empty import: %v", err)
	}
	if n := w.count(t); n != 30 {
		t.Errorf("%d parts after refused imports, want 30", n)
	}
}

func TestImportAddsAndUpdates(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	ctx := context.Background()
	sk := testkit.Actor(t, w.pool, "storekeeper")
	before := w.part(t, "P-OF-001")
	rows := [][]string{
		catalogHeader,
		{"P-NEW-001", "储气罐排污阀", "DN15", "", "12.5", "3", "1", "true", "是"},
		{"P-NEW-002", "空压机皮带轮", "", "个", "0", "", "否", "FALSE", "0"},
		// An update with blank cells: the blanks keep what the part has.
		{"P-AF-001", "空气滤芯", "GA37 适用", "", "300.50", "", "", "", ""},
		// Exactly as stored: neither added nor updated.
		{before.Code, before.Name, before.Spec, before.UOM, before.UnitPrice, "10", "否", "是", "是"},
	}
	added, updated, err := w.svc.ImportCatalog(ctx, sk, rows)
	if err != nil || added != 2 || updated != 1 {
		t.Fatalf("import: added %d updated %d %v, want 2 and 1", added, updated, err)
	}
	if n := w.count(t); n != 32 {
		t.Errorf("%d parts, want 32", n)
	}
	want := parts.Part{Code: "P-NEW-001", Name: "储气罐排污阀", Spec: "DN15", UOM: "个", UnitPrice: "12.50", ReorderPoint: 3, Valuable: true, Wear: true, Active: true}
	got := w.part(t, "P-NEW-001")
	want.ID = got.ID
	if got != want {
		t.Errorf("new part %+v, want %+v", got, want)
	}
	if p := w.part(t, "P-NEW-002"); p.Active || p.Wear || p.ReorderPoint != 0 || p.UnitPrice != "0.00" {
		t.Errorf("inactive new part %+v", p)
	}
	if p := w.part(t, "P-AF-001"); p.UnitPrice != "300.50" || p.ReorderPoint != 10 || !p.Wear || !p.Active || p.UOM != "个" {
		t.Errorf("updated part %+v: price should change, the rest stay", p)
	}
	if after := w.part(t, before.Code); after != before {
		t.Errorf("unchanged row changed the part: %+v → %+v", before, after)
	}
}

func TestCatalogExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	ctx := context.Background()
	sk := testkit.Actor(t, w.pool, "storekeeper")
	list, err := w.svc.ExportCatalog(ctx, sk)
	if err != nil || len(list) != 30 {
		t.Fatalf("export: %d parts, %v", len(list), err)
	}
	b, err := parts.WriteXLSX("配件目录", parts.CatalogColumns, parts.CatalogRows(list))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parts.ReadXLSX(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], catalogHeader) || len(rows) != 31 {
		t.Fatalf("workbook header %v, %d rows", rows[0], len(rows))
	}
	added, updated, err := w.svc.ImportCatalog(ctx, sk, rows)
	if err != nil || added != 0 || updated != 0 {
		t.Fatalf("re-import of the export: added %d updated %d %v", added, updated, err)
	}
	after, _ := w.svc.ExportCatalog(ctx, sk)
	if !slices.Equal(list, after) {
		t.Error("the round trip changed the catalog")
	}
	// Edit one row of the workbook and import it again.
	rows[1][4] = "1.05"
	rows = append(rows, []string{"P-ZZZ-01", "新零件", "", "套", "8", "1", "否", "否", "是"})
	if added, updated, err = w.svc.ImportCatalog(ctx, sk, rows); err != nil || added != 1 || updated != 1 {
		t.Fatalf("edited re-import: added %d updated %d %v", added, updated, err)
	}
	if p := w.part(t, rows[1][0]); p.UnitPrice != "1.05" {
		t.Errorf("edited price %q", p.UnitPrice)
	}
}

func TestCatalogRolesAndPages(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	ctx := context.Background()
	if _, err := w.svc.ListCatalog(ctx, testkit.Actor(t, w.pool, "hotline"), parts.CatalogFilter{}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("hotline lists the catalog: %v", err)
	}
	if _, err := w.svc.PurchasePlan(ctx, testkit.Actor(t, w.pool, "tech1"), w.now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician reads the plan: %v", err)
	}
	mgr := testkit.Actor(t, w.pool, "manager")
	if _, _, err := w.svc.ImportCatalog(ctx, mgr, [][]string{catalogHeader, {"X", "Y"}}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("manager imports: %v", err)
	}
	// Keyset pages of 7 through the 30 parts: every part once, in code order.
	var codes []string
	f := parts.CatalogFilter{Limit: 7}
	for range 10 {
		page, err := w.svc.ListCatalog(ctx, mgr, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Parts {
			codes = append(codes, p.Code)
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if len(codes) != 30 || !slices.IsSorted(codes) || len(slices.Compact(slices.Clone(codes))) != 30 {
		t.Errorf("paged codes %v", codes)
	}
	page, err := w.svc.ListCatalog(ctx, mgr, parts.CatalogFilter{Query: "滤芯"})
	if err != nil || len(page.Parts) != 2 || page.Next != "" {
		t.Errorf("search 滤芯: %+v %v", page, err)
	}
	// Wildcards in the search are plain characters.
	if page, _ := w.svc.ListCatalog(ctx, mgr, parts.CatalogFilter{Query: "%"}); len(page.Parts) != 0 {
		t.Errorf("search %% found %d parts", len(page.Parts))
	}
	sk := testkit.Actor(t, w.pool, "storekeeper")
	if _, _, err := w.svc.ImportCatalog(ctx, sk, [][]string{catalogHeader, {"P-FUSE-1", "熔断器", "RT18 32A", "个", "18", "20", "否", "是", "否"}}); err != nil {
		t.Fatal(err)
	}
	active, _ := w.svc.ListCatalog(ctx, sk, parts.CatalogFilter{Query: "fuse"})
	inactive, _ := w.svc.ListCatalog(ctx, sk, parts.CatalogFilter{Query: "fuse", Status: parts.CatalogInactive})
	all, _ := w.svc.ListCatalog(ctx, sk, parts.CatalogFilter{Status: parts.CatalogAll, Limit: 100})
	if len(active.Parts) != 0 || len(inactive.Parts) != 1 || len(all.Parts) != 30 {
		t.Errorf("status filter: %d active, %d inactive, %d all", len(active.Parts), len(inactive.Parts), len(all.Parts))
	}
}

func TestParseFen(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"0": 0, "12": 1200, "12.5": 1250, "12.50": 1250, "0.05": 5, " 7 ": 700, "9999999999.99": 999999999999} {
		if got, ok := parts.ParseFen(in); !ok || got != want {
			t.Errorf("ParseFen(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1.", ".5", "1.234", "1e2", "abc", "1,000", "12345678901", "¥5"} {
		if got, ok := parts.ParseFen(in); ok {
			t.Errorf("ParseFen(%q) = %d, want refused", in, got)
		}
	}
}

func TestCatalogWithTenThousandParts(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	ctx := context.Background()
	sk := testkit.Actor(t, w.pool, "storekeeper")
	rows := make([][]any, 10000)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("T-%05d", i), "测试配件", "规格", "个", parts.Number(fmt.Sprintf("%d.%02d", i, i%100)), i % 7, false, i%2 == 0, true}
	}
	start := time.Now()
	b, err := parts.WriteXLSX("配件目录", parts.CatalogColumns, rows)
	if err != nil {
		t.Fatal(err)
	}
	read, err := parts.ReadXLSX(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	written := time.Since(start)
	start = time.Now()
	added, updated, err := w.svc.ImportCatalog(ctx, sk, read)
	if err != nil || added != 10000 || updated != 0 {
		t.Fatalf("import of 10k: %d %d %v", added, updated, err)
	}
	imported := time.Since(start)
	start = time.Now()
	page, err := w.svc.ListCatalog(ctx, sk, parts.CatalogFilter{Query: "T-0999", After: "T-09990"})
	if err != nil || len(page.Parts) != 9 {
		t.Fatalf("search page: %d %v", len(page.Parts), err)
	}
	if _, err := w.svc.PurchasePlan(ctx, sk, w.now); err != nil {
		t.Fatal(err)
	}
	t.Logf("10k parts: write+read xlsx %v, import %v, search page + plan %v", written, imported, time.Since(start))
}

// TestImportRefusesUntypeableText: a cell holding a NUL (a workbook may escape one as
// _x0000_) or broken UTF-8 is a row error naming the column, never a database error.
func TestImportRefusesUntypeableText(t *testing.T) {
	t.Parallel()
	w := catalogSetup(t)
	sk := testkit.Actor(t, w.pool, "storekeeper")
	rows := [][]string{
		catalogHeader,
		{"P-NEW-001", "名\x00称", "X1", "个", "10", "2", "否", "否", "是"},
		{"P-NEW-002", "新配件", "\xff\xfe", "个", "10", "2", "否", "否", "是"},
		{"P-NEW-003", "新配件三", "X3", "个", "10", "2", "否", "否", "是"},
	}
	_, _, err := w.svc.ImportCatalog(context.Background(), sk, rows)
	rowErrs, ok := errors.AsType[parts.RowErrors](err)
	if !ok || apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("got %v, want row errors", err)
	}
	if got := rowNumbers(rowErrs); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("bad rows %v, want [2 3]", got)
	}
	for _, e := range rowErrs {
		if e.Key != "catalog.row.bad_text" {
			t.Errorf("row %d: %s", e.Row, e.Key)
		}
	}
	if n := w.count(t); n != 30 {
		t.Errorf("%d parts after a refused import, want 30", n)
	}
}
