package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/parts"
)

// TestNoticeIssueFormAndWorkbookSerials: only headquarters is offered the issue form; a
// fault's link opens it prefilled; a serial list may come as a workbook (its rows' first
// cells), and a file that is not one is refused on its field with nothing issued.
func TestNoticeIssueFormAndWorkbookSerials(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, s := range []string{"WB-01", "WB-02", "WB-03"} {
		if _, err := a.Pool.Exec(t.Context(), `WITH c AS (INSERT INTO customers (station_id, name)
			SELECT station_id, '客户' || $1 FROM users WHERE username = 'supervisor' RETURNING id)
			INSERT INTO units (customer_id, brand, model, serial) SELECT id, '恒温', 'WB-500', $1 FROM c`, s); err != nil {
			t.Fatal(err)
		}
	}
	sup := a.client(t)
	sup.signIn("supervisor")
	if r := sup.get("/notices"); r.Status != http.StatusOK || strings.Contains(r.Body, `id="notice-form"`) {
		t.Errorf("a supervisor is offered the issue form (%d)", r.Status)
	}
	admin := a.client(t)
	admin.signIn("admin")
	r := admin.get("/notices?issue=1&model=WB-500&title=" + "排气阀异响")
	mustContain(t, r.Body, `id="notice-form"`, `value="WB-500"`, "排气阀异响", "或上传序列号清单")

	post := func(file string, data []byte) response {
		t.Helper()
		key := regexp.MustCompile(`name="form_key" value="([0-9a-f]+)"`).FindStringSubmatch(admin.get("/notices").Body)[1]
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range map[string]string{"form_key": key, "title": "更换排气阀", "model": "WB-500", "deadline": "2030-01-01"} {
			_ = mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("serials_xlsx", file)
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, admin.base+"/notices", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return admin.do(req)
	}
	if r := post("序列号.xlsx", []byte("not a workbook")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Excel") {
		t.Errorf("a file that is not a workbook: %d", r.Status)
	}
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM notices WHERE title = '更换排气阀'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused form issued %d notices (%v)", n, err)
	}
	book, err := parts.WriteXLSX("序列号", []string{"序列号"}, [][]any{{"WB-01"}, {"WB-03"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := post("序列号.xlsx", book); r.Status != http.StatusSeeOther {
		t.Fatalf("a workbook of serials: %d %s", r.Status, r.Body)
	}
	var id string
	if err := a.Pool.QueryRow(t.Context(), `SELECT id::text FROM notices WHERE title = '更换排气阀'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// The header row names no unit; WB-01 and WB-03 are listed, WB-02 is not.
	r = admin.get("/notices/" + id)
	mustContain(t, r.Body, "0 / 2", "WB-01", "WB-03")
	if strings.Contains(r.Body, "WB-02") {
		t.Error("a unit not on the workbook's list joined the notice")
	}
}

// TestFaultRaisesANotice: headquarters opens a fault with a link to the notice form
// prefilled with its model; a station's supervisor gets no such link.
func TestFaultRaisesANotice(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var id, model string
	if err := a.Pool.QueryRow(t.Context(), `SELECT f.id::text, f.model FROM faults f JOIN users u ON u.station_id = f.station_id
		WHERE u.username = 'supervisor' ORDER BY f.id LIMIT 1`).Scan(&id, &model); err != nil {
		t.Fatal(err)
	}
	admin := a.client(t)
	admin.signIn("admin")
	r := admin.get("/faults/" + id)
	link := regexp.MustCompile(`id="fault-raise-notice"|href="(/notices\?[^"]+)"[^>]*id="fault-raise-notice"`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || link == nil || !strings.Contains(r.Body, "据此下发技术通知") {
		t.Fatalf("HQ's fault page: %d, no link to a notice", r.Status)
	}
	if f := admin.get("/notices?issue=1&model=" + model); !strings.Contains(f.Body, `value="`+model+`"`) {
		t.Errorf("the notice form is not prefilled with %q", model)
	}
	sup := a.client(t)
	sup.signIn("supervisor")
	if r := sup.get("/faults/" + id); r.Status != http.StatusOK || strings.Contains(r.Body, "fault-raise-notice") {
		t.Errorf("a supervisor's fault page (%d) offers to issue a notice", r.Status)
	}
}
