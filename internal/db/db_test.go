package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestMigrationsUpDownUp applies every migration to an empty database, reverts them all,
// and applies them again: each down file must undo its up file completely.
func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	u := testdb.Empty(t)
	if err := db.MigrateUp(u); err != nil {
		t.Fatal(err)
	}
	v, dirty, err := db.MigrateVersion(u)
	if err != nil || dirty || v == 0 {
		t.Fatalf("after up: version %d dirty %v err %v", v, dirty, err)
	}
	if err := db.MigrateDown(u); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d tables left after migrating down", n)
	}
	if err := db.MigrateUp(u); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO stations (code, name, kind) VALUES ('HQ', '总部', 'hq')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM stations`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows %d err %v: the insert was not rolled back", n, err)
	}
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	ins := func() error {
		_, err := pool.Exec(ctx, `INSERT INTO stations (code, name, kind) VALUES ('HQ', '总部', 'hq')`)
		return db.Translate(err, "insert")
	}
	if err := ins(); err != nil {
		t.Fatal(err)
	}
	if c := apperr.CodeOf(ins()); c != apperr.Conflict {
		t.Errorf("duplicate: %s", c)
	}
	_, err := pool.Exec(ctx, `INSERT INTO stations (code, name, kind) VALUES ('bad code', 'x', 'hq')`)
	if c := apperr.CodeOf(db.Translate(err, "insert")); c != apperr.Invalid {
		t.Errorf("check violation: %s", c)
	}
	err = pool.QueryRow(ctx, `SELECT 1 FROM stations WHERE id = -1`).Scan(new(int))
	if c := apperr.CodeOf(db.Translate(err, "select")); c != apperr.NotFound {
		t.Errorf("no rows: %s", c)
	}
}
