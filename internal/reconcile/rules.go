// Package reconcile is the manager's daily reconciliation (对账): for each technician and
// local day, the jobs they completed are checked against what came back to the office —
// the signature or its reason, the field report, the printed work order (回单), the cash
// collected on site and the callbacks — and every mismatch is a line the manager resolves
// before closing the day.
package reconcile

import (
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/fee"
)

// Kind names a kind of mismatch.
type Kind string

// The kinds of mismatch, in the order a day's lines list them.
const (
	// NoSignature: the report has neither the customer's signature nor the reason.
	NoSignature Kind = "no_signature"
	// ReportIncomplete: the field report lacks diagnosis, cause, actions, test run or class.
	ReportIncomplete Kind = "report_incomplete"
	// NotReturned: the printed work order has not come back to the office (回单未交).
	NotReturned Kind = "not_returned"
	// CashUnsettled: the customer confirmed a quote on the tablet, so money may have
	// changed hands on site, but no settlement is recorded.
	CashUnsettled Kind = "cash_unsettled"
	// CashNotHanded: a settlement in cash has not been handed over to the office in full.
	CashNotHanded Kind = "cash_not_handed"
	// CallbackContradicts: the report says the customer was satisfied (signed, or rated
	// 满意/非常满意 on the tablet) and a later callback that reached them recorded the
	// customer not satisfied or an overall score of 不满意 or worse.
	CallbackContradicts Kind = "callback_contradicts"
)

// Kinds lists every kind of mismatch.
var Kinds = []Kind{NoSignature, ReportIncomplete, NotReturned, CashUnsettled, CashNotHanded, CallbackContradicts}

// Action is how a line is resolved.
type Action string

// The resolutions of a line.
const (
	// Accept: the manager accepts the job as it is, with the explanation.
	Accept Action = "accept"
	// RequireOrder: the technician must bring the work order (or what is missing).
	RequireOrder Action = "require_order"
	// RemedialCallback: the order goes back on the callback queue, due now (补救回访).
	RemedialCallback Action = "remedial_callback"
)

// Actions lists the resolutions.
var Actions = []Action{Accept, RequireOrder, RemedialCallback}

// Job is one job a technician completed on the day, with what the office knows of it.
type Job struct {
	TechnicianID      int64     `db:"technician_id"`
	OrderID           int64     `db:"order_id"`
	Number            string    `db:"number"`
	CustomerName      string    `db:"customer_name"`
	CompletedAt       time.Time `db:"completed_at"`
	State             string    `db:"state"`
	Signed            bool      `db:"signed"`
	NoSignatureReason string    `db:"no_signature_reason"`
	Diagnosis         string    `db:"diagnosis"`
	FaultCause        string    `db:"fault_cause"`
	ActionsTaken      string    `db:"actions_taken"`
	TestRun           *string   `db:"test_run"`
	FieldClass        *string   `db:"field_class"`
	// Rating is the customer's rating on the tablet (1–5), if given.
	Rating *int `db:"rating"`
	// ReturnedAt is when the office ticked 回单已交.
	ReturnedAt *time.Time `db:"returned_at"`
	// TabletQuoteFen is the total of the latest quote the customer confirmed on the tablet.
	TabletQuoteFen *int64 `db:"tablet_quote_fen"`
	// SettledFen and SettleMethod are the order's settlement, if any.
	SettledFen   *int64  `db:"settled_fen"`
	SettleMethod *string `db:"settle_method"`
	// HandedFen is the cash the manager confirmed handed over for the order.
	HandedFen *int64 `db:"handed_fen"`
	// CallbackOverall and CallbackSatisfied are the least satisfied reached callback made
	// after the completion, if any.
	CallbackOverall   *int  `db:"callback_overall"`
	CallbackSatisfied *bool `db:"callback_satisfied"`
}

// Found is a mismatch the rules found in a job.
type Found struct {
	OrderID int64
	Kind    Kind
	// Detail says what does not match, language-neutral: amounts in yuan, field names,
	// scores.
	Detail string
}

// MissingFields are the field-report fields a job lacks, by their form names.
func MissingFields(j Job) []string {
	var out []string
	for _, f := range []struct {
		name  string
		empty bool
	}{
		{"diagnosis", strings.TrimSpace(j.Diagnosis) == ""},
		{"fault_cause", strings.TrimSpace(j.FaultCause) == ""},
		{"actions_taken", strings.TrimSpace(j.ActionsTaken) == ""},
		{"test_run", j.TestRun == nil || *j.TestRun == ""},
		{"field_class", j.FieldClass == nil || *j.FieldClass == ""},
	} {
		if f.empty {
			out = append(out, f.name)
		}
	}
	return out
}

// ReportSaysSatisfied reports whether the report claims a satisfied customer: signed,
// or rated 4 (满意) or 5 (非常满意) on the tablet.
func ReportSaysSatisfied(j Job) bool {
	return j.Signed || (j.Rating != nil && *j.Rating >= 4)
}

// CallbackSaysUnsatisfied reports whether a reached callback recorded the customer not
// satisfied, or an overall score of 2 (不满意) or 1 (非常不满意).
func CallbackSaysUnsatisfied(j Job) bool {
	return (j.CallbackSatisfied != nil && !*j.CallbackSatisfied) || (j.CallbackOverall != nil && *j.CallbackOverall <= 2)
}

// Check is the one definition of a mismatch: what the job's report, the office's ticks,
// the money and the callbacks say that does not agree, in the order of Kinds.
func Check(j Job) []Found {
	var out []Found
	add := func(k Kind, detail string) { out = append(out, Found{OrderID: j.OrderID, Kind: k, Detail: detail}) }
	if !j.Signed && strings.TrimSpace(j.NoSignatureReason) == "" {
		add(NoSignature, "")
	}
	if m := MissingFields(j); len(m) > 0 {
		add(ReportIncomplete, strings.Join(m, ","))
	}
	if j.ReturnedAt == nil {
		add(NotReturned, "")
	}
	if j.TabletQuoteFen != nil && *j.TabletQuoteFen > 0 && j.SettledFen == nil {
		add(CashUnsettled, fee.FormatFen(*j.TabletQuoteFen))
	}
	if j.SettledFen != nil && j.SettleMethod != nil && *j.SettleMethod == "cash" && (j.HandedFen == nil || *j.HandedFen != *j.SettledFen) {
		handed := int64(0)
		if j.HandedFen != nil {
			handed = *j.HandedFen
		}
		add(CashNotHanded, fee.FormatFen(*j.SettledFen)+" / "+fee.FormatFen(handed))
	}
	if ReportSaysSatisfied(j) && CallbackSaysUnsatisfied(j) {
		rated := "-"
		if j.Rating != nil {
			rated = string(rune('0' + *j.Rating))
		}
		overall := "-"
		if j.CallbackOverall != nil {
			overall = string(rune('0' + *j.CallbackOverall))
		}
		add(CallbackContradicts, rated+" → "+overall)
	}
	return out
}

// Line is one mismatch line of a technician's day.
type Line struct {
	// ID is the stored line's id; 0 for a mismatch found now and not stored yet.
	ID         int64      `db:"id"`
	OrderID    int64      `db:"order_id"`
	Kind       Kind       `db:"kind"`
	Detail     string     `db:"detail"`
	Resolution *Action    `db:"resolution"`
	Note       string     `db:"note"`
	ResolvedBy string     `db:"resolved_by_name"`
	ResolvedAt *time.Time `db:"resolved_at"`
}

// Resolved reports whether the line has its resolution.
func (l Line) Resolved() bool { return l.Resolution != nil }

// Merge is the day's lines: a closed day's are the stored ones as they were closed; an
// open day's are the mismatches found now (with their stored resolution, if any) and the
// stored lines resolved earlier whose mismatch has gone since. An unresolved stored line
// whose mismatch has gone is dropped: nothing is left to resolve. Lines are in order of
// the jobs, then of Kinds.
func Merge(found []Found, stored []Line, closed bool, jobOrder []int64) []Line {
	var out []Line
	if closed {
		out = slices.Clone(stored)
	} else {
		type key struct {
			order int64
			kind  Kind
		}
		have := map[key]Line{}
		for _, l := range stored {
			have[key{l.OrderID, l.Kind}] = l
		}
		seen := map[key]bool{}
		for _, f := range found {
			k := key{f.OrderID, f.Kind}
			seen[k] = true
			if l, ok := have[k]; ok {
				out = append(out, l)
				continue
			}
			out = append(out, Line{OrderID: f.OrderID, Kind: f.Kind, Detail: f.Detail})
		}
		for _, l := range stored {
			if !seen[key{l.OrderID, l.Kind}] && l.Resolved() {
				out = append(out, l)
			}
		}
	}
	pos := func(id int64) int {
		if i := slices.Index(jobOrder, id); i >= 0 {
			return i
		}
		return len(jobOrder)
	}
	slices.SortStableFunc(out, func(a, b Line) int {
		if d := pos(a.OrderID) - pos(b.OrderID); d != 0 {
			return d
		}
		if a.OrderID != b.OrderID {
			return int(a.OrderID - b.OrderID)
		}
		return slices.Index(Kinds, a.Kind) - slices.Index(Kinds, b.Kind)
	})
	return out
}

// Unresolved counts the lines without a resolution.
func Unresolved(lines []Line) int {
	n := 0
	for _, l := range lines {
		if !l.Resolved() {
			n++
		}
	}
	return n
}
