package settings

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/calendar"
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

// ScanChain reads the rows of ChainSQL into layers, nearest station first.
func ScanChain(rows pgx.Rows) ([]Layer, error) {
	defer rows.Close()
	var chain []Layer
	for rows.Next() {
		var depth int
		var st Station
		var what, k, v string
		if err := rows.Scan(&depth, &st.ID, &st.Name, &st.Kind, &what, &k, &v); err != nil {
			return nil, fmt.Errorf("settings chain: %w", err)
		}
		for len(chain) <= depth {
			chain = append(chain, Layer{Values: map[string]string{}, Days: map[calendar.Date]string{}})
		}
		l := &chain[depth]
		l.Station = st
		switch what {
		case "value":
			l.Values[k] = v
		case "day":
			if d, err := calendar.ParseDate(k); err == nil {
				l.Days[d] = v
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("settings chain: %w", err)
	}
	return chain, nil
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
