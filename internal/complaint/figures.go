package complaint

// The complaints behind the managers' report figures (internal/report), defined here
// once: the report counts them with these conditions and the complaint list filters by
// them (Filter.From, To, Basis, OnTime), so a figure's drill-down lists exactly the
// complaints it counts. Each condition is on complaints c; from, to and now are SQL
// expressions of a moment (placeholders), and an empty from or to leaves that side of
// the period open.

// Bases: which time of a complaint the period bounds.
const (
	// BasisCreated bounds the time the complaint was logged, created_at (the default).
	BasisCreated = "created"
	// BasisDue bounds the deadline due_at, and only deadlines already passed: the
	// complaints that fell due in the period.
	BasisDue = "due"
	// BasisPaid bounds the time the claim was paid, paid_at.
	BasisPaid = "paid"
)

// Bases are the valid bases.
var Bases = []string{BasisCreated, BasisDue, BasisPaid}

// CreatedIn: logged in [from, to) — the complaints of the complaints per 100 orders.
func CreatedIn(from, to string) string { return between("c.created_at", from, to) }

// DueIn: due in [from, least(to, now)) — the complaints whose deadline fell in the
// period before now, the denominator of the complaints handled on time.
func DueIn(from, to, now string) string {
	upper := now + "::timestamptz"
	if to != "" {
		upper = "least(" + to + "::timestamptz, " + now + "::timestamptz)"
	}
	return between("c.due_at", from, upper)
}

// PaidIn: paid in [from, to) — the claims paid.
func PaidIn(from, to string) string { return between("c.paid_at", from, to) }

// ProposedOnTime: a result was proposed at or before the deadline — of DueIn, the
// numerator of the complaints handled on time.
const ProposedOnTime = `EXISTS (SELECT 1 FROM complaint_events ev
	WHERE ev.complaint_id = c.id AND ev.to_state = 'proposed' AND ev.at <= c.due_at)`

// PeriodCond is the condition that basis's time lies in the period (CreatedIn, DueIn
// or PaidIn; "" is BasisCreated); ok is false for an unknown basis. now gives the
// moment's placeholder, asked for only by DueIn.
func PeriodCond(basis, from, to string, now func() string) (cond string, ok bool) {
	switch basis {
	case "", BasisCreated:
		return CreatedIn(from, to), true
	case BasisDue:
		return DueIn(from, to, now()), true
	case BasisPaid:
		return PaidIn(from, to), true
	}
	return "", false
}

// between is the condition that col lies in [from, to), each side open when empty.
func between(col, from, to string) string {
	switch {
	case from != "" && to != "":
		return "(" + col + " >= " + from + " AND " + col + " < " + to + ")"
	case from != "":
		return "(" + col + " >= " + from + ")"
	case to != "":
		return "(" + col + " < " + to + ")"
	}
	return "(" + col + " IS NOT NULL)"
}
