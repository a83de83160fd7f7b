// Package seed creates and fills a benchmark database at scale: stations, users,
// customers with their units, a parts catalogue, a million work orders with their whole
// histories, callbacks, fees, requisitions and a consistent parts ledger. Every row is
// what the application itself would have written (the same columns, derived values,
// versions and event rows), only written with COPY: the due times, the revisit, the
// search text and what is charged come from the workorder and fee packages, with the
// settings the migrations put in the database. The data is deterministic (a fixed seed)
// relative to the time it was seeded.
package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/pgboot"
	"github.com/aftersales/aftersales/migrations"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Scale says how much data to make.
type Scale struct {
	Customers int // customers, each with one unit (equipment)
	Orders    int // work orders
	Events    int // work-order event rows in total
	Parts     int // parts in the catalogue
	Movements int // stock movements in total
}

// Full is the scale of the performance goals.
func Full() Scale {
	return Scale{Customers: 100_000, Orders: 1_000_000, Events: 5_000_000, Parts: 10_000, Movements: 2_000_000}
}

// Small is a quick scale for trying things out.
func Small() Scale {
	return Scale{Customers: 10_000, Orders: 10_000, Events: 50_000, Parts: 1_000, Movements: 20_000}
}

// Password is every bench user's password.
const Password = "bench1234"

// Manifest names the rows the benchmarks use.
type Manifest struct {
	Scale Scale
	// HotStationID is an outlet with about 500 open orders (the same at every scale).
	HotStationID int64
	// Supervisor and Hotline work at the hot station; Manager at headquarters (sees every
	// station); Storekeeper at the station of LocationID; Technician is the assignee of
	// every HotOrderIDs and IssueOrderIDs order.
	Supervisor, Hotline, Manager, Storekeeper, Technician string
	// CentreManager is the manager of the regional centre above the hot station: the
	// report's reader over the centre's outlets.
	CentreManager string
	// PageOrderID is an order at the hot station with twenty events (a wait for parts,
	// an unsatisfied callback, a revisit into the workshop), a requisition, fees and a
	// signature.
	PageOrderID int64
	// HotOrderIDs are 1,000 orders in state scheduled at the Technician's station (not the
	// hot station): the Technician may reschedule them.
	HotOrderIDs []int64
	// CustomerID (with UnitID) is a customer of the hot station, for intake.
	CustomerID int64
	UnitID     int64
	// SearchTerm matches 1–5 % of all orders through the order list's search.
	SearchTerm string
	// LocationID is the warehouse the requisitions of NewRequisitions are issued from;
	// PartIDs the parts stocked there, most popular first.
	LocationID int64
	PartIDs    []int64
	// IssueOrderIDs are about 200 orders of the Technician under way (in progress or
	// awaiting parts), for which parts may be requested and issued.
	IssueOrderIDs []int64
	SeededAt      time.Time
	Took          time.Duration
}

// Ensure creates database name on the server at serverURL if missing, migrates it and
// seeds it at scale sc, unless it already holds a finished seed of the same scale. A
// database with rows but no finished manifest, or a manifest of another scale, is
// dropped and made again. Progress goes to log. It returns the database's URL, the
// manifest, whether it seeded now, and how long that took.
func Ensure(ctx context.Context, serverURL, name string, sc Scale, log io.Writer) (dbURL string, m Manifest, seeded bool, err error) {
	if log == nil {
		log = io.Discard
	}
	admin, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", Manifest{}, false, err
	}
	defer admin.Close(ctx)
	// One seeder per database at a time (advisory locks are per database: all callers
	// hold theirs on the server's maintenance database).
	h := fnv.New64a()
	_, _ = h.Write([]byte("benchseed:" + name))
	lock := int64(h.Sum64() >> 1)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock($1)`, lock); err != nil {
		return "", Manifest{}, false, err
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lock) //nolint:errcheck

	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", Manifest{}, false, err
	}
	dbURL, err = pgboot.WithDatabase(serverURL, name)
	if err != nil {
		return "", Manifest{}, false, err
	}
	if exists {
		m, state, err := readManifest(ctx, dbURL)
		if err != nil {
			return "", Manifest{}, false, err
		}
		switch {
		case state == manifestFinished && m.Scale == sc:
			fmt.Fprintf(log, "seed: %s already seeded at %+v (%s)\n", name, sc, m.SeededAt.Format(time.RFC3339))
			return dbURL, m, false, nil
		case state == manifestNone:
			// a fresh or merely migrated database: seed it in place
		default:
			why := string(state)
			if state == manifestFinished {
				why = fmt.Sprintf("seeded at another scale, %+v", m.Scale)
			}
			fmt.Fprintf(log, "seed: dropping %s (%s)\n", name, why)
			if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
				return "", Manifest{}, false, err
			}
		}
	}
	if dbURL, err = pgboot.Database(ctx, serverURL, name); err != nil {
		return "", Manifest{}, false, err
	}
	if err := db.MigrateUp(dbURL); err != nil {
		return "", Manifest{}, false, err
	}
	start := time.Now()
	m, err = seedDatabase(ctx, dbURL, sc, log)
	if err != nil {
		return "", Manifest{}, false, fmt.Errorf("seed: seed %s: %w", name, err)
	}
	m.Took = time.Since(start)
	if err := writeManifest(ctx, dbURL, m); err != nil {
		return "", Manifest{}, false, err
	}
	fmt.Fprintf(log, "seed: %s seeded in %s\n", name, m.Took.Round(time.Second))
	return dbURL, m, true, nil
}

type manifestState string

const (
	manifestNone     manifestState = "empty"
	manifestFinished manifestState = "finished"
	manifestPartial  manifestState = "rows without a finished manifest"
	manifestStale    manifestState = "seeded by another generator or before a newer migration"
)

// generator is the version of the data this package makes: bump it when the data
// changes, so benchmark databases seeded before are made again. 2: the due times and
// the revisit are the workorder package's (a callback 2 h after a job without a test
// run; a revisit restarts the contact and arrival clocks). 3: the manifest names the
// hot station's centre manager.
const generator = 3

// latestMigration is the newest migration the application carries.
func latestMigration() int {
	entries, _ := fs.ReadDir(migrations.FS, ".")
	n := 0
	for _, e := range entries {
		if v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0]); err == nil {
			n = max(n, v)
		}
	}
	return n
}

// readManifest reads the stored manifest: finished, none (no app rows at all), or a
// partial seed.
func readManifest(ctx context.Context, dbURL string) (Manifest, manifestState, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return Manifest{}, "", err
	}
	defer conn.Close(ctx)
	var hasManifest, hasStations bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('public.bench_manifest') IS NOT NULL, to_regclass('public.stations') IS NOT NULL`).Scan(&hasManifest, &hasStations); err != nil {
		return Manifest{}, "", err
	}
	if hasManifest {
		var raw []byte
		var migration, gen int
		// to_jsonb: a manifest table of an earlier version lacks the columns (stale).
		err := conn.QueryRow(ctx, `SELECT manifest, coalesce((to_jsonb(b)->>'migration')::int, 0), coalesce((to_jsonb(b)->>'generator')::int, 0)
			FROM bench_manifest b WHERE finished_at IS NOT NULL`).Scan(&raw, &migration, &gen)
		if err == nil {
			var m Manifest
			if err := json.Unmarshal(raw, &m); err != nil {
				return Manifest{}, manifestPartial, nil
			}
			if migration != latestMigration() || gen != generator {
				return m, manifestStale, nil
			}
			return m, manifestFinished, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return Manifest{}, "", err
		}
		return Manifest{}, manifestPartial, nil
	}
	if hasStations {
		var any bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM stations) OR EXISTS (SELECT 1 FROM users)`).Scan(&any); err != nil {
			return Manifest{}, "", err
		}
		if any {
			return Manifest{}, manifestPartial, nil
		}
	}
	return Manifest{}, manifestNone, nil
}

func writeManifest(ctx context.Context, dbURL string, m Manifest) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `INSERT INTO bench_manifest (id, scale, manifest, migration, generator, finished_at) VALUES (1, $1, $2, $3, $4, now())
		ON CONFLICT (id) DO UPDATE SET scale = EXCLUDED.scale, manifest = EXCLUDED.manifest, migration = EXCLUDED.migration,
			generator = EXCLUDED.generator, finished_at = EXCLUDED.finished_at`, m.Scale, raw, latestMigration(), generator)
	return err
}

// Versions returns the current version of each work order.
func Versions(ctx context.Context, pool *pgxpool.Pool, ids []int64) (map[int64]int, error) {
	rows, err := pool.Query(ctx, `SELECT id, version FROM work_orders WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]int, len(ids))
	for rows.Next() {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

// Counts returns the row counts of work orders, work-order events and stock movements.
func Counts(ctx context.Context, pool *pgxpool.Pool) (orders, events, movements int64, err error) {
	err = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM work_orders), (SELECT count(*) FROM work_order_events), (SELECT count(*) FROM stock_movements)`).
		Scan(&orders, &events, &movements)
	return
}
