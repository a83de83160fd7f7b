package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestBadConfigNamesTheVariable(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve"}, envOf(map[string]string{"SECURE_COOKIES": "perhaps"}), nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "SECURE_COOKIES") {
		t.Fatalf("got %v, want an error naming SECURE_COOKIES", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("the error is more than one line: %q", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, envOf(nil), nil, &out, &errb); err == nil {
		t.Fatal("unknown command accepted")
	}
	if !strings.Contains(errb.String(), "usage:") {
		t.Error("no usage printed")
	}
}

// TestFirstAdminOnAnEmptyDatabase is how a real installation starts: migrate, then
// `aftersales user add` creates headquarters and the first admin.
func TestFirstAdminOnAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": testdb.Empty(t)})
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"migrate"}, env, nil, &out, &errb); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), "schema version") {
		t.Errorf("migrate printed %q", out.String())
	}
	out.Reset()
	err := run(ctx, []string{"user", "add", "-username", "root", "-name", "管理员", "-station", "HQ"}, env, strings.NewReader("short\n"), &out, &errb)
	if err == nil || !strings.Contains(describe(err), "at least 8 characters") {
		t.Fatalf("short password: %v", err)
	}
	err = run(ctx, []string{"user", "add", "-username", "root", "-name", "管理员", "-station", "HQ"}, env, strings.NewReader("s3cret-pass\n"), &out, &errb)
	if err != nil {
		t.Fatalf("user add: %v", describe(err))
	}
	if !strings.Contains(out.String(), "added root (admin) at 总部") {
		t.Errorf("user add printed %q", out.String())
	}
	if err := run(ctx, []string{"user", "passwd", "-username", "root", "-password", "another-pass"}, env, nil, &out, &errb); err != nil {
		t.Fatalf("passwd: %v", err)
	}
	// Demo data goes into an empty database only.
	if err := run(ctx, []string{"seed-demo"}, env, nil, &out, &errb); err == nil {
		t.Error("seed-demo loaded demo data into a database that has an admin")
	}
}

func TestSeedDemoAndMigrateDown(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": testdb.Empty(t)})
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"seed-demo"}, env, nil, &out, &errb); err != nil {
		t.Fatalf("seed-demo: %v", err)
	}
	for _, u := range []string{"admin", "manager", "supervisor", "hotline", "tech1", "tech2", "storekeeper", "demo1234"} {
		if !strings.Contains(out.String(), u) {
			t.Errorf("seed-demo output lacks %q: %s", u, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "down"}, env, nil, &out, &errb); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	if !strings.Contains(out.String(), "schema version 0") {
		t.Errorf("after down: %q", out.String())
	}
}

// TestServeStartsAndStopsCleanly starts the real server with demo data, waits until it
// answers, then cancels its context (what Ctrl-C and SIGTERM do) and expects a clean stop.
func TestServeStartsAndStopsCleanly(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := envOf(map[string]string{"DATABASE_URL": testdb.Empty(t), "ADDR": addr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-demo"}, env, nil, &out, &errb) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server never became ready; stderr:\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A board is open, its event stream waiting for changes, when the stop comes.
	stream := openEvents(t, "http://"+addr)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("serve took %v to stop with an event stream open", d)
	}
	select {
	case <-stream:
	case <-time.After(time.Second):
		t.Error("the event stream is still open after serve stopped")
	}
	for _, want := range []string{"Aftersales is running at http://" + addr, "Demo logins (password demo1234): admin, manager, supervisor, hotline, tech1, tech2, storekeeper", "Stopped."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// openEvents signs in as the demo supervisor, opens GET /events and reads its first
// line; the returned channel is closed when the stream ends.
func openEvents(t *testing.T, base string) <-chan struct{} {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/signin", url.Values{"username": {"supervisor"}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	res, err = c.Get(base + "/events")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		res.Body.Close()
		t.Fatalf("GET /events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(res.Body)
	if line, err := r.ReadString('\n'); err != nil || line != "retry: 2000\n" {
		res.Body.Close()
		t.Fatalf("first line %q, %v", line, err)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, r)
	}()
	return ended
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCheckLedgerCommand(t *testing.T) {
	t.Parallel()
	u := testdb.Empty(t)
	env := envOf(map[string]string{"DATABASE_URL": u})
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"seed-demo"}, env, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"check-ledger"}, env, nil, &out, &errb); err != nil || !strings.Contains(out.String(), "ledger OK") {
		t.Fatalf("sound ledger: %v %q", err, out.String())
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A balance that no movement explains.
	if _, err := conn.Exec(ctx, `INSERT INTO stock_balances (part_id, location_id, quantity, updated_at)
		SELECT (SELECT min(id) FROM parts), (SELECT min(id) FROM locations), 3, now()`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"check-ledger"}, env, nil, &out, &errb)
	if err == nil || !strings.Contains(out.String(), "balance 3 without movements") {
		t.Fatalf("planted problem: %v %q", err, out.String())
	}
}
