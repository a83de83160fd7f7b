package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// stocktakeLedgerRe finds each sheet line's part and ledger quantity.
var stocktakeLedgerRe = regexp.MustCompile(`name="counted_(\d+)"[^>]*data-ledger="(\d+)"`)

// receiptLocation is the id of the Shanghai station's warehouse or quarantine.
func receiptLocation(t *testing.T, a *app, kind string) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT l.id FROM locations l JOIN stations s ON s.id = l.station_id WHERE s.code = 'SH' AND l.kind = $1`, kind).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestReceiptAndStocktakeRoles(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	hotline := a.client(t)
	hotline.signIn("hotline")
	for _, path := range []string{"/parts/receipts", "/parts/stocktakes"} {
		if r := hotline.get(path); r.Status != http.StatusForbidden {
			t.Errorf("hotline GET %s: %d", path, r.Status)
		}
	}
	if r := hotline.post("/parts/receipts", url.Values{"supplier": {"S"}}); r.Status != http.StatusForbidden {
		t.Errorf("hotline POST receipt: %d", r.Status)
	}
	manager := a.client(t)
	manager.signIn("manager")
	r := manager.get("/parts/receipts")
	if r.Status != http.StatusOK || strings.Contains(r.Body, `id="new-receipt"`) {
		t.Errorf("manager sees the list without the form: %d", r.Status)
	}
	r = manager.post("/parts/receipts", url.Values{"supplier": {"S"}, "delivery_note": {"N"}, "line_0_part": {"P-AF-001"}, "line_0_delivered": {"1"}})
	if r.Status != http.StatusForbidden {
		t.Errorf("manager receives: %d", r.Status)
	}
	r = manager.get("/parts/stocktakes")
	if r.Status != http.StatusOK || strings.Contains(r.Body, "开始盘点</button>") {
		t.Errorf("manager's stocktake list: %d", r.Status)
	}
	mustContain(t, r.Body, "从未盘点", "应盘点")
}

func TestReceiptFormValidatesAndRedirects(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("storekeeper")
	r := c.get("/parts/receipts")
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d", r.Status)
	}
	mustContain(t, r.Body, "入库验收", `id="line_7_part"`, `list="receipt-parts"`, "P-AF-001")

	bad := url.Values{"supplier": {""}, "delivery_note": {"SHD-778"},
		"line_0_part": {"P-AF-001"}, "line_0_delivered": {"10"}, "line_0_accepted": {"7"}, "line_0_rejected": {"2"},
		"line_2_part": {"NO-SUCH"}, "line_2_delivered": {"1"},
		"line_3_part": {"P-OF-001"}, "line_3_delivered": {"x"}}
	r = c.post("/parts/receipts", bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad receipt: %d", r.Status)
	}
	mustContain(t, r.Body, "数量须为整数", `value="SHD-778"`, `value="NO-SUCH"`, `value="x"`)

	bad.Del("line_3_part")
	bad.Del("line_3_delivered")
	r = c.post("/parts/receipts", bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad receipt: %d", r.Status)
	}
	mustContain(t, r.Body, "请填写供应商", "到货数量须等于合格数量加不合格数量", "没有这个配件编码", `value="SHD-778"`, `value="NO-SUCH"`, `value="7"`)
	if r := c.post("/parts/receipts", url.Values{"supplier": {"S"}, "delivery_note": {"N"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请至少填写一行到货明细") {
		t.Errorf("no lines: %d", r.Status)
	}

	good := url.Values{"supplier": {"上海阿特拉斯配件"}, "delivery_note": {"SHD-778"},
		"line_0_part": {"P-AF-001"}, "line_0_delivered": {"10"}, "line_0_accepted": {"8"}, "line_0_rejected": {"2"},
		"line_4_part": {"P-OF-001"}, "line_4_delivered": {"５"}}
	r = c.post("/parts/receipts", good)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/parts/receipts/") {
		t.Fatalf("good receipt: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	page := r.Location
	r = c.get(page)
	mustContain(t, r.Body, "入库验收已登记", "上海阿特拉斯配件", "合格 → 仓库", "不合格 → 不合格品区", "退回供应商", "入库")
	var quarantine int
	_ = a.Pool.QueryRow(t.Context(), `SELECT b.quantity FROM stock_balances b JOIN parts p ON p.id = b.part_id WHERE p.code = 'P-AF-001' AND b.location_id = $1`, receiptLocation(t, a, "quarantine")).Scan(&quarantine)
	if quarantine != 2 {
		t.Errorf("quarantine %d, want 2", quarantine)
	}
	// The same delivery note again: refused on the field.
	if r := c.post("/parts/receipts", good); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "已经入库过了") {
		t.Errorf("resubmitted: %d", r.Status)
	}

	var lineID int64
	var version int
	_ = a.Pool.QueryRow(t.Context(), `SELECT l.id, r.version FROM receipt_lines l JOIN receipts r ON r.id = l.receipt_id WHERE r.delivery_note = 'SHD-778' AND l.rejected > 0`).Scan(&lineID, &version)
	ret := url.Values{"line_id": {strconv.FormatInt(lineID, 10)}, "version": {strconv.Itoa(version)}, "quantity": {"3"}}
	if r := c.post(page+"/return", ret); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "退回数量须在 1 到待退数量之间") || !strings.Contains(r.Body, `value="3"`) {
		t.Errorf("returning 3 of 2: %d", r.Status)
	}
	ret.Set("quantity", "2")
	if r := c.post(page+"/return", ret); r.Status != http.StatusSeeOther || r.Location != page {
		t.Fatalf("return: %d %q", r.Status, r.Location)
	}
	r = c.get(page)
	mustContain(t, r.Body, "已退回供应商", "退供应商")
	if r := c.post(page+"/return", ret); r.Status != http.StatusConflict || !strings.Contains(r.Body, "刚被他人修改过") {
		t.Errorf("an old version: %d", r.Status)
	}
	r = c.get("/parts/receipts")
	mustContain(t, r.Body, "SHD-778", "上海阿特拉斯配件")
}

func TestStocktakeSheetSaveAndPost(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("storekeeper")
	r := c.post("/parts/receipts", url.Values{"supplier": {"S"}, "delivery_note": {"N-1"}, "line_0_part": {"P-BELT-1"}, "line_0_delivered": {"6"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("receipt: %d", r.Status)
	}
	var belt int64
	_ = a.Pool.QueryRow(t.Context(), `SELECT id FROM parts WHERE code = 'P-BELT-1'`).Scan(&belt)
	wh := strconv.FormatInt(receiptLocation(t, a, "warehouse"), 10)

	r = c.post("/parts/stocktakes", url.Values{"location_id": {wh}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/parts/stocktakes/") {
		t.Fatalf("open: %d %q", r.Status, r.Location)
	}
	sheet := r.Location
	if r := c.post("/parts/stocktakes", url.Values{"location_id": {wh}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "已有一张未过账的盘点单") {
		t.Errorf("second open count: %d", r.Status)
	}
	r = c.get(sheet)
	mustContain(t, r.Body, "P-BELT-1", `inputmode="numeric"`, "账面数量", "确认过账")
	version := func() string {
		var v int
		_ = a.Pool.QueryRow(t.Context(), `SELECT version FROM stocktakes WHERE id = $1`, strings.TrimPrefix(sheet, "/parts/stocktakes/")).Scan(&v)
		return strconv.Itoa(v)
	}
	counted, reason := "counted_"+strconv.FormatInt(belt, 10), "reason_"+strconv.FormatInt(belt, 10)
	// The demo warehouse holds opening stock: every line on the sheet is counted as on
	// the ledger, but the belts, of which 4 are missing.
	all := url.Values{}
	for _, m := range stocktakeLedgerRe.FindAllStringSubmatch(r.Body, -1) {
		all.Set("counted_"+m[1], m[2])
	}
	n, _ := strconv.Atoi(all.Get(counted))
	if n < 4 {
		t.Fatalf("belts on the ledger: %q", all.Get(counted))
	}
	beltCount := strconv.Itoa(n - 4)
	with := func(extra ...string) url.Values {
		v := url.Values{"version": {version()}}
		for k := range all {
			v.Set(k, all.Get(k))
		}
		v.Set(counted, beltCount)
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}

	if r := c.post(sheet, url.Values{"version": {version()}, counted: {"五"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="五"`) {
		t.Errorf("a count that is no number: %d", r.Status)
	}
	if r := c.post(sheet, url.Values{"version": {version()}, counted: {beltCount}}); r.Status != http.StatusSeeOther || r.Location != sheet {
		t.Fatalf("save: %d %q", r.Status, r.Location)
	}
	r = c.get(sheet)
	mustContain(t, r.Body, "盘点数量已保存", `value="`+beltCount+`"`, ">-4<")
	// Posting with the other lines uncounted lists them.
	r = c.post(sheet+"/post", url.Values{"version": {version()}, counted: {beltCount}, reason: {"断裂"}, "confirm": {"1"}})
	if r.Status != http.StatusUnprocessableEntity || strings.Count(r.Body, "请填写实盘数量") < len(all)-1 {
		t.Fatalf("post with lines uncounted: %d", r.Status)
	}

	if r := c.post(sheet+"/post", with()); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请先勾选") {
		t.Errorf("post without confirming: %d", r.Status)
	}
	r = c.post(sheet+"/post", with("confirm", "1"))
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("post without a reason: %d", r.Status)
	}
	mustContain(t, r.Body, "还不能过账", `id="stocktake-problems"`, "有差异，请填写原因")
	r = c.post(sheet+"/post", with(reason, "皮带断裂报废未登记", "confirm", "1"))
	if r.Status != http.StatusSeeOther || r.Location != sheet {
		t.Fatalf("post: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	r = c.get(sheet)
	mustContain(t, r.Body, "盘点已过账", "已过账", "皮带断裂报废未登记", "盘点调整")
	var belts int
	_ = a.Pool.QueryRow(t.Context(), `SELECT quantity FROM stock_balances WHERE part_id = $1 AND location_id = $2`, belt, wh).Scan(&belts)
	if strconv.Itoa(belts) != beltCount {
		t.Errorf("belts after the count: %d, want %s", belts, beltCount)
	}
	if r := c.post(sheet, url.Values{"version": {version()}, counted: {"4"}}); r.Status != http.StatusConflict {
		t.Errorf("saving a posted count: %d", r.Status)
	}
	r = c.get("/parts/stocktakes")
	mustContain(t, r.Body, "上次盘点：", "本周已盘")
}
