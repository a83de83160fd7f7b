package workorder

import (
	"context"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/jackc/pgx/v5"
)

// Settings are the numbers the workflow rules use (docs/domain.md): the resolved
// settings of one station (internal/settings).
type Settings = settings.Values

// Kinds of business-calendar exceptions (calendar_days.kind).
const (
	// CalendarHoliday is a day off even on a weekday (休息).
	CalendarHoliday = settings.KindHoliday
	// CalendarWorkday is an adjusted working day, worked even on a weekend (调休上班).
	CalendarWorkday = settings.KindWorkday
)

// loadSettings reads the settings of a station (an order's) in one statement.
func loadSettings(ctx context.Context, q pgx.Tx, stationID int64) (Settings, error) {
	r, err := settings.Load(ctx, q, stationID)
	return r.Values, db.Translate(err, "settings")
}

// Settings returns the settings a station uses.
func (s *Service) Settings(ctx context.Context, stationID int64) (Settings, error) {
	r, err := settings.Load(ctx, s.pool, stationID)
	return r.Values, db.Translate(err, "settings")
}
