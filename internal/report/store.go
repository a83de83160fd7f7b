package report

import (
	"context"
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

func median(expr, cond string) string {
	return `coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ` + expr + `)::float8 / 60) FILTER (WHERE ` + cond + `)), 0)::bigint`
}

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
	key, by := group("o.station_id")
	b.Queue(`SELECT `+key+`, count(*),
		count(*) FILTER (WHERE `+contactKnown(q.now)+`), count(*) FILTER (WHERE `+contactInTime+`),
		count(*) FILTER (WHERE `+arriveKnown(q.now)+`), count(*) FILTER (WHERE `+arriveInTime+`),
		count(*) FILTER (WHERE `+repairKnown(q.now)+`), count(*) FILTER (WHERE `+repairInTime+`),
		`+median("o.first_contact_at - o.created_at", workorder.Contacted)+`,
		count(*) FILTER (WHERE `+workorder.Contacted+`),
		`+median("o.arrived_at - o.created_at", workorder.Arrived)+`,
		count(*) FILTER (WHERE `+workorder.Arrived+`),
		`+median("o.completed_at - o.arrived_at", workorder.ArrivedCompleted)+`,
		count(*) FILTER (WHERE `+workorder.ArrivedCompleted+`),
		count(*) FILTER (WHERE `+workorder.RepairOrder+`),
		count(*) FILTER (WHERE `+workorder.RepeatRepair+`)
		FROM work_orders o WHERE `+q.in("o.created_at")+` AND `+q.Scope()+by, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id int64
			var n [15]int64
			if err := rows.Scan(&id, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8], &n[9], &n[10], &n[11], &n[12], &n[13], &n[14]); err != nil {
				return err
			}
			s := out.of(id)
			s.set(Received, n[0], 0)
			s.set(SLAContact, n[2], n[1])
			s.set(SLAArrive, n[4], n[3])
			s.set(SLARepair, n[6], n[5])
			s.set(MedianContact, n[7], n[8])
			s.set(MedianArrive, n[9], n[10])
			s.set(MedianRepair, n[11], n[12])
			s.set(RepeatRate, n[14], n[13])
			s.add(ComplaintsPer100, 0, n[0])
		}
		return rows.Err()
	})

	b.Queue(`SELECT `+key+`, count(*), count(*) FILTER (WHERE `+firstFix+`)
		FROM work_orders o WHERE `+q.in("o.completed_at")+` AND `+q.Scope()+by, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id, done, ok int64
			if err := rows.Scan(&id, &done, &ok); err != nil {
				return err
			}
			out.of(id).set(FirstFix, ok, done)
		}
		return rows.Err()
	})

	// The callback rate: the callback queue's definition (workorder.CallbackCyclesSQL)
	// over the period, by station.
	ckey, cby := group("c.station_id")
	b.Queue(workorder.CallbackCyclesSQL(q.from, q.to, q.now, q.Scope())+`
	SELECT `+ckey+`, count(*), count(*) FILTER (WHERE `+workorder.CallbackReachedSQL("c")+`)
	FROM cycles c`+cby, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id, due, reached int64
			if err := rows.Scan(&id, &due, &reached); err != nil {
				return err
			}
			out.of(id).set(CallbackRate, reached, due)
		}
		return rows.Err()
	})

	b.Queue(`SELECT `+key+`, count(*), coalesce(sum(a.attitude), 0), coalesce(sum(a.timeliness), 0),
		coalesce(sum(a.quality), 0), coalesce(sum(a.overall), 0)
		FROM callback_attempts a JOIN work_orders o ON o.id = a.order_id
		WHERE a.outcome = 'reached' AND `+q.in("a.at")+` AND `+q.Scope()+by, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id, n, att, tim, qua, ove int64
			if err := rows.Scan(&id, &n, &att, &tim, &qua, &ove); err != nil {
				return err
			}
			s := out.of(id)
			s.set(ScoreAttitude, att, n)
			s.set(ScoreTimeliness, tim, n)
			s.set(ScoreQuality, qua, n)
			s.set(ScoreOverall, ove, n)
		}
		return rows.Err()
	})

	// The complaint figures: complaint's conditions (complaint.PeriodCond), which the
	// complaint list filters by too.
	q = st.query(sel, p)
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
	done := `FROM work_orders o WHERE o.assignee_id = u.id AND ` + q.in("o.completed_at") + ` AND ` + q.Scope()
	reached := `FROM callback_attempts a JOIN work_orders o ON o.id = a.order_id WHERE o.assignee_id = u.id AND a.outcome = 'reached' AND ` + q.in("a.at") + ` AND ` + q.Scope()
	rows, _ := st.pool.Query(ctx, `SELECT u.id, u.display_name, u.station_id, s.name AS station_name,
		(SELECT count(*) `+done+`) AS done,
		(SELECT count(*) `+done+` AND `+firstFix+`) AS first_fix,
		(SELECT coalesce(sum(a.overall), 0) `+reached+`) AS overall_sum,
		(SELECT count(*) `+reached+`) AS overall_n,
		(SELECT count(*) FROM complaints c WHERE c.technician_id = u.id AND `+complaint.CreatedIn(q.from, q.to)+` AND `+q.ComplaintScope()+`) AS complaints,
		(SELECT count(*) FROM work_orders r JOIN work_orders o ON o.id = r.repeat_of
			WHERE o.assignee_id = u.id AND `+q.in("r.created_at")+` AND `+q.Scope()+`) AS repeats,
		(SELECT count(*) FROM work_order_events e JOIN work_orders o ON o.id = e.order_id
			WHERE e.transition = 'reschedule' AND e.actor_id = u.id AND `+q.in("e.at")+` AND `+q.Scope()+`) AS reschedules,
		(SELECT coalesce(round(sum(extract(epoch FROM o.completed_at - o.arrived_at)::float8 / 60)), 0)::bigint `+done+` AND o.arrived_at IS NOT NULL) AS onsite_minutes,
		(SELECT count(*) `+done+` AND o.arrived_at IS NOT NULL) AS onsite_n
		FROM users u JOIN stations s ON s.id = u.station_id
		WHERE u.role = 'technician' AND u.station_id = ANY(`+q.sel+`)
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
	err = st.pool.QueryRow(ctx, `SELECT count(*) FROM parts p JOIN locations l ON l.kind = 'warehouse' AND l.station_id = ANY($1)
		LEFT JOIN stock_balances b ON b.part_id = p.id AND b.location_id = l.id
		WHERE p.active AND p.reorder_point > 0 AND coalesce(b.quantity, 0) <= p.reorder_point`, sel).Scan(&out.Low)
	if err != nil {
		return Parts{}, db.Translate(err, "report parts low")
	}
	return out, nil
}

// money reads settlements, receivables and free work at the stations sel over p.
func (st *store) money(ctx context.Context, sel []int64, p Period) (Money, error) {
	var out Money
	q := st.query(sel, p)
	b := &pgx.Batch{}
	b.Queue(`SELECT se.method, count(*) AS n, sum(se.amount_fen)::bigint AS fen
		FROM settlements se JOIN work_orders o ON o.id = se.order_id
		WHERE `+q.in("se.settled_at")+` AND `+q.Scope()+` GROUP BY se.method ORDER BY se.method`, q.args...).Query(func(rows pgx.Rows) (err error) {
		out.Settlements, err = pgx.CollectRows(rows, pgx.RowToStructByName[MethodSum])
		return err
	})
	b.Queue(`SELECT count(*), coalesce(sum((SELECT coalesce(sum(l.amount_fen), 0) FROM order_fee_lines l
			WHERE l.order_id = o.id AND l.chargeable AND l.deleted_at IS NULL)), 0)::bigint
		FROM work_orders o WHERE o.fees_state IN ('pending', 'receivable') AND `+q.Scope()+``, q.args...).QueryRow(func(row pgx.Row) error {
		return row.Scan(&out.ReceivableCount, &out.ReceivableFen)
	})
	b.Queue(`SELECT count(*) FILTER (WHERE o.warranty = 'in'), count(*) FILTER (WHERE o.warranty = 'repair')
		FROM work_orders o WHERE `+q.in("o.completed_at")+` AND `+q.Scope(), q.args...).QueryRow(func(row pgx.Row) error {
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
	froms, tos := make([]time.Time, len(buckets)), make([]time.Time, len(buckets))
	for i, b := range buckets {
		froms[i], tos[i] = b.From, b.To
	}
	fa, ta := q.arg(froms), q.arg(tos)
	rows, _ := st.pool.Query(ctx, `SELECT b.i, count(o.id), count(o.id) FILTER (WHERE `+contactKnown(q.now)+`),
		count(o.id) FILTER (WHERE `+contactInTime+`)
		FROM unnest(`+fa+`::timestamptz[], `+ta+`::timestamptz[]) WITH ORDINALITY AS b(f, t, i)
		LEFT JOIN work_orders o ON o.created_at >= b.f AND o.created_at < b.t AND o.created_at >= `+q.from+` AND o.created_at < `+q.to+` AND `+q.Scope()+`
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
