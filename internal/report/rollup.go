package report

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
)

// The daily roll-up (report_days, report_tech_days; migration 000019) holds each
// station's figures per local day, so a report over a year sums a few thousand rows
// instead of re-reading a hundred thousand orders. Triggers mark in report_dirty the
// station and moment of every change to an order, its events, callbacks and
// settlements, in the change's own transaction. Before the report reads, fresh
// recomputes the days marked, and the days whose settles_at has passed (a figure that
// changes with time alone: a contact, arrival or repair due time, or a callback falling
// due). The days are computed with the same conditions the order list filters by
// (workorder.FigureCond and friends), at the moment the report is read, so the sums
// equal the live figures. Managers and supervisors see whole stations
// (workflow.Scope), so the stations asked for are the scope.

// rollupLock serialises the roll-up's writers across app processes (an advisory lock).
const rollupLock = 0x7265706f7274 // "report"

// clockSlack is how far back a reader's clock may be from the moment the roll-up was
// computed at before it is built again (clocks of several app processes differ a little).
const clockSlack = 5 * time.Minute

// Refresh brings the whole roll-up up to date now; the server calls it in the
// background so that readers seldom find work to do.
func (s *Service) Refresh(ctx context.Context) error {
	_, err := s.fresh(ctx, s.now(), nil)
	return err
}

// span is what one page reads of the roll-up: stations over [from, to).
type span struct {
	stations []int64
	from, to time.Time
}

// days are the span's first and after-last local days.
func (sp span) days(loc *time.Location) (string, string) {
	return sp.from.In(loc).Format("2006-01-02"), sp.to.In(loc).Format("2006-01-02")
}

// fresh brings the roll-up up to date at now and returns its version: whole when it is
// missing, was made in another zone or at a later moment than now; otherwise the days
// marked dirty and those whose settles_at has passed, when any of them lies in sp (any
// at all when sp is nil). The version grows whenever anything a report reads changes.
func (s *Service) fresh(ctx context.Context, now time.Time, sp *span) (int64, error) {
	zone := s.loc.String()
	var stations []int64
	var from, to time.Time
	var fromDay, toDay string
	if sp != nil {
		stations, from, to = sp.stations, sp.from, sp.to
		fromDay, toDay = sp.days(s.loc)
	}
	var need bool
	var version int64
	if err := s.pool.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM report_rollup WHERE zone = $1 AND built_at <= $2::timestamptz + $3::interval)
		OR EXISTS (SELECT 1 FROM report_dirty d WHERE $4::bigint[] IS NULL OR d.station_id = 0
			OR (d.station_id = ANY($4) AND d.at >= $5::timestamptz - interval '1 day' AND d.at < $6::timestamptz + interval '1 day'))
		OR EXISTS (SELECT 1 FROM report_days d WHERE d.settles_at <= $2
			AND ($4::bigint[] IS NULL OR (d.station_id = ANY($4) AND d.day >= $7::date AND d.day < $8::date))),
		coalesce((SELECT version FROM report_rollup), 0)`, zone, now, clockSlack, stations, from, to, nullDay(fromDay), nullDay(toDay)).Scan(&need, &version); err != nil {
		return 0, db.Translate(err, "report roll-up")
	}
	if !need {
		return version, nil
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(rollupLock)); err != nil {
			return err
		}
		var whole bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM report_rollup WHERE zone = $1 AND built_at <= $2::timestamptz + $3::interval),
			coalesce((SELECT version FROM report_rollup), 0)`, zone, now, clockSlack).Scan(&whole, &version); err != nil {
			return err
		}
		if whole {
			for _, t := range []string{"report_dirty", "report_days", "report_tech_days"} {
				if _, err := tx.Exec(ctx, `DELETE FROM `+t); err != nil {
					return err
				}
			}
			if err := s.compute(ctx, tx, nil, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM report_changes`); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `INSERT INTO report_rollup (id, zone, built_at, version, built_version) VALUES (1, $1, $2, 1, 1)
				ON CONFLICT (id) DO UPDATE SET zone = EXCLUDED.zone, built_at = EXCLUDED.built_at,
					version = report_rollup.version + 1, built_version = report_rollup.version + 1
				RETURNING version`, zone, now).Scan(&version)
		}
		rows, err := tx.Query(ctx, `WITH d AS (DELETE FROM report_dirty RETURNING station_id, at)
			SELECT DISTINCT station_id, to_char(at AT TIME ZONE $1, 'YYYY-MM-DD') FROM d
			UNION SELECT station_id, to_char(day, 'YYYY-MM-DD') FROM report_days WHERE settles_at <= $2`, zone, now)
		if err != nil {
			return err
		}
		var k dayKeys
		var station int64
		var day string
		if _, err := pgx.ForEachRow(rows, []any{&station, &day}, func() error {
			d, err := time.ParseInLocation("2006-01-02", day, s.loc)
			if err != nil {
				return err
			}
			k.stations, k.days = append(k.stations, station), append(k.days, day)
			k.from, k.to = append(k.from, d), append(k.to, d.AddDate(0, 0, 1))
			return nil
		}); err != nil {
			return err
		}
		if len(k.days) == 0 {
			return nil
		}
		for _, t := range []string{"report_days", "report_tech_days"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE (station_id, day) IN (SELECT * FROM unnest($1::bigint[], $2::date[]))`, k.stations, k.days); err != nil {
				return err
			}
		}
		if err := s.compute(ctx, tx, &k, now); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE report_rollup SET version = version + 1 RETURNING version`).Scan(&version); err != nil {
			return err
		}
		// What changed, for the pages kept from earlier versions; an hour of it is kept.
		if _, err := tx.Exec(ctx, `INSERT INTO report_changes (version, station_id, day) SELECT $1, * FROM unnest($2::bigint[], $3::date[])`,
			version, k.stations, k.days); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `WITH gone AS (DELETE FROM report_changes WHERE at < now() - interval '1 hour' RETURNING version)
			UPDATE report_rollup SET pruned_through = greatest(pruned_through, (SELECT max(version) FROM gone)) WHERE EXISTS (SELECT 1 FROM gone)`)
		return err
	})
	if err != nil {
		return 0, db.Translate(err, "report roll-up")
	}
	return version, nil
}

// dayKeys are the station days to compute: station, local day, and the day's bounds.
type dayKeys struct {
	stations []int64
	days     []string
	from, to []time.Time
}

// source is one aggregate's rows: in keys mode, only the rows whose time column x falls
// in one of the keys' days at the key's station (station is the station column).
type source struct {
	args []any
	arg  func(any) string
	keys *dayKeys
	zone string
}

func newSource(k *dayKeys, zone string) *source {
	s := &source{keys: k}
	s.arg = db.Args(&s.args)
	s.zone = s.arg(zone)
	return s
}

// day is the local day of the time column x.
func (s *source) day(x string) string { return "(" + x + " AT TIME ZONE " + s.zone + ")::date" }

// from is the FROM clause over the tables from (joined to work_orders o), restricted to
// the keys by station and the time column x, ending in a WHERE clause to add to.
func (s *source) from(tables, station, x string) string {
	if s.keys == nil {
		return " FROM " + tables + " WHERE " + x + " IS NOT NULL"
	}
	st, f, t := s.arg(s.keys.stations), s.arg(s.keys.from), s.arg(s.keys.to)
	if strings.Contains(tables, " JOIN ") {
		tables = "(" + tables + ")"
	}
	return " FROM unnest(" + st + "::bigint[], " + f + "::timestamptz[], " + t + "::timestamptz[]) k(s, f, t) JOIN " + tables +
		" ON " + station + " = k.s AND " + x + " >= k.f AND " + x + " < k.t WHERE true"
}

// compute writes the roll-up rows of the keys (every day when keys is nil) at now.
func (s *Service) compute(ctx context.Context, tx pgx.Tx, keys *dayKeys, now time.Time) error {
	zone := s.loc.String()
	b := &pgx.Batch{}
	upsert := func(table, conflict string, cols []string, sel string, src *source) {
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = c + " = EXCLUDED." + c
			if c == "settles_at" {
				set[i] = "settles_at = least(" + table + ".settles_at, EXCLUDED.settles_at)"
			}
		}
		b.Queue(`INSERT INTO `+table+` (`+conflict+`, `+strings.Join(cols, ", ")+`) `+sel+
			` ON CONFLICT (`+conflict+`) DO UPDATE SET `+strings.Join(set, ", "), src.args...)
	}
	minutes := func(expr, cond string) string {
		return `coalesce(array_agg(extract(epoch FROM ` + expr + `)::float8 / 60) FILTER (WHERE ` + cond + `), '{}')`
	}
	pending := func(due, cond string, n string) string {
		return `min(` + due + `) FILTER (WHERE ` + cond + ` AND ` + due + ` >= ` + n + `)`
	}

	// Orders by the day they were created.
	src := newSource(keys, zone)
	n := src.arg(now)
	nowT := n + "::timestamptz"
	upsert("report_days", "station_id, day", []string{"received", "contact_known", "contact_in_time", "arrive_known", "arrive_in_time",
		"repair_known", "repair_in_time", "repair_orders", "repeat_repairs", "contact_minutes", "arrive_minutes", "repair_minutes", "settles_at"},
		`SELECT o.station_id, `+src.day("o.created_at")+`, count(*),
			count(*) FILTER (WHERE `+workorder.ContactKnown(nowT)+`), count(*) FILTER (WHERE `+workorder.ContactInTime+`),
			count(*) FILTER (WHERE `+workorder.ArriveKnown(nowT)+`), count(*) FILTER (WHERE `+workorder.ArriveInTime+`),
			count(*) FILTER (WHERE `+workorder.RepairKnown(nowT)+`), count(*) FILTER (WHERE `+workorder.RepairInTime+`),
			count(*) FILTER (WHERE `+workorder.RepairOrder+`), count(*) FILTER (WHERE `+workorder.RepeatRepair+`),
			`+minutes("o.first_contact_at - o.created_at", workorder.Contacted)+`,
			`+minutes("o.arrived_at - o.created_at", workorder.Arrived)+`,
			`+minutes("o.completed_at - o.arrived_at", workorder.ArrivedCompleted)+`,
			least(`+pending("o.contact_due_at", "NOT "+workorder.ContactKnown(nowT), nowT)+`,
				`+pending("o.arrive_due_at", "NOT "+workorder.ArriveKnown(nowT), nowT)+`,
				`+pending("o.repair_due_at", "NOT "+workorder.RepairKnown(nowT), nowT)+`)
		`+src.from("work_orders o", "o.station_id", "o.created_at")+` GROUP BY 1, 2`, src)

	// Orders by the day their job was completed.
	src = newSource(keys, zone)
	upsert("report_days", "station_id, day", []string{"done", "first_fix", "free_warranty", "free_repeat", "classes"},
		`SELECT station_id, day, sum(n), sum(first_fix), sum(free_warranty), sum(free_repeat), jsonb_object_agg(class, n)
		FROM (SELECT o.station_id, `+src.day("o.completed_at")+` AS day, coalesce(o.field_class, '') AS class, count(*) AS n,
			count(*) FILTER (WHERE `+workorder.FirstFixDone+`) AS first_fix,
			count(*) FILTER (WHERE o.warranty = 'in') AS free_warranty, count(*) FILTER (WHERE o.warranty = 'repair') AS free_repeat
			`+src.from("work_orders o", "o.station_id", "o.completed_at")+` GROUP BY 1, 2, 3) c GROUP BY 1, 2`, src)

	// Callbacks by the day they fall due (workorder.CallbackCyclesSQL): those due before
	// now count; a later one settles the day then.
	src = newSource(keys, zone)
	n = src.arg(now)
	var lo, hi any = "-infinity", "infinity"
	scope := "true"
	if keys != nil {
		first, last := keys.from[0], keys.to[0]
		for i := range keys.from {
			first, last = minTime(first, keys.from[i]), maxTime(last, keys.to[i])
		}
		lo, hi = first, last
		scope = "o.station_id = ANY(" + src.arg(keys.stations) + ")"
	}
	from, to := src.arg(lo)+"::timestamptz", src.arg(hi)+"::timestamptz"
	cycles := workorder.CallbackCyclesSQL(from, to, to, scope)
	sel := `SELECT c.station_id, ` + src.day("c.due_at") + `, count(*) FILTER (WHERE c.due_at < ` + n + `),
		count(*) FILTER (WHERE c.due_at < ` + n + ` AND ` + workorder.CallbackReachedSQL("c") + `),
		min(c.due_at) FILTER (WHERE c.due_at >= ` + n + `)`
	if keys == nil {
		sel += ` FROM cycles c GROUP BY 1, 2`
	} else {
		sel += ` FROM cycles c JOIN unnest(` + src.arg(keys.stations) + `::bigint[], ` + src.arg(keys.from) + `::timestamptz[], ` + src.arg(keys.to) + `::timestamptz[]) k(s, f, t)
			ON c.station_id = k.s AND c.due_at >= k.f AND c.due_at < k.t GROUP BY 1, 2`
	}
	upsert("report_days", "station_id, day", []string{"callbacks_due", "callbacks_reached", "settles_at"}, cycles+" "+sel, src)

	// Surveys by the day of the call.
	src = newSource(keys, zone)
	upsert("report_days", "station_id, day", []string{"surveys", "attitude", "timeliness", "quality", "overall"},
		`SELECT o.station_id, `+src.day("a.at")+`, count(*), coalesce(sum(a.attitude), 0), coalesce(sum(a.timeliness), 0),
			coalesce(sum(a.quality), 0), coalesce(sum(a.overall), 0)
		`+src.from("callback_attempts a JOIN work_orders o ON o.id = a.order_id", "o.station_id", "a.at")+` AND a.outcome = 'reached' GROUP BY 1, 2`, src)

	// Settlements by the day settled, by method: {"method": [count, fen]}.
	src = newSource(keys, zone)
	upsert("report_days", "station_id, day", []string{"settled"},
		`SELECT station_id, day, jsonb_object_agg(method, jsonb_build_array(n, fen)) FROM (
			SELECT o.station_id, `+src.day("se.settled_at")+` AS day, se.method, count(*) AS n, sum(se.amount_fen) AS fen
			`+src.from("settlements se JOIN work_orders o ON o.id = se.order_id", "o.station_id", "se.settled_at")+` GROUP BY 1, 2, 3) m GROUP BY 1, 2`, src)

	// Technicians: jobs completed, surveys of their jobs, repeats of their repairs, their
	// reschedules; each by the order's station and the day.
	tech := "station_id, day, user_id"
	src = newSource(keys, zone)
	upsert("report_tech_days", tech, []string{"done", "first_fix", "onsite_minutes", "onsite_n"},
		`SELECT o.station_id, `+src.day("o.completed_at")+`, o.assignee_id, count(*), count(*) FILTER (WHERE `+workorder.FirstFixDone+`),
			coalesce(sum(extract(epoch FROM o.completed_at - o.arrived_at)::float8 / 60) FILTER (WHERE o.arrived_at IS NOT NULL), 0),
			count(*) FILTER (WHERE o.arrived_at IS NOT NULL)
		`+src.from("work_orders o", "o.station_id", "o.completed_at")+` AND o.assignee_id IS NOT NULL GROUP BY 1, 2, 3`, src)
	src = newSource(keys, zone)
	upsert("report_tech_days", tech, []string{"overall_sum", "overall_n"},
		`SELECT o.station_id, `+src.day("a.at")+`, o.assignee_id, coalesce(sum(a.overall), 0), count(*)
		`+src.from("callback_attempts a JOIN work_orders o ON o.id = a.order_id", "o.station_id", "a.at")+`
			AND a.outcome = 'reached' AND o.assignee_id IS NOT NULL GROUP BY 1, 2, 3`, src)
	src = newSource(keys, zone)
	upsert("report_tech_days", tech, []string{"repeats"},
		`SELECT o.station_id, `+src.day("r.created_at")+`, o.assignee_id, count(*)
		`+src.from("work_orders r JOIN work_orders o ON o.id = r.repeat_of", "o.station_id", "r.created_at")+`
			AND o.assignee_id IS NOT NULL GROUP BY 1, 2, 3`, src)
	src = newSource(keys, zone)
	upsert("report_tech_days", tech, []string{"reschedules"},
		`SELECT o.station_id, `+src.day("e.at")+`, e.actor_id, count(*)
		`+src.from("work_order_events e JOIN work_orders o ON o.id = e.order_id", "o.station_id", "e.at")+`
			AND e.transition = 'reschedule' AND e.actor_id IS NOT NULL GROUP BY 1, 2, 3`, src)

	return tx.SendBatch(ctx, b).Close()
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// nullDay is day, or nil (SQL NULL) when empty.
func nullDay(day string) any {
	if day == "" {
		return nil
	}
	return day
}

// unchanged says whether a page kept from version v still holds for sp: no whole build
// since, nothing forgotten since, and no station day of sp (nor every station's) changed.
// now says whether what it shows of now (read at version cur) still holds: nothing of
// its stations changed since, nor waits to be.
func (s *Service) unchanged(ctx context.Context, v, cur int64, sp span) (page, now bool, err error) {
	fromDay, toDay := sp.days(s.loc)
	var built bool
	err = s.pool.QueryRow(ctx, `SELECT coalesce((SELECT r.built_version <= least($1::bigint, $5::bigint) AND r.pruned_through <= least($1::bigint, $5::bigint) FROM report_rollup r), false),
		NOT EXISTS (SELECT 1 FROM report_changes c WHERE c.version > $1
			AND (c.station_id = 0 OR (c.station_id = ANY($2) AND c.day >= $3::date AND c.day < $4::date))),
		NOT EXISTS (SELECT 1 FROM report_changes c WHERE c.version > $5 AND (c.station_id = 0 OR c.station_id = ANY($2)))
		AND NOT EXISTS (SELECT 1 FROM report_dirty d WHERE d.station_id = 0 OR d.station_id = ANY($2))`,
		v, sp.stations, fromDay, toDay, cur).Scan(&built, &page, &now)
	if err != nil {
		return false, false, db.Translate(err, "report roll-up")
	}
	return built && page, built && page && now, nil
}
