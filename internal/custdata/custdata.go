// Package custdata answers a customer's requests about their data: everything the system
// holds on them as one workbook (Export), and anonymisation on request (Anonymise): name,
// phones and addresses replaced, also the copies kept on orders, complaints and quote
// confirmations, while orders and figures stay.
package custdata

import (
	"context"
	"github.com/aftersales/aftersales/internal/privacy"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/accesslog"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ReasonMax is the longest reason an anonymisation takes (in characters).
const ReasonMax = 500

// AnonymousName is the name an anonymised customer keeps: 已匿名客户 #id.
func AnonymousName(id int64) string { return "已匿名客户 #" + strconv.FormatInt(id, 10) }

// May reports whether actor may export and anonymise the data of a customer of station:
// a manager of that station or one above it, or an admin who sees it.
func May(actor auth.Actor, station int64) bool {
	return actor.Is(auth.RoleManager, auth.RoleAdmin) && actor.Sees(station)
}

// Can is what the customer page offers about the customer's data.
type Can struct {
	Export, Anonymise bool
	// AnonymisedAt is when the customer was anonymised (nil: not anonymised).
	AnonymisedAt *time.Time
}

// QueueCan adds to b the read of customer id's anonymisation; when the batch has run,
// done returns what actor may do (call it after the page's own visibility check).
func QueueCan(b *pgx.Batch, actor auth.Actor, id int64) (done func() Can) {
	var (
		station int64
		at      *time.Time
	)
	b.Queue(`SELECT station_id, anonymised_at FROM customers WHERE id = $1`, id).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			if err := rows.Scan(&station, &at); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return func() Can {
		may := May(actor, station)
		return Can{Export: may, Anonymise: may && at == nil, AnonymisedAt: at}
	}
}

// Service exports and anonymises customers' data.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns the customer-data service.
func NewService(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// allowed loads customer id's station and anonymisation (locked when lock) and checks the
// actor may handle its data: NotFound when unseen, Forbidden for other roles.
func allowed(ctx context.Context, q db.Querier, actor auth.Actor, id int64, lock bool) (station int64, at *time.Time, err error) {
	sql := `SELECT station_id, anonymised_at FROM customers WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	if err := q.QueryRow(ctx, sql, id).Scan(&station, &at); err != nil || !actor.Sees(station) {
		return 0, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if !May(actor, station) {
		return 0, nil, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,admin")
	}
	return station, at, nil
}

// Anonymise replaces customer id's name, phones and addresses, and the copies on their
// orders, complaints and quote confirmations; refreshes the search texts; records who and
// why as a customer event, in one transaction. Returns Invalid (field reason) without a
// reason or with one too long, Conflict when already anonymised or while the customer
// has open orders (privacy.open_orders, N), NotFound or Forbidden. A repeated form key
// changes nothing.
func (s *Service) Anonymise(ctx context.Context, actor auth.Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return apperr.Fields(map[string]string{"reason": "field.required"})
	case utf8.RuneCountInString(reason) > ReasonMax:
		return apperr.Fields(map[string]string{"reason": "privacy.field.reason_long"})
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		_, at, err := allowed(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if at != nil {
			return apperr.New(apperr.Conflict, "privacy.already_anonymised")
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM work_orders o WHERE o.customer_id = $1 AND `+workflow.OpenSQL("o"), id).Scan(&open); err != nil {
			return db.Translate(err, "open orders")
		}
		if open > 0 {
			return apperr.New(apperr.Conflict, "privacy.open_orders", "N", open)
		}
		name := AnonymousName(id)
		for _, st := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE customers SET name = $2, contact_person = '', notes = '', anonymised_at = $3, version = version + 1, updated_at = $3 WHERE id = $1`, []any{id, name, now}},
			{`DELETE FROM customer_phones WHERE customer_id = $1`, []any{id}},
			{`DELETE FROM customer_addresses WHERE customer_id = $1`, []any{id}},
			{`UPDATE units SET install_address = '' WHERE customer_id = $1 AND install_address <> ''`, []any{id}},
			// The orders keep their number, unit and figures; the search text is rebuilt
			// from what is left (workorder.SearchText's number, name and serial).
			{`UPDATE work_orders o SET contact_name = $2, contact_phone = '', contact_e164 = '', address = '',
				search = concat_ws(' ', o.number, $2::text, $2::text, coalesce((SELECT u.serial FROM units u WHERE u.id = o.unit_id), ''))
				WHERE o.customer_id = $1`, []any{id, name}},
			{`UPDATE complaints SET contact_phone = '' WHERE customer_id = $1 AND contact_phone <> ''`, []any{id}},
			{`UPDATE quote_confirmations q SET customer_name = $2 FROM work_orders o WHERE o.id = q.order_id AND o.customer_id = $1`, []any{id, name}},
			// The messages to the customer keep their kind and times, not the number or
			// what they said.
			{`UPDATE outbox m SET recipient = $2, params = '{}' FROM work_orders o WHERE o.id = m.order_id AND o.customer_id = $1`, []any{id, privacy.Mask}},
			{`INSERT INTO customer_events (customer_id, actor_id, at, kind, changes) VALUES ($1, $2, $3, 'anonymised', $4)`,
				[]any{id, actor.UserID, now, map[string]any{"reason": reason}}},
		} {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return db.Translate(err, "anonymise")
			}
		}
		return customer.RefreshSearch(ctx, tx, []int64{id})
	})
}

// Export reads everything held on customer id for the actor and writes the export to the
// access log. Returns NotFound or Forbidden.
func (s *Service) Export(ctx context.Context, actor auth.Actor, id int64) (Data, error) {
	station, _, err := allowed(ctx, s.pool, actor, id, false)
	if err != nil {
		return Data{}, err
	}
	d, err := read(ctx, s.pool, id)
	if err != nil {
		return Data{}, err
	}
	if err := accesslog.Record(ctx, s.pool, actor, s.now(), accesslog.Export, station, &id); err != nil {
		return Data{}, err
	}
	return d, nil
}
