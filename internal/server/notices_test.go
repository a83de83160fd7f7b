package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestNoticePages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, s := range []string{"N-01", "N-02", "N-03"} {
		if _, err := a.Pool.Exec(t.Context(), `WITH c AS (INSERT INTO customers (station_id, name)
			SELECT station_id, '客户' || $1 FROM users WHERE username = 'supervisor' RETURNING id)
			INSERT INTO units (customer_id, brand, model, serial) SELECT id, '恒温', 'NT-100', $1 FROM c`, s); err != nil {
			t.Fatal(err)
		}
	}
	admin := a.client(t)
	admin.signIn("admin")
	r := admin.get("/notices")
	key := regexp.MustCompile(`name="form_key" value="([0-9a-f]+)"`).FindStringSubmatch(r.Body)[1]
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"form_key": key, "title": "更换密封圈", "model": "NT-100", "serial_from": "N-01", "serial_to": "N-03",
		"parts": "密封圈 ×1", "deadline": "2030-01-01"} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("files", "通知.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4\n%test\n"))
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, admin.base+"/notices", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if r = admin.do(req); r.Status != http.StatusSeeOther {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	var id string
	if err := a.Pool.QueryRow(t.Context(), `SELECT id::text FROM notices WHERE title = '更换密封圈'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if r = admin.get("/notices/" + id); !strings.Contains(r.Body, "0 / 3") || !strings.Contains(r.Body, "通知.pdf") {
		t.Fatalf("notice page: %d", r.Status)
	}
	unit := func(serial string) string {
		var u string
		if err := a.Pool.QueryRow(t.Context(), `SELECT id::text FROM units WHERE serial = $1`, serial).Scan(&u); err != nil {
			t.Fatal(err)
		}
		return u
	}

	sup := a.client(t)
	sup.signIn("supervisor")
	r = sup.get("/notices/" + id)
	keys := regexp.MustCompile(`name="form_key" value="([0-9a-f]+)"`).FindAllStringSubmatch(r.Body, -1)
	page := func(r response) response {
		t.Helper()
		if r.Status != http.StatusSeeOther {
			t.Fatalf("post: %d", r.Status)
		}
		return sup.get("/notices/" + id)
	}
	r = page(sup.post("/notices/"+id+"/orders", url.Values{"form_key": {keys[0][1]}, "unit": {unit("N-01"), unit("N-02")}}))
	if r.Status != http.StatusOK || strings.Count(r.Body, "执行中") < 2 {
		t.Fatalf("orders: %d", r.Status)
	}
	r = page(sup.post("/notices/"+id+"/unable", url.Values{"form_key": {"notice-unable-0001"}, "unit": {unit("N-03")}, "note": {"现场关闭"}}))
	mustContain(t, r.Body, "请选择无法执行的原因")
	r = page(sup.post("/notices/"+id+"/unable", url.Values{"form_key": {"notice-unable-0002"}, "unit": {unit("N-03")}, "reason": {"environment"}, "note": {"现场关闭"}}))
	mustContain(t, r.Body, "无法执行", "环: 现场关闭", "0 / 3")
	if r := sup.get("/notices/" + id + "/print?station=" + regexp.MustCompile(`station=(\d+)`).FindStringSubmatch(r.Body)[1]); r.Status != http.StatusOK {
		t.Errorf("print: %d", r.Status)
	} else {
		mustContain(t, r.Body, "技术通知执行记录单", "N-03")
	}
	// Shenzhen sees the notice but none of Shanghai's units.
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r := sz.get("/notices/" + id); strings.Contains(r.Body, "客户N-01") || !strings.Contains(r.Body, "本站暂无涉及的设备") {
		t.Error("Shenzhen sees Shanghai's units")
	}
}
