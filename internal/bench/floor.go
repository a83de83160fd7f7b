package bench

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Fortune is one row of the F0 floor's table.
type Fortune struct {
	ID      int
	Message string
}

// floorCounters is how many rows U0 updates, one chosen at random per request.
const floorCounters = 1000

// fortunes are TechEmpower's twelve rows, markup and all, so the escaping is exercised.
var fortunes = []string{
	"fortune: No such file or directory",
	"A computer scientist is someone who fixes things that aren't broken.",
	"After enough decimal places, nobody gives a damn.",
	"A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
	"A computer program does what you tell it to do, not what you want it to do.",
	"Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
	"Any program that runs right is obsolete.",
	"A list is only as strong as its weakest link. — Donald Knuth",
	"Feature: A bug with seniority.",
	"Computers make very fast, very accurate mistakes.",
	`<script>alert("This should not be displayed in a browser alert box.");</script>`,
	"フレームワークのベンチマーク",
}

// EnsureFloorTables creates the floors' tables in the bench database (never in the app's
// migrations): the twelve fortunes, the counters U0 updates and the log it appends to.
func EnsureFloorTables(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `
		CREATE TABLE IF NOT EXISTS bench_fortune (id int PRIMARY KEY, message text NOT NULL);
		CREATE TABLE IF NOT EXISTS bench_counter (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now());
		CREATE TABLE IF NOT EXISTS bench_log (id bigserial PRIMARY KEY, counter_id int NOT NULL REFERENCES bench_counter, at timestamptz NOT NULL DEFAULT now())`)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	for i, m := range fortunes {
		b.Queue(`INSERT INTO bench_fortune (id, message) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, i+1, m)
	}
	b.Queue(`INSERT INTO bench_counter (id) SELECT g FROM generate_series(1, $1) g ON CONFLICT (id) DO NOTHING`, floorCounters)
	return pool.SendBatch(ctx, b).Close()
}

// Handler is the app in bench mode: the floors, the statement totals and pprof beside
// the app, every request counted by stats.
func Handler(app http.Handler, pool *pgxpool.Pool, stats *Stats) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /_floor/fortunes", floorFortunes(pool))
	mux.Handle("POST /_floor/update", floorUpdate(pool))
	mux.Handle("/_bench/stats", stats)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.Handle("/", app)
	return stats.Count(mux)
}

// floorFortunes is F0: one SELECT of a 12-row table, a row added in memory, sorted, and
// an escaped HTML page rendered with templ.
func floorFortunes(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := pool.Query(r.Context(), `SELECT id, message FROM bench_fortune`)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Fortune])
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		list = append(list, Fortune{ID: 0, Message: "Additional fortune added at request time."})
		slices.SortFunc(list, func(a, b Fortune) int { return strings.Compare(a.Message, b.Message) })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := fortunesPage(list).Render(r.Context(), w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

// floorUpdate is U0: one UPDATE of a row and one INSERT in one transaction, committed with
// the app's durability (synchronous_commit as the server has it), then a 303 as the app's
// form posts answer.
func floorUpdate(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := 1 + rand.IntN(floorCounters)
		err := pgx.BeginFunc(r.Context(), pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(r.Context(), `UPDATE bench_counter SET n = n + 1, updated_at = now() WHERE id = $1`, id); err != nil {
				return err
			}
			_, err := tx.Exec(r.Context(), `INSERT INTO bench_log (counter_id) VALUES ($1)`, id)
			return err
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/_floor/fortunes", http.StatusSeeOther)
	})
}
