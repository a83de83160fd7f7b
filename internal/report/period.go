package report

import (
	"time"
)

// Kind is how a period is chosen: a calendar unit around a date, or a range of days.
type Kind string

// The kinds of period.
const (
	Day     Kind = "day"
	Week    Kind = "week"
	Month   Kind = "month"
	Quarter Kind = "quarter"
	Year    Kind = "year"
	Range   Kind = "range"
)

// Kinds are the period kinds in the order the picker offers them.
var Kinds = []Kind{Day, Week, Month, Quarter, Year, Range}

// MaxRangeDays bounds a range of days.
const MaxRangeDays = 3 * 366

// Period is a half-open span of time [From, To) in the report's time zone.
type Period struct {
	Kind     Kind
	From, To time.Time
	// Label names the period: 2026-11-23, 2026-W48, 2026-11, 2026-Q4, 2026 or
	// 2026-11-01–2026-11-15.
	Label string
}

// LastDay is the period's last day (To is the midnight after it).
func (p Period) LastDay() time.Time { return p.To.AddDate(0, 0, -1) }

// Contains reports whether t lies in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// PeriodOf returns the calendar period of kind k (not Range) that contains t, in loc.
// Weeks start on Monday.
func PeriodOf(k Kind, t time.Time, loc *time.Location) Period {
	l := t.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	var from, to time.Time
	switch k {
	case Week:
		from = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		to = from.AddDate(0, 0, 7)
	case Month:
		from = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		to = from.AddDate(0, 1, 0)
	case Quarter:
		from = time.Date(l.Year(), (l.Month()-1)/3*3+1, 1, 0, 0, 0, 0, loc)
		to = from.AddDate(0, 3, 0)
	case Year:
		from = time.Date(l.Year(), 1, 1, 0, 0, 0, 0, loc)
		to = from.AddDate(1, 0, 0)
	default:
		k = Day
		from, to = day, day.AddDate(0, 0, 1)
	}
	return labelled(Period{Kind: k, From: from, To: to})
}

// RangeOf is the range of whole days first…last (both included), in loc.
func RangeOf(first, last time.Time, loc *time.Location) Period {
	f, l := first.In(loc), last.In(loc)
	from := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	to := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	return labelled(Period{Kind: Range, From: from, To: to})
}

func labelled(p Period) Period {
	switch p.Kind {
	case Day:
		p.Label = p.From.Format("2006-01-02")
	case Week:
		y, w := p.From.ISOWeek()
		p.Label = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006") + "-W" + two(w)
	case Month:
		p.Label = p.From.Format("2006-01")
	case Quarter:
		p.Label = p.From.Format("2006") + "-Q" + string(rune('1'+(int(p.From.Month())-1)/3))
	case Year:
		p.Label = p.From.Format("2006")
	default:
		p.Label = p.From.Format("2006-01-02") + "–" + p.LastDay().Format("2006-01-02")
	}
	return p
}

func two(n int) string {
	if n < 10 {
		return "0" + string(rune('0'+n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// Previous is the period of the same length immediately before p: the calendar unit
// before for a day, week, month, quarter or year; as many days before for a range.
func (p Period) Previous() Period {
	loc := p.From.Location()
	switch p.Kind {
	case Range:
		days := int(p.To.Sub(p.From).Hours()/24 + 0.5)
		return RangeOf(p.From.AddDate(0, 0, -days), p.From.AddDate(0, 0, -1), loc)
	default:
		return PeriodOf(p.Kind, p.From.Add(-time.Nanosecond), loc)
	}
}

// ParsePeriod reads a period from a query: kind with date (any day in it, default
// today), or kind range with from and to (days, both included). Field errors are catalog
// keys by parameter; with errors the period is this month.
func ParsePeriod(kind, date, from, to string, now time.Time, loc *time.Location) (Period, map[string]string) {
	errs := map[string]string{}
	day := func(k, s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			errs[k] = "report.field.date_invalid"
		}
		return t
	}
	k := Kind(kind)
	switch k {
	case "":
		k = Month
	case Day, Week, Month, Quarter, Year:
	case Range:
		f, t := day("from", from), day("to", to)
		if len(errs) == 0 {
			switch {
			case t.Before(f):
				errs["to"] = "report.field.range_order"
			case t.Sub(f) > MaxRangeDays*24*time.Hour:
				errs["to"] = "report.field.range_long"
			default:
				return RangeOf(f, t, loc), errs
			}
		}
		return PeriodOf(Month, now, loc), errs
	default:
		errs["kind"] = "report.field.kind_invalid"
		return PeriodOf(Month, now, loc), errs
	}
	at := now
	if date != "" {
		if t := day("date", date); len(errs) == 0 {
			at = t
		} else {
			return PeriodOf(Month, now, loc), errs
		}
	}
	return PeriodOf(k, at, loc), errs
}

// TrendBuckets are the 12 weeks (for a day or week) or 12 months (otherwise) that end
// with the one holding p's last day: the trend chart's x axis.
func TrendBuckets(p Period) []Period {
	unit := Month
	if p.Kind == Day || p.Kind == Week {
		unit = Week
	}
	b := make([]Period, 12)
	cur := PeriodOf(unit, p.To.Add(-time.Nanosecond), p.From.Location())
	for i := 11; i >= 0; i-- {
		b[i] = cur
		cur = cur.Previous()
	}
	return b
}
