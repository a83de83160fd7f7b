package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
)

type mergedBase struct {
	ID int64 `db:"id"`
}

type mergedRow struct {
	mergedBase
	Name    string         `db:"name"`
	At      time.Time      `db:"at"`
	Day     *time.Time     `db:"day"`
	Missing *time.Time     `db:"missing"`
	Data    map[string]any `db:"data"`
	Blob    []byte         `db:"blob"`
	IDs     []int64        `db:"ids"`
	Skipped string         `db:"-"`
}

// A merged query is one statement: each part's placeholders are its own, the rows land
// in their structs by the db tags (embedded structs, times, dates, NULLs, JSON, bytes and
// arrays), an empty part is an empty list, a missing row says so.
func TestMergedQuery(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	m := &db.Merged{}
	var rows, none []mergedRow
	var one mergedRow
	var found, notFound bool
	var n int
	var text string
	db.Rows(m, `SELECT g AS id, 'row ' || g || $2 AS name, timestamptz '2026-11-29 08:00:00+08' + g * interval '1 hour' AS at,
		date '2026-11-29' AS day, NULL::timestamptz AS missing, jsonb_build_object('k', g) AS data, '\x0102'::bytea AS blob,
		ARRAY[g, g + 1] AS ids FROM generate_series(1, $1::int) g ORDER BY g`, []any{3, "!"}, &rows)
	db.Rows(m, `SELECT 1 AS id WHERE $1`, []any{false}, &none)
	db.Row(m, `SELECT $1::bigint AS id, $2::text AS name`, []any{int64(42), "一个"}, &one, &found)
	var other mergedRow
	db.Row(m, `SELECT 1 AS id WHERE false`, nil, &other, &notFound)
	db.Value(m, `SELECT $1::int * 2`, []any{21}, &n)
	db.Value(m, `SELECT 'x' WHERE false`, nil, &text)
	joined := false
	m.Then(func() error { joined = len(rows) == 3; return nil })
	if err := m.Run(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2].ID != 3 || rows[2].Name != "row 3!" || rows[0].Data["k"] != float64(1) || string(rows[1].Blob) != "\x01\x02" ||
		len(rows[1].IDs) != 2 || rows[1].IDs[1] != 3 || rows[0].Missing != nil || rows[0].Day == nil || rows[0].Day.Format(time.DateOnly) != "2026-11-29" {
		t.Errorf("rows: %+v", rows)
	}
	if want := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC); !rows[0].At.Equal(want) {
		t.Errorf("at %v, want %v", rows[0].At, want)
	}
	if none == nil || len(none) != 0 {
		t.Errorf("empty part: %#v", none)
	}
	if !found || notFound || one.ID != 42 || one.Name != "一个" {
		t.Errorf("row: %+v found %v, missing found %v", one, found, notFound)
	}
	if n != 42 || text != "" || !joined {
		t.Errorf("value %d, missing value %q, then ran %v", n, text, joined)
	}
}
