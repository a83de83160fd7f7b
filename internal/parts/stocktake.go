package parts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// StocktakeEvery is how often a location is counted (weekly, 000 §6.2 (3)); a location
// not counted for longer is due.
const StocktakeEvery = 7 * 24 * time.Hour

// Stocktake states.
const (
	StocktakeOpen      = "open"
	StocktakePosted    = "posted"
	StocktakeCancelled = "cancelled"
)

// Stocktake is a count of one location (盘点单).
type Stocktake struct {
	ID           int64      `db:"id"`
	LocationID   int64      `db:"location_id"`
	LocationName string     `db:"location_name"`
	StationID    int64      `db:"station_id"`
	StationName  string     `db:"station_name"`
	State        string     `db:"state"`
	OpenedBy     int64      `db:"opened_by"`
	OpenerName   string     `db:"opener_name"`
	OpenedAt     time.Time  `db:"opened_at"`
	PosterName   *string    `db:"poster_name"`
	PostedAt     *time.Time `db:"posted_at"`
	Version      int        `db:"version"`
}

// StocktakeLine is one part on the count sheet.
type StocktakeLine struct {
	PartID int64  `db:"part_id"`
	Code   string `db:"code"`
	Name   string `db:"name"`
	Spec   string `db:"spec"`
	UOM    string `db:"uom"`
	// Ledger is the live ledger balance while the count is open, and the balance the
	// variance was posted against once it is posted.
	Ledger int `db:"ledger"`
	// Counted is the counted quantity, nil until entered.
	Counted *int   `db:"counted"`
	Reason  string `db:"reason"`
	// MovementID is the adjustment posted for the line's variance.
	MovementID *int64 `db:"movement_id"`
}

// Variance is counted minus ledger (0 while not counted).
func (l StocktakeLine) Variance() int {
	if l.Counted == nil {
		return 0
	}
	return *l.Counted - l.Ledger
}

// StocktakeSheet is a stocktake with its lines.
type StocktakeSheet struct {
	Stocktake
	Lines []StocktakeLine
	// CanCount says whether the actor may enter counts and post (storekeepers, open counts).
	CanCount bool
}

// StocktakeLocation is a location on the stocktake list: when it was last counted,
// whether a count is due and the count open for it.
type StocktakeLocation struct {
	Location
	Due  bool
	Open *Stocktake
}

// StocktakeOverview is the stocktake list: every location of the actor's stations, the
// open counts and the latest posted ones.
type StocktakeOverview struct {
	Locations []StocktakeLocation
	Open      []Stocktake
	Recent    []Stocktake
	CanCount  bool
}

// Count is what was entered for one part on the sheet: a nil Counted clears the count.
type Count struct {
	PartID  int64
	Counted *int
	Reason  string
}

// StocktakeField is the form-field key of a sheet line's field: counted_12, reason_12.
func StocktakeField(field string, partID int64) string { return fmt.Sprintf("%s_%d", field, partID) }

const stocktakeColumns = `t.id, t.location_id, l.name AS location_name, l.station_id, st.name AS station_name, t.state, t.opened_by,
	o.display_name AS opener_name, t.opened_at, p.display_name AS poster_name, t.posted_at, t.version
	FROM stocktakes t JOIN locations l ON l.id = t.location_id JOIN stations st ON st.id = l.station_id
	JOIN users o ON o.id = t.opened_by LEFT JOIN users p ON p.id = t.posted_by`

func stocktakeList(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, where string, args ...any) ([]Stocktake, error) {
	rows, err := q.Query(ctx, `SELECT `+stocktakeColumns+` WHERE `+where, args...)
	if err != nil {
		return nil, db.Translate(err, "stocktakes")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Stocktake])
	return list, db.Translate(err, "stocktakes")
}

// Stocktakes returns the stocktake list for the actor's stations.
func (s *Service) Stocktakes(ctx context.Context, actor auth.Actor) (StocktakeOverview, error) {
	locs, err := s.Locations(ctx, actor)
	if err != nil {
		return StocktakeOverview{}, err
	}
	out := StocktakeOverview{CanCount: keeps(actor)}
	if out.Open, err = stocktakeList(ctx, s.pool, `l.station_id = ANY($1) AND t.state = 'open' ORDER BY t.id`, actor.Stations); err != nil {
		return out, err
	}
	if out.Recent, err = stocktakeList(ctx, s.pool, `l.station_id = ANY($1) AND t.state = 'posted' ORDER BY t.posted_at DESC, t.id DESC LIMIT 10`, actor.Stations); err != nil {
		return out, err
	}
	now := s.now()
	for _, l := range locs {
		sl := StocktakeLocation{Location: l, Due: l.LastCountedAt == nil || now.Sub(*l.LastCountedAt) > StocktakeEvery}
		for i := range out.Open {
			if out.Open[i].LocationID == l.ID {
				sl.Open = &out.Open[i]
			}
		}
		out.Locations = append(out.Locations, sl)
	}
	return out, nil
}

// OpenStocktake opens a count for a location of the actor's stations. Errors: Forbidden
// for anyone but a storekeeper; NotFound for a location the actor does not see; Conflict
// "stocktake.already_open" (with the location and the open count's ID) when the
// location already has an open count.
func (s *Service) OpenStocktake(ctx context.Context, actor auth.Actor, locationID int64) (Stocktake, error) {
	if !keeps(actor) {
		return Stocktake{}, forbidden("storekeeper")
	}
	var t Stocktake
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		loc, err := s.location(ctx, tx, actor, locationID)
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO stocktakes (location_id, opened_by, opened_at) VALUES ($1, $2, $3)
			ON CONFLICT (location_id) WHERE state = 'open' DO NOTHING RETURNING id`, loc.ID, actor.UserID, s.now()).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			var open int64
			_ = tx.QueryRow(ctx, `SELECT id FROM stocktakes WHERE location_id = $1 AND state = 'open'`, loc.ID).Scan(&open)
			return apperr.New(apperr.Conflict, "stocktake.already_open", "Location", loc.StationName+" "+loc.Name, "ID", open)
		}
		if err != nil {
			return db.Translate(err, "stocktake")
		}
		t, err = stocktakeByID(ctx, tx, id, false)
		return err
	})
	return t, err
}

func stocktakeByID(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Stocktake, error) {
	if lock {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM stocktakes WHERE id = $1 FOR UPDATE`, id); err != nil {
			return Stocktake{}, db.Translate(err, "lock stocktake")
		}
	}
	list, err := stocktakeList(ctx, tx, `t.id = $1`, id)
	if err != nil {
		return Stocktake{}, err
	}
	if len(list) == 0 {
		return Stocktake{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return list[0], nil
}

// stocktakeSheetLines lists the sheet: while open, every active part with a balance row at the
// location (any part while its balance is not zero) and every part counted, with the
// live balance; once posted, the lines as posted.
func stocktakeSheetLines(ctx context.Context, tx pgx.Tx, t Stocktake) ([]StocktakeLine, error) {
	sql := `SELECT p.id AS part_id, p.code, p.name, p.spec, p.uom, coalesce(b.quantity, 0) AS ledger, l.counted, coalesce(l.reason, '') AS reason, l.movement_id
		FROM parts p
		LEFT JOIN stock_balances b ON b.part_id = p.id AND b.location_id = $2
		LEFT JOIN stocktake_lines l ON l.part_id = p.id AND l.stocktake_id = $1
		WHERE l.part_id IS NOT NULL OR (b.part_id IS NOT NULL AND (p.active OR b.quantity <> 0))
		ORDER BY p.code`
	args := []any{t.ID, t.LocationID}
	if t.State != StocktakeOpen {
		sql = `SELECT p.id AS part_id, p.code, p.name, p.spec, p.uom, coalesce(l.expected, 0) AS ledger, l.counted, l.reason, l.movement_id
			FROM stocktake_lines l JOIN parts p ON p.id = l.part_id WHERE l.stocktake_id = $1 ORDER BY p.code`
		args = args[:1]
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err, "stocktake lines")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[StocktakeLine])
	return list, db.Translate(err, "stocktake lines")
}

// StocktakeSheet returns a count sheet of the actor's stations (NotFound otherwise).
func (s *Service) StocktakeSheet(ctx context.Context, actor auth.Actor, id int64) (StocktakeSheet, error) {
	var sh StocktakeSheet
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := stocktakeByID(ctx, tx, id, false)
		if err != nil || !actor.Sees(t.StationID) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		sh.Stocktake, sh.CanCount = t, keeps(actor) && t.State == StocktakeOpen
		sh.Lines, err = stocktakeSheetLines(ctx, tx, t)
		return err
	})
	return sh, err
}

// stocktakeForCounting locks an open stocktake of the actor's stations at version.
func stocktakeForCounting(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64, version int) (Stocktake, error) {
	t, err := stocktakeByID(ctx, tx, id, true)
	if err != nil || !actor.Sees(t.StationID) {
		return Stocktake{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	if t.State != StocktakeOpen {
		return Stocktake{}, apperr.New(apperr.Conflict, "stocktake.not_open")
	}
	if t.Version != version {
		return Stocktake{}, apperr.New(apperr.Conflict, "stocktake.stale")
	}
	return t, nil
}

// stocktakeSaveCounts writes the entered counts of an open stocktake.
func stocktakeSaveCounts(ctx context.Context, tx pgx.Tx, id int64, counts []Count) error {
	fields := map[string]string{}
	for _, c := range counts {
		if c.Counted != nil && *c.Counted < 0 {
			fields[StocktakeField("counted", c.PartID)] = "stocktake.field.count_invalid"
		}
		if len([]rune(strings.TrimSpace(c.Reason))) > 200 {
			fields[StocktakeField("reason", c.PartID)] = "stocktake.field.reason_too_long"
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM parts WHERE id = $1)`, c.PartID).Scan(&exists); err != nil {
			return db.Translate(err, "part")
		}
		if !exists {
			fields["add_part"] = "stocktake.field.part_unknown"
		}
	}
	if len(fields) > 0 {
		return apperr.Fields(fields)
	}
	for _, c := range counts {
		reason := strings.TrimSpace(c.Reason)
		var err error
		if c.Counted == nil && reason == "" {
			_, err = tx.Exec(ctx, `DELETE FROM stocktake_lines WHERE stocktake_id = $1 AND part_id = $2`, id, c.PartID)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO stocktake_lines (stocktake_id, part_id, counted, reason) VALUES ($1, $2, $3, $4)
				ON CONFLICT (stocktake_id, part_id) DO UPDATE SET counted = EXCLUDED.counted, reason = EXCLUDED.reason`, id, c.PartID, c.Counted, reason)
		}
		if err != nil {
			return db.Translate(err, "stocktake line")
		}
	}
	return nil
}

// SaveCounts saves counted quantities and reasons on an open count, in one transaction,
// if version is still the stocktake's version. Errors: Forbidden for anyone but a
// storekeeper; NotFound; Conflict "stocktake.not_open" or "stocktake.stale"; Invalid with
// field keys counted_<part>, reason_<part>, add_part.
func (s *Service) SaveCounts(ctx context.Context, actor auth.Actor, id int64, version int, counts []Count) (Stocktake, error) {
	if !keeps(actor) {
		return Stocktake{}, forbidden("storekeeper")
	}
	var t Stocktake
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := stocktakeForCounting(ctx, tx, actor, id, version); err != nil {
			return err
		}
		if err := stocktakeSaveCounts(ctx, tx, id, counts); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE stocktakes SET version = version + 1 WHERE id = $1`, id); err != nil {
			return db.Translate(err, "stocktake")
		}
		var err error
		t, err = stocktakeByID(ctx, tx, id, false)
		return err
	})
	return t, err
}

// PostStocktake saves counts (as SaveCounts) and posts the count in one transaction: each
// line's variance is counted minus the ledger balance at this moment (locked), posted as
// an adjustment movement referencing the stocktake with the reason as its note; the
// stocktake becomes posted and the location's last_counted_at now. A line whose balance
// is above zero must be counted (an uncounted line at zero counts as zero), and every
// non-zero variance needs a reason: otherwise Invalid "stocktake.cannot_post" with field
// keys counted_<part> and reason_<part>, and nothing is written. Other errors as
// SaveCounts.
func (s *Service) PostStocktake(ctx context.Context, actor auth.Actor, id int64, version int, counts []Count) (Stocktake, error) {
	if !keeps(actor) {
		return Stocktake{}, forbidden("storekeeper")
	}
	var out Stocktake
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := stocktakeForCounting(ctx, tx, actor, id, version)
		if err != nil {
			return err
		}
		if err := stocktakeSaveCounts(ctx, tx, id, counts); err != nil {
			return err
		}
		lines, err := stocktakeSheetLines(ctx, tx, t)
		if err != nil {
			return err
		}
		// Lock the balances in part order (the order Post locks in), so the variance is
		// against the balance no other post can change before ours.
		slices.SortFunc(lines, func(a, b StocktakeLine) int { return cmp.Compare(a.PartID, b.PartID) })
		now := s.now()
		for i, l := range lines {
			if _, err := tx.Exec(ctx, `INSERT INTO stock_balances (part_id, location_id, quantity, updated_at) VALUES ($1, $2, 0, $3)
				ON CONFLICT (part_id, location_id) DO NOTHING`, l.PartID, t.LocationID, now); err != nil {
				return db.Translate(err, "balance row")
			}
			if err := tx.QueryRow(ctx, `SELECT quantity FROM stock_balances WHERE part_id = $1 AND location_id = $2 FOR UPDATE`,
				l.PartID, t.LocationID).Scan(&lines[i].Ledger); err != nil {
				return db.Translate(err, "lock balance")
			}
		}
		fields := map[string]string{}
		var moves []Line
		var moved []int
		for i, l := range lines {
			if l.Counted == nil {
				if l.Ledger > 0 {
					fields[StocktakeField("counted", l.PartID)] = "stocktake.field.count_required"
					continue
				}
				zero := 0
				lines[i].Counted = &zero
			}
			if v := lines[i].Variance(); v != 0 {
				if strings.TrimSpace(l.Reason) == "" {
					fields[StocktakeField("reason", l.PartID)] = "stocktake.field.reason_required"
					continue
				}
				moves = append(moves, Line{PartID: l.PartID, LocationID: t.LocationID, Quantity: v, Kind: Adjustment,
					RefType: "stocktake", RefID: id, Note: strings.TrimSpace(l.Reason)})
				moved = append(moved, i)
			}
		}
		if len(fields) > 0 {
			e := apperr.Fields(fields)
			e.Key = "stocktake.cannot_post"
			return e
		}
		ms, err := Post(ctx, tx, actor.UserID, now, moves)
		if err != nil {
			return err
		}
		for j, i := range moved {
			lines[i].MovementID = &ms[j].ID
		}
		for _, l := range lines {
			if _, err := tx.Exec(ctx, `INSERT INTO stocktake_lines (stocktake_id, part_id, expected, counted, reason, movement_id) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (stocktake_id, part_id) DO UPDATE SET expected = EXCLUDED.expected, counted = EXCLUDED.counted, movement_id = EXCLUDED.movement_id`,
				id, l.PartID, l.Ledger, l.Counted, strings.TrimSpace(l.Reason), l.MovementID); err != nil {
				return db.Translate(err, "stocktake line")
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE stocktakes SET state = 'posted', posted_by = $2, posted_at = $3, version = version + 1 WHERE id = $1`,
			id, actor.UserID, now); err != nil {
			return db.Translate(err, "stocktake")
		}
		if _, err := tx.Exec(ctx, `UPDATE locations SET last_counted_at = $2 WHERE id = $1`, t.LocationID, now); err != nil {
			return db.Translate(err, "location")
		}
		out, err = stocktakeByID(ctx, tx, id, false)
		return err
	})
	return out, err
}

// StocktakeMovements lists the adjustments a posted stocktake wrote.
func (s *Service) StocktakeMovements(ctx context.Context, actor auth.Actor, id int64) ([]RefMovement, error) {
	var out []RefMovement
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := stocktakeByID(ctx, tx, id, false)
		if err != nil || !actor.Sees(t.StationID) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		out, err = refMovements(ctx, tx, "stocktake", id)
		return err
	})
	return out, err
}
