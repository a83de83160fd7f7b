package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/bench"
	"github.com/jackc/pgx/v5"
)

// report gathers one run's figures and prints them as markdown.
type report struct {
	started    time.Time
	took       time.Duration
	machineTxt []string
	seed       []string
	big, small map[string]bench.Result
	deepPage   int
	checks     []string
	ledger     string
	export     string
	reportPath string
	rollup     time.Duration
	rss        float64
	// floors describes each same-size floor: the rows it reads and the bytes it sends.
	floors map[string]string
}

// machine records the cores, memory, PostgreSQL version and the settings that matter.
func (r *report) machine(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var version string
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&version); err != nil {
		return err
	}
	settings := []string{}
	for _, name := range []string{"shared_buffers", "synchronous_commit", "fsync", "max_connections", "work_mem", "effective_cache_size"} {
		var v string
		if err := conn.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v); err == nil {
			settings = append(settings, name+"="+v)
		}
	}
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(b); m != nil {
			cpu = strings.TrimSpace(string(m[1]))
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if m := regexp.MustCompile(`MemTotal:\s+(\d+) kB`).FindSubmatch(b); m != nil {
			var kb float64
			fmt.Sscan(string(m[1]), &kb)
			mem = fmt.Sprintf(", %.0f GiB RAM", kb/1024/1024)
		}
	}
	r.machineTxt = []string{
		fmt.Sprintf("%d cores (%s)%s, %s/%s, %s", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH, runtime.Version()),
		fmt.Sprintf("PostgreSQL %s on loopback: %s", version, strings.Join(settings, ", ")),
		fmt.Sprintf("app pool: max %d connections (db.Open); load from this separate process over loopback, closed loop", max(8, 4*runtime.NumCPU())),
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

type row struct {
	key, label string
	// floor is the floor the row's requests per second are held against (target: at
	// least target times it); abs is the absolute reference also shown (F0 for pages).
	floor, abs string
	target     float64
}

var rows = []row{
	{"F0", "F0 floor: Fortunes (SELECT 12 rows, sort, templ; no session)", "", "", 0},
	{"FB", "FB same-size floor of the board", "", "F0", 0},
	{"S1", "S1 board GET (hot station, ~500 open, by state)", "FB", "F0", 0.5},
	{"FO", "FO same-size floor of the order page", "", "F0", 0},
	{"S2", "S2 order page GET (~20 events)", "FO", "F0", 0.6},
	{"FL", "FL same-size floor of the order list", "", "F0", 0},
	{"S6", "S6 order list, search, first page", "FL", "F0", 0.5},
	{"S6 deep", "S6 order list, search, deep keyset page", "FL", "F0", 0.5},
	{"U0", "U0 floor: UPDATE + INSERT in one tx", "", "", 0},
	{"S3", "S3 reschedule POST on 1k hot orders", "U0", "", 0.7},
	{"S5", "S5 intake POST, existing customer", "U0", "", 0.5},
	{"U0×64", "U0 floor at 64 clients", "", "", 0},
	{"S4", "S4 stock issue POST, Zipf parts", "U0×64", "", 0.5},
	{"R1", "R1 report page, regional centre, last whole year", "", "", 0},
	{"R1 cold", "R1 cold: the same, a year of days never read before", "", "", 0},
}

// target is one figure held against its bound, printed as met or missed.
type target struct {
	what, figure string
	met          bool
}

// targets are the page weight, speed and statement targets with this run's figures.
func (r *report) targets() []target {
	var out []target
	if s1, ok := r.big["S1"]; ok {
		out = append(out,
			target{"S1 board page ≤ 80 KB", fmt.Sprintf("%.1f KB", s1.Bytes/1000), s1.Bytes > 0 && s1.Bytes <= 80_000},
			target{"S1 board p50 under 16 clients ≤ 25 ms", ms(s1.P50), s1.P50 > 0 && s1.P50 <= 25*time.Millisecond})
		if f, ok := r.big["FB"]; ok && f.PerSecond > 0 {
			x := s1.PerSecond / f.PerSecond
			out = append(out, target{"S1 board ≥ 0.5× its same-size floor FB", fmt.Sprintf("%.2f×", x), x >= 0.5})
		}
	}
	if s2, ok := r.big["S2"]; ok {
		out = append(out, target{"S2 order page ≤ 4 SQL statements, the session's included", fmt.Sprintf("%d", s2.MaxStatements), s2.MaxStatements <= 4})
	}
	if s3, ok := r.big["S3"]; ok {
		out = append(out, target{"S3 reschedule ≤ 8 SQL statements", fmt.Sprintf("%d", s3.MaxStatements), s3.MaxStatements <= 8})
	}
	if s5, ok := r.big["S5"]; ok {
		out = append(out, target{"S5 intake ≤ 10 SQL statements", fmt.Sprintf("%d", s5.MaxStatements), s5.MaxStatements <= 10})
	}
	return out
}

func ratio(r map[string]bench.Result, res bench.Result, floor string) (float64, bool) {
	f, ok := r[floor]
	if !ok || f.PerSecond <= 0 {
		return 0, false
	}
	return res.PerSecond / f.PerSecond, true
}

func (r *report) markdown() string {
	var b strings.Builder
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.UTC
	}
	fmt.Fprintf(&b, "### `make bench` — %s (Asia/Shanghai)\n\n", r.started.In(loc).Format("2006-01-02 15:04"))
	for _, l := range r.machineTxt {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	for _, l := range r.seed {
		fmt.Fprintf(&b, "- seed: %s\n", l)
	}
	b.WriteString("\n| Scenario | Clients | Requests/s | KB/request | Server CPU/request | p50 | p99 | Errors | SQL statements/request (max; round trips) | Ratio to floor | Target | Met | Ratio to F0 |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|---:|\n")
	for _, w := range rows {
		res, ok := r.big[w.key]
		if !ok {
			continue
		}
		label := w.label
		if d := r.floors[w.key]; d != "" {
			label += " (" + d + ")"
		}
		rat, target, met, abs := "—", "—", "", "—"
		if x, ok := ratio(r.big, res, w.floor); ok {
			rat = fmt.Sprintf("%.2f× %s", x, w.floor)
			target = fmt.Sprintf("≥ %.1f×", w.target)
			met = yes(x >= w.target)
		}
		if x, ok := ratio(r.big, res, w.abs); ok {
			abs = fmt.Sprintf("%.2f×", x)
		}
		cpu := "—"
		if res.CPU > 0 {
			cpu = ms(res.CPU)
		}
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.1f | %s | %s | %s | %d | %.1f (%d; %.1f) | %s | %s | %s | %s |\n", label, res.Clients, res.PerSecond,
			res.Bytes/1000, cpu, ms(res.P50), ms(res.P99), res.Errors, res.Statements, res.MaxStatements, res.RoundTrips, rat, target, met, abs)
	}
	b.WriteString("\n")
	if ts := r.targets(); len(ts) > 0 {
		b.WriteString("Targets:\n\n")
		for _, t := range ts {
			verdict := "met"
			if !t.met {
				verdict = "**missed**"
			}
			fmt.Fprintf(&b, "- %s: %s — %s\n", t.what, t.figure, verdict)
		}
		b.WriteString("\n")
	}
	if s1, ok := r.big["S1"]; ok {
		fmt.Fprintf(&b, "- SQL statements per page, including the session and the signed-in user (target ≤ 4): board %d — %s; order page %d — %s\n",
			s1.MaxStatements, yes(s1.MaxStatements <= 4), r.big["S2"].MaxStatements, yes(r.big["S2"].MaxStatements <= 4))
	}
	if f, d := r.big["S6"], r.big["S6 deep"]; f.P50 > 0 && d.P50 > 0 {
		x := float64(d.P50) / float64(f.P50)
		fmt.Fprintf(&b, "- deep keyset page (page %d) p50 %s vs first page %s: %.2f× (target ≤ 1.2×) — %s\n", r.deepPage, ms(d.P50), ms(f.P50), x, yes(x <= 1.2))
	}
	if r1, ok := r.big["R1"]; ok {
		fmt.Fprintf(&b, "- R1 report page (%s) for the regional centre's manager, %d clients: p50 %s, p99 %s, %.1f statements (target p50 ≤ 300 ms) — %s; its first read, with the daily roll-up brought up to date, took %s\n",
			r.reportPath, r1.Clients, ms(r1.P50), ms(r1.P99), r1.Statements, yes(r1.P50 > 0 && r1.P50 <= 300*time.Millisecond), r.rollup.Round(100*time.Millisecond))
		if c := r.big["R1 cold"]; c.P50 > 0 {
			fmt.Fprintf(&b, "- R1 cold (a year never read before, so computed from the roll-up each time): p50 %s, p99 %s\n", ms(c.P50), ms(c.P99))
		}
	}
	if len(r.small) > 0 {
		b.WriteString("\n| Latency at 10k vs 1M orders | p50 10k | p50 1M | ratio | p99 10k | p99 1M | ratio | Target | Met |\n|---|---:|---:|---:|---:|---:|---:|---:|:-:|\n")
		for _, k := range []string{"S1", "S6"} {
			s, l := r.small[k], r.big[k]
			if s.P50 == 0 || l.P50 == 0 {
				continue
			}
			x, y := float64(l.P50)/float64(s.P50), float64(l.P99)/float64(s.P99)
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f× | %s | %s | %.2f× | ≤ 1.3× | %s |\n", k, ms(s.P50), ms(l.P50), x, ms(s.P99), ms(l.P99), y, yes(x <= 1.3))
		}
	}
	b.WriteString("\n")
	for _, c := range r.checks {
		fmt.Fprintf(&b, "- %s\n", c)
	}
	if r.ledger != "" {
		fmt.Fprintf(&b, "- %s\n", r.ledger)
	}
	if r.export != "" {
		fmt.Fprintf(&b, "- %s\n", r.export)
	}
	fmt.Fprintf(&b, "- server peak RSS (VmHWM): %.0f MiB\n", r.rss)
	fmt.Fprintf(&b, "- whole run: %s\n", r.took.Round(time.Second))
	return b.String()
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// failed is an error when a correctness check failed: a lost or doubled write or a
// ledger violation makes the run fail, a missed speed target does not.
func (r *report) failed() error {
	var bad []string
	for _, c := range append(r.checks, r.export) {
		if strings.Contains(c, "MISMATCH") || strings.Contains(c, "failed") {
			bad = append(bad, c)
		}
	}
	if r.ledger != "" && !strings.HasPrefix(r.ledger, "check-ledger after S4: ledger OK") {
		bad = append(bad, r.ledger)
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}
