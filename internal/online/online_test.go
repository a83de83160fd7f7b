package online_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/online"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	t      *testing.T
	ctx    context.Context
	pool   *pgxpool.Pool
	clock  *testkit.Clock
	orders *wo.Service
	cust   *customer.Service
	svc    *online.Service
	users  testkit.Users
	custID int64
	unitID int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.BaseDB(t)
	clk := testkit.NewClock()
	orders := wo.NewService(pool, clk.Now, testkit.Shanghai)
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clk, orders: orders,
		cust: customer.NewService(pool, clk.Now, testkit.Shanghai), svc: online.NewService(pool, clk.Now, testkit.Shanghai, orders),
		users: testkit.LoadUsers(t, pool)}
	c, err := f.cust.CreateCustomer(f.ctx, f.users.Actor("hotline"), customer.NewCustomer{Name: "扫码测试有限公司", ContactPerson: "赵工",
		Phones: []string{"138 0000 1234"}, Addresses: []string{"上海市浦东新区扫码路8号"}})
	if err != nil {
		t.Fatal(err)
	}
	f.custID = c.ID
	f.unitID = f.addUnit("SN-QR-1")
	return f
}

func (f *fixture) addUnit(serial string) int64 {
	f.t.Helper()
	purchase := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, err := f.cust.AddUnit(f.ctx, f.users.Actor("hotline"), f.custID, customer.NewUnit{Brand: "复盛", Model: "SA-120A", Serial: serial, PurchaseDate: &purchase, WarrantyMonths: 12})
	if err != nil {
		f.t.Fatal(err)
	}
	return u.ID
}

// token is the unit's current label token as the office prints it.
func (f *fixture) token(unitID int64) string {
	f.t.Helper()
	labels, err := f.svc.Labels(f.ctx, f.users.Actor("hotline"), []int64{unitID})
	if err != nil || len(labels) != 1 {
		f.t.Fatalf("labels: %v %v", labels, err)
	}
	return labels[0].Token
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func pngPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		img.Set(x, x%30, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func report(key string) online.Report {
	return online.Report{Symptom: "机器漏油，地面有油渍", Name: "李先生", Phone: "139 1234 5678", Preferred: "明天上午", Key: key, Addr: "203.0.113.7"}
}

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func TestLabelLinkCannotBeForgedAndStopsAfterRevocation(t *testing.T) {
	f := newFixture(t)
	tok := f.token(f.unitID)
	v, err := f.svc.Unit(f.ctx, tok)
	if err != nil || v.UnitID != f.unitID || v.Serial != "SN-QR-1" || v.Warranty != "in" {
		t.Fatalf("unit = %+v, %v", v, err)
	}
	// A changed character, another unit's id with this signature, a progress token: all refused.
	forged := []string{tok[:len(tok)-2] + flip(tok[len(tok)-2:]), flip(tok[:2]) + tok[2:], "", strings.Repeat("A", 43)}
	sg, _ := f.svc.Signer(f.ctx)
	forged = append(forged, sg.ProgressToken(f.unitID, f.clock.Now().Add(time.Hour)), online.NewSigner([]byte(strings.Repeat("k", 32))).LabelToken(f.unitID, 1))
	for _, bad := range forged {
		if _, err := f.svc.Unit(f.ctx, bad); code(err) != apperr.NotFound || apperr.As(err).Key != "online.link_bad" {
			t.Errorf("forged %q: %v", bad, err)
		}
	}
	if err := f.svc.RevokeLabel(f.ctx, f.users.Actor("tech1"), f.unitID); code(err) != apperr.Forbidden {
		t.Errorf("technician revokes: %v", err)
	}
	if err := f.svc.RevokeLabel(f.ctx, f.users.Actor("hotline"), f.unitID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Unit(f.ctx, tok)
	if code(err) != apperr.NotFound || apperr.As(err).Key != "online.link_revoked" || online.PhoneOf(err) == "" {
		t.Fatalf("revoked link: %v (phone %q)", err, online.PhoneOf(err))
	}
	if _, err := f.svc.Report(f.ctx, tok, report("revoked-key-1")); code(err) != apperr.NotFound {
		t.Fatalf("report on a revoked label: %v", err)
	}
	fresh := f.token(f.unitID)
	if fresh == tok {
		t.Fatal("revocation kept the same token")
	}
	if _, err := f.svc.Unit(f.ctx, fresh); err != nil {
		t.Fatalf("new label: %v", err)
	}
	if _, err := f.svc.Labels(f.ctx, f.users.Actor("tech1"), []int64{f.unitID}); code(err) != apperr.Forbidden {
		t.Errorf("technician prints labels: %v", err)
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func TestDoubleSubmitMakesOneOrder(t *testing.T) {
	f := newFixture(t)
	tok := f.token(f.unitID)
	r := report("double-submit-1")
	r.Photos = [][]byte{pngPhoto(t)}
	var wg sync.WaitGroup
	got := make([]online.Receipt, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = f.svc.Report(f.ctx, tok, r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got[0].OrderID != got[1].OrderID || got[0].Number == "" {
		t.Fatalf("receipts differ: %+v", got)
	}
	if n := f.count(`SELECT count(*) FROM work_orders WHERE unit_id = $1`, f.unitID); n != 1 {
		t.Fatalf("%d orders", n)
	}
	o, err := f.orders.OrderByID(f.ctx, f.users.Actor("hotline"), got[0].OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Channel != "qr" || o.State != wo.Received || o.ContactName != "李先生" || o.ContactE164 != "+8613912345678" || !strings.Contains(o.Request, "明天上午") {
		t.Fatalf("order = %+v", o)
	}
	if n := f.count(`SELECT count(*) FROM attachments WHERE order_id = $1`, o.ID); n != 1 {
		t.Errorf("%d photos", n)
	}
	if n := f.count(`SELECT count(*) FROM work_order_events WHERE order_id = $1`, o.ID); n != 1 {
		t.Errorf("%d events", n)
	}
	if n := f.count(`SELECT count(*) FROM outbox WHERE order_id = $1 AND kind = 'received' AND recipient = '+8613912345678'`, o.ID); n != 1 {
		t.Errorf("%d received messages", n)
	}
	// The same form key on another unit's label is another report.
	other, err := f.svc.Report(f.ctx, f.token(f.addUnit("SN-QR-2")), r)
	if err != nil || other.OrderID == got[0].OrderID {
		t.Fatalf("the same key on another unit: %+v %v", other, err)
	}
	// The unit now has an open order: a new report is refused and shows it.
	if _, err := f.svc.Report(f.ctx, tok, report("another-key-2")); code(err) != apperr.Conflict {
		t.Fatalf("second report: %v", err)
	}
	v, _ := f.svc.Unit(f.ctx, tok)
	if v.Open == nil || v.Open.Number != o.Number {
		t.Fatalf("open order not shown: %+v", v.Open)
	}
	// A note goes to the open order, once for a repeated form.
	for range 2 {
		if _, err := f.svc.AddNote(f.ctx, tok, "下午三点后有人", "note-key-123", "203.0.113.7"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(`SELECT count(*) FROM work_order_events WHERE order_id = $1 AND transition = 'note'`, o.ID); n != 1 {
		t.Errorf("%d notes", n)
	}
}

func TestReportRefusesNonImagesAndLimits(t *testing.T) {
	f := newFixture(t)
	tok := f.token(f.unitID)
	r := report("not-image-1")
	r.Photos = [][]byte{[]byte("%PDF-1.4 not a photo at all")}
	_, err := f.svc.Report(f.ctx, tok, r)
	if e := apperr.As(err); e.Fields["photos"] == "" {
		t.Fatalf("non-image photo: %v", err)
	}
	r.Photos = [][]byte{pngPhoto(t), pngPhoto(t), pngPhoto(t), pngPhoto(t)}
	if e := apperr.As(func() error { _, err := f.svc.Report(f.ctx, tok, r); return err }()); e.Fields["photos"] == "" {
		t.Fatalf("four photos accepted")
	}
	bad := report("bad-phone-1")
	bad.Phone = "12"
	if e := apperr.As(func() error { _, err := f.svc.Report(f.ctx, tok, bad); return err }()); e.Fields["phone"] == "" {
		t.Fatalf("bad phone accepted")
	}
	if n := f.count(`SELECT count(*) FROM work_orders`); n != 0 {
		t.Fatalf("%d orders written by refused reports", n)
	}

	// Per unit: the report and two notes fill the hour; the next note is refused and
	// writes nothing.
	if _, err := f.svc.Report(f.ctx, tok, report("unit-limit-1")); err != nil {
		t.Fatal(err)
	}
	for i := range online.ReportsPerUnitHour - 1 {
		if _, err := f.svc.AddNote(f.ctx, tok, "补充说明", "unit-note-"+string(rune('a'+i))+"xxxxx", "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
	}
	before := f.count(`SELECT count(*) FROM work_order_events`)
	_, err = f.svc.AddNote(f.ctx, tok, "再补充", "unit-note-zzzzzz", "198.51.100.2")
	if code(err) != apperr.TooManyRequests || apperr.As(err).Key != "online.too_many_unit" {
		t.Fatalf("past the unit's limit: %v", err)
	}
	if f.count(`SELECT count(*) FROM work_order_events`) != before {
		t.Fatal("a refused note wrote an event")
	}
	f.clock.Advance(61 * time.Minute)
	if _, err := f.svc.AddNote(f.ctx, tok, "一小时后", "unit-note-later1", "198.51.100.2"); err != nil {
		t.Fatalf("an hour later: %v", err)
	}

	// Per address: reports on other units from one address, up to the limit.
	for i := range online.ReportsPerAddrHour {
		u := f.addUnit("SN-ADDR-" + string(rune('A'+i)))
		r := report("addr-limit-" + string(rune('a'+i)) + "xx")
		r.Addr = "192.0.2.9"
		if _, err := f.svc.Report(f.ctx, f.token(u), r); err != nil {
			t.Fatal(err)
		}
	}
	orders := f.count(`SELECT count(*) FROM work_orders`)
	u := f.addUnit("SN-ADDR-LAST")
	r = report("addr-limit-last")
	r.Addr = "192.0.2.9"
	_, err = f.svc.Report(f.ctx, f.token(u), r)
	if code(err) != apperr.TooManyRequests || apperr.As(err).Key != "online.too_many_addr" {
		t.Fatalf("past the address's limit: %v", err)
	}
	if f.count(`SELECT count(*) FROM work_orders`) != orders {
		t.Fatal("a refused report wrote an order")
	}
}

func TestProgressAndOnlineSurvey(t *testing.T) {
	f := newFixture(t)
	tok := f.token(f.unitID)
	rc, err := f.svc.Report(f.ctx, tok, report("progress-key-1"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Progress(f.ctx, rc.ProgressToken)
	if err != nil {
		t.Fatal(err)
	}
	if p.Number != rc.Number || !p.Steps[0].Done || p.Steps[1].Done || p.CanSurvey {
		t.Fatalf("progress = %+v", p)
	}
	// The office drives the order through to completion.
	hot, sup, tech := f.users.Actor("hotline"), f.users.Actor("supervisor"), f.users.Actor("tech1")
	o := must(t)(f.orders.Forward(f.ctx, hot, rc.OrderID, 1, ""))
	o = must(t)(f.orders.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "密封圈老化", RepairPlan: "更换密封圈", ServiceMode: "onsite", Complexity: "simple"}))
	o = must(t)(f.orders.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, ""))
	start := f.clock.Now().Add(2 * time.Hour)
	o = must(t)(f.orders.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(2*time.Hour), ""))
	o = must(t)(f.orders.CheckIn(f.ctx, tech, o.ID, o.Version))
	p, _ = f.svc.Progress(f.ctx, rc.ProgressToken)
	done := map[string]bool{}
	for _, s := range p.Steps {
		done[s.Key] = s.Done
		if s.Key == "assigned" && s.Name != tech.Name {
			t.Errorf("technician %q, want %q", s.Name, tech.Name)
		}
	}
	if !done["assigned"] || !done["appointment"] || !done["on_site"] || done["completed"] {
		t.Fatalf("steps = %+v", p.Steps)
	}
	o = must(t)(f.orders.Complete(f.ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "密封圈老化", FaultCause: "老化", ActionsTaken: "更换密封圈",
		FieldClass: "after_sales", TestRun: "done", NoSignatureReason: "客户不在场"}))
	p, _ = f.svc.Progress(f.ctx, rc.ProgressToken)
	if !p.CanSurvey {
		t.Fatalf("no survey after completion: %+v", p)
	}
	// Each customer-facing step put one message in the outbox.
	if n := f.count(`SELECT count(*) FROM outbox WHERE order_id = $1`, o.ID); n != 4 {
		t.Errorf("%d messages, want received, appointment, on site, completed", n)
	}
	bad := online.Survey{Attitude: 5, Timeliness: 4, Quality: 5, Overall: 0, Satisfied: true}
	if e := apperr.As(f.svc.Survey(f.ctx, rc.ProgressToken, p.Version, bad)); e.Fields["overall"] == "" {
		t.Fatalf("missing score accepted: %v", e)
	}
	in := online.Survey{Attitude: 5, Timeliness: 4, Quality: 5, Overall: 5, Satisfied: true, Comments: "很及时"}
	if err := f.svc.Survey(f.ctx, rc.ProgressToken, p.Version, in); err != nil {
		t.Fatal(err)
	}
	// The same answers sent again count once.
	if err := f.svc.Survey(f.ctx, rc.ProgressToken, p.Version, in); err != nil {
		t.Fatalf("repeated survey: %v", err)
	}
	o, _ = f.orders.OrderByID(f.ctx, hot, o.ID)
	if o.State != wo.Closed {
		t.Fatalf("state %s after a satisfied online survey", o.State)
	}
	if n := f.count(`SELECT count(*) FROM callback_attempts WHERE order_id = $1 AND outcome = 'reached' AND channel = 'online'`, o.ID); n != 1 {
		t.Fatalf("%d online callbacks", n)
	}
	q, err := f.orders.CallbackPage(f.ctx, hot, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Orders) != 0 || len(q.Online) != 1 || q.Online[0].OrderID != o.ID || !q.Online[0].Satisfied {
		t.Errorf("callback queue: %d waiting, online %+v", len(q.Orders), q.Online)
	}
	// A different survey on the closed order is refused.
	in.Overall = 3
	if err := f.svc.Survey(f.ctx, rc.ProgressToken, p.Version, in); err == nil {
		t.Fatal("second survey accepted")
	}
	// The link expires.
	f.clock.Advance(online.ProgressLinkTTL + time.Minute)
	if _, err := f.svc.Progress(f.ctx, rc.ProgressToken); code(err) != apperr.NotFound || apperr.As(err).Key != "online.link_expired" {
		t.Fatalf("expired link: %v", err)
	}
}

func must(t *testing.T) func(wo.Order, error) wo.Order {
	return func(o wo.Order, err error) wo.Order {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
}

func TestOfficeLinks(t *testing.T) {
	f := newFixture(t)
	o, err := f.orders.Create(f.ctx, f.users.Actor("hotline"), wo.NewOrder{CustomerID: f.custID, UnitID: f.unitID, Channel: "phone",
		Symptom: "异响", Urgency: "normal", ServiceType: "repair"})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := f.svc.ProgressLink(f.ctx, f.users.Actor("hotline"), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := f.svc.Progress(f.ctx, tok); err != nil || p.OrderID != o.ID {
		t.Fatalf("progress by the office's link: %v", err)
	}
	if _, _, err := f.svc.ProgressLink(f.ctx, f.users.Actor("tech1"), o.ID); code(err) != apperr.Forbidden {
		t.Errorf("technician: %v", err)
	}
	other := otherStation(t, f)
	if _, _, err := f.svc.ProgressLink(f.ctx, other, o.ID); code(err) != apperr.NotFound {
		t.Errorf("other station: %v", err)
	}
	if err := f.svc.ResendProgress(f.ctx, f.users.Actor("hotline"), o.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM outbox WHERE order_id = $1 AND kind = 'progress_link'`, o.ID); n != 1 {
		t.Errorf("%d progress-link messages", n)
	}
}

// otherStation is a hotline actor of a station that is not the fixture's.
func otherStation(t *testing.T, f *fixture) auth.Actor {
	a := f.users.Actor("hotline")
	a.Stations = []int64{-1}
	a.StationID = -1
	return a
}
