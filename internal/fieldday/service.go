package fieldday

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

// Service owns the safety meetings, the kit lists and the pre-departure checks.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the field-day service.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc}
}

// day is the calendar day (UTC midnight) of t in the service's time zone.
func (s *Service) day(t time.Time) time.Time {
	l := t.In(s.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// bounds are the instants a calendar day starts and ends in the service's time zone.
func (s *Service) bounds(day time.Time) (time.Time, time.Time) {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, s.loc)
	return start, start.AddDate(0, 0, 1)
}

type querier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

// Kit is a station's kit list: its own, or the manual's.
func (s *Service) Kit(ctx context.Context, stationID int64) ([]string, error) {
	return kit(ctx, s.pool, stationID)
}

// kitSQL reads a station's own kit list, the station given after it.
const kitSQL = `SELECT items FROM kit_lists WHERE station_id = `

func kit(ctx context.Context, q querier, stationID int64) ([]string, error) {
	var items []string
	err := q.QueryRow(ctx, kitSQL+`$1`, stationID).Scan(&items)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultKit, nil
	}
	return items, db.Translate(err, "kit list")
}

// SetKit sets the kit list of the actor's station from text typed one item a line
// (supervisors and managers). Invalid when it has no item, too many or one too long.
func (s *Service) SetKit(ctx context.Context, actor auth.Actor, text string) error {
	if !Records(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	items, ok := ParseKit(text)
	if f := limits.Check(map[string]string{}, "kit", text); len(f) > 0 || !ok {
		return apperr.Fields(map[string]string{"kit": "fieldday.field.kit"})
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO kit_lists (station_id, items) VALUES ($1, $2)
		ON CONFLICT (station_id) DO UPDATE SET items = EXCLUDED.items`, actor.StationID, items)
	return db.Translate(err, "kit list")
}

// Departure is a job's pre-departure check.
type Departure struct {
	OrderID        int64     `db:"order_id"`
	OrderNumber    string    `db:"order_number"`
	TechnicianName string    `db:"technician_name"`
	CheckedAt      time.Time `db:"checked_at"`
	Items          []string  `db:"items"`
	Missing        []string  `db:"missing"`
	Note           string    `db:"note"`
}

const selectDeparture = `SELECT d.order_id, o.number AS order_number, u.display_name AS technician_name, d.checked_at, d.items, d.missing, d.note
	FROM departure_checks d JOIN work_orders o ON o.id = d.order_id JOIN users u ON u.id = d.technician_id`

// JobCheck is the pre-departure check on a job's page: the check made, or (for the
// job's technician before they check in) the kit to tick.
type JobCheck struct {
	Done *Departure
	Kit  []string
	// Ask says the page shows the check's form.
	Ask bool
}

// departureOfOrderSQL reads order $1's pre-departure check.
const departureOfOrderSQL = selectDeparture + ` WHERE d.order_id = $1`

// jobCheck is the check on a job's page for the actor: the check made (done when found),
// and for the job's technician who still needs it, the kit to tick (the station's kit,
// read as kit, or the manual's when the station has none).
func jobCheck(actor auth.Actor, state workflow.State, arrived *time.Time, done Departure, found bool, kit []string) JobCheck {
	var jc JobCheck
	if found {
		jc.Done = &done
	}
	if actor.Role == auth.RoleTechnician && NeedsCheck(state, arrived, found) {
		jc.Ask = true
		jc.Kit = kit
		if kit == nil {
			jc.Kit = DefaultKit
		}
	}
	return jc
}

// ForOrder is the pre-departure check of an order the actor sees (NotFound otherwise).
func (s *Service) ForOrder(ctx context.Context, actor auth.Actor, orderID int64) (JobCheck, error) {
	var station int64
	var assignee *int64
	var arrived *time.Time
	var state workflow.State
	if err := s.pool.QueryRow(ctx, `SELECT station_id, assignee_id, arrived_at, state FROM work_orders WHERE id = $1`, orderID).Scan(&station, &assignee, &arrived, &state); err != nil {
		return JobCheck{}, db.Translate(err, "order")
	}
	if !workflow.Sees(actor, station, assignee) {
		return JobCheck{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	rows, err := s.pool.Query(ctx, departureOfOrderSQL, orderID)
	if err != nil {
		return JobCheck{}, db.Translate(err, "departure check")
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Departure])
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return JobCheck{}, db.Translate(err, "departure check")
	}
	var items []string
	if actor.Role == auth.RoleTechnician && NeedsCheck(state, arrived, found) {
		if items, err = s.Kit(ctx, station); err != nil {
			return JobCheck{}, err
		}
	}
	return jobCheck(actor, state, arrived, d, found, items), nil
}

// checkOrder is what the pre-departure check needs of the order: when its technician
// checked in.
type checkOrder struct {
	Arrived *time.Time     `db:"arrived_at"`
	State   workflow.State `db:"state"`
}

// QueueForOrder adds ForOrder's reads to m (the order's page): the check lands in *dst
// when m runs. It does not check that the actor sees the order: the page that runs m
// does. A technician's part reads the station's kit list too, used when the job still
// needs the check.
func (s *Service) QueueForOrder(m *db.Merged, actor auth.Actor, orderID int64, dst *JobCheck) {
	id := []any{orderID}
	var (
		o     checkOrder
		done  Departure
		found bool
		items []string
	)
	db.Row(m, `SELECT arrived_at, state FROM work_orders WHERE id = $1`, id, &o, nil)
	db.Row(m, departureOfOrderSQL, id, &done, &found)
	if actor.Role == auth.RoleTechnician {
		db.Value(m, kitSQL+`(SELECT station_id FROM work_orders WHERE id = $1)`, id, &items)
	}
	m.Then(func() error {
		*dst = jobCheck(actor, o.State, o.Arrived, done, found, items)
		return nil
	})
}

// CheckKit records the job's technician's pre-departure check: ticked are the kit's
// items they have, the rest are missing and need a note. It never blocks the check-in.
// Conflict when the job was checked in on or its kit already checked; NotFound for
// another's job. A form sent again changes nothing.
func (s *Service) CheckKit(ctx context.Context, actor auth.Actor, orderID int64, ticked []string, note string) (Departure, error) {
	if actor.Role != auth.RoleTechnician {
		return Departure{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f := limits.Check(map[string]string{}, "note", note)
	if len(f) > 0 {
		return Departure{}, apperr.Fields(f)
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		var station int64
		var assignee *int64
		var arrived *time.Time
		var state workflow.State
		if err := tx.QueryRow(ctx, `SELECT station_id, assignee_id, arrived_at, state FROM work_orders WHERE id = $1 FOR UPDATE`, orderID).Scan(&station, &assignee, &arrived, &state); err != nil {
			return db.Translate(err, "order")
		}
		if !workflow.Sees(actor, station, assignee) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departure_checks WHERE order_id = $1)`, orderID).Scan(&done); err != nil {
			return db.Translate(err, "departure check")
		}
		if !NeedsCheck(state, arrived, done) {
			return apperr.New(apperr.Conflict, "fieldday.error.checked")
		}
		items, err := kit(ctx, tx, station)
		if err != nil {
			return err
		}
		missing := Missing(items, ticked)
		if len(missing) > 0 && strings.TrimSpace(note) == "" {
			return apperr.Fields(map[string]string{"note": "fieldday.field.missing_note"})
		}
		if missing == nil {
			missing = []string{}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO departure_checks (order_id, technician_id, checked_at, items, missing, note) VALUES ($1, $2, $3, $4, $5, $6)`,
			orderID, actor.UserID, now, items, missing, strings.TrimSpace(note)); err != nil {
			return db.Translate(err, "departure check")
		}
		// The order's history shows the check too (a note: it makes no version of the order).
		return workorder.NoteTx(ctx, tx, orderID, actor.UserID, now, strings.TrimSpace(strings.Join(missing, "、")+" "+strings.TrimSpace(note)),
			map[string]any{"missing": missing})
	})
	if err != nil {
		return Departure{}, err
	}
	rows, err := s.pool.Query(ctx, selectDeparture+` WHERE d.order_id = $1`, orderID)
	if err != nil {
		return Departure{}, db.Translate(err, "departure check")
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Departure])
	return d, db.Translate(err, "departure check")
}

// LeftMissing lists the jobs of the actor's stations that left with kit missing in the
// last days days, newest first (supervisors and managers).
func (s *Service) LeftMissing(ctx context.Context, actor auth.Actor, days int) ([]Departure, error) {
	if !Records(actor) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	rows, err := s.pool.Query(ctx, selectDeparture+` WHERE o.station_id = ANY($1) AND cardinality(d.missing) > 0 AND d.checked_at >= $2
		ORDER BY d.checked_at DESC LIMIT 100`, actor.Stations, s.now().AddDate(0, 0, -days))
	if err != nil {
		return nil, db.Translate(err, "departure checks")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Departure])
	return out, db.Translate(err, "departure checks")
}
