package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5"
)

// backupFacts are what a restore must give back: orders, their events, the parts
// ledger and its balances, and every attachment's bytes.
type backupFacts struct {
	Orders, Events, Movements, Photos, Migration int
	StockSum                                     int64
	Numbers, Balances, AttachmentMD5             string
}

func factsOf(t *testing.T, databaseURL string) backupFacts {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var f backupFacts
	err = conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM work_orders)::int, (SELECT count(*) FROM work_order_events)::int,
		(SELECT count(*) FROM stock_movements)::int, (SELECT count(*) FROM attachments WHERE kind = 'photo')::int,
		(SELECT version FROM schema_migrations)::int,
		(SELECT coalesce(sum(quantity), 0) FROM stock_balances)::bigint,
		(SELECT coalesce(string_agg(number, ',' ORDER BY id), '') FROM work_orders),
		(SELECT coalesce(string_agg(part_id || ':' || location_id || '=' || quantity, ',' ORDER BY part_id, location_id), '') FROM stock_balances),
		(SELECT coalesce(string_agg(md5(data) || '/' || coalesce(md5(thumb), '-'), ',' ORDER BY id), '') FROM attachments)`).Scan(
		&f.Orders, &f.Events, &f.Movements, &f.Photos, &f.Migration, &f.StockSum, &f.Numbers, &f.Balances, &f.AttachmentMD5)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestBackupRestoreRoundTrip: the demo installation with a photo is backed up with
// `aftersales backup`, restored with `aftersales restore` into a fresh database, and the
// copy holds the same orders, events, ledger balances and photo bytes. A restore into a
// database that is not empty is refused. pg_dump and pg_restore must be installed: a
// missing one fails the test.
func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testkit.DemoDB(t)
	src := pool.Config().ConnString()

	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, img, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO attachments (order_id, kind, content_type, size, sha256, data, thumb, created_by, created_at)
		SELECT (SELECT min(id) FROM work_orders), 'photo', 'image/jpeg', $1, encode(sha256($2), 'hex'), $2, $2, (SELECT min(id) FROM users), now()`,
		photo.Len(), photo.Bytes()); err != nil {
		t.Fatal(err)
	}
	want := factsOf(t, src)
	if want.Orders == 0 || want.Events == 0 || want.Movements == 0 || want.Photos == 0 || want.StockSum == 0 {
		t.Fatalf("the seeded database lacks something to compare: %+v", want)
	}

	file := filepath.Join(t.TempDir(), "aftersales.dump")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"backup", file}, envOf(map[string]string{"DATABASE_URL": src}), nil, &out, &errb); err != nil {
		t.Fatalf("backup: %v\n%s", err, errb.String())
	}

	dst := testdb.Empty(t)
	env := envOf(map[string]string{"DATABASE_URL": dst})
	out.Reset()
	errb.Reset()
	if err := run(ctx, []string{"restore", file}, env, nil, &out, &errb); err != nil {
		t.Fatalf("restore: %v\n%s", err, errb.String())
	}
	if got := factsOf(t, dst); got != want {
		t.Errorf("restored database differs:\n got %+v\nwant %+v", got, want)
	}
	// The restored copy is a working installation: its ledger checks out.
	out.Reset()
	if err := run(ctx, []string{"check-ledger"}, env, nil, &out, &errb); err != nil {
		t.Errorf("check-ledger on the copy: %v\n%s", err, out.String())
	}

	// A second restore into the now full database is refused with a clear message.
	err := run(ctx, []string{"restore", file}, env, nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("restore into a full database: %v", err)
	}
	if err := run(ctx, []string{"backup"}, env, nil, &out, &errb); err == nil || !strings.Contains(err.Error(), "say the file") {
		t.Errorf("backup without a file: %v", err)
	}
}
