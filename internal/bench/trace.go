// Package bench is what `make bench` adds to the app in bench mode only (serve -bench, in a
// binary built with -tags bench): the floor handlers F0 and U0, a pgx tracer counting the
// SQL statements of each request, and the load generator that measures the app against them.
package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// ScenarioHeader names the scenario a request belongs to; the server adds its statements
// to that scenario's totals.
const ScenarioHeader = "X-Bench-Scenario"

// reqCount is one request's SQL statements and round trips.
type reqCount struct{ statements, roundTrips atomic.Int64 }

type countKey struct{}

// Tracer counts the SQL statements run with a request's context: every query and every
// statement of a batch (a batch is one round trip). BEGIN and COMMIT are statements too.
type Tracer struct{}

var (
	_ pgx.QueryTracer    = Tracer{}
	_ pgx.BatchTracer    = Tracer{}
	_ pgx.CopyFromTracer = Tracer{}
)

func count(ctx context.Context, statements, roundTrips int64) {
	if c, ok := ctx.Value(countKey{}).(*reqCount); ok {
		c.statements.Add(statements)
		c.roundTrips.Add(roundTrips)
	}
}

func (Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	count(ctx, 1, 1)
	return ctx
}
func (Tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	count(ctx, 0, 1)
	return ctx
}
func (Tracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchQueryData) {
	count(ctx, 1, 0)
}
func (Tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}
func (Tracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	count(ctx, 1, 1)
	return ctx
}
func (Tracer) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// Totals are one scenario's requests and what they cost in SQL.
type Totals struct {
	Requests   int64 `json:"requests"`
	Statements int64 `json:"statements"`
	RoundTrips int64 `json:"round_trips"`
	// MaxStatements is the most statements one request ran.
	MaxStatements int64 `json:"max_statements"`
}

// Stats are the totals by scenario.
type Stats struct {
	mu sync.Mutex
	by map[string]*Totals
}

// NewStats returns empty totals.
func NewStats() *Stats { return &Stats{by: map[string]*Totals{}} }

// Count wraps next: each request's statements are counted through its context and
// added to the totals of its scenario (the ScenarioHeader, else "other").
func (st *Stats) Count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &reqCount{}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), countKey{}, c)))
		name := r.Header.Get(ScenarioHeader)
		if name == "" {
			name = "other"
		}
		n := c.statements.Load()
		st.mu.Lock()
		t := st.by[name]
		if t == nil {
			t = &Totals{}
			st.by[name] = t
		}
		t.Requests++
		t.Statements += n
		t.RoundTrips += c.roundTrips.Load()
		t.MaxStatements = max(t.MaxStatements, n)
		st.mu.Unlock()
	})
}

// Snapshot returns a copy of the totals.
func (st *Stats) Snapshot() map[string]Totals {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make(map[string]Totals, len(st.by))
	for k, v := range st.by {
		out[k] = *v
	}
	return out
}

// ServeHTTP answers GET with the totals as JSON and DELETE by clearing them.
func (st *Stats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodDelete:
		st.mu.Lock()
		st.by = map[string]*Totals{}
		st.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		snap := st.Snapshot()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(snap)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}
