package onboard_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/onboard"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var loc, _ = time.LoadLocation("Asia/Shanghai")

type world struct {
	pool    *pgxpool.Pool
	svc     *onboard.Service
	manager auth.Actor
	sh      int64
}

func setup(t testing.TB) world {
	t.Helper()
	pool := testkit.BaseDB(t)
	w := world{pool: pool, svc: onboard.NewService(pool, time.Now, loc, workorder.NewService(pool, time.Now, loc)),
		manager: testkit.Actor(t, pool, "manager")}
	if err := pool.QueryRow(context.Background(), `SELECT id FROM stations WHERE code = 'SH'`).Scan(&w.sh); err != nil {
		t.Fatal(err)
	}
	return w
}

// counts are the archive's sizes: customers, phones, addresses, units, customer events,
// orders, confirmed imports.
func (w world) counts(t testing.TB) [7]int {
	t.Helper()
	var c [7]int
	err := w.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM customer_phones),
		(SELECT count(*) FROM customer_addresses), (SELECT count(*) FROM units), (SELECT count(*) FROM customer_events),
		(SELECT count(*) FROM work_orders), (SELECT count(*) FROM customer_imports WHERE imported_at IS NOT NULL)`).
		Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var header = onboard.Headers()

// existing is a customer of the Shanghai station with a unit that has a serial.
func (w world) existing(t testing.TB) (name, phone, serial string) {
	t.Helper()
	err := w.pool.QueryRow(context.Background(), `SELECT c.name, p.raw, u.serial FROM customers c
		JOIN customer_phones p ON p.customer_id = c.id JOIN units u ON u.customer_id = c.id
		JOIN stations s ON s.id = c.station_id WHERE s.code = 'SH' AND u.serial <> '' ORDER BY c.id, p.position, u.id LIMIT 1`).Scan(&name, &phone, &serial)
	if err != nil {
		t.Fatal(err)
	}
	return name, phone, serial
}

func stage(t testing.TB, w world, cells [][]string) string {
	t.Helper()
	key, err := w.svc.Stage(context.Background(), w.manager, w.sh, "客户.xlsx", cells)
	if err != nil {
		t.Fatalf("stage: %v", err)
	}
	return key
}

// TestPreviewReportsEachProblemWithRowAndColumn: a bad phone, a missing model and a
// serial given twice are each reported with their row and column; a serial the archive
// holds is a duplicate, not an error; confirming writes nothing.
func TestPreviewReportsEachProblemWithRowAndColumn(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	_, _, serial := w.existing(t)
	before := w.counts(t)
	key := stage(t, w, [][]string{
		header,
		{"甲公司", "张三", "138 1234 5678", "上海", "格力", "KFR-1", "SN-A", "2024-01-02", "2025-01-02", "", ""},
		{"乙公司", "", "12345", "上海", "", "KFR-2", "SN-B", "", "", "", ""},
		{"丙公司", "", "13900001111", "", "格力", "", "SN-C", "2024-01-02", "", "", ""},
		{"丁公司", "", "13900002222", "", "", "KFR-4", "SN-A", "", "", "", ""},
		{"戊公司", "", "13900003333", "", "", "KFR-5", serial, "", "", "", ""},
	})
	p, err := w.svc.Preview(ctx, w.manager, key)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"3 电话 import.row.bad_phone": true, "4 型号 import.row.model_required": true, "5 出厂编号 import.row.serial_twice": true}
	got := map[string]bool{}
	for _, pr := range p.Problems {
		got[fmt.Sprintf("%d %s %s", pr.Row, pr.Column, pr.Key)] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	if p.CanConfirm || p.Total != 5 || p.ProblemRows != 3 || p.Duplicates != 1 {
		t.Errorf("preview: confirm %v total %d problem rows %d duplicates %d", p.CanConfirm, p.Total, p.ProblemRows, p.Duplicates)
	}
	if d := p.Rows[4].Dup; d == nil || d.By != "serial" || d.UnitID == 0 {
		t.Errorf("row 6 duplicate %+v, want the unit by serial", d)
	}
	if r := p.Rows[0]; r.Phones[0].E164 != "+8613812345678" || r.Purchase.Format("2006-01-02") != "2024-01-02" || r.WarrantyMonths != 12 {
		t.Errorf("row 2 as stored: %+v", r.Row)
	}
	if _, err := w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Merge}); apperr.As(err).Key != "import.has_problems" {
		t.Errorf("confirm: %v, want import.has_problems", err)
	}
	if after := w.counts(t); after != before {
		t.Errorf("counts %v after a refused import, want %v", after, before)
	}
}

// TestWrongHeaderIsReportedBeforeRows: a header no column has and a required column
// missing are refused at upload, with the column; nothing is staged.
func TestWrongHeaderIsReportedBeforeRows(t *testing.T) {
	t.Parallel()
	w := setup(t)
	_, err := w.svc.Stage(context.Background(), w.manager, w.sh, "x.xlsx", [][]string{
		{"客户名称", "手机号码啊", "型号"},
		{"甲", "13812345678", "X"},
	})
	hp, ok := err.(*apperr.Error)
	if !ok || hp.Key != "import.header.invalid" {
		t.Fatalf("stage: %v, want import.header.invalid", err)
	}
	probs := hp.Err.(onboard.HeaderProblems)
	if len(probs) != 2 || probs[0].Row != 1 || probs[0].Column != "B" || probs[0].Key != "import.header.unknown" ||
		probs[1].Key != "import.header.missing" || probs[1].Data["Header"] != "电话" {
		t.Errorf("header problems %#v", []onboard.Problem(probs))
	}
	var n int
	_ = w.pool.QueryRow(context.Background(), `SELECT count(*) FROM customer_imports`).Scan(&n)
	if n != 0 {
		t.Errorf("%d imports staged", n)
	}
}

// TestEnglishHeadersAndDateSerials: English headers are accepted; a date cell holding a
// date serial number and text dates in Chinese form are read as the same days.
func TestEnglishHeadersAndDateSerials(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	s := onboard.Parse([][]string{
		{"Customer Name", "Phone", "Model", "Serial Number", "Purchase Date", "Warranty End", "Symptom", "Urgency"},
		{"A", "13812345678", "M", "S1", "45366", "2026年3月15日", "不制冷", "urgent"},
		{"B", "13812345679", "M", "S2", "2024/3/15", "20270315", "", ""},
	}, today)
	if len(s.HeaderProblems) > 0 || s.Problems() > 0 {
		t.Fatalf("problems: %+v %+v", s.HeaderProblems, s.Rows)
	}
	a, b := s.Rows[0], s.Rows[1]
	if a.Purchase.Format("2006-01-02") != "2024-03-15" || a.WarrantyMonths != 24 || a.Urgency != "urgent" {
		t.Errorf("row A: %v %d %s", a.Purchase, a.WarrantyMonths, a.Urgency)
	}
	if b.Purchase.Format("2006-01-02") != "2024-03-15" || b.WarrantyMonths != 36 || b.Urgency != "" {
		t.Errorf("row B: %v %d %q", b.Purchase, b.WarrantyMonths, b.Urgency)
	}
}

// TestUntypeableTextIsARowProblem: a cell with a NUL or broken UTF-8 is a problem of its
// row and column, never a database error; a phone in exponent form reads as the number.
func TestUntypeableTextIsARowProblem(t *testing.T) {
	t.Parallel()
	w := setup(t)
	key := stage(t, w, [][]string{header,
		{"名\x00称", "", "13812345678", "", "", "M", "", "", "", "", ""},
		{"乙", "\xff\xfe", "13812345679", "", "", "M", "", "", "", "", ""},
		{"丙", "", "1.3810162208E10", "", "", "M", "", "", "", "", ""},
	})
	p, err := w.svc.Preview(context.Background(), w.manager, key)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(p.Problems)
	want := fmt.Sprint([]onboard.Problem{{Row: 2, Column: "客户名称", Key: "import.row.bad_text", Data: map[string]any{}},
		{Row: 3, Column: "联系人", Key: "import.row.bad_text", Data: map[string]any{}}})
	if got != want {
		t.Errorf("problems %s, want %s", got, want)
	}
	if ph := p.Rows[2].Phones; len(ph) != 1 || ph[0].E164 != "+8613810162208" {
		t.Errorf("exponent phone %+v", ph)
	}
}

// bigFile is n rows of new customers, each with one unit.
func bigFile(n int) [][]string {
	cells := [][]string{header}
	for i := range n {
		cells = append(cells, []string{fmt.Sprintf("导入客户%05d", i), "联系人", fmt.Sprintf("1391%07d", i), fmt.Sprintf("上海市某路%d号", i),
			"格力", "KFR-72LW", fmt.Sprintf("IMP%07d", i), "2024-03-15", "2026-03-15", "", ""})
	}
	return cells
}

// TestTenThousandRowsImportOnceThenAllDuplicates: a good file of 10 000 rows imports
// once; staging it again finds every row a duplicate, and skipping them writes nothing.
func TestTenThousandRowsImportOnceThenAllDuplicates(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	before := w.counts(t)
	cells := bigFile(10000)
	key := stage(t, w, cells)
	p, err := w.svc.Preview(ctx, w.manager, key)
	if err != nil {
		t.Fatal(err)
	}
	if !p.CanConfirm || p.Total != 10000 || p.Duplicates != 0 || p.NewCustomers != 10000 || len(p.Rows) != onboard.PreviewRows {
		t.Fatalf("preview: confirm %v total %d dups %d new %d rows %d", p.CanConfirm, p.Total, p.Duplicates, p.NewCustomers, len(p.Rows))
	}
	rec, err := w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Merge})
	if err != nil {
		t.Fatal(err)
	}
	if rec.CustomersCreated != 10000 || rec.UnitsCreated != 10000 || rec.CustomersMerged != 0 || rec.ImportedAt == nil {
		t.Errorf("result %+v", rec)
	}
	after := w.counts(t)
	want := before
	for i, d := range []int{10000, 10000, 10000, 10000, 10000, 0, 1} {
		want[i] += d
	}
	if after != want {
		t.Errorf("counts %v, want %v", after, want)
	}
	// The search index knows them.
	var found int
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM customers WHERE search LIKE '%IMP0009999%' AND search LIKE '%13910009999%'`).Scan(&found)
	if found != 1 {
		t.Errorf("search finds %d customers by the last serial and phone", found)
	}

	again := stage(t, w, cells)
	p, err = w.svc.Preview(ctx, w.manager, again)
	if err != nil {
		t.Fatal(err)
	}
	if p.Duplicates != 10000 || p.NewCustomers != 0 {
		t.Errorf("second preview: %d duplicates, %d new customers", p.Duplicates, p.NewCustomers)
	}
	rec, err = w.svc.Confirm(ctx, w.manager, again, onboard.Choices{Default: onboard.Skip})
	if err != nil {
		t.Fatal(err)
	}
	if rec.RowsSkipped != 10000 || rec.CustomersCreated != 0 || rec.UnitsCreated != 0 {
		t.Errorf("second result %+v", rec)
	}
	want[6]++
	if got := w.counts(t); got != want {
		t.Errorf("counts %v after skipping all, want %v", got, want)
	}
}

// TestMergeAddsWhatIsNewAndSkipLeavesTheCustomer: a row with an existing customer's
// phone, merged, adds its new unit and phone to that customer with a history entry; the
// same row skipped changes nothing; a row on an existing serial adds no unit.
func TestMergeAddsWhatIsNewAndSkipLeavesTheCustomer(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	name, phone, serial := w.existing(t)
	cells := [][]string{
		header,
		{name, "", phone + "、13977776666", "新地址 1 号", "美的", "NEW-MODEL", "NEW-SERIAL-1", "", "", "", ""},
		{name, "", phone, "", "", "OLD", serial, "", "", "", ""},
	}
	var cid int64
	if err := w.pool.QueryRow(ctx, `SELECT customer_id FROM units WHERE serial = $1`, serial).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	unitsOf := func() (units, phones, addresses, events int) {
		_ = w.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM units WHERE customer_id = $1), (SELECT count(*) FROM customer_phones WHERE customer_id = $1),
			(SELECT count(*) FROM customer_addresses WHERE customer_id = $1), (SELECT count(*) FROM customer_events WHERE customer_id = $1)`, cid).
			Scan(&units, &phones, &addresses, &events)
		return
	}
	u0, p0, a0, e0 := unitsOf()

	key := stage(t, w, cells)
	p, err := w.svc.Preview(ctx, w.manager, key)
	if err != nil {
		t.Fatal(err)
	}
	if p.Duplicates != 2 || p.Rows[0].Dup.CustomerID != cid || p.Rows[0].Dup.By != "phone" || p.Rows[1].Dup.By != "serial" {
		t.Fatalf("duplicates %d: %+v %+v", p.Duplicates, p.Rows[0].Dup, p.Rows[1].Dup)
	}
	rec, err := w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Skip})
	if err != nil || rec.RowsSkipped != 2 {
		t.Fatalf("skip: %+v %v", rec, err)
	}
	if u, ph, a, e := unitsOf(); u != u0 || ph != p0 || a != a0 || e != e0 {
		t.Errorf("skip changed the customer: %d %d %d %d", u, ph, a, e)
	}

	key = stage(t, w, cells)
	rec, err = w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Skip, Rows: map[int]string{2: onboard.Merge, 3: onboard.Merge}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.CustomersMerged != 1 || rec.UnitsCreated != 1 || rec.RowsSkipped != 0 {
		t.Errorf("merge result %+v", rec)
	}
	if u, ph, a, e := unitsOf(); u != u0+1 || ph != p0+1 || a != a0+1 || e != e0+1 {
		t.Errorf("merge: units %d→%d phones %d→%d addresses %d→%d events %d→%d", u0, u, p0, ph, a0, a, e0, e)
	}
	var kind, file string
	if err := w.pool.QueryRow(ctx, `SELECT kind, changes->>'file' FROM customer_events WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`, cid).Scan(&kind, &file); err != nil || kind != "import_merged" || file != "客户.xlsx" {
		t.Errorf("event %s %s %v", kind, file, err)
	}
}

// TestConfirmTwiceImportsOnce: the same key confirmed twice at once imports once and both
// get the first result.
func TestConfirmTwiceImportsOnce(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	before := w.counts(t)
	key := stage(t, w, bigFile(50))
	var wg sync.WaitGroup
	recs := make([]onboard.Record, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			recs[i], errs[i] = w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Merge})
		})
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil || recs[i].CustomersCreated != 50 || recs[i].ID != recs[0].ID {
			t.Errorf("confirm %d: %+v %v", i, recs[i], errs[i])
		}
	}
	if got := w.counts(t); got[0] != before[0]+50 || got[6] != before[6]+1 {
		t.Errorf("counts %v, want 50 customers and one import more than %v", got, before)
	}
}

// TestOpenOrderPerRow: a row with a symptom gets an order in 已受理 with its number,
// urgency and a creation event, on the imported unit.
func TestOpenOrderPerRow(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	key := stage(t, w, [][]string{header,
		{"报修客户", "", "13955554444", "上海", "格力", "KFR-9", "ORD-1", "2025-01-01", "", "不制冷", "紧急"}})
	rec, err := w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Merge})
	if err != nil || rec.OrdersCreated != 1 {
		t.Fatalf("%+v %v", rec, err)
	}
	var state, urgency, number string
	var events int
	err = w.pool.QueryRow(ctx, `SELECT o.state, o.urgency, o.number, (SELECT count(*) FROM work_order_events e WHERE e.order_id = o.id)
		FROM work_orders o JOIN units u ON u.id = o.unit_id WHERE u.serial = 'ORD-1'`).Scan(&state, &urgency, &number, &events)
	if err != nil || state != "received" || urgency != "urgent" || number == "" || events == 0 {
		t.Errorf("order %s %s %s %d %v", state, urgency, number, events, err)
	}
}

// TestImportRolesAndStations: only managers and admins import, and only into a station they see.
func TestImportRolesAndStations(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	var hq int64
	_ = w.pool.QueryRow(ctx, `SELECT id FROM stations WHERE parent_id IS NULL`).Scan(&hq)
	if w.manager.Sees(hq) {
		t.Fatal("the demo manager must not see headquarters for this test")
	}
	if _, err := w.svc.Stage(ctx, w.manager, hq, "x.xlsx", bigFile(1)); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("station not seen: %v", err)
	}
	if _, err := w.svc.Stage(ctx, testkit.Actor(t, w.pool, "hotline"), w.sh, "x.xlsx", bigFile(1)); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("hotline: %v", err)
	}
	// An admin setting a company up imports into any station of theirs.
	if _, err := w.svc.Stage(ctx, testkit.Actor(t, w.pool, "admin"), w.sh, "x.xlsx", bigFile(1)); err != nil {
		t.Errorf("admin: %v", err)
	}
	key := stage(t, w, bigFile(1))
	if _, err := w.svc.Preview(ctx, testkit.Actor(t, w.pool, "sz.supervisor"), key); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("preview by another role: %v", err)
	}
	if _, err := w.svc.ExportRows(ctx, w.manager, hq); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("export of a station not seen: %v", err)
	}
}

// TestExportRoundTrip: the station's customers exported and imported again are all
// duplicates, and merging them adds nothing.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	rows, err := w.svc.ExportRows(ctx, w.manager, w.sh)
	if err != nil || len(rows) == 0 {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
	before := w.counts(t)
	key := stage(t, w, append([][]string{header}, rows...))
	p, err := w.svc.Preview(ctx, w.manager, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) > 0 || p.Duplicates != len(rows) || p.NewCustomers != 0 {
		t.Fatalf("round trip: %d problems %+v, %d of %d duplicates, %d new", len(p.Problems), p.Problems, p.Duplicates, len(rows), p.NewCustomers)
	}
	rec, err := w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Merge})
	if err != nil || rec.UnitsCreated != 0 || rec.CustomersCreated != 0 {
		t.Fatalf("merge of the round trip: %+v %v", rec, err)
	}
	after := w.counts(t)
	if after[0] != before[0] || after[1] != before[1] || after[2] != before[2] || after[3] != before[3] {
		t.Errorf("round trip changed the archive: %v → %v", before, after)
	}
}
