package complaint

import (
	"time"

	"github.com/aftersales/aftersales/internal/calendar"
)

// The numbers of the complaint rules. Every deadline, window and limit the service, the
// lists and the home page use is computed here; nothing here reads a clock or a database.

// Rules are a station's complaint numbers (table complaint_rules), editable by its manager.
type Rules struct {
	// Working days from assignment to the deadline, by severity.
	DueGeneralWorkdays   int
	DueImportantWorkdays int
	DueMajorWorkdays     int
	// ClaimLimitFen: approving a claim above it needs a manager of a centre or headquarters.
	ClaimLimitFen int64
}

// DefaultRules apply to a station when neither it nor a station above it has its own.
var DefaultRules = Rules{DueGeneralWorkdays: 5, DueImportantWorkdays: 3, DueMajorWorkdays: 1, ClaimLimitFen: 500000}

// MaxDueWorkdays bounds each severity's working days.
const MaxDueWorkdays = 60

// RepeatWindow: a complaint from a customer who complained within it is a repeat.
const RepeatWindow = 30 * 24 * time.Hour

// Severities in increasing weight; categories and channels as the forms offer them.
var (
	Severities = []string{"general", "important", "major"}
	Categories = []string{"attitude", "quality", "timeliness", "fees", "parts", "product", "other"}
	Channels   = []string{"phone", "visit", "email", "letter", "online", "other"}
	Appraisals = []string{"valid", "partly", "invalid"}
	PayMethods = []string{"transfer", "cash", "offset", "other"}
)

// DueWorkdays returns the working days a complaint of severity has.
func (r Rules) DueWorkdays(severity string) int {
	switch severity {
	case "major":
		return r.DueMajorWorkdays
	case "important":
		return r.DueImportantWorkdays
	}
	return r.DueGeneralWorkdays
}

// Due returns a complaint's deadline when it is assigned at start: the severity's working
// days later on the business calendar.
func Due(r Rules, cal calendar.Calendar, severity string, start time.Time) time.Time {
	return cal.AddWorkingDays(start, r.DueWorkdays(severity))
}

// Overdue reports whether a complaint is past its deadline while it still waits for a
// result.
func Overdue(s State, due *time.Time, now time.Time) bool {
	return s.Running() && due != nil && now.After(*due)
}

// IsRepeat reports whether a complaint logged at now follows the customer's previous one,
// logged at prev, within the repeat window.
func IsRepeat(prev, now time.Time) bool {
	return !prev.IsZero() && now.Sub(prev) <= RepeatWindow
}

// NeedsUpperManager reports whether approving fen needs a manager of a centre or
// headquarters.
func NeedsUpperManager(r Rules, fen int64) bool { return fen > r.ClaimLimitFen }
