package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
)

// reconDay crafts a past day (20 days ago, before the demo's orders) on which tech1
// completed one order that has one mismatch: no signature and no reason. The printed
// work order came back. It returns the day, tech1's id and the order.
func reconDay(t *testing.T, a *app) (string, int64, workorder.Order) {
	t.Helper()
	ctx := context.Background()
	var custID, unitID int64
	if err := a.Pool.QueryRow(ctx, `SELECT c.id, un.id FROM customers c JOIN stations s ON s.id = c.station_id JOIN units un ON un.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id, un.id LIMIT 1`).Scan(&custID, &unitID); err != nil {
		t.Fatal(err)
	}
	n := time.Now().In(testkit.Shanghai).AddDate(0, 0, -20)
	at := time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, testkit.Shanghai)
	clock := func() time.Time { return at }
	orders := workorder.NewService(a.Pool, clock, testkit.Shanghai)
	call := workorder.NewOrder{CustomerID: custID, UnitID: unitID, Channel: "phone", Symptom: "排气温度高", Urgency: "normal", ServiceType: "repair",
		AcknowledgedOpen: nil}
	users := testkit.LoadUsers(t, a.Pool)
	o := testkit.OrderIn(t, orders, testkit.DemoRoute(users, call, clock), workorder.AwaitingCallback, false)
	if _, err := a.Pool.Exec(ctx, `UPDATE work_orders SET signed = false, no_signature_reason = '' WHERE id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `INSERT INTO order_returns (order_id, returned_by, returned_at) VALUES ($1, $2, $3)`, o.ID, users.Actor("manager").UserID, at.Add(6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return at.Format(time.DateOnly), users.Actor("tech1").UserID, o
}

func TestReconciliationHandlers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	day, tech, o := reconDay(t, a)
	techPath := "/reconciliation/technicians/" + strconv.FormatInt(tech, 10)
	line := "recon-line-" + strconv.FormatInt(o.ID, 10) + "-no_signature"

	mgr := a.client(t)
	mgr.signIn("manager")
	r := mgr.get("/reconciliation?day=" + day)
	if r.Status != http.StatusOK {
		t.Fatalf("manager: status %d", r.Status)
	}
	mustContain(t, r.Body, "每日对账", o.Number, line, "无客户签字且无原因", `name="form_key"`)
	if home := mgr.get("/"); !strings.Contains(home.Body, "home-reconcile") {
		t.Fatal("the manager's home does not show the days to reconcile")
	}

	// Closing with a line open is refused in Chinese.
	r = mgr.post(techPath+"/close", url.Values{"day": {day}, "confirm": {"1"}, "form_key": {"recon-close-early-1"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "还有 1 条不符项未处理") {
		t.Fatalf("early close: status %d", r.Status)
	}
	// Accepting needs a note.
	r = mgr.post(techPath+"/resolve", url.Values{"day": {day}, "order_id": {strconv.FormatInt(o.ID, 10)}, "kind": {"no_signature"}, "action": {"accept"}, "form_key": {"recon-accept-1"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "接受时请写明说明") {
		t.Fatalf("accept without a note: status %d", r.Status)
	}
	// The same form posted twice resolves once.
	form := url.Values{"day": {day}, "back": {"tech"}, "order_id": {strconv.FormatInt(o.ID, 10)}, "kind": {"no_signature"},
		"action": {"require_order"}, "note": {"明早交回签字工单"}, "form_key": {"recon-resolve-twice"}}
	for i := range 2 {
		if r = mgr.post(techPath+"/resolve", form); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, techPath) {
			t.Fatalf("resolve #%d: status %d → %s\n%s", i+1, r.Status, r.Location, r.Body)
		}
	}
	var events int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM reconciliation_events WHERE step = 'resolve'`).Scan(&events); err != nil || events != 1 {
		t.Fatalf("%d resolve events (%v), want 1", events, err)
	}
	r = mgr.get("/reconciliation.xlsx?day=" + day)
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") {
		t.Fatalf("xlsx: status %d, %s", r.Status, r.Header.Get("Content-Type"))
	}

	// Supervisors read, but may not change; technicians may not read; another station
	// does not find the technician.
	sup := a.client(t)
	sup.signIn("supervisor")
	if r = sup.get(techPath + "?day=" + day); r.Status != http.StatusOK || !strings.Contains(r.Body, "recon-readonly") {
		t.Fatalf("supervisor: status %d", r.Status)
	}
	if r = sup.post(techPath+"/close", url.Values{"day": {day}, "confirm": {"1"}}); r.Status != http.StatusForbidden {
		t.Fatalf("supervisor close: status %d", r.Status)
	}
	tc := a.client(t)
	tc.signIn("tech1")
	if r = tc.get("/reconciliation?day=" + day); r.Status != http.StatusForbidden {
		t.Fatalf("technician: status %d", r.Status)
	}
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	if r = sz.get(techPath + "?day=" + day); r.Status != http.StatusNotFound {
		t.Fatalf("another station: status %d", r.Status)
	}

	// Closed, the day refuses changes with the clear message.
	if r = mgr.post(techPath+"/close", url.Values{"day": {day}, "confirm": {"1"}, "form_key": {"recon-close-ok-1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("close: status %d\n%s", r.Status, r.Body)
	}
	r = mgr.post(techPath+"/returned", url.Values{"day": {day}, "order_id": {strconv.FormatInt(o.ID, 10)}, "form_key": {"recon-after-close"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "不能再修改") {
		t.Fatalf("change after close: status %d", r.Status)
	}
}
