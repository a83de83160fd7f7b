package workorder

import (
	"context"
	"errors"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Kinds of business-calendar exceptions (calendar_days.kind).
const (
	// CalendarHoliday is a day off even on a weekday (休息).
	CalendarHoliday = "holiday"
	// CalendarWorkday is an adjusted working day, worked even on a weekend (调休上班).
	CalendarWorkday = "workday"
)

// SettingsChange says who last saved the settings and when.
type SettingsChange struct {
	At time.Time
	// By is the display name of the manager; empty while nobody has changed the defaults.
	By string
}

// LastSettingsChange returns who last changed the settings or the calendar, and when.
func (s *Service) LastSettingsChange(ctx context.Context) (SettingsChange, error) {
	var c SettingsChange
	var by *string
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT s.updated_at, u.display_name FROM settings s
			LEFT JOIN users u ON u.id = s.updated_by WHERE s.id = 1`).Scan(&c.At, &by)
		return db.Translate(err, "settings change")
	})
	if by != nil {
		c.By = *by
	}
	return c, err
}

// AddCalendarDay adds a holiday or an adjusted working day to the business calendar, in
// one transaction that locks the settings row, so managers editing at once lose nothing.
// Managers only (Forbidden); Invalid with field keys for an unknown kind ("kind"), an
// impossible date, or a day already listed ("day").
func (s *Service) AddCalendarDay(ctx context.Context, actor auth.Actor, day calendar.Date, kind string) error {
	if !actor.Is(auth.RoleManager) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	fields := map[string]string{}
	if kind != CalendarHoliday && kind != CalendarWorkday {
		fields["kind"] = "settings.calendar.kind_invalid"
	}
	if calendar.DateOf(time.Date(day.Year, day.Month, day.Day, 12, 0, 0, 0, time.UTC), time.UTC) != day {
		fields["day"] = "settings.calendar.day_invalid"
	}
	if len(fields) > 0 {
		return apperr.Fields(fields)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The same form posted again succeeds as the first did, adding nothing.
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now()); err != nil || !fresh {
			return err
		}
		if err := touchSettings(ctx, tx, actor, s.now()); err != nil {
			return err
		}
		var existing string
		err := tx.QueryRow(ctx, `SELECT kind FROM calendar_days WHERE day = $1`, day.String()).Scan(&existing)
		switch {
		case err == nil && existing == kind:
			return apperr.Fields(map[string]string{"day": "settings.calendar.exists"})
		case err == nil:
			// A day is either off or worked: listing it under both kinds is the
			// conflict calendar.Validate rejects.
			return apperr.Fields(map[string]string{"day": "settings.calendar.both_kinds"})
		case !errors.Is(err, pgx.ErrNoRows):
			return db.Translate(err, "calendar day")
		}
		_, err = tx.Exec(ctx, `INSERT INTO calendar_days (day, kind) VALUES ($1, $2)`, day.String(), kind)
		return db.Translate(err, "add calendar day")
	})
}

// DeleteCalendarDay removes a day from the business calendar's exceptions, in one
// transaction. Managers only (Forbidden); NotFound when the day is not listed.
func (s *Service) DeleteCalendarDay(ctx context.Context, actor auth.Actor, day calendar.Date) error {
	if !actor.Is(auth.RoleManager) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The same form posted again succeeds as the first did.
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now()); err != nil || !fresh {
			return err
		}
		if err := touchSettings(ctx, tx, actor, s.now()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE day = $1`, day.String())
		if err != nil {
			return db.Translate(err, "delete calendar day")
		}
		if tag.RowsAffected() == 0 {
			return apperr.New(apperr.NotFound, "settings.calendar.not_found", "Day", day.String())
		}
		return nil
	})
}

// touchSettings records who changed the settings and when. The UPDATE also locks the
// settings row, which serialises calendar edits with each other and with UpdateSettings.
func touchSettings(ctx context.Context, tx pgx.Tx, actor auth.Actor, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE settings SET updated_at = $1, updated_by = $2 WHERE id = 1`, now, actor.UserID)
	return db.Translate(err, "touch settings")
}
