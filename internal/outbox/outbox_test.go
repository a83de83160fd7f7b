package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/outbox"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	clock  *testkit.Clock
	orders *wo.Service
	svc    *outbox.Service
	users  testkit.Users
}

func newFixture(t *testing.T) *fixture {
	pool := testkit.BaseDB(t)
	clk := testkit.NewClock()
	link := func(_ context.Context, id int64) (string, error) {
		return "https://service.example/p/order-" + itoa(id), nil
	}
	return &fixture{ctx: context.Background(), pool: pool, clock: clk, orders: wo.NewService(pool, clk.Now, testkit.Shanghai),
		svc: outbox.NewService(pool, clk.Now, link), users: testkit.LoadUsers(t, pool)}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// order logs a call for the first demo customer of the hotline's station, with a contact phone.
func (f *fixture) order(t *testing.T) wo.Order {
	var customerID int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM customers WHERE station_id = $1 ORDER BY id LIMIT 1`, f.users.Actor("hotline").StationID).Scan(&customerID); err != nil {
		t.Fatal(err)
	}
	o, err := f.orders.Create(f.ctx, f.users.Actor("hotline"), wo.NewOrder{CustomerID: customerID, Channel: "phone", Symptom: "不启动",
		Urgency: "normal", ServiceType: "repair", ContactName: "周女士", ContactPhone: "137 0000 9999"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOneMessagePerCustomerEvent(t *testing.T) {
	f := newFixture(t)
	o := f.order(t)
	hot, sup, tech := f.users.Actor("hotline"), f.users.Actor("supervisor"), f.users.Actor("tech1")
	step := func(o wo.Order, err error) wo.Order {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o = step(f.orders.Forward(f.ctx, hot, o.ID, o.Version, ""))
	o = step(f.orders.Assess(f.ctx, sup, o.ID, o.Version, wo.Assessment{CauseAnalysis: "x", RepairPlan: "y", ServiceMode: "onsite", Complexity: "simple"}))
	o = step(f.orders.Assign(f.ctx, sup, o.ID, o.Version, tech.UserID, ""))
	start := f.clock.Now().Add(3 * time.Hour)
	o = step(f.orders.MakeAppointment(f.ctx, tech, o.ID, o.Version, start, start.Add(time.Hour), ""))
	o = step(f.orders.Reschedule(f.ctx, tech, o.ID, o.Version, start.Add(time.Hour), start.Add(2*time.Hour), "客户改时间"))
	// A refused step writes no message.
	if _, err := f.orders.Reschedule(f.ctx, tech, o.ID, o.Version-1, start, start.Add(time.Hour), "旧表单"); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("stale reschedule: %v", err)
	}
	rows, err := f.pool.Query(f.ctx, `SELECT kind FROM outbox WHERE order_id = $1 ORDER BY id`, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		kinds = append(kinds, k)
	}
	if strings.Join(kinds, ",") != "received,appointment,appointment" {
		t.Fatalf("messages %v", kinds)
	}
	var params map[string]any
	if err := f.pool.QueryRow(f.ctx, `SELECT params FROM outbox WHERE order_id = $1 ORDER BY id DESC LIMIT 1`, o.ID).Scan(&params); err != nil {
		t.Fatal(err)
	}
	if params["technician"] != tech.Name || params["appointment"] == nil {
		t.Fatalf("params %v", params)
	}
}

// recorder is a sender that records what it sent.
type recorder struct {
	mu   sync.Mutex
	sent map[int64]int
	msgs []outbox.Message
}

func (r *recorder) Send(_ context.Context, m outbox.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[m.ID]++
	r.msgs = append(r.msgs, m)
	return nil
}

func TestTwoSendersSendEachMessageOnce(t *testing.T) {
	f := newFixture(t)
	for range 30 {
		f.order(t)
	}
	rec := &recorder{sent: map[int64]int{}}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := f.svc.SendDue(f.ctx, rec); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if len(rec.sent) != 30 {
		t.Fatalf("%d messages sent, want 30", len(rec.sent))
	}
	for id, n := range rec.sent {
		if n != 1 {
			t.Errorf("message %d sent %d times", id, n)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE state = 'sent'`); n != 30 {
		t.Fatalf("%d marked sent", n)
	}
	m := rec.msgs[0]
	if !strings.Contains(m.Text, "已受理") || !strings.Contains(m.Text, "https://service.example/p/") || m.To != "+8613700009999" || m.Params["Phone"] == "" {
		t.Fatalf("message %+v", m)
	}
}

func TestHTTPSenderRetriesAfterAFailure(t *testing.T) {
	f := newFixture(t)
	o := f.order(t)
	var calls atomic.Int32
	var got map[string]any
	var auth string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "gateway busy", http.StatusServiceUnavailable)
			return
		}
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusOK)
	}))
	defer fake.Close()
	sender := outbox.HTTPSender{URL: fake.URL, Token: "secret-token", Channel: "sms"}

	if n, err := f.svc.SendDue(f.ctx, sender); err != nil || n != 0 {
		t.Fatalf("first round: %d, %v", n, err)
	}
	var state, lastErr string
	var attempts int
	if err := f.pool.QueryRow(f.ctx, `SELECT state, attempts, last_error FROM outbox WHERE order_id = $1`, o.ID).Scan(&state, &attempts, &lastErr); err != nil {
		t.Fatal(err)
	}
	if state != "pending" || attempts != 1 || !strings.Contains(lastErr, "503") {
		t.Fatalf("after a failure: %s %d %q", state, attempts, lastErr)
	}
	// Not before its back-off.
	if n, _ := f.svc.SendDue(f.ctx, sender); n != 0 || calls.Load() != 1 {
		t.Fatalf("retried before the back-off: %d calls", calls.Load())
	}
	f.clock.Advance(outbox.Backoff(1) + time.Second)
	if n, err := f.svc.SendDue(f.ctx, sender); err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	if auth != "Bearer secret-token" || got["to"] != "+8613700009999" || got["template"] != "received" || got["channel"] != "sms" {
		t.Fatalf("gateway got %v (auth %q)", got, auth)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE order_id = $1 AND state = 'sent' AND attempts = 2`, o.ID); n != 1 {
		t.Fatal("not marked sent after the retry")
	}
	// Sent messages are not sent again.
	f.clock.Advance(time.Hour)
	if n, _ := f.svc.SendDue(f.ctx, sender); n != 0 || calls.Load() != 2 {
		t.Fatalf("sent again: %d calls", calls.Load())
	}
}

func TestFailedAfterTheLastAttemptAndVisible(t *testing.T) {
	f := newFixture(t)
	f.order(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusBadGateway) }))
	defer down.Close()
	sender := outbox.HTTPSender{URL: down.URL}
	for i := 1; i <= outbox.MaxAttempts; i++ {
		if _, err := f.svc.SendDue(f.ctx, sender); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(outbox.Backoff(i) + time.Second)
	}
	mgr := f.users.Actor("manager")
	p, err := f.svc.Page(f.ctx, mgr)
	if err != nil {
		t.Fatal(err)
	}
	if p.Failed != 1 || len(p.Rows) != 1 || p.Rows[0].State != "failed" || p.Rows[0].Attempts != outbox.MaxAttempts {
		t.Fatalf("page %+v", p)
	}
	if n, _ := f.svc.Failed(f.ctx, mgr); n != 1 {
		t.Fatalf("failed count %d", n)
	}
	if _, err := f.svc.Page(f.ctx, f.users.Actor("hotline")); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("hotline sees the outbox: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i, w := range want {
		if got := outbox.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if outbox.Backoff(20) != time.Hour {
		t.Error("no cap")
	}
}

// TestLogSenderMasksTheNumber: the default sender's log line names no customer's phone.
func TestLogSenderMasksTheNumber(t *testing.T) {
	var buf bytes.Buffer
	s := outbox.LogSender{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := s.Send(context.Background(), outbox.Message{ID: 1, Kind: "received", To: "+8613812342208", Text: "您的服务请求已受理"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "13812342208") || !strings.Contains(buf.String(), "2208") {
		t.Errorf("log line %q", buf.String())
	}
}
