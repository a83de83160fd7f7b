package server_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserTechnicianClosesAJob is a technician's job on a 10-inch tablet in headless
// Chromium (zh-CN): 我的工单's tabs, updated live when a supervisor assigns a new job;
// appointment, check-in, the field report with a photo and a signature drawn with the
// pointer, refused for a missing field and coming back whole, then completed; the
// printable report shows the signature. Another technician cannot open the order.
func TestBrowserTechnicianClosesAJob(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var id string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.state = 'dispatched' ORDER BY o.id LIMIT 1`).Scan(&id); err != nil {
		t.Fatalf("no dispatched demo order for tech1: %v", err)
	}
	// A photo as the tablet's camera would give it.
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for x := 0; x < 800; x++ {
		for y := 0; y < 600; y += 7 {
			img.Set(x, y, color.RGBA{R: uint8(x % 255), G: 120, B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, nil)
	photo := filepath.Join(t.TempDir(), "现场照片.jpg")
	if err := os.WriteFile(photo, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	tab := browser(t)
	if err := chromedp.Do(tab, chromedp.Navigate(a.URL+"/signin")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			shot, _ := chromedp.Run(tab, chromedp.CaptureScreenshot())
			_ = os.WriteFile(filepath.Join(repoRoot(t), "test-artifacts", "screenshots", "FAILED-tablet.png"), shot, 0o644)
			t.Fatalf("%s: %v", step, err)
		}
	}
	must("viewport", chromedp.Do(ctx, chromedp.EmulateViewport(1024, 768, chromedp.EmulateTouch)))
	uiSignIn(t, ctx, a.URL, "tech1", demo.Password)
	// 我的工单 opens on today's tab; the dispatched job, not booked yet, is pending.
	follow(t, ctx, `nav a[href="/jobs"]`)
	must("my jobs", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("tab-today"))))
	if tab, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".tabs [aria-current=page]").id`)); tab != "tab-today" {
		t.Errorf("the open tab is %q", tab)
	}
	if h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.min(...[...document.querySelectorAll(".tabs a")].map(a => a.getBoundingClientRect().height))`)); err != nil || h < 44 {
		t.Errorf("tab touch targets are %.0f px high (%v)", h, err)
	}
	screenshot(t, ctx, "tablet-my-jobs")
	must("pending tab", chromedp.Do(ctx, chromedp.Click(chromedp.ID("tab-pending")), chromedp.WaitVisible(chromedp.ID("job-"+id))))
	if u, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); u != "?tab=pending" {
		t.Errorf("the tab is not in the URL: %q", u)
	}

	// A supervisor assigns tech1 another job: it appears in the open tab, counted, without
	// a reload.
	waitFor(t, ctx, "the jobs page's event stream connects", `document.getElementById("jobs").dataset.live === "open"`, 5*time.Second)
	before, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.notReloaded = true; document.getElementById("count-pending").textContent`))
	var newID, newVersion, tech1 string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, o.version::text, u.id::text FROM work_orders o JOIN users u ON u.station_id = o.station_id
		WHERE o.state = 'awaiting_dispatch' AND u.username = 'tech1' ORDER BY o.id LIMIT 1`).Scan(&newID, &newVersion, &tech1); err != nil {
		t.Fatalf("no order awaiting dispatch: %v", err)
	}
	sup := a.client(t)
	sup.signIn("supervisor")
	if r := sup.post("/orders/"+newID+"/assign", url.Values{"version": {newVersion}, "technician_id": {tech1}}); r.Status != http.StatusSeeOther {
		t.Fatalf("assign: %d", r.Status)
	}
	waitFor(t, ctx, "the new job appears in place", `!!document.getElementById("job-`+newID+`") && window.notReloaded === true`, 5*time.Second)
	n, _ := strconv.Atoi(before)
	if after := text(t, ctx, "#count-pending"); after != strconv.Itoa(n+1) {
		t.Errorf("pending count %s → %s", before, after)
	}
	screenshot(t, ctx, "tablet-my-jobs-live")
	must("open job", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#job-"+id+" .open-job")), chromedp.WaitVisible(chromedp.ID("order-number"))))

	// Appointment two hours from now, in Shanghai time.
	sh, _ := time.LoadLocation("Asia/Shanghai")
	start := time.Now().In(sh).Add(2 * time.Hour).Truncate(time.Hour)
	must("appointment", chromedp.Do(ctx,
		chromedp.SetAttributeValue(chromedp.CSS("#action-make_appointment"), "open", ""),
		chromedp.SetValue(chromedp.ID("make_appointment-start"), start.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("make_appointment-end"), start.Add(2*time.Hour).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`button[data-action="make_appointment"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
	))
	if s := text(t, ctx, "#order-state"); s != "已预约" {
		t.Fatalf("after the appointment: %q", s)
	}
	must("check in", chromedp.Do(ctx,
		chromedp.SetAttributeValue(chromedp.CSS("#action-check_in"), "open", ""),
		chromedp.Click(chromedp.CSS(`button[data-action="check_in"]`)),
		chromedp.WaitVisible(chromedp.ID("complete-form")),
	))
	if s := text(t, ctx, "#order-state"); s != "处理中" {
		t.Fatalf("after checking in: %q", s)
	}

	// The field report: text, test run, a photo, a signature drawn with the pointer, rating;
	// the actions taken and the service class are forgotten at first.
	must("report fields", chromedp.Do(ctx,
		// The page after the check-in has finished loading before anything is typed in it.
		chromedp.Poll[chromedp.Void](`document.readyState === "complete" && !!document.getElementById("complete-diagnosis")`, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.SendKeys(chromedp.ID("complete-diagnosis"), "冷却风扇电机烧毁"),
		chromedp.SendKeys(chromedp.ID("complete-fault_cause"), "轴承缺油卡死"),
		chromedp.Click(chromedp.CSS(`input[name="test_run"][value="done"]`)),
		chromedp.Click(chromedp.CSS(`input[name="usage_guidance"]`)),
		chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photo}),
		chromedp.Click(chromedp.CSS(`input[name="rating"][value="5"]`)),
		chromedp.ScrollIntoView(chromedp.ID("sig-pad")),
	))
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("sig-pad").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil || len(box) != 4 {
		t.Fatalf("signature pad: %v", err)
	}
	x0, y0, w, h := box[0], box[1], box[2], box[3]
	strokes := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x0+w*0.1, y0+h*0.6, chromedp.ButtonLeft)}
	for i := 1; i <= 24; i++ {
		fx := 0.1 + 0.8*float64(i)/24
		fy := 0.6 - 0.3*float64(i%6)/6
		strokes = append(strokes, chromedp.MouseEvent(chromedp.MouseMoved, x0+w*fx, y0+h*fy, chromedp.ButtonLeft))
	}
	strokes = append(strokes, chromedp.MouseEvent(chromedp.MouseReleased, x0+w*0.9, y0+h*0.5, chromedp.ButtonLeft))
	must("sign", chromedp.Do(ctx, strokes...))
	sig, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("signature").value`))
	if !strings.HasPrefix(sig, "data:image/png;base64,") {
		t.Fatalf("the pad made no signature: %.40q", sig)
	}
	screenshot(t, ctx, "tablet-complete-form")

	// Refused: the summary says what to fix, and everything entered is back: the text,
	// the choices, the photo (kept on the server) and the signature on the pad.
	must("refused", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-action="complete"]`)), chromedp.WaitVisible(chromedp.ID("complete-errors"))))
	if role, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("complete-errors").getAttribute("role")`)); role != "alert" {
		t.Errorf("the summary's role is %q", role)
	}
	waitFor(t, ctx, "the summary has the focus", `document.activeElement && document.activeElement.id === "complete-errors"`, 5*time.Second)
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		document.getElementById("complete-diagnosis").value,
		document.getElementById("complete-fault_cause").value,
		String(document.querySelector('input[name="test_run"][value="done"]').checked),
		String(document.querySelector('input[name="usage_guidance"]').checked),
		String(document.querySelector('input[name="rating"][value="5"]').checked),
		document.getElementById("signature").value,
		String(document.getElementById("staged-signature").hidden)]`))
	if err != nil || strings.Join(kept, "|") != "冷却风扇电机烧毁|轴承缺油卡死|true|true|true||true" {
		t.Errorf("kept after the refusal: %q (%v)", kept, err)
	}
	must("photo thumbnail", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("staged-photos"))))
	waitFor(t, ctx, "the kept photo's thumbnail", `document.querySelectorAll("#staged-photos img").length === 1 &&
		[...document.querySelectorAll("#staged-photos img")].every(i => i.complete && i.naturalWidth > 0)`, 5*time.Second)
	waitFor(t, ctx, "the kept signature is drawn on the pad", `(() => { const c = document.getElementById("sig-pad");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; })()`, 5*time.Second)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#complete-errors a[href="#complete-field_class"]').length`)); n != 1 {
		t.Error("the summary does not name the missing service class")
	}
	if msg := text(t, ctx, "#err-field_class"); !strings.Contains(msg, "请选择服务分类") {
		t.Errorf("the class's message: %q", msg)
	}
	must("summary link", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("complete-errors")),
		chromedp.Click(chromedp.CSS(`#complete-errors a[href="#complete-actions_taken"]`))))
	if h, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`)); h != "#complete-actions_taken" {
		t.Errorf("the summary's link went to %q", h)
	}
	screenshot(t, ctx, "tablet-complete-refused")
	must("complete", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("complete-actions_taken"), "更换风扇电机，试机运行30分钟正常"),
		chromedp.Click(chromedp.CSS(`input[name="field_class"][value="part_within_year"]`)),
		chromedp.Click(chromedp.CSS(`button[data-action="complete"]`)), chromedp.WaitVisible(chromedp.ID("files"))))
	if s := text(t, ctx, "#order-state"); s != "待回访" {
		t.Fatalf("after completing: %q (%s)", s, text(t, ctx, "main"))
	}
	if c := text(t, ctx, "#order-field-class"); c != "一年内换件" {
		t.Errorf("the job page's class: %q", c)
	}
	// The thumbnails load lazily: bring them into view, then wait for both.
	must("thumbnails", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("files"))))
	waitFor(t, ctx, "the signature's and the photo's thumbnails", `document.querySelectorAll("#files img").length === 2 &&
		[...document.querySelectorAll("#files img")].every(i => i.complete && i.naturalWidth > 0)`, 5*time.Second)
	screenshot(t, ctx, "tablet-completed")

	must("report", chromedp.Do(ctx, chromedp.Click(chromedp.ID("report-link")), chromedp.WaitVisible(chromedp.ID("report-signature"))))
	waitFor(t, ctx, "the signature image loads", `document.getElementById("report-signature").complete && document.getElementById("report-signature").naturalWidth > 0`, 5*time.Second)
	report := text(t, ctx, "#report")
	for _, want := range []string{"维修工作单", "冷却风扇电机烧毁", "更换风扇电机", "已试机", "一年内换件", "非常满意", "张伟"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	screenshot(t, ctx, "service-report")

	// Another technician cannot open it, nor its report or files.
	other := browser(t)
	uiSignIn(t, other, a.URL, "tech2", demo.Password)
	for _, path := range []string{"/orders/" + id, "/orders/" + id + "/report"} {
		must("tech2", chromedp.Do(other, chromedp.Navigate(a.URL+path), chromedp.WaitVisible(chromedp.ID("error-message"))))
		if h := text(t, other, "h1"); !strings.Contains(h, "404") {
			t.Errorf("tech2 on %s: %q", path, h)
		}
	}
}
