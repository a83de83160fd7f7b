// Package maintenance keeps units' maintenance plans (保养计划): the cycle, the next due
// date, the checklist the technician follows and the parts usually needed; the job that
// creates one maintenance order per unit and due date; and the move of the due date when
// such an order is completed.
package maintenance

import (
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/textlimit"
)

// The rules of plans and due dates; nothing here reads a clock or a database.

// DefaultDaysAhead is how many days before the due date the job creates the order when
// neither a station nor one above it has its own setting.
const DefaultDaysAhead = 14

// Bounds of a plan.
const (
	MaxCycleMonths   = 60
	MaxChecklist     = 20
	MaxDaysAhead     = 90
	maxChecklistItem = 100
)

// The texts' limits keep a maintenance order's request (the checklist numbered, then the
// parts) within the work order's request limit.
var limits = textlimit.Set{Default: 500, Fields: map[string]int{
	"checklist": 500, "parts": 200, "reason": 500,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// Day is the calendar day of t in loc, as midnight UTC (how dates are kept).
func Day(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// NextDue is the due date a cycle of months after due; a day the month does not have
// becomes its last day (31 January + 1 month = 28 or 29 February).
func NextDue(due time.Time, months int) time.Time {
	y, m, d := due.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
}

// DueWithin reports whether a plan due on due needs its order on day today, the order
// being created daysAhead days before the due date (and any day after it).
func DueWithin(due, today time.Time, daysAhead int) bool {
	return !due.After(today.AddDate(0, 0, daysAhead))
}

// Overdue reports whether a plan due on due is past it on today.
func Overdue(due, today time.Time) bool { return due.Before(today) }

// MonthEnd is the last day of today's month.
func MonthEnd(today time.Time) time.Time {
	return time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, time.UTC)
}

// SplitChecklist turns the form's text (one item a line) into the checklist's items,
// trimmed, without empty lines.
func SplitChecklist(text string) []string {
	var items []string
	for _, line := range strings.Split(text, "\n") {
		if s := strings.TrimSpace(line); s != "" {
			items = append(items, s)
		}
	}
	return items
}

// PlanInput is a plan as the form sends it.
type PlanInput struct {
	CycleMonths int
	// NextDue is the next due date (a day, midnight UTC); zero when missing or unreadable.
	NextDue   time.Time
	Checklist string
	Parts     string
}

// Valid checks the plan's shape; keys are catalog keys.
func (in PlanInput) Valid() map[string]string {
	f := map[string]string{}
	if in.CycleMonths < 1 || in.CycleMonths > MaxCycleMonths {
		f["cycle_months"] = "maint.field.cycle"
	}
	if in.NextDue.IsZero() {
		f["next_due"] = "maint.field.next_due"
	}
	items := SplitChecklist(in.Checklist)
	switch {
	case len(items) == 0:
		f["checklist"] = "maint.field.checklist_required"
	case len(items) > MaxChecklist:
		f["checklist"] = "maint.field.checklist_many"
	default:
		for _, it := range items {
			if len([]rune(it)) > maxChecklistItem {
				f["checklist"] = "maint.field.checklist_item"
			}
		}
	}
	return limits.Check(f, "checklist", in.Checklist, "parts", in.Parts)
}
