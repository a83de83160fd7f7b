package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// exportSheet opens an exported workbook's one sheet and returns its rows.
func exportSheet(t *testing.T, r response) (*excelize.File, string, [][]string) {
	t.Helper()
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != xlsxType {
		t.Fatalf("export: %d %s\n%.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return f, sheet, rows
}

var listRow = regexp.MustCompile(`<tr[^>]*>\s*<td><a href="/orders/(\d+)"`)

// listed counts the orders of the list at path, following its next-page links.
func listed(t *testing.T, c *client, path string) int {
	t.Helper()
	n := 0
	for pages := 0; path != ""; pages++ {
		r := c.get(path)
		if r.Status != http.StatusOK || pages > 50 {
			t.Fatalf("list %s: %d", path, r.Status)
		}
		n += len(listRow.FindAllString(r.Body, -1))
		path = ""
		if m := regexp.MustCompile(`id="next-page" href="([^"]+)"`).FindStringSubmatch(r.Body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return n
}

func TestOrdersExport(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	ctx := t.Context()

	// A contact phone typed in full width with dashes is exported grouped, as every page
	// shows it.
	var typedNumber string
	if err := a.Pool.QueryRow(ctx, `UPDATE work_orders SET contact_phone = '１３８-1001-2013' WHERE id = (SELECT o.id FROM work_orders o
		JOIN stations s ON s.id = o.station_id WHERE s.code = 'SH' AND o.urgency = 'normal' AND o.state NOT IN ('closed', 'cancelled') ORDER BY o.id LIMIT 1)
		RETURNING number`).Scan(&typedNumber); err != nil {
		t.Fatal(err)
	}

	// The list links to the export with its filters (not its page cursor).
	mustContain(t, c.get("/orders?state=open&urgency=normal").Body, `id="orders-export" href="/orders.xlsx?state=open&amp;urgency=normal"`, "导出 Excel")

	r := c.get("/orders.xlsx?state=open&urgency=normal")
	day := time.Now().In(shanghai(t)).Format("20060102")
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="orders_`+day+`.xlsx"; filename*=UTF-8''`+url.PathEscape("工单_"+day+".xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, sheet, rows := exportSheet(t, r)
	if sheet != "工单" {
		t.Errorf("sheet %q", sheet)
	}
	want := "工单号,状态,紧急程度,服务类型,客户,联系电话,设备,服务站,技术员,受理时间,联系时限,首次联系,到场时限,到场时间,完工时间,回访时限,关闭时间,返修,费用状态,重新上门次数"
	if strings.Join(rows[0], ",") != want {
		t.Errorf("header %v", rows[0])
	}
	// As many orders as the filtered list holds, counted through its pages and in SQL.
	var inSQL int
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.urgency = 'normal' AND o.state NOT IN ('closed', 'cancelled')`).Scan(&inSQL); err != nil {
		t.Fatal(err)
	}
	if inList := listed(t, c, "/orders?state=open&urgency=normal"); len(rows)-1 != inList || inList != inSQL || inSQL < 3 {
		t.Errorf("%d rows exported, %d in the list, %d in SQL", len(rows)-1, inList, inSQL)
	} else {
		t.Logf("%d orders exported, as in the list and in SQL", inList)
	}
	var shName string
	_ = a.Pool.QueryRow(ctx, `SELECT name FROM stations WHERE code = 'SH'`).Scan(&shName)
	for i, row := range rows[1:] {
		if row[7] != shName || row[2] != "一般" || row[1] == "已关闭" || row[1] == "已撤销" {
			t.Errorf("row %d: %v", i+2, row)
		}
	}
	for _, row := range rows[1:] {
		if row[0] == typedNumber && row[5] != "138 1001 2013" {
			t.Errorf("%s: phone exported as %q", typedNumber, row[5])
		}
	}
	// A date cell is a date in Asia/Shanghai, with a date format; a count is a number.
	var created time.Time
	if err := a.Pool.QueryRow(ctx, `SELECT o.created_at FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = 'SH' AND o.number = $1`, rows[1][0]).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if rows[1][9] != created.In(shanghai(t)).Format("2006-01-02 15:04") {
		t.Errorf("受理时间 %q, want %s", rows[1][9], created.In(shanghai(t)))
	}
	raw, _ := f.GetCellValue(sheet, "J2", excelize.Options{RawCellValue: true})
	if _, err := strconv.ParseFloat(raw, 64); err != nil || strings.Contains(raw, "-") {
		t.Errorf("受理时间 is stored as %q, not a date serial", raw)
	}
	style, _ := f.GetCellStyle(sheet, "J2")
	if st, err := f.GetStyle(style); err != nil || st.CustomNumFmt == nil || !strings.Contains(*st.CustomNumFmt, "yyyy") {
		t.Errorf("受理时间 style %+v %v", st, err)
	}
	for _, cell := range []string{"J2", "T2"} {
		if ty, _ := f.GetCellType(sheet, cell); ty != excelize.CellTypeUnset && ty != excelize.CellTypeNumber {
			t.Errorf("%s is of type %v", cell, ty)
		}
	}
	if raw, _ := f.GetCellValue(sheet, "T2", excelize.Options{RawCellValue: true}); raw == "" || strings.Trim(raw, "0123456789") != "" {
		t.Errorf("重新上门次数 %q", raw)
	}

	// Suzhou's orders never appear in Shanghai's export, even when asked for.
	_, _, rows = exportSheet(t, c.get("/orders.xlsx"))
	for _, row := range rows[1:] {
		if row[7] != shName {
			t.Fatalf("Shanghai's export holds %v", row)
		}
	}
	var szID string
	_ = a.Pool.QueryRow(ctx, `SELECT id::text FROM stations WHERE code = 'SZ'`).Scan(&szID)
	if r := c.get("/orders.xlsx?station=" + szID); r.Status != http.StatusNotFound {
		t.Errorf("Shanghai asks for Suzhou: %d", r.Status)
	}
	// The manager sees both; narrowed to Suzhou, only Suzhou.
	m := a.client(t)
	m.signIn("manager")
	_, _, all := exportSheet(t, m.get("/orders.xlsx"))
	var total int
	_ = a.Pool.QueryRow(ctx, `SELECT count(*) FROM work_orders`).Scan(&total)
	if len(all)-1 != total || len(all) <= len(rows) {
		t.Errorf("manager exports %d of %d orders (Shanghai alone %d)", len(all)-1, total, len(rows)-1)
	}
	_, _, sz := exportSheet(t, m.get("/orders.xlsx?station="+szID))
	for _, row := range sz[1:] {
		if row[7] == shName {
			t.Fatalf("Suzhou's export holds %v", row)
		}
	}
	// A filter that does not parse is refused, not ignored.
	if r := c.get("/orders.xlsx?from=yesterday"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d", r.Status)
	}
	// In English, English headings and words.
	e := a.client(t)
	e.Header.Set("Accept-Language", "en-US,en;q=0.9")
	e.signIn("supervisor")
	_, sheet, rows = exportSheet(t, e.get("/orders.xlsx?state=open"))
	if sheet != "Orders" || rows[0][0] != "Order no." || rows[0][9] != "Received" {
		t.Errorf("English: sheet %q, header %v", sheet, rows[0])
	}
	// Technicians and storekeepers may not export the list.
	for _, user := range []string{"tech1", "storekeeper"} {
		u := a.client(t)
		u.signIn(user)
		if r := u.get("/orders.xlsx"); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d", user, r.Status)
		}
	}
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
