package complaint

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/privacy"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// Person is a user a complaint can be assigned to or be about.
type Person struct {
	ID   int64     `db:"id"`
	Name string    `db:"display_name"`
	Role auth.Role `db:"role"`
}

// Page is the complaint page: the complaint, its timeline, and what the actor may do now.
type Page struct {
	Complaint Complaint
	Timeline  []Event
	// Steps are the steps the actor may take now, from the machine; templates only read them.
	Steps []Step
	// Staff are the station's active users a complaint can be assigned to.
	Staff []Person
	// DefaultDue is the deadline the complaint's severity gives if it is assigned now
	// (zero when the actor may not assign it).
	DefaultDue time.Time
	// Rules are the station's complaint numbers (the claim limit is shown by Approve).
	Rules   Rules
	Overdue bool
	// CanOpenTechnician says the actor may open the technician's record.
	CanOpenTechnician bool
}

// May reports whether the actor may take step now.
func (p Page) May(step Step) bool { return slices.Contains(p.Steps, step) }

// Page loads the complaint page for the actor (NotFound when they may not see it).
func (s *Service) Page(ctx context.Context, actor auth.Actor, id int64) (Page, error) {
	c, err := s.byID(ctx, actor, id)
	if err != nil {
		return Page{}, err
	}
	now := s.now()
	p := Page{Complaint: c, Steps: Allowed(c.Facts(), actor), Overdue: c.Overdue(now),
		CanOpenTechnician: mayReadRecords(actor)}
	rows, err := s.pool.Query(ctx, `SELECT e.id, e.step, e.from_state, e.to_state, u.display_name AS actor_name, e.at, e.note, e.data
		FROM complaint_events e JOIN users u ON u.id = e.actor_id WHERE e.complaint_id = $1 ORDER BY e.id`, id)
	if p.Timeline, err = pgx.CollectRows(rows, pgx.RowToStructByName[Event]); err != nil {
		return Page{}, db.Translate(err, "complaint timeline")
	}
	if p.May(Assign) || p.May(Reassign) {
		rows, err := s.pool.Query(ctx, `SELECT id, display_name, role FROM users WHERE active AND role <> 'admin' AND station_id IN (`+upSQL("$1")+`)
			ORDER BY array_position(ARRAY['supervisor','manager','hotline','technician','storekeeper'], role), display_name`, c.StationID)
		if p.Staff, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person]); err != nil {
			return Page{}, db.Translate(err, "staff")
		}
	}
	if p.Rules, err = rulesFor(ctx, s.pool, c.StationID); err != nil {
		return Page{}, err
	}
	if actor.Role == auth.RoleTechnician {
		var holds bool
		if err := s.pool.QueryRow(ctx, `SELECT `+privacy.HoldsOpenSQL("$1", "$2"), c.CustomerID, actor.UserID).Scan(&holds); err != nil {
			return Page{}, db.Translate(err, "open jobs")
		}
		if !privacy.Shows(actor, holds) {
			p.Complaint.ContactPhone = privacy.MaskPhone(p.Complaint.ContactPhone)
		}
	}
	if p.May(Assign) || p.May(Reassign) {
		st, err := settings.Load(ctx, s.pool, c.StationID)
		if err != nil {
			return Page{}, apperr.Wrap(err, "calendar")
		}
		p.DefaultDue = Due(p.Rules, st.Calendar(s.loc), c.Severity, now)
	}
	return p, nil
}

// Intake is what the complaint form shows for a caller: the customers found by phone,
// and for the one chosen, their units, recent orders and the station's technicians.
type Intake struct {
	Phone    string
	Searched bool
	Matches  []customer.Match
	// Customer is the chosen customer (ID 0: none yet).
	Customer    customer.Customer
	Units       []customer.Unit
	Orders      []OrderChoice
	Technicians []Person
	// Previous is the customer's latest complaint within the repeat window, if any.
	Previous *Complaint
}

// OrderChoice is one of the customer's orders offered to link.
type OrderChoice struct {
	ID           int64          `db:"id"`
	Number       string         `db:"number"`
	State        workflow.State `db:"state"`
	Symptom      string         `db:"symptom"`
	CreatedAt    time.Time      `db:"created_at"`
	AssigneeID   *int64         `db:"assignee_id"`
	AssigneeName string         `db:"assignee_name"`
	UnitID       *int64         `db:"unit_id"`
}

// Intake finds the caller by phone exactly as repair intake does, and for the chosen
// customer loads what the form links to. Only those who log complaints (Forbidden).
func (s *Service) Intake(ctx context.Context, actor auth.Actor, phone string, customerID int64) (Intake, error) {
	if !MayLog(actor) {
		return Intake{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	in := Intake{Phone: strings.TrimSpace(phone)}
	if in.Phone != "" {
		in.Searched = true
		var err error
		if in.Matches, err = s.customers.Search(ctx, actor, in.Phone, 8); err != nil {
			return in, err
		}
		if customerID == 0 && len(in.Matches) == 1 {
			customerID = in.Matches[0].ID
		}
	}
	if customerID == 0 {
		return in, nil
	}
	c, err := s.customers.CustomerByID(ctx, actor, customerID)
	if err != nil {
		return in, err
	}
	in.Customer = c
	if in.Units, err = s.customers.Units(ctx, actor, customerID); err != nil {
		return in, err
	}
	// The customer's orders the actor sees (workflow.Scope), to link the complaint to.
	args := []any{customerID}
	rows, err := s.pool.Query(ctx, `SELECT o.id, o.number, o.state, o.symptom, o.created_at, o.assignee_id,
		coalesce(u.display_name, '') AS assignee_name, o.unit_id
		FROM work_orders o LEFT JOIN users u ON u.id = o.assignee_id
		WHERE o.customer_id = $1 AND `+workflow.Scope(actor, "o", db.Args(&args))+` ORDER BY o.created_at DESC LIMIT 10`, args...)
	if in.Orders, err = pgx.CollectRows(rows, pgx.RowToStructByName[OrderChoice]); err != nil {
		return in, db.Translate(err, "customer orders")
	}
	rows, err = s.pool.Query(ctx, `SELECT id, display_name, role FROM users WHERE station_id = $1 AND role = 'technician' ORDER BY active DESC, display_name`, c.StationID)
	if in.Technicians, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person]); err != nil {
		return in, db.Translate(err, "technicians")
	}
	prev, err := scanOne(s.pool.Query(ctx, selectComplaint+` WHERE c.customer_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT 1`, customerID))
	if err == nil && IsRepeat(prev.CreatedAt, s.now()) && sees(actor, prev) {
		in.Previous = &prev
	} else if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return in, err
	}
	return in, nil
}

// Filter narrows the complaint list.
type Filter struct {
	States        []State
	Severity      string
	Category      string
	StationID     int64
	ResponsibleID int64
	TechnicianID  int64
	Overdue       bool
	Claims        bool
	// Text matches the number, the customer's name or phone, or what happened.
	Text string
	// From and To bound the time Basis names (To exclusive; zero leaves a side open),
	// as the report's complaint figures do (PeriodCond).
	From, To time.Time
	// Basis is BasisCreated ("", the default), BasisDue or BasisPaid.
	Basis string
	// OnTime keeps, of the complaints due (BasisDue only), those whose result was
	// proposed by the deadline (ProposedOnTime).
	OnTime bool
	After  string
	Limit  int
}

// Period says the filter bounds a time of the complaints, as a report figure does: the
// list then counts what it matched.
func (f Filter) Period() bool {
	return !f.From.IsZero() || !f.To.IsZero() || f.OnTime || (f.Basis != "" && f.Basis != BasisCreated)
}

// List is one page of complaints and the cursor of the next (empty at the end).
type List struct {
	Complaints []Complaint
	Next       string
	// Counted says the filter bounds a period (Filter.Period); Total is then the number
	// of complaints matched on every page, and PaidFen the amount approved for them.
	Counted bool
	Total   int64
	PaidFen int64
	// Stations and Staff fill the filters.
	Stations []Station
	Staff    []Person
	// CanLog says the actor may log complaints.
	CanLog bool
}

// Station is a station the actor sees.
type Station struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// listWhere is the condition of the complaints f selects among those actor sees, before
// the cursor. arg adds a value to the query's arguments and returns its placeholder. An
// unknown basis, or OnTime without BasisDue, is Invalid.
func listWhere(actor auth.Actor, f Filter, now time.Time, arg func(any) string) (string, error) {
	where := []string{Scope(actor, "c", arg)}
	if len(f.States) > 0 {
		ss := make([]string, len(f.States))
		for i, st := range f.States {
			ss[i] = string(st)
		}
		where = append(where, "c.state = ANY("+arg(ss)+")")
	}
	if f.Severity != "" {
		where = append(where, "c.severity = "+arg(f.Severity))
	}
	if f.Category != "" {
		where = append(where, "c.category = "+arg(f.Category))
	}
	if f.StationID != 0 {
		where = append(where, "c.station_id = "+arg(f.StationID))
	}
	if f.ResponsibleID != 0 {
		where = append(where, "c.responsible_id = "+arg(f.ResponsibleID))
	}
	if f.TechnicianID != 0 {
		where = append(where, "c.technician_id = "+arg(f.TechnicianID))
	}
	if f.Overdue {
		where = append(where, overdueSQL("c", arg(now)))
	}
	if f.Claims {
		where = append(where, "c.is_claim")
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		p := arg(customer.ContainsPattern(t))
		cond := "(c.number ILIKE " + p + " OR cu.name ILIKE " + p + " OR c.what_happened ILIKE " + p
		if digits := customer.SearchTerm(t); digits != t {
			cond += " OR regexp_replace(c.contact_phone, '\\D', '', 'g') LIKE " + arg(customer.ContainsPattern(digits))
		}
		where = append(where, cond+")")
	}
	if f.Period() {
		var from, to string
		if !f.From.IsZero() {
			from = arg(f.From) + "::timestamptz"
		}
		if !f.To.IsZero() {
			to = arg(f.To) + "::timestamptz"
		}
		cond, ok := PeriodCond(f.Basis, from, to, func() string { return arg(now) })
		if !ok {
			return "", apperr.Fields(map[string]string{"basis": "complaint.field.basis_invalid"})
		}
		where = append(where, cond)
		if f.OnTime {
			if f.Basis != BasisDue {
				return "", apperr.Fields(map[string]string{"ontime": "complaint.field.on_time_due_only"})
			}
			where = append(where, ProposedOnTime)
		}
	}
	return strings.Join(where, " AND "), nil
}

// List returns the complaints the actor sees, newest first, filtered and keyset-paginated;
// with a period (Filter.Period) it counts them all. Invalid for a bad cursor, an unknown
// basis, or OnTime without BasisDue.
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter) (List, error) {
	now := s.now()
	args := []any{}
	arg := db.Args(&args)
	where, err := listWhere(actor, f, now, arg)
	if err != nil {
		return List{}, err
	}
	l := List{CanLog: MayLog(actor), Counted: f.Period()}
	if l.Counted {
		err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(c.approved_fen), 0)::bigint
			FROM complaints c JOIN customers cu ON cu.id = c.customer_id WHERE `+where, args...).Scan(&l.Total, &l.PaidFen)
		if err != nil {
			return List{}, db.Translate(err, "complaint count")
		}
	}
	if f.After != "" {
		at, id, ok := db.ParseCursor(f.After)
		if !ok {
			return List{}, apperr.Fields(map[string]string{"after": "error.invalid"})
		}
		where += " AND (c.created_at, c.id) < (" + arg(at) + ", " + arg(id) + ")"
	}
	limit := db.PageSize(f.Limit)
	rows, err := s.pool.Query(ctx, selectComplaint+" WHERE "+where+
		" ORDER BY c.created_at DESC, c.id DESC LIMIT "+arg(limit+1), args...)
	if err != nil {
		return List{}, db.Translate(err, "complaints")
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Complaint])
	if err != nil {
		return List{}, db.Translate(err, "complaints")
	}
	l.Complaints = cs
	if len(cs) > limit {
		l.Complaints = cs[:limit]
		last := l.Complaints[limit-1]
		l.Next = db.Cursor(last.CreatedAt, last.ID)
	}
	rows, err = s.pool.Query(ctx, `SELECT id, name FROM stations WHERE id = ANY($1) ORDER BY id`, actor.Stations)
	if l.Stations, err = pgx.CollectRows(rows, pgx.RowToStructByName[Station]); err != nil {
		return List{}, db.Translate(err, "stations")
	}
	rows, err = s.pool.Query(ctx, `SELECT id, display_name, role FROM users WHERE station_id = ANY($1) AND role <> 'admin' ORDER BY display_name`, actor.Stations)
	if l.Staff, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person]); err != nil {
		return List{}, db.Translate(err, "staff")
	}
	return l, nil
}

// overdueSQL is Overdue in SQL on the complaints under alias, with now's placeholder.
func overdueSQL(alias, now string) string {
	return alias + ".state IN ('" + string(Assigned) + "', '" + string(Handling) + "') AND " + alias + ".due_at < " + now
}

// Counts are the complaint figures of a manager's home page.
type Counts struct {
	Overdue    int
	Unassigned int
	// Mine counts the complaints the actor is responsible for that wait for a result.
	Mine int
	// OverdueList are the overdue complaints, earliest deadline first (at most 10):
	// escalated to every manager above the station until handled.
	OverdueList []Complaint
}

// HomeCounts counts the actor's overdue complaints, those waiting to be assigned (for
// those who assign), and those the actor is responsible for; with the overdue ones listed
// (escalation: every manager above the station sees them until a result is proposed).
func (s *Service) HomeCounts(ctx context.Context, actor auth.Actor) (Counts, error) {
	var c Counts
	now := s.now()
	args := []any{}
	arg := db.Args(&args)
	scope := Scope(actor, "c", arg)
	overdue := overdueSQL("c", arg(now))
	err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE `+overdue+`),
		count(*) FILTER (WHERE c.state = 'logged'),
		count(*) FILTER (WHERE c.responsible_id = `+arg(actor.UserID)+` AND c.state IN ('assigned', 'handling'))
		FROM complaints c WHERE `+scope, args...).Scan(&c.Overdue, &c.Unassigned, &c.Mine)
	if err != nil {
		return c, db.Translate(err, "complaint counts")
	}
	if !actor.Is(assigners...) {
		c.Unassigned = 0
	}
	if c.Overdue > 0 {
		args = args[:0]
		scope, overdue = Scope(actor, "c", arg), overdueSQL("c", arg(now))
		rows, err := s.pool.Query(ctx, selectComplaint+` WHERE `+scope+` AND `+overdue+` ORDER BY c.due_at LIMIT 10`, args...)
		if c.OverdueList, err = pgx.CollectRows(rows, pgx.RowToStructByName[Complaint]); err != nil {
			return c, db.Translate(err, "overdue complaints")
		}
	}
	return c, nil
}

// Summary is a complaint as another record's page lists it.
type Summary struct {
	ID        int64      `db:"id"`
	Number    string     `db:"number"`
	State     State      `db:"state"`
	Severity  string     `db:"severity"`
	Category  string     `db:"category"`
	CreatedAt time.Time  `db:"created_at"`
	DueAt     *time.Time `db:"due_at"`
}

// Overdue reports whether the complaint is past its deadline at now.
func (m Summary) Overdue(now time.Time) bool { return Overdue(m.State, m.DueAt, now) }

// Concern names the record whose complaints are wanted.
type Concern struct {
	OrderID, CustomerID, UnitID, TechnicianID int64
}

// ConcerningSQL returns the query of the complaints about one record that actor sees,
// newest first, for a page to run in its own batch; ScanSummaries reads its rows.
func ConcerningSQL(actor auth.Actor, c Concern) (string, []any) {
	args := []any{}
	arg := db.Args(&args)
	var cond string
	switch {
	case c.OrderID != 0:
		cond = "c.id IN (SELECT complaint_id FROM complaint_orders WHERE order_id = " + arg(c.OrderID) + ")"
	case c.UnitID != 0:
		cond = "c.unit_id = " + arg(c.UnitID)
	case c.TechnicianID != 0:
		cond = "c.technician_id = " + arg(c.TechnicianID)
	default:
		cond = "c.customer_id = " + arg(c.CustomerID)
	}
	return `SELECT c.id, c.number, c.state, c.severity, c.category, c.created_at, c.due_at FROM complaints c
		WHERE ` + cond + ` AND ` + Scope(actor, "c", arg) + ` ORDER BY c.created_at DESC, c.id DESC LIMIT 50`, args
}

// ScanSummaries reads the rows of ConcerningSQL.
func ScanSummaries(rows pgx.Rows) ([]Summary, error) {
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Summary])
	return out, db.Translate(err, "complaints")
}

// Concerning returns the complaints about one record that actor sees.
func (s *Service) Concerning(ctx context.Context, actor auth.Actor, c Concern) ([]Summary, error) {
	sql, args := ConcerningSQL(actor, c)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err, "complaints")
	}
	return ScanSummaries(rows)
}

// RulesPage is the complaint rules of the actor's station, as its settings tab shows them.
type RulesPage struct {
	StationID   int64
	StationName string
	Rules       Rules
	// Own says the station has its own rules (else they are inherited or the defaults).
	Own bool
}

// RulesOf returns the rules that apply to the actor's own station. Managers only.
func (s *Service) RulesOf(ctx context.Context, actor auth.Actor) (RulesPage, error) {
	if !actor.Is(auth.RoleManager) {
		return RulesPage{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	p := RulesPage{StationID: actor.StationID, StationName: actor.StationName}
	var err error
	if p.Rules, err = rulesFor(ctx, s.pool, actor.StationID); err != nil {
		return p, err
	}
	err = s.pool.QueryRow(ctx, `SELECT true FROM complaint_rules WHERE station_id = $1`, actor.StationID).Scan(&p.Own)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, db.Translate(err, "complaint rules")
	}
	return p, nil
}

// SaveRules sets the complaint rules of the actor's own station (and so of the stations
// below it that have none of their own). Managers only; Invalid for numbers out of range.
func (s *Service) SaveRules(ctx context.Context, actor auth.Actor, r Rules) error {
	if !actor.Is(auth.RoleManager) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	f := map[string]string{}
	for k, v := range map[string]int{"due_general_workdays": r.DueGeneralWorkdays, "due_important_workdays": r.DueImportantWorkdays, "due_major_workdays": r.DueMajorWorkdays} {
		if v < 1 || v > MaxDueWorkdays {
			f[k] = "complaint.field.workdays_range"
		}
	}
	if r.ClaimLimitFen < 0 {
		f["claim_limit"] = "complaint.field.amount_invalid_or_zero"
	}
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO complaint_rules (station_id, due_general_workdays, due_important_workdays, due_major_workdays, claim_limit_fen, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (station_id) DO UPDATE SET due_general_workdays = $2, due_important_workdays = $3,
			due_major_workdays = $4, claim_limit_fen = $5, updated_by = $6, updated_at = $7`,
			actor.StationID, r.DueGeneralWorkdays, r.DueImportantWorkdays, r.DueMajorWorkdays, r.ClaimLimitFen, actor.UserID, s.now())
		return db.Translate(err, "complaint rules")
	})
}

// TechnicianRecord is a technician's record as the office reads it: who they are and the
// complaints that concern them.
type TechnicianRecord struct {
	ID          int64
	Name        string
	StationName string
	Active      bool
	Complaints  []Summary
}

// TechnicianRecord loads technician id's record for supervisors and managers who see
// their station (NotFound otherwise).
func (s *Service) TechnicianRecord(ctx context.Context, actor auth.Actor, id int64) (TechnicianRecord, error) {
	rec := TechnicianRecord{ID: id}
	var station int64
	err := s.pool.QueryRow(ctx, `SELECT u.display_name, u.active, u.station_id, s.name FROM users u JOIN stations s ON s.id = u.station_id
		WHERE u.id = $1 AND u.role = 'technician'`, id).Scan(&rec.Name, &rec.Active, &station, &rec.StationName)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && (!actor.Sees(station) || !mayReadRecords(actor))) {
		return rec, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return rec, db.Translate(err, "technician")
	}
	rec.Complaints, err = s.Concerning(ctx, actor, Concern{TechnicianID: id})
	return rec, err
}

// mayReadRecords says actor may open technicians' records: supervisors and managers.
func mayReadRecords(a auth.Actor) bool { return a.Is(auth.RoleSupervisor, auth.RoleManager) }
