// Package live fans order changes out to open pages: one LISTEN connection per app
// process on the channel the work-order service NOTIFYs, delivered to subscribers
// (Server-Sent Events streams) filtered by station.
//
// The LISTEN connection is a dedicated connection opened with pgx.Connect from the
// pool's connection settings, not one borrowed from the pool: it is held for the life of
// the process, so borrowing it would shrink the pool by one for good, keep pool.Close
// waiting for it, and a LISTEN left on a pooled connection would follow it back into the
// pool. It runs as application_name "aftersales-live" so it is easy to find in
// pg_stat_activity. (It needs a session: behind PgBouncer, point it at a session-mode
// pool.)
package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Event is one order change, as NOTIFYed by the work-order service.
type Event struct {
	ID         int64  `json:"id"`
	StationID  int64  `json:"station_id"`
	State      string `json:"state"`
	Version    int    `json:"version"`
	AssigneeID int64  `json:"assignee_id"`
	// PrevAssigneeID is who had the order before this change (0 for nobody).
	PrevAssigneeID int64 `json:"prev_assignee_id"`
}

// ResyncState is the State of a resync event: changes may have been missed (the LISTEN
// connection was lost, or the subscriber fell behind), so a page should reload what it
// shows.
const ResyncState = "resync"

// Resync is the event telling a subscriber it may have missed changes.
var Resync = Event{State: ResyncState}

// IsResync reports whether e is a resync rather than an order change.
func (e Event) IsResync() bool { return e.ID == 0 && e.State == ResyncState }

// ApplicationName is the application_name of the LISTEN connection.
const ApplicationName = "aftersales-live"

// Buffer is how many events a subscriber may fall behind before it gets a resync
// instead of the events.
const Buffer = 16

// Hub holds the LISTEN connection and the subscribers.
type Hub struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	// MinBackoff and MaxBackoff bound the wait before reconnecting (doubling from min to
	// max, with jitter, reset after a successful LISTEN). Set before Run.
	MinBackoff, MaxBackoff time.Duration
	// Idle is how long the connection may stay silent before Run pings it, so a
	// half-open connection (a network drop PostgreSQL never told us about) is noticed.
	Idle time.Duration

	mu     sync.Mutex
	subs   map[*subscription]struct{}
	closed bool
}

type subscription struct {
	ch       chan Event
	stations []int64
}

// NewHub returns a hub; call Run to start listening.
func NewHub(pool *pgxpool.Pool, logger *slog.Logger) *Hub {
	if logger == nil {
		logger = slog.Default()
	}
	return &Hub{
		pool: pool, log: logger,
		MinBackoff: time.Second, MaxBackoff: 30 * time.Second, Idle: 30 * time.Second,
		subs: map[*subscription]struct{}{},
	}
}

// Run listens until ctx ends, reconnecting with backoff when the connection fails. After
// a reconnect every subscriber gets a resync, since changes made while the connection was
// down were not delivered. Call it once, in its own goroutine; it returns when ctx is
// done, having closed its connection.
func (h *Hub) Run(ctx context.Context) {
	minBackoff, maxBackoff, idle := h.MinBackoff, h.MaxBackoff, h.Idle
	if minBackoff <= 0 {
		minBackoff = time.Second
	}
	maxBackoff = max(maxBackoff, minBackoff)
	if idle <= 0 {
		idle = 30 * time.Second
	}
	backoff := minBackoff
	missed := false // a connection failed since Run started: subscribers may be behind
	for ctx.Err() == nil {
		conn, err := h.listen(ctx)
		if err == nil {
			if missed {
				h.log.Info("live: listening again")
				h.broadcast(Resync)
			}
			missed, backoff = false, minBackoff
			err = h.receive(ctx, conn, idle)
			closeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = conn.Close(closeCtx)
			cancel()
		}
		if ctx.Err() != nil {
			return
		}
		missed = true
		// Wait between backoff/2 and backoff, so several app processes do not reconnect
		// in step after a database restart.
		wait := backoff/2 + rand.N(backoff/2+1)
		h.log.Warn("live: LISTEN connection lost; reconnecting", slog.String("err", err.Error()), slog.Duration("in", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listen opens the dedicated connection and LISTENs on the work-order channel.
func (h *Hub) listen(ctx context.Context) (*pgx.Conn, error) {
	cfg := h.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = ApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{workorder.NotifyChannel}.Sanitize()); err != nil {
		closeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = conn.Close(closeCtx)
		cancel()
		return nil, err
	}
	return conn, nil
}

// receive delivers notifications until the connection fails (the error) or ctx ends.
func (h *Hub) receive(ctx context.Context, conn *pgx.Conn, idle time.Duration) error {
	for {
		waitCtx, cancel := context.WithTimeout(ctx, idle)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if n != nil {
			h.deliver(n.Payload)
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			// Quiet for a while: make sure the connection is still there.
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil && ctx.Err() == nil {
				return err
			}
		case err != nil:
			return err
		}
	}
}

// deliver decodes one notification and publishes it.
func (h *Hub) deliver(payload string) {
	var e Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil || e.ID == 0 {
		h.log.Warn("live: ignoring a notification that is not an order change", slog.String("payload", payload))
		return
	}
	h.publish(e)
}

// publish hands e to every subscriber of its station without ever blocking: the last
// slot of each buffer is kept for a resync, so a subscriber that falls behind gets one
// resync (and reloads) instead of the events it had no room for.
func (h *Hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if slices.Contains(s.stations, e.StationID) {
			s.offer(e)
		}
	}
}

// broadcast hands e (a resync) to every subscriber.
func (h *Hub) broadcast(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.offer(e)
	}
}

// offer sends e without blocking; h.mu is held, so the hub is the channel's only sender
// and len(ch) can only shrink underneath us.
//
// Order changes go in while at least two slots are free. With one slot left, e is
// dropped and a resync takes the last slot. A full buffer therefore always ends with a
// resync the subscriber has not read yet, which covers anything dropped meanwhile.
func (s *subscription) offer(e Event) {
	n, c := len(s.ch), cap(s.ch)
	switch {
	case n >= c:
		// Full, and the last event in it is an unread resync.
	case e.IsResync() || n < c-1:
		s.ch <- e
	default:
		s.ch <- Resync
	}
}

// Subscribe returns a channel of events of the given stations (and resyncs) and a
// function that ends the subscription; calling it again does nothing. The channel is
// closed when the subscription ends, or at once when the hub is already closed.
func (h *Hub) Subscribe(stations []int64) (<-chan Event, func()) {
	s := &subscription{ch: make(chan Event, Buffer), stations: slices.Clone(stations)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.ch)
		return s.ch, func() {}
	}
	h.subs[s] = struct{}{}
	return s.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			close(s.ch)
		}
	}
}

// Subscribers counts the open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close ends every subscription (on shutdown), so the streams reading them return; later
// subscriptions are closed at once. Run keeps going until its context ends.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
}
