package dailyreport

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Row is one technician's line of a day's list.
type Row struct {
	TechnicianID   int64
	TechnicianName string
	StationID      int64
	StationName    string
	// ReportID is 0 when the technician has submitted nothing for the day.
	ReportID    int64
	Revision    int
	SubmittedAt *time.Time
	ReviewedAt  *time.Time
	Commented   bool
	// HadJobs: the technician worked on or had an appointment for an order that day.
	HadJobs bool
	// Missing: they had jobs, reported nothing, and the station's time has come.
	Missing bool
	// Deadline is the station's time of the day.
	Deadline time.Time
}

// List is the reports of a day: one row per technician the reader sees who had jobs or
// reported that day.
type List struct {
	Day  time.Time
	Rows []Row
	// Stations are those whose technicians the reader sees, for the filter.
	Stations []Station
}

// Station names a station of the filter.
type Station struct {
	ID   int64
	Name string
}

// hadJobsSQL is true for technician column tech with an order step by them, or an
// appointment with them, in [start, end).
func hadJobsSQL(tech, start, end, steps string) string {
	return `(EXISTS (SELECT 1 FROM work_order_events e WHERE e.actor_id = ` + tech + ` AND e.at >= ` + start + ` AND e.at < ` + end + ` AND e.transition = ANY(` + steps + `))
		OR EXISTS (SELECT 1 FROM work_orders o WHERE o.assignee_id = ` + tech + ` AND o.appointment_start >= ` + start + ` AND o.appointment_start < ` + end + ` AND o.state <> 'cancelled'))`
}

// List returns the day's reports of the technicians actor sees (of station, when not 0).
// Supervisors, managers and technicians (their own line only).
func (s *Service) List(ctx context.Context, actor auth.Actor, day time.Time, station int64) (List, error) {
	return s.list(ctx, actor, day, station, map[int64]Rules{})
}

// list is List with the stations' rules read so far (rules), which it adds to.
func (s *Service) list(ctx context.Context, actor auth.Actor, day time.Time, station int64, rules map[int64]Rules) (List, error) {
	l := List{Day: DayOf(day, s.loc), Rows: []Row{}}
	start, end := DayBounds(l.Day, s.loc)
	args := []any{start, end, daySteps, l.Day.Format(time.DateOnly)}
	arg := db.Args(&args)
	where := Scope(actor, "u.station_id", "u.id", arg)
	if station != 0 {
		where += " AND u.station_id = " + arg(station)
	}
	rows, err := s.pool.Query(ctx, `SELECT u.id, u.display_name, u.station_id, st.name, coalesce(r.id, 0), coalesce(r.revision, 0), r.submitted_at,
		r.reviewed_at, coalesce(r.comment, '') <> '', `+hadJobsSQL("u.id", "$1", "$2", "$3")+`
		FROM users u JOIN stations st ON st.id = u.station_id
		LEFT JOIN daily_reports r ON r.technician_id = u.id AND r.day = $4
		WHERE u.role = 'technician' AND (u.active OR r.id IS NOT NULL) AND `+where+`
		ORDER BY st.name, u.display_name, u.id`, args...)
	if err != nil {
		return l, db.Translate(err, "daily reports")
	}
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Row, error) {
		var r Row
		err := row.Scan(&r.TechnicianID, &r.TechnicianName, &r.StationID, &r.StationName, &r.ReportID, &r.Revision, &r.SubmittedAt,
			&r.ReviewedAt, &r.Commented, &r.HadJobs)
		return r, err
	})
	if err != nil {
		return l, db.Translate(err, "daily reports")
	}
	now := s.now()
	seen := map[int64]bool{}
	for _, r := range all {
		if !seen[r.StationID] {
			seen[r.StationID] = true
			l.Stations = append(l.Stations, Station{ID: r.StationID, Name: r.StationName})
		}
		if !r.HadJobs && r.ReportID == 0 {
			continue
		}
		rl, ok := rules[r.StationID]
		if !ok {
			if rl, err = rulesFor(ctx, s.pool, r.StationID); err != nil {
				return l, err
			}
			rules[r.StationID] = rl
		}
		r.Deadline = Deadline(rl, l.Day, s.loc)
		r.Missing = Missing(rl, l.Day, s.loc, r.HadJobs, r.ReportID != 0, now)
		l.Rows = append(l.Rows, r)
	}
	return l, nil
}

// Missing returns the technicians actor sees whose report of day is missing: they had
// jobs that day, submitted nothing, and their station's time has come.
func (s *Service) Missing(ctx context.Context, actor auth.Actor, day time.Time) ([]Row, error) {
	l, err := s.list(ctx, actor, day, 0, map[int64]Rules{})
	if err != nil {
		return nil, err
	}
	var out []Row
	for _, r := range l.Rows {
		if r.Missing {
			out = append(out, r)
		}
	}
	return out, nil
}

// MissingRecent is Missing for yesterday and today (in that order), for the board and
// the home page: a report not filed last night still shows the next morning. Both days
// and each station's rules are read in one statement.
func (s *Service) MissingRecent(ctx context.Context, actor auth.Actor) ([]Row, error) {
	today := DayOf(s.now(), s.loc)
	days := []time.Time{today.AddDate(0, 0, -1), today}
	args := []any{daySteps}
	arg := db.Args(&args)
	values := make([]string, len(days))
	for i, d := range days {
		start, end := DayBounds(d, s.loc)
		values[i] = "(" + strconv.Itoa(i) + ", " + arg(d.Format(time.DateOnly)) + "::date, " + arg(start) + "::timestamptz, " + arg(end) + "::timestamptz)"
	}
	where := Scope(actor, "u.station_id", "u.id", arg)
	rows, err := s.pool.Query(ctx, `SELECT d.i, u.id, u.display_name, u.station_id, st.name, coalesce(r.id, 0), coalesce(r.revision, 0), r.submitted_at,
		r.reviewed_at, coalesce(r.comment, '') <> '', `+hadJobsSQL("u.id", "d.start", "d.stop", "$1")+`,
		(SELECT dr.missing_after_min FROM station_chain(u.station_id) c JOIN daily_report_rules dr ON dr.station_id = c.station_id ORDER BY c.depth LIMIT 1)
		FROM (VALUES `+strings.Join(values, ", ")+`) AS d(i, day, start, stop)
		CROSS JOIN users u JOIN stations st ON st.id = u.station_id
		LEFT JOIN daily_reports r ON r.technician_id = u.id AND r.day = d.day
		WHERE u.role = 'technician' AND (u.active OR r.id IS NOT NULL) AND `+where+`
		ORDER BY d.i, st.name, u.display_name, u.id`, args...)
	if err != nil {
		return nil, db.Translate(err, "daily reports")
	}
	type dayRow struct {
		Row
		day   int
		after *int
	}
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dayRow, error) {
		var r dayRow
		err := row.Scan(&r.day, &r.TechnicianID, &r.TechnicianName, &r.StationID, &r.StationName, &r.ReportID, &r.Revision, &r.SubmittedAt,
			&r.ReviewedAt, &r.Commented, &r.HadJobs, &r.after)
		return r, err
	})
	if err != nil {
		return nil, db.Translate(err, "daily reports")
	}
	now := s.now()
	var out []Row
	for _, r := range all {
		rl := DefaultRules
		if r.after != nil {
			rl.MissingAfter = *r.after
		}
		day := days[r.day]
		r.Deadline = Deadline(rl, day, s.loc)
		r.Missing = Missing(rl, day, s.loc, r.HadJobs, r.ReportID != 0, now)
		if r.Missing {
			out = append(out, r.Row)
		}
	}
	return out, nil
}

// rulesFor returns the daily-report rules of station: its own, else its nearest
// ancestor's, else DefaultRules.
func rulesFor(ctx context.Context, q db.Querier, station int64) (Rules, error) {
	r := DefaultRules
	err := q.QueryRow(ctx, `WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM stations WHERE id = $1
			UNION ALL SELECT s.id, s.parent_id, up.depth + 1 FROM stations s JOIN up ON s.id = up.parent_id)
		SELECT r.missing_after_min FROM up JOIN daily_report_rules r ON r.station_id = up.id ORDER BY up.depth LIMIT 1`, station).Scan(&r.MissingAfter)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return r, db.Translate(err, "daily report rules")
	}
	return r, nil
}

// RulesPage is the settings tab of the daily report.
type RulesPage struct {
	StationName string
	Rules       Rules
	// Own says the station has its own setting (else it is inherited or the default).
	Own bool
}

// RulesOf returns the rules that apply to the actor's own station. Managers only.
func (s *Service) RulesOf(ctx context.Context, actor auth.Actor) (RulesPage, error) {
	if !actor.Is(auth.RoleManager) {
		return RulesPage{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	p := RulesPage{StationName: actor.StationName}
	var err error
	if p.Rules, err = rulesFor(ctx, s.pool, actor.StationID); err != nil {
		return p, err
	}
	err = s.pool.QueryRow(ctx, `SELECT true FROM daily_report_rules WHERE station_id = $1`, actor.StationID).Scan(&p.Own)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, db.Translate(err, "daily report rules")
	}
	return p, nil
}

// SaveRules sets the time from which reports of the actor's own station (and of the
// stations below it that have no setting of their own) are missing, typed "HH:MM".
// Managers only; Invalid for a time that is not one.
func (s *Service) SaveRules(ctx context.Context, actor auth.Actor, clock string) error {
	if !actor.Is(auth.RoleManager) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	min, ok := ParseClock(clock)
	if !ok {
		return apperr.Fields(map[string]string{"missing_after": "daily.field.time_invalid"})
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO daily_report_rules (station_id, missing_after_min, updated_by, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (station_id) DO UPDATE SET missing_after_min = $2, updated_by = $3, updated_at = $4`, actor.StationID, min, actor.UserID, s.now())
		return db.Translate(err, "daily report rules")
	})
}
