package server_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/onboard"
	"github.com/aftersales/aftersales/internal/parts"
)

// importWorkbook builds an .xlsx with the given header and rows.
func importWorkbook(t testing.TB, header []string, rows ...[]string) []byte {
	t.Helper()
	cells := make([][]any, len(rows))
	for i, r := range rows {
		for _, v := range r {
			cells[i] = append(cells[i], v)
		}
	}
	b, err := parts.WriteXLSX("客户", header, cells)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postImport uploads a workbook to the import for a station.
func (c *client) postImport(station int64, filename string, data []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("station_id", strconv.FormatInt(station, 10))
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.base+"/customers/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func stationID(t testing.TB, a *app, code string) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM stations WHERE code = $1`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (a *app) customerCount(t testing.TB) (customers, units, imports int) {
	t.Helper()
	err := a.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM units),
		(SELECT count(*) FROM customer_imports WHERE imported_at IS NOT NULL)`).Scan(&customers, &units, &imports)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// TestCustomerImportTemplate: the template downloads with the Chinese headers and an
// example row that itself imports without a problem.
func TestCustomerImportTemplate(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	r := c.get("/customers/import/template.xlsx")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != xlsxType {
		t.Fatalf("template: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	cells, err := parts.ReadXLSX(strings.NewReader(r.Body))
	if err != nil || len(cells) != 2 || strings.Join(cells[0], ",") != strings.Join(onboard.Headers(), ",") {
		t.Fatalf("template cells %v %v", cells, err)
	}
	if !strings.Contains(strings.Join(cells[0], ","), "客户名称,联系人,电话") {
		t.Errorf("header %v", cells[0])
	}
	s := onboard.Parse(cells, time.Now())
	if s.Problems() > 0 {
		t.Errorf("the example row has problems: %+v", s.Rows)
	}
}

// TestCustomerImportPreviewConfirmOnce: a file with errors previews them by row and
// column with no confirm button and writes nothing; a good file previews, confirms once,
// and a repeated confirm shows the first result without importing again.
func TestCustomerImportPreviewConfirmOnce(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	sh := stationID(t, a, "SH")
	c0, u0, i0 := a.customerCount(t)

	bad := importWorkbook(t, onboard.Headers(),
		[]string{"甲公司", "张三", "138 1234 5678", "上海", "格力", "KFR-1", "SN-HTTP-1", "2024-01-02", "", "", ""},
		[]string{"乙公司", "", "12345", "上海", "", "KFR-2", "SN-HTTP-2", "", "", "", ""})
	r := c.postImport(sh, "客户.xlsx", bad)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/customers/import/") {
		t.Fatalf("upload: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	p := c.get(r.Location)
	mustContain(t, p.Body, "导入预览", "第 3 行「电话」列：电话号码“12345”无效", "138 1234 5678", "+8613812345678", "2024-01-02", "2025-01-02")
	if strings.Contains(p.Body, `id="import-confirm"`) {
		t.Error("a file with errors offers the confirm button")
	}
	if r := c.post(r.Location, url.Values{"default": {"merge"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("confirm of a bad file: %d", r.Status)
	}
	if cs, us, is := a.customerCount(t); cs != c0 || us != u0 || is != i0 {
		t.Errorf("a bad file wrote: %d %d %d", cs-c0, us-u0, is-i0)
	}

	good := importWorkbook(t, onboard.Headers(),
		[]string{"甲公司", "张三", "138 1234 5678", "上海", "格力", "KFR-1", "SN-HTTP-1", "2024-01-02", "", "", ""},
		[]string{"甲公司", "", "138 1234 5678", "", "美的", "KFR-2", "SN-HTTP-2", "", "", "", ""})
	r = c.postImport(sh, "客户.xlsx", good)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d", r.Status)
	}
	where := r.Location
	p = c.get(where)
	mustContain(t, p.Body, "共 2 行：新客户 1 个，重复 0 行，有错误 0 行。", `id="import-confirm"`)
	// A reload shows the same preview.
	mustContain(t, c.get(where).Body, "共 2 行")
	for i := range 2 {
		r = c.post(where, url.Values{"default": {"merge"}})
		if r.Status != http.StatusSeeOther || r.Location != where {
			t.Fatalf("confirm %d: %d %s\n%s", i, r.Status, r.Location, r.Body)
		}
	}
	res := c.get(where)
	mustContain(t, res.Body, "导入完成", "新建客户 1 个，合并到已有客户 0 个，新增设备 2 台")
	if cs, us, is := a.customerCount(t); cs != c0+1 || us != u0+2 || is != i0+1 {
		t.Errorf("after two confirms: %d customers, %d units, %d imports more", cs-c0, us-u0, is-i0)
	}
	mustContain(t, c.get("/customers/import").Body, "客户.xlsx", "王建国")
}

// TestCustomerImportWrongHeader: a header the import does not know is refused before any
// row, naming the column.
func TestCustomerImportWrongHeader(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	r := c.postImport(stationID(t, a, "SH"), "x.xlsx", importWorkbook(t, []string{"客户名称", "电话号码呀", "型号"}, []string{"甲", "13812345678", "X"}))
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong header: %d", r.Status)
	}
	mustContain(t, r.Body, "表头不对", "第 1 行「B」列：无法识别的表头“电话号码呀”", "缺少必填列“电话”")
}

// TestCustomerImportRolesStationsAndLimits: only managers reach the import; a station the
// manager does not see is 403; another user's preview is 404; an oversized upload is 413.
func TestCustomerImportRolesStationsAndLimits(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	hot := a.client(t)
	hot.signIn("hotline")
	for _, path := range []string{"/customers/import", "/customers/import/template.xlsx", "/customers/export.xlsx"} {
		if r := hot.get(path); r.Status != http.StatusForbidden {
			t.Errorf("hotline %s: %d", path, r.Status)
		}
	}
	if r := hot.get("/customers"); strings.Contains(r.Body, `id="customer-import"`) {
		t.Error("the hotline's archive offers the import")
	}
	c := a.client(t)
	c.signIn("manager")
	if r := c.get("/customers"); !strings.Contains(r.Body, `id="customer-import"`) {
		t.Error("the manager's archive lacks the import link")
	}
	var hq int64
	_ = a.Pool.QueryRow(context.Background(), `SELECT id FROM stations WHERE parent_id IS NULL`).Scan(&hq)
	file := importWorkbook(t, onboard.Headers(), []string{"甲", "", "13812345678", "", "", "X", "", "", "", "", ""})
	if r := c.postImport(hq, "x.xlsx", file); r.Status != http.StatusForbidden {
		t.Errorf("import into headquarters: %d", r.Status)
	}
	if r := c.get(fmt.Sprintf("/customers/export.xlsx?station=%d", hq)); r.Status != http.StatusForbidden {
		t.Errorf("export of headquarters: %d", r.Status)
	}
	r := c.postImport(stationID(t, a, "SH"), "x.xlsx", file)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d", r.Status)
	}
	other := a.client(t)
	other.signIn("admin")
	if r := other.get(r.Location); r.Status != http.StatusNotFound {
		t.Errorf("another user opens the preview: %d", r.Status)
	}
	if r := c.get("/customers/import/0123456789abcdef0123456789abcdef"); r.Status != http.StatusNotFound {
		t.Errorf("unknown key: %d", r.Status)
	}
	big := bytes.Repeat([]byte("x"), onboard.MaxUpload+100<<10)
	if r := c.postImport(stationID(t, a, "SH"), "big.xlsx", big); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d", r.Status)
	}
	if r := c.postImport(stationID(t, a, "SH"), "not.xlsx", []byte("not a workbook")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "无法读取该文件") {
		t.Errorf("not a workbook: %d", r.Status)
	}
}

// TestCustomerExportImportsAsDuplicates: the station's export, uploaded again, finds
// every row a duplicate.
func TestCustomerExportImportsAsDuplicates(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	sh := stationID(t, a, "SH")
	r := c.get(fmt.Sprintf("/customers/export.xlsx?station=%d", sh))
	if r.Status != http.StatusOK {
		t.Fatalf("export: %d", r.Status)
	}
	cells, err := parts.ReadXLSX(strings.NewReader(r.Body))
	if err != nil || len(cells) < 2 {
		t.Fatalf("export cells: %d %v", len(cells), err)
	}
	up := c.postImport(sh, "导出.xlsx", []byte(r.Body))
	if up.Status != http.StatusSeeOther {
		t.Fatalf("upload of the export: %d\n%s", up.Status, up.Body)
	}
	n := len(cells) - 1
	mustContain(t, c.get(up.Location).Body, fmt.Sprintf("共 %d 行：新客户 0 个，重复 %d 行，有错误 0 行。", n, n))
}
