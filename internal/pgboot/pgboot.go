// Package pgboot finds or starts a PostgreSQL server for `make run` and `make test` on a
// machine with nothing configured: DATABASE_URL if set; else a server on 127.0.0.1:5432
// if one answers; else a private cluster under .data/postgres made from the machine's
// PostgreSQL binaries (installing Debian's postgresql package first when root).
package pgboot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// LocalURL is the server tried when DATABASE_URL is not set.
const LocalURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PrivatePort is the port of the private cluster under .data/postgres.
const PrivatePort = 55432

// Server returns the URL of a reachable server's maintenance database (postgres),
// starting a private cluster in dataDir when nothing answers. Progress goes to log.
func Server(ctx context.Context, dataDir string, log io.Writer) (string, error) {
	if err := ping(ctx, LocalURL); err == nil {
		fmt.Fprintln(log, "PostgreSQL: using the server on 127.0.0.1:5432")
		return LocalURL, nil
	}
	bin, err := binDir(log)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", err
	}
	u := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", PrivatePort)
	if err := ping(ctx, u); err == nil {
		fmt.Fprintf(log, "PostgreSQL: using the private cluster in %s (port %d)\n", abs, PrivatePort)
		return u, nil
	}
	if err := startPrivate(ctx, bin, abs, log); err != nil {
		return "", err
	}
	for i := 0; i < 50; i++ {
		if err := ping(ctx, u); err == nil {
			return u, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("the private PostgreSQL in %s did not answer; see %s", abs, filepath.Join(abs, "server.log"))
}

// Database makes sure database name exists on the server at serverURL and returns its URL.
func Database(ctx context.Context, serverURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", fmt.Errorf("create database %s: %w", name, err)
		}
	}
	return WithDatabase(serverURL, name)
}

// WithDatabase returns serverURL with its database name replaced.
func WithDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func ping(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// binDir finds the newest PostgreSQL server binaries, installing them when root.
func binDir(log io.Writer) (string, error) {
	if d := findBin(); d != "" {
		return d, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("no PostgreSQL found: nothing answers on 127.0.0.1:5432 and no server binaries are installed; install Debian's postgresql package (sudo apt-get install postgresql) or set DATABASE_URL")
	}
	fmt.Fprintln(log, "PostgreSQL: no server binaries found, installing Debian's postgresql package…")
	for _, args := range [][]string{{"update", "-qq"}, {"install", "-y", "-qq", "--no-install-recommends", "postgresql"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("apt-get %s: %w", args[0], err)
		}
	}
	if d := findBin(); d != "" {
		return d, nil
	}
	return "", errors.New("installed postgresql but found no initdb under /usr/lib/postgresql")
}

func findBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// startPrivate creates (once) and starts the cluster in dir. As root it runs the server
// as the postgres user, since initdb refuses to run as root.
func startPrivate(ctx context.Context, bin, dir string, log io.Writer) error {
	asRoot := os.Geteuid() == 0
	run := func(name string, args ...string) error {
		full := filepath.Join(bin, name)
		var cmd *exec.Cmd
		if asRoot {
			cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", full}, args...)...)
		} else {
			cmd = exec.CommandContext(ctx, full, args...)
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		fmt.Fprintf(log, "PostgreSQL: creating a private cluster in %s\n", dir)
		// The parent stays traversable so the postgres user can reach the cluster.
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if asRoot {
			if out, err := exec.Command("chown", "-R", "postgres:postgres", dir).CombinedOutput(); err != nil {
				return fmt.Errorf("chown %s: %v: %s", dir, err, out)
			}
			// The postgres user must be able to reach the directory.
			if out, err := exec.Command("runuser", "-u", "postgres", "--", "test", "-w", dir).CombinedOutput(); err != nil {
				return fmt.Errorf("the postgres user cannot write %s (a parent directory is private?): %v %s; set DATABASE_URL instead", dir, err, out)
			}
		}
		if err := run("initdb", "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "PostgreSQL: starting the private cluster in %s on port %d\n", dir, PrivatePort)
	opts := strings.Join([]string{"-k", dir, "-p", strconv.Itoa(PrivatePort), "-c", "listen_addresses=127.0.0.1"}, " ")
	return run("pg_ctl", "-D", dir, "-l", filepath.Join(dir, "server.log"), "-w", "-o", opts, "start")
}
