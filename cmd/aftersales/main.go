// Command aftersales is the work-order web app and its admin commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "aftersales:", describe(err))
		os.Exit(1)
	}
}

// describe turns an error into one readable line: application errors are spelled out
// in English from the catalog, field by field.
func describe(err error) string {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code == apperr.Internal {
		return err.Error()
	}
	if len(e.Fields) == 0 {
		return i18n.TL("en", e.Key, e.Data)
	}
	names := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, f := range names {
		parts[i] = f + ": " + i18n.TL("en", e.Fields[f])
	}
	return strings.Join(parts, "; ")
}

const usage = `usage: aftersales [command] [flags]

commands:
  serve [-demo] [-bench]       start the web app (default); -demo loads demo data into an empty database;
                               -bench adds the benchmark floors, SQL statement counts and pprof (make bench only:
                               a binary built with -tags bench)
  migrate [up|down|version]    apply or revert the database migrations
  seed-demo                    load the demo data into an empty database
  user add -username U -name N -role R -station CODE [-password P]
                               add a user (the first admin); the password is read from stdin when not given
  user passwd -username U [-password P]
                               set a user's password
  db-url                       find or start PostgreSQL (as make run does) and print the server URL
  check-ledger                 verify the parts ledger: balances equal their movements, running balances agree
  backup FILE                  write the whole database (attachments included) to FILE (pg_dump custom format)
  restore FILE                 read a backup into the configured database, which must be empty
`

// run is the whole program, with its environment passed in so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, getenv, stdout, stderr)
	case "seed-demo":
		return cmdSeedDemo(ctx, getenv, stdout, stderr)
	case "user":
		return cmdUser(ctx, args, getenv, stdin, stdout, stderr)
	case "db-url":
		return cmdDBURL(ctx, getenv, stdout, stderr)
	case "backup", "restore":
		return cmdBackup(ctx, cmd, args, getenv, stdout, stderr)
	case "check-ledger":
		return cmdCheckLedger(ctx, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
