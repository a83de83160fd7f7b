package settings

import (
	"context"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service reads and changes the stations' settings and business calendars.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns the settings service; now is the one clock.
func NewService(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// CalendarKey is the event key of a change of the business calendar.
const CalendarKey = "calendar"

// MayChange reports whether actor may change the settings of a station: a manager (or
// an admin) of that station or of a station above it.
func MayChange(a auth.Actor, stationID int64) bool {
	return a.Is(auth.RoleManager, auth.RoleAdmin) && a.Sees(stationID)
}

// Refusal is the error for an actor who may not change a station's settings.
func Refusal() error { return apperr.New(apperr.Forbidden, "stset.error.forbidden") }

// Event is one recorded change of a station's settings.
type Event struct {
	At    time.Time
	By    string
	Key   string
	Old   string
	New   string
	Reset bool
}

// Choice is a station the actor may pick on a settings page.
type Choice struct {
	Station
	Depth int
}

// View is a station's settings page.
type View struct {
	Resolved
	// Affects lists, by key, the stations a change of the value at this station reaches:
	// the station and the stations below it with no value of their own in between.
	Affects map[string][]string
	// Subtree names the station and every station below it: the stations its calendar
	// days reach unless one lists the same day itself.
	Subtree []string
	// Stations are the stations the actor may change, in tree order.
	Stations []Choice
	History  []Event
	// CanReset says the station inherits from one above it: its own values can be
	// removed.
	CanReset bool
}

// RecordEvent writes one change of a station's settings, in the caller's transaction.
func RecordEvent(ctx context.Context, tx pgx.Tx, stationID, actorID int64, at time.Time, key, old, new string, reset bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO station_settings_events (station_id, actor_id, at, key, old_value, new_value, reset)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, stationID, actorID, at, key, old, new, reset)
	return db.Translate(err, "settings event")
}

// QueueHistory adds the read of a station's latest changes to a batch; with fees, only
// the fee schedule's.
func QueueHistory(b *pgx.Batch, stationID int64, fees bool, out *[]Event) {
	b.Queue(`SELECT e.at, u.display_name, e.key, e.old_value, e.new_value, e.reset FROM station_settings_events e
		JOIN users u ON u.id = e.actor_id WHERE e.station_id = $1 AND (NOT $2 OR e.key LIKE 'fee:%')
		ORDER BY e.id DESC LIMIT 50`, stationID, fees).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var e Event
			if err := rows.Scan(&e.At, &e.By, &e.Key, &e.Old, &e.New, &e.Reset); err != nil {
				return err
			}
			*out = append(*out, e)
		}
		return rows.Err()
	})
}

// QueueChoices adds the read of the stations the actor may change to a batch, put in
// tree order.
func QueueChoices(b *pgx.Batch, actor auth.Actor, out *[]Choice) {
	b.Queue(`SELECT id, name, kind, coalesce(parent_id, 0) FROM stations WHERE id = ANY($1) ORDER BY id`, actor.Stations).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		type node struct {
			st     Station
			parent int64
		}
		var all []node
		for rows.Next() {
			var n node
			if err := rows.Scan(&n.st.ID, &n.st.Name, &n.st.Kind, &n.parent); err != nil {
				return err
			}
			all = append(all, n)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		in := map[int64]bool{}
		for _, n := range all {
			in[n.st.ID] = true
		}
		var walk func(parent int64, depth int, root bool)
		walk = func(parent int64, depth int, root bool) {
			for _, n := range all {
				if (root && !in[n.parent]) || (!root && n.parent == parent) {
					*out = append(*out, Choice{Station: n.st, Depth: depth})
					walk(n.st.ID, depth+1, false)
				}
			}
		}
		walk(0, 0, true)
		return nil
	})
}

// ViewOf returns the settings page of a station: every value with where it comes from,
// the stations a change reaches, and the station's history. Forbidden unless the actor
// may change the station.
func (s *Service) ViewOf(ctx context.Context, actor auth.Actor, stationID int64) (View, error) {
	if !MayChange(actor, stationID) {
		return View{}, Refusal()
	}
	v := View{Affects: map[string][]string{}}
	type node struct {
		id, parent int64
		name       string
		own        []string
	}
	var tree []node
	b := &pgx.Batch{}
	QueueLoad(b, &v.Resolved, "$1", stationID)
	b.Queue(`WITH RECURSIVE down(id, parent_id, name, depth) AS (
			SELECT id, coalesce(parent_id, 0), name, 0 FROM stations WHERE id = $1
			UNION ALL SELECT s.id, s.parent_id, s.name, d.depth + 1 FROM stations s JOIN down d ON s.parent_id = d.id)
		SELECT d.id, d.parent_id, d.name, coalesce(array_agg(ss.key) FILTER (WHERE ss.key IS NOT NULL), '{}')
		FROM down d LEFT JOIN station_settings ss ON ss.station_id = d.id
		GROUP BY d.id, d.parent_id, d.name, d.depth ORDER BY d.depth, d.id`, stationID).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var n node
			if err := rows.Scan(&n.id, &n.parent, &n.name, &n.own); err != nil {
				return err
			}
			tree = append(tree, n)
		}
		return rows.Err()
	})
	QueueHistory(b, stationID, false, &v.History)
	QueueChoices(b, actor, &v.Stations)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return View{}, db.Translate(err, "settings page")
	}
	if len(v.Chain) == 0 {
		return View{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	v.CanReset = len(v.Chain) > 1
	for _, n := range tree {
		v.Subtree = append(v.Subtree, n.name)
	}
	for _, key := range Keys() {
		var reach func(id int64, top bool)
		reach = func(id int64, top bool) {
			for _, n := range tree {
				if n.id != id {
					continue
				}
				if !top && slices.Contains(n.own, key) {
					return
				}
				v.Affects[key] = append(v.Affects[key], n.name)
			}
			for _, n := range tree {
				if n.parent == id && n.id != id {
					reach(n.id, false)
				}
			}
		}
		reach(stationID, true)
	}
	return v, nil
}

// Settings returns the settings a station uses.
func (s *Service) Settings(ctx context.Context, stationID int64) (Resolved, error) {
	r, err := Load(ctx, s.pool, stationID)
	return r, db.Translate(err, "settings")
}

// change runs one change of a station's settings in one transaction: the actor's
// authority checked, the form's one-time key claimed, the station's settings locked
// (changes of one station wait for each other) and read, then fn.
func (s *Service) change(ctx context.Context, actor auth.Actor, stationID int64, fn func(tx pgx.Tx, r Resolved, now time.Time) error) error {
	if !MayChange(actor, stationID) {
		return Refusal()
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		// The same form posted again succeeds as the first did and changes nothing more.
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now); err != nil || !fresh {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(29, $1::integer)`, stationID); err != nil {
			return db.Translate(err, "settings lock")
		}
		r, err := Load(ctx, tx, stationID)
		if err != nil {
			return db.Translate(err, "settings")
		}
		if len(r.Chain) == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return fn(tx, r, now)
	})
}

// Save sets the posted values (by key) at a station. A value equal to the one the
// station uses now changes nothing, so saving the whole form overrides only what the
// manager changed. Forbidden unless the actor may change the station; Invalid with the
// keys of refused values. Each changed value is an event.
func (s *Service) Save(ctx context.Context, actor auth.Actor, stationID int64, values map[string]string) error {
	if !MayChange(actor, stationID) {
		return Refusal()
	}
	fields := map[string]string{}
	for key, val := range values {
		var v Values
		if msg := v.Parse(key, Normalize(key, val)); msg != "" {
			fields[key] = msg
		}
	}
	if len(fields) > 0 {
		return apperr.Fields(fields)
	}
	return s.change(ctx, actor, stationID, func(tx pgx.Tx, r Resolved, now time.Time) error {
		for _, key := range Keys() {
			val, ok := values[key]
			if !ok {
				continue
			}
			val, old := Normalize(key, val), r.Format(key)
			if val == old {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO station_settings (station_id, key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (station_id, key) DO UPDATE SET value = $3, updated_by = $4, updated_at = $5`,
				stationID, key, val, actor.UserID, now); err != nil {
				return db.Translate(err, "save setting")
			}
			if err := RecordEvent(ctx, tx, stationID, actor.UserID, now, key, old, val, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reset removes a station's own value of key: it uses the value above it again.
// Forbidden unless the actor may change the station; NotFound for an unknown key;
// Conflict at headquarters, which has nothing above it. Resetting a value the station
// does not override changes nothing.
func (s *Service) Reset(ctx context.Context, actor auth.Actor, stationID int64, key string) error {
	if !IsKey(key) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return s.change(ctx, actor, stationID, func(tx pgx.Tx, r Resolved, now time.Time) error {
		if len(r.Chain) < 2 {
			return apperr.New(apperr.Conflict, "stset.error.reset_hq")
		}
		if !r.Own(key) {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM station_settings WHERE station_id = $1 AND key = $2`, stationID, key); err != nil {
			return db.Translate(err, "reset setting")
		}
		return RecordEvent(ctx, tx, stationID, actor.UserID, now, key, r.Format(key), r.Inherited(key), true)
	})
}

// AddDay adds a holiday or an adjusted working day to a station's own calendar; it
// reaches the stations below it too. A day listed above with the other kind is
// overridden at this station. Forbidden unless the actor may change the station;
// Invalid with field keys for an unknown kind ("kind"), an impossible date, a day the
// station already lists or already has from above ("day").
func (s *Service) AddDay(ctx context.Context, actor auth.Actor, stationID int64, day calendar.Date, kind string) error {
	if !MayChange(actor, stationID) {
		return Refusal()
	}
	fields := map[string]string{}
	if kind != KindHoliday && kind != KindWorkday {
		fields["kind"] = "settings.calendar.kind_invalid"
	}
	if calendar.DateOf(time.Date(day.Year, day.Month, day.Day, 12, 0, 0, 0, time.UTC), time.UTC) != day {
		fields["day"] = "settings.calendar.day_invalid"
	}
	if len(fields) > 0 {
		return apperr.Fields(fields)
	}
	return s.change(ctx, actor, stationID, func(tx pgx.Tx, r Resolved, now time.Time) error {
		old := ""
		if own, ok := r.Chain[0].Days[day]; ok {
			if own == kind {
				return apperr.Fields(map[string]string{"day": "settings.calendar.exists"})
			}
			// A day is either off or worked: listing it under both kinds is the
			// conflict calendar.Validate rejects.
			return apperr.Fields(map[string]string{"day": "settings.calendar.both_kinds"})
		}
		for _, d := range r.Days {
			if d.Date == day {
				if d.Kind == kind {
					return apperr.Fields(map[string]string{"day": "stset.calendar.inherited"})
				}
				old = day.String() + " " + d.Kind
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_days (station_id, day, kind) VALUES ($1, $2, $3)`, stationID, day.String(), kind); err != nil {
			return db.Translate(err, "add calendar day")
		}
		return RecordEvent(ctx, tx, stationID, actor.UserID, now, CalendarKey, old, day.String()+" "+kind, false)
	})
}

// DeleteDay removes a day from a station's own calendar: the station uses what the
// stations above it say of the day again. Forbidden unless the actor may change the
// station; NotFound when the station does not list the day.
func (s *Service) DeleteDay(ctx context.Context, actor auth.Actor, stationID int64, day calendar.Date) error {
	return s.change(ctx, actor, stationID, func(tx pgx.Tx, r Resolved, now time.Time) error {
		kind, ok := r.Chain[0].Days[day]
		if !ok {
			return apperr.New(apperr.NotFound, "settings.calendar.not_found", "Day", day.String())
		}
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE station_id = $1 AND day = $2`, stationID, day.String()); err != nil {
			return db.Translate(err, "delete calendar day")
		}
		after := ""
		for _, l := range r.Chain[1:] {
			if k, ok := l.Days[day]; ok {
				after = day.String() + " " + k
				break
			}
		}
		return RecordEvent(ctx, tx, stationID, actor.UserID, now, CalendarKey, day.String()+" "+kind, after, true)
	})
}
