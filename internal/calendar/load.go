package calendar

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Querier is what Load reads through: a pool, a connection or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Load reads the installation's business calendar: the working hours and week of the
// settings row, and the holidays and adjusted working days of calendar_days, in loc.
func Load(ctx context.Context, q Querier, loc *time.Location) (Calendar, error) {
	var start, end pgtype.Time
	var weekend []int32
	if err := q.QueryRow(ctx, `SELECT work_day_start, work_day_end, weekend FROM settings WHERE id = 1`).Scan(&start, &end, &weekend); err != nil {
		return Calendar{}, fmt.Errorf("calendar settings: %w", err)
	}
	c := Calendar{Loc: loc, DayStart: time.Duration(start.Microseconds) * time.Microsecond, DayEnd: time.Duration(end.Microseconds) * time.Microsecond}
	for _, d := range weekend {
		c.Weekend = append(c.Weekend, time.Weekday(d))
	}
	var err error
	c.Holidays, c.Workdays, err = LoadDays(ctx, q)
	return c, err
}

// LoadDays reads the calendar's exceptions: holidays and adjusted working days (调休).
func LoadDays(ctx context.Context, q Querier) (holidays, workdays []Date, err error) {
	rows, err := q.Query(ctx, `SELECT day, kind FROM calendar_days ORDER BY day`)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d time.Time
		var kind string
		if err := rows.Scan(&d, &kind); err != nil {
			return nil, nil, fmt.Errorf("calendar days: %w", err)
		}
		cd := Date{Year: d.Year(), Month: d.Month(), Day: d.Day()}
		if kind == "holiday" {
			holidays = append(holidays, cd)
		} else {
			workdays = append(workdays, cd)
		}
	}
	return holidays, workdays, rows.Err()
}
