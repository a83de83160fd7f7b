package weekplan

import (
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/textlimit"
)

// The lengths of a plan's texts, in characters.
const (
	// MaxNote bounds an item's note.
	MaxNote = 200
	// MaxComment bounds the manager's comment on returning a plan.
	MaxComment = 500
	// MaxItems bounds the items of one plan.
	MaxItems = 60
)

var limits = textlimit.Set{Default: MaxNote, Fields: map[string]int{"note": MaxNote, "comment": MaxComment}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// Kinds are the kinds of plan item, in display order (weekplan.kind.*).
var Kinds = []string{"visit", "training", "leave", "other"}

// Parts are the parts of a day an item takes (weekplan.part.*): the whole day, the
// morning, the afternoon, or a time range.
var Parts = []string{"day", "am", "pm", "time"}

// Day is the calendar day of t in loc, as midnight UTC (how date columns come back).
func Day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WeekOf is the Monday that starts the ISO week of day (a civil date as midnight UTC).
func WeekOf(day time.Time) time.Time {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	back := (int(d.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return d.AddDate(0, 0, -back)
}

// NextWeek is the Monday of the week after the one holding day.
func NextWeek(day time.Time) time.Time { return WeekOf(day).AddDate(0, 0, 7) }

// Days are the seven days of the week starting on Monday week, Monday first.
func Days(week time.Time) []time.Time {
	ds := make([]time.Time, 7)
	for i := range ds {
		ds[i] = week.AddDate(0, 0, i)
	}
	return ds
}

// InWeek reports whether day falls in the week starting on Monday week.
func InWeek(week, day time.Time) bool {
	return !day.Before(week) && day.Before(week.AddDate(0, 0, 7))
}

// Bounds are the instants the week starting on Monday week begins and ends in loc.
func Bounds(week time.Time, loc *time.Location) (time.Time, time.Time) {
	from := time.Date(week.Year(), week.Month(), week.Day(), 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 0, 7)
}

// ParseWeek reads a week as the date of its Monday (yyyy-mm-dd); any other day of the
// week is taken as its week. ok is false when s is not a date.
func ParseWeek(s string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, false
	}
	return WeekOf(d), true
}

func itoa(i int) string { return strconv.Itoa(i) }
