package loaner

import (
	"context"
	"errors"
	"github.com/aftersales/aftersales/internal/workorder"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns loaner units and their loans: every change is one transaction with its
// event row.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the loaner service.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc}
}

func (s *Service) today() time.Time {
	l := s.now().In(s.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// Loaner is one loaner unit with its loan, when out.
type Loaner struct {
	ID        int64  `db:"id"`
	StationID int64  `db:"station_id"`
	Model     string `db:"model"`
	Serial    string `db:"serial"`
	Condition string `db:"condition"`
	Loan      *Loan  `db:"-"`
}

// Loan is one loan of a loaner to the customer of an order.
type Loan struct {
	ID              int64      `db:"id"`
	LoanerID        int64      `db:"loaner_id"`
	Model           string     `db:"model"`
	Serial          string     `db:"serial"`
	OrderID         int64      `db:"order_id"`
	OrderNumber     string     `db:"order_number"`
	CustomerName    string     `db:"customer_name"`
	LentOn          time.Time  `db:"lent_on"`
	ExpectedReturn  time.Time  `db:"expected_return"`
	LentCondition   string     `db:"lent_condition"`
	LentByName      string     `db:"lent_by_name"`
	ReturnedOn      *time.Time `db:"returned_on"`
	ReturnCondition string     `db:"return_condition"`
	// Overdue is set by the service for the day the page is read.
	Overdue bool `db:"-"`
}

const selectLoan = `SELECT l.id, l.loaner_id, n.model, n.serial, l.order_id, o.number AS order_number, c.name AS customer_name,
	l.lent_on, l.expected_return, l.lent_condition, u.display_name AS lent_by_name, l.returned_on, l.return_condition
	FROM loaner_loans l JOIN loaners n ON n.id = l.loaner_id JOIN work_orders o ON o.id = l.order_id
	JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = l.lent_by`

// List is the loaners page: the units of the actor's stations, the loans out past their
// day, and whether the actor adds and lends.
type List struct {
	Loaners   []Loaner
	Overdue   []Loan
	Out       int
	CanManage bool
}

// loansSQL lists the loans for which where holds, newest first.
func loansSQL(where string) string {
	return selectLoan + ` WHERE ` + where + ` ORDER BY l.lent_on DESC, l.id DESC`
}

// markOverdue marks the loans out past their day today.
func (s *Service) markOverdue(loans []Loan) {
	today := s.today()
	for i := range loans {
		loans[i].Overdue = Overdue(loans[i].ExpectedReturn, loans[i].ReturnedOn, today)
	}
}

func (s *Service) loans(ctx context.Context, where string, args ...any) ([]Loan, error) {
	rows, err := s.pool.Query(ctx, loansSQL(where), args...)
	if err != nil {
		return nil, db.Translate(err, "loans")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Loan])
	if err != nil {
		return nil, db.Translate(err, "loans")
	}
	s.markOverdue(out)
	return out, nil
}

// List lists the loaners of the actor's stations with their open loans. Forbidden for
// roles that do not lend.
func (s *Service) List(ctx context.Context, actor auth.Actor) (List, error) {
	if !Manages(actor) {
		return List{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	rows, err := s.pool.Query(ctx, `SELECT id, station_id, model, serial, condition FROM loaners WHERE station_id = ANY($1) ORDER BY model, serial`, actor.Stations)
	if err != nil {
		return List{}, db.Translate(err, "loaners")
	}
	units, err := pgx.CollectRows(rows, pgx.RowToStructByName[Loaner])
	if err != nil {
		return List{}, db.Translate(err, "loaners")
	}
	open, err := s.loans(ctx, `n.station_id = ANY($1) AND l.returned_at IS NULL`, actor.Stations)
	if err != nil {
		return List{}, err
	}
	byLoaner := map[int64]*Loan{}
	l := List{CanManage: true, Out: len(open)}
	for i := range open {
		byLoaner[open[i].LoanerID] = &open[i]
		if open[i].Overdue {
			l.Overdue = append(l.Overdue, open[i])
		}
	}
	for i := range units {
		units[i].Loan = byLoaner[units[i].ID]
	}
	l.Loaners = units
	return l, nil
}

// NewLoaner is the input of Add.
type NewLoaner struct{ Model, Serial, Condition string }

// Valid checks the input's shape.
func (n NewLoaner) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(n.Model) == "" {
		f["model"] = "field.required"
	}
	if strings.TrimSpace(n.Serial) == "" {
		f["serial"] = "field.required"
	}
	return limits.Check(f, "model", n.Model, "serial", n.Serial, "condition", n.Condition)
}

func event(ctx context.Context, tx pgx.Tx, loanerID int64, loanID *int64, step string, actorID int64, at time.Time, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO loaner_events (loaner_id, loan_id, step, actor_id, at, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		loanerID, loanID, step, actorID, at, note)
	return db.Translate(err, "loaner event")
}

// Add adds a loaner unit to the actor's station. Invalid for bad input or a serial the
// station already has. A form sent again returns the unit it added.
func (s *Service) Add(ctx context.Context, actor auth.Actor, in NewLoaner) (int64, error) {
	if !Manages(actor) {
		return 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if f := in.Valid(); len(f) > 0 {
		return 0, apperr.Fields(f)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, ref, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil {
			return err
		}
		if !fresh {
			id = ref
			return nil
		}
		err = tx.QueryRow(ctx, `INSERT INTO loaners (station_id, model, serial, condition, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (station_id, serial) DO NOTHING RETURNING id`,
			actor.StationID, strings.TrimSpace(in.Model), strings.TrimSpace(in.Serial), strings.TrimSpace(in.Condition), now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Fields(map[string]string{"serial": "loaner.field.serial_taken"})
		}
		if err != nil {
			return db.Translate(err, "add loaner")
		}
		if err := event(ctx, tx, id, nil, "add", actor.UserID, now, ""); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	return id, err
}

// LoanInput is the input of Lend.
type LoanInput struct {
	OrderNumber            string
	LentOn, ExpectedReturn time.Time
	Condition              string
}

// lockLoaner loads a loaner FOR UPDATE and checks the actor sees its station.
func lockLoaner(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64) (Loaner, error) {
	var l Loaner
	err := tx.QueryRow(ctx, `SELECT id, station_id, model, serial, condition FROM loaners WHERE id = $1 FOR UPDATE`, id).
		Scan(&l.ID, &l.StationID, &l.Model, &l.Serial, &l.Condition)
	if err != nil {
		return Loaner{}, db.Translate(err, "loaner")
	}
	if !actor.Sees(l.StationID) {
		return Loaner{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return l, nil
}

// Lend lends loaner id to the customer of the order numbered in.OrderNumber (an order of
// the loaner's station, not closed or cancelled). Conflict when the loaner is out;
// Invalid for bad days or an unknown order. The order's history records the loan.
func (s *Service) Lend(ctx context.Context, actor auth.Actor, id int64, in LoanInput) error {
	if !Manages(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f := ValidLoan(in.LentOn, in.ExpectedReturn, s.today())
	if strings.TrimSpace(in.OrderNumber) == "" {
		f["order"] = "field.required"
	}
	if f = limits.Check(f, "order", in.OrderNumber, "condition", in.Condition); len(f) > 0 {
		return apperr.Fields(f)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		l, err := lockLoaner(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var out bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM loaner_loans WHERE loaner_id = $1 AND returned_at IS NULL)`, id).Scan(&out); err != nil {
			return db.Translate(err, "loan")
		}
		if out {
			return apperr.New(apperr.Conflict, "loaner.error.out")
		}
		var orderID int64
		var state string
		err = tx.QueryRow(ctx, `SELECT id, state FROM work_orders WHERE number = $1 AND station_id = $2`, strings.TrimSpace(in.OrderNumber), l.StationID).Scan(&orderID, &state)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Fields(map[string]string{"order": "loaner.field.order"})
		}
		if err != nil {
			return db.Translate(err, "order")
		}
		if state == string(workflow.Closed) || state == string(workflow.Cancelled) {
			return apperr.Fields(map[string]string{"order": "loaner.field.order_closed"})
		}
		cond := strings.TrimSpace(in.Condition)
		if cond == "" {
			cond = l.Condition
		}
		var loanID int64
		if err := tx.QueryRow(ctx, `INSERT INTO loaner_loans (loaner_id, order_id, lent_on, expected_return, lent_condition, lent_by, lent_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, orderID, in.LentOn, in.ExpectedReturn, cond, actor.UserID, now).Scan(&loanID); err != nil {
			return db.Translate(err, "lend loaner")
		}
		if err := event(ctx, tx, id, &loanID, "lend", actor.UserID, now, cond); err != nil {
			return err
		}
		return orderNote(ctx, tx, orderID, actor.UserID, now, l.Model+" "+l.Serial+" → "+in.ExpectedReturn.Format(time.DateOnly))
	})
}

// orderNote adds a note to the order's history (notes do not make a version of it).
func orderNote(ctx context.Context, tx pgx.Tx, orderID, actorID int64, at time.Time, note string) error {
	return workorder.NoteTx(ctx, tx, orderID, actorID, at, note, nil)
}

// Return takes loaner id back on day in condition. Conflict when it is not out.
func (s *Service) Return(ctx context.Context, actor auth.Actor, id int64, day time.Time, condition string) error {
	if !Manages(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f := limits.Check(map[string]string{}, "condition", condition)
	switch {
	case day.IsZero():
		f["returned_on"] = "field.required"
	case day.After(s.today()):
		f["returned_on"] = "loaner.field.future"
	}
	if strings.TrimSpace(condition) == "" {
		f["condition"] = "field.required"
	}
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		l, err := lockLoaner(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var loanID, orderID int64
		var lentOn time.Time
		err = tx.QueryRow(ctx, `SELECT id, order_id, lent_on FROM loaner_loans WHERE loaner_id = $1 AND returned_at IS NULL`, id).Scan(&loanID, &orderID, &lentOn)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.Conflict, "loaner.error.not_out")
		}
		if err != nil {
			return db.Translate(err, "loan")
		}
		if day.Before(lentOn) {
			return apperr.Fields(map[string]string{"returned_on": "loaner.field.before_lent"})
		}
		cond := strings.TrimSpace(condition)
		if _, err := tx.Exec(ctx, `UPDATE loaner_loans SET returned_on = $2, return_condition = $3, returned_by = $4, returned_at = $5 WHERE id = $1`,
			loanID, day, cond, actor.UserID, now); err != nil {
			return db.Translate(err, "return loaner")
		}
		if _, err := tx.Exec(ctx, `UPDATE loaners SET condition = $2, version = version + 1 WHERE id = $1`, id, cond); err != nil {
			return db.Translate(err, "loaner")
		}
		if err := event(ctx, tx, id, &loanID, "return", actor.UserID, now, cond); err != nil {
			return err
		}
		return orderNote(ctx, tx, orderID, actor.UserID, now, l.Model+" "+l.Serial+" ← "+cond)
	})
}

// ForOrder lists the loans of an order the actor sees (NotFound otherwise).
func (s *Service) ForOrder(ctx context.Context, actor auth.Actor, orderID int64) ([]Loan, error) {
	var station int64
	var assignee *int64
	if err := s.pool.QueryRow(ctx, `SELECT station_id, assignee_id FROM work_orders WHERE id = $1`, orderID).Scan(&station, &assignee); err != nil {
		return nil, db.Translate(err, "order")
	}
	if !workflow.Sees(actor, station, assignee) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return s.loans(ctx, ofOrder, orderID)
}

// ofOrder selects the loans of order $1.
const ofOrder = `l.order_id = $1`

// QueueForOrder adds ForOrder's read to m (the order's page): the order's loans land in
// *dst when m runs. It does not check that the actor sees the order: the page that runs
// m does.
func (s *Service) QueueForOrder(m *db.Merged, orderID int64, dst *[]Loan) {
	db.Rows(m, loansSQL(ofOrder), []any{orderID}, dst)
	m.Then(func() error {
		s.markOverdue(*dst)
		return nil
	})
}

// Out lists the loans still out in stations (for the report), overdue ones first.
func (s *Service) Out(ctx context.Context, stations []int64) ([]Loan, error) {
	out, err := s.loans(ctx, `n.station_id = ANY($1) AND l.returned_at IS NULL`, stations)
	if err != nil {
		return nil, err
	}
	var first, rest []Loan
	for _, l := range out {
		if l.Overdue {
			first = append(first, l)
		} else {
			rest = append(rest, l)
		}
	}
	return append(first, rest...), nil
}
