package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/pprof"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

// pageRows is how many rows the same-size floor's table holds: the most one page reads.
const pageRows = 5000

// EnsureFloorTables creates the floors' tables in the bench database (never in the app's
// migrations): the twelve fortunes, the counters U0 updates and the log it appends to, and
// the rows of the same-size floors.
func EnsureFloorTables(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `
		CREATE TABLE IF NOT EXISTS bench_fortune (id int PRIMARY KEY, message text NOT NULL);
		CREATE TABLE IF NOT EXISTS bench_page_row (id int PRIMARY KEY, message text NOT NULL);
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
	// Rows like a card's or a list row's text: Chinese and Latin, a number, an ampersand
	// and a bracket to escape, about 120 bytes.
	b.Queue(`INSERT INTO bench_page_row (id, message)
		SELECT g, '上海市浦东新区张江路 ' || g || ' 号 · 空压机 & 冷干机 <维修> · 客户：王建国 · 已受理 3 小时'
		FROM generate_series(1, $1) g ON CONFLICT (id) DO NOTHING`, pageRows)
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

// SizedFloor is the same-size floor, for a page that reads N rows and sends B bytes:
// GET ?rows=N&bytes=B runs one SELECT of N rows and renders them with templ into a page of
// about B bytes. The app mounts it behind its session middleware (signed in), so it pays
// what every page pays before its own work: the least a page of that size can cost.
func SizedFloor(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err1 := strconv.Atoi(r.URL.Query().Get("rows"))
		size, err2 := strconv.Atoi(r.URL.Query().Get("bytes"))
		if err1 != nil || err2 != nil || n < 1 || n > pageRows || size < 0 || size > 4<<20 {
			http.Error(w, "rows (1–5000) and bytes (up to 4 MiB) are needed", http.StatusBadRequest)
			return
		}
		rows, err := pool.Query(r.Context(), `SELECT id, message FROM bench_page_row ORDER BY id LIMIT $1`, n)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Fortune])
		if err != nil || len(list) == 0 {
			http.Error(w, fmt.Sprintf("bench_page_row: %d rows, %v", len(list), err), http.StatusInternalServerError)
			return
		}
		reps, tail := sizing(list, size)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := sizedPage(list, reps, tail).Render(r.Context(), w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

// sizedOverhead is the sized page's bytes besides the rows' text cells: the document
// around the table and each row's markup and id.
const sizedOverhead, sizedRowOverhead = 110, 38

// sizing returns how many times each row's message is written, and how many bytes of it
// after that, for the page to come to about size bytes.
func sizing(list []Fortune, size int) (reps, tail int) {
	per := max(0, (size-sizedOverhead)/len(list)-sizedRowOverhead)
	msg := len(escapedLen(list[0].Message))
	if msg == 0 {
		return 0, 0
	}
	return per / msg, per % msg
}

// escapedLen is s as the page writes it (templ escapes &, < and >).
func escapedLen(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// cut is the first n bytes of s, at most, ending on a whole character.
func cut(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
