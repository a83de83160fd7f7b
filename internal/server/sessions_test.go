package server_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/server"
)

// A page read inside a minute of the last recorded activity writes nothing to the session
// row; a later one records the activity; a session idle past SESSION_IDLE_TIMEOUT is signed
// out.
func TestSessionIdleTimeout(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	a := newApp(t, func(d *server.Deps) { d.Now = clock })
	c := a.client(t)
	c.signIn("hotline")

	rowVersion := func() string {
		t.Helper()
		var x string
		if err := a.Pool.QueryRow(context.Background(), `SELECT xmin::text || '/' || md5(data) FROM sessions WHERE now() < expiry`).Scan(&x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	if r := c.get("/orders"); r.Status != http.StatusOK {
		t.Fatalf("orders after sign-in: %d", r.Status)
	}
	before := rowVersion()
	for range 3 {
		if r := c.get("/orders"); r.Status != http.StatusOK {
			t.Fatalf("orders: %d", r.Status)
		}
	}
	if after := rowVersion(); after != before {
		t.Errorf("page reads within a minute rewrote the session row: %s → %s", before, after)
	}

	offset.Store(int64(2 * time.Minute))
	if r := c.get("/orders"); r.Status != http.StatusOK {
		t.Fatalf("orders two minutes later: %d", r.Status)
	}
	if after := rowVersion(); after == before {
		t.Error("activity after two minutes was not recorded")
	}

	// 1h59m after the last recorded activity: still signed in (idle timeout 2h).
	offset.Store(int64(2*time.Minute + 119*time.Minute))
	if r := c.get("/orders"); r.Status != http.StatusOK {
		t.Fatalf("orders within the idle timeout: %d", r.Status)
	}
	// 2h01m after that: signed out, and stays signed out.
	offset.Store(int64(2*time.Minute + 119*time.Minute + 121*time.Minute))
	for range 2 {
		r := c.get("/orders")
		if r.Status != http.StatusSeeOther && r.Status != http.StatusFound {
			t.Fatalf("orders after the idle timeout: status %d, want a redirect to sign in", r.Status)
		}
		if want := "/signin"; len(r.Location) < len(want) || r.Location[:len(want)] != want {
			t.Fatalf("redirected to %q, want the sign-in page", r.Location)
		}
	}
}
