package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/report"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

var figureRow = regexp.MustCompile(`id="fig-([a-z_0-9]+)" data-num="(-?\d+)" data-den="(-?\d+)"`)

func TestReportsPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	mgr := a.client(t)
	mgr.signIn("manager")
	r := mgr.get("/reports?kind=year")
	if r.Status != http.StatusOK {
		t.Fatalf("manager: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, r.Body, "报表", "按时联系率", "chart-trend", "chart-tech", "chart-stations", "上海浦东服务站", "苏州服务站", `href="/reports"`)
	page := map[string][2]int64{}
	for _, m := range figureRow.FindAllStringSubmatch(r.Body, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		d, _ := strconv.ParseInt(m[3], 10, 64)
		page[m[1]] = [2]int64{n, d}
	}
	if len(page) != len(report.Keys) || page[report.Received][0] == 0 {
		t.Fatalf("figures on the page: %v", page)
	}

	// The workbook has the page's numbers.
	x := mgr.get("/reports.xlsx?kind=year")
	if x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("workbook: %d %s", x.Status, x.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(i18n.TL("zh-Hans", "report.sheet.figures"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(report.Keys)+1 {
		t.Fatalf("figures sheet: %d rows", len(rows))
	}
	for i, k := range report.Keys {
		row := rows[i+1]
		if row[0] != i18n.TL("zh-Hans", "report.figure."+k) || row[2] != fmt.Sprint(page[k][0]) || row[3] != fmt.Sprint(page[k][1]) {
			t.Errorf("sheet row %v, page %s %v", row, k, page[k])
		}
	}
	if typ, _ := f.GetCellType(i18n.TL("zh-Hans", "report.sheet.figures"), "C2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Error("numbers are stored as text")
	}

	// A supervisor sees only their station; another station is not found.
	sup := a.client(t)
	sup.signIn("supervisor")
	r = sup.get("/reports")
	if r.Status != http.StatusOK || strings.Contains(r.Body, "苏州服务站") || strings.Contains(r.Body, "chart-stations") {
		t.Errorf("supervisor: %d, Suzhou shown: %v", r.Status, strings.Contains(r.Body, "苏州服务站"))
	}
	var sz int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM stations WHERE code = 'SZ'`).Scan(&sz); err != nil {
		t.Fatal(err)
	}
	if r := sup.get("/reports?station=" + strconv.FormatInt(sz, 10)); r.Status != http.StatusNotFound {
		t.Errorf("supervisor asking for Suzhou: %d", r.Status)
	}
	if r := mgr.get("/reports?kind=range&from=2026-11-15&to=2026-11-01"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a backwards range: %d", r.Status)
	}
	for _, who := range []string{"tech1", "hotline", "storekeeper"} {
		c := a.client(t)
		c.signIn(who)
		for _, path := range []string{"/reports", "/reports.xlsx"} {
			if r := c.get(path); r.Status != http.StatusForbidden {
				t.Errorf("%s %s: %d", who, path, r.Status)
			}
		}
	}
	if r := a.client(t).get("/reports"); r.Status != http.StatusSeeOther {
		t.Errorf("signed out: %d", r.Status)
	}
}

// TestBrowserReports opens the report as the centre manager in headless Chromium
// (zh-CN): every chart draws, and the console stays free of errors.
func TestBrowserReports(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	var mu sync.Mutex
	var errs []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			errs = append(errs, e.ExceptionDetails.Text+" "+fmt.Sprint(e.ExceptionDetails.Exception))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				errs = append(errs, fmt.Sprint(e.Args))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	uiSignIn(t, ctx, a.URL, "manager", demo.Password)
	follow(t, ctx, `nav a[href="/reports"]`)
	waitFor(t, ctx, "every chart drawn", `typeof Chart !== "undefined" && ["chart-trend", "chart-tech", "chart-stations"].every(id => { const c = document.getElementById(id); return c && Chart.getChart(c) && c.width > 0 })`, 60*time.Second)
	if h := text(t, ctx, "h1"); h != "报表" {
		t.Errorf("heading %q", h)
	}
	// A definition opens with one click.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#fig-callback_rate summary`))); err != nil {
		t.Fatal(err)
	}
	if d := text(t, ctx, `#fig-callback_rate details p`); !strings.Contains(d, "回访") {
		t.Errorf("definition %q", d)
	}
	screenshot(t, ctx, "reports")
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

func TestManagersHomeShowsHeadlineFigures(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	r := c.get("/")
	if r.Status != http.StatusOK {
		t.Fatalf("home: %d", r.Status)
	}
	mustContain(t, r.Body, `id="home-figures"`, "受理工单数", "按时联系率", "回访率", `href="/reports?kind=day"`, `href="/reports?kind=month"`)
	h := a.client(t)
	h.signIn("hotline")
	if r := h.get("/"); strings.Contains(r.Body, `id="home-figures"`) {
		t.Error("the hotline sees the managers' figures")
	}
}
