// Package backup writes and reads whole-database backups with PostgreSQL's own tools:
// pg_dump in its custom format (-Fc) and pg_restore. Everything the app keeps is in the
// database, photos and signatures included, so one file holds an installation.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// libpqURL is the database URL as pg_dump and pg_restore read it: pgx's own pool
// settings (pool_*) are not libpq's and are left out.
func libpqURL(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return databaseURL
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// serverMajor is the major version of the server at databaseURL (15 for 15.4).
func serverMajor(ctx context.Context, databaseURL string) (int, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return 0, fmt.Errorf("connect to the database: %w", err)
	}
	defer conn.Close(ctx)
	var num int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&num); err != nil {
		return 0, fmt.Errorf("server version: %w", err)
	}
	return num / 10000, nil
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// toolMajor is the major version a PostgreSQL client program reports, 0 when it does not run.
func toolMajor(ctx context.Context, path string) int {
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return 0
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// FindTool finds the PostgreSQL program name (pg_dump, pg_restore) for a server of major
// version major: on PATH or in /usr/lib/postgresql/*/bin, the one of the server's
// version if there is one, else the oldest newer one (an older pg_dump refuses a newer
// server). The error says what was found and what to install.
func FindTool(ctx context.Context, name string, major int) (string, error) {
	var paths []string
	if p, err := exec.LookPath(name); err == nil {
		paths = append(paths, p)
	}
	found, _ := filepath.Glob(filepath.Join("/usr/lib/postgresql", "*", "bin", name))
	sort.Strings(found)
	paths = append(paths, found...)
	best, bestMajor := "", 0
	var seen []string
	for _, p := range paths {
		m := toolMajor(ctx, p)
		if m == 0 {
			continue
		}
		seen = append(seen, fmt.Sprintf("%s (%d)", p, m))
		if m == major {
			return p, nil
		}
		if m > major && (bestMajor == 0 || m < bestMajor) {
			best, bestMajor = p, m
		}
	}
	if best != "" {
		return best, nil
	}
	if len(seen) == 0 {
		return "", fmt.Errorf("%s not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL %d client programs (Debian: apt-get install postgresql-client-%d)", name, major, major)
	}
	return "", fmt.Errorf("%s for PostgreSQL %d not found (found %s, older than the server): install postgresql-client-%d", name, major, strings.Join(seen, ", "), major)
}

// Backup writes the whole database at databaseURL to file in pg_dump's custom format.
// The file appears only when the dump is complete (it is written next to it first).
func Backup(ctx context.Context, databaseURL, file string, stderr io.Writer) error {
	major, err := serverMajor(ctx, databaseURL)
	if err != nil {
		return err
	}
	tool, err := FindTool(ctx, "pg_dump", major)
	if err != nil {
		return err
	}
	tmp := file + ".partial"
	cmd := exec.CommandContext(ctx, tool, "--format=custom", "--no-owner", "--no-privileges", "--file="+tmp, "--dbname="+libpqURL(databaseURL))
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("pg_dump: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup file: %w", err)
	}
	return nil
}

// ErrNotEmpty is returned by Restore for a database that already holds tables.
var ErrNotEmpty = errors.New("the database is not empty")

// Restore reads a backup made by Backup into the database at databaseURL, which must be
// empty (no tables): restoring over live data would mix two installations. All of it is
// restored in one transaction, or nothing.
func Restore(ctx context.Context, databaseURL, file string, stderr io.Writer) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	var tables int
	var name string
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))::int, current_database()`).Scan(&tables, &name)
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("check the database: %w", err)
	}
	if tables > 0 {
		return fmt.Errorf("%w: database %q has %d tables; restore into a new, empty database (createdb NAME, then point DATABASE_URL at it)", ErrNotEmpty, name, tables)
	}
	major, err := serverMajor(ctx, databaseURL)
	if err != nil {
		return err
	}
	tool, err := FindTool(ctx, "pg_restore", major)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname="+libpqURL(databaseURL), file)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_restore: %w", err)
	}
	return nil
}
