package fieldday

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Meeting is one day's safety meeting of a station.
type Meeting struct {
	ID           int64     `db:"id"`
	StationID    int64     `db:"station_id"`
	Day          time.Time `db:"day"`
	HeldAt       time.Time `db:"held_at"`
	Topic        string    `db:"topic"`
	Hazards      string    `db:"hazards"`
	Measures     string    `db:"measures"`
	RecorderName string    `db:"recorder_name"`
	Attendees    []string  `db:"attendees"`
}

const selectMeeting = `SELECT m.id, m.station_id, m.day, m.held_at, m.topic, m.hazards, m.measures, u.display_name AS recorder_name,
	ARRAY(SELECT au.display_name FROM safety_attendance a JOIN users au ON au.id = a.user_id WHERE a.meeting_id = m.id ORDER BY a.confirmed_at) AS attendees
	FROM safety_meetings m JOIN users u ON u.id = m.recorded_by`

// MeetingInput is the input of RecordMeeting.
type MeetingInput struct {
	HeldAt                   time.Time
	Topic, Hazards, Measures string
}

// Valid checks the input's shape.
func (in MeetingInput) Valid() map[string]string {
	f := map[string]string{}
	if in.HeldAt.IsZero() {
		f["held_at"] = "field.required"
	}
	if strings.TrimSpace(in.Topic) == "" {
		f["topic"] = "field.required"
	}
	if strings.TrimSpace(in.Hazards) == "" {
		f["hazards"] = "field.required"
	}
	if strings.TrimSpace(in.Measures) == "" {
		f["measures"] = "field.required"
	}
	return limits.Check(f, "topic", in.Topic, "hazards", in.Hazards, "measures", in.Measures)
}

// RecordMeeting records the safety meeting of the actor's station held at in.HeldAt
// (today or earlier). Conflict when the day already has one; Invalid for bad input. A
// form sent again returns the meeting it recorded.
func (s *Service) RecordMeeting(ctx context.Context, actor auth.Actor, in MeetingInput) (int64, error) {
	if !Records(actor) {
		return 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f := in.Valid()
	if !in.HeldAt.IsZero() && in.HeldAt.After(s.now()) {
		f["held_at"] = "fieldday.field.future"
	}
	if len(f) > 0 {
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
		day := s.day(in.HeldAt)
		err = tx.QueryRow(ctx, `INSERT INTO safety_meetings (station_id, day, held_at, topic, hazards, measures, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (station_id, day) DO NOTHING RETURNING id`,
			actor.StationID, day, in.HeldAt, strings.TrimSpace(in.Topic), strings.TrimSpace(in.Hazards), strings.TrimSpace(in.Measures), actor.UserID, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.Conflict, "fieldday.error.meeting_exists", "Day", day.Format(time.DateOnly))
		}
		if err != nil {
			return db.Translate(err, "safety meeting")
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	return id, err
}

// Confirm records that the technician attended today's safety meeting of their station.
// Conflict when none has been recorded yet; confirming twice changes nothing.
func (s *Service) Confirm(ctx context.Context, actor auth.Actor) error {
	if actor.Role != auth.RoleTechnician {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM safety_meetings WHERE station_id = $1 AND day = $2 FOR SHARE`, actor.StationID, s.day(s.now())).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.Conflict, "fieldday.error.no_meeting")
		}
		if err != nil {
			return db.Translate(err, "safety meeting")
		}
		_, err = tx.Exec(ctx, `INSERT INTO safety_attendance (meeting_id, user_id, confirmed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, actor.UserID, s.now())
		return db.Translate(err, "safety attendance")
	})
}

// TechDay is a technician's safety meeting today: the meeting (nil when none yet),
// whether they confirmed attending, and whether they are reminded because they checked
// in without.
type TechDay struct {
	Meeting   *Meeting
	Attended  bool
	CheckedIn bool
	Reminder  bool
}

// meetingOfDaySQL reads station $1's meeting of day $2; techDaySQL whether technician $3
// confirmed it and whether they checked in on a job between $4 and $5 (the day's bounds).
const (
	meetingOfDaySQL = selectMeeting + ` WHERE m.station_id = $1 AND m.day = $2`
	techDaySQL      = `SELECT
		EXISTS (SELECT 1 FROM safety_attendance a JOIN safety_meetings m ON m.id = a.meeting_id WHERE m.station_id = $1 AND m.day = $2 AND a.user_id = $3) AS attended,
		EXISTS (SELECT 1 FROM work_order_events e WHERE e.actor_id = $3 AND e.transition = 'check_in' AND e.at >= $4 AND e.at < $5) AS checked_in`
)

// techDayArgs are the arguments of meetingOfDaySQL and techDaySQL for the technician
// today.
func (s *Service) techDayArgs(actor auth.Actor) []any {
	day := s.day(s.now())
	from, to := s.bounds(day)
	return []any{actor.StationID, day, actor.UserID, from, to}
}

// Today is the technician's safety meeting of today.
func (s *Service) Today(ctx context.Context, actor auth.Actor) (TechDay, error) {
	if actor.Role != auth.RoleTechnician {
		return TechDay{}, nil
	}
	args := s.techDayArgs(actor)
	var td TechDay
	rows, err := s.pool.Query(ctx, meetingOfDaySQL, args[:2]...)
	if err != nil {
		return td, db.Translate(err, "safety meeting")
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Meeting])
	switch {
	case err == nil:
		td.Meeting = &m
	case !errors.Is(err, pgx.ErrNoRows):
		return td, db.Translate(err, "safety meeting")
	}
	if err := s.pool.QueryRow(ctx, techDaySQL, args...).Scan(&td.Attended, &td.CheckedIn); err != nil {
		return td, db.Translate(err, "safety day")
	}
	td.Reminder = Reminder(td.CheckedIn, td.Attended)
	return td, nil
}

// techDayFlags are techDaySQL's row.
type techDayFlags struct {
	Attended  bool `db:"attended"`
	CheckedIn bool `db:"checked_in"`
}

// QueueToday adds Today's reads to m (the technician's job page): the day lands in *dst
// when m runs. Other roles have no safety day: *dst is left empty and m gets nothing.
func (s *Service) QueueToday(m *db.Merged, actor auth.Actor, dst *TechDay) {
	*dst = TechDay{}
	if actor.Role != auth.RoleTechnician {
		return
	}
	args := s.techDayArgs(actor)
	var (
		meeting Meeting
		found   bool
		flags   techDayFlags
	)
	db.Row(m, meetingOfDaySQL, args[:2], &meeting, &found)
	db.Row(m, techDaySQL, args, &flags, nil)
	m.Then(func() error {
		td := TechDay{Attended: flags.Attended, CheckedIn: flags.CheckedIn, Reminder: Reminder(flags.CheckedIn, flags.Attended)}
		if found {
			td.Meeting = &meeting
		}
		*dst = td
		return nil
	})
}

// Unattended is a technician whose first check-in of a day came before they confirmed
// a safety meeting (or without one at all).
type Unattended struct {
	Day     time.Time `db:"day"`
	Name    string    `db:"name"`
	FirstAt time.Time `db:"first_at"`
}

// MonthDay is one day of a station's month.
type MonthDay struct {
	Day        time.Time
	Meeting    *Meeting
	Unattended []Unattended
	// Past says the day has begun (a missing meeting counts).
	Past bool
}

// Month is a station's month of safety meetings.
type Month struct {
	Month     time.Time
	StationID int64
	Days      []MonthDay
	Held      int
	Missed    int
	// Today is today's meeting, when held; CanRecord says the actor records meetings.
	Today     *Meeting
	CanRecord bool
}

// Month is the actor's station's month (any day of it) of safety meetings: the days
// with and without one, and who checked in before attending (supervisors and managers).
func (s *Service) Month(ctx context.Context, actor auth.Actor, month time.Time) (Month, error) {
	if !Records(actor) {
		return Month{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(0, 1, 0)
	m := Month{Month: first, StationID: actor.StationID, CanRecord: true}
	rows, err := s.pool.Query(ctx, selectMeeting+` WHERE m.station_id = $1 AND m.day >= $2 AND m.day < $3 ORDER BY m.day`, actor.StationID, first, next)
	if err != nil {
		return m, db.Translate(err, "safety meetings")
	}
	meetings, err := pgx.CollectRows(rows, pgx.RowToStructByName[Meeting])
	if err != nil {
		return m, db.Translate(err, "safety meetings")
	}
	from, _ := s.bounds(first)
	to, _ := s.bounds(next)
	rows, err = s.pool.Query(ctx, `SELECT f.day, u.display_name AS name, f.first_at FROM (
			SELECT e.actor_id, (e.at AT TIME ZONE $4)::date AS day, min(e.at) AS first_at
			FROM work_order_events e JOIN users tu ON tu.id = e.actor_id
			WHERE e.transition = 'check_in' AND tu.station_id = $1 AND tu.role = 'technician' AND e.at >= $2 AND e.at < $3
			GROUP BY 1, 2) f
		JOIN users u ON u.id = f.actor_id
		WHERE NOT EXISTS (SELECT 1 FROM safety_meetings sm JOIN safety_attendance a ON a.meeting_id = sm.id
			WHERE sm.station_id = $1 AND sm.day = f.day AND a.user_id = f.actor_id AND a.confirmed_at <= f.first_at)
		ORDER BY f.day, f.first_at`, actor.StationID, from, to, s.loc.String())
	if err != nil {
		return m, db.Translate(err, "unattended")
	}
	unattended, err := pgx.CollectRows(rows, pgx.RowToStructByName[Unattended])
	if err != nil {
		return m, db.Translate(err, "unattended")
	}
	today := s.day(s.now())
	for d := first; d.Before(next); d = d.AddDate(0, 0, 1) {
		md := MonthDay{Day: d, Past: !d.After(today)}
		for i := range meetings {
			if meetings[i].Day.Equal(d) {
				md.Meeting = &meetings[i]
			}
		}
		for _, u := range unattended {
			if u.Day.Equal(d) {
				md.Unattended = append(md.Unattended, u)
			}
		}
		switch {
		case md.Meeting != nil:
			m.Held++
		case md.Past:
			m.Missed++
		}
		if d.Equal(today) {
			m.Today = md.Meeting
		}
		m.Days = append(m.Days, md)
	}
	return m, nil
}
