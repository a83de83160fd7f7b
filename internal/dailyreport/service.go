package dailyreport

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service keeps the daily reports: every change goes through it, in one transaction
// with its event row.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the daily-report service. now is the one clock; loc the time zone
// the days are counted in.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc}
}

// Lead is a business lead for sales (商机): which customer, what they may buy, whom to
// contact.
type Lead struct {
	Customer string
	What     string
	Contact  string
}

// Entry is what only the technician knows of the day.
type Entry struct {
	Difficulties string
	Feedback     string
	Remarks      string
	Leads        []Lead
}

// Valid checks the entry's shape; values are catalog keys. Lead fields are named
// lead_customer_N, lead_what_N and lead_contact_N by position.
func (e Entry) Valid() map[string]string {
	f := limits.Check(map[string]string{}, "difficulties", e.Difficulties, "feedback", e.Feedback, "remarks", e.Remarks)
	if len(e.Leads) > MaxLeads {
		f["leads"] = "daily.field.too_many_leads"
	}
	for i, l := range e.Leads {
		n := strconv.Itoa(i)
		if strings.TrimSpace(l.Customer) == "" {
			f["lead_customer_"+n] = "daily.field.lead_customer_required"
		}
		if strings.TrimSpace(l.What) == "" {
			f["lead_what_"+n] = "daily.field.lead_what_required"
		}
		if n := limits.Of("lead_customer"); len([]rune(l.Customer)) > n {
			f["lead_customer_"+strconv.Itoa(i)] = "field.max." + strconv.Itoa(n)
		}
		if n := limits.Of("lead_what"); len([]rune(l.What)) > n {
			f["lead_what_"+strconv.Itoa(i)] = "field.max." + strconv.Itoa(n)
		}
		if n := limits.Of("lead_contact"); len([]rune(l.Contact)) > n {
			f["lead_contact_"+strconv.Itoa(i)] = "field.max." + strconv.Itoa(n)
		}
	}
	return f
}

func (e Entry) trimmed() Entry {
	out := Entry{Difficulties: strings.TrimSpace(e.Difficulties), Feedback: strings.TrimSpace(e.Feedback), Remarks: strings.TrimSpace(e.Remarks)}
	for _, l := range e.Leads {
		out.Leads = append(out.Leads, Lead{Customer: strings.TrimSpace(l.Customer), What: strings.TrimSpace(l.What), Contact: strings.TrimSpace(l.Contact)})
	}
	return out
}

// Report is a daily report as it stands.
type Report struct {
	ID             int64
	StationID      int64
	StationName    string
	TechnicianID   int64
	TechnicianName string
	Day            time.Time
	// Version changes with every change (a form carries it); Revision counts the
	// technician's submissions.
	Version         int
	Revision        int
	SubmittedAt     time.Time
	Comment         string
	CommentedByName string
	CommentedAt     *time.Time
	ReviewedByName  string
	ReviewedAt      *time.Time
}

// Revision is one submission of the technician: what they wrote and what the system
// knew of the day then.
type Revision struct {
	N           int
	Entry       Entry
	Facts       Facts
	SubmittedAt time.Time
}

// Event is one line of the report's log.
type Event struct {
	Step      string
	ActorName string
	At        time.Time
	Note      string
}

// Page is a report with its revisions (newest first) and its log.
type Page struct {
	Report
	Revisions []Revision
	Events    []Event
	// MayReview says the reader may comment and mark it reviewed.
	MayReview bool
}

// Latest is the newest revision.
func (p Page) Latest() Revision {
	if len(p.Revisions) == 0 {
		return Revision{}
	}
	return p.Revisions[0]
}

const selectReport = `SELECT r.id, r.station_id, s.name, r.technician_id, t.display_name, r.day, r.version, r.revision, r.submitted_at,
	r.comment, coalesce(cu.display_name, ''), r.commented_at, coalesce(ru.display_name, ''), r.reviewed_at
	FROM daily_reports r JOIN stations s ON s.id = r.station_id JOIN users t ON t.id = r.technician_id
	LEFT JOIN users cu ON cu.id = r.commented_by LEFT JOIN users ru ON ru.id = r.reviewed_by`

func (s *Service) scanReport(row pgx.Row) (Report, error) {
	var r Report
	var day time.Time
	err := row.Scan(&r.ID, &r.StationID, &r.StationName, &r.TechnicianID, &r.TechnicianName, &day, &r.Version, &r.Revision, &r.SubmittedAt,
		&r.Comment, &r.CommentedByName, &r.CommentedAt, &r.ReviewedByName, &r.ReviewedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return r, db.Translate(err, "daily report")
	}
	r.Day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, s.loc)
	return r, nil
}

// Get returns the report with its revisions and log if actor sees it, else NotFound.
func (s *Service) Get(ctx context.Context, actor auth.Actor, id int64) (Page, error) {
	r, err := s.scanReport(s.pool.QueryRow(ctx, selectReport+` WHERE r.id = $1`, id))
	if err != nil {
		return Page{}, err
	}
	if !Sees(actor, r.StationID, r.TechnicianID) {
		return Page{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return s.page(ctx, actor, r)
}

func (s *Service) page(ctx context.Context, actor auth.Actor, r Report) (Page, error) {
	p := Page{Report: r, MayReview: MayReview(actor)}
	rows, err := s.pool.Query(ctx, `SELECT revision, difficulties, feedback, remarks, facts, submitted_at FROM daily_report_revisions
		WHERE report_id = $1 ORDER BY revision DESC`, r.ID)
	if err != nil {
		return p, db.Translate(err, "revisions")
	}
	for rows.Next() {
		var v Revision
		var raw []byte
		if err := rows.Scan(&v.N, &v.Entry.Difficulties, &v.Entry.Feedback, &v.Entry.Remarks, &raw, &v.SubmittedAt); err != nil {
			rows.Close()
			return p, db.Translate(err, "revisions")
		}
		_ = json.Unmarshal(raw, &v.Facts)
		p.Revisions = append(p.Revisions, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, db.Translate(err, "revisions")
	}
	facts := make([]*Facts, len(p.Revisions))
	for i := range p.Revisions {
		facts[i] = &p.Revisions[i].Facts
	}
	if err := maskAddresses(ctx, s.pool, actor, facts...); err != nil {
		return p, err
	}
	rows, err = s.pool.Query(ctx, `SELECT revision, customer, what, contact FROM daily_report_leads WHERE report_id = $1 ORDER BY revision, position`, r.ID)
	if err != nil {
		return p, db.Translate(err, "leads")
	}
	for rows.Next() {
		var n int
		var l Lead
		if err := rows.Scan(&n, &l.Customer, &l.What, &l.Contact); err != nil {
			rows.Close()
			return p, db.Translate(err, "leads")
		}
		for i := range p.Revisions {
			if p.Revisions[i].N == n {
				p.Revisions[i].Entry.Leads = append(p.Revisions[i].Entry.Leads, l)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, db.Translate(err, "leads")
	}
	rows, err = s.pool.Query(ctx, `SELECT e.step, u.display_name, e.at, e.note FROM daily_report_events e JOIN users u ON u.id = e.actor_id
		WHERE e.report_id = $1 ORDER BY e.id`, r.ID)
	if err != nil {
		return p, db.Translate(err, "report events")
	}
	p.Events, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Event, error) {
		var e Event
		err := row.Scan(&e.Step, &e.ActorName, &e.At, &e.Note)
		return e, err
	})
	return p, db.Translate(err, "report events")
}

// Today is the technician's report page of a day: the facts as the system knows them
// now, the report if submitted, and the time it is due by.
type Today struct {
	Day      time.Time
	Facts    Facts
	Deadline time.Time
	// Report is nil until the first submission.
	Report *Page
}

// Today returns actor's report page for today. Technicians only (Forbidden).
func (s *Service) Today(ctx context.Context, actor auth.Actor) (Today, error) {
	if !actor.Is(auth.RoleTechnician) {
		return Today{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "technician")
	}
	t := Today{Day: DayOf(s.now(), s.loc)}
	var err error
	if t.Facts, err = Prefill(ctx, s.pool, actor.UserID, t.Day, s.loc); err != nil {
		return t, err
	}
	if err := maskAddresses(ctx, s.pool, actor, &t.Facts); err != nil {
		return t, err
	}
	rules, err := rulesFor(ctx, s.pool, actor.StationID)
	if err != nil {
		return t, err
	}
	t.Deadline = Deadline(rules, t.Day, s.loc)
	r, err := s.scanReport(s.pool.QueryRow(ctx, selectReport+` WHERE r.technician_id = $1 AND r.day = $2`, actor.UserID, t.Day.Format(time.DateOnly)))
	if apperr.CodeOf(err) == apperr.NotFound {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	p, err := s.page(ctx, actor, r)
	if err != nil {
		return t, err
	}
	t.Report = &p
	return t, nil
}

// Submit files actor's report of day, or corrects it with a new revision (the earlier
// ones are kept; a review is then due again). version is the report's version the form
// was shown at, 0 for the first submission. Technicians only, for their own report of
// today or one of the seven days before (Forbidden, Invalid); Conflict when the report
// changed since the form was shown. A repeated form changes nothing.
func (s *Service) Submit(ctx context.Context, actor auth.Actor, day time.Time, version int, in Entry) (Report, error) {
	if !actor.Is(auth.RoleTechnician) {
		return Report{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "technician")
	}
	if f := in.Valid(); len(f) > 0 {
		return Report{}, apperr.Fields(f)
	}
	in = in.trimmed()
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		today := DayOf(now, s.loc)
		day = DayOf(day, s.loc)
		if day.After(today) || day.Before(today.AddDate(0, 0, -7)) {
			return apperr.Fields(map[string]string{"day": "daily.field.day_invalid"})
		}
		fresh, ref, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			id = ref
			return err
		}
		facts, err := Prefill(ctx, tx, actor.UserID, day, s.loc)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(facts)
		var cur, rev int
		err = tx.QueryRow(ctx, `SELECT id, version, revision FROM daily_reports WHERE technician_id = $1 AND day = $2 FOR UPDATE`,
			actor.UserID, day.Format(time.DateOnly)).Scan(&id, &cur, &rev)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if version != 0 {
				return apperr.New(apperr.Conflict, "daily.error.stale")
			}
			rev, cur = 1, 1
			err = tx.QueryRow(ctx, `INSERT INTO daily_reports (station_id, technician_id, day, submitted_at) VALUES ($1, $2, $3, $4) RETURNING id`,
				actor.StationID, actor.UserID, day.Format(time.DateOnly), now).Scan(&id)
			if err != nil {
				return db.Translate(err, "insert daily report")
			}
		case err != nil:
			return db.Translate(err, "daily report")
		default:
			if cur != version {
				return apperr.New(apperr.Conflict, "daily.error.stale")
			}
			rev, cur = rev+1, cur+1
			if _, err := tx.Exec(ctx, `UPDATE daily_reports SET version = $2, revision = $3, submitted_at = $4, reviewed_by = NULL, reviewed_at = NULL
				WHERE id = $1`, id, cur, rev, now); err != nil {
				return db.Translate(err, "update daily report")
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO daily_report_revisions (report_id, revision, difficulties, feedback, remarks, facts, submitted_by, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, rev, in.Difficulties, in.Feedback, in.Remarks, raw, actor.UserID, now); err != nil {
			return db.Translate(err, "daily report revision")
		}
		for i, l := range in.Leads {
			if _, err := tx.Exec(ctx, `INSERT INTO daily_report_leads (report_id, revision, position, customer, what, contact) VALUES ($1, $2, $3, $4, $5, $6)`,
				id, rev, i, l.Customer, l.What, l.Contact); err != nil {
				return db.Translate(err, "lead")
			}
		}
		if err := insertEvent(ctx, tx, id, "submit", actor.UserID, cur, now, "", map[string]any{"revision": rev}); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Report{}, err
	}
	return s.scanReport(s.pool.QueryRow(ctx, selectReport+` WHERE r.id = $1`, id))
}

func insertEvent(ctx context.Context, tx pgx.Tx, id int64, step string, actorID int64, version int, at time.Time, note string, data map[string]any) error {
	raw, _ := json.Marshal(data)
	_, err := tx.Exec(ctx, `INSERT INTO daily_report_events (report_id, step, actor_id, version, at, note, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, step, actorID, version, at, note, raw)
	return db.Translate(err, "daily report event")
}

// run takes one step of the reader on report id: it claims the form's key (a repeated
// form changes nothing), locks the report, checks that the actor sees it, may review it
// and that nobody changed it since the page was loaded, applies the change and writes
// the row and its event in one transaction.
func (s *Service) run(ctx context.Context, actor auth.Actor, id int64, version int, step string, apply func(r *Report, now time.Time) (note string, commented, reviewed bool)) (Report, error) {
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		var r Report
		var commentedBy, reviewedBy *int64
		err = tx.QueryRow(ctx, `SELECT id, station_id, technician_id, version, comment, commented_by, commented_at, reviewed_by, reviewed_at
			FROM daily_reports WHERE id = $1 FOR UPDATE`, id).Scan(&r.ID, &r.StationID, &r.TechnicianID, &r.Version, &r.Comment,
			&commentedBy, &r.CommentedAt, &reviewedBy, &r.ReviewedAt)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !Sees(actor, r.StationID, r.TechnicianID)) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if err != nil {
			return db.Translate(err, "daily report")
		}
		if !MayReview(actor) {
			return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
		}
		if r.Version != version {
			return apperr.New(apperr.Conflict, "daily.error.stale")
		}
		note, commented, reviewed := apply(&r, now)
		if commented {
			commentedBy = &actor.UserID
		}
		if reviewed {
			reviewedBy = &actor.UserID
		}
		if _, err := tx.Exec(ctx, `UPDATE daily_reports SET version = version + 1, comment = $2, commented_by = $3, commented_at = $4,
			reviewed_by = $5, reviewed_at = $6 WHERE id = $1`, id, r.Comment, commentedBy, r.CommentedAt, reviewedBy, r.ReviewedAt); err != nil {
			return db.Translate(err, "update daily report")
		}
		if err := insertEvent(ctx, tx, id, step, actor.UserID, r.Version+1, now, note, nil); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Report{}, err
	}
	return s.scanReport(s.pool.QueryRow(ctx, selectReport+` WHERE r.id = $1`, id))
}

// Comment adds the reader's comment to the report (it replaces an earlier one; the log
// keeps every one). Supervisors and managers who see the report (NotFound, Forbidden);
// Invalid for an empty or too long comment; Conflict for a stale form.
func (s *Service) Comment(ctx context.Context, actor auth.Actor, id int64, version int, comment string) (Report, error) {
	f := limits.Check(map[string]string{}, "comment", comment)
	if strings.TrimSpace(comment) == "" {
		f["comment"] = "daily.field.comment_required"
	}
	if len(f) > 0 {
		return Report{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, "comment", func(r *Report, now time.Time) (string, bool, bool) {
		r.Comment, r.CommentedAt = strings.TrimSpace(comment), &now
		return r.Comment, true, false
	})
}

// Review marks the report read and reviewed, with an optional comment. Supervisors and
// managers who see the report (NotFound, Forbidden); Invalid for a too long comment;
// Conflict for a stale form (or a report corrected since it was read).
func (s *Service) Review(ctx context.Context, actor auth.Actor, id int64, version int, comment string) (Report, error) {
	if f := limits.Check(map[string]string{}, "comment", comment); len(f) > 0 {
		return Report{}, apperr.Fields(f)
	}
	return s.run(ctx, actor, id, version, "review", func(r *Report, now time.Time) (string, bool, bool) {
		c := strings.TrimSpace(comment)
		if c != "" {
			r.Comment, r.CommentedAt = c, &now
		}
		r.ReviewedAt = &now
		return c, c != "", true
	})
}
