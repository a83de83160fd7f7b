package server

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/live"
)

const (
	// sseRetry is how soon a browser reconnects after the stream ends (an app restart).
	sseRetry = 2 * time.Second
	// sseHeartbeat is how often an idle stream sends a comment, so proxies keep it open
	// and a vanished browser is noticed by the failed write.
	sseHeartbeat = 25 * time.Second
	// sseWriteTimeout bounds one write to a browser that stopped reading.
	sseWriteTimeout = 10 * time.Second
)

// handleEvents streams order changes as Server-Sent Events to an open page, limited to
// the stations the user sees (technicians: the orders assigned to them):
//
//	event: order
//	data: {"id":…,"station_id":…,"state":…,"version":…,"assignee_id":…}
//
//	event: resync
//	data: {"id":0,…,"state":"resync",…}
//
// A resync means changes may have been missed (the app lost its database connection,
// the page fell behind, or the browser reconnected after the stream ended): the page
// should reload what it shows. Every message carries an id, so a browser reconnecting
// by itself sends Last-Event-ID and gets a resync first. The stream ends when the
// browser goes away or the hub closes (shutdown); the browser then reconnects after
// sseRetry. 503 when live updates are off (no hub).
func (s *server) handleEvents() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Live == nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("live updates are off\n"))
			return
		}
		actor, _ := auth.ActorFrom(r.Context())
		// Admins and storekeepers have no page that shows orders: they hear of none.
		stations := actor.Stations
		if actor.Is(auth.RoleAdmin, auth.RoleStorekeeper) {
			stations = nil
		}
		events, unsubscribe := s.Live.Subscribe(stations)
		defer unsubscribe()

		rc := http.NewResponseController(w)
		// Each write has a deadline, so a browser that stopped reading cannot hold the
		// handler forever; the connection is left without one afterwards.
		defer rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // best effort
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)

		seq := 0
		send := func(msg string) bool {
			_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
			if _, err := io.WriteString(w, msg); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		event := func(e live.Event) bool {
			name := "order"
			if e.IsResync() {
				name = "resync"
			}
			data, _ := json.Marshal(e)
			seq++
			return send("id: " + itoa(seq) + "\nevent: " + name + "\ndata: " + string(data) + "\n\n")
		}

		if !send("retry: " + itoa(int(sseRetry/time.Millisecond)) + "\n\n") {
			return
		}
		if r.Header.Get("Last-Event-ID") != "" && !event(live.Resync) {
			return
		}
		heartbeat := time.NewTicker(sseHeartbeat)
		defer heartbeat.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case e, ok := <-events:
				if !ok {
					return
				}
				if !e.IsResync() && actor.Role == auth.RoleTechnician && e.AssigneeID != actor.UserID && e.PrevAssigneeID != actor.UserID {
					continue
				}
				if !event(e) {
					return
				}
			case <-heartbeat.C:
				if !send(": ping\n\n") {
					return
				}
			}
		}
	}
}
