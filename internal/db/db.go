// Package db opens the PostgreSQL pool, runs transactions and migrations, and turns
// constraint errors into apperr errors.
package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/migrations"
	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5:// driver
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Open connects a pool sized on purpose: enough for the request handlers of a 2-core
// machine plus the LISTEN connection, and checks the database answers. opts adjust the
// configuration (bench mode adds a tracer).
func Open(ctx context.Context, databaseURL string, opts ...func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	cfg.MaxConns = int32(max(8, 4*runtime.NumCPU()))
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["application_name"] = "aftersales"
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return pool, nil
}

// Querier is what reads need of a pool or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return apperr.Wrap(err, "begin")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return Translate(err, "commit")
	}
	return nil
}

// migrateURL turns a postgres:// URL into the pgx5:// form golang-migrate wants.
func migrateURL(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", err
	}
	u.Scheme = "pgx5"
	return u.String(), nil
}

func newMigrate(databaseURL string) (*migrate.Migrate, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	mu, err := migrateURL(databaseURL)
	if err != nil {
		return nil, err
	}
	return migrate.NewWithSourceInstance("iofs", src, mu)
}

// MigrateUp applies every pending migration.
func MigrateUp(databaseURL string) error {
	m, err := newMigrate(databaseURL)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// MigrateDown reverts every migration.
func MigrateDown(databaseURL string) error {
	m, err := newMigrate(databaseURL)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Down(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// MigrateVersion reports the applied version and whether it is dirty.
func MigrateVersion(databaseURL string) (uint, bool, error) {
	m, err := newMigrate(databaseURL)
	if err != nil {
		return 0, false, err
	}
	defer m.Close()
	v, dirty, err := m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, dirty, err
}

// Translate turns PostgreSQL errors into apperr errors: unique violations become
// Conflict, check and foreign-key violations Invalid, no rows NotFound, the rest Internal.
func Translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &apperr.Error{Code: apperr.NotFound, Key: "error.not_found", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &apperr.Error{Code: apperr.Conflict, Key: "error.duplicate", Data: map[string]any{"Constraint": pe.ConstraintName}, Err: err}
		case "23514", "23503", "23502", "22001", "22P02", "22007", "22008":
			return &apperr.Error{Code: apperr.Invalid, Key: "error.invalid", Data: map[string]any{"Constraint": pe.ConstraintName}, Err: err}
		case "40001", "40P01":
			return &apperr.Error{Code: apperr.Conflict, Key: "error.retry", Err: err}
		}
	}
	return apperr.Wrap(err, what)
}
