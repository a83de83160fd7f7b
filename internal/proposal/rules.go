package proposal

import (
	"time"

	"github.com/aftersales/aftersales/internal/textlimit"
)

// The rule numbers of the proposal procedure (客户提案处理制度), in one place.
const (
	// KeepMonths is the longest a proposal may be kept (保留) for study: it is decided
	// within two months of the decision to keep it.
	KeepMonths = 2
	// ReminderDays is how many days before its review date a kept proposal comes back
	// on the to-do list.
	ReminderDays = 7
	// CertificateThreshold is the number of proposals in one calendar year from which a
	// customer is marked for a certificate (奖状).
	CertificateThreshold = 10
	// MinAwardFen and MaxAwardFen bound an award level: 1 000–50 000 元, in fen.
	MinAwardFen = 100_000
	MaxAwardFen = 5_000_000
)

// The lengths of a proposal's texts, in characters.
const (
	// MaxContent bounds the proposal's content and the adopted measures.
	MaxContent = 2000
	// MaxName bounds a department and an award level's name.
	MaxName = 100
	// MaxNote bounds reasons and notes.
	MaxNote = 500
)

// limits maps each text field to its limit (MaxNote for fields not listed).
var limits = textlimit.Set{Default: MaxNote, Fields: map[string]int{
	"content": MaxContent, "measures": MaxContent,
	"department": MaxName, "name": MaxName,
	"reason": MaxNote, "note": MaxNote,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// checkLengths adds to f, for each name → value pair over its field's limit, the message
// naming the limit (a field that already has a message keeps it).
func checkLengths(f map[string]string, kv ...string) map[string]string { return limits.Check(f, kv...) }

// Day is the calendar day of t in loc, as midnight UTC (how date columns come back).
func Day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AddMonths is day plus n calendar months, held to the last day of a shorter month
// (31 December + 2 months is 28 or 29 February, not 3 March).
func AddMonths(day time.Time, n int) time.Time {
	y, m, d := day.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, time.UTC)
}

// KeepLimit is the latest review date of a proposal kept on day decided: exactly two
// months later. It is also the review date the keep form suggests.
func KeepLimit(decided time.Time) time.Time { return AddMonths(decided, KeepMonths) }

// ReviewAllowed reports whether review is a valid review date for a proposal kept on
// day decided: after the decision, and no later than KeepLimit.
func ReviewAllowed(decided, review time.Time) bool {
	return review.After(decided) && !review.After(KeepLimit(decided))
}

// DueFrom is the first day a kept proposal with review date review is on the to-do list.
func DueFrom(review time.Time) time.Time { return review.AddDate(0, 0, -ReminderDays) }

// KeptDue reports whether a proposal kept until review is due on day today: from
// ReminderDays before its review date on (overdue ones included).
func KeptDue(review, today time.Time) bool { return !today.Before(DueFrom(review)) }

// KeptOverdue reports whether a proposal kept until review is overdue on day today: its
// review date has passed without a decision.
func KeptOverdue(review, today time.Time) bool { return today.After(review) }

// Certificate reports whether a customer with n proposals in a calendar year is marked
// for a certificate (奖状).
func Certificate(n int) bool { return n >= CertificateThreshold }

// AwardInRange reports whether an award level's amount lies within the rule's range.
func AwardInRange(fen int64) bool { return fen >= MinAwardFen && fen <= MaxAwardFen }
