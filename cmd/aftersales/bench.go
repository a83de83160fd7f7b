//go:build bench

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/aftersales/aftersales/internal/bench"
	"github.com/jackc/pgx/v5/pgxpool"
)

// benchPool counts each request's SQL statements (serve -bench, in a binary built with
// -tags bench as make bench builds it).
func benchPool() (func(*pgxpool.Config), error) {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = bench.Tracer{} }, nil
}

// benchFloor is the same-size floor page the app serves behind its session middleware.
func benchFloor(pool *pgxpool.Pool) http.Handler { return bench.SizedFloor(pool) }

// benchHandler puts the floors F0 and U0, the statement totals and pprof beside the app.
func benchHandler(ctx context.Context, pool *pgxpool.Pool, app http.Handler, stdout io.Writer) (http.Handler, error) {
	if err := bench.EnsureFloorTables(ctx, pool); err != nil {
		return nil, fmt.Errorf("bench floors: %w", err)
	}
	fmt.Fprintln(stdout, "Bench mode: floors at /_floor/fortunes, /_floor/update and (signed in) /_floor/page, statement counts at /_bench/stats.")
	return bench.Handler(app, pool, bench.NewStats()), nil
}
