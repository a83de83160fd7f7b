// Package settings keeps the numbers the workflow rules use (SLA targets, callback
// delays and attempts, repair warranty, working hours and week) and the business
// calendar, per station and inherited down the tree: headquarters holds the full set, a
// centre or an outlet overrides single values and adds its own holidays and adjusted
// working days, and the nearest override wins. Resolve is the one place that decides
// which value a station uses and where it comes from.
package settings

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/calendar"
)

// Values are the settings one station uses.
type Values struct {
	SLAUrgentContactMinutes      int
	SLAUrgentArriveMinutes       int
	SLANormalContactWorkdays     int
	SLANormalArriveWorkdays      int
	SLARepairMinutes             int
	RepairWarrantyDays           int
	CallbackAfterGuidanceMinutes int
	CallbackAfterUnsureMinutes   int
	CallbackAfterNoTestMinutes   int
	CallbackAfterRepairWorkdays  int
	CallbackAttemptLimit         int
	WorkDayStart                 time.Duration
	WorkDayEnd                   time.Duration
	Weekend                      []int32
	Holidays                     []calendar.Date
	Workdays                     []calendar.Date
}

// Calendar is the business calendar the values describe, in loc.
func (v Values) Calendar(loc *time.Location) calendar.Calendar {
	c := calendar.Calendar{Loc: loc, DayStart: v.WorkDayStart, DayEnd: v.WorkDayEnd, Holidays: v.Holidays, Workdays: v.Workdays}
	for _, d := range v.Weekend {
		c.Weekend = append(c.Weekend, time.Weekday(d))
	}
	return c
}

// Keys of the single values, in the order the settings page shows them.
const (
	WorkHours = "work_hours"
	Weekend   = "weekend"
)

// MaxNumber bounds every numeric setting (about 69 days in minutes).
const MaxNumber = 99999

// number is a numeric setting: its key, where it lives in Values, and whether 0 is allowed.
type number struct {
	key  string
	ptr  func(*Values) *int
	zero bool
}

var numbers = []number{
	{"sla_urgent_contact_minutes", func(v *Values) *int { return &v.SLAUrgentContactMinutes }, false},
	{"sla_urgent_arrive_minutes", func(v *Values) *int { return &v.SLAUrgentArriveMinutes }, false},
	{"sla_normal_contact_workdays", func(v *Values) *int { return &v.SLANormalContactWorkdays }, false},
	{"sla_normal_arrive_workdays", func(v *Values) *int { return &v.SLANormalArriveWorkdays }, false},
	{"sla_repair_minutes", func(v *Values) *int { return &v.SLARepairMinutes }, false},
	{"repair_warranty_days", func(v *Values) *int { return &v.RepairWarrantyDays }, true},
	{"callback_after_guidance_minutes", func(v *Values) *int { return &v.CallbackAfterGuidanceMinutes }, false},
	{"callback_after_no_test_minutes", func(v *Values) *int { return &v.CallbackAfterNoTestMinutes }, false},
	{"callback_after_unsure_minutes", func(v *Values) *int { return &v.CallbackAfterUnsureMinutes }, false},
	{"callback_after_repair_workdays", func(v *Values) *int { return &v.CallbackAfterRepairWorkdays }, false},
	{"callback_attempt_limit", func(v *Values) *int { return &v.CallbackAttemptLimit }, false},
}

// Keys lists every single value's key: the numbers, then the working hours and week.
func Keys() []string {
	keys := make([]string, 0, len(numbers)+2)
	for _, n := range numbers {
		keys = append(keys, n.key)
	}
	return append(keys, WorkHours, Weekend)
}

// IsKey reports whether key names a single value.
func IsKey(key string) bool { return slices.Contains(Keys(), key) }

// Defaults are the values a station uses when headquarters has stored none (the
// service standards' numbers).
var Defaults = map[string]string{
	"sla_urgent_contact_minutes": "60", "sla_urgent_arrive_minutes": "240", "sla_normal_contact_workdays": "1",
	"sla_normal_arrive_workdays": "3", "sla_repair_minutes": "120", "repair_warranty_days": "90",
	"callback_after_guidance_minutes": "120", "callback_after_no_test_minutes": "120", "callback_after_unsure_minutes": "180",
	"callback_after_repair_workdays": "3", "callback_attempt_limit": "3", WorkHours: "09:00-18:00", Weekend: "0,6",
}

// Parse checks one value as stored and as the settings form sends it (after Normalize)
// and sets it into v. It returns a message key when the value is refused.
func (v *Values) Parse(key, value string) string {
	for _, n := range numbers {
		if n.key != key {
			continue
		}
		i, err := strconv.Atoi(value)
		switch {
		case err != nil || i > MaxNumber:
			return "settings.field.integer"
		case i < 0 && n.zero:
			return "settings.field.zero_or_more"
		case i <= 0 && !n.zero:
			return "settings.field.positive"
		}
		*n.ptr(v) = i
		return ""
	}
	switch key {
	case WorkHours:
		from, to, ok := strings.Cut(value, "-")
		start, okStart := ParseClock(from)
		end, okEnd := ParseClock(to)
		if !ok || !okStart || !okEnd {
			return "settings.field.time"
		}
		if start >= end {
			return "settings.field.hours_order"
		}
		v.WorkDayStart, v.WorkDayEnd = start, end
		return ""
	case Weekend:
		days := []int32{}
		if value != "" {
			for _, raw := range strings.Split(value, ",") {
				d, err := strconv.Atoi(raw)
				if err != nil || d < 0 || d > 6 {
					return "settings.field.weekday"
				}
				if !slices.Contains(days, int32(d)) {
					days = append(days, int32(d))
				}
			}
		}
		slices.Sort(days)
		v.Weekend = days
		return ""
	}
	return "settings.field.unknown"
}

// Format is the stored form of one value of v.
func (v Values) Format(key string) string {
	for _, n := range numbers {
		if n.key == key {
			return strconv.Itoa(*n.ptr(&v))
		}
	}
	switch key {
	case WorkHours:
		return Clock(v.WorkDayStart) + "-" + Clock(v.WorkDayEnd)
	case Weekend:
		s := make([]string, len(v.Weekend))
		for i, d := range v.Weekend {
			s[i] = strconv.Itoa(int(d))
		}
		return strings.Join(s, ",")
	}
	return ""
}

// Normalize returns the stored form of a value as typed (spaces trimmed, 9:00 as
// 09:00, days of the week sorted), or the value itself when it does not parse.
func Normalize(key, value string) string {
	var v Values
	if v.Parse(key, strings.TrimSpace(value)) != "" {
		return strings.TrimSpace(value)
	}
	return v.Format(key)
}

// Clock formats an offset from midnight as 15:04.
func Clock(d time.Duration) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04")
}

// ParseClock parses 09:00 (or 09:00:00, as some browsers send) as an offset from midnight.
func ParseClock(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second, true
		}
	}
	return 0, false
}

// Station is a station in a chain: where a value comes from.
type Station struct {
	ID   int64
	Name string
	Kind string // hq | centre | outlet
}

// Layer is what one station stores: its own values by key and its own calendar days.
type Layer struct {
	Station Station
	Values  map[string]string
	// Days maps each of the station's own days to its kind (holiday or workday).
	Days map[calendar.Date]string
}

// Day is one day of a station's resolved business calendar.
type Day struct {
	Date calendar.Date
	Kind string
	From Station
}

// Resolved are the settings a station uses and where each comes from.
type Resolved struct {
	Values
	// Chain is the station and the stations above it, nearest first.
	Chain []Layer
	// From is the station each value comes from, by key.
	From map[string]Station
	// Days are the calendar's days in effect, in date order.
	Days []Day
}

// Station is the station the settings are resolved for (zero for an empty chain).
func (r Resolved) Station() Station {
	if len(r.Chain) == 0 {
		return Station{}
	}
	return r.Chain[0].Station
}

// Own reports whether the station itself stores the value of key.
func (r Resolved) Own(key string) bool {
	if len(r.Chain) == 0 {
		return false
	}
	_, ok := r.Chain[0].Values[key]
	return ok
}

// Inherited returns the value of key the station would use without its own: the
// nearest value above it, or the default.
func (r Resolved) Inherited(key string) string {
	for _, l := range r.Chain[min(1, len(r.Chain)):] {
		if val, ok := l.Values[key]; ok {
			var v Values
			if v.Parse(key, val) == "" {
				return val
			}
		}
	}
	return Defaults[key]
}

// Resolve decides the settings of the first station of chain (the station, then the
// stations above it, nearest first): each value from the nearest station that stores a
// valid one, else the default, counted as headquarters' (the last station of the chain);
// each calendar day's kind from the nearest station that lists the day.
func Resolve(chain []Layer) Resolved {
	r := Resolved{Chain: chain, From: map[string]Station{}}
	root := Station{}
	if len(chain) > 0 {
		root = chain[len(chain)-1].Station
	}
	for _, key := range Keys() {
		set := false
		for _, l := range chain {
			if val, ok := l.Values[key]; ok && r.Parse(key, val) == "" {
				r.From[key], set = l.Station, true
				break
			}
		}
		if !set {
			r.Parse(key, Defaults[key])
			r.From[key] = root
		}
	}
	seen := map[calendar.Date]bool{}
	for _, l := range chain {
		for d, kind := range l.Days {
			if seen[d] {
				continue
			}
			seen[d] = true
			r.Days = append(r.Days, Day{Date: d, Kind: kind, From: l.Station})
		}
	}
	slices.SortFunc(r.Days, func(a, b Day) int { return strings.Compare(a.Date.String(), b.Date.String()) })
	for _, d := range r.Days {
		if d.Kind == KindHoliday {
			r.Holidays = append(r.Holidays, d.Date)
		} else {
			r.Workdays = append(r.Workdays, d.Date)
		}
	}
	return r
}

// Kinds of business-calendar days (calendar_days.kind).
const (
	// KindHoliday is a day off even on a weekday (休息).
	KindHoliday = "holiday"
	// KindWorkday is an adjusted working day, worked even on a weekend (调休上班).
	KindWorkday = "workday"
)
