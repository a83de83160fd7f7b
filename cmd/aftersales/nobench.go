//go:build !bench

package main

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
)

// errNoBench refuses serve -bench: the production binary carries no floors, statement
// counter or pprof.
var errNoBench = errors.New("serve -bench: this binary is built without bench mode; build it with `go build -tags bench` (make bench does)")

// benchPool refuses bench mode in a binary built without -tags bench.
func benchPool() (func(*pgxpool.Config), error) { return nil, errNoBench }

// benchFloor is never reached without -tags bench: benchPool refuses first.
func benchFloor(*pgxpool.Pool) http.Handler { return nil }

// benchHandler is never reached without -tags bench: benchPool refuses first.
func benchHandler(context.Context, *pgxpool.Pool, http.Handler, io.Writer) (http.Handler, error) {
	return nil, errNoBench
}
