package workorder

import (
	"slices"

	"github.com/aftersales/aftersales/internal/workflow"
)

// The orders behind the managers' report figures (internal/report, figures.go), defined
// here once: the report counts them with these conditions and the order list filters
// by them (Filter.Figure), so a figure's drill-down lists exactly the orders it counts.
// Each condition is on work_orders o; now is the placeholder of the moment the report
// is read.

// Figure lists: report figure keys that the order list can filter by.
const (
	FigSLAContact = "sla_contact"
	FigSLAArrive  = "sla_arrive"
	FigSLARepair  = "sla_repair"
	FigFirstFix   = "first_fix"
	FigRepeatRate = "repeat_rate"
	// The medians' orders: the orders whose times the median is taken over (both sides
	// are the same list).
	FigMedianContact = "median_contact"
	FigMedianArrive  = "median_arrive"
	FigMedianRepair  = "median_repair"
)

// FigureLists are the figures the order list filters by, each with a numerator and a
// denominator side.
var FigureLists = []string{FigSLAContact, FigSLAArrive, FigSLARepair, FigFirstFix, FigRepeatRate,
	FigMedianContact, FigMedianArrive, FigMedianRepair}

// Sides of a figure.
const (
	SideNum = "num"
	SideDen = "den"
)

// Bases: which time of an order the period bounds.
const (
	// BasisCreated bounds the intake time created_at (the default).
	BasisCreated = "created"
	// BasisCompleted bounds the completion time completed_at.
	BasisCompleted = "completed"
)

// Bases are the valid bases.
var Bases = []string{BasisCreated, BasisCompleted}

// FigureBasis is the basis a figure's period bounds: completion for the first-time fix,
// intake for the rest.
func FigureBasis(figure string) string {
	if figure == FigFirstFix {
		return BasisCompleted
	}
	return BasisCreated
}

// notCancelled is the condition every figure's orders meet.
var notCancelled = workflow.StateIsNot("o", Cancelled)

// ContactKnown: not cancelled, and first contact made or its due time passed.
func ContactKnown(now string) string {
	return `(` + notCancelled + ` AND (o.first_contact_at IS NOT NULL OR o.contact_due_at < ` + now + `))`
}

// ContactInTime: not cancelled, first contact at or before its due time.
var ContactInTime = `(` + notCancelled + ` AND o.first_contact_at <= o.contact_due_at)`

// ArriveKnown: not cancelled, and arrived, or the arrival due time passed while the
// order still needed a visit (not remote, not resolved by phone).
func ArriveKnown(now string) string {
	return `(` + notCancelled + ` AND (o.arrived_at IS NOT NULL OR (o.arrive_due_at < ` + now + `
		AND o.service_mode IS DISTINCT FROM 'remote' AND NOT (o.service_mode IS NULL AND ` + workflow.StateIs("o", AwaitingCallback, Closed) + `))))`
}

// ArriveInTime: not cancelled, arrived at or before the arrival due time.
var ArriveInTime = `(` + notCancelled + ` AND o.arrived_at <= o.arrive_due_at)`

// RepairKnown: not cancelled, with a repair clock, and completed or the due time passed.
func RepairKnown(now string) string {
	return `(` + notCancelled + ` AND o.repair_due_at IS NOT NULL AND (o.completed_at IS NOT NULL OR o.repair_due_at < ` + now + `))`
}

// RepairInTime: not cancelled, completed at or before the repair due time.
var RepairInTime = `(` + notCancelled + ` AND o.completed_at <= o.repair_due_at)`

// FirstFixDone is the first-time fix condition on a completed order: never revisited,
// never repeated by a later order, never waiting for parts.
var FirstFixDone = `(o.revisit_count = 0
	AND NOT EXISTS (SELECT 1 FROM work_orders r WHERE r.repeat_of = o.id)
	AND NOT EXISTS (SELECT 1 FROM work_order_events e WHERE e.order_id = o.id AND ` + workflow.StateColumnIs("e.to_state", AwaitingParts) + `))`

// Contacted, Arrived and ArrivedCompleted are the orders each median is taken over:
// not cancelled, with the times it measures.
var (
	Contacted        = `(` + notCancelled + ` AND o.first_contact_at IS NOT NULL)`
	Arrived          = `(` + notCancelled + ` AND o.arrived_at IS NOT NULL)`
	ArrivedCompleted = `(` + notCancelled + ` AND o.arrived_at IS NOT NULL AND o.completed_at IS NOT NULL)`
)

// RepairOrder: a repair order, not cancelled.
var RepairOrder = `(` + notCancelled + ` AND o.service_type = 'repair')`

// RepeatRepair: a repair order, not cancelled, that repeats an earlier one.
var RepeatRepair = `(` + notCancelled + ` AND o.service_type = 'repair' AND o.repeat_of IS NOT NULL)`

// FigureCond is the condition of one side of a figure beyond its period ("" for the
// first-time fix's denominator: every order completed in the period); ok is false for
// an unknown figure or side. now gives the moment's placeholder, asked for only by the
// conditions that use it.
func FigureCond(figure, side string, now func() string) (cond string, ok bool) {
	if !slices.Contains(FigureLists, figure) || (side != SideNum && side != SideDen) {
		return "", false
	}
	num := side == SideNum
	switch figure {
	case FigSLAContact:
		if num {
			return ContactInTime, true
		}
		return ContactKnown(now()), true
	case FigSLAArrive:
		if num {
			return ArriveInTime, true
		}
		return ArriveKnown(now()), true
	case FigSLARepair:
		if num {
			return RepairInTime, true
		}
		return RepairKnown(now()), true
	case FigFirstFix:
		if num {
			return FirstFixDone, true
		}
		return "", true
	case FigMedianContact:
		return Contacted, true
	case FigMedianArrive:
		return Arrived, true
	case FigMedianRepair:
		return ArrivedCompleted, true
	default: // FigRepeatRate
		if num {
			return RepeatRepair, true
		}
		return RepairOrder, true
	}
}
