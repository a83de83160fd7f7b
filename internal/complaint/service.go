package complaint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns the complaint workflow: every change goes through it, in one transaction
// with its event row.
type Service struct {
	pool      *pgxpool.Pool
	now       func() time.Time
	loc       *time.Location
	customers *customer.Service
}

// NewService returns the complaint service. now is the one clock; loc the time zone of
// complaint numbers and the business calendar.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc, customers: customer.NewService(pool, now, loc)}
}

// NewComplaint is the input of Create.
type NewComplaint struct {
	CustomerID   int64
	Channel      string
	ContactPhone string
	UnitID       int64
	OrderIDs     []int64
	TechnicianID int64
	Category     string
	Severity     string
	WhatHappened string
	CustomerAsks string
	// IsClaim: the customer asks for money, ClaimAmount yuan as typed.
	IsClaim     bool
	ClaimAmount string
}

// claimFen is the amount claimed in fen; ok is false when it is not an exact positive
// amount of yuan and fen.
func (n NewComplaint) claimFen() (int64, bool) {
	fen, ok := fee.ParseYuan(n.ClaimAmount)
	return fen, ok && fen > 0
}

// Valid checks the input's shape; values are catalog keys.
func (n NewComplaint) Valid() map[string]string {
	f := map[string]string{}
	if n.CustomerID == 0 {
		f["customer_id"] = "complaint.field.customer_required"
	}
	if !slices.Contains(Channels, n.Channel) {
		f["channel"] = "field.required"
	}
	if !slices.Contains(Categories, n.Category) {
		f["category"] = "complaint.field.category_required"
	}
	if !slices.Contains(Severities, n.Severity) {
		f["severity"] = "complaint.field.severity_required"
	}
	if strings.TrimSpace(n.WhatHappened) == "" {
		f["what_happened"] = "field.required"
	}
	if n.ContactPhone != "" {
		if _, ok := customer.NormalizePhone(n.ContactPhone); !ok {
			f["contact_phone"] = "customer.field.phone_invalid"
		}
	}
	if n.IsClaim {
		if _, ok := n.claimFen(); !ok {
			f["claim_amount"] = "complaint.field.amount_invalid"
		}
	}
	if len(n.OrderIDs) > 20 {
		f["order_ids"] = "complaint.field.too_many_orders"
	}
	return checkLengths(f, "what_happened", n.WhatHappened, "customer_asks", n.CustomerAsks, "contact_phone", n.ContactPhone)
}

// Create logs a complaint (已登记). Hotline, supervisors and managers (Forbidden); Invalid
// with field keys for bad input, or for a customer, unit, order or technician the actor
// may not link. A complaint from a customer who complained within the repeat window is
// linked to their previous one. A repeated form returns the complaint it made.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in NewComplaint) (Complaint, error) {
	if !MayLog(actor) {
		return Complaint{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	if f := in.Valid(); len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, ref, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			id = ref
			return err
		}
		var station int64
		if err := tx.QueryRow(ctx, `SELECT station_id FROM customers WHERE id = $1`, in.CustomerID).Scan(&station); err != nil || !actor.Sees(station) {
			return apperr.Fields(map[string]string{"customer_id": "complaint.field.customer_not_found"})
		}
		fields := map[string]string{}
		var unit, tech *int64
		if in.UnitID != 0 {
			var ok bool
			_ = tx.QueryRow(ctx, `SELECT true FROM units WHERE id = $1 AND customer_id = $2`, in.UnitID, in.CustomerID).Scan(&ok)
			if !ok {
				fields["unit_id"] = "complaint.field.unit_not_customers"
			}
			unit = &in.UnitID
		}
		orders := slices.Compact(slices.Sorted(slices.Values(in.OrderIDs)))
		if len(orders) > 0 {
			var n int
			args := []any{orders, in.CustomerID}
			_ = tx.QueryRow(ctx, `SELECT count(*) FROM work_orders o WHERE o.id = ANY($1) AND o.customer_id = $2 AND `+
				workflow.Scope(actor, "o", db.Args(&args)), args...).Scan(&n)
			if n != len(orders) {
				fields["order_ids"] = "complaint.field.order_not_customers"
			}
		}
		if in.TechnicianID != 0 {
			var ok bool
			_ = tx.QueryRow(ctx, `SELECT true FROM users WHERE id = $1 AND role = 'technician' AND station_id = $2`, in.TechnicianID, station).Scan(&ok)
			if !ok {
				fields["technician_id"] = "complaint.field.technician_unknown"
			}
			tech = &in.TechnicianID
		}
		if len(fields) > 0 {
			return apperr.Fields(fields)
		}
		var repeatOf *int64
		var prevID int64
		var prevAt time.Time
		err = tx.QueryRow(ctx, `SELECT id, created_at FROM complaints WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, in.CustomerID).Scan(&prevID, &prevAt)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return db.Translate(err, "previous complaint")
		}
		if err == nil && IsRepeat(prevAt, now) {
			repeatOf = &prevID
		}
		number, err := nextNumber(ctx, tx, now.In(s.loc))
		if err != nil {
			return err
		}
		phone := customer.FoldPhone(in.ContactPhone)
		if phone == "" {
			_ = tx.QueryRow(ctx, `SELECT raw FROM customer_phones WHERE customer_id = $1 ORDER BY position, id LIMIT 1`, in.CustomerID).Scan(&phone)
		}
		var claim *int64
		if in.IsClaim {
			fen, _ := in.claimFen()
			claim = &fen
		}
		err = tx.QueryRow(ctx, `INSERT INTO complaints (number, station_id, state, channel, customer_id, contact_phone, unit_id, technician_id,
			category, severity, what_happened, customer_asks, repeat_of, is_claim, claim_fen, created_by, created_at, updated_at)
			VALUES ($1, $2, 'logged', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
			number, station, in.Channel, in.CustomerID, phone, unit, tech, in.Category, in.Severity,
			strings.TrimSpace(in.WhatHappened), strings.TrimSpace(in.CustomerAsks), repeatOf, in.IsClaim, claim, actor.UserID, now).Scan(&id)
		if err != nil {
			return db.Translate(err, "insert complaint")
		}
		if len(orders) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO complaint_orders (complaint_id, order_id) SELECT $1, unnest($2::bigint[])`, id, orders); err != nil {
				return db.Translate(err, "complaint orders")
			}
		}
		data := map[string]any{"severity": in.Severity, "category": in.Category}
		if repeatOf != nil {
			data["repeat_of"] = *repeatOf
		}
		if err := insertEvent(ctx, tx, id, "log", nil, Logged, actor.UserID, 1, now, "", data); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Complaint{}, err
	}
	return s.byID(ctx, actor, id)
}

// nextNumber hands out the day's next complaint number: TS20261129-0001, unique in the
// installation.
func nextNumber(ctx context.Context, tx pgx.Tx, day time.Time) (string, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO complaint_counters (day, last) VALUES ($1, 1)
		ON CONFLICT (day) DO UPDATE SET last = complaint_counters.last + 1 RETURNING last`, day.Format(time.DateOnly)).Scan(&n)
	if err != nil {
		return "", db.Translate(err, "complaint number")
	}
	return fmt.Sprintf("TS%s-%04d", day.Format("20060102"), n), nil
}

func insertEvent(ctx context.Context, tx pgx.Tx, id int64, step string, from *State, to State, actorID int64, version int, at time.Time, note string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	raw, _ := json.Marshal(data)
	_, err := tx.Exec(ctx, `INSERT INTO complaint_events (complaint_id, step, from_state, to_state, actor_id, version, at, note, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, step, from, to, actorID, version, at, note, raw)
	return db.Translate(err, "complaint event")
}

func scanOne(rows pgx.Rows, err error) (Complaint, error) {
	if err != nil {
		return Complaint{}, db.Translate(err, "complaint")
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Complaint])
	if errors.Is(err, pgx.ErrNoRows) {
		return Complaint{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return c, db.Translate(err, "complaint")
}

// byID returns the complaint if actor sees it, else NotFound.
func (s *Service) byID(ctx context.Context, actor auth.Actor, id int64) (Complaint, error) {
	c, err := scanOne(s.pool.Query(ctx, selectComplaint+` WHERE c.id = $1`, id))
	if err != nil {
		return Complaint{}, err
	}
	if !sees(actor, c) {
		return Complaint{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return c, nil
}

func sees(a auth.Actor, c Complaint) bool {
	var resp int64
	if c.ResponsibleID != nil {
		resp = *c.ResponsibleID
	}
	return Sees(a, c.StationID, resp)
}

// change is what one step does to the locked complaint: it edits c and returns the
// event's note and data.
type change func(tx pgx.Tx, c *Complaint, now time.Time) (note string, data map[string]any, err error)

// run takes one step: it claims the form's key (a repeated form changes nothing), locks
// the complaint, checks that the actor sees it and that nobody changed it since the page
// was loaded, asks the machine, applies the change, and writes the row and its event in
// one transaction.
func (s *Service) run(ctx context.Context, actor auth.Actor, id int64, version int, step Step, apply change) (Complaint, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		c, err := scanOne(tx.Query(ctx, selectComplaint+` WHERE c.id = $1 FOR UPDATE OF c`, id))
		if err != nil {
			return err
		}
		if !sees(actor, c) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if c.Version != version {
			return apperr.New(apperr.Conflict, "complaint.error.stale", "Number", c.Number)
		}
		to, err := Next(c.Facts(), step, actor)
		if err != nil {
			return err
		}
		from := c.State
		note, data, err := apply(tx, &c, now)
		if err != nil {
			return err
		}
		c.State = to
		if to == Closed {
			c.ClosedAt = &now
		}
		_, err = tx.Exec(ctx, `UPDATE complaints SET state = $2, version = version + 1, updated_at = $3, responsible_id = $4, due_at = $5,
			investigation = $6, cause = $7, responsibility = $8, result = $9, rejections = $10, withdraw_reason = $11,
			appraisal = $12, appraisal_reason = $13, approved_fen = $14, approved_by = $15, approved_at = $16, paid_at = $17,
			paid_how = $18, closed_at = $19 WHERE id = $1`,
			c.ID, c.State, now, c.ResponsibleID, c.DueAt, c.Investigation, c.Cause, c.Responsibility, c.Result, c.Rejections,
			c.WithdrawReason, c.Appraisal, c.AppraisalReason, c.ApprovedFen, c.ApprovedBy, c.ApprovedAt, c.PaidAt, c.PaidHow, c.ClosedAt)
		if err != nil {
			return db.Translate(err, "update complaint")
		}
		if err := insertEvent(ctx, tx, c.ID, string(step), &from, to, actor.UserID, c.Version+1, now, note, data); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, c.ID)
	})
	if err != nil {
		return Complaint{}, err
	}
	return s.byID(ctx, actor, id)
}

// upSQL lists the station of placeholder p and the stations above it: whose staff may be
// responsible for its complaints.
func upSQL(p string) string {
	return `WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM stations WHERE id = ` + p + `
	UNION ALL SELECT s.id, s.parent_id FROM stations s JOIN up ON s.id = up.parent_id) SELECT id FROM up`
}

// rulesFor returns the complaint rules of station: its own, else its nearest ancestor's,
// else DefaultRules.
func rulesFor(ctx context.Context, q db.Querier, station int64) (Rules, error) {
	r := DefaultRules
	err := q.QueryRow(ctx, `WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM stations WHERE id = $1
			UNION ALL SELECT s.id, s.parent_id, up.depth + 1 FROM stations s JOIN up ON s.id = up.parent_id)
		SELECT r.due_general_workdays, r.due_important_workdays, r.due_major_workdays, r.claim_limit_fen
		FROM up JOIN complaint_rules r ON r.station_id = up.id ORDER BY up.depth LIMIT 1`, station).Scan(
		&r.DueGeneralWorkdays, &r.DueImportantWorkdays, &r.DueMajorWorkdays, &r.ClaimLimitFen)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return r, db.Translate(err, "complaint rules")
	}
	return r, nil
}

// defaultDue is the deadline a complaint of severity gets when assigned at now.
func (s *Service) defaultDue(ctx context.Context, q db.Querier, station int64, severity string, now time.Time) (time.Time, error) {
	r, err := rulesFor(ctx, q, station)
	if err != nil {
		return time.Time{}, err
	}
	st, err := settings.Load(ctx, q, station)
	if err != nil {
		return time.Time{}, apperr.Wrap(err, "calendar")
	}
	return Due(r, st.Calendar(s.loc), severity, now), nil
}

// Assignment is the input of Assign and Reassign.
type Assignment struct {
	ResponsibleID int64
	// DueAt is the deadline; nil takes the severity's due time from now.
	DueAt *time.Time
	// DueInvalid says the deadline typed was not a date and time.
	DueInvalid bool
	Note       string
}

// Valid checks the assignment's shape.
func (in Assignment) Valid() map[string]string {
	f := map[string]string{}
	if in.ResponsibleID == 0 {
		f["responsible_id"] = "complaint.field.responsible_required"
	}
	if in.DueInvalid {
		f["due_at"] = "complaint.field.due_invalid"
	}
	return checkLengths(f, "note", in.Note)
}

// Assign gives a logged complaint its responsible person and deadline (投诉处理通知单).
func (s *Service) Assign(ctx context.Context, actor auth.Actor, id int64, version int, in Assignment) (Complaint, error) {
	return s.assign(ctx, actor, id, version, Assign, in)
}

// Reassign changes the responsible person or the deadline, with a reason.
func (s *Service) Reassign(ctx context.Context, actor auth.Actor, id int64, version int, in Assignment) (Complaint, error) {
	if strings.TrimSpace(in.Note) == "" {
		f := in.Valid()
		f["note"] = "complaint.field.reason_required"
		return Complaint{}, apperr.Fields(f)
	}
	return s.assign(ctx, actor, id, version, Reassign, in)
}

func (s *Service) assign(ctx context.Context, actor auth.Actor, id int64, version int, step Step, in Assignment) (Complaint, error) {
	if f := in.Valid(); len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, step, func(tx pgx.Tx, c *Complaint, now time.Time) (string, map[string]any, error) {
		var ok bool
		_ = tx.QueryRow(ctx, `SELECT true FROM users WHERE id = $1 AND active AND role <> 'admin' AND station_id IN (`+upSQL("$2")+`)`, in.ResponsibleID, c.StationID).Scan(&ok)
		if !ok {
			return "", nil, apperr.Fields(map[string]string{"responsible_id": "complaint.field.responsible_unknown"})
		}
		due := in.DueAt
		if due == nil {
			d, err := s.defaultDue(ctx, tx, c.StationID, c.Severity, now)
			if err != nil {
				return "", nil, err
			}
			due = &d
		}
		if !due.After(now) {
			return "", nil, apperr.Fields(map[string]string{"due_at": "complaint.field.due_past"})
		}
		c.ResponsibleID, c.DueAt = &in.ResponsibleID, due
		return strings.TrimSpace(in.Note), map[string]any{"responsible_id": in.ResponsibleID, "due_at": due.UTC().Format(time.RFC3339)}, nil
	})
}

// Findings is the input of Investigate.
type Findings struct {
	Investigation  string
	Cause          string
	Responsibility string
}

// Valid checks the findings' shape.
func (in Findings) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(in.Investigation) == "" {
		f["investigation"] = "field.required"
	}
	return checkLengths(f, "investigation", in.Investigation, "cause", in.Cause, "responsibility", in.Responsibility)
}

// Investigate records the investigation: what was found, the cause, who or what is
// responsible. The responsible person (or a manager); starts the handling.
func (s *Service) Investigate(ctx context.Context, actor auth.Actor, id int64, version int, in Findings) (Complaint, error) {
	if f := in.Valid(); len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, Investigate, func(_ pgx.Tx, c *Complaint, _ time.Time) (string, map[string]any, error) {
		c.Investigation = strings.TrimSpace(in.Investigation)
		if v := strings.TrimSpace(in.Cause); v != "" {
			c.Cause = v
		}
		if v := strings.TrimSpace(in.Responsibility); v != "" {
			c.Responsibility = v
		}
		return c.Investigation, map[string]any{"cause": c.Cause, "responsibility": c.Responsibility}, nil
	})
}

// Propose records the result proposed to the customer. It needs the cause found.
func (s *Service) Propose(ctx context.Context, actor auth.Actor, id int64, version int, result string) (Complaint, error) {
	f := checkLengths(map[string]string{}, "result", result)
	if strings.TrimSpace(result) == "" {
		f["result"] = "field.required"
	}
	if len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, Propose, func(_ pgx.Tx, c *Complaint, _ time.Time) (string, map[string]any, error) {
		c.Result = strings.TrimSpace(result)
		return c.Result, nil, nil
	})
}

// Reply is what the customer said to the proposed result, as the hotline records it.
type Reply struct {
	Accepted bool
	// How the customer was told: phone, visit, sms, email, letter.
	How  string
	Note string
}

// TellMethods are the ways the customer is told.
var TellMethods = []string{"phone", "sms", "visit", "email", "letter"}

// Inform records telling the customer the result: accepted (waiting to be closed) or
// not accepted (back to handling, counted; the note says why).
func (s *Service) Inform(ctx context.Context, actor auth.Actor, id int64, version int, in Reply) (Complaint, error) {
	f := checkLengths(map[string]string{}, "note", in.Note)
	if !slices.Contains(TellMethods, in.How) {
		f["how"] = "field.required"
	}
	if !in.Accepted && strings.TrimSpace(in.Note) == "" {
		f["note"] = "complaint.field.why_not_accepted"
	}
	if len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	step := Accept
	if !in.Accepted {
		step = NotAccept
	}
	return s.run(ctx, actor, id, version, step, func(_ pgx.Tx, c *Complaint, _ time.Time) (string, map[string]any, error) {
		if !in.Accepted {
			c.Rejections++
		}
		return strings.TrimSpace(in.Note), map[string]any{"how": in.How, "rejections": c.Rejections}, nil
	})
}

// Close closes a complaint whose result the customer accepted (a claim once settled).
func (s *Service) Close(ctx context.Context, actor auth.Actor, id int64, version int, note string) (Complaint, error) {
	if f := checkLengths(map[string]string{}, "note", note); len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, Close, func(pgx.Tx, *Complaint, time.Time) (string, map[string]any, error) {
		return strings.TrimSpace(note), nil, nil
	})
}

// Withdraw withdraws a logged complaint, with the reason.
func (s *Service) Withdraw(ctx context.Context, actor auth.Actor, id int64, version int, reason string) (Complaint, error) {
	f := checkLengths(map[string]string{}, "reason", reason)
	if strings.TrimSpace(reason) == "" {
		f["reason"] = "complaint.field.reason_required"
	}
	if len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, Withdraw, func(_ pgx.Tx, c *Complaint, _ time.Time) (string, map[string]any, error) {
		c.WithdrawReason = strings.TrimSpace(reason)
		return c.WithdrawReason, nil, nil
	})
}

// Appraise records the claim's appraisal (valid / partly valid / invalid) with the reason.
func (s *Service) Appraise(ctx context.Context, actor auth.Actor, id int64, version int, appraisal, reason string) (Complaint, error) {
	f := checkLengths(map[string]string{}, "appraisal_reason", reason)
	if !slices.Contains(Appraisals, appraisal) {
		f["appraisal"] = "field.required"
	}
	if strings.TrimSpace(reason) == "" {
		f["appraisal_reason"] = "complaint.field.reason_required"
	}
	if len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, Appraise, func(_ pgx.Tx, c *Complaint, _ time.Time) (string, map[string]any, error) {
		c.Appraisal, c.AppraisalReason = &appraisal, strings.TrimSpace(reason)
		return c.AppraisalReason, map[string]any{"appraisal": appraisal}, nil
	})
}

// Approve records the amount approved for a claim: at most the amount claimed, nothing
// for an invalid claim. Above the station's limit only a manager of a centre or
// headquarters may approve.
func (s *Service) Approve(ctx context.Context, actor auth.Actor, id int64, version int, amount string) (Complaint, error) {
	fen, ok := fee.ParseYuan(amount)
	if !ok {
		return Complaint{}, apperr.Fields(map[string]string{"approved_amount": "complaint.field.amount_invalid_or_zero"})
	}
	return s.run(ctx, actor, id, version, Approve, func(tx pgx.Tx, c *Complaint, now time.Time) (string, map[string]any, error) {
		if c.ClaimFen != nil && fen > *c.ClaimFen {
			return "", nil, apperr.Fields(map[string]string{"approved_amount": "complaint.field.amount_over_claim"})
		}
		if c.Appraisal != nil && *c.Appraisal == "invalid" && fen != 0 {
			return "", nil, apperr.Fields(map[string]string{"approved_amount": "complaint.field.invalid_claim_zero"})
		}
		r, err := rulesFor(ctx, tx, c.StationID)
		if err != nil {
			return "", nil, err
		}
		if NeedsUpperManager(r, fen) {
			var kind string
			if err := tx.QueryRow(ctx, `SELECT kind FROM stations WHERE id = $1`, actor.StationID).Scan(&kind); err != nil {
				return "", nil, db.Translate(err, "station")
			}
			if kind == "outlet" {
				return "", nil, apperr.New(apperr.Forbidden, "complaint.error.claim_limit", "Limit", fee.FormatFen(r.ClaimLimitFen))
			}
		}
		c.ApprovedFen, c.ApprovedBy, c.ApprovedAt = &fen, &actor.UserID, &now
		return "", map[string]any{"approved_fen": fen}, nil
	})
}

// Payment is the input of Pay.
type Payment struct {
	PaidOn time.Time
	Method string
	Note   string
}

// Pay records when and how an approved claim was paid.
func (s *Service) Pay(ctx context.Context, actor auth.Actor, id int64, version int, in Payment) (Complaint, error) {
	f := checkLengths(map[string]string{}, "paid_how_note", in.Note)
	if !slices.Contains(PayMethods, in.Method) {
		f["method"] = "field.required"
	}
	if in.PaidOn.IsZero() {
		f["paid_on"] = "complaint.field.date_required"
	} else if in.PaidOn.After(s.now().Add(24 * time.Hour)) {
		f["paid_on"] = "complaint.field.date_future"
	}
	if len(f) > 0 {
		return Complaint{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, Pay, func(_ pgx.Tx, c *Complaint, _ time.Time) (string, map[string]any, error) {
		paid := in.PaidOn
		c.PaidAt = &paid
		c.PaidHow = in.Method
		if n := strings.TrimSpace(in.Note); n != "" {
			c.PaidHow += " · " + n
		}
		return strings.TrimSpace(in.Note), map[string]any{"method": in.Method, "paid_on": paid.Format(time.DateOnly)}, nil
	})
}
