package settings

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Querier is what Load reads through: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ChainSQL is the one statement that reads a station's chain: a row per station (what
// ”), per stored value ('value', key, value) and per calendar day ('day', date, kind),
// nearest station first. seed is the SQL expression of the station's id, such as $1 or
// (SELECT station_id FROM work_orders WHERE id = $1).
func ChainSQL(seed string) string {
	return `WITH c AS MATERIALIZED (SELECT c.station_id, c.depth, s.name, s.kind FROM station_chain(` + seed + `) c
			JOIN stations s ON s.id = c.station_id)
		SELECT c.depth, c.station_id, c.name, c.kind, '' AS what, '' AS k, '' AS v FROM c
		UNION ALL SELECT c.depth, c.station_id, c.name, c.kind, 'value', ss.key, ss.value
			FROM c JOIN station_settings ss ON ss.station_id = c.station_id
		UNION ALL SELECT c.depth, c.station_id, c.name, c.kind, 'day', to_char(d.day, 'YYYY-MM-DD'), d.kind
			FROM c JOIN calendar_days d ON d.station_id = c.station_id
		ORDER BY 1, 5`
}

// ChainRow is one row of ChainSQL.
type ChainRow struct {
	Depth     int    `db:"depth"`
	StationID int64  `db:"station_id"`
	Name      string `db:"name"`
	Kind      string `db:"kind"`
	What      string `db:"what"`
	K         string `db:"k"`
	V         string `db:"v"`
}

// ScanChain reads the rows of ChainSQL into layers, nearest station first.
func ScanChain(rows pgx.Rows) ([]Layer, error) {
	defer rows.Close()
	var list []ChainRow
	for rows.Next() {
		var r ChainRow
		if err := rows.Scan(&r.Depth, &r.StationID, &r.Name, &r.Kind, &r.What, &r.K, &r.V); err != nil {
			return nil, fmt.Errorf("settings chain: %w", err)
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("settings chain: %w", err)
	}
	return ChainOf(list), nil
}

// ChainOf builds the layers, nearest station first, from the rows of ChainSQL.
func ChainOf(rows []ChainRow) []Layer {
	var chain []Layer
	for _, r := range rows {
		for len(chain) <= r.Depth {
			chain = append(chain, Layer{Values: map[string]string{}, Days: map[calendar.Date]string{}})
		}
		l := &chain[r.Depth]
		l.Station = Station{ID: r.StationID, Name: r.Name, Kind: r.Kind}
		switch r.What {
		case "value":
			l.Values[r.K] = r.V
		case "day":
			if d, err := calendar.ParseDate(r.K); err == nil {
				l.Days[d] = r.V
			}
		}
	}
	return chain
}

// MergeLoad adds the read of a station's settings to the merged statement m; seed and
// args as in ChainSQL. *out is resolved when m runs.
func MergeLoad(m *db.Merged, out *Resolved, seed string, args []any) {
	var rows []ChainRow
	db.Rows(m, ChainSQL(seed), args, &rows)
	m.Then(func() error {
		*out = Resolve(ChainOf(rows))
		return nil
	})
}

// Load reads and resolves the settings of a station in one statement.
func Load(ctx context.Context, q Querier, stationID int64) (Resolved, error) {
	rows, err := q.Query(ctx, ChainSQL("$1"), stationID)
	if err != nil {
		return Resolved{}, fmt.Errorf("settings chain: %w", err)
	}
	chain, err := ScanChain(rows)
	if err != nil {
		return Resolved{}, err
	}
	return Resolve(chain), nil
}

// QueueLoad adds the read of a station's settings to a batch; seed and args as in ChainSQL.
func QueueLoad(b *pgx.Batch, out *Resolved, seed string, args ...any) {
	b.Queue(ChainSQL(seed), args...).Query(func(rows pgx.Rows) error {
		chain, err := ScanChain(rows)
		if err != nil {
			return err
		}
		*out = Resolve(chain)
		return nil
	})
}
