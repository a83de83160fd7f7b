package accesslog

import (
	"context"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service reads the access log and records exports.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the access log's service; loc is the time zone of the date filters.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc}
}

// mayRead reports whether the actor may read the access log: managers (of their
// stations' records) and admins (all).
func mayRead(a auth.Actor) bool { return a.Is(auth.RoleManager, auth.RoleAdmin) }

// RecordExport writes the entry of an export of a list (recordID nil: the station is the
// actor's) or of one customer's data (the customer's station and id).
func (s *Service) RecordExport(ctx context.Context, actor auth.Actor, stationID int64, recordID *int64) error {
	if recordID == nil {
		stationID = actor.StationID
	}
	return Record(ctx, s.pool, actor, s.now(), Export, stationID, recordID)
}

// Entry is one line of the access log as the page shows it.
type Entry struct {
	ID          int64     `db:"id"`
	At          time.Time `db:"at"`
	ActorID     int64     `db:"actor_id"`
	ActorName   string    `db:"actor_name"`
	StationID   int64     `db:"station_id"`
	StationName string    `db:"station_name"`
	Kind        Kind      `db:"kind"`
	RecordID    *int64    `db:"record_id"`
	Route       string    `db:"route"`
	Remote      string    `db:"remote"`
}

// Link is where the entry's record is seen, "" when it has none (a list's export).
func (e Entry) Link() string {
	if e.RecordID == nil {
		return ""
	}
	id := strconv.FormatInt(*e.RecordID, 10)
	switch e.Kind {
	case Customer, Export:
		return "/customers/" + id
	case Order:
		return "/orders/" + id
	case Attachment:
		return "/attachments/" + id
	}
	return ""
}

// Filter narrows the log: by person, kind, record, days (From and To, civil dates in the
// service's time zone, To included), and Before (the id the previous page ended at).
type Filter struct {
	ActorID  int64
	Kind     Kind
	RecordID int64
	From, To *time.Time
	Before   int64
}

// PageSize is how many entries one page shows.
const PageSize = 50

// Person is a user the person filter offers.
type Person struct {
	ID   int64  `db:"id"`
	Name string `db:"display_name"`
}

// Page is one page of the log: its entries newest first, the id the next page starts
// before (0: none), and the people the filter offers.
type Page struct {
	Entries []Entry
	Next    int64
	People  []Person
}

// List returns a page of the log for the actor: a manager's stations' entries, an
// admin's all (Forbidden for other roles).
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter) (Page, error) {
	if !mayRead(actor) {
		return Page{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,admin")
	}
	var a args
	where := "TRUE"
	if actor.Role != auth.RoleAdmin {
		where += " AND l.station_id = ANY(" + a.add(actor.Stations) + ")"
	}
	if f.ActorID > 0 {
		where += " AND l.actor_id = " + a.add(f.ActorID)
	}
	if f.Kind != "" {
		where += " AND l.kind = " + a.add(string(f.Kind))
	}
	if f.RecordID > 0 {
		where += " AND l.record_id = " + a.add(f.RecordID)
	}
	if f.From != nil {
		where += " AND l.at >= " + a.add(time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, s.loc))
	}
	if f.To != nil {
		where += " AND l.at < " + a.add(time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, s.loc))
	}
	if f.Before > 0 {
		where += " AND l.id < " + a.add(f.Before)
	}
	var p Page
	b := &pgx.Batch{}
	b.Queue(`SELECT l.id, l.at, l.actor_id, u.display_name AS actor_name, l.station_id, st.name AS station_name,
		l.kind, l.record_id, l.route, l.remote
		FROM access_log l JOIN users u ON u.id = l.actor_id JOIN stations st ON st.id = l.station_id
		WHERE `+where+` ORDER BY l.id DESC LIMIT `+a.add(PageSize+1), a...).Query(func(rows pgx.Rows) (err error) {
		p.Entries, err = pgx.CollectRows(rows, pgx.RowToStructByName[Entry])
		return err
	})
	people := `SELECT id, display_name FROM users ORDER BY display_name, id`
	var pargs []any
	if actor.Role != auth.RoleAdmin {
		people = `SELECT id, display_name FROM users WHERE station_id = ANY($1) ORDER BY display_name, id`
		pargs = append(pargs, actor.Stations)
	}
	b.Queue(people, pargs...).Query(func(rows pgx.Rows) (err error) {
		p.People, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person])
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return Page{}, db.Translate(err, "access log")
	}
	if len(p.Entries) > PageSize {
		p.Entries = p.Entries[:PageSize]
		p.Next = p.Entries[PageSize-1].ID
	}
	return p, nil
}
