// Package dailyreport keeps the technicians' daily reports (日报): what the system knows
// of a technician's day, prefilled; what only the technician knows, added and submitted;
// corrections as new revisions; the supervisor's comment and review; and the technicians
// who had jobs and have not reported by the station's time.
package dailyreport

import (
	"fmt"
	"time"
)

// The rules of the daily report. Nothing here reads a clock or a database.

// Rules are a station's daily-report settings (table daily_report_rules), editable by its
// manager.
type Rules struct {
	// MissingAfter is the time of day, in minutes after midnight, from which a
	// technician who had jobs that day and has not reported is missing.
	MissingAfter int
}

// DefaultRules apply to a station when neither it nor a station above it has its own.
var DefaultRules = Rules{MissingAfter: 20 * 60}

// Clock is the time of day as typed and shown: "20:00".
func (r Rules) Clock() string { return fmt.Sprintf("%02d:%02d", r.MissingAfter/60, r.MissingAfter%60) }

// ParseClock reads a time of day "HH:MM" as minutes after midnight; ok is false when it
// is not one.
func ParseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// DayOf is the local day (midnight in loc) that moment t falls on.
func DayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// DayBounds are the start of day and of the next day in loc (a day is not always 24 h
// long where clocks change).
func DayBounds(day time.Time, loc *time.Location) (start, end time.Time) {
	start = DayOf(day, loc)
	return start, start.AddDate(0, 0, 1)
}

// Deadline is the moment on day from which a report not submitted is missing.
func Deadline(r Rules, day time.Time, loc *time.Location) time.Time {
	start := DayOf(day, loc)
	return time.Date(start.Year(), start.Month(), start.Day(), r.MissingAfter/60, r.MissingAfter%60, 0, 0, loc)
}

// Missing reports whether a technician's report of day is missing at now: they had jobs
// that day, have submitted none, and the station's time has come.
func Missing(r Rules, day time.Time, loc *time.Location, hadJobs, submitted bool, now time.Time) bool {
	return hadJobs && !submitted && !now.Before(Deadline(r, day, loc))
}
