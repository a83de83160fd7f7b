package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The statement counts the report prints: each query and each statement of a batch (a
// batch is one round trip), by scenario; requests of another scenario do not mix in. The
// floors answer as F0 and U0 should.
func TestCountsAndFloors(t *testing.T) {
	ctx := context.Background()
	pool, err := db.Open(ctx, testdb.URL(t), func(c *pgxpool.Config) { c.ConnConfig.Tracer = Tracer{} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := EnsureFloorTables(ctx, pool); err != nil {
		t.Fatal(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		_ = pool.QueryRow(r.Context(), `SELECT 1`).Scan(&n)
		_, _ = pool.Exec(r.Context(), `SELECT 2`)
		b := &pgx.Batch{}
		for range 3 {
			b.Queue(`SELECT 3`)
		}
		_ = pool.SendBatch(r.Context(), b).Close()
		_, _ = pool.Exec(context.Background(), `SELECT 4`) // not the request's context: not counted
	})
	stats := NewStats()
	srv := httptest.NewServer(Handler(app, pool, stats))
	t.Cleanup(srv.Close)
	do := func(method, path, scenario string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set(ScenarioHeader, scenario)
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for range 2 {
		do(http.MethodGet, "/page", "A")
	}
	do(http.MethodGet, "/page", "B")
	status, body := do(http.MethodGet, "/_floor/fortunes", "F0")
	if status != http.StatusOK {
		t.Fatalf("F0: %d", status)
	}
	if got := strings.Count(body, "<tr><td>"); got != 13 {
		t.Errorf("F0 rows: %d, want 12 + 1", got)
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("F0 did not escape the script fortune")
	}
	if a, b := strings.Index(body, "A bad random"), strings.Index(body, "Additional fortune"); a < 0 || b < 0 || a > b {
		t.Error("F0 rows are not sorted by message")
	}
	if status, _ := do(http.MethodPost, "/_floor/update", "U0"); status != http.StatusSeeOther {
		t.Fatalf("U0: %d", status)
	}
	var logged int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM bench_log`).Scan(&logged); err != nil || logged != 1 {
		t.Errorf("U0 log rows %d (%v), want 1", logged, err)
	}

	snap := stats.Snapshot()
	want := map[string]Totals{
		"A":  {Requests: 2, Statements: 10, RoundTrips: 6, MaxStatements: 5},
		"B":  {Requests: 1, Statements: 5, RoundTrips: 3, MaxStatements: 5},
		"F0": {Requests: 1, Statements: 1, RoundTrips: 1, MaxStatements: 1},
		"U0": {Requests: 1, Statements: 4, RoundTrips: 4, MaxStatements: 4}, // BEGIN, UPDATE, INSERT, COMMIT
	}
	for k, w := range want {
		if snap[k] != w {
			t.Errorf("%s: %+v, want %+v", k, snap[k], w)
		}
	}
	// The load generator reads the same totals over HTTP.
	got, err := NewTarget(srv.URL, 1).Stats(ctx)
	if err != nil || got["A"] != want["A"] {
		t.Errorf("stats over HTTP: %+v %v", got["A"], err)
	}
}

// The same-size floor reads as many rows as asked and comes to about the bytes asked for,
// escaping what it writes; without the sizes it refuses.
func TestSizedFloor(t *testing.T) {
	ctx := context.Background()
	pool, err := db.Open(ctx, testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := EnsureFloorTables(ctx, pool); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(SizedFloor(pool))
	t.Cleanup(srv.Close)
	get := func(query string) (int, string) {
		res, err := http.Get(srv.URL + "/?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, c := range []struct{ rows, bytes int }{{500, 72000}, {50, 50000}, {20, 11000}, {12, 1000}} {
		status, body := get("rows=" + strconv.Itoa(c.rows) + "&bytes=" + strconv.Itoa(c.bytes))
		if status != http.StatusOK {
			t.Fatalf("%+v: %d %s", c, status, body)
		}
		if n := strings.Count(body, "<tr>"); n != c.rows {
			t.Errorf("%+v: %d rows", c, n)
		}
		if c.bytes >= 10000 && (len(body) < c.bytes*95/100 || len(body) > c.bytes*105/100) {
			t.Errorf("%+v: %d bytes", c, len(body))
		}
		if strings.Contains(body, "<维修>") || (c.bytes >= 10000 && !strings.Contains(body, "&lt;维修&gt;")) {
			t.Errorf("%+v: not escaped", c)
		}
	}
	if status, _ := get("rows=10"); status != http.StatusBadRequest {
		t.Errorf("without bytes: %d", status)
	}
}
