package live_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/live"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// running starts a hub on pool, waits until it LISTENs, and stops it when the test ends,
// checking that Run returns promptly and leaves no connection behind.
func running(t *testing.T, pool *pgxpool.Pool, tune func(*live.Hub)) *live.Hub {
	t.Helper()
	hub := live.NewHub(pool, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if tune != nil {
		tune(hub)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		hub.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
		hub.Close()
		// The server ends the backend a moment after the client said goodbye.
		for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			pid := listener(t, pool)
			if pid == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the LISTEN connection (pid %d) outlived Run", pid)
				break
			}
		}
	})
	waitListening(t, pool, 0)
	return hub
}

// listener is the backend pid of this database's LISTEN connection, or 0.
func listener(t *testing.T, pool *pgxpool.Pool) int32 {
	t.Helper()
	var pid int32
	err := pool.QueryRow(context.Background(), `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1 AND (query LIKE 'LISTEN%' OR query = '-- ping')`, live.ApplicationName).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitListening waits until a LISTEN connection other than old is up and returns its pid.
// A connection that pings has LISTENed already (the hub pings only while it waits for
// notifications), so a short idle time cannot hide it; the wait is long for a busy machine.
func waitListening(t *testing.T, pool *pgxpool.Pool, old int32) int32 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if pid := listener(t, pool); pid != 0 && pid != old {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatal("the hub never LISTENed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// notify does what the work-order service does in every change's transaction.
func notify(t *testing.T, pool *pgxpool.Pool, e live.Event) {
	t.Helper()
	b, _ := json.Marshal(e)
	if _, err := pool.Exec(t.Context(), `SELECT pg_notify('work_orders', $1)`, string(b)); err != nil {
		t.Fatal(err)
	}
}

func order(id, station int64) live.Event {
	return live.Event{ID: id, StationID: station, State: "received", Version: 1, AssigneeID: 7}
}

// next is the next event on ch, failing the test when none comes in time.
func next(t *testing.T, ch <-chan live.Event) live.Event {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return e
	case <-time.After(3 * time.Second):
		t.Fatal("no event within 3 s")
	}
	return live.Event{}
}

// quiet checks that nothing arrives on ch for a while.
func quiet(t *testing.T, ch <-chan live.Event, name string) {
	t.Helper()
	select {
	case e := <-ch:
		t.Errorf("%s got %+v, want nothing", name, e)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestDeliversChangesOfTheSubscribedStations(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	// A short idle time: the connection is pinged between the notifications below and
	// must keep working.
	hub := running(t, pool, func(h *live.Hub) { h.Idle = 100 * time.Millisecond })
	shanghai, stopSH := hub.Subscribe([]int64{1, 2})
	defer stopSH()
	suzhou, stopSZ := hub.Subscribe([]int64{3})
	defer stopSZ()
	time.Sleep(350 * time.Millisecond)

	start := time.Now()
	notify(t, pool, order(10, 2))
	if e := next(t, shanghai); e != order(10, 2) {
		t.Errorf("got %+v", e)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("delivery took %v", d)
	}
	notify(t, pool, order(11, 3))
	if e := next(t, suzhou); e != order(11, 3) {
		t.Errorf("got %+v", e)
	}
	// Not an order change; and a change rolled back is never announced.
	if _, err := pool.Exec(t.Context(), `SELECT pg_notify('work_orders', 'garbage')`); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `SELECT pg_notify('work_orders', '{"id":12,"station_id":1}')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	quiet(t, shanghai, "Shanghai")
	quiet(t, suzhou, "Suzhou")
}

func TestUnsubscribeIsIdempotentAndCloses(t *testing.T) {
	t.Parallel()
	hub := live.NewHub(nil, nil) // subscriptions need no connection
	ch1, stop1 := hub.Subscribe([]int64{1})
	_, stop2 := hub.Subscribe(nil)
	if n := hub.Subscribers(); n != 2 {
		t.Fatalf("Subscribers = %d, want 2", n)
	}
	stop1()
	stop1()
	if _, ok := <-ch1; ok {
		t.Error("channel still open after unsubscribe")
	}
	if n := hub.Subscribers(); n != 1 {
		t.Errorf("Subscribers = %d, want 1", n)
	}
	stop2()
	if n := hub.Subscribers(); n != 0 {
		t.Errorf("Subscribers = %d, want 0", n)
	}
}

func TestCloseEndsEverySubscription(t *testing.T) {
	t.Parallel()
	hub := live.NewHub(nil, nil)
	ch1, stop1 := hub.Subscribe([]int64{1})
	ch2, _ := hub.Subscribe([]int64{2})
	hub.Close()
	for i, ch := range []<-chan live.Event{ch1, ch2} {
		if _, ok := <-ch; ok {
			t.Errorf("channel %d still open after Close", i+1)
		}
	}
	stop1() // after Close: nothing left to do, and no double close
	ch3, stop3 := hub.Subscribe([]int64{1})
	if _, ok := <-ch3; ok {
		t.Error("a subscription after Close is open")
	}
	stop3()
	if n := hub.Subscribers(); n != 0 {
		t.Errorf("Subscribers = %d, want 0", n)
	}
	hub.Close() // twice is fine
}

// A page that stops reading must neither hold up the others nor miss changes silently:
// it gets what fitted, then one resync.
func TestSlowSubscriberGetsAResyncAndHoldsNobodyUp(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	hub := running(t, pool, nil)
	slow, stopSlow := hub.Subscribe([]int64{1})
	defer stopSlow()
	fast, stopFast := hub.Subscribe([]int64{1})
	defer stopFast()

	const n = 3 * live.Buffer
	for i := int64(1); i <= n; i++ {
		notify(t, pool, order(i, 1))
		if e := next(t, fast); e.ID != i {
			t.Fatalf("fast subscriber got %+v, want order %d", e, i)
		}
	}
	var got []live.Event
	for len(slow) > 0 {
		got = append(got, <-slow)
	}
	if len(got) != live.Buffer {
		t.Fatalf("slow subscriber has %d events queued, want %d", len(got), live.Buffer)
	}
	for i, e := range got[:live.Buffer-1] {
		if e.ID != int64(i+1) {
			t.Errorf("queued event %d is %+v", i, e)
		}
	}
	if last := got[live.Buffer-1]; !last.IsResync() {
		t.Errorf("last queued event is %+v, want a resync", last)
	}
	// Caught up, it gets changes again.
	notify(t, pool, order(n+1, 1))
	if e := next(t, slow); e.ID != n+1 {
		t.Errorf("after catching up: %+v", e)
	}
}

// The LISTEN connection dies (database restart, failover, an admin's
// pg_terminate_backend): the hub reconnects, tells subscribers to resync, and goes on.
func TestSurvivesLosingItsConnection(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	hub := running(t, pool, nil)
	ch, stop := hub.Subscribe([]int64{1})
	defer stop()
	pid := listener(t, pool)
	var ok bool
	if err := pool.QueryRow(t.Context(), `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate %d: %v %v", pid, ok, err)
	}
	start := time.Now()
	if e := next(t, ch); !e.IsResync() {
		t.Fatalf("got %+v, want a resync", e)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("reconnecting took %v", d)
	}
	if now := waitListening(t, pool, pid); now == pid {
		t.Fatal("still the old connection")
	}
	notify(t, pool, order(5, 1))
	if e := next(t, ch); e != order(5, 1) {
		t.Errorf("after reconnecting: %+v", e)
	}
	if n := hub.Subscribers(); n != 1 {
		t.Errorf("Subscribers = %d, want 1", n)
	}
}
