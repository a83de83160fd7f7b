package workorder

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// Person is a user as a choice in a form.
type Person struct {
	ID   int64  `db:"id"`
	Name string `db:"display_name"`
}

// OrderPage is everything the order page shows.
type OrderPage struct {
	Order    Order
	Timeline []Event
	// Actions are the actions the actor may take now, in workflow order (see pageActions).
	// CanRequestParts says the actor may ask for parts for the order now (the assigned
	// technician or a supervisor, from dispatch until the work is done).
	Actions         []string
	CanRequestParts bool
	// Technicians are the active technicians of the order's station (for assigning).
	Technicians []Person
	// RepeatOfNumber is the number of the earlier order when this is a repeat repair.
	RepeatOfNumber string
	// Files are the report's signature and photos.
	Files []attach.File
}

// Page loads the order page for the actor (NotFound when they may not see the order).
// Every read goes in one batch: one round trip to the database for the whole page.
func (s *Service) Page(ctx context.Context, actor auth.Actor, id int64) (OrderPage, error) {
	var (
		p            OrderPage
		orders       []Order
		attemptLimit int
	)
	b := &pgx.Batch{}
	b.Queue(selectOrder+` WHERE o.id = $1`, id).Query(func(rows pgx.Rows) (err error) {
		orders, err = pgx.CollectRows(rows, pgx.RowToStructByName[Order])
		return err
	})
	b.Queue(timelineSQL, id).Query(func(rows pgx.Rows) (err error) {
		p.Timeline, err = pgx.CollectRows(rows, pgx.RowToStructByName[Event])
		return err
	})
	b.Queue(`SELECT callback_attempt_limit FROM settings WHERE id = 1`).QueryRow(func(row pgx.Row) error {
		return row.Scan(&attemptLimit)
	})
	if actor.Is(auth.RoleSupervisor, auth.RoleManager) {
		b.Queue(`SELECT u.id, u.display_name FROM users u JOIN work_orders o ON o.station_id = u.station_id
			WHERE o.id = $1 AND u.role = 'technician' AND u.active ORDER BY u.display_name`, id).Query(func(rows pgx.Rows) (err error) {
			p.Technicians, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person])
			return err
		})
	}
	b.Queue(`SELECT r.number FROM work_orders o JOIN work_orders r ON r.id = o.repeat_of WHERE o.id = $1`, id).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			if err := rows.Scan(&p.RepeatOfNumber); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	attach.QueueList(b, id, &p.Files)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return OrderPage{}, db.Translate(err, "order page")
	}
	if len(orders) == 0 || !visible(orders[0], actor) {
		return OrderPage{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	p.Order = orders[0]
	p.Actions = pageActions(p.Order, attemptLimit, actor)
	p.CanRequestParts = workflow.MayRequestParts(actor, p.Order.State)
	return p, nil
}

// ListPage is one page of the order list with the choices its filters offer.
type ListPage struct {
	Page
	Stations    []auth.Station
	Technicians []Person
}

// ListWithChoices is List plus the stations and technicians the filters can pick.
func (s *Service) ListWithChoices(ctx context.Context, actor auth.Actor, f Filter) (ListPage, error) {
	p, err := s.List(ctx, actor, f)
	if err != nil {
		return ListPage{}, err
	}
	lp := ListPage{Page: p}
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) ORDER BY id`, actor.Stations)
	if err != nil {
		return ListPage{}, db.Translate(err, "stations")
	}
	if lp.Stations, err = pgx.CollectRows(rows, pgx.RowToStructByName[auth.Station]); err != nil {
		return ListPage{}, db.Translate(err, "stations")
	}
	rows, err = s.pool.Query(ctx, `SELECT id, display_name FROM users WHERE station_id = ANY($1) AND role = 'technician' ORDER BY display_name`, actor.Stations)
	if err != nil {
		return ListPage{}, db.Translate(err, "technicians")
	}
	lp.Technicians, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person])
	return lp, db.Translate(err, "technicians")
}

// DoneDays is how far back 我的工单's 已完成 tab looks.
const DoneDays = 30

// maxDone bounds the 已完成 tab.
const maxDone = 200

// MyJobs is the technician's work in three tabs (我的工单).
type MyJobs struct {
	// Today are the jobs under way (in progress) and the appointments of today, missed
	// ones still open included: under way first, then by appointment.
	Today []Order
	// Pending are the other open jobs: dispatched and not yet booked, booked for a later
	// day, awaiting parts, in the workshop; those to be booked first, then by appointment.
	Pending []Order
	// Done are the jobs the technician completed in the last DoneDays days (and still
	// holds: a revisit goes back to dispatch), newest first.
	Done []Order
}

// MyJobs returns the technician's own jobs (Forbidden for other roles), read in one
// round trip. Today is the service's time zone's day.
func (s *Service) MyJobs(ctx context.Context, actor auth.Actor) (MyJobs, error) {
	if !actor.Is(auth.RoleTechnician) {
		return MyJobs{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "technician")
	}
	now := s.now()
	local := now.In(s.loc)
	tomorrow := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, s.loc)
	var j MyJobs
	into := func(dst *[]Order) func(pgx.Rows) error {
		return func(rows pgx.Rows) (err error) {
			*dst, err = pgx.CollectRows(rows, pgx.RowToStructByName[Order])
			return err
		}
	}
	b := &pgx.Batch{}
	b.Queue(selectOrder+` WHERE o.assignee_id = $1
		AND (o.state = 'in_progress' OR (o.state = 'scheduled' AND o.appointment_start < $2))
		ORDER BY (o.state = 'in_progress') DESC, o.appointment_start NULLS LAST, o.created_at, o.id`, actor.UserID, tomorrow).Query(into(&j.Today))
	b.Queue(selectOrder+` WHERE o.assignee_id = $1
		AND (o.state IN ('dispatched', 'awaiting_parts', 'in_workshop')
			OR (o.state = 'scheduled' AND (o.appointment_start >= $2 OR o.appointment_start IS NULL)))
		ORDER BY (o.state = 'dispatched') DESC, o.appointment_start NULLS FIRST, o.created_at, o.id`, actor.UserID, tomorrow).Query(into(&j.Pending))
	b.Queue(selectOrder+` WHERE o.assignee_id = $1 AND o.completed_at IS NOT NULL AND o.completed_at >= $2
		ORDER BY o.completed_at DESC, o.id DESC LIMIT $3`, actor.UserID, now.AddDate(0, 0, -DoneDays), maxDone).Query(into(&j.Done))
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return MyJobs{}, db.Translate(err, "my jobs")
	}
	return j, nil
}

// Attachment returns a photo or signature (or its thumbnail) when the actor may see
// its order; NotFound otherwise.
func (s *Service) Attachment(ctx context.Context, actor auth.Actor, id int64, thumb bool) (attach.File, []byte, error) {
	f, data, err := s.files.Open(ctx, id, thumb)
	if err != nil {
		return attach.File{}, nil, err
	}
	if _, err := s.OrderByID(ctx, actor, f.OrderID); err != nil {
		return attach.File{}, nil, err
	}
	return f, data, nil
}

// pageActions are the order page's actions for the actor: the transitions the machine
// allows, except that the callback's outcomes (not reached, satisfied, unsatisfied) are
// one "callback" action — the survey form — and "write_off" for a
// manager while the order's fees are a receivable.
func pageActions(o Order, attemptLimit int, actor auth.Actor) []string {
	var out []string
	callback := false
	for _, t := range Allowed(o.facts(attemptLimit), machineActor(actor)) {
		switch t {
		case CallbackAttempt, CallbackSatisfied, CallbackUnsatisfied:
			if !callback {
				out, callback = append(out, "callback"), true
			}
		default:
			out = append(out, string(t))
		}
	}
	if o.FeesState == "receivable" && actor.Is(auth.RoleManager) && visible(o, actor) {
		out = append(out, "write_off")
	}
	return out
}
