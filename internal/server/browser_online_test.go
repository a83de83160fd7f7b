package server_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/chromedp/chromedp"
)

// TestBrowserCustomerOnline: a customer scans a unit's label on a phone (390×844), reports
// the fault with a photo, and the order appears on the supervisor's open board without a
// reload; the progress page moves as the technician works; once the job is done the
// customer answers the survey online, and the hotline's callback queue shows the callback
// done (online).
func TestBrowserCustomerOnline(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	unitID, _ := freeUnit(t, a)
	token := labelToken(t, a, unitID)
	const wait = 30 * time.Second

	photo := filepath.Join(t.TempDir(), "fault.png")
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x%48, color.RGBA{180, 40, 40, 255})
	}
	f, err := os.Create(photo)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()

	sup := browser(t)
	uiSignIn(t, sup, a.URL, "supervisor", demo.Password)
	if err := chromedp.Do(sup, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(a.URL+"/board?view=state"),
		chromedp.WaitVisible(chromedp.ID("board"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sup, "the board's event stream connects", `document.getElementById("board").dataset.live === "open"`, wait)

	phone := browser(t)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.URL+"/u/"+token), chromedp.WaitVisible(chromedp.ID("report-form"))); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if w, _ := chromedp.Run(phone, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); !w {
		t.Error("the report page scrolls sideways on a phone")
	}
	screenshot(t, phone, "online-report-phone")
	if err := chromedp.Do(phone,
		chromedp.SendKeys(chromedp.ID("symptom"), "机器启动后跳闸，有焦糊味"),
		chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photo}),
		chromedp.SendKeys(chromedp.ID("name"), "孙女士"),
		chromedp.SendKeys(chromedp.ID("phone"), "136 1111 2222"),
		chromedp.SendKeys(chromedp.ID("preferred"), "明天下午"),
	); err != nil {
		t.Fatal(err)
	}
	follow(t, phone, "#report-submit")
	waitFor(t, phone, "the progress page after the report", `!!document.getElementById("progress-number")`, wait)
	number := text(t, phone, "#progress-number")
	var orderID int64
	var photos int
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id, (SELECT count(*) FROM attachments f WHERE f.order_id = o.id) FROM work_orders o WHERE o.number = $1 AND o.channel = 'qr'`, number).Scan(&orderID, &photos); err != nil {
		t.Fatalf("order %s: %v", number, err)
	}
	if photos != 1 {
		t.Errorf("%d photos on the order", photos)
	}
	screenshot(t, phone, "online-progress-received")
	waitFor(t, sup, "the reported order appears on the open board", `!!document.getElementById("card-`+strconv.FormatInt(orderID, 10)+`")`, wait)
	screenshot(t, sup, "online-board-arrived")

	// The office and the technician work the order; the progress page follows.
	orders := workorder.NewService(a.Pool, time.Now, testkit.Shanghai)
	hot, supA, tech := testkit.Actor(t, a.Pool, "hotline"), testkit.Actor(t, a.Pool, "supervisor"), testkit.Actor(t, a.Pool, "tech1")
	o, err := orders.OrderByID(t.Context(), hot, orderID)
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string, next func(workorder.Order) (workorder.Order, error), doneStep string) {
		t.Helper()
		n, err := next(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		o = n
		if doneStep == "" {
			return
		}
		if err := chromedp.Do(phone, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, phone, "progress shows "+doneStep, `document.querySelector('[data-step="`+doneStep+`"]').dataset.done === "true"`, wait)
	}
	step("forward", func(o workorder.Order) (workorder.Order, error) {
		return orders.Forward(t.Context(), hot, o.ID, o.Version, "")
	}, "")
	step("assess", func(o workorder.Order) (workorder.Order, error) {
		return orders.Assess(t.Context(), supA, o.ID, o.Version, workorder.Assessment{CauseAnalysis: "接触器烧蚀", RepairPlan: "更换接触器", ServiceMode: "onsite", Complexity: "simple"})
	}, "")
	step("assign", func(o workorder.Order) (workorder.Order, error) {
		return orders.Assign(t.Context(), supA, o.ID, o.Version, tech.UserID, "")
	}, "assigned")
	start := time.Now().Add(2 * time.Hour).Truncate(time.Hour)
	step("appointment", func(o workorder.Order) (workorder.Order, error) {
		return orders.MakeAppointment(t.Context(), tech, o.ID, o.Version, start, start.Add(2*time.Hour), "")
	}, "appointment")
	step("check in", func(o workorder.Order) (workorder.Order, error) {
		return orders.CheckIn(t.Context(), tech, o.ID, o.Version)
	}, "on_site")
	screenshot(t, phone, "online-progress-on-site")
	step("complete", func(o workorder.Order) (workorder.Order, error) {
		return orders.Complete(t.Context(), tech, o.ID, o.Version, workorder.Report{Diagnosis: "接触器烧蚀", FaultCause: "触点老化", ActionsTaken: "更换接触器",
			FieldClass: "after_sales", TestRun: "done", Signature: demo.Signature()})
	}, "completed")
	if err := chromedp.Do(phone, chromedp.WaitVisible(chromedp.ID("survey"))); err != nil {
		t.Fatalf("no survey after completion: %v", err)
	}
	if name := text(t, phone, `[data-step="assigned"] .step-name-tech`); name == "" {
		t.Error("the technician's name is not shown")
	}
	for _, sc := range []string{"attitude", "timeliness", "quality", "overall"} {
		if err := chromedp.Do(phone, chromedp.Click(chromedp.CSS(`input[name="`+sc+`"][value="5"]`))); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(phone, chromedp.Click(chromedp.CSS(`input[name="satisfied"][value="yes"]`)),
		chromedp.SendKeys(chromedp.ID("comments"), "师傅很专业")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, phone, "online-survey")
	follow(t, phone, "#survey-submit")
	waitFor(t, phone, "thanks for the survey", `(document.getElementById("online-message")||{textContent:""}).textContent.includes("感谢")`, wait)
	waitFor(t, phone, "the order is closed", `document.querySelector('[data-step="closed"]').dataset.done === "true"`, wait)
	screenshot(t, phone, "online-progress-closed")

	desk := browser(t)
	uiSignIn(t, desk, a.URL, "hotline", demo.Password)
	if err := chromedp.Do(desk, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(a.URL+"/callbacks"),
		chromedp.WaitVisible(chromedp.ID("online-surveys"))); err != nil {
		t.Fatalf("callback queue: %v", err)
	}
	waitFor(t, desk, "the queue shows the callback done online", `!!document.querySelector('[data-online-survey="`+strconv.FormatInt(orderID, 10)+`"]')`, wait)
	if ok, _ := chromedp.Run(desk, chromedp.Evaluate[bool](`!document.getElementById("cb-`+strconv.FormatInt(orderID, 10)+`")`)); !ok {
		t.Error("the order still waits in the callback queue")
	}
	screenshot(t, desk, "online-callbacks-done")

	// The office's side: the label sheet and the order's progress link.
	if err := chromedp.Do(desk, chromedp.Navigate(a.URL+"/labels?unit="+strconv.FormatInt(unitID, 10)),
		chromedp.WaitVisible(chromedp.CSS(".qr-label svg.qr"))); err != nil {
		t.Fatalf("label sheet: %v", err)
	}
	screenshot(t, desk, "online-label-sheet")
	if err := chromedp.Do(desk, chromedp.Navigate(a.URL+"/orders/"+strconv.FormatInt(orderID, 10)), chromedp.WaitVisible(chromedp.ID("progress-link"))); err != nil {
		t.Fatal(err)
	}
	follow(t, desk, "#progress-link")
	waitFor(t, desk, "the progress link to copy", `document.getElementById("progress-url").value.includes("/p/")`, wait)
	screenshot(t, desk, "online-progress-link")
}
