package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// postFile sends a multipart form with one file in the field "file".
func (c *client) postFile(path, filename string, data []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// catalogWorkbook builds an .xlsx with the catalog header and rows.
func catalogWorkbook(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	cells := make([][]any, len(rows))
	for i, r := range rows {
		for _, v := range r {
			cells[i] = append(cells[i], v)
		}
	}
	b, err := parts.WriteXLSX("配件目录", parts.CatalogColumns, cells)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setStock brings part code's stock in the Shanghai warehouse to qty: a receipt when it
// is short, a stocktake adjustment when the demo data holds more.
func setStock(t *testing.T, a *app, code string, qty int) {
	t.Helper()
	delta, kind := qty-warehouseStock(t, a, code), parts.Receipt
	if delta == 0 {
		return
	}
	if delta < 0 {
		kind = parts.Adjustment
	}
	ctx := context.Background()
	var partID, locID int64
	if err := a.Pool.QueryRow(ctx, `SELECT id FROM parts WHERE code = $1`, code).Scan(&partID); err != nil {
		t.Fatal(err)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT l.id FROM locations l JOIN stations s ON s.id = l.station_id WHERE s.code = 'SH' AND l.kind = 'warehouse'`).Scan(&locID); err != nil {
		t.Fatal(err)
	}
	actorID := testkit.UserID(t, a.Pool, "storekeeper")
	err := db.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		_, err := parts.Post(ctx, tx, actorID, time.Now(), []parts.Line{{PartID: partID, LocationID: locID, Quantity: delta, Kind: kind}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// warehouseStock is a part's stock in the Shanghai warehouse.
func warehouseStock(t *testing.T, a *app, code string) int {
	t.Helper()
	var q int
	_ = a.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(b.quantity), 0) FROM stock_balances b JOIN parts p ON p.id = b.part_id
		JOIN locations l ON l.id = b.location_id JOIN stations s ON s.id = l.station_id WHERE p.code = $1 AND s.code = 'SH' AND l.kind = 'warehouse'`, code).Scan(&q)
	return q
}

func TestCatalogPageAndRoles(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sk := a.client(t)
	sk.signIn("storekeeper")
	r := sk.get("/parts/catalog")
	if r.Status != http.StatusOK {
		t.Fatalf("catalog: %d", r.Status)
	}
	mustContain(t, r.Body, "配件目录", "P-AF-001", "空气滤芯", "规格型号", "再订货点", "从 Excel 导入", `name="file"`, "/parts/catalog.xlsx")
	// 30 demo parts: one page of 50, no next page; a search narrows it.
	if strings.Contains(r.Body, `id="next-page"`) {
		t.Error("a next page for 30 parts")
	}
	r = sk.get("/parts/catalog?q=" + url.QueryEscape("油分芯"))
	mustContain(t, r.Body, "P-OS-001", "P-OS-002")
	if strings.Contains(r.Body, "P-AF-001") {
		t.Error("search 油分芯 lists P-AF-001")
	}

	mgr := a.client(t)
	mgr.signIn("manager")
	r = mgr.get("/parts/catalog")
	if r.Status != http.StatusOK || strings.Contains(r.Body, `id="catalog-import"`) {
		t.Errorf("manager: %d, import form shown: %v", r.Status, strings.Contains(r.Body, `id="catalog-import"`))
	}
	if r := mgr.postFile("/parts/catalog/import", "x.xlsx", catalogWorkbook(t, []string{"X-1", "新"})); r.Status != http.StatusForbidden {
		t.Errorf("manager imports: %d", r.Status)
	}

	h := a.client(t)
	h.signIn("hotline")
	for _, path := range []string{"/parts/catalog", "/parts/catalog.xlsx", "/parts/plan", "/parts/plan.xlsx"} {
		if r := h.get(path); r.Status != http.StatusForbidden {
			t.Errorf("hotline %s: %d", path, r.Status)
		}
	}
}

func TestCatalogImportOverHTTP(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sk := a.client(t)
	sk.signIn("storekeeper")

	bad := catalogWorkbook(t,
		[]string{"P-HTTP-01", "排污阀", "DN15", "个", "45", "2", "否", "否", "是"},
		[]string{"P-HTTP-02", "", "DN20", "个", "45", "2", "否", "否", "是"},
		[]string{"P-HTTP-03", "冷凝水分离器", "DN25", "个", "1,000.001", "2", "否", "否", "是"},
	)
	r := sk.postFile("/parts/catalog/import", "bad.xlsx", bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad import: %d", r.Status)
	}
	mustContain(t, r.Body, "第 3 行：名称不能为空", "第 4 行：单价", "没有导入任何数据")
	var n int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM parts WHERE code LIKE 'P-HTTP-%'`).Scan(&n)
	if n != 0 {
		t.Errorf("%d parts imported from a bad file", n)
	}

	good := catalogWorkbook(t,
		[]string{"P-HTTP-01", "排污阀", "DN15", "个", "45", "2", "否", "否", "是"},
		[]string{"P-AF-001", "空气滤芯", "GA37 适用", "个", "288", "10", "否", "是", "是"},
	)
	r = sk.postFile("/parts/catalog/import", "good.xlsx", good)
	if r.Status != http.StatusSeeOther || r.Location != "/parts/catalog" {
		t.Fatalf("good import: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	r = sk.get("/parts/catalog")
	mustContain(t, r.Body, "导入完成：新增 1 个配件，更新 1 个配件。", "P-HTTP-01", "排污阀", "288.00")

	// Not a workbook; no file; too big.
	if r := sk.postFile("/parts/catalog/import", "notes.xlsx", []byte("hello")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "无法读取该文件") {
		t.Errorf("not an xlsx: %d", r.Status)
	}
	if r := sk.post("/parts/catalog/import", url.Values{}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请选择要导入的 .xlsx 文件") {
		t.Errorf("no file: %d", r.Status)
	}
	big := bytes.Repeat([]byte("x"), 6<<20)
	if r := sk.postFile("/parts/catalog/import", "big.xlsx", big); r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "文件太大：最大 5 MB") {
		t.Errorf("6 MB upload: %d", r.Status)
	}
}

func TestCatalogExportIsAWorkbook(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sk := a.client(t)
	sk.signIn("storekeeper")
	r := sk.get("/parts/catalog.xlsx")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != xlsxType {
		t.Fatalf("export: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("配件目录.xlsx")) {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 31 || strings.Join(rows[0], ",") != "编码,名称,规格型号,单位,单价,再订货点,贵重,易损,启用" {
		t.Errorf("%d rows, header %v", len(rows), rows[0])
	}
	// The export imports back unchanged.
	r = sk.postFile("/parts/catalog/import", "配件目录.xlsx", []byte(r.Body))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("re-import: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, sk.get("/parts/catalog").Body, "新增 0 个配件，更新 0 个配件")
}

func TestPurchasePlanPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sk := a.client(t)
	sk.signIn("storekeeper")
	// P-AF-001 (reorder point 10) at 3: under; P-OF-001 (reorder point 10) at 30: above.
	setStock(t, a, "P-AF-001", 3)
	setStock(t, a, "P-OF-001", 30)
	r := sk.get("/parts/plan")
	if r.Status != http.StatusOK {
		t.Fatalf("plan: %d", r.Status)
	}
	mustContain(t, r.Body, "采购计划", "建议采购数量", "预计到货日期", `data-code="P-AF-001"`, "空气滤芯")
	if strings.Contains(r.Body, `data-code="P-OF-001"`) {
		t.Error("P-OF-001, above its reorder point, is on the plan")
	}
	want := time.Now().In(testkit.Shanghai).AddDate(0, 0, 7).Format("2006-01-02")
	mustContain(t, r.Body, want)

	r = sk.get("/parts/plan.xlsx")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != xlsxType {
		t.Fatalf("plan export: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) < 2 || strings.Join(rows[0], ",") != "编码,名称,规格型号,单位,库存,再订货点,建议采购数量,单价,金额,预计到货日期" {
		t.Errorf("plan workbook header %v", rows)
	}
}
