package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/config"
	"github.com/aftersales/aftersales/internal/live"
	"github.com/aftersales/aftersales/internal/server"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
)

// sseMessage is one Server-Sent Events message (fields up to a blank line).
type sseMessage struct {
	ID, Event, Data, Retry string
	Comment                bool
}

// order decodes the data of an order or resync event.
func (m sseMessage) order(t *testing.T) live.Event {
	t.Helper()
	var e live.Event
	if err := json.Unmarshal([]byte(m.Data), &e); err != nil {
		t.Fatalf("data %q: %v", m.Data, err)
	}
	return e
}

// eventStream is an open GET /events as a browser's EventSource would hold it.
type eventStream struct {
	t        *testing.T
	res      *http.Response
	messages chan sseMessage // closed when the stream ends
	cancel   context.CancelFunc
}

// openEvents opens /events with c's cookies; header pairs are added to the request.
func openEvents(t *testing.T, c *client, header ...string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /events: %d", res.StatusCode)
	}
	s := &eventStream{t: t, res: res, messages: make(chan sseMessage, 64), cancel: cancel}
	go func() {
		defer close(s.messages)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				s.messages <- m
				m = sseMessage{}
				continue
			}
			name, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch name {
			case "":
				m.Comment = true
			case "id":
				m.ID = value
			case "event":
				m.Event = value
			case "data":
				m.Data = value
			case "retry":
				m.Retry = value
			}
		}
	}()
	// The first message tells the browser how soon to reconnect.
	if m := s.next(); m.Retry != "2000" {
		t.Fatalf("first message %+v, want retry: 2000", m)
	}
	return s
}

// next is the next message that is not a heartbeat comment.
func (s *eventStream) next() sseMessage {
	s.t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case m, ok := <-s.messages:
			if !ok {
				s.t.Fatal("the stream ended")
			}
			if m.Comment {
				continue
			}
			return m
		case <-deadline:
			s.t.Fatal("no message within 3 s")
		}
	}
}

// nextOrder is the next message, which must be the order event of id.
func (s *eventStream) nextOrder(id int64) live.Event {
	s.t.Helper()
	m := s.next()
	if m.Event != "order" || m.ID == "" {
		s.t.Fatalf("got %+v, want event: order with an id", m)
	}
	e := m.order(s.t)
	if e.ID != id {
		s.t.Fatalf("got order %d, want %d (%+v)", e.ID, id, e)
	}
	return e
}

// ended waits for the server to end the stream.
func (s *eventStream) ended(within time.Duration) bool {
	deadline := time.After(within)
	for {
		select {
		case _, ok := <-s.messages:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// waitListening waits until the app's hub LISTENs on its database, so no change made
// after it can be missed.
func waitListening(t *testing.T, a *app) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1 AND query LIKE 'LISTEN%'`, live.ApplicationName).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the hub never LISTENed")
		}
	}
}

// orderAt is the first demo order of station code in state.
func orderAt(t *testing.T, a *app, station, state string) (int64, int) {
	t.Helper()
	var id int64
	var version int
	err := a.Pool.QueryRow(t.Context(), `SELECT o.id, o.version FROM work_orders o JOIN stations s ON s.id = o.station_id
		WHERE s.code = $1 AND o.state = $2 ORDER BY o.id LIMIT 1`, station, state).Scan(&id, &version)
	if err != nil {
		t.Fatalf("no demo order at %s in %s: %v", station, state, err)
	}
	return id, version
}

func TestEventsStreamOrderChangesOfTheUsersStations(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	orders := workorder.NewService(a.Pool, time.Now, time.UTC)
	sh := a.client(t)
	sh.signIn("supervisor")
	sz := a.client(t)
	sz.signIn("sz.supervisor")
	waitListening(t, a)
	shanghai := openEvents(t, sh)
	suzhou := openEvents(t, sz)
	for _, h := range []struct{ name, want string }{
		{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"},
	} {
		if got := shanghai.res.Header.Get(h.name); got != h.want {
			t.Errorf("%s = %q, want %q", h.name, got, h.want)
		}
	}

	// The hotline forwards a Shanghai order: the Shanghai board hears of it at once.
	id, version := orderAt(t, a, "SH", "received")
	start := time.Now()
	if _, err := orders.Forward(t.Context(), testkit.Actor(t, a.Pool, "hotline"), id, version, "请评估"); err != nil {
		t.Fatal(err)
	}
	e := shanghai.nextOrder(id)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the change took %v to arrive", d)
	}
	if e.State != "assessing" || e.Version != version+1 {
		t.Errorf("event %+v, want state assessing, version %d", e, version+1)
	}

	// A Suzhou change reaches Suzhou; the Shanghai change before it did not.
	szID, szVersion := orderAt(t, a, "SZ", "received")
	if _, err := orders.Forward(t.Context(), testkit.Actor(t, a.Pool, "sz.hotline"), szID, szVersion, ""); err != nil {
		t.Fatal(err)
	}
	suzhou.nextOrder(szID)
}

func TestEventsForTechniciansAreTheirOwnOrders(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	orders := workorder.NewService(a.Pool, time.Now, time.UTC)
	c := a.client(t)
	c.signIn("tech2")
	waitListening(t, a)
	stream := openEvents(t, c)
	tech2 := testkit.Actor(t, a.Pool, "tech2")

	// An order nobody is assigned to changes, then one is assigned to tech2: tech2 hears
	// of the second only.
	other, version := orderAt(t, a, "SH", "received")
	if _, err := orders.Forward(t.Context(), testkit.Actor(t, a.Pool, "hotline"), other, version, ""); err != nil {
		t.Fatal(err)
	}
	mine, version := orderAt(t, a, "SH", "awaiting_dispatch")
	if _, err := orders.Assign(t.Context(), testkit.Actor(t, a.Pool, "supervisor"), mine, version, tech2.UserID, ""); err != nil {
		t.Fatal(err)
	}
	if e := stream.nextOrder(mine); e.AssigneeID != tech2.UserID || e.State != "dispatched" {
		t.Errorf("event %+v", e)
	}
	// Taken away from tech2 (reassigned to tech1): tech2's page hears of that too.
	if _, err := orders.Reassign(t.Context(), testkit.Actor(t, a.Pool, "supervisor"), mine, version+1, testkit.Actor(t, a.Pool, "tech1").UserID, "急单"); err != nil {
		t.Fatal(err)
	}
	if e := stream.nextOrder(mine); e.PrevAssigneeID != tech2.UserID || e.AssigneeID == tech2.UserID {
		t.Errorf("reassign event %+v", e)
	}
}

// A browser that closes the page (or drops off the network) leaves nothing behind.
func TestEventsClientGoneUnsubscribes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("supervisor")
	stream := openEvents(t, c)
	if n := a.Hub.Subscribers(); n != 1 {
		t.Fatalf("Subscribers = %d with one stream open", n)
	}
	stream.cancel()
	for deadline := time.Now().Add(time.Second); a.Hub.Subscribers() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Subscribers = %d a second after the browser left", a.Hub.Subscribers())
		}
	}
}

// A browser reconnecting by itself (after an app restart) sends Last-Event-ID: it may
// have missed changes, so it is told to resync first.
func TestEventsReconnectStartsWithAResync(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("supervisor")
	stream := openEvents(t, c, "Last-Event-ID", "7")
	if m := stream.next(); m.Event != "resync" || !m.order(t).IsResync() {
		t.Errorf("got %+v, want a resync", m)
	}
}

// On shutdown the hub closes and every stream ends, so the server can stop at once.
func TestEventsEndWhenTheHubCloses(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("supervisor")
	stream := openEvents(t, c)
	a.Hub.Close()
	if !stream.ended(time.Second) {
		t.Fatal("the stream is still open a second after the hub closed")
	}
	if n := a.Hub.Subscribers(); n != 0 {
		t.Errorf("Subscribers = %d", n)
	}
}

func TestEventsNeedSignIn(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	r := a.client(t).get("/events")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/signin") {
		t.Errorf("anonymous /events: %d %q", r.Status, r.Location)
	}
}

// Without a hub live updates are off: 503, which stops an EventSource from retrying.
func TestEventsWithoutAHubAreUnavailable(t *testing.T) {
	t.Parallel()
	pool := testkit.DemoDB(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sessions, stop := server.NewSessions(pool, cfg, 0)
	t.Cleanup(stop)
	srv := httptest.NewServer(server.NewServer(server.Deps{
		Config: cfg, Pool: pool, Sessions: sessions, Auth: auth.NewService(pool, time.Now),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}))
	t.Cleanup(srv.Close)
	c := (&app{Server: srv, Pool: pool}).client(t)
	c.signIn("supervisor")
	if r := c.get("/events"); r.Status != http.StatusServiceUnavailable {
		t.Errorf("/events without a hub: %d", r.Status)
	}
}

// TestEventsTellAdminsAndStorekeepersNothingOfOrders: they have no page that shows
// orders, so their streams carry no order events while the hotline's does.
func TestEventsTellAdminsAndStorekeepersNothingOfOrders(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	orders := workorder.NewService(a.Pool, time.Now, time.UTC)
	waitListening(t, a)
	var quiet []*eventStream
	for _, u := range []string{"admin", "storekeeper"} {
		c := a.client(t)
		c.signIn(u)
		quiet = append(quiet, openEvents(t, c))
	}
	h := a.client(t)
	h.signIn("hotline")
	witness := openEvents(t, h)
	id, version := orderAt(t, a, "SH", "received")
	if _, err := orders.Forward(t.Context(), testkit.Actor(t, a.Pool, "hotline"), id, version, ""); err != nil {
		t.Fatal(err)
	}
	witness.nextOrder(id)
	// The hub hands an event to every subscriber at once: once the witness has it, the
	// others would have it too.
	time.Sleep(200 * time.Millisecond)
	for i, s := range quiet {
		for {
			select {
			case m := <-s.messages:
				if !m.Comment && m.Event == "order" {
					t.Errorf("stream %d got an order event: %+v", i, m)
				}
				continue
			default:
			}
			break
		}
	}
}
