package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/backup"
	"github.com/aftersales/aftersales/internal/config"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/live"
	"github.com/aftersales/aftersales/internal/maintenance"
	"github.com/aftersales/aftersales/internal/online"
	"github.com/aftersales/aftersales/internal/outbox"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/pgboot"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/aftersales/aftersales/internal/report"
	"github.com/aftersales/aftersales/internal/server"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// databaseURL is DATABASE_URL, or a server found or started as `make run` promises,
// with the aftersales database created on it.
func databaseURL(ctx context.Context, cfg config.Config, getenv func(string) string, log io.Writer) (string, error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, nil
	}
	dataDir := getenv("DATA_DIR")
	if dataDir == "" {
		dataDir = ".data"
	}
	srv, err := pgboot.Server(ctx, filepath.Join(dataDir, "postgres"), log)
	if err != nil {
		return "", err
	}
	return pgboot.Database(ctx, srv, "aftersales")
}

// open loads the config, finds the database, migrates it and opens a pool.
func open(ctx context.Context, getenv func(string) string, stderr io.Writer, opts ...func(*pgxpool.Config)) (config.Config, *pgxpool.Pool, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return cfg, nil, err
	}
	u, err := databaseURL(ctx, cfg, getenv, stderr)
	if err != nil {
		return cfg, nil, err
	}
	if err := db.MigrateUp(u); err != nil {
		return cfg, nil, err
	}
	pool, err := db.Open(ctx, u, opts...)
	return cfg, pool, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	withDemo := fs.Bool("demo", false, "load demo data when the database is empty")
	benchMode := fs.Bool("bench", false, "bench mode (make bench; a binary built with -tags bench): the floor handlers, SQL statement counts and pprof beside the app")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var opts []func(*pgxpool.Config)
	if *benchMode {
		o, err := benchPool()
		if err != nil {
			return err
		}
		opts = append(opts, o)
	}
	cfg, pool, err := open(ctx, getenv, stderr, opts...)
	if err != nil {
		return err
	}
	defer pool.Close()
	log := newLogger(cfg, stderr)
	authSvc := auth.NewService(pool, time.Now)
	if *withDemo {
		loaded, err := demo.LoadIfEmpty(ctx, pool, authSvc, time.Now())
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if loaded {
			fmt.Fprintln(stdout, "Loaded the demo data into the empty database.")
		}
	}
	sessions, stopCleanup := server.NewSessions(pool, cfg, 5*time.Minute)
	defer stopCleanup()
	// Live updates: one LISTEN connection of its own (not from the pool), stopped and
	// closed before serve returns.
	hub := live.NewHub(pool, log)
	hubCtx, stopHub := context.WithCancel(ctx)
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		hub.Run(hubCtx)
	}()
	defer func() { stopHub(); <-hubDone }()
	// The report's daily roll-up is kept up to date in the background (readers bring it
	// up to date too, so this only spares them the wait).
	reports := report.NewService(pool, time.Now, cfg.Location)
	refreshCtx, stopRefresh := context.WithCancel(ctx)
	refreshDone := make(chan struct{})
	go func() {
		defer close(refreshDone)
		keepReportsFresh(refreshCtx, reports, time.Minute, log)
	}()
	defer func() { stopRefresh(); <-refreshDone }()
	// The maintenance job makes the due maintenance orders now and then every ten
	// minutes; every process runs it, and each unit's due date still gets one order.
	orders := workorder.NewService(pool, time.Now, cfg.Location)
	maint := maintenance.NewService(pool, time.Now, cfg.Location, orders.MaintenanceOrderTx)
	maintCtx, stopMaint := context.WithCancel(ctx)
	maintDone := make(chan struct{})
	go func() {
		defer close(maintDone)
		keepMaintenanceRunning(maintCtx, maint, 10*time.Minute, log)
	}()
	defer func() { stopMaint(); <-maintDone }()
	// Messages to customers: every process sends from the outbox; each message is claimed
	// by one of them.
	onlineSvc := online.NewService(pool, time.Now, cfg.Location, orders)
	outboxSvc := outbox.NewService(pool, time.Now, server.ProgressURL(cfg.BaseURL, onlineSvc))
	sendCtx, stopSend := context.WithCancel(ctx)
	sendDone := make(chan struct{})
	go func() {
		defer close(sendDone)
		outboxSvc.Run(sendCtx, notifySender(cfg, log), outbox.Interval, log)
	}()
	defer func() { stopSend(); <-sendDone }()
	var floor http.Handler
	if *benchMode {
		floor = benchFloor(pool)
	}
	handler := server.NewServer(server.Deps{Config: cfg, Pool: pool, Logger: log, Sessions: sessions, Auth: authSvc, Now: time.Now,
		Online:    onlineSvc,
		Outbox:    outboxSvc,
		Floor:     floor,
		Reports:   reports,
		Customers: customer.NewService(pool, time.Now, cfg.Location),
		Orders:    orders,
		Maint:     maint,
		Parts:     parts.NewService(pool, time.Now, cfg.Location),
		Fees:      fee.NewService(pool, time.Now),
		Proposals: proposal.NewService(pool, time.Now, cfg.Location),
		Live:      hub,
	})
	if *benchMode {
		if handler, err = benchHandler(ctx, pool, handler, stdout); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Addr: cfg.Addr, Handler: handler,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	// Open event streams end on shutdown (browsers reconnect to the next process), so
	// Shutdown does not wait for them.
	srv.RegisterOnShutdown(hub.Close)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR=%s: %w", cfg.Addr, err)
	}
	fmt.Fprintf(stdout, "Aftersales is running at %s\n", cfg.BaseURL)
	if *withDemo {
		fmt.Fprintf(stdout, "Demo logins (password %s): %s\n", demo.Password, strings.Join(demo.Usernames, ", "))
	}
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(stdout, "Stopped.")
	return nil
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	u, err := databaseURL(ctx, cfg, getenv, stderr)
	if err != nil {
		return err
	}
	dir := "up"
	if len(args) > 0 {
		dir = args[0]
	}
	switch dir {
	case "up":
		err = db.MigrateUp(u)
	case "down":
		err = db.MigrateDown(u)
	case "version":
	default:
		return fmt.Errorf("migrate: unknown direction %q (up, down or version)", dir)
	}
	if err != nil {
		return err
	}
	v, dirty, err := db.MigrateVersion(u)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d (dirty: %v)\n", v, dirty)
	return nil
}

func cmdSeedDemo(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	_, pool, err := open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer pool.Close()
	loaded, err := demo.LoadIfEmpty(ctx, pool, auth.NewService(pool, time.Now), time.Now())
	if err != nil {
		return err
	}
	if !loaded {
		return errors.New("seed-demo: the database already has data; demo data goes into an empty database only")
	}
	fmt.Fprintf(stdout, "Loaded the demo data. Logins (password %s): %s\n", demo.Password, strings.Join(demo.Usernames, ", "))
	return nil
}

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "passwd") {
		return errors.New("user: say add or passwd (see aftersales help)")
	}
	sub := args[0]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "username")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "admin", "role: hotline, supervisor, technician, storekeeper, manager, admin")
	station := fs.String("station", "", "station code; created as headquarters when there are no stations yet")
	password := fs.String("password", "", "password (read from stdin when empty)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("user: -username is required")
	}
	if *password == "" {
		fmt.Fprint(stderr, "password: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("user: no password given")
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	_, pool, err := open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc := auth.NewService(pool, time.Now)
	if sub == "passwd" {
		if err := svc.SetPasswordByUsername(ctx, *username, *password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password set for %s\n", *username)
		return nil
	}
	if *station == "" {
		return errors.New("user add: -station is required (a station code such as HQ)")
	}
	st, err := svc.StationByCode(ctx, *station)
	if err != nil {
		// The very first admin of a new installation also creates headquarters.
		var n int
		if qerr := pool.QueryRow(ctx, `SELECT count(*) FROM stations`).Scan(&n); qerr != nil || n > 0 {
			return fmt.Errorf("user add: no station with code %q", *station)
		}
		if st, err = svc.AddStation(ctx, strings.ToUpper(*station), "总部", "hq", nil); err != nil {
			return err
		}
	}
	if *name == "" {
		*name = *username
	}
	u, err := svc.AddUser(ctx, auth.NewUser{Username: *username, DisplayName: *name, Role: auth.Role(*role), StationID: st.ID, Password: *password})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s) at %s\n", u.Username, u.Role, st.Name)
	return nil
}

func cmdDBURL(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	if u := getenv("DATABASE_URL"); u != "" {
		fmt.Fprintln(stdout, u)
		return nil
	}
	dataDir := getenv("DATA_DIR")
	if dataDir == "" {
		dataDir = ".data"
	}
	u, err := pgboot.Server(ctx, filepath.Join(dataDir, "postgres"), stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, u)
	return nil
}

// cmdBackup writes (backup) or reads (restore) a whole-database backup file of the
// configured database, without migrating it first.
func cmdBackup(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 || args[0] == "" {
		return fmt.Errorf("%s: say the file, e.g. aftersales %s /var/backups/aftersales-$(date +%%F).dump", cmd, cmd)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	u, err := databaseURL(ctx, cfg, getenv, stderr)
	if err != nil {
		return err
	}
	if cmd == "backup" {
		if err := backup.Backup(ctx, u, args[0], stderr); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(stdout, "backup written to %s\n", args[0])
		return nil
	}
	if err := backup.Restore(ctx, u, args[0], stderr); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s\n", args[0])
	return nil
}

func cmdCheckLedger(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	_, pool, err := open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer pool.Close()
	problems, balances, movements, err := parts.CheckLedger(ctx, pool)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, "ledger problem:", p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check-ledger: %d problems in %d balances and %d movements", len(problems), balances, movements)
	}
	fmt.Fprintf(stdout, "ledger OK: %d balances, %d movements\n", balances, movements)
	return nil
}

// notifySender is the configured sender of messages to customers.
func notifySender(cfg config.Config, log *slog.Logger) outbox.Sender {
	if cfg.NotifySender == "http" {
		return outbox.HTTPSender{URL: cfg.NotifyURL, Token: cfg.NotifyToken, Channel: cfg.NotifyChannel}
	}
	return outbox.LogSender{Log: log}
}

// keepMaintenanceRunning makes the due maintenance orders now and then every interval
// until ctx ends; a failure is logged and tried again at the next tick.
func keepMaintenanceRunning(ctx context.Context, maint *maintenance.Service, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := maint.Run(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Error("maintenance job", "err", err)
		} else if n > 0 {
			log.Info("maintenance job", "orders", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keepReportsFresh brings the report's roll-up up to date now and then every interval
// until ctx ends; a failure is logged and tried again at the next tick.
func keepReportsFresh(ctx context.Context, reports *report.Service, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := reports.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Error("report roll-up", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
