package report

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// store is the report's SQL for one actor at one moment.
type store struct {
	pool  *pgxpool.Pool
	actor auth.Actor
	now   time.Time
	loc   *time.Location
}

// query is the arguments of one statement: the period, now and the stations, numbered
// once so every subquery can use them, and the actor's scopes, added when first used.
type query struct {
	args               []any
	from, to, now, sel string
	arg                func(any) string
	st                 *store
	scope, cscope      string
}

func (st *store) query(sel []int64, p Period) *query {
	q := &query{st: st}
	q.arg = db.Args(&q.args)
	q.from, q.to, q.now, q.sel = q.arg(p.From), q.arg(p.To), q.arg(st.now), q.arg(sel)
	return q
}

// typed names the period and now with their types, so a statement that does not
// otherwise use one still knows every parameter's type.
func (q *query) typed() string {
	return q.from + "::timestamptz <= " + q.to + "::timestamptz AND " + q.now + "::timestamptz IS NOT NULL"
}

// Scope is the condition on work_orders o: what the actor sees, of the stations asked for.
func (q *query) Scope() string {
	if q.scope == "" {
		q.scope = "(" + workflow.Scope(q.st.actor, "o", q.arg) + " AND o.station_id = ANY(" + q.sel + ") AND " + q.typed() + ")"
	}
	return q.scope
}

// ComplaintScope is the condition on complaints c: what the actor sees, of the stations
// asked for.
func (q *query) ComplaintScope() string {
	if q.cscope == "" {
		q.cscope = "(" + complaint.Scope(q.st.actor, "c", q.arg) + " AND c.station_id = ANY(" + q.sel + ") AND " + q.typed() + ")"
	}
	return q.cscope
}

// days is the condition on the roll-up rows d of the stations asked for over the days of
// the period (the report's stations are within what the actor sees: Report checks).
func (q *query) days(p Period, loc *time.Location) string {
	return "(d.station_id = ANY(" + q.sel + ") AND d.day >= " + q.arg(p.From.In(loc).Format("2006-01-02")) + "::date AND d.day < " +
		q.arg(p.To.In(loc).Format("2006-01-02")) + "::date)"
}

// in is the condition that column lies in the period.
func (q *query) in(col string) string {
	return "(" + col + " >= " + q.from + " AND " + col + " < " + q.to + ")"
}

func group(col string) (key, by string) {
	return "CASE WHEN grouping(" + col + ") = 1 THEN 0 ELSE " + col + " END", " GROUP BY GROUPING SETS ((" + col + "), ())"
}

// The conditions of the order figures are workorder's (workorder.FigureCond), which the
// order list filters by too.
var (
	contactKnown  = workorder.ContactKnown
	contactInTime = workorder.ContactInTime
	arriveKnown   = workorder.ArriveKnown
	arriveInTime  = workorder.ArriveInTime
	repairKnown   = workorder.RepairKnown
	repairInTime  = workorder.RepairInTime
	firstFix      = workorder.FirstFixDone
)

// sets are figures by station, 0 for the total.
type sets map[int64]Set

func (s sets) get(id int64) Set {
	if x, ok := s[id]; ok {
		return x
	}
	return newSet()
}

func (s sets) of(id int64) Set {
	if _, ok := s[id]; !ok {
		s[id] = newSet()
	}
	return s[id]
}

// figures reads the station figures of the stations sel over p: one per station and
// the total (0).
func (st *store) figures(ctx context.Context, sel []int64, p Period) (sets, error) {
	out := sets{}
	out.of(0)
	b := &pgx.Batch{}

	q := st.query(sel, p)
	key, by := group("d.station_id")
	sum := func(cols ...string) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = "coalesce(sum(d." + c + "), 0)::bigint"
		}
		return strings.Join(out, ", ")
	}
	b.Queue(`SELECT `+key+`, `+sum("received", "contact_known", "contact_in_time", "arrive_known", "arrive_in_time", "repair_known",
		"repair_in_time", "repair_orders", "repeat_repairs", "done", "first_fix", "callbacks_due", "callbacks_reached",
		"surveys", "attitude", "timeliness", "quality", "overall")+`
		FROM report_days d WHERE `+q.days(p, st.loc)+` AND `+q.typed()+by, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id int64
			var n [18]int64
			dest := []any{&id}
			for i := range n {
				dest = append(dest, &n[i])
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			s := out.of(id)
			s.set(Received, n[0], 0)
			s.set(SLAContact, n[2], n[1])
			s.set(SLAArrive, n[4], n[3])
			s.set(SLARepair, n[6], n[5])
			s.set(RepeatRate, n[8], n[7])
			s.add(ComplaintsPer100, 0, n[0])
			s.set(FirstFix, n[10], n[9])
			s.set(CallbackRate, n[12], n[11])
			s.set(ScoreAttitude, n[14], n[13])
			s.set(ScoreTimeliness, n[15], n[13])
			s.set(ScoreQuality, n[16], n[13])
			s.set(ScoreOverall, n[17], n[13])
		}
		return rows.Err()
	})

	// The medians over the minutes the days keep, with their counts.
	q = st.query(sel, p)
	b.Queue(`SELECT `+key+`, x.k, coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x.m)), 0)::bigint, count(*)
		FROM report_days d CROSS JOIN LATERAL (SELECT 1, m FROM unnest(d.contact_minutes) m
			UNION ALL SELECT 2, m FROM unnest(d.arrive_minutes) m UNION ALL SELECT 3, m FROM unnest(d.repair_minutes) m) x(k, m)
		WHERE `+q.days(p, st.loc)+` AND `+q.typed()+` GROUP BY GROUPING SETS ((d.station_id, x.k), (x.k))`, q.args...).Query(func(rows pgx.Rows) error {
		keys := map[int]string{1: MedianContact, 2: MedianArrive, 3: MedianRepair}
		for rows.Next() {
			var id, median, n int64
			var k int
			if err := rows.Scan(&id, &k, &median, &n); err != nil {
				return err
			}
			out.of(id).set(keys[k], median, n)
		}
		return rows.Err()
	})

	q = st.query(sel, p)
	ckey, cby := group("c.station_id")
	created := complaint.CreatedIn(q.from, q.to)
	dueIn := complaint.DueIn(q.from, q.to, q.now)
	paid := complaint.PaidIn(q.from, q.to)
	b.Queue(`SELECT `+ckey+`, count(*) FILTER (WHERE `+created+`),
		count(*) FILTER (WHERE `+dueIn+`),
		count(*) FILTER (WHERE `+dueIn+` AND `+complaint.ProposedOnTime+`),
		count(*) FILTER (WHERE `+paid+`), coalesce(sum(c.approved_fen) FILTER (WHERE `+paid+`), 0)::bigint
		FROM complaints c WHERE `+q.ComplaintScope()+` AND (`+created+` OR `+dueIn+` OR `+paid+`)`+cby, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id, logged, due, onTime, paidN, paidFen int64
			if err := rows.Scan(&id, &logged, &due, &onTime, &paidN, &paidFen); err != nil {
				return err
			}
			s := out.of(id)
			s.add(ComplaintsPer100, logged, 0)
			s.set(ComplaintsOnTime, onTime, due)
			s.set(ClaimsPaid, paidFen, paidN)
		}
		return rows.Err()
	})
	if err := st.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, db.Translate(err, "report figures")
	}
	return out, nil
}

// stations are the stations ids, by id.
func (st *store) stations(ctx context.Context, ids []int64) ([]auth.Station, error) {
	rows, _ := st.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) ORDER BY id`, ids)
	s, err := pgx.CollectRows(rows, pgx.RowToStructByName[auth.Station])
	if err != nil {
		return nil, db.Translate(err, "report stations")
	}
	return s, nil
}

// technicians reads the per-technician figures of the technicians of sel over p.
func (st *store) technicians(ctx context.Context, sel []int64, p Period) ([]TechRow, error) {
	q := st.query(sel, p)
	days := q.days(p, st.loc)
	rows, _ := st.pool.Query(ctx, `SELECT u.id, u.display_name, u.station_id, s.name AS station_name,
		coalesce(sum(d.done), 0)::bigint AS done, coalesce(sum(d.first_fix), 0)::bigint AS first_fix,
		coalesce(sum(d.overall_sum), 0)::bigint AS overall_sum, coalesce(sum(d.overall_n), 0)::bigint AS overall_n,
		(SELECT count(*) FROM complaints c WHERE c.technician_id = u.id AND `+complaint.CreatedIn(q.from, q.to)+` AND `+q.ComplaintScope()+`) AS complaints,
		coalesce(sum(d.repeats), 0)::bigint AS repeats, coalesce(sum(d.reschedules), 0)::bigint AS reschedules,
		coalesce(round(sum(d.onsite_minutes)), 0)::bigint AS onsite_minutes, coalesce(sum(d.onsite_n), 0)::bigint AS onsite_n
		FROM users u JOIN stations s ON s.id = u.station_id
		LEFT JOIN report_tech_days d ON d.user_id = u.id AND `+days+`
		WHERE u.role = 'technician' AND u.station_id = ANY(`+q.sel+`)
		GROUP BY u.id, s.name
		ORDER BY u.station_id, u.display_name, u.id`, q.args...)
	t, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[TechRow])
	if err != nil {
		return nil, db.Translate(err, "report technicians")
	}
	return t, nil
}

// parts reads the parts consumed at the stations sel over p and the parts low now.
func (st *store) parts(ctx context.Context, sel []int64, p Period) (Parts, error) {
	var out Parts
	rows, _ := st.pool.Query(ctx, `SELECT m.part_id, p.code, p.name, (-sum(m.quantity))::bigint AS quantity,
		(-sum(m.quantity) * round(p.unit_price * 100))::bigint AS value_fen
		FROM stock_movements m JOIN locations l ON l.id = m.location_id JOIN parts p ON p.id = m.part_id
		WHERE m.kind IN ('issue', 'return') AND m.at >= $2 AND m.at < $3 AND l.station_id = ANY($1)
		GROUP BY m.part_id, p.code, p.name, p.unit_price
		ORDER BY value_fen DESC, quantity DESC, p.code`, sel, p.From, p.To)
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[PartLine])
	if err != nil {
		return Parts{}, db.Translate(err, "report parts")
	}
	for i, l := range lines {
		out.Quantity += l.Quantity
		out.ValueFen += l.ValueFen
		if i < 10 {
			out.Top = append(out.Top, l)
		}
	}
	return out, nil
}

// money reads settlements, receivables and free work at the stations sel over p.
func (st *store) money(ctx context.Context, sel []int64, p Period) (Money, error) {
	var out Money
	q := st.query(sel, p)
	b := &pgx.Batch{}
	b.Queue(`SELECT m.key AS method, sum((m.value ->> 0)::bigint)::bigint AS n, sum((m.value ->> 1)::bigint)::bigint AS fen
		FROM report_days d CROSS JOIN LATERAL jsonb_each(d.settled) m
		WHERE `+q.days(p, st.loc)+` AND `+q.typed()+` GROUP BY m.key ORDER BY m.key`, q.args...).Query(func(rows pgx.Rows) (err error) {
		out.Settlements, err = pgx.CollectRows(rows, pgx.RowToStructByName[MethodSum])
		return err
	})
	f := st.query(sel, p)
	b.Queue(`SELECT coalesce(sum(d.free_warranty), 0)::bigint, coalesce(sum(d.free_repeat), 0)::bigint
		FROM report_days d WHERE `+f.days(p, st.loc)+` AND `+f.typed(), f.args...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&out.FreeWarranty, &out.FreeRepeat)
	})
	if err := st.pool.SendBatch(ctx, b).Close(); err != nil {
		return Money{}, db.Translate(err, "report money")
	}
	for _, m := range out.Settlements {
		out.SettledCount += m.Count
		out.SettledFen += m.Fen
	}
	return out, nil
}

// trend reads orders created and the SLA contact share in each bucket.
func (st *store) trend(ctx context.Context, sel []int64, buckets []Period) ([]TrendPoint, error) {
	q := st.query(sel, Period{From: buckets[0].From, To: buckets[len(buckets)-1].To})
	froms, tos := make([]string, len(buckets)), make([]string, len(buckets))
	for i, b := range buckets {
		froms[i], tos[i] = b.From.In(st.loc).Format("2006-01-02"), b.To.In(st.loc).Format("2006-01-02")
	}
	fa, ta := q.arg(froms), q.arg(tos)
	rows, _ := st.pool.Query(ctx, `SELECT b.i, coalesce(sum(d.received), 0)::bigint, coalesce(sum(d.contact_known), 0)::bigint,
		coalesce(sum(d.contact_in_time), 0)::bigint
		FROM unnest(`+fa+`::date[], `+ta+`::date[]) WITH ORDINALITY AS b(f, t, i)
		LEFT JOIN report_days d ON d.day >= b.f AND d.day < b.t AND d.station_id = ANY(`+q.sel+`) AND `+q.typed()+`
		GROUP BY b.i ORDER BY b.i`, q.args...)
	out := make([]TrendPoint, len(buckets))
	for i, b := range buckets {
		out[i] = TrendPoint{Period: b, Contact: Figure{Key: SLAContact, Unit: Share}}
	}
	var i, n, den, num int64
	_, err := pgx.ForEachRow(rows, []any{&i, &n, &den, &num}, func() error {
		out[i-1].Received, out[i-1].Contact.Num, out[i-1].Contact.Den = n, num, den
		out[i-1].Contact.URL = ordersURL(0, out[i-1].Period)
		return nil
	})
	if err != nil {
		return nil, db.Translate(err, "report trend")
	}
	return out, nil
}

// breakdown counts the period's completed orders by field class at the stations sel
// (the roll-up's classes of the days).
func (st *store) breakdown(ctx context.Context, sel []int64, per Period) ([]ClassCount, error) {
	q := st.query(sel, per)
	rows, _ := st.pool.Query(ctx, `SELECT c.key, sum(c.value::bigint)::bigint FROM report_days d CROSS JOIN LATERAL jsonb_each_text(d.classes) c
		WHERE `+q.days(per, st.loc)+` AND `+q.typed()+` GROUP BY c.key`, q.args...)
	counts := map[string]int64{}
	var class string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&class, &n}, func() error { counts[class] = n; return nil }); err != nil {
		return nil, db.Translate(err, "report breakdown")
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	classes := append(append([]string{}, workorder.FieldClasses...), "")
	var out []ClassCount
	for _, c := range classes {
		n := counts[c]
		if c == "" && n == 0 {
			continue
		}
		cc := ClassCount{Class: c, Count: n}
		if total > 0 {
			cc.Share = float64(n) * 100 / float64(total)
		}
		out = append(out, cc)
	}
	return out, nil
}

// current reads what the report shows as it stands now, whatever the period: parts at
// or below their reorder point, and the orders quoted but not settled.
func (st *store) current(ctx context.Context, sel []int64, p *Page) error {
	q := st.query(sel, Period{From: st.now, To: st.now})
	b := &pgx.Batch{}
	// Every pair of a reordered part and a warehouse, less the pairs whose balance is
	// above the reorder point (a pair without a balance row holds nothing).
	b.Queue(`SELECT (SELECT count(*) FROM parts p WHERE p.active AND p.reorder_point > 0)
			* (SELECT count(*) FROM locations l WHERE l.kind = 'warehouse' AND l.station_id = ANY($1))
		- (SELECT count(*) FROM stock_balances b JOIN parts p ON p.id = b.part_id JOIN locations l ON l.id = b.location_id
			WHERE l.kind = 'warehouse' AND l.station_id = ANY($1) AND p.active AND p.reorder_point > 0 AND b.quantity > p.reorder_point)`,
		sel).QueryRow(func(row pgx.Row) error {
		return row.Scan(&p.Parts.Low)
	})
	b.Queue(`SELECT count(*), coalesce(sum((SELECT coalesce(sum(l.amount_fen), 0) FROM order_fee_lines l
			WHERE l.order_id = o.id AND l.chargeable AND l.deleted_at IS NULL)), 0)::bigint
		FROM work_orders o WHERE o.fees_state IN ('pending', 'receivable') AND `+q.Scope()+``, q.args...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&p.Money.ReceivableCount, &p.Money.ReceivableFen)
	})
	if err := st.pool.SendBatch(ctx, b).Close(); err != nil {
		return db.Translate(err, "report now")
	}
	return nil
}
