// Package calendar computes SLA due times on a business calendar: working
// hours, weekends, public holidays and adjusted working days (调休).
//
// A working day D has exactly one working period, the half-open interval
// [D at DayStart, D at DayEnd) in wall-clock time of c.Loc. Period bounds are
// built with time.Date in c.Loc (never by adding 24h), so the package is
// correct in zones with daylight saving time; on a DST change day the period
// is as long as the wall clock says (e.g. 00:00–24:00 lasts 23h or 25h).
//
// A calendar with no working time at all (every weekday in Weekend and no
// future adjusted working day, or an invalid DayStart/DayEnd) never hangs:
// AddWorking and AddWorkingDays give up after searching about ten years of
// consecutive days off and return 9999-12-31 23:59:59 in c.Loc.
package calendar

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// maxIdleDays is how many consecutive days without working time AddWorking
// scans before concluding the calendar has no more working time.
const maxIdleDays = 3660

// Calendar is a business calendar in one time zone.
type Calendar struct {
	Loc      *time.Location // time zone of the working hours; Validate rejects nil (methods then use UTC)
	DayStart time.Duration  // start of working hours as a wall-clock offset from midnight, e.g. 9*time.Hour
	DayEnd   time.Duration  // end of working hours as a wall-clock offset from midnight, e.g. 18*time.Hour
	Weekend  []time.Weekday // days of the week off; Default sets Saturday and Sunday, nil means none
	Holidays []Date         // days off even on a weekday
	Workdays []Date         // adjusted working days (调休): worked even on a weekend
}

// Date is a calendar day without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date in the form "2026-10-01".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("calendar: invalid date %q, want YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

// String formats the date as "2026-10-01".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// DateOf returns the calendar day of t in loc (in t's own location if loc is nil).
func DateOf(t time.Time, loc *time.Location) Date {
	if loc != nil {
		t = t.In(loc)
	}
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// valid reports whether d is a real calendar day (e.g. not February 30).
func (d Date) valid() bool {
	return DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC), time.UTC) == d
}

// next returns the following calendar day.
func (d Date) next() Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC), time.UTC)
}

// after reports whether d is a later day than e.
func (d Date) after(e Date) bool {
	if d.Year != e.Year {
		return d.Year > e.Year
	}
	if d.Month != e.Month {
		return d.Month > e.Month
	}
	return d.Day > e.Day
}

var shanghai = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("Asia/Shanghai", 8*60*60)
	}
	return loc
})

// Default returns the default calendar: Asia/Shanghai, 09:00–18:00, Saturday and Sunday off, no holidays.
func Default() Calendar {
	return Calendar{
		Loc:      shanghai(),
		DayStart: 9 * time.Hour,
		DayEnd:   18 * time.Hour,
		Weekend:  []time.Weekday{time.Saturday, time.Sunday},
	}
}

// Validate reports every configuration problem of c in one plain-English error, or nil.
func (c Calendar) Validate() error {
	var probs []string
	if c.Loc == nil {
		probs = append(probs, "time zone (Loc) is not set")
	}
	if c.DayStart < 0 || c.DayStart > 24*time.Hour {
		probs = append(probs, fmt.Sprintf("day start %v is outside 0h..24h", c.DayStart))
	}
	if c.DayEnd < 0 || c.DayEnd > 24*time.Hour {
		probs = append(probs, fmt.Sprintf("day end %v is outside 0h..24h", c.DayEnd))
	}
	if c.DayStart >= c.DayEnd {
		probs = append(probs, fmt.Sprintf("day start %v must be before day end %v", c.DayStart, c.DayEnd))
	}
	for _, w := range c.Weekend {
		if w < time.Sunday || w > time.Saturday {
			probs = append(probs, fmt.Sprintf("weekend day %d is not a day of the week (0=Sunday..6=Saturday)", int(w)))
		}
	}
	holidays := make(map[Date]bool, len(c.Holidays))
	for _, d := range c.Holidays {
		if !d.valid() {
			probs = append(probs, fmt.Sprintf("holiday %s is not a valid date", d))
		}
		holidays[d] = true
	}
	for _, d := range c.Workdays {
		if !d.valid() {
			probs = append(probs, fmt.Sprintf("adjusted working day %s is not a valid date", d))
		}
		if holidays[d] {
			probs = append(probs, fmt.Sprintf("date %s is listed both as a holiday and as an adjusted working day", d))
			delete(holidays, d) // report each date once
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return errors.New("calendar: invalid configuration: " + strings.Join(probs, "; "))
}

// IsWorkday reports whether d is a working day: a holiday is off, an adjusted working day is worked, otherwise every day not in Weekend is worked (a date in both lists counts as a holiday; Validate reports it).
func (c Calendar) IsWorkday(d Date) bool {
	return c.index().isWorkday(d)
}

// index is a Calendar prepared for fast day lookups.
type index struct {
	c        Calendar
	loc      *time.Location
	weekend  [7]bool
	holidays map[Date]bool
	workdays map[Date]bool
}

func (c Calendar) index() *index {
	ix := &index{c: c, loc: c.Loc}
	if ix.loc == nil {
		ix.loc = time.UTC
	}
	for _, w := range c.Weekend {
		if w >= time.Sunday && w <= time.Saturday {
			ix.weekend[w] = true
		}
	}
	if len(c.Holidays) > 0 {
		ix.holidays = make(map[Date]bool, len(c.Holidays))
		for _, d := range c.Holidays {
			ix.holidays[d] = true
		}
	}
	if len(c.Workdays) > 0 {
		ix.workdays = make(map[Date]bool, len(c.Workdays))
		for _, d := range c.Workdays {
			ix.workdays[d] = true
		}
	}
	return ix
}

func (ix *index) isWorkday(d Date) bool {
	if ix.holidays[d] {
		return false
	}
	if ix.workdays[d] {
		return true
	}
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	return !ix.weekend[wd]
}

// hoursValid reports whether each working day has a non-empty working period.
func (ix *index) hoursValid() bool {
	c := ix.c
	return c.DayStart >= 0 && c.DayEnd <= 24*time.Hour && c.DayStart < c.DayEnd
}

// period returns the working period [start, end) of day d, as wall-clock
// times in the calendar's zone.
func (ix *index) period(d Date) (start, end time.Time) {
	start = time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(ix.c.DayStart), ix.loc)
	end = time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(ix.c.DayEnd), ix.loc)
	return start, end
}

// farFuture is returned when a calendar has no more working time.
func (ix *index) farFuture() time.Time {
	return time.Date(9999, time.December, 31, 23, 59, 59, 0, ix.loc)
}

// AddWorking adds d of working time to t (only time inside working hours of working days counts) and returns the result in c.Loc.
//
// A t outside working hours starts counting at the next working period's
// start. The result is the earliest instant at which d of working time has
// elapsed, so a result that lands exactly at a day's end stays at that day's
// end (it does not roll to the next morning). If d <= 0 the result is t
// itself (converted to c.Loc), even outside working hours. If the calendar
// has no working time within about ten years of consecutive days off, the
// result is 9999-12-31 23:59:59 in c.Loc.
func (c Calendar) AddWorking(t time.Time, d time.Duration) time.Time {
	ix := c.index()
	t = t.In(ix.loc)
	if d <= 0 {
		return t
	}
	if !ix.hoursValid() {
		return ix.farFuture()
	}
	day := DateOf(t, ix.loc)
	idle := 0
	for {
		if ix.isWorkday(day) {
			idle = 0
			start, end := ix.period(day)
			from := t
			if from.Before(start) {
				from = start
			}
			if from.Before(end) {
				avail := end.Sub(from)
				if d <= avail {
					return from.Add(d)
				}
				d -= avail
			}
		} else {
			idle++
			if idle > maxIdleDays {
				return ix.farFuture()
			}
		}
		day = day.next()
	}
}

// AddWorkingDays adds n working days to t, each worth DayEnd − DayStart of working time (Friday 16:00 + 1 → Monday 16:00).
//
// If n <= 0 the result is t (in c.Loc). If the calendar has no working time
// or n working days overflow time.Duration, the result is 9999-12-31
// 23:59:59 in c.Loc.
func (c Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	ix := c.index()
	if n <= 0 {
		return t.In(ix.loc)
	}
	if !ix.hoursValid() {
		return ix.farFuture()
	}
	perDay := c.DayEnd - c.DayStart
	if int64(n) > int64(maxDuration/perDay) {
		return ix.farFuture()
	}
	return c.AddWorking(t, time.Duration(n)*perDay)
}

const maxDuration = time.Duration(1<<63 - 1)

// WorkingBetween returns the working time between a and b (0 if b <= a), saturating at the largest time.Duration.
func (c Calendar) WorkingBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	ix := c.index()
	if !ix.hoursValid() {
		return 0
	}
	a, b = a.In(ix.loc), b.In(ix.loc)
	var total time.Duration
	last := DateOf(b, ix.loc)
	for day := DateOf(a, ix.loc); !day.after(last); day = day.next() {
		if !ix.isWorkday(day) {
			continue
		}
		start, end := ix.period(day)
		if start.Before(a) {
			start = a
		}
		if end.After(b) {
			end = b
		}
		if end.After(start) {
			span := end.Sub(start)
			if total > maxDuration-span {
				return maxDuration
			}
			total += span
		}
	}
	return total
}
