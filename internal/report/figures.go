package report

// The report's figures. Each is defined here once, in the comment beside its key; the
// catalog sentence report.def.<key> says the same to the user, and docs/domain.md
// ("Reports") repeats it. The SQL that computes them is in store.go, with the conditions
// of the order figures from workorder (figures.go there), which the order list filters
// by too; every figure keeps its numerator and denominator so the page can show them.

// Unit says how a figure is shown.
type Unit string

// The units of figures.
const (
	// Share: Num of Den, in whole percent rounded down (never above 100).
	Share Unit = "share"
	// Minutes: a median in minutes; Num is the median rounded, Den how many were measured.
	Minutes Unit = "minutes"
	// Score: an average of 1–5 scores; Num is their sum, Den how many.
	Score Unit = "score"
	// Count: Num things (Den unused).
	Count Unit = "count"
	// Per100: Num per 100 of Den.
	Per100 Unit = "per100"
	// Fen: Num fen of money (Den: how many payments make it up).
	Fen Unit = "fen"
)

// Figure keys, in the order the page lists them.
const (
	// Received: orders created in the period (cancelled ones included).
	Received = "received"
	// SLAContact: of the orders created in the period and not cancelled whose contact is
	// known (first contact made, or contact_due_at passed without one), the share with
	// first_contact_at ≤ contact_due_at.
	SLAContact = "sla_contact"
	// SLAArrive: of the orders created in the period and not cancelled that need a visit
	// and whose arrival is known (arrived, or arrive_due_at passed while the order still
	// needed a visit: not remote, not resolved by phone), the share with
	// arrived_at ≤ arrive_due_at.
	SLAArrive = "sla_arrive"
	// SLARepair: of the orders created in the period and not cancelled with a repair clock
	// (repair_due_at, set at arrival) whose outcome is known (completed, or the due time
	// passed), the share with completed_at ≤ repair_due_at.
	SLARepair = "sla_repair"
	// MedianContact: median minutes from created_at to first_contact_at over the orders
	// created in the period (not cancelled) that were contacted.
	MedianContact = "median_contact"
	// MedianArrive: median minutes from created_at to arrived_at, same orders, arrived.
	MedianArrive = "median_arrive"
	// MedianRepair: median minutes from arrived_at to completed_at, same orders, completed.
	MedianRepair = "median_repair"
	// FirstFix: of the orders completed in the period (completed_at in it), the share
	// with revisit_count = 0, no later order with repeat_of = this order, and never in
	// awaiting_parts (no work_order_events row with to_state 'awaiting_parts').
	FirstFix = "first_fix"
	// RepeatRate: of the repair orders (service_type 'repair') created in the period and
	// not cancelled, the share that are repeat repairs (repeat_of IS NOT NULL).
	RepeatRate = "repeat_rate"
	// CallbackRate: the callback queue's rate (workorder.CallbackRate) over the period: a
	// callback falls due once per entry into awaiting_callback, at the due time recorded
	// with that entry; of those due in the period and before now, the share that a
	// reached call answered after that entry and before the order's next entry.
	CallbackRate = "callback_rate"
	// ScoreAttitude … ScoreOverall: the average of each survey scale over the reached
	// calls made in the period.
	ScoreAttitude   = "score_attitude"
	ScoreTimeliness = "score_timeliness"
	ScoreQuality    = "score_quality"
	ScoreOverall    = "score_overall"
	// ComplaintsPer100: complaints logged in the period per 100 orders created in it.
	ComplaintsPer100 = "complaints_per_100"
	// ComplaintsOnTime: of the complaints whose deadline (due_at) fell in the period and
	// before now, the share with a result proposed (a complaint_events row into
	// 'proposed') at or before the deadline.
	ComplaintsOnTime = "complaints_on_time"
	// ClaimsPaid: claims paid in the period (paid_at in it): the sum of their approved
	// amounts in fen (Num) and how many (Den).
	ClaimsPaid = "claims_paid"
)

// Keys are the figures of a station's column, in order.
var Keys = []string{Received, SLAContact, SLAArrive, SLARepair, MedianContact, MedianArrive, MedianRepair,
	FirstFix, RepeatRate, CallbackRate, ScoreAttitude, ScoreTimeliness, ScoreQuality, ScoreOverall,
	ComplaintsPer100, ComplaintsOnTime, ClaimsPaid}

// Units are the units of the figures by key.
var Units = map[string]Unit{
	Received: Count, SLAContact: Share, SLAArrive: Share, SLARepair: Share,
	MedianContact: Minutes, MedianArrive: Minutes, MedianRepair: Minutes,
	FirstFix: Share, RepeatRate: Share, CallbackRate: Share,
	ScoreAttitude: Score, ScoreTimeliness: Score, ScoreQuality: Score, ScoreOverall: Score,
	ComplaintsPer100: Per100, ComplaintsOnTime: Share, ClaimsPaid: Fen,
}

// Section-level figures outside a station's column, also with catalog definitions
// (report.def.<key>):
const (
	// TechDone: orders the technician (the order's assignee) completed in the period;
	// TechFirstFix: of them, first-time fixes as FirstFix; TechOverall: the average
	// overall score of reached calls made in the period on their orders; TechComplaints:
	// complaints logged in the period naming them; TechRepeats: repeat repairs created in
	// the period of orders assigned to them; TechReschedules: reschedule events they
	// recorded in the period; TechOnSite: average minutes arrived_at → completed_at of
	// their orders completed in the period.
	TechSection = "technicians"
	// PartsConsumed: issue movements minus returns (kinds 'issue' and 'return') in the
	// period at the station's locations: quantity, and value at the catalogue's current
	// unit price; the top 10 parts by value. PartsLow: active parts with a reorder point
	// whose warehouse stock is at or below it now (the purchase plan's rule), per station.
	PartsSection = "parts"
	// Settlements: settlements made in the period by method (count, sum fen).
	// Receivables: orders quoted but not settled now (fees_state 'pending' or
	// 'receivable'): count and the sum of their chargeable lines. Free work: orders
	// completed in the period listed at zero, by reason (warranty 'in', 'repair').
	MoneySection = "money"
	// Trend: orders created and the SLA contact share by week (day and week periods) or
	// month, for the 12 weeks or months ending with the period.
	TrendSection = "trend"
	// Breakdown: the orders completed in the period by their field class, the
	// air-compressor manual's yearly breakdown of field work (work_orders.field_class:
	// picked at completion, corrected by a supervisor); completed orders without a class
	// count as unclassified. Shares are of all orders completed in the period.
	BreakdownSection = "breakdown"
)

// ClassCount is one field class of the breakdown.
type ClassCount struct {
	// Class is one of workorder.FieldClasses, or "" for unclassified.
	Class string
	Count int64
	// Share is Count of all completed orders (0–100), valid when the total is above 0.
	Share float64
}

// Figure is one figure of one station (0: all stations of the report) for one period.
type Figure struct {
	Key  string
	Unit Unit
	// Num and Den are the figure's numerator and denominator (see Unit).
	Num, Den int64
	// URL is the list behind the figure.
	URL string
	// NumURL and DenURL, when set, are the order lists whose counts are Num and Den.
	NumURL, DenURL string
}

// OK reports whether the figure has a value: something was counted.
func (f Figure) OK() bool {
	switch f.Unit {
	case Count, Fen:
		return true
	}
	return f.Den > 0
}

// Value is the figure as a number: whole percent for a share, minutes, an average score
// (two decimals), a count, per 100 (one decimal), or fen. 0 when not OK.
func (f Figure) Value() float64 {
	if !f.OK() {
		return 0
	}
	switch f.Unit {
	case Share:
		return float64(ShareOf(f.Num, f.Den))
	case Score:
		return round(float64(f.Num)/float64(f.Den), 100)
	case Per100:
		return round(float64(f.Num)*100/float64(f.Den), 10)
	}
	return float64(f.Num)
}

// ShareOf is num of den in whole percent rounded down, as the callback queue counts its
// rate (0 when den is 0).
func ShareOf(num, den int64) int64 {
	if den == 0 {
		return 0
	}
	return num * 100 / den
}

func round(v, scale float64) float64 {
	if v < 0 {
		return -round(-v, scale)
	}
	return float64(int64(v*scale+0.5)) / scale
}

// Set is the figures of one station for one period, in the order of Keys.
type Set []Figure

// Get returns the figure with key k (zero when absent).
func (s Set) Get(k string) Figure {
	for _, f := range s {
		if f.Key == k {
			return f
		}
	}
	return Figure{Key: k, Unit: Units[k]}
}

// newSet is an empty set: every figure at zero.
func newSet() Set {
	s := make(Set, len(Keys))
	for i, k := range Keys {
		s[i] = Figure{Key: k, Unit: Units[k]}
	}
	return s
}

func (s Set) set(k string, num, den int64) {
	for i := range s {
		if s[i].Key == k {
			s[i].Num, s[i].Den = num, den
		}
	}
}

func (s Set) add(k string, num, den int64) {
	for i := range s {
		if s[i].Key == k {
			s[i].Num += num
			s[i].Den += den
		}
	}
}
