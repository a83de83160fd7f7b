// Package testkit is the setup that tests across packages share: a settable clock,
// fresh databases with the demo data, the demo users as the services see them, and
// orders driven through the real workflow into a given state.
//
// Only tests import it. A package whose tests use it must test from its external test
// package (package foo_test) when testkit depends on foo.
package testkit

import (
	"testing"

	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DemoDB returns a pool on a fresh copy of the full demo data, orders included.
func DemoDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return testdb.Seeded(t, "demo", demo.Seed)
}

// BaseDB returns a pool on a fresh copy of the demo stations, users, customers and
// parts without orders, for tests that count the orders they make.
func BaseDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return testdb.Seeded(t, "demo-base", demo.SeedBase)
}
