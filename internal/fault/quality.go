package fault

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// ParetoRow is one model and assembly of the Pareto of faults: its count and the share
// of all faults it and the rows above it make up.
type ParetoRow struct {
	Model    string `db:"model"`
	Assembly string `db:"assembly"`
	Count    int    `db:"count"`
	// Share and Cumulative are percentages of the total, 0–100.
	Share      float64 `db:"-"`
	Cumulative float64 `db:"-"`
}

// Pareto sorts nothing: it fills Share and Cumulative of rows already sorted by count,
// most frequent first.
func Pareto(rows []ParetoRow) []ParetoRow {
	total := 0
	for _, r := range rows {
		total += r.Count
	}
	run := 0
	for i := range rows {
		run += rows[i].Count
		if total > 0 {
			rows[i].Share = float64(rows[i].Count) * 100 / float64(total)
			rows[i].Cumulative = float64(run) * 100 / float64(total)
		}
	}
	return rows
}

// MonthCount is the faults reported in one month (its first day).
type MonthCount struct {
	Month time.Time `db:"month"`
	Count int       `db:"count"`
}

// MaxMonths bounds the period of the quality list.
const MaxMonths = 24

// Quality is the quality list: escalated faults still open (HQ's to handle), the latest
// faults with their state, the Pareto by model and assembly and the count per month.
type Quality struct {
	Months    int
	From      time.Time
	Escalated []Fault
	Recent    []Fault
	Pareto    []ParetoRow
	PerMonth  []MonthCount
	Total     int
}

// Quality loads the quality list of the faults the actor sees over the last months
// months (this one included): HQ's managers and admins see every station, a station's
// supervisors and managers their own. Errors: Forbidden for other roles.
func (s *Service) Quality(ctx context.Context, actor auth.Actor, months int) (Quality, error) {
	if !actor.Is(auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin) {
		return Quality{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager,admin")
	}
	if months < 1 || months > MaxMonths {
		months = 6
	}
	l := s.now().In(s.loc)
	from := time.Date(l.Year(), l.Month()-time.Month(months-1), 1, 0, 0, 0, 0, s.loc)
	q := Quality{Months: months, From: from}
	var err error
	args := []any{}
	scope := Scope(actor, "o", db.Args(&args))
	if q.Escalated, err = s.list(ctx, selectSQL+" WHERE f.escalated AND f.state <> 'closed' AND "+scope+" ORDER BY f.reported_at DESC, f.id DESC LIMIT 200", args); err != nil {
		return Quality{}, err
	}
	args = []any{from}
	scope = Scope(actor, "o", db.Args(&args))
	if q.Recent, err = s.list(ctx, selectSQL+" WHERE f.reported_at >= $1 AND "+scope+" ORDER BY f.reported_at DESC, f.id DESC LIMIT 200", args); err != nil {
		return Quality{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT f.model, f.assembly, count(*)::int AS count FROM faults f JOIN work_orders o ON o.id = f.order_id
		WHERE f.reported_at >= $1 AND `+scope+` GROUP BY f.model, f.assembly ORDER BY count DESC, f.model, f.assembly LIMIT 100`, args...)
	if err != nil {
		return Quality{}, db.Translate(err, "fault pareto")
	}
	if q.Pareto, err = pgx.CollectRows(rows, pgx.RowToStructByName[ParetoRow]); err != nil {
		return Quality{}, db.Translate(err, "fault pareto")
	}
	q.Pareto = Pareto(q.Pareto)
	for _, r := range q.Pareto {
		q.Total += r.Count
	}
	args = []any{from, s.loc.String()}
	scope = Scope(actor, "o", db.Args(&args))
	rows, err = s.pool.Query(ctx, `SELECT date_trunc('month', f.reported_at AT TIME ZONE $2)::date::timestamp AS month, count(*)::int AS count
		FROM faults f JOIN work_orders o ON o.id = f.order_id WHERE f.reported_at >= $1 AND `+scope+` GROUP BY 1 ORDER BY 1`, args...)
	if err != nil {
		return Quality{}, db.Translate(err, "fault months")
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[MonthCount])
	if err != nil {
		return Quality{}, db.Translate(err, "fault months")
	}
	// Every month of the period, with zero where nothing was reported.
	for i := 0; i < months; i++ {
		m := time.Date(from.Year(), from.Month()+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		mc := MonthCount{Month: m}
		for _, g := range got {
			if g.Month.Year() == m.Year() && g.Month.Month() == m.Month() {
				mc.Count = g.Count
			}
		}
		q.PerMonth = append(q.PerMonth, mc)
	}
	return q, nil
}

func (s *Service) list(ctx context.Context, sql string, args []any) ([]Fault, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err, "faults")
	}
	fs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Fault])
	return fs, db.Translate(err, "faults")
}
