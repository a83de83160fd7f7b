package proposal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// selectSQL is the SELECT of Proposal over proposals p, its year count over the service's
// current calendar year (two arguments added with arg).
func (s *Service) selectSQL(arg func(any) string) string { return selectSQL(s.now(), s.loc, arg) }

// selectSQL is the select of proposals, with each customer's count of proposals in the
// calendar year of now in loc.
func selectSQL(now time.Time, loc *time.Location, arg func(any) string) string {
	l := now.In(loc)
	from := time.Date(l.Year(), 1, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(1, 0, 0)
	return `SELECT p.id, p.number, p.station_id, st.name AS station_name, p.customer_id, c.name AS customer_name,
		coalesce((SELECT ph.raw FROM customer_phones ph WHERE ph.customer_id = c.id ORDER BY ph.position, ph.id LIMIT 1), '') AS customer_phone,
		p.channel, p.category, p.content, p.state, p.version, lu.display_name AS logged_by_name, p.logged_at,
		coalesce(du.display_name, '') AS decided_by_name, p.decided_at,
		coalesce(p.department, '') AS department, coalesce(p.measures, '') AS measures, p.effective_on,
		coalesce(p.award_name, '') AS award_name, p.award_fen,
		coalesce(p.keep_reason, '') AS keep_reason, p.review_on, coalesce(p.reject_reason, '') AS reject_reason,
		p.told_at, coalesce(p.told_via, '') AS told_via, coalesce(tu.display_name, '') AS told_by_name, coalesce(p.told_note, '') AS told_note,
		(SELECT count(*) FROM proposals y WHERE y.customer_id = p.customer_id AND y.logged_at >= ` + arg(from) + ` AND y.logged_at < ` + arg(to) + `)::int AS year_count
		FROM proposals p
		JOIN stations st ON st.id = p.station_id
		JOIN customers c ON c.id = p.customer_id
		JOIN users lu ON lu.id = p.logged_by
		LEFT JOIN users du ON du.id = p.decided_by
		LEFT JOIN users tu ON tu.id = p.told_by`
}

// dueSQL is Proposal.Due as SQL over alias, with today and ReminderDays as placeholders.
func dueSQL(alias, today, days string) string {
	return "(" + alias + ".state = 'logged' OR (" + alias + ".state = 'kept' AND " + alias + ".review_on - " + days + "::int <= " + today + "::date))"
}

// toTellSQL is Proposal.ToTell as SQL over alias.
func toTellSQL(alias string) string {
	return "(" + alias + ".state <> 'logged' AND " + alias + ".told_at IS NULL)"
}

// nextNumber takes the next proposal number of day: TAyyyymmdd-nnnn. The upsert locks
// the day's counter until the logging commits, so numbers stay unique.
func nextNumber(ctx context.Context, tx pgx.Tx, day time.Time) (string, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO proposal_counters (day, last) VALUES ($1, 1)
		ON CONFLICT (day) DO UPDATE SET last = proposal_counters.last + 1 RETURNING last`, day).Scan(&n)
	if err != nil {
		return "", db.Translate(err, "proposal number")
	}
	return fmt.Sprintf("TA%s-%04d", day.Format("20060102"), n), nil
}

// addEvent appends one row to the proposal's timeline.
func addEvent(ctx context.Context, tx pgx.Tx, id int64, at time.Time, actorID int64, kind Transition, from, to State, data map[string]any) error {
	var fromState *string
	if from != None {
		f := string(from)
		fromState = &f
	}
	if data == nil {
		data = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO proposal_events (proposal_id, at, actor_id, kind, from_state, to_state, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, at, actorID, string(kind), fromState, string(to), data)
	return db.Translate(err, "proposal event")
}

type page struct {
	Proposals []Proposal
	Next      string
}

// listProposals is one page of the proposals actor sees that pass f, newest first.
func listProposals(ctx context.Context, s *Service, actor auth.Actor, f Filter, today time.Time) (page, error) {
	args := []any{}
	arg := db.Args(&args)
	sel := s.selectSQL(arg)
	where := []string{Scope(actor, "p", arg)}
	if f.State != "" {
		where = append(where, "p.state = "+arg(string(f.State)))
	}
	if f.Category != "" {
		where = append(where, "p.category = "+arg(f.Category))
	}
	if f.ToTell {
		where = append(where, toTellSQL("p"))
	}
	if f.Due {
		where = append(where, dueSQL("p", arg(today), arg(ReminderDays)))
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := arg(customer.ContainsPattern(t))
		where = append(where, "(p.number ILIKE "+like+" OR c.name ILIKE "+like+" OR p.content ILIKE "+like+")")
	}
	if f.After != "" {
		at, id, ok := db.ParseCursor(f.After)
		if !ok {
			return page{}, apperr.Fields(map[string]string{"after": "error.invalid"})
		}
		where = append(where, "(p.logged_at, p.id) < ("+arg(at)+", "+arg(id)+")")
	}
	limit := db.PageSize(f.Limit)
	rows, err := s.pool.Query(ctx, sel+" WHERE "+strings.Join(where, " AND ")+" ORDER BY p.logged_at DESC, p.id DESC LIMIT "+arg(limit+1), args...)
	if err != nil {
		return page{}, db.Translate(err, "proposals")
	}
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[Proposal])
	if err != nil {
		return page{}, db.Translate(err, "proposals")
	}
	p := page{Proposals: ps}
	if len(ps) > limit {
		p.Proposals = ps[:limit]
		last := p.Proposals[limit-1]
		p.Next = db.Cursor(last.LoggedAt, last.ID)
	}
	return p, nil
}
