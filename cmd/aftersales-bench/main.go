// Command aftersales-bench is `make bench`: it seeds the benchmark databases (reused when
// they exist), starts the real server in bench mode, drives each scenario from this
// separate process over loopback, checks that no write was lost or doubled, and prints
// one markdown table against the floors F0 and U0 measured in the same run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aftersales/aftersales/cmd/aftersales-bench/internal/seed"
	"github.com/aftersales/aftersales/internal/bench"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/pgboot"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "aftersales-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	server   string
	dataDir  string
	warmup   time.Duration
	duration time.Duration
	readers  int
	out      string
	only     map[string]bool
}

// runs says whether scenario name is to be measured (every one unless -only names some).
func (o options) runs(name string) bool { return len(o.only) == 0 || o.only[name] }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aftersales-bench", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.server, "server", "bin/aftersales", "the app binary to start in bench mode (built with -tags bench)")
	fs.StringVar(&o.dataDir, "data", ".data", "where the private PostgreSQL cluster and the results live")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "warm-up before each measurement (not measured)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each scenario")
	fs.IntVar(&o.readers, "readers", 16, "concurrent clients of the page scenarios (S1, S2, S6, F0)")
	fs.StringVar(&o.out, "out", ".data/bench/results.md", "the markdown report is also written here")
	quick := fs.Bool("quick", false, "only the 10k-order database, every scenario on it (to try the harness; not the report)")
	only := fs.String("only", "", "comma-separated scenarios to measure (e.g. R1,export); all when empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *only != "" {
		o.only = map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			o.only[strings.TrimSpace(n)] = true
		}
	}
	began := time.Now()
	logw := stderr
	srvURL, err := pgboot.Server(ctx, filepath.Join(o.dataDir, "postgres"), logw)
	if err != nil {
		return err
	}
	rep := &report{started: began}

	bigName, bigScale := "aftersales_bench_1m", seed.Full()
	if *quick {
		bigName, bigScale = "aftersales_bench_10k", seed.Small()
	}
	fmt.Fprintf(logw, "bench: seeding (or reusing) %s …\n", bigName)
	t0 := time.Now()
	bigURL, big, seeded, err := seed.Ensure(ctx, srvURL, bigName, bigScale, logw)
	if err != nil {
		return fmt.Errorf("seed 1M: %w", err)
	}
	rep.seed = append(rep.seed, seedLine(fmt.Sprintf("%d orders", bigScale.Orders), seeded, time.Since(t0), big))
	t0 = time.Now()
	smallURL, small, seeded, err := seed.Ensure(ctx, srvURL, "aftersales_bench_10k", seed.Small(), logw)
	if err != nil {
		return fmt.Errorf("seed 10k: %w", err)
	}
	rep.seed = append(rep.seed, seedLine("10k orders", seeded, time.Since(t0), small))

	if err := rep.machine(ctx, bigURL); err != nil {
		return err
	}
	if err := benchBig(ctx, o, bigURL, big, rep, logw); err != nil {
		return err
	}
	if !*quick && (o.runs("S1") || o.runs("S6")) {
		if err := benchSmall(ctx, o, smallURL, small, rep, logw); err != nil {
			return err
		}
	}
	rep.took = time.Since(began)
	md := rep.markdown()
	fmt.Fprint(stdout, md)
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err == nil {
			_ = os.WriteFile(o.out, []byte(md), 0o644)
		}
	}
	return rep.failed()
}

func seedLine(what string, seeded bool, took time.Duration, m seed.Manifest) string {
	if seeded {
		return fmt.Sprintf("%s: seeded now in %s", what, took.Round(time.Second))
	}
	return fmt.Sprintf("%s: reused (seeded %s in %s)", what, m.SeededAt.Format("2006-01-02 15:04"), m.Took.Round(time.Second))
}

// server is the app binary running in bench mode on a free loopback port.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

func startServer(ctx context.Context, bin, dbURL, logPath string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	_ = os.MkdirAll(filepath.Dir(logPath), 0o755)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "-bench")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "ADDR="+addr, "BASE_URL=http://"+addr, "LOG_FORMAT=json")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("the server exited (%v); see %s", err, logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the server did not get ready in 60s; see %s", logPath)
		}
	}
}

// peakRSS is the server's peak resident set (VmHWM), in MiB.
func (s *server) peakRSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024
}

// cpu is the server process's CPU time so far, user and system (/proc/PID/stat).
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces) in parentheses: state is
	// the first, utime the 12th, stime the 13th, in clock ticks (100 a second on Linux).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(user+sys) * (time.Second / 100)
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// signedIn returns n clients signed in as username, sharing sessions four ways (a
// sign-in costs an argon2id hash; the sessions are real and checked on every request).
func signedIn(ctx context.Context, t *bench.Target, username string, n int) ([]*bench.Client, error) {
	sessions := min(n, 4)
	out := make([]*bench.Client, n)
	for i := range sessions {
		c := t.NewClient()
		if err := c.SignIn(ctx, username, seed.Password); err != nil {
			return nil, err
		}
		out[i] = c
	}
	for i := sessions; i < n; i++ {
		out[i] = out[i%sessions].Share()
	}
	return out, nil
}

func anonymous(t *bench.Target, n int) []*bench.Client {
	out := make([]*bench.Client, n)
	for i := range out {
		out[i] = t.NewClient()
	}
	return out
}

func get(path string) func(int) (bench.Step, bool) {
	return func(int) (bench.Step, bool) {
		return bench.Step{Method: http.MethodGet, Path: path, Want: http.StatusOK}, true
	}
}

// listRows is how many orders a page of the order list shows (workorder.Filter's
// default page size).
const listRows = 50

var nextLink = regexp.MustCompile(`[?&]after=([^"&]+)`)

// deepCursor follows the order list's "next" links from the first page and returns the
// query of page n (or of the last page there is) and its number.
func deepCursor(ctx context.Context, c *bench.Client, first string, n int) (string, int, error) {
	path, page := first, 1
	for page < n {
		status, body, err := c.Do(ctx, "setup", http.MethodGet, path, nil)
		if err != nil || status != http.StatusOK {
			return "", 0, fmt.Errorf("order list %s: %d %v", path, status, err)
		}
		m := nextLink.FindStringSubmatch(body)
		if m == nil {
			break
		}
		path, page = first+"&after="+m[1], page+1
	}
	return path, page, nil
}

func benchBig(ctx context.Context, o options, dbURL string, m seed.Manifest, rep *report, logw io.Writer) error {
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	srv, err := startServer(ctx, o.server, dbURL, filepath.Join(o.dataDir, "bench", "server-1m.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	t := bench.NewTarget(srv.base, 128)
	scen := func(name string, clients []*bench.Client, next func(int) (bench.Step, bool)) (bench.Result, error) {
		if !o.runs(name) {
			return bench.Result{}, nil
		}
		fmt.Fprintf(logw, "bench: %s with %d clients …\n", name, len(clients))
		r, err := bench.Run(ctx, t, bench.Scenario{Name: name, Clients: clients, Warmup: o.warmup, Duration: o.duration, Next: next, CPU: srv.cpu})
		for _, e := range r.FirstErrors {
			fmt.Fprintln(logw, "  error:", e)
		}
		return r, err
	}
	var res = map[string]bench.Result{}
	add := func(key string) func(bench.Result, error) error {
		return func(r bench.Result, err error) error {
			if o.runs(key) {
				res[key] = r
			}
			return err
		}
	}

	// First, while the server's peak RSS is still its start-up's: one export of about
	// 100 000 orders, for the memory it takes.
	if o.runs("export") {
		rep.export = exportMemory(ctx, t, srv, pool, m, 100_000, logw)
	}

	// The report page: the regional centre's manager over the last whole year, every
	// outlet of the centre with a row each, at four concurrent users.
	if o.runs("R1") || o.runs("R1 cold") {
		centre, err := signedIn(ctx, t, m.CentreManager, 4)
		if err != nil {
			return err
		}
		year := time.Now().In(shanghai()).AddDate(-1, 0, 0).Format("2006")
		path := "/reports?kind=year&date=" + year + "-01-01"
		// The first read builds the report's daily roll-up of a fresh database (minutes
		// at this size): wait for it, outside the measurement.
		t0, deadline := time.Now(), time.Now().Add(15*time.Minute)
		for {
			status, body, err := centre[0].Do(ctx, "setup", http.MethodGet, path, nil)
			if err == nil && status == http.StatusOK && strings.Contains(body, "<canvas") {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("report %s: %d %v", path, status, err)
			}
		}
		rep.rollup = time.Since(t0)
		// Changes left by an earlier run's writes are the background refresher's to
		// catch up with first (a minute's work at most, in steady use).
		for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
			var dirty bool
			if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM report_dirty)`).Scan(&dirty); err != nil || !dirty {
				break
			}
		}
		rep.reportPath = path
		if err := add("R1")(scen("R1", centre, get(path))); err != nil {
			return err
		}
		// The same report over a year of days ending one day earlier each time: never
		// read before, so never kept, the cost of computing it from the roll-up.
		var shift atomic.Int64
		end, _ := time.ParseInLocation("2006-01-02", year+"-12-31", shanghai())
		cold := func(int) (bench.Step, bool) {
			to := end.AddDate(0, 0, -int(shift.Add(1)))
			from := to.AddDate(-1, 0, 1)
			return bench.Step{Method: http.MethodGet, Path: "/reports?kind=range&from=" + from.Format("2006-01-02") + "&to=" + to.Format("2006-01-02"),
				Want: http.StatusOK}, true
		}
		if err := add("R1 cold")(scen("R1 cold", centre, cold)); err != nil {
			return err
		}
	}

	// Reads.
	if err := add("F0")(scen("F0", anonymous(t, o.readers), get("/_floor/fortunes"))); err != nil {
		return err
	}
	sup, err := signedIn(ctx, t, m.Supervisor, o.readers)
	if err != nil {
		return err
	}
	mgr, err := signedIn(ctx, t, m.Manager, o.readers)
	if err != nil {
		return err
	}
	first := "/orders?q=" + url.QueryEscape(m.SearchTerm)
	deep, page, err := deepCursor(ctx, mgr[0], first, 20)
	if err != nil {
		return err
	}
	rep.deepPage = page
	orderPath := fmt.Sprintf("/orders/%d", m.PageOrderID)

	// Each page against its same-size floor, measured just before it: one SELECT of as
	// many rows as the page reads, rendered into as many bytes as it sends, signed in.
	var boardRows, orderRows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM work_orders WHERE station_id = $1 AND `+workflow.OpenSQL("work_orders"), m.HotStationID).Scan(&boardRows); err != nil {
		return err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM work_order_events WHERE order_id = $1`, m.PageOrderID).Scan(&orderRows); err != nil {
		return err
	}
	floors := []struct {
		floor, page string
		pages       []string
		client      *bench.Client
		path        string
		rows        int
	}{
		{"FB", "S1", []string{"S1"}, sup[0], "/board", boardRows},
		{"FO", "S2", []string{"S2"}, sup[0], orderPath, max(1, orderRows)},
		{"FL", "S6", []string{"S6", "S6 deep"}, mgr[0], first, listRows},
	}
	rep.floors = map[string]string{}
	for _, f := range floors {
		wanted := o.runs(f.floor)
		for _, p := range f.pages {
			wanted = wanted || o.runs(p)
		}
		if !wanted {
			continue
		}
		status, body, err := f.client.Do(ctx, "setup", http.MethodGet, f.path, nil)
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("%s for its floor: %d %v", f.path, status, err)
		}
		floorPath := fmt.Sprintf("/_floor/page?rows=%d&bytes=%d", f.rows, len(body))
		rep.floors[f.floor] = fmt.Sprintf("%d rows, %.0f KB", f.rows, float64(len(body))/1000)
		clients := sup
		if f.client == mgr[0] {
			clients = mgr
		}
		r, err := scen(f.floor, clients, get(floorPath))
		if err != nil {
			return err
		}
		res[f.floor] = r
		paths := map[string]string{"S1": "/board", "S2": orderPath, "S6": first, "S6 deep": deep}
		for _, p := range f.pages {
			if err := add(p)(scen(p, clients, get(paths[p]))); err != nil {
				return err
			}
		}
	}

	// Writes at 32 clients: the floor, reschedules on the hot orders, intakes.
	if err := add("U0")(scen("U0", anonymous(t, 32), floorUpdate)); err != nil {
		return err
	}
	if o.runs("S3") {
		s3, check3, err := rescheduleLoad(ctx, t, pool, m, 32)
		if err != nil {
			return err
		}
		if err := add("S3")(scen("S3", s3.clients, s3.next)); err != nil {
			return err
		}
		rep.checks = append(rep.checks, check3(ctx))
	}
	if o.runs("S5") {
		s5, check5, err := intakeLoad(ctx, t, pool, m, 32)
		if err != nil {
			return err
		}
		if err := add("S5")(scen("S5", s5.clients, s5.next)); err != nil {
			return err
		}
		rep.checks = append(rep.checks, check5(ctx))
	}

	// Stock issues at 64 clients against the floor at 64.
	if err := add("U0×64")(scen("U0×64", anonymous(t, 64), floorUpdate)); err != nil {
		return err
	}
	if o.runs("S4") {
		s4, check4, err := issueLoad(ctx, t, pool, m, 64, o)
		if err != nil {
			return err
		}
		if err := add("S4")(scen("S4", s4.clients, s4.next)); err != nil {
			return err
		}
		rep.checks = append(rep.checks, check4(ctx))
		rep.ledger = checkLedger(ctx, o.server, dbURL)
	}
	rep.rss = srv.peakRSS()
	rep.big = res
	return nil
}

func benchSmall(ctx context.Context, o options, dbURL string, m seed.Manifest, rep *report, logw io.Writer) error {
	srv, err := startServer(ctx, o.server, dbURL, filepath.Join(o.dataDir, "bench", "server-10k.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	t := bench.NewTarget(srv.base, 128)
	res := map[string]bench.Result{}
	sup, err := signedIn(ctx, t, m.Supervisor, o.readers)
	if err != nil {
		return err
	}
	mgr, err := signedIn(ctx, t, m.Manager, o.readers)
	if err != nil {
		return err
	}
	for _, s := range []struct {
		name    string
		clients []*bench.Client
		path    string
	}{{"S1", sup, "/board"}, {"S6", mgr, "/orders?q=" + url.QueryEscape(m.SearchTerm)}} {
		fmt.Fprintf(logw, "bench: %s at 10k orders with %d clients …\n", s.name, len(s.clients))
		r, err := bench.Run(ctx, t, bench.Scenario{Name: s.name, Clients: s.clients, Warmup: o.warmup, Duration: o.duration, Next: get(s.path)})
		if err != nil {
			return err
		}
		res[s.name] = r
	}
	rep.small = res
	rep.rss = max(rep.rss, srv.peakRSS())
	return nil
}

func floorUpdate(int) (bench.Step, bool) {
	return bench.Step{Method: http.MethodPost, Path: "/_floor/update", Form: map[string][]string{}, Want: http.StatusSeeOther}, true
}

// load is one write scenario: its clients and their next step.
type load struct {
	clients []*bench.Client
	next    func(int) (bench.Step, bool)
}

// rescheduleLoad is S3: the technician reschedules the 1,000 hot orders, each client
// working through its own share of them with the version it last saw. The check after
// the run: every accepted reschedule is one version step and one event, no more, no less.
func rescheduleLoad(ctx context.Context, t *bench.Target, pool *pgxpool.Pool, m seed.Manifest, n int) (load, func(context.Context) string, error) {
	clients, err := signedIn(ctx, t, m.Technician, n)
	if err != nil {
		return load{}, nil, err
	}
	start, err := seed.Versions(ctx, pool, m.HotOrderIDs)
	if err != nil {
		return load{}, nil, err
	}
	var eventsBefore int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM work_order_events WHERE order_id = ANY($1) AND transition = 'reschedule'`, m.HotOrderIDs).Scan(&eventsBefore); err != nil {
		return load{}, nil, err
	}
	type share struct {
		ids     []int64
		version map[int64]int
		k       int
	}
	shares := make([]*share, n)
	for i := range shares {
		shares[i] = &share{version: map[int64]int{}}
	}
	for i, id := range m.HotOrderIDs {
		sh := shares[i%n]
		sh.ids = append(sh.ids, id)
		sh.version[id] = start[id]
	}
	var accepted atomic.Int64
	loc := shanghai()
	next := func(i int) (bench.Step, bool) {
		sh := shares[i]
		id := sh.ids[sh.k%len(sh.ids)]
		sh.k++
		from := time.Now().In(loc).Add(time.Duration(24+sh.k%240) * time.Hour).Truncate(time.Hour)
		form := map[string][]string{
			"version": {strconv.Itoa(sh.version[id])},
			"start":   {from.Format("2006-01-02T15:04")}, "end": {from.Add(2 * time.Hour).Format("2006-01-02T15:04")},
			"reason": {"客户临时有事，改约时间"},
		}
		return bench.Step{Method: http.MethodPost, Path: fmt.Sprintf("/orders/%d/reschedule", id), Form: form, Want: http.StatusSeeOther,
			Done: func(ok bool, _ int, _ string) {
				if ok {
					sh.version[id]++
					accepted.Add(1)
					return
				}
				if v, err := seed.Versions(ctx, pool, []int64{id}); err == nil {
					sh.version[id] = v[id]
				}
			}}, true
	}
	check := func(ctx context.Context) string {
		end, err := seed.Versions(ctx, pool, m.HotOrderIDs)
		if err != nil {
			return "S3 check failed: " + err.Error()
		}
		steps := 0
		for id, v := range end {
			steps += v - start[id]
		}
		var eventsAfter int64
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM work_order_events WHERE order_id = ANY($1) AND transition = 'reschedule'`, m.HotOrderIDs).Scan(&eventsAfter)
		a := accepted.Load()
		verdict := "OK: none lost, none doubled"
		if int64(steps) != a || eventsAfter-eventsBefore != a {
			verdict = "MISMATCH"
		}
		return fmt.Sprintf("S3 reschedules accepted (warm-up included): %d; version steps: %d; new reschedule events: %d — %s",
			a, steps, eventsAfter-eventsBefore, verdict)
	}
	return load{clients: clients, next: next}, check, nil
}

// intakeLoad is S5: the hotline logs a repair call for an existing customer and unit.
// Each call is about another unit of the hot station without open orders: a unit with
// one would make intake ask (add a note or create anyway) instead of saving.
func intakeLoad(ctx context.Context, t *bench.Target, pool *pgxpool.Pool, m seed.Manifest, n int) (load, func(context.Context) string, error) {
	clients, err := signedIn(ctx, t, m.Hotline, n)
	if err != nil {
		return load{}, nil, err
	}
	type call struct {
		customer, unit int64
		phone          string
	}
	rows, err := pool.Query(ctx, `SELECT u.customer_id, u.id, coalesce((SELECT p.raw FROM customer_phones p WHERE p.customer_id = u.customer_id ORDER BY p.position LIMIT 1), '')
		FROM units u JOIN customers c ON c.id = u.customer_id
		WHERE c.station_id = (SELECT station_id FROM customers WHERE id = $1)
		ORDER BY (SELECT count(*) FROM work_orders o WHERE o.unit_id = u.id AND `+workflow.OpenSQL("o")+`), u.id LIMIT 50000`, m.CustomerID)
	if err != nil {
		return load{}, nil, fmt.Errorf("units for intake: %w", err)
	}
	calls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (call, error) {
		var c call
		return c, r.Scan(&c.customer, &c.unit, &c.phone)
	})
	if err != nil || len(calls) == 0 {
		return load{}, nil, fmt.Errorf("units for intake: %d found, %v", len(calls), err)
	}
	run := time.Now().UnixNano()
	prefix := fmt.Sprintf("bench-%d-", run)
	count := func(ctx context.Context) (n int64) {
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM work_orders WHERE intake_key LIKE $1`, prefix+"%").Scan(&n)
		return n
	}
	var seq, accepted atomic.Int64
	next := func(int) (bench.Step, bool) {
		k := seq.Add(1)
		c := calls[int(k-1)%len(calls)]
		form := map[string][]string{
			"key": {prefix + strconv.FormatInt(k, 10)}, "phone": {c.phone},
			"customer_id": {strconv.FormatInt(c.customer, 10)}, "unit_id": {strconv.FormatInt(c.unit, 10)},
			"symptom": {"开机后压力上不去，排气温度高"}, "request": {"尽快上门"},
			"urgency": {"normal"}, "service_type": {"repair"}, "channel": {"phone"},
		}
		// A unit with open orders (from an earlier call of this or another run): the
		// hotline was shown them and creates the new order anyway (仍然新建), as the
		// intake asks.
		var open string
		_ = pool.QueryRow(ctx, `SELECT coalesce(string_agg(id::text, ','), '') FROM work_orders o WHERE o.unit_id = $1 AND `+workflow.OpenSQL("o"), c.unit).Scan(&open)
		if open != "" {
			form["ack_open"] = []string{open}
		}
		return bench.Step{Method: http.MethodPost, Path: "/intake", Form: form, Want: http.StatusSeeOther,
			Done: func(ok bool, _ int, _ string) {
				if ok {
					accepted.Add(1)
				}
			}}, true
	}
	check := func(ctx context.Context) string {
		made := count(ctx)
		verdict := "OK"
		if made != accepted.Load() {
			verdict = "MISMATCH"
		}
		// The run's calls leave the board again (cancelled), so the next run's S1 finds
		// the hot station as seeded.
		if _, err := pool.Exec(ctx, `UPDATE work_orders SET state = $2, cancelled_at = now(), cancel_reason = 'bench', version = version + 1
			WHERE intake_key LIKE $1`, prefix+"%", string(workflow.Cancelled)); err != nil {
			verdict += "; the run's calls could not be cancelled: " + err.Error()
		}
		return fmt.Sprintf("S5 intakes accepted (warm-up included): %d; new orders: %d — %s", accepted.Load(), made, verdict)
	}
	return load{clients: clients, next: next}, check, nil
}

// issueLoad is S4: the storekeeper issues approved requisitions whose parts are drawn
// Zipf-skewed, so the popular parts' balance rows are contended.
func issueLoad(ctx context.Context, t *bench.Target, pool *pgxpool.Pool, m seed.Manifest, n int, o options) (load, func(context.Context) string, error) {
	clients, err := signedIn(ctx, t, m.Storekeeper, n)
	if err != nil {
		return load{}, nil, err
	}
	// Enough for 64 clients at well over 1,000 issues a second.
	want := int(max(20000, 1500*(o.warmup+o.duration).Seconds()))
	refs, err := seed.NewRequisitions(ctx, pool, m, want, uint64(time.Now().UnixNano()))
	if err != nil {
		return load{}, nil, err
	}
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	var k, accepted atomic.Int64
	next := func(int) (bench.Step, bool) {
		i := k.Add(1) - 1
		if int(i) >= len(refs) {
			return bench.Step{}, false
		}
		r := refs[i]
		return bench.Step{Method: http.MethodPost, Path: fmt.Sprintf("/parts/requisitions/%d/issue", r.ID),
			Form: map[string][]string{"version": {strconv.Itoa(r.Version)}}, Want: http.StatusSeeOther,
			Done: func(ok bool, _ int, _ string) {
				if ok {
					accepted.Add(1)
				}
			}}, true
	}
	check := func(ctx context.Context) string {
		var inDB int64
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM requisitions WHERE id = ANY($1) AND state = 'issued'`, ids).Scan(&inDB)
		verdict := "OK"
		if inDB != accepted.Load() {
			verdict = "MISMATCH"
		}
		return fmt.Sprintf("S4 issues accepted (warm-up included): %d of %d requisitions; issued in the database: %d — %s",
			accepted.Load(), len(refs), inDB, verdict)
	}
	return load{clients: clients, next: next}, check, nil
}

// exportMemory downloads the order list of the newest ~want orders as a workbook
// (/orders.xlsx?from=…, as the manager, who sees every station) and reports how much the
// server's peak resident set (VmHWM) grew over it: run first, the peak before is the
// start-up's, so the growth is the export's.
func exportMemory(ctx context.Context, t *bench.Target, srv *server, pool *pgxpool.Pool, m seed.Manifest, want int, logw io.Writer) string {
	loc := shanghai()
	var from time.Time
	if err := pool.QueryRow(ctx, `SELECT created_at FROM work_orders ORDER BY created_at DESC OFFSET $1 LIMIT 1`, want-1).Scan(&from); err != nil {
		if !errors.Is(err, pgx.ErrNoRows) {
			return "export check failed: " + err.Error()
		}
		from = time.Unix(0, 0)
	}
	day := from.In(loc).Format("2006-01-02")
	start, _ := time.ParseInLocation("2006-01-02", day, loc)
	var n int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM work_orders WHERE created_at >= $1`, start).Scan(&n); err != nil {
		return "export check failed: " + err.Error()
	}
	mgr, err := signedIn(ctx, t, m.Manager, 1)
	if err != nil {
		return "export check failed: " + err.Error()
	}
	path := "/orders.xlsx?from=" + day
	fmt.Fprintf(logw, "bench: export of %d orders (%s) …\n", n, path)
	before := srv.peakRSS()
	t0 := time.Now()
	status, body, err := mgr[0].Do(ctx, "export", http.MethodGet, path, nil)
	took := time.Since(t0)
	after := srv.peakRSS()
	if err != nil || status != http.StatusOK || !strings.HasPrefix(body, "PK") {
		return fmt.Sprintf("export check failed: %s → %d %v", path, status, err)
	}
	return fmt.Sprintf("export of %d orders (%s): %.1f MiB workbook in %s; server peak RSS %.0f → %.0f MiB (+%.0f MiB; target < 100 MiB) — %s",
		n, path, float64(len(body))/(1<<20), took.Round(100*time.Millisecond), before, after, after-before, yes(after-before < 100))
}

// checkLedger runs `aftersales check-ledger` on the bench database, as a user would.
func checkLedger(ctx context.Context, bin, dbURL string) string {
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, bin, "check-ledger")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	out, err := cmd.CombinedOutput()
	line := strings.TrimSpace(string(out))
	if i := strings.LastIndex(line, "\n"); i >= 0 {
		line = line[i+1:]
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Sprintf("check-ledger FAILED in %s: %s", time.Since(t0).Round(100*time.Millisecond), line)
		}
		return "check-ledger could not run: " + err.Error()
	}
	return fmt.Sprintf("check-ledger after S4: %s (%s)", line, time.Since(t0).Round(100*time.Millisecond))
}

// shanghai is the app's default time zone, for the dates the scenarios send.
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}
