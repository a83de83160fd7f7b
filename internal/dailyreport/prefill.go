package dailyreport

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/db"
)

// Facts are what the system knows of a technician's day, from the orders' event log:
// read-only on the report, kept with each revision as it was when submitted.
type Facts struct {
	// Jobs are the orders the technician worked on that day or had an appointment for,
	// in appointment order.
	Jobs  []Job      `json:"jobs"`
	Parts []PartUsed `json:"parts"`
	// Legs are the trips between the sites visited, in appointment order.
	Legs []Leg `json:"legs"`
	// Counts of the day's steps, and the minutes on site (check-in to completion).
	CheckedIn     int `json:"checked_in"`
	Completed     int `json:"completed"`
	Workshop      int `json:"workshop"`
	AwaitingParts int `json:"awaiting_parts"`
	OnSiteMinutes int `json:"on_site_minutes"`
}

// Job is one order of the day.
type Job struct {
	OrderID          int64      `json:"order_id"`
	Number           string     `json:"number"`
	Customer         string     `json:"customer"`
	Address          string     `json:"address"`
	AppointmentStart *time.Time `json:"appointment_start,omitempty"`
	CheckedInAt      *time.Time `json:"checked_in_at,omitempty"`
	CompletedAt      *time.Time `json:"completed_at,omitempty"`
	WorkshopAt       *time.Time `json:"workshop_at,omitempty"`
	AwaitingPartsAt  *time.Time `json:"awaiting_parts_at,omitempty"`
	// MissingParts is what the job waits for, as the technician wrote it.
	MissingParts string `json:"missing_parts,omitempty"`
	// OnSiteMinutes is check-in to completion (or to leaving for the workshop or for
	// parts), when both fall on the day.
	OnSiteMinutes int `json:"on_site_minutes"`
}

// Left is when the technician left the job's site that day: completed, took the unit to
// the workshop or stopped for parts, whichever came last.
func (j Job) Left() *time.Time {
	var last *time.Time
	for _, t := range []*time.Time{j.CompletedAt, j.WorkshopAt, j.AwaitingPartsAt} {
		if t != nil && (last == nil || t.After(*last)) {
			last = t
		}
	}
	return last
}

// PartUsed is a part recorded as used on a job completed that day.
type PartUsed struct {
	Number   string `json:"number"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	UOM      string `json:"uom"`
	Quantity int    `json:"quantity"`
}

// Leg is the trip from one site to the next.
type Leg struct {
	From        string     `json:"from"`
	To          string     `json:"to"`
	FromAddress string     `json:"from_address"`
	ToAddress   string     `json:"to_address"`
	Left        *time.Time `json:"left,omitempty"`
	Arrived     time.Time  `json:"arrived"`
	// Minutes between leaving one site and checking in at the next (0 when unknown).
	Minutes int `json:"minutes"`
}

// The steps of the order workflow a technician's day is made of.
var daySteps = []string{"check_in", "complete", "take_to_workshop", "await_parts"}

// Prefill computes technician tech's facts of day from the orders' events (by the
// technician, on that local day) and their appointments that day.
func Prefill(ctx context.Context, q db.Querier, tech int64, day time.Time, loc *time.Location) (Facts, error) {
	start, end := DayBounds(day, loc)
	f := Facts{Jobs: []Job{}, Parts: []PartUsed{}, Legs: []Leg{}}
	rows, err := q.Query(ctx, `SELECT o.id, o.number, c.name, o.address, o.appointment_start
		FROM work_orders o JOIN customers c ON c.id = o.customer_id
		WHERE o.id IN (SELECT e.order_id FROM work_order_events e WHERE e.actor_id = $1 AND e.at >= $2 AND e.at < $3 AND e.transition = ANY($4))
		   OR (o.assignee_id = $1 AND o.appointment_start >= $2 AND o.appointment_start < $3 AND o.state <> 'cancelled')
		ORDER BY o.id`, tech, start, end, daySteps)
	if err != nil {
		return f, db.Translate(err, "day's orders")
	}
	byID := map[int64]*Job{}
	for rows.Next() {
		var j Job
		if err := rows.Scan(&j.OrderID, &j.Number, &j.Customer, &j.Address, &j.AppointmentStart); err != nil {
			rows.Close()
			return f, db.Translate(err, "day's orders")
		}
		f.Jobs = append(f.Jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, db.Translate(err, "day's orders")
	}
	for i := range f.Jobs {
		byID[f.Jobs[i].OrderID] = &f.Jobs[i]
	}
	rows, err = q.Query(ctx, `SELECT e.order_id, e.transition, e.at, e.note FROM work_order_events e
		WHERE e.actor_id = $1 AND e.at >= $2 AND e.at < $3 AND e.transition = ANY($4) ORDER BY e.at, e.id`, tech, start, end, daySteps)
	if err != nil {
		return f, db.Translate(err, "day's events")
	}
	for rows.Next() {
		var id int64
		var step, note string
		var at time.Time
		if err := rows.Scan(&id, &step, &at, &note); err != nil {
			rows.Close()
			return f, db.Translate(err, "day's events")
		}
		j := byID[id]
		if j == nil {
			continue
		}
		switch step {
		case "check_in":
			f.CheckedIn++
			if j.CheckedInAt == nil {
				j.CheckedInAt = &at
			}
		case "complete":
			f.Completed++
			j.CompletedAt = &at
		case "take_to_workshop":
			f.Workshop++
			j.WorkshopAt = &at
		case "await_parts":
			f.AwaitingParts++
			j.AwaitingPartsAt = &at
			j.MissingParts = note
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, db.Translate(err, "day's events")
	}
	// Appointment order; jobs without one by their check-in.
	slices.SortStableFunc(f.Jobs, func(a, b Job) int {
		return cmp.Compare(sortKey(a).UnixNano(), sortKey(b).UnixNano())
	})
	var completed []int64
	var prev *Job
	for i := range f.Jobs {
		j := &f.Jobs[i]
		if j.CheckedInAt != nil {
			if left := j.Left(); left != nil && left.After(*j.CheckedInAt) {
				j.OnSiteMinutes = int(left.Sub(*j.CheckedInAt) / time.Minute)
				f.OnSiteMinutes += j.OnSiteMinutes
			}
			if prev != nil {
				leg := Leg{From: prev.Number + " " + prev.Customer, To: j.Number + " " + j.Customer, FromAddress: prev.Address,
					ToAddress: j.Address, Left: prev.Left(), Arrived: *j.CheckedInAt}
				if leg.Left != nil && leg.Arrived.After(*leg.Left) {
					leg.Minutes = int(leg.Arrived.Sub(*leg.Left) / time.Minute)
				}
				f.Legs = append(f.Legs, leg)
			}
			prev = j
		}
		if j.CompletedAt != nil {
			completed = append(completed, j.OrderID)
		}
	}
	if len(completed) > 0 {
		rows, err = q.Query(ctx, `SELECT o.number, p.code, p.name, p.uom, u.quantity FROM order_parts_used u
			JOIN parts p ON p.id = u.part_id JOIN work_orders o ON o.id = u.order_id
			WHERE u.order_id = ANY($1) ORDER BY o.number, p.code`, completed)
		if err != nil {
			return f, db.Translate(err, "parts used")
		}
		for rows.Next() {
			var p PartUsed
			if err := rows.Scan(&p.Number, &p.Code, &p.Name, &p.UOM, &p.Quantity); err != nil {
				rows.Close()
				return f, db.Translate(err, "parts used")
			}
			f.Parts = append(f.Parts, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return f, db.Translate(err, "parts used")
		}
	}
	return f, nil
}

// sortKey orders a job in the day: its appointment, else its check-in, else last.
func sortKey(j Job) time.Time {
	switch {
	case j.AppointmentStart != nil:
		return *j.AppointmentStart
	case j.CheckedInAt != nil:
		return *j.CheckedInAt
	}
	return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
}

// HadJobs reports whether the facts show any job that day.
func (f Facts) HadJobs() bool { return len(f.Jobs) > 0 }
