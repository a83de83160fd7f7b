package maintenance

import (
	"context"
	"errors"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// MinDaysAhead is the fewest days ahead a station may set.
const MinDaysAhead = 1

// ValidDaysAhead reports whether n days ahead may be set.
func ValidDaysAhead(n int) bool { return n >= MinDaysAhead && n <= MaxDaysAhead }

// Settings is the maintenance setting of the actor's station, as its settings tab shows it.
type Settings struct {
	StationID   int64
	StationName string
	// DaysAhead is the days ahead the station uses.
	DaysAhead int
	// Own says the station has its own setting; else it is inherited from a station
	// above it, or DefaultDaysAhead when none above has one.
	Own bool
	// FromStation names the station whose setting is inherited ("" for the default).
	FromStation string
	// ChangedBy and ChangedAt tell who last changed the station's setting, and when
	// ("" when nobody has).
	ChangedBy string
	ChangedAt time.Time
}

// mayConfigure reports whether actor may read and change the maintenance settings.
func mayConfigure(a auth.Actor) bool { return a.Is(auth.RoleManager) }

// SettingsOf returns the days ahead the actor's own station uses and where they come
// from. Managers only (Forbidden).
func (s *Service) SettingsOf(ctx context.Context, actor auth.Actor) (Settings, error) {
	if !mayConfigure(actor) {
		return Settings{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	st := Settings{StationID: actor.StationID, StationName: actor.StationName, DaysAhead: DefaultDaysAhead}
	var from int64
	var fromName string
	err := s.pool.QueryRow(ctx, `WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM stations WHERE id = $1
			UNION ALL SELECT s.id, s.parent_id, up.depth + 1 FROM stations s JOIN up ON s.id = up.parent_id)
		SELECT ms.days_ahead, up.id, s.name FROM up JOIN maintenance_settings ms ON ms.station_id = up.id JOIN stations s ON s.id = up.id
		ORDER BY up.depth LIMIT 1`, actor.StationID).Scan(&st.DaysAhead, &from, &fromName)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return st, db.Translate(err, "maintenance settings")
	case from == actor.StationID:
		st.Own = true
	default:
		st.FromStation = fromName
	}
	var by *string
	err = s.pool.QueryRow(ctx, `SELECT u.display_name, e.at FROM maintenance_settings_events e JOIN users u ON u.id = e.actor_id
		WHERE e.station_id = $1 ORDER BY e.id DESC LIMIT 1`, actor.StationID).Scan(&by, &st.ChangedAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return st, db.Translate(err, "maintenance settings")
	}
	if by != nil {
		st.ChangedBy = *by
	}
	return st, nil
}

// SaveSettings sets the days ahead of the actor's own station (and so of the stations
// below it without their own), or, with inherit, removes its own setting so it uses the
// one above it again. The change and its event (who, when, old and new days) are kept in
// one transaction. Managers only (Forbidden); Invalid with field key "days_ahead" for a
// number out of bounds. The same form sent again changes nothing.
func (s *Service) SaveSettings(ctx context.Context, actor auth.Actor, days int, inherit bool) error {
	if !mayConfigure(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	if !inherit && !ValidDaysAhead(days) {
		return apperr.Fields(map[string]string{"days_ahead": "maint.field.days_ahead_range"})
	}
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		var old *int
		err = tx.QueryRow(ctx, `SELECT days_ahead FROM maintenance_settings WHERE station_id = $1 FOR UPDATE`, actor.StationID).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return db.Translate(err, "maintenance settings")
		}
		var next *int
		if inherit {
			if old == nil {
				return nil
			}
			_, err = tx.Exec(ctx, `DELETE FROM maintenance_settings WHERE station_id = $1`, actor.StationID)
		} else {
			if old != nil && *old == days {
				return nil
			}
			next = &days
			_, err = tx.Exec(ctx, `INSERT INTO maintenance_settings (station_id, days_ahead, updated_by, updated_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (station_id) DO UPDATE SET days_ahead = $2, updated_by = $3, updated_at = $4`, actor.StationID, days, actor.UserID, now)
		}
		if err != nil {
			return db.Translate(err, "maintenance settings")
		}
		_, err = tx.Exec(ctx, `INSERT INTO maintenance_settings_events (station_id, actor_id, at, old_days, new_days) VALUES ($1, $2, $3, $4, $5)`,
			actor.StationID, actor.UserID, now, old, next)
		return db.Translate(err, "maintenance settings event")
	})
}
