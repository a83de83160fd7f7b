// Package testdb gives each test a fresh PostgreSQL database cloned from a migrated
// template that is built once per test binary, so tests run in parallel on real data.
//
// The server comes from TEST_DATABASE_URL (set by `make test`), else the same discovery
// as `make run` (pgboot).
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/pgboot"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var (
	once      sync.Once
	serverURL string
	tmplName  string
	setupErr  error
	createMu  sync.Mutex // CREATE DATABASE … TEMPLATE needs the template unused.

	seededMu sync.Mutex
	seeded   = map[string]*seededTmpl{}
)

type seededTmpl struct {
	once sync.Once
	name string
	err  error
}

// Main runs the package's tests and drops the template afterwards. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	names := []string{}
	if tmplName != "" {
		names = append(names, tmplName)
	}
	for _, st := range seeded {
		if st.name != "" {
			names = append(names, st.name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if conn, err := pgx.Connect(ctx, serverURL); err == nil && len(names) > 0 {
		for _, n := range names {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
		}
		conn.Close(ctx)
	}
	cancel()
	os.Exit(code)
}

// Server returns the URL of the test server's maintenance database.
func Server(t testing.TB) string {
	t.Helper()
	setup()
	if setupErr != nil {
		t.Fatalf("testdb: %v", setupErr)
	}
	return serverURL
}

func setup() {
	once.Do(func() {
		ctx := context.Background()
		serverURL = os.Getenv("TEST_DATABASE_URL")
		if serverURL == "" {
			root, err := repoRoot()
			if err != nil {
				setupErr = err
				return
			}
			serverURL, setupErr = pgboot.Server(ctx, filepath.Join(root, ".data", "postgres"), io.Discard)
			if setupErr != nil {
				return
			}
		}
		tmplName = "t_tmpl_" + randomSuffix()
		var u string
		u, setupErr = pgboot.Database(ctx, serverURL, tmplName)
		if setupErr != nil {
			return
		}
		if err := db.MigrateUp(u); err != nil {
			setupErr = fmt.Errorf("migrate template: %w", err)
		}
	})
}

// URL creates a fresh, migrated, empty database for this test, dropped when it ends,
// and returns its URL.
func URL(t testing.TB) string {
	t.Helper()
	Server(t)
	return clone(t, tmplName)
}

// Seeded returns a pool on a fresh database cloned from a template that seed filled
// once per test binary (key names the seed). Use it for data that is slow to make,
// such as demo users with hashed passwords.
func Seeded(t testing.TB, key string, seed func(ctx context.Context, pool *pgxpool.Pool) error) *pgxpool.Pool {
	t.Helper()
	Server(t)
	seededMu.Lock()
	st := seeded[key]
	if st == nil {
		st = &seededTmpl{}
		seeded[key] = st
	}
	seededMu.Unlock()
	st.once.Do(func() {
		ctx := context.Background()
		name := "t_seed_" + randomSuffix()
		u, err := pgboot.WithDatabase(serverURL, name)
		if err != nil {
			st.err = err
			return
		}
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			st.err = err
			return
		}
		createMu.Lock()
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmplName}.Sanitize())
		createMu.Unlock()
		conn.Close(ctx)
		if err != nil {
			st.err = err
			return
		}
		st.name = name
		pool, err := db.Open(ctx, u)
		if err != nil {
			st.err = err
			return
		}
		st.err = seed(ctx, pool)
		pool.Close()
	})
	if st.err != nil {
		t.Fatalf("testdb: seed %s: %v", key, st.err)
	}
	pool, err := db.Open(context.Background(), clone(t, st.name))
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// clone creates a database from template tmpl, dropped when the test ends.
func clone(t testing.TB, tmpl string) string {
	t.Helper()
	name := "t_" + randomSuffix()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer conn.Close(ctx)
	createMu.Lock()
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
	createMu.Unlock()
	if err != nil {
		t.Fatalf("testdb: create %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			t.Logf("testdb: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("testdb: drop %s: %v", name, err)
		}
	})
	u, err := pgboot.WithDatabase(serverURL, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// New returns a pool on a fresh database for this test, closed when it ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := db.Open(context.Background(), URL(t))
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Empty creates an empty database with no migrations applied, for migration tests.
func Empty(t testing.TB) string {
	t.Helper()
	Server(t)
	name := "t_empty_" + randomSuffix()
	u, err := pgboot.Database(context.Background(), serverURL, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, serverURL); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	return u
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
