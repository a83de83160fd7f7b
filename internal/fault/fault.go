// Package fault keeps product faults fed back to quality (故障反馈): a technician or
// supervisor reports a fault from a job, with photos taken at discovery, the part or
// assembly, the symptom and the severity; a major fault not fixed on site is escalated
// to headquarters' quality list at once. Each fault is analysed (cause), given a measure
// and closed. state.go is the machine; this file the service, one transaction per change.
package fault

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/textlimit"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Severities are the severities of a fault (fault.severity.*): 一般 and 重大.
var Severities = []string{"minor", "major"}

// The lengths of a fault's texts, in characters.
const (
	MaxName = 100
	MaxText = 1000
)

var limits = textlimit.Set{Default: MaxText, Fields: map[string]int{
	"model": MaxName, "assembly": MaxName, "symptom": MaxText, "cause": MaxText, "measure": MaxText, "note": MaxText,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// viewers are the roles that see faults; technicians only those of their own jobs.
var viewers = []auth.Role{auth.RoleTechnician, auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin}

// Scope is the visibility of faults as SQL over the fault's order under alias: the
// order's visibility (a technician sees only their own jobs), for the roles that see faults.
func Scope(a auth.Actor, alias string, arg func(any) string) string {
	if !slices.Contains(viewers, a.Role) || len(a.Stations) == 0 {
		return "false"
	}
	return workflow.Scope(a, alias, arg)
}

// Service keeps fault reports.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the fault service; now is the one clock, loc the time zone of the
// months of the quality list.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{pool: pool, now: now, loc: loc}
}

// Fault is one fault as the pages show it.
type Fault struct {
	ID             int64      `db:"id"`
	OrderID        int64      `db:"order_id"`
	OrderNumber    string     `db:"order_number"`
	StationID      int64      `db:"station_id"`
	StationName    string     `db:"station_name"`
	UnitID         *int64     `db:"unit_id"`
	Serial         string     `db:"serial"`
	Model          string     `db:"model"`
	Assembly       string     `db:"assembly"`
	Symptom        string     `db:"symptom"`
	Severity       string     `db:"severity"`
	FixedOnSite    bool       `db:"fixed_on_site"`
	Escalated      bool       `db:"escalated"`
	State          State      `db:"state"`
	Version        int        `db:"version"`
	ReportedByName string     `db:"reported_by_name"`
	ReportedAt     time.Time  `db:"reported_at"`
	Cause          string     `db:"cause"`
	Measure        string     `db:"measure"`
	CloseNote      string     `db:"close_note"`
	ClosedAt       *time.Time `db:"closed_at"`
	Photos         []int64    `db:"photos"`
}

const selectSQL = `SELECT f.id, f.order_id, o.number AS order_number, f.station_id, st.name AS station_name, f.unit_id,
	coalesce(u.serial, '') AS serial, f.model, f.assembly, f.symptom, f.severity, f.fixed_on_site, f.escalated, f.state, f.version,
	ru.display_name AS reported_by_name, f.reported_at, coalesce(f.cause, '') AS cause, coalesce(f.measure, '') AS measure,
	coalesce(f.close_note, '') AS close_note, f.closed_at,
	coalesce((SELECT array_agg(p.id ORDER BY p.id) FROM fault_photos p WHERE p.fault_id = f.id), '{}') AS photos
	FROM faults f
	JOIN work_orders o ON o.id = f.order_id
	JOIN stations st ON st.id = f.station_id
	JOIN users ru ON ru.id = f.reported_by
	LEFT JOIN units u ON u.id = f.unit_id`

// NewFault is a fault as reported from a job.
type NewFault struct {
	OrderID int64
	// Model is used only when the order has no unit (the unit's model otherwise).
	Model       string
	Assembly    string
	Symptom     string
	Severity    string
	FixedOnSite bool
	// Photos are the photos taken at discovery (JPEG, PNG or WebP), at most attach.MaxPhotos.
	Photos [][]byte
}

// Valid checks the report's shape; keys are catalog keys.
func (in NewFault) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(in.Assembly) == "" {
		f["assembly"] = "field.required"
	}
	if strings.TrimSpace(in.Symptom) == "" {
		f["symptom"] = "field.required"
	}
	if !slices.Contains(Severities, in.Severity) {
		f["severity"] = "fault.field.severity"
	}
	if len(in.Photos) > attach.MaxPhotos {
		f["photos"] = "attach.too_many"
	}
	return limits.Check(f, "model", in.Model, "assembly", in.Assembly, "symptom", in.Symptom)
}

// Report records a fault found on order in.OrderID (its technician or a supervisor),
// with its photos, in one transaction. The same form posted again returns the fault the
// first post made. Errors: Forbidden, NotFound (an order the actor does not see, or a
// cancelled one), Invalid with field keys (photos refused by their bytes or header).
func (s *Service) Report(ctx context.Context, actor auth.Actor, in NewFault) (Fault, error) {
	if !MayReport(actor.Role) {
		return Fault{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", rolesList(reporters))
	}
	in.Model, in.Assembly, in.Symptom = strings.TrimSpace(in.Model), strings.TrimSpace(in.Assembly), strings.TrimSpace(in.Symptom)
	f := in.Valid()
	var photos []attach.Checked
	for _, p := range in.Photos {
		c, err := attach.Check(attach.Photo, p)
		if err != nil {
			if ae := apperr.As(err); ae.Fields["photos"] != "" {
				f["photos"] = ae.Fields["photos"]
				continue
			}
			return Fault{}, err
		}
		photos = append(photos, c)
	}
	if len(f) > 0 {
		return Fault{}, apperr.Fields(f)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, made, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			id = made
			return err
		}
		args := []any{in.OrderID}
		arg := db.Args(&args)
		var station int64
		var unit *int64
		var model, state string
		err = tx.QueryRow(ctx, `SELECT o.station_id, o.unit_id, coalesce(u.model, ''), o.state FROM work_orders o LEFT JOIN units u ON u.id = o.unit_id
			WHERE o.id = $1 AND `+workflow.Scope(actor, "o", arg)+` FOR UPDATE OF o`, args...).Scan(&station, &unit, &model, &state)
		if err != nil {
			return db.Translate(err, "fault order")
		}
		if workflow.State(state) == workflow.Cancelled {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if model == "" {
			model = in.Model
		}
		if model == "" {
			return apperr.Fields(map[string]string{"model": "field.required"})
		}
		next, err := Next(Facts{State: None}, Report, actor.Role)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO faults (order_id, station_id, unit_id, model, assembly, symptom, severity, fixed_on_site, state, reported_by, reported_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			in.OrderID, station, unit, model, in.Assembly, in.Symptom, in.Severity, in.FixedOnSite, next, actor.UserID, now).Scan(&id); err != nil {
			return db.Translate(err, "fault")
		}
		for _, c := range photos {
			if _, err := tx.Exec(ctx, `INSERT INTO fault_photos (fault_id, content_type, size, sha256, data, thumb, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, c.ContentType, len(c.Data), c.SHA256, c.Data, c.Thumb, actor.UserID, now); err != nil {
				return db.Translate(err, "fault photo")
			}
		}
		data := map[string]any{"severity": in.Severity, "fixed_on_site": in.FixedOnSite, "photos": len(photos)}
		if err := addEvent(ctx, tx, id, now, actor.UserID, Report, None, next, data); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Fault{}, err
	}
	if id == 0 {
		return Fault{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return s.ByID(ctx, actor, id)
}

// Step is the text a handling step records: the cause (analyse), the measure (measure)
// or an optional note (close).
type Step struct {
	Text string
}

// Take runs transition t on fault id at the version the form showed, in one transaction:
// the form key claimed (a repeated post changes nothing), the fault locked and visible to
// the actor (NotFound), the version checked (Conflict), the machine asked
// (IllegalTransition, Forbidden), the columns and the event row written. Errors also
// Invalid with field keys (a cause or measure is required).
func (s *Service) Take(ctx context.Context, actor auth.Actor, id int64, version int, t Transition, st Step) (Fault, error) {
	st.Text = strings.TrimSpace(st.Text)
	var set string
	var field string
	switch t {
	case Analyse:
		set, field = `cause = $3, analysed_by = $4, analysed_at = $5`, "cause"
	case Measure:
		set, field = `measure = $3, measured_by = $4, measured_at = $5`, "measure"
	case Close:
		set, field = `close_note = $3, closed_by = $4, closed_at = $5`, "note"
	default:
		return Fault{}, apperr.New(apperr.Invalid, "error.transition.unknown", "Transition", string(t))
	}
	f := limits.Check(map[string]string{}, field, st.Text)
	if st.Text == "" && t != Close {
		f[field] = "field.required"
	}
	if len(f) > 0 {
		return Fault{}, apperr.Fields(f)
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		args := []any{id, actor.StationID}
		arg := db.Args(&args)
		var cur State
		var ver int
		var escalated, hq bool
		err = tx.QueryRow(ctx, `SELECT f.state, f.version, f.escalated, (SELECT kind = 'hq' FROM stations WHERE id = $2)
			FROM faults f JOIN work_orders o ON o.id = f.order_id WHERE f.id = $1 AND `+Scope(actor, "o", arg)+` FOR UPDATE OF f`, args...).
			Scan(&cur, &ver, &escalated, &hq)
		if err != nil {
			return db.Translate(err, "lock fault")
		}
		if ver != version {
			return apperr.New(apperr.Conflict, "fault.error.stale")
		}
		next, err := Next(Facts{State: cur, Escalated: escalated, ActorAtHQ: hq}, t, actor.Role)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE faults SET state = $2, version = version + 1, `+set+` WHERE id = $1`, id, next, st.Text, actor.UserID, now); err != nil {
			return db.Translate(err, "fault "+string(t))
		}
		return addEvent(ctx, tx, id, now, actor.UserID, t, cur, next, map[string]any{field: st.Text})
	})
	if err != nil {
		return Fault{}, err
	}
	return s.ByID(ctx, actor, id)
}

func addEvent(ctx context.Context, tx pgx.Tx, id int64, at time.Time, actorID int64, t Transition, from, to State, data map[string]any) error {
	var fs *string
	if from != None {
		v := string(from)
		fs = &v
	}
	_, err := tx.Exec(ctx, `INSERT INTO fault_events (fault_id, at, actor_id, kind, from_state, to_state, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, at, actorID, t, fs, to, data)
	return db.Translate(err, "fault event")
}

// ByID is fault id as the actor sees it: NotFound when it does not exist or its order is
// not visible to the actor.
func (s *Service) ByID(ctx context.Context, actor auth.Actor, id int64) (Fault, error) {
	args := []any{id}
	rows, err := s.pool.Query(ctx, selectSQL+" WHERE f.id = $1 AND "+Scope(actor, "o", db.Args(&args)), args...)
	if err != nil {
		return Fault{}, db.Translate(err, "fault")
	}
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Fault])
	return f, db.Translate(err, "fault")
}

// QueueOfOrder adds to m the faults of an order the actor sees, oldest first; they land
// in *dst when m runs.
func QueueOfOrder(m *db.Merged, actor auth.Actor, orderID int64, dst *[]Fault) {
	args := []any{orderID}
	db.Rows(m, selectSQL+" WHERE f.order_id = $1 AND "+Scope(actor, "o", db.Args(&args))+" ORDER BY f.id", args, dst)
}

// Event is one line of a fault's timeline.
type Event struct {
	At        time.Time      `db:"at"`
	ActorName string         `db:"actor_name"`
	Kind      Transition     `db:"kind"`
	ToState   State          `db:"to_state"`
	Data      map[string]any `db:"data"`
}

// Page is a fault with its timeline and the steps the actor may take.
type Page struct {
	Fault
	Events  []Event
	Allowed []Transition
}

// Page loads fault id's page for the actor. Errors: NotFound.
func (s *Service) Page(ctx context.Context, actor auth.Actor, id int64) (Page, error) {
	f, err := s.ByID(ctx, actor, id)
	if err != nil {
		return Page{}, err
	}
	var hq bool
	if err := s.pool.QueryRow(ctx, `SELECT kind = 'hq' FROM stations WHERE id = $1`, actor.StationID).Scan(&hq); err != nil {
		return Page{}, db.Translate(err, "station")
	}
	pg := Page{Fault: f, Allowed: Allowed(Facts{State: f.State, Escalated: f.Escalated, ActorAtHQ: hq}, actor.Role)}
	rows, err := s.pool.Query(ctx, `SELECT e.at, u.display_name AS actor_name, e.kind, e.to_state, e.data
		FROM fault_events e JOIN users u ON u.id = e.actor_id WHERE e.fault_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return Page{}, db.Translate(err, "fault events")
	}
	pg.Events, err = pgx.CollectRows(rows, pgx.RowToStructByName[Event])
	return pg, db.Translate(err, "fault events")
}

// Photo returns a fault photo's bytes (or its thumbnail) and type, for those who see
// its fault. Errors: NotFound.
func (s *Service) Photo(ctx context.Context, actor auth.Actor, id int64, thumb bool) (string, []byte, error) {
	args := []any{id}
	var ct string
	var data, small []byte
	err := s.pool.QueryRow(ctx, `SELECT p.content_type, p.data, p.thumb FROM fault_photos p JOIN faults f ON f.id = p.fault_id
		JOIN work_orders o ON o.id = f.order_id WHERE p.id = $1 AND `+Scope(actor, "o", db.Args(&args)), args...).Scan(&ct, &data, &small)
	if err != nil {
		return "", nil, db.Translate(err, "fault photo")
	}
	if thumb && len(small) > 0 {
		return "image/jpeg", small, nil
	}
	return ct, data, nil
}
