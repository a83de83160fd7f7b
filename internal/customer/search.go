package customer

import (
	"context"
	"strings"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// refreshSearchSQL recomputes customers.search; $1 is an array of ids, NULL for all.
const refreshSearchSQL = `UPDATE customers c SET search = concat_ws(' ', c.name, c.contact_person,
    (SELECT string_agg(regexp_replace(p.raw, '\D', '', 'g') || ' ' || substr(p.e164, 2), ' ') FROM customer_phones p WHERE p.customer_id = c.id),
    (SELECT string_agg(a.address, ' ') FROM customer_addresses a WHERE a.customer_id = c.id),
    (SELECT string_agg(u.serial || ' ' || u.model, ' ') FROM units u WHERE u.customer_id = c.id))
    WHERE $1::bigint[] IS NULL OR c.id = ANY($1)`

// RefreshSearch recomputes what the search box matches for the given customers (all
// customers when ids is nil), inside the caller's transaction.
func RefreshSearch(ctx context.Context, tx pgx.Tx, ids []int64) error {
	_, err := tx.Exec(ctx, refreshSearchSQL, ids)
	return db.Translate(err, "refresh search")
}

// Match is one customer found by Search, with what the hotline needs to recognise them.
type Match struct {
	ID            int64  `db:"id"`
	Name          string `db:"name"`
	ContactPerson string `db:"contact_person"`
	// Phones are the customer's numbers in E.164, first the main one.
	Phones  []string `db:"phones"`
	Address string   `db:"address"`
	Units   int      `db:"units"`
	// OpenOrders counts the customer's orders not closed or cancelled.
	OpenOrders int `db:"open_orders"`
}

// SearchTerm normalises what a user typed in a search box: a phone number in any
// format, full-width digits included, becomes its digits (CompactPhone without the +), so
// "138 1234-5678" and "１３８１２３４５６７８" find +8613812345678, stored as digits in the
// search texts; other text is kept as typed. Customers and orders search alike.
func SearchTerm(q string) string {
	q = strings.TrimSpace(q)
	if c, ok := CompactPhone(q); ok {
		if digits := strings.TrimPrefix(c, "+"); len(digits) >= 3 {
			return digits
		}
	}
	return q
}

// ContainsPattern is an ILIKE pattern matching text that contains q literally.
func ContainsPattern(q string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Search finds the actor's customers whose phone, name, contact, address, unit serial or
// model contain q, newest first; when fewer than limit do, it adds the most similar ones
// (pg_trgm word similarity), so a slightly mistyped name still finds them. Both steps
// use the trigram index; similarity is only computed when substrings run short, since
// over digits it matches thousands of phones.
func (s *Service) Search(ctx context.Context, actor auth.Actor, q string, limit int) ([]Match, error) {
	q = SearchTerm(q)
	if q == "" {
		return nil, nil
	}
	if limit <= 0 || limit > 50 {
		limit = 10
	}
	like := ContainsPattern(q)
	var matches []Match
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM customers WHERE station_id = ANY($1) AND search ILIKE $2 ORDER BY id DESC LIMIT $3`,
			actor.Stations, like, limit)
		if err != nil {
			return db.Translate(err, "search customers")
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return db.Translate(err, "search customers")
		}
		if len(ids) == 0 && !isDigits(q) {
			// One mistyped character in a short Chinese name leaves about 0.4 word
			// similarity; pg_trgm's default threshold (0.6) would miss it.
			if _, err := tx.Exec(ctx, `SET LOCAL pg_trgm.word_similarity_threshold = 0.4`); err != nil {
				return db.Translate(err, "search threshold")
			}
			rows, err := tx.Query(ctx, `SELECT id FROM customers WHERE station_id = ANY($1) AND $2 <% search
				ORDER BY word_similarity($2, search) DESC, id DESC LIMIT $3`, actor.Stations, q, limit)
			if err != nil {
				return db.Translate(err, "search customers")
			}
			more, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return db.Translate(err, "search customers")
			}
			ids = append(ids, more...)
		}
		if len(ids) == 0 {
			return nil
		}
		rows, err = tx.Query(ctx, `SELECT c.id, c.name, c.contact_person,
			coalesce((SELECT array_agg(p.e164 ORDER BY p.position, p.id) FROM customer_phones p WHERE p.customer_id = c.id), '{}') AS phones,
			coalesce((SELECT a.address FROM customer_addresses a WHERE a.customer_id = c.id ORDER BY a.position, a.id LIMIT 1), '') AS address,
			(SELECT count(*) FROM units u WHERE u.customer_id = c.id)::int AS units,
			(SELECT count(*) FROM work_orders o WHERE o.customer_id = c.id AND `+workflow.OpenSQL("o")+`)::int AS open_orders
			FROM unnest($1::bigint[]) WITH ORDINALITY AS f(id, n) JOIN customers c ON c.id = f.id ORDER BY f.n`, ids)
		if err != nil {
			return db.Translate(err, "search customers")
		}
		matches, err = pgx.CollectRows(rows, pgx.RowToStructByName[Match])
		return db.Translate(err, "search customers")
	})
	return matches, err
}
