package server_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/server"
)

// postMultipart sends a completion form with files.
func (c *client) postMultipart(path string, fields map[string]string, files map[string][]byte) response {
	c.t.Helper()
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	return c.postFiles(path, form, files)
}

// postFiles sends a multipart form with repeated fields and photos (name → bytes).
func (c *client) postFiles(path string, fields url.Values, photos map[string][]byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, data := range photos {
		fw, _ := mw.CreateFormFile("photos", name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// techOrder returns a demo order of tech1 in state, with its version.
func techOrder(t *testing.T, a *app, state string) (string, string) {
	t.Helper()
	var id, version string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.version::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.state = $1 ORDER BY o.id LIMIT 1`, state).Scan(&id, &version); err != nil {
		t.Fatalf("no %s order of tech1: %v", state, err)
	}
	return id, version
}

func smallJPEG() []byte {
	var b bytes.Buffer
	_ = jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 40, 30)), nil)
	return b.Bytes()
}

func TestMyJobsAndOwnership(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	t1, t2 := a.client(t), a.client(t)
	t1.signIn("tech1")
	t2.signIn("tech2")
	id, _ := techOrder(t, a, "in_progress")
	r := t1.get("/jobs")
	mustContain(t, r.Body, "我的工单", `id="job-`+id+`"`, "拨打", "地图导航", `href="tel:+86`, "维修完成")
	if strings.Contains(t2.get("/jobs").Body, `id="job-`+id+`"`) {
		t.Error("tech2's list shows tech1's job")
	}
	// tech1's order page is the tablet job page, with the completion form.
	mustContain(t, t1.get("/orders/"+id).Body, `id="complete-form"`, `enctype="multipart/form-data"`, `capture="environment"`, `id="sig-pad"`)
	for _, path := range []string{"/orders/" + id, "/orders/" + id + "/report"} {
		if r := t2.get(path); r.Status != http.StatusNotFound {
			t.Errorf("tech2 GET %s: %d", path, r.Status)
		}
	}
	if r := t2.postMultipart("/orders/"+id+"/complete", map[string]string{"version": "1"}, nil); r.Status != http.StatusNotFound {
		t.Errorf("tech2 completes tech1's job: %d", r.Status)
	}
	if r := t2.get("/jobs"); r.Status != 200 {
		t.Errorf("tech2 /jobs: %d", r.Status)
	}
	h := a.client(t)
	h.signIn("hotline")
	if r := h.get("/jobs"); r.Status != http.StatusForbidden {
		t.Errorf("hotline /jobs: %d", r.Status)
	}
}

func TestCompleteValidationAndFiles(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("tech1")
	id, version := techOrder(t, a, "in_progress")
	base := map[string]string{"version": version, "diagnosis": "诊断", "fault_cause": "原因", "actions_taken": "处理", "test_run": "unsure", "field_class": "misuse"}

	// Neither signature nor reason, and a file that is not a photo: both named, input kept.
	r := c.postMultipart("/orders/"+id+"/complete", base, map[string][]byte{"notes.txt": []byte("hello")})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	mustContain(t, r.Body, "请让客户签字，或填写未签字原因", "只能上传照片", "请重新选择", ">诊断</textarea>")
	// A signature that is not a PNG data URL.
	bad := map[string]string{"signature": "data:image/png;base64,!!!"}
	for k, v := range base {
		bad[k] = v
	}
	mustContain(t, c.postMultipart("/orders/"+id+"/complete", bad, nil).Body, "签字图片格式不正确")
	var files int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM attachments WHERE order_id = $1`, id).Scan(&files)
	if files != 0 {
		t.Fatalf("refused reports stored %d files", files)
	}
	// A good report with the reason there is no signature and two photos.
	good := map[string]string{"no_signature_reason": "客户不在现场", "rating": "4"}
	for k, v := range base {
		good[k] = v
	}
	r = c.postMultipart("/orders/"+id+"/complete", good, map[string][]byte{"a.jpg": smallJPEG(), "b.jpg": smallJPEG()})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("complete: %d", r.Status)
	}
	page := c.get("/orders/" + id).Body
	mustContain(t, page, "维修报告已提交", "待回访", `id="files"`, `id="order-field-class">用户使用不当</dd>`)
	var attID string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM attachments WHERE order_id = $1 ORDER BY id LIMIT 1`, id).Scan(&attID)
	if r := c.get("/attachments/" + attID + "/thumb"); r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("thumbnail: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	report := c.get("/orders/" + id + "/report").Body
	mustContain(t, report, "维修工作单", "未签字：客户不在现场", "满意", "不确定", `id="report-field-class">`, "用户使用不当")
	// The office sees the files too; another station and another technician do not.
	sup := a.client(t)
	sup.signIn("supervisor")
	if r := sup.get("/attachments/" + attID); r.Status != 200 {
		t.Errorf("supervisor: %d", r.Status)
	}
	for _, u := range []string{"tech2", "sz.supervisor"} {
		o := a.client(t)
		o.signIn(u)
		if r := o.get("/attachments/" + attID); r.Status != http.StatusNotFound {
			t.Errorf("%s opens the photo: %d", u, r.Status)
		}
	}
}

func TestCompleteSignatureOnTheReport(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("tech1")
	id, version := techOrder(t, a, "in_progress")
	sig := "data:image/png;base64," + b64(demo.Signature())
	r := c.postMultipart("/orders/"+id+"/complete", map[string]string{"version": version, "diagnosis": "d", "fault_cause": "c",
		"actions_taken": "a", "test_run": "done", "field_class": "paid", "signature": sig}, nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("complete: %d", r.Status)
	}
	report := c.get("/orders/" + id + "/report").Body
	i := strings.Index(report, `id="report-signature"`)
	if i < 0 {
		t.Fatal("no signature on the report")
	}
	var sigID string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM attachments WHERE order_id = $1 AND kind = 'signature'`, id).Scan(&sigID)
	if !strings.Contains(report, `src="/attachments/`+sigID+`"`) {
		t.Error("the report's signature is not the stored one")
	}
	if r := c.get("/attachments/" + sigID); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("Content-Length") != strconv.Itoa(len(demo.Signature())) {
		t.Errorf("signature file: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Length"))
	}
}

// TestServiceReport: the printable report shows the order, the parts used, the fees with
// their settlement, the customer's signature and when it was printed (the server's
// clock), to those who see the order only.
func TestServiceReport(t *testing.T) {
	t.Parallel()
	printed := time.Date(2031, 5, 6, 7, 8, 0, 0, time.FixedZone("CST", 8*3600))
	a := newApp(t, func(d *server.Deps) { d.Now = func() time.Time { return printed } })
	// A settled Shanghai order with the customer's signature, and two of a part used.
	var id, number, customer, assignee, receipt, sigID string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.number, c.name, u.username, st.receipt_no, f.id::text
		FROM work_orders o JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = o.assignee_id
			JOIN stations s ON s.id = o.station_id JOIN settlements st ON st.order_id = o.id
			JOIN attachments f ON f.order_id = o.id AND f.kind = 'signature'
		WHERE s.code = 'SH' AND u.username IN ('tech1', 'tech2') ORDER BY o.id LIMIT 1`).Scan(&id, &number, &customer, &assignee, &receipt, &sigID); err != nil {
		t.Fatalf("no settled, signed order: %v", err)
	}
	var part string
	if err := a.Pool.QueryRow(t.Context(), `INSERT INTO order_parts_used (order_id, part_id, quantity)
		SELECT $1, id, 2 FROM parts WHERE active ORDER BY code LIMIT 1 RETURNING (SELECT code FROM parts WHERE id = part_id)`, id).Scan(&part); err != nil {
		t.Fatal(err)
	}
	other := map[string]string{"tech1": "tech2", "tech2": "tech1"}[assignee]

	for _, user := range []string{assignee, "hotline", "supervisor", "manager"} {
		c := a.client(t)
		c.signIn(user)
		r := c.get("/orders/" + id + "/report")
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", user, r.Status)
		}
		mustContain(t, r.Body, "维修工作单", number, customer, `id="report-parts"`, part, "× 2", `id="report-fees"`,
			`id="report-settlement"`, receipt, `id="report-signature"`, `src="/attachments/`+sigID+`"`, "打印时间 2031-05-06 07:08")
	}
	for user, want := range map[string]int{other: http.StatusNotFound, "sz.hotline": http.StatusNotFound, "storekeeper": http.StatusForbidden} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/orders/" + id + "/report"); r.Status != want {
			t.Errorf("%s: %d, want %d", user, r.Status, want)
		}
	}
	h := a.client(t)
	h.signIn("hotline")
	if r := h.get("/orders/999999/report"); r.Status != http.StatusNotFound {
		t.Errorf("no such order: %d", r.Status)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// jpegOf is a small JPEG whose bytes differ with shade.
func jpegOf(shade uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		img.Set(x, x%48, color.RGBA{R: shade, G: 80, B: 160, A: 255})
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

var (
	formKeyRE   = regexp.MustCompile(`name="key" value="([^"]+)"`)
	stagedRE    = regexp.MustCompile(`name="staged" value="(\d+)"`)
	jobCardRE   = regexp.MustCompile(`<article class="[^"]*job[^"]*" id="job-(\d+)"`)
	tabCountRE  = regexp.MustCompile(`id="count-(\w+)">(\d+)<`)
	checkedOfRE = func(name, value string) *regexp.Regexp {
		return regexp.MustCompile(`name="` + name + `" value="` + value + `"[^>]*checked`)
	}
)

// TestCompleteRefusedKeepsEverything: a refused field report comes back with the typed
// values, an error summary linking to each field, and the photos and signature that
// passed their checks kept on the server (visible only to the technician who sent them,
// for that order) and shown again; removing one drops it; the successful retry turns the
// kept files into the report's attachments and a double submit completes once.
func TestCompleteRefusedKeepsEverything(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("tech1")
	id, version := techOrder(t, a, "in_progress")
	m := formKeyRE.FindStringSubmatch(c.get("/orders/" + id).Body)
	if m == nil {
		t.Fatal("the completion form has no one-time key")
	}
	key := m[1]
	sig := "data:image/png;base64," + b64(demo.Signature())
	form := url.Values{"version": {version}, "key": {key}, "fault_cause": {"轴承缺油"}, "actions_taken": {"更换轴承"},
		"test_run": {"done"}, "field_class": {"retrofit"}, "usage_guidance": {"1"}, "rating": {"4"}, "note": {"下次保养时复查"}, "signature": {sig}}

	// No diagnosis, one file that is not a photo: refused, with two good photos and the
	// signature kept.
	r := c.postFiles("/orders/"+id+"/complete", form, map[string][]byte{"a.jpg": jpegOf(10), "b.jpg": jpegOf(200), "notes.txt": []byte("hello")})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	mustContain(t, r.Body, `id="complete-errors"`, `role="alert"`, `href="#complete-diagnosis"`, "故障诊断：此项必填。", `href="#photos"`,
		`id="err-diagnosis"`, ">轴承缺油</textarea>", ">更换轴承</textarea>", `value="下次保养时复查"`, `name="key" value="`+key+`"`,
		`id="staged-signature"`, "上次选择的 2 张照片已保留")
	for name, value := range map[string]string{"test_run": "done", "field_class": "retrofit", "usage_guidance": "1", "rating": "4"} {
		if !checkedOfRE(name, value).MatchString(r.Body) {
			t.Errorf("%s=%s is not checked again", name, value)
		}
	}
	if i, j := strings.Index(r.Body, `id="complete-errors"`), strings.Index(r.Body, `id="complete-diagnosis"`); i < 0 || i > j {
		t.Error("the error summary is not at the top of the form")
	}
	var photos, sigs, files int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE kind = 'photo'), count(*) FILTER (WHERE kind = 'signature')
		FROM staged_uploads WHERE order_id = $1`, id).Scan(&photos, &sigs)
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM attachments WHERE order_id = $1`, id).Scan(&files)
	if photos != 2 || sigs != 1 || files != 0 {
		t.Fatalf("staged %d photos, %d signatures; %d attachments", photos, sigs, files)
	}
	var staged []string
	for _, m := range stagedRE.FindAllStringSubmatch(r.Body, -1) {
		staged = append(staged, m[1])
	}
	if len(staged) != 3 {
		t.Fatalf("the form refers to %d kept files", len(staged))
	}
	var sigID string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM staged_uploads WHERE order_id = $1 AND kind = 'signature'`, id).Scan(&sigID)
	var photoIDs []string
	for _, s := range staged {
		if s != sigID {
			photoIDs = append(photoIDs, s)
		}
	}
	mustContain(t, r.Body, `src="/orders/`+id+`/staged/`+photoIDs[0]+`/thumb"`, `src="/orders/`+id+`/staged/`+sigID+`"`)

	// Only the technician who sent them sees the kept files, and only under their order.
	if r := c.get("/orders/" + id + "/staged/" + photoIDs[0] + "/thumb"); r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("own thumbnail: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if r := c.get("/orders/" + id + "/staged/" + sigID); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Errorf("own signature: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	other, _ := techOrder(t, a, "in_workshop")
	if r := c.get("/orders/" + other + "/staged/" + photoIDs[0]); r.Status != http.StatusNotFound {
		t.Errorf("under another order: %d", r.Status)
	}
	for _, u := range []string{"tech2", "supervisor", "sz.supervisor"} {
		o := a.client(t)
		o.signIn(u)
		if r := o.get("/orders/" + id + "/staged/" + photoIDs[0] + "/thumb"); r.Status != http.StatusNotFound {
			t.Errorf("%s opens the kept photo: %d", u, r.Status)
		}
	}

	// Removing one photo while still refused: it is gone, the rest stays.
	form["staged"] = staged
	form["unstage"] = []string{photoIDs[1]}
	r = c.postFiles("/orders/"+id+"/complete", form, nil)
	if r.Status != http.StatusUnprocessableEntity || strings.Contains(r.Body, "/staged/"+photoIDs[1]) || !strings.Contains(r.Body, "/staged/"+photoIDs[0]+"/thumb") {
		t.Fatalf("after removing a photo: %d", r.Status)
	}
	mustContain(t, r.Body, "上次选择的 1 张照片已保留", `id="staged-signature"`)

	// The retry with the diagnosis and one more photo completes with every file.
	form["diagnosis"] = []string{"轴承损坏"}
	form["staged"] = []string{photoIDs[0], sigID}
	form["unstage"] = nil
	form.Del("signature")
	r = c.postFiles("/orders/"+id+"/complete", form, map[string][]byte{"c.jpg": jpegOf(90)})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("retry: %d", r.Status)
	}
	var kinds string
	_ = a.Pool.QueryRow(t.Context(), `SELECT string_agg(kind, ',' ORDER BY id) FROM attachments WHERE order_id = $1`, id).Scan(&kinds)
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM staged_uploads WHERE order_id = $1`, id).Scan(&photos)
	if kinds != "signature,photo,photo" || photos != 0 {
		t.Fatalf("attachments %q, %d staged left", kinds, photos)
	}
	mustContain(t, c.get("/orders/"+id+"/report").Body, `id="report-signature"`)
	// The same form sent again (a double tap) completes once.
	if r := c.postFiles("/orders/"+id+"/complete", form, map[string][]byte{"c.jpg": jpegOf(90)}); r.Status != http.StatusSeeOther {
		t.Errorf("double submit: %d", r.Status)
	}
	var completes int
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM work_order_events WHERE order_id = $1 AND transition = 'complete'`, id).Scan(&completes)
	_ = a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM attachments WHERE order_id = $1`, id).Scan(&files)
	if completes != 1 || files != 3 {
		t.Errorf("after a double submit: %d completions, %d files", completes, files)
	}
}

// TestMyJobsTabs: 我的工单 in three tabs with counts: today (under way and today's or
// missed appointments), pending (the other open jobs), done (completed in the last 30
// days, newest first); the technician's own only, an empty state per tab.
func TestMyJobsTabs(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("tech1")
	ids := func(state string) []string {
		rows, _ := a.Pool.Query(t.Context(), `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
			WHERE u.username = 'tech1' AND o.state = $1`, state)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			_ = rows.Scan(&id)
			out = append(out, id)
		}
		return out
	}
	// One closed job was completed long ago: not in the done tab.
	var old string
	if err := a.Pool.QueryRow(t.Context(), `UPDATE work_orders SET completed_at = now() - interval '40 days'
		WHERE id = (SELECT min(id) FROM work_orders WHERE state = 'closed' AND assignee_id = (SELECT id FROM users WHERE username = 'tech1'))
		RETURNING id::text`).Scan(&old); err != nil {
		t.Fatal(err)
	}
	page := func(path string) (cards []string, counts map[string]string, body string) {
		r := c.get(path)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		for _, m := range jobCardRE.FindAllStringSubmatch(r.Body, -1) {
			cards = append(cards, m[1])
		}
		counts = map[string]string{}
		for _, m := range tabCountRE.FindAllStringSubmatch(r.Body, -1) {
			counts[m[1]] = m[2]
		}
		return cards, counts, r.Body
	}
	same := func(tab string, got []string, want ...[]string) {
		t.Helper()
		var all []string
		for _, w := range want {
			all = append(all, w...)
		}
		g, w := strings.Join(sorted(got), ","), strings.Join(sorted(all), ",")
		if g != w || len(all) == 0 {
			t.Errorf("tab %s shows %s, want %s", tab, g, w)
		}
	}
	today, counts, body := page("/jobs")
	same("today", today, ids("in_progress"), ids("scheduled"))
	mustContain(t, body, `id="tab-today"`, `aria-current="page"`, `href="/jobs?tab=pending"`, `href="/jobs?tab=done"`, "今日", "待处理", "已完成", `src="/static/js/jobs.js"`)
	pending, counts2, _ := page("/jobs?tab=pending")
	same("pending", pending, ids("dispatched"), ids("in_workshop"), ids("awaiting_parts"))
	done, _, _ := page("/jobs?tab=done")
	var recent []string
	for _, id := range append(ids("awaiting_callback"), ids("closed")...) {
		if id != old {
			recent = append(recent, id)
		}
	}
	same("done", done, recent)
	var newest string
	_ = a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.completed_at > now() - interval '30 days' ORDER BY o.completed_at DESC LIMIT 1`).Scan(&newest)
	if len(done) == 0 || done[0] != newest {
		t.Errorf("done is not newest first: %v, newest %s", done, newest)
	}
	for tab, n := range map[string]int{"today": len(today), "pending": len(pending), "done": len(done)} {
		if counts[tab] != strconv.Itoa(n) || counts2[tab] != counts[tab] {
			t.Errorf("count of %s: %q (and %q), %d cards", tab, counts[tab], counts2[tab], n)
		}
	}
	if bogus, _, _ := page("/jobs?tab=x"); strings.Join(bogus, ",") != strings.Join(today, ",") {
		t.Error("an unknown tab is not today")
	}
	// Another technician's jobs are in none of the tabs; an empty tab says so.
	t2 := a.client(t)
	t2.signIn("tech2")
	for _, tab := range []string{"today", "pending", "done"} {
		if body := t2.get("/jobs?tab=" + tab).Body; strings.Contains(body, `id="job-`+today[0]+`"`) || strings.Contains(body, `id="job-`+done[0]+`"`) {
			t.Errorf("tech2's %s tab shows tech1's job", tab)
		}
	}
	sz := a.client(t)
	sz.signIn("sz.tech")
	mustContain(t, sz.get("/jobs?tab=done").Body, "近 30 天没有完成的工单", `id="count-done">0<`)
	mustContain(t, sz.get("/jobs?tab=pending").Body, "没有其他待处理的工单")
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
