// Package proposal keeps customers' proposals (客户提案) as the 客户提案处理制度 has
// them handled: logged from a call, an email, a letter or a visit; decided by a
// supervisor or manager — adopted (采用: handed to a department with measures and the
// day they take effect, perhaps with an award), rejected (不予采用: the customer is
// thanked) or kept (保留: studied for at most two months, then decided); and every
// decision told to the customer. The pure rules are state.go (the machine) and rules.go
// (the numbers); this file is the service, one transaction per change, and store.go
// its SQL.
package proposal

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The enumerations, in display order; each value has a catalog key under its prefix.
var (
	// Channels are how a proposal came in (proposal.channel.*).
	Channels = []string{"phone", "email", "letter", "visit", "other"}
	// Categories are the procedure's eight kinds of proposal (proposal.category.*).
	Categories = []string{"shopping_environment", "product_quality", "product_design", "new_technology",
		"new_materials", "logistics_sales", "after_sales", "other"}
	// Vias are how the customer was told of a decision (proposal.via.*).
	Vias = []string{"phone", "sms", "email", "letter", "visit"}
)

// Service keeps the proposals and the award levels.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the proposal service; now is the one clock, loc the time zone of
// proposal numbers, calendar years and review dates.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{pool: pool, now: now, loc: loc}
}

// today is the service's calendar day now.
func (s *Service) today() time.Time { return Day(s.now(), s.loc) }

// Sees is the one visibility rule of proposals: the hotline, supervisors and managers
// see the proposals of the stations they see; technicians, storekeepers and admins none.
func Sees(a auth.Actor, stationID int64) bool {
	return slices.Contains(office, a.Role) && a.Sees(stationID)
}

// Scope is Sees as SQL: the condition that keeps the rows of proposals under alias to
// those a sees. arg adds a value to the query's arguments and returns its placeholder.
// Every query of this package goes through it.
func Scope(a auth.Actor, alias string, arg func(any) string) string {
	if !slices.Contains(office, a.Role) || len(a.Stations) == 0 {
		return "false"
	}
	return alias + ".station_id = ANY(" + arg(a.Stations) + ")"
}

// Proposal is one proposal as the pages show it.
type Proposal struct {
	ID            int64      `db:"id"`
	Number        string     `db:"number"`
	StationID     int64      `db:"station_id"`
	StationName   string     `db:"station_name"`
	CustomerID    int64      `db:"customer_id"`
	CustomerName  string     `db:"customer_name"`
	CustomerPhone string     `db:"customer_phone"`
	Channel       string     `db:"channel"`
	Category      string     `db:"category"`
	Content       string     `db:"content"`
	State         State      `db:"state"`
	Version       int        `db:"version"`
	LoggedByName  string     `db:"logged_by_name"`
	LoggedAt      time.Time  `db:"logged_at"`
	DecidedByName string     `db:"decided_by_name"`
	DecidedAt     *time.Time `db:"decided_at"`
	Department    string     `db:"department"`
	Measures      string     `db:"measures"`
	EffectiveOn   *time.Time `db:"effective_on"`
	AwardName     string     `db:"award_name"`
	AwardFen      *int64     `db:"award_fen"`
	KeepReason    string     `db:"keep_reason"`
	ReviewOn      *time.Time `db:"review_on"`
	RejectReason  string     `db:"reject_reason"`
	ToldAt        *time.Time `db:"told_at"`
	ToldVia       string     `db:"told_via"`
	ToldByName    string     `db:"told_by_name"`
	ToldNote      string     `db:"told_note"`
	// YearCount is the customer's proposals logged in the current calendar year.
	YearCount int `db:"year_count"`
}

// Facts are what the machine needs of p.
func (p Proposal) Facts() Facts { return Facts{State: p.State, Told: p.ToldAt != nil} }

// ToTell reports whether p's latest decision still has to be told to the customer.
func (p Proposal) ToTell() bool { return p.State.Decided() && p.ToldAt == nil }

// Due reports whether p is on the to-do list on day today: logged and undecided, or
// kept and within ReminderDays of its review date (or past it).
func (p Proposal) Due(today time.Time) bool {
	return p.State == Logged || (p.State == Kept && p.ReviewOn != nil && KeptDue(*p.ReviewOn, today))
}

// Overdue reports whether p is kept past its review date on day today.
func (p Proposal) Overdue(today time.Time) bool {
	return p.State == Kept && p.ReviewOn != nil && KeptOverdue(*p.ReviewOn, today)
}

// Certificate reports whether p's customer is marked for a certificate this year.
func (p Proposal) Certificate() bool { return Certificate(p.YearCount) }

// Event is one line of a proposal's timeline.
type Event struct {
	ID        int64          `db:"id"`
	At        time.Time      `db:"at"`
	ActorName string         `db:"actor_name"`
	Kind      Transition     `db:"kind"`
	FromState *State         `db:"from_state"`
	ToState   State          `db:"to_state"`
	Data      map[string]any `db:"data"`
}

// Str is the event's data value k as text ("" when absent).
func (e Event) Str(k string) string {
	v, _ := e.Data[k].(string)
	return v
}

// NewProposal is a proposal as the log form sends it.
type NewProposal struct {
	CustomerID int64
	Channel    string
	Category   string
	Content    string
}

// Valid checks the shape of a new proposal; keys are catalog keys.
func (n NewProposal) Valid() map[string]string {
	f := map[string]string{}
	if n.CustomerID <= 0 {
		f["customer_id"] = "proposal.field.customer"
	}
	if !slices.Contains(Channels, n.Channel) {
		f["channel"] = "field.required"
	}
	if !slices.Contains(Categories, n.Category) {
		f["category"] = "proposal.field.category"
	}
	if strings.TrimSpace(n.Content) == "" {
		f["content"] = "field.required"
	}
	return checkLengths(f, "content", n.Content)
}

// Adoption is what adopting a proposal needs.
type Adoption struct {
	Department  string
	Measures    string
	EffectiveOn time.Time
	// AwardLevelID is the award level granted, 0 for none.
	AwardLevelID int64
}

// Valid checks the shape of an adoption.
func (a Adoption) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(a.Department) == "" {
		f["department"] = "field.required"
	}
	if strings.TrimSpace(a.Measures) == "" {
		f["measures"] = "field.required"
	}
	if a.EffectiveOn.IsZero() {
		f["effective_on"] = "proposal.field.effective_on"
	}
	return checkLengths(f, "department", a.Department, "measures", a.Measures)
}

// Keeping is what keeping a proposal needs: why, and the review date (zero for the
// default, exactly KeepMonths after the decision).
type Keeping struct {
	Reason   string
	ReviewOn time.Time
}

// Valid checks the shape of a keeping.
func (k Keeping) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(k.Reason) == "" {
		f["reason"] = "field.required"
	}
	return checkLengths(f, "reason", k.Reason)
}

// Notice is how the customer was told of a decision.
type Notice struct {
	Via  string
	Note string
}

// Valid checks the shape of a notice.
func (n Notice) Valid() map[string]string {
	f := map[string]string{}
	if !slices.Contains(Vias, n.Via) {
		f["via"] = "field.required"
	}
	return checkLengths(f, "note", n.Note)
}

// Can says what the actor may do with a proposal now: the forms its page shows, read
// from the machine's Allowed.
type Can struct {
	Adopt, Reject, Keep, Tell bool
}

// can is the one place that turns the machine's answer into the page's forms.
func can(a auth.Actor, p Proposal) Can {
	var c Can
	if !Sees(a, p.StationID) {
		return c
	}
	for _, t := range Allowed(p.Facts(), a.Role) {
		switch t {
		case Adopt:
			c.Adopt = true
		case Reject:
			c.Reject = true
		case Keep:
			c.Keep = true
		case Tell:
			c.Tell = true
		}
	}
	return c
}

// Any reports whether any action is allowed.
func (c Can) Any() bool { return c.Adopt || c.Reject || c.Keep || c.Tell }

func notFound() error { return apperr.New(apperr.NotFound, "error.not_found") }

func forbidden(roles string) error {
	return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", roles)
}

// Log records a new proposal of a customer the actor sees (hotline, supervisor,
// manager), numbered TAyyyymmdd-nnnn, at the customer's station. Errors: Forbidden,
// Invalid with field keys (a customer not found is a field message). The same form
// posted again returns the proposal the first post made.
func (s *Service) Log(ctx context.Context, actor auth.Actor, in NewProposal) (Proposal, error) {
	if !MayLog(actor.Role) {
		return Proposal{}, forbidden("hotline,supervisor,manager")
	}
	in.Content = strings.TrimSpace(in.Content)
	if f := in.Valid(); len(f) > 0 {
		return Proposal{}, apperr.Fields(f)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, made, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			id = made
			return err
		}
		var station int64
		if err := tx.QueryRow(ctx, `SELECT station_id FROM customers WHERE id = $1`, in.CustomerID).Scan(&station); err != nil || !Sees(actor, station) {
			return apperr.Fields(map[string]string{"customer_id": "proposal.field.customer"})
		}
		number, err := nextNumber(ctx, tx, Day(now, s.loc))
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO proposals (number, station_id, customer_id, channel, category, content, state, logged_by, logged_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			number, station, in.CustomerID, in.Channel, in.Category, in.Content, Logged, actor.UserID, now).Scan(&id); err != nil {
			return db.Translate(err, "proposal")
		}
		if err := addEvent(ctx, tx, id, now, actor.UserID, Log, None, Logged, map[string]any{"channel": in.Channel, "category": in.Category}); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Proposal{}, err
	}
	if id == 0 {
		return Proposal{}, notFound()
	}
	return s.ByID(ctx, actor, id)
}

// update is what one transition writes: the SET list of proposals' columns (its
// placeholders numbered from $3), their values, and the event's data.
type update struct {
	set  string
	args []any
	data map[string]any
}

// untold clears the record of telling the customer: a new decision is told anew.
const untold = `told_at = NULL, told_via = NULL, told_by = NULL, told_note = NULL`

// change runs one transition in one transaction: the form key claimed (a repeated post
// changes nothing and returns the proposal as it stands), the proposal locked and
// visible to the actor (NotFound), at the version the form showed (Conflict), the
// machine asked (IllegalTransition, Forbidden), then fn writes the transition's columns
// and returns the event's data; the state, version and event row follow.
func (s *Service) change(ctx context.Context, actor auth.Actor, id int64, version int, t Transition,
	fn func(tx pgx.Tx, p Proposal, now time.Time) (update, error)) (Proposal, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		p, err := s.lock(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if p.Version != version {
			return apperr.New(apperr.Conflict, "proposal.error.stale", "Number", p.Number)
		}
		next, err := Next(p.Facts(), t, actor.Role)
		if err != nil {
			return err
		}
		u, err := fn(tx, p, now)
		if err != nil {
			return err
		}
		// One statement: the table's checks tie the state to its columns.
		if _, err := tx.Exec(ctx, `UPDATE proposals SET state = $2, version = version + 1, `+u.set+` WHERE id = $1`,
			append([]any{id, next}, u.args...)...); err != nil {
			return db.Translate(err, "proposal "+string(t))
		}
		return addEvent(ctx, tx, id, now, actor.UserID, t, p.State, next, u.data)
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.ByID(ctx, actor, id)
}

// Adopt adopts a logged or kept proposal (supervisor, manager): handed to a department
// with the improvement measures, the day they take effect and optionally an award level
// (an active one; its name and amount are copied). The customer is to be told. Errors:
// NotFound, Conflict (stale version), IllegalTransition, Forbidden, Invalid with field
// keys (award_level for a level that is not on the list).
func (s *Service) Adopt(ctx context.Context, actor auth.Actor, id int64, version int, a Adoption) (Proposal, error) {
	a.Department, a.Measures = strings.TrimSpace(a.Department), strings.TrimSpace(a.Measures)
	if f := a.Valid(); len(f) > 0 {
		return Proposal{}, apperr.Fields(f)
	}
	return s.change(ctx, actor, id, version, Adopt, func(tx pgx.Tx, p Proposal, now time.Time) (update, error) {
		var levelID *int64
		var name *string
		var fen *int64
		data := map[string]any{"department": a.Department, "measures": a.Measures, "effective_on": a.EffectiveOn.Format(time.DateOnly)}
		if a.AwardLevelID != 0 {
			var n string
			var amount int64
			err := tx.QueryRow(ctx, `SELECT name, amount_fen FROM proposal_award_levels WHERE id = $1 AND active`, a.AwardLevelID).Scan(&n, &amount)
			if err != nil || !AwardInRange(amount) {
				return update{}, apperr.Fields(map[string]string{"award_level": "proposal.field.award_level"})
			}
			levelID, name, fen = &a.AwardLevelID, &n, &amount
			data["award_name"], data["award_fen"] = n, amount
		}
		return update{set: `decided_by = $3, decided_at = $4, department = $5, measures = $6, effective_on = $7,
			award_level_id = $8, award_name = $9, award_fen = $10, ` + untold,
			args: []any{actor.UserID, now, a.Department, a.Measures, a.EffectiveOn, levelID, name, fen}, data: data}, nil
	})
}

// Reject declines a logged or kept proposal (supervisor, manager), with an optional
// reason; the customer is to be told and thanked. Errors as Adopt.
func (s *Service) Reject(ctx context.Context, actor auth.Actor, id int64, version int, reason string) (Proposal, error) {
	reason = strings.TrimSpace(reason)
	if f := checkLengths(map[string]string{}, "reason", reason); len(f) > 0 {
		return Proposal{}, apperr.Fields(f)
	}
	return s.change(ctx, actor, id, version, Reject, func(tx pgx.Tx, p Proposal, now time.Time) (update, error) {
		return update{set: `decided_by = $3, decided_at = $4, reject_reason = $5, ` + untold,
			args: []any{actor.UserID, now, reason}, data: map[string]any{"reason": reason}}, nil
	})
}

// Keep keeps a logged proposal for study (supervisor, manager): a reason and a review
// date at most KeepMonths after today (default: exactly that). A later date is refused
// (Invalid, review_on: proposal.field.review_limit). The customer is to be told it is
// kept and why. Other errors as Adopt.
func (s *Service) Keep(ctx context.Context, actor auth.Actor, id int64, version int, k Keeping) (Proposal, error) {
	k.Reason = strings.TrimSpace(k.Reason)
	f := k.Valid()
	today := s.today()
	if k.ReviewOn.IsZero() {
		k.ReviewOn = KeepLimit(today)
	}
	k.ReviewOn = time.Date(k.ReviewOn.Year(), k.ReviewOn.Month(), k.ReviewOn.Day(), 0, 0, 0, 0, time.UTC)
	if !ReviewAllowed(today, k.ReviewOn) {
		f["review_on"] = "proposal.field.review_limit"
	}
	if len(f) > 0 {
		return Proposal{}, apperr.Fields(f)
	}
	return s.change(ctx, actor, id, version, Keep, func(tx pgx.Tx, p Proposal, now time.Time) (update, error) {
		return update{set: `decided_by = $3, decided_at = $4, keep_reason = $5, review_on = $6, ` + untold,
			args: []any{actor.UserID, now, k.Reason, k.ReviewOn}, data: map[string]any{"reason": k.Reason, "review_on": k.ReviewOn.Format(time.DateOnly)}}, nil
	})
}

// Tell records that the customer was told of the latest decision (hotline, supervisor,
// manager): now, how, and a note. The proposal leaves the to-tell list. Errors:
// NotFound, Conflict (stale version), IllegalTransition (nothing to tell, or told
// already), Forbidden, Invalid with field keys.
func (s *Service) Tell(ctx context.Context, actor auth.Actor, id int64, version int, n Notice) (Proposal, error) {
	n.Note = strings.TrimSpace(n.Note)
	if f := n.Valid(); len(f) > 0 {
		return Proposal{}, apperr.Fields(f)
	}
	return s.change(ctx, actor, id, version, Tell, func(tx pgx.Tx, p Proposal, now time.Time) (update, error) {
		return update{set: `told_at = $3, told_via = $4, told_by = $5, told_note = $6`,
			args: []any{now, n.Via, actor.UserID, n.Note}, data: map[string]any{"via": n.Via, "note": n.Note, "decision": string(p.State)}}, nil
	})
}

// ByID is proposal id as the actor sees it: NotFound when it does not exist or belongs
// to a station the actor does not see.
func (s *Service) ByID(ctx context.Context, actor auth.Actor, id int64) (Proposal, error) {
	args := []any{id}
	arg := db.Args(&args)
	sql := s.selectSQL(arg) + " WHERE p.id = $1 AND " + Scope(actor, "p", arg)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return Proposal{}, db.Translate(err, "proposal")
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Proposal])
	if err != nil {
		return Proposal{}, db.Translate(err, "proposal")
	}
	return p, nil
}

// lock loads proposal id FOR UPDATE inside tx, as the actor sees it (NotFound else).
func (s *Service) lock(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64) (Proposal, error) {
	args := []any{id}
	arg := db.Args(&args)
	var p Proposal
	var told *time.Time
	err := tx.QueryRow(ctx, `SELECT p.id, p.number, p.station_id, p.state, p.version, p.told_at FROM proposals p
		WHERE p.id = $1 AND `+Scope(actor, "p", arg)+` FOR UPDATE`, args...).Scan(&p.ID, &p.Number, &p.StationID, &p.State, &p.Version, &told)
	if err != nil {
		return Proposal{}, db.Translate(err, "lock proposal")
	}
	p.ToldAt = told
	return p, nil
}

// ProposalPage is everything a proposal's page shows: the proposal, its timeline, what
// the actor may do now and what the decision forms offer.
type ProposalPage struct {
	Proposal
	Events []Event
	// Today is the service's day, for due and overdue.
	Today time.Time
	Can   Can
	// Levels are the active award levels (for the adopt form).
	Levels []AwardLevel
	// KeepLimit is the latest review date of a proposal kept today (the keep form's
	// default and maximum).
	KeepLimit time.Time
}

// Page loads proposal id's page for the actor. Errors: NotFound (also for another
// station's proposal).
func (s *Service) Page(ctx context.Context, actor auth.Actor, id int64) (ProposalPage, error) {
	p, err := s.ByID(ctx, actor, id)
	if err != nil {
		return ProposalPage{}, err
	}
	pg := ProposalPage{Proposal: p, Today: s.today(), Can: can(actor, p)}
	pg.KeepLimit = KeepLimit(pg.Today)
	rows, err := s.pool.Query(ctx, `SELECT e.id, e.at, u.display_name AS actor_name, e.kind, e.from_state, e.to_state, e.data
		FROM proposal_events e JOIN users u ON u.id = e.actor_id WHERE e.proposal_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return ProposalPage{}, db.Translate(err, "proposal events")
	}
	if pg.Events, err = pgx.CollectRows(rows, pgx.RowToStructByName[Event]); err != nil {
		return ProposalPage{}, db.Translate(err, "proposal events")
	}
	if pg.Can.Adopt {
		if pg.Levels, err = s.levels(ctx, true); err != nil {
			return ProposalPage{}, err
		}
	}
	return pg, nil
}

// Filter narrows the proposal list.
type Filter struct {
	State    State
	Category string
	// StationID narrows to one station the actor sees (0 = all the actor sees).
	StationID int64
	// ToTell keeps decisions the customer has not been told of (待告知客户).
	ToTell bool
	// Due keeps what awaits a decision: logged, and kept within ReminderDays of the
	// review date or past it (待决定/保留到期).
	Due bool
	// Text matches the number, the customer's name or the content.
	Text string
	// After is the cursor from the previous page.
	After string
	// Limit is the page size (default 50, at most 200).
	Limit int
}

// ListPage is one page of proposals with the filters' choices.
type ListPage struct {
	Proposals []Proposal
	Next      string
	// Stations are the actor's stations (the station filter for multi-station actors).
	Stations []auth.Station
	Today    time.Time
	// CanLog says the actor may log proposals.
	CanLog bool
}

// List lists the proposals the actor sees, newest first, keyset-paginated. Errors:
// Forbidden for roles that see no proposals, NotFound for a station the actor does not
// see, Invalid for a bad cursor.
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter) (ListPage, error) {
	if !slices.Contains(office, actor.Role) {
		return ListPage{}, forbidden("hotline,supervisor,manager")
	}
	scope := actor
	if f.StationID != 0 {
		if !actor.Sees(f.StationID) {
			return ListPage{}, notFound()
		}
		scope.Stations = []int64{f.StationID}
	}
	lp := ListPage{Today: s.today(), CanLog: MayLog(actor.Role)}
	page, err := listProposals(ctx, s, scope, f, lp.Today)
	if err != nil {
		return ListPage{}, err
	}
	lp.Proposals, lp.Next = page.Proposals, page.Next
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) ORDER BY id`, actor.Stations)
	if err != nil {
		return ListPage{}, db.Translate(err, "stations")
	}
	if lp.Stations, err = pgx.CollectRows(rows, pgx.RowToStructByName[auth.Station]); err != nil {
		return ListPage{}, db.Translate(err, "stations")
	}
	return lp, nil
}

// Counts are the proposal figures of a home page.
type Counts struct {
	// Due counts proposals awaiting a decision: logged, or kept within ReminderDays of
	// the review date or past it.
	Due int
	// ToTell counts decisions the customer has not been told of.
	ToTell int
}

// HomeCounts counts the actor's proposals awaiting a decision or an answer to the
// customer (zero for roles that see no proposals).
func (s *Service) HomeCounts(ctx context.Context, actor auth.Actor) (Counts, error) {
	var c Counts
	args := []any{s.today(), ReminderDays}
	scope := Scope(actor, "p", db.Args(&args))
	err := s.pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE `+dueSQL("p", "$1", "$2")+`),
		count(*) FILTER (WHERE `+toTellSQL("p")+`)
		FROM proposals p WHERE `+scope+` AND (p.state IN ('logged', 'kept') OR p.told_at IS NULL)`, args...).Scan(&c.Due, &c.ToTell)
	return c, db.Translate(err, "proposal counts")
}

// OfCustomer lists a customer's proposals the actor sees, newest first (at most 50).
func (s *Service) OfCustomer(ctx context.Context, actor auth.Actor, customerID int64) ([]Proposal, error) {
	sql, args := OfCustomerSQL(actor, customerID, s.now(), s.loc)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err, "customer proposals")
	}
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[Proposal])
	return ps, db.Translate(err, "customer proposals")
}

// OfCustomerSQL is OfCustomer's query and arguments, for a page that reads the customer's
// proposals in its own batch (rows scan with pgx.RowToStructByName[Proposal]); now and
// loc are the service's clock reading and time zone.
func OfCustomerSQL(actor auth.Actor, customerID int64, now time.Time, loc *time.Location) (string, []any) {
	args := []any{customerID}
	arg := db.Args(&args)
	return selectSQL(now, loc, arg) + " WHERE p.customer_id = $1 AND " + Scope(actor, "p", arg) + " ORDER BY p.logged_at DESC, p.id DESC LIMIT 50", args
}
