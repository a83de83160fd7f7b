package complaint

import (
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/fee"
)

// Complaint is one complaint (or claim) as the pages show it.
type Complaint struct {
	ID              int64      `db:"id"`
	Number          string     `db:"number"`
	StationID       int64      `db:"station_id"`
	StationName     string     `db:"station_name"`
	State           State      `db:"state"`
	Version         int        `db:"version"`
	Channel         string     `db:"channel"`
	CustomerID      int64      `db:"customer_id"`
	CustomerName    string     `db:"customer_name"`
	ContactPhone    string     `db:"contact_phone"`
	UnitID          *int64     `db:"unit_id"`
	UnitLabel       string     `db:"unit_label"`
	TechnicianID    *int64     `db:"technician_id"`
	TechnicianName  string     `db:"technician_name"`
	Category        string     `db:"category"`
	Severity        string     `db:"severity"`
	WhatHappened    string     `db:"what_happened"`
	CustomerAsks    string     `db:"customer_asks"`
	RepeatOf        *int64     `db:"repeat_of"`
	RepeatOfNumber  string     `db:"repeat_of_number"`
	ResponsibleID   *int64     `db:"responsible_id"`
	ResponsibleName string     `db:"responsible_name"`
	DueAt           *time.Time `db:"due_at"`
	Investigation   string     `db:"investigation"`
	Cause           string     `db:"cause"`
	Responsibility  string     `db:"responsibility"`
	Result          string     `db:"result"`
	Rejections      int        `db:"rejections"`
	WithdrawReason  string     `db:"withdraw_reason"`
	IsClaim         bool       `db:"is_claim"`
	ClaimFen        *int64     `db:"claim_fen"`
	Appraisal       *string    `db:"appraisal"`
	AppraisalReason string     `db:"appraisal_reason"`
	ApprovedFen     *int64     `db:"approved_fen"`
	ApprovedBy      *int64     `db:"approved_by"`
	ApprovedByName  string     `db:"approved_by_name"`
	ApprovedAt      *time.Time `db:"approved_at"`
	PaidAt          *time.Time `db:"paid_at"`
	PaidHow         string     `db:"paid_how"`
	CreatedBy       int64      `db:"created_by"`
	CreatedByName   string     `db:"created_by_name"`
	CreatedAt       time.Time  `db:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at"`
	ClosedAt        *time.Time `db:"closed_at"`
	// Orders are the work orders the complaint concerns: "id number" pairs.
	Orders []OrderRef `db:"orders"`
}

// OrderRef is a work order a complaint concerns.
type OrderRef struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
}

// Facts are the complaint's facts for the machine.
func (c Complaint) Facts() Facts {
	f := Facts{State: c.State, Investigated: strings.TrimSpace(c.Cause) != "", Claim: c.IsClaim,
		Appraised: c.Appraisal != nil, Approved: c.ApprovedFen != nil, Paid: c.PaidAt != nil}
	if c.ResponsibleID != nil {
		f.ResponsibleID = *c.ResponsibleID
	}
	f.ApprovedZero = c.ApprovedFen != nil && *c.ApprovedFen == 0
	return f
}

// Overdue reports whether the complaint is past its deadline at now.
func (c Complaint) Overdue(now time.Time) bool { return Overdue(c.State, c.DueAt, now) }

// Money shows an amount in yuan ("" for none).
func Money(fen *int64) string {
	if fen == nil {
		return ""
	}
	return fee.FormatFen(*fen)
}

// Event is one line of a complaint's timeline.
type Event struct {
	ID        int64          `db:"id"`
	Step      string         `db:"step"`
	FromState *string        `db:"from_state"`
	ToState   string         `db:"to_state"`
	ActorName string         `db:"actor_name"`
	At        time.Time      `db:"at"`
	Note      string         `db:"note"`
	Data      map[string]any `db:"data"`
}

// selectComplaint reads complaints under alias c with the names the pages show.
const selectComplaint = `SELECT c.id, c.number, c.station_id, s.name AS station_name, c.state, c.version, c.channel,
	c.customer_id, cu.name AS customer_name, c.contact_phone, c.unit_id,
	coalesce((SELECT u.model || ' · ' || u.serial FROM units u WHERE u.id = c.unit_id), '') AS unit_label,
	c.technician_id, coalesce((SELECT display_name FROM users WHERE id = c.technician_id), '') AS technician_name,
	c.category, c.severity, c.what_happened, c.customer_asks, c.repeat_of,
	coalesce((SELECT number FROM complaints p WHERE p.id = c.repeat_of), '') AS repeat_of_number,
	c.responsible_id, coalesce((SELECT display_name FROM users WHERE id = c.responsible_id), '') AS responsible_name,
	c.due_at, c.investigation, c.cause, c.responsibility, c.result, c.rejections, c.withdraw_reason,
	c.is_claim, c.claim_fen, c.appraisal, c.appraisal_reason, c.approved_fen, c.approved_by,
	coalesce((SELECT display_name FROM users WHERE id = c.approved_by), '') AS approved_by_name,
	c.approved_at, c.paid_at, c.paid_how, c.created_by,
	(SELECT display_name FROM users WHERE id = c.created_by) AS created_by_name,
	c.created_at, c.updated_at, c.closed_at,
	coalesce((SELECT json_agg(json_build_object('id', o.id, 'number', o.number) ORDER BY o.created_at)
		FROM complaint_orders co JOIN work_orders o ON o.id = co.order_id WHERE co.complaint_id = c.id), '[]') AS orders
	FROM complaints c JOIN stations s ON s.id = c.station_id JOIN customers cu ON cu.id = c.customer_id`
