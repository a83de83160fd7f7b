package workorder

import (
	"context"
	"github.com/aftersales/aftersales/internal/complaint"
	"time"

	"github.com/aftersales/aftersales/internal/accesslog"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/custdata"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/privacy"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/aftersales/aftersales/internal/settings"
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
	// Complaints are the complaints about the order the actor sees; CanLogComplaint says
	// the actor may log one from the order page.
	Complaints      []complaint.Summary
	CanLogComplaint bool
	// CanShareProgress says the actor may copy or send the customer's progress link
	// (MayShareProgress).
	CanShareProgress bool
}

// Page loads the order page for the actor (NotFound when they may not see the order) in
// one statement, with what more adds to it: the other modules' parts of the page (the
// order's parts, faults, checklist), each reading the order by its id. The statement also
// writes the access log's entry (only when the actor sees the order); a technician gets
// the contact masked unless they hold an open job for the customer.
func (s *Service) Page(ctx context.Context, actor auth.Actor, id int64, more ...func(*db.Merged)) (OrderPage, error) {
	var (
		p     OrderPage
		order Order
		found bool
		st    settings.Resolved
	)
	m := &db.Merged{}
	idArg := []any{id}
	db.Row(m, selectOrder+` WHERE o.id = $1`, idArg, &order, &found)
	db.Rows(m, timelineSQL, idArg, &p.Timeline)
	// The order's station's settings: how many failed callbacks allow closing unreachable.
	settings.MergeLoad(m, &st, "(SELECT station_id FROM work_orders WHERE id = $1)", idArg)
	if actor.Is(auth.RoleSupervisor, auth.RoleManager) {
		db.Rows(m, `SELECT u.id, u.display_name FROM users u JOIN work_orders o ON o.station_id = u.station_id
			WHERE o.id = $1 AND u.role = 'technician' AND u.active ORDER BY u.display_name`, idArg, &p.Technicians)
	}
	db.Value(m, `SELECT r.number FROM work_orders o JOIN work_orders r ON r.id = o.repeat_of WHERE o.id = $1`, idArg, &p.RepeatOfNumber)
	attach.QueueFiles(m, id, &p.Files)
	sql, args := complaint.ConcerningSQL(actor, complaint.Concern{OrderID: id})
	db.Rows(m, sql, args, &p.Complaints)
	var holds bool
	if actor.Role == auth.RoleTechnician {
		db.Value(m, `SELECT `+privacy.HoldsOpenSQL("o.customer_id", "$2")+` FROM work_orders o WHERE o.id = $1`, []any{id, actor.UserID}, &holds)
	}
	// The access log's entry, written only when the actor sees the order.
	m.Write(accesslog.OrderSQL(ctx, actor, s.now(), id))
	for _, f := range more {
		f(m)
	}
	if err := m.Run(ctx, s.pool); err != nil {
		return OrderPage{}, db.Translate(err, "order page")
	}
	if !found || !visible(order, actor) {
		return OrderPage{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	p.Order = order
	maskContact(&p.Order, privacy.Shows(actor, holds))
	p.Actions = pageActions(p.Order, st.CallbackAttemptLimit, actor)
	p.CanRequestParts = workflow.MayRequestParts(actor, p.Order.State)
	p.CanLogComplaint = complaint.MayLog(actor)
	p.CanShareProgress = MayShareProgress(actor)
	return p, nil
}

// PartsChoicesIf is the SQL condition (its $1 the order's id) under which the order page
// lists the parts a request can name: the actor may ask for parts for the order in its
// state (workflow.MayRequestParts), read in the same statement as the order.
func PartsChoicesIf(actor auth.Actor) string {
	var states []State
	for _, st := range workflow.States {
		if workflow.MayRequestParts(actor, st) {
			states = append(states, st)
		}
	}
	if len(states) == 0 {
		return ""
	}
	return `EXISTS (SELECT 1 FROM work_orders o WHERE o.id = $1 AND ` + workflow.StateIs("o", states...) + `)`
}

// pageOrdersLimit bounds the orders a customer's or a unit's page lists.
const pageOrdersLimit = 200

// queueOrders adds the query of the orders for which cond holds ($1 is arg) that the
// actor sees, newest first, to b; they land in *dst when the batch runs.
func queueOrders(b *pgx.Batch, actor auth.Actor, cond string, arg any, dst *[]Order) {
	sql, args := ordersWhereSQL(actor, cond, arg, pageOrdersLimit)
	b.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
		*dst, err = pgx.CollectRows(rows, pgx.RowToStructByName[Order])
		return err
	})
}

// CustomerPage is everything a customer's page (客户档案) shows: the archive's part (the
// customer, units, edit history and whether the actor may edit) and the customer's
// orders the actor sees, newest first.
type CustomerPage struct {
	customer.Page
	Orders []Order
	// Complaints are the customer's complaints the actor sees.
	Complaints []complaint.Summary
	// Proposals are the customer's proposals (客户提案) the actor sees, newest first.
	Proposals []proposal.Proposal
	// Data says whether the actor may export or anonymise the customer's data, and when
	// the customer was anonymised.
	Data custdata.Can
}

// CustomerPage loads customer id's page for the actor, its proposals included: NotFound when the customer does
// not exist or the actor does not see its station. Every read goes in one batch, with
// the access log's entry and what the actor may do with the customer's data.
func (s *Service) CustomerPage(ctx context.Context, actor auth.Actor, id int64) (CustomerPage, error) {
	var p CustomerPage
	b := &pgx.Batch{}
	done := customer.QueuePage(b, actor, id, &p.Page)
	accesslog.QueueCustomer(ctx, b, actor, s.now(), id)
	can := custdata.QueueCan(b, actor, id)
	queueOrders(b, actor, "o.customer_id = $1", id, &p.Orders)
	queueComplaints(b, actor, complaint.Concern{CustomerID: id}, &p.Complaints)
	sql, args := proposal.OfCustomerSQL(actor, id, s.now(), s.loc)
	b.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
		p.Proposals, err = pgx.CollectRows(rows, pgx.RowToStructByName[proposal.Proposal])
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return CustomerPage{}, db.Translate(err, "customer page")
	}
	if err := done(); err != nil {
		return CustomerPage{}, err
	}
	p.Data = can()
	if p.Data.AnonymisedAt != nil {
		// Edits before the anonymisation name the old details: their values are not shown.
		for i, h := range p.History {
			if h.Kind == "updated" && !h.At.After(*p.Data.AnonymisedAt) {
				p.History[i].Kind, p.History[i].Changes = "hidden", nil
			}
		}
	}
	return p, nil
}

// UnitPage is everything a unit's page (设备) shows: the unit, its customer, and its
// orders (the repair history) the actor sees, newest first.
type UnitPage struct {
	customer.UnitPage
	Orders []Order
	// Complaints are the complaints about the unit the actor sees.
	Complaints []complaint.Summary
}

// UnitPage loads unit id's page for the actor: NotFound when the unit does not exist or
// the actor does not see its customer's station. Every read goes in one batch, with the
// access log's entry for the customer's record.
func (s *Service) UnitPage(ctx context.Context, actor auth.Actor, id int64) (UnitPage, error) {
	var p UnitPage
	b := &pgx.Batch{}
	done := customer.QueueUnitPage(b, actor, id, &p.UnitPage)
	accesslog.QueueCustomerOfUnit(ctx, b, actor, s.now(), id)
	queueOrders(b, actor, "o.unit_id = $1", id, &p.Orders)
	queueComplaints(b, actor, complaint.Concern{UnitID: id}, &p.Complaints)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return UnitPage{}, db.Translate(err, "unit page")
	}
	if err := done(); err != nil {
		return UnitPage{}, err
	}
	return p, nil
}

// ReportPage is everything the printable service report (维修工作单) shows.
type ReportPage struct {
	Order Order
	// Fees are the order's quote and settlement, and the parts used (Fees.Parts).
	Fees fee.OrderFees
	// Files are the customer's signature and the photos.
	Files []attach.File
}

// ReportPage loads the printable report of order id for the actor (NotFound when they
// may not see the order), in one transaction: the order's quote brought up to date as
// the fees page does (fee.OrderFeesTx), then the order and its files in one batch with
// the access log's entry; a technician's copy masked as on the order page.
func (s *Service) ReportPage(ctx context.Context, actor auth.Actor, id int64) (ReportPage, error) {
	var p ReportPage
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if p.Fees, err = fee.OrderFeesTx(ctx, tx, actor, id, s.now()); err != nil {
			return err
		}
		var orders []Order
		b := &pgx.Batch{}
		b.Queue(selectOrder+` WHERE o.id = $1`, id).Query(func(rows pgx.Rows) (err error) {
			orders, err = pgx.CollectRows(rows, pgx.RowToStructByName[Order])
			return err
		})
		attach.QueueList(b, id, &p.Files)
		holds := queueHoldsOpen(b, actor, id)
		accesslog.QueueOrder(ctx, b, actor, s.now(), id)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return db.Translate(err, "report")
		}
		if len(orders) == 0 || !visible(orders[0], actor) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		p.Order = orders[0]
		maskContact(&p.Order, privacy.Shows(actor, *holds))
		return nil
	})
	if err != nil {
		return ReportPage{}, err
	}
	return p, nil
}

// stationsSQL selects the stations $1 (an actor's), for a filter's choices.
const stationsSQL = `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) ORDER BY id`

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
	rows, err := s.pool.Query(ctx, stationsSQL, actor.Stations)
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
		AND (`+workflow.StateIs("o", InProgress)+` OR (`+workflow.StateIs("o", Scheduled)+` AND o.appointment_start < $2))
		ORDER BY (`+workflow.StateIs("o", InProgress)+`) DESC, o.appointment_start NULLS LAST, o.created_at, o.id`, actor.UserID, tomorrow).Query(into(&j.Today))
	b.Queue(selectOrder+` WHERE o.assignee_id = $1
		AND (`+workflow.StateIs("o", Dispatched, AwaitingParts, InWorkshop)+`
			OR (`+workflow.StateIs("o", Scheduled)+` AND (o.appointment_start >= $2 OR o.appointment_start IS NULL)))
		ORDER BY (`+workflow.StateIs("o", Dispatched)+`) DESC, o.appointment_start NULLS FIRST, o.created_at, o.id`, actor.UserID, tomorrow).Query(into(&j.Pending))
	b.Queue(selectOrder+` WHERE o.assignee_id = $1 AND o.completed_at IS NOT NULL AND o.completed_at >= $2
		ORDER BY o.completed_at DESC, o.id DESC LIMIT $3`, actor.UserID, now.AddDate(0, 0, -DoneDays), maxDone).Query(into(&j.Done))
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return MyJobs{}, db.Translate(err, "my jobs")
	}
	// The technician's open jobs are all in these tabs: their customers are shown in full.
	open := map[int64]bool{}
	for _, list := range [][]Order{j.Today, j.Pending, j.Done} {
		for _, o := range list {
			if o.State.Open() {
				open[o.CustomerID] = true
			}
		}
	}
	for _, list := range [][]Order{j.Today, j.Pending, j.Done} {
		for i := range list {
			maskContact(&list[i], privacy.Shows(actor, open[list[i].CustomerID]))
		}
	}
	return j, nil
}

// Attachment returns a photo or signature (or its thumbnail) when the actor may see
// its order; NotFound otherwise. Opening the file itself is written to the access log;
// a thumbnail is part of the order page, whose opening is logged already.
func (s *Service) Attachment(ctx context.Context, actor auth.Actor, id int64, thumb bool) (attach.File, []byte, error) {
	f, data, err := s.files.Open(ctx, id, thumb)
	if err != nil {
		return attach.File{}, nil, err
	}
	o, err := s.OrderByID(ctx, actor, f.OrderID)
	if err != nil {
		return attach.File{}, nil, err
	}
	if !thumb {
		if err := accesslog.Record(ctx, s.pool, actor, s.now(), accesslog.Attachment, o.StationID, &id); err != nil {
			return attach.File{}, nil, err
		}
	}
	return f, data, nil
}

// pageActions are the order page's actions for the actor: the transitions the machine
// allows, except that the callback's outcomes (not reached, satisfied, unsatisfied) are
// one "callback" action — the survey form — and the remedial callback is left to the
// daily reconciliation, plus the steps that are not transitions:
// "write_off" for a manager while the order's fees are a receivable, and "reclassify"
// for a supervisor or manager once the job is completed (reclassifyRefusal).
func pageActions(o Order, attemptLimit int, actor auth.Actor) []string {
	var out []string
	callback := false
	for _, t := range Allowed(o.facts(attemptLimit), machineActor(actor)) {
		switch t {
		case CallbackAttempt, CallbackSatisfied, CallbackUnsatisfied:
			if !callback {
				out, callback = append(out, "callback"), true
			}
		case RemedialCallback:
			// Ordered from the daily reconciliation, with the mismatch it answers.
		default:
			out = append(out, string(t))
		}
	}
	if o.FeesState == "receivable" && actor.Is(auth.RoleManager) && visible(o, actor) {
		out = append(out, "write_off")
	}
	if visible(o, actor) && reclassifyRefusal(o, actor) == nil {
		out = append(out, reclassifyEvent)
	}
	return out
}

// queueComplaints adds to b the complaints about one record that actor sees.
func queueComplaints(b *pgx.Batch, actor auth.Actor, c complaint.Concern, into *[]complaint.Summary) {
	sql, args := complaint.ConcerningSQL(actor, c)
	b.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
		*into, err = complaint.ScanSummaries(rows)
		return err
	})
}

// MayShareProgress reports whether the actor may hand out an order's progress link and
// print units' QR labels: the office (hotline, supervisors, managers).
func MayShareProgress(actor auth.Actor) bool {
	return actor.Is(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager)
}
