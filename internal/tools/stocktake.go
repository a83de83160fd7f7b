package tools

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Count is one past tool stocktake (工具盘点) with its variance.
type Count struct {
	ID        int64     `db:"id"`
	CountedAt time.Time `db:"counted_at"`
	CountedBy string    `db:"counted_by"`
	Note      string    `db:"note"`
	Lines     int       `db:"lines"`
	Missing   int       `db:"missing"`
}

// CountLine is one tool of a past count.
type CountLine struct {
	Number   string `db:"number"`
	Name     string `db:"name"`
	Expected string `db:"expected"`
	Found    bool   `db:"found"`
	Reason   string `db:"reason"`
}

// CountSheet is the stocktake page: the tools to count (every tool of the station not
// retired, as the ledger has them) and the past counts with the latest one's variance.
type CountSheet struct {
	Tools    []Tool
	Past     []Count
	Variance []CountLine
	CountDue bool
}

// Sheet is the actor's station's count sheet (keepers only: Forbidden otherwise).
func (s *Service) Sheet(ctx context.Context, actor auth.Actor) (CountSheet, error) {
	if !Manages(actor) {
		return CountSheet{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	var cs CountSheet
	rows, err := s.pool.Query(ctx, selectTool+` WHERE t.station_id = $1 AND t.state <> 'retired' ORDER BY t.number`, actor.StationID)
	if err != nil {
		return cs, db.Translate(err, "tools")
	}
	if cs.Tools, err = pgx.CollectRows(rows, pgx.RowToStructByName[Tool]); err != nil {
		return cs, db.Translate(err, "tools")
	}
	rows, err = s.pool.Query(ctx, `SELECT c.id, c.counted_at, u.display_name AS counted_by, c.note,
		(SELECT count(*) FROM tool_stocktake_lines l WHERE l.stocktake_id = c.id)::int AS lines,
		(SELECT count(*) FROM tool_stocktake_lines l WHERE l.stocktake_id = c.id AND NOT l.found)::int AS missing
		FROM tool_stocktakes c JOIN users u ON u.id = c.counted_by WHERE c.station_id = $1 ORDER BY c.id DESC LIMIT 20`, actor.StationID)
	if err != nil {
		return cs, db.Translate(err, "tool stocktakes")
	}
	if cs.Past, err = pgx.CollectRows(rows, pgx.RowToStructByName[Count]); err != nil {
		return cs, db.Translate(err, "tool stocktakes")
	}
	var last *time.Time
	if len(cs.Past) > 0 {
		last = &cs.Past[0].CountedAt
		rows, err = s.pool.Query(ctx, `SELECT t.number, t.name, l.expected, l.found, l.reason FROM tool_stocktake_lines l
			JOIN tools t ON t.id = l.tool_id WHERE l.stocktake_id = $1 AND NOT l.found ORDER BY t.number`, cs.Past[0].ID)
		if err != nil {
			return cs, db.Translate(err, "tool stocktake")
		}
		if cs.Variance, err = pgx.CollectRows(rows, pgx.RowToStructByName[CountLine]); err != nil {
			return cs, db.Translate(err, "tool stocktake")
		}
	}
	cs.CountDue = StocktakeDue(last, s.now())
	return cs, nil
}

// CountTools records a count of the actor's station's tools: found lists the tools seen
// (in store or with their holder); every other tool not retired is a variance and needs
// its reason. Invalid with "reason-<id>" fields when one is missing. A form sent again
// returns the count it recorded.
func (s *Service) CountTools(ctx context.Context, actor auth.Actor, found map[int64]bool, reasons map[int64]string, note string) (int64, error) {
	if !Manages(actor) {
		return 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if f := limits.Check(map[string]string{}, "note", note); len(f) > 0 {
		return 0, apperr.Fields(f)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, ref, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil {
			return err
		}
		if !fresh {
			id = ref
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT id, state FROM tools WHERE station_id = $1 AND state <> 'retired' ORDER BY id FOR SHARE`, actor.StationID)
		if err != nil {
			return db.Translate(err, "tools")
		}
		type line struct {
			ID    int64  `db:"id"`
			State string `db:"state"`
		}
		lines, err := pgx.CollectRows(rows, pgx.RowToStructByName[line])
		if err != nil {
			return db.Translate(err, "tools")
		}
		if len(lines) == 0 {
			return apperr.New(apperr.Conflict, "tool.error.nothing_to_count")
		}
		f := map[string]string{}
		for _, l := range lines {
			k := "reason-" + itoa(l.ID)
			r := strings.TrimSpace(reasons[l.ID])
			if !found[l.ID] && r == "" {
				f[k] = "tool.field.reason"
			}
			limits.Check(f, "reason", r)
			if _, bad := f["reason"]; bad {
				delete(f, "reason")
				f[k] = "field.max.200"
			}
		}
		if len(f) > 0 {
			return apperr.Fields(f)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO tool_stocktakes (station_id, counted_by, counted_at, note) VALUES ($1, $2, $3, $4) RETURNING id`,
			actor.StationID, actor.UserID, now, strings.TrimSpace(note)).Scan(&id); err != nil {
			return db.Translate(err, "tool stocktake")
		}
		for _, l := range lines {
			r := ""
			if !found[l.ID] {
				r = strings.TrimSpace(reasons[l.ID])
			}
			if _, err := tx.Exec(ctx, `INSERT INTO tool_stocktake_lines (stocktake_id, tool_id, expected, found, reason) VALUES ($1, $2, $3, $4, $5)`,
				id, l.ID, l.State, found[l.ID], r); err != nil {
				return db.Translate(err, "tool stocktake line")
			}
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	return id, err
}
