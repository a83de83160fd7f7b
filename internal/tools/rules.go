// Package tools keeps a station's tools ledger (工具台账): tools, fixtures, equipment and
// measuring instruments, lent to technicians and returned as append-only movements. A
// measuring instrument is lent only while its calibration is valid; the calibration-due
// list looks a configurable number of days ahead. This file holds the pure rules.
package tools

import (
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/textlimit"
)

// A tool's states.
const (
	Store       = "store"       // 在库
	Lent        = "lent"        // 借出
	Calibration = "calibration" // 送检中
	Retired     = "retired"     // 已报废
)

// Kinds of tool; an instrument (计量器具) carries a calibration cycle.
const (
	KindTool       = "tool"
	KindFixture    = "fixture"
	KindEquipment  = "equipment"
	KindInstrument = "instrument"
)

// Kinds lists the kinds in the order forms show them.
var Kinds = []string{KindTool, KindFixture, KindEquipment, KindInstrument}

// DefaultLeadDays is how many days ahead the calibration-due list looks when a station
// has not set it; MinLeadDays and MaxLeadDays bound the setting.
const (
	DefaultLeadDays = 30
	MinLeadDays     = 1
	MaxLeadDays     = 365
	// MaxCycleDays bounds an instrument's calibration cycle.
	MaxCycleDays = 3650
	// StocktakeEveryDays is how often tools are counted (weekly).
	StocktakeEveryDays = 7
)

var limits = textlimit.Set{Default: 500, Fields: map[string]int{
	"number": 40, "name": 100, "spec": 200, "location": 100, "note": 500, "reason": 200, "order": 40, "file_name": 200,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// Overdue reports whether an instrument's calibration has run out on today (a calendar
// day): the due day itself is still valid. An instrument never calibrated is overdue.
func Overdue(kind string, due *time.Time, today time.Time) bool {
	if kind != KindInstrument {
		return false
	}
	return due == nil || today.After(*due)
}

// DueWithin reports whether an instrument's calibration falls due within lead days of
// today, or has already run out.
func DueWithin(kind string, due *time.Time, today time.Time, lead int) bool {
	if kind != KindInstrument {
		return false
	}
	return due == nil || !due.After(today.AddDate(0, 0, lead))
}

// NextDue is the day a calibration done on day falls due again after cycle days.
func NextDue(day time.Time, cycle int) time.Time { return day.AddDate(0, 0, cycle) }

// Lendable says whether a tool in state, of kind and calibration due, may be lent on
// today: Conflict with a message naming why not.
func Lendable(state, kind string, due *time.Time, today time.Time) error {
	switch {
	case state == Lent:
		return apperr.New(apperr.Conflict, "tool.error.already_lent")
	case state != Store:
		return apperr.New(apperr.Conflict, "tool.error.not_in_store", "ToolState", state)
	case Overdue(kind, due, today) && due == nil:
		return apperr.New(apperr.Conflict, "tool.error.never_calibrated")
	case Overdue(kind, due, today):
		return apperr.New(apperr.Conflict, "tool.error.calibration_overdue", "Due", due.Format(time.DateOnly))
	}
	return nil
}

// Manages reports whether the actor keeps the tools ledger: storekeepers and managers.
func Manages(a auth.Actor) bool { return a.Is(auth.RoleStorekeeper, auth.RoleManager) }

// Permissions are what the actor may do to one tool now.
type Permissions struct {
	Lend, Return, SendCalibration, Calibrate, Retire bool
}

// Allowed is what actor may do to a tool in state of kind, on today.
func Allowed(a auth.Actor, state, kind string, due *time.Time, today time.Time) Permissions {
	if !Manages(a) {
		return Permissions{}
	}
	return Permissions{
		Lend:            Lendable(state, kind, due, today) == nil,
		Return:          state == Lent,
		SendCalibration: state == Store && kind == KindInstrument,
		Calibrate:       kind == KindInstrument && (state == Store || state == Calibration),
		Retire:          state == Store || state == Calibration,
	}
}

// StocktakeDue reports whether the station's tools are due a count: never counted, or
// last counted StocktakeEveryDays or more before now.
func StocktakeDue(last *time.Time, now time.Time) bool {
	return last == nil || now.Sub(*last) >= StocktakeEveryDays*24*time.Hour
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
