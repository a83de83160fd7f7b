package server_test

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func smallPNG() []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 40, 30)))
	return b.Bytes()
}

var formKeyRe = regexp.MustCompile(`name="form_key" value="([0-9a-f]+)"`)

// faultFormKey is the one-time key of the fault report form on the order page.
func faultFormKey(t *testing.T, c *client, orderID string) string {
	t.Helper()
	body := c.get("/orders/" + orderID).Body
	i := strings.Index(body, `id="fault-form"`)
	if i < 0 {
		t.Fatalf("no fault form on the order page")
	}
	m := formKeyRe.FindStringSubmatch(body[i:])
	if m == nil {
		t.Fatalf("no form key in the fault form")
	}
	return m[1]
}

func TestFaultReportAndQuality(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	tech := a.client(t)
	tech.signIn("tech1")
	id, _ := techOrder(t, a, "in_progress")

	// Bad input: no symptom, no severity — 422 with the Chinese message, nothing saved.
	r := tech.postFiles("/orders/"+id+"/faults", url.Values{"form_key": {faultFormKey(t, tech, id)}, "assembly": {"压缩机"}}, nil)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: %d", r.Status)
	}
	mustContain(t, r.Body, "请选择严重程度。", `id="fault-errors"`)

	// A major fault not fixed on site, with a photo; the same form posted twice saves once.
	key := faultFormKey(t, tech, id)
	form := url.Values{"form_key": {key}, "assembly": {"压缩机总成"}, "symptom": {"异响后卡死-测试"}, "severity": {"major"}}
	for i := 0; i < 2; i++ {
		if r = tech.postFiles("/orders/"+id+"/faults", form, map[string][]byte{"p.png": smallPNG()}); r.Status != http.StatusSeeOther {
			t.Fatalf("report %d: %d %s", i, r.Status, r.Body)
		}
	}
	var n int
	var major string
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*), min(id)::text FROM faults WHERE symptom = '异响后卡死-测试'`).Scan(&n, &major); err != nil || n != 1 {
		t.Fatalf("repeated key saved %d times: %v", n, err)
	}
	// A minor one.
	minorForm := url.Values{"form_key": {faultFormKey(t, tech, id)}, "assembly": {"控制器"}, "symptom": {"显示屏闪烁-测试"}, "severity": {"minor"}}
	if r = tech.postFiles("/orders/"+id+"/faults", minorForm, nil); r.Status != http.StatusSeeOther {
		t.Fatalf("minor: %d", r.Status)
	}
	// Both list on the order; the fault page shows the photo.
	mustContain(t, tech.get("/orders/"+id).Body, `id="order-faults"`, "异响后卡死-测试", "显示屏闪烁-测试", "已上报总部")
	page := tech.get("/faults/" + major)
	mustContain(t, page.Body, "异响后卡死-测试", `id="fault-photos"`)
	if strings.Contains(page.Body, `id="fault-steps"`) {
		t.Error("technician sees handling steps")
	}
	photo := regexp.MustCompile(`/faults/photos/(\d+)/thumb`).FindStringSubmatch(page.Body)
	if photo == nil {
		t.Fatal("no photo thumbnail")
	}
	if r = tech.get(photo[0]); r.Status != 200 {
		t.Fatalf("thumb: %d", r.Status)
	}

	// HQ sees the major one among the escalated at once, the minor one not there.
	hq := a.client(t)
	hq.signIn("admin")
	r = hq.get("/faults")
	if r.Status != 200 {
		t.Fatalf("HQ /faults: %d", r.Status)
	}
	esc := r.Body[strings.Index(r.Body, `id="escalated"`):strings.Index(r.Body, `id="pareto"`)]
	if !strings.Contains(esc, "异响后卡死-测试") || strings.Contains(esc, "显示屏闪烁-测试") {
		t.Fatalf("escalated list: %s", esc)
	}
	mustContain(t, r.Body, "压缩机总成", "累计占比", "每月故障数")

	// A station supervisor may not take the escalated fault's steps: no forms for them.
	sup := a.client(t)
	sup.signIn("supervisor")
	if strings.Contains(sup.get("/faults/"+major).Body, `id="step-analyse"`) {
		t.Error("station supervisor offered a step of an escalated fault")
	}
	// HQ takes it through to closed; a missing cause is 422.
	step := func(s, text string, want int) response {
		t.Helper()
		body := hq.get("/faults/" + major).Body
		i := strings.Index(body, `id="step-`+s+`"`)
		if i < 0 {
			t.Fatalf("no %s form", s)
		}
		k := formKeyRe.FindStringSubmatch(body[i:])[1]
		v := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body[i:])[1]
		r := hq.post("/faults/"+major+"/"+s, url.Values{"form_key": {k}, "version": {v}, "text": {text}})
		if r.Status != want {
			t.Fatalf("%s: %d %s", s, r.Status, r.Body)
		}
		return r
	}
	mustContain(t, step("analyse", "", http.StatusUnprocessableEntity).Body, "field-error")
	step("analyse", "轴承批次不良", http.StatusSeeOther)
	step("measure", "更换批次", http.StatusSeeOther)
	step("close", "", http.StatusSeeOther)
	r = hq.get("/faults/" + major)
	mustContain(t, r.Body, "已关闭", "轴承批次不良", "更换批次")
	if strings.Contains(hq.get("/faults").Body[:strings.Index(hq.get("/faults").Body, `id="pareto"`)], "异响后卡死-测试") {
		t.Error("closed fault still escalated")
	}

	// Another station's supervisor: 404 on the fault and its photo.
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r = sz.get("/faults/" + major); r.Status != http.StatusNotFound {
		t.Errorf("other station fault: %d", r.Status)
	}
	if r = sz.get(photo[0]); r.Status != http.StatusNotFound {
		t.Errorf("other station photo: %d", r.Status)
	}
	// Roles: hotline and technicians do not see the quality list; hotline does not report.
	hot := a.client(t)
	hot.signIn("hotline")
	for _, c := range []*client{hot, tech} {
		if r = c.get("/faults"); r.Status != http.StatusForbidden {
			t.Errorf("/faults: %d", r.Status)
		}
	}
	if r = hot.postFiles("/orders/"+id+"/faults", url.Values{"assembly": {"x"}}, nil); r.Status != http.StatusForbidden {
		t.Errorf("hotline reports: %d", r.Status)
	}
	if r = tech.post("/faults/"+major+"/analyse", url.Values{"version": {"1"}, "text": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("technician step: %d", r.Status)
	}
}

func TestFaultMenus(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for _, u := range []string{"supervisor", "admin", "manager"} {
		c := a.client(t)
		c.signIn(u)
		mustContain(t, c.get("/").Body, `href="/faults"`)
	}
}
