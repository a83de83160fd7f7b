package customer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// EditCustomer is the input of UpdateCustomer: the whole editable record as the form
// holds it. Phones and addresses replace the customer's current ones, in this order.
type EditCustomer struct {
	Name          string
	ContactPerson string
	Phones        []string
	Addresses     []string
	Notes         string
}

// EditFields are the fields an edit may change, in the order the history lists them.
var EditFields = []string{"name", "contact_person", "phones", "addresses", "notes"}

// Change is one field's old and new value in an "updated" history entry. Phones and
// addresses have one element per item; other fields one element, or none when empty.
type Change struct {
	Field string
	From  []string
	To    []string
}

// HistoryEntry is one row of a customer's history (修改记录).
type HistoryEntry struct {
	ID        int64
	At        time.Time
	ActorName string
	// Kind is created, updated or unit_added.
	Kind string
	// Changes are the changed fields of an "updated" entry, in EditFields order.
	Changes []Change
	// Data is the raw record of other kinds (unit_added: unit_id, model, serial).
	Data map[string]any
}

// editQuerier is what both the pool and a transaction offer for reads.
type editQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// loadForEdit reads a customer with phones and addresses; lock adds FOR UPDATE.
// A customer that does not exist or that the actor does not see is NotFound.
func loadForEdit(ctx context.Context, q editQuerier, actor auth.Actor, id int64, lock bool) (Customer, error) {
	sql := `SELECT id, station_id, name, contact_person, notes, version, created_at FROM customers WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return Customer{}, db.Translate(err, "customer")
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !actor.Sees(c.StationID)) {
		return Customer{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return Customer{}, db.Translate(err, "customer")
	}
	rows, err = q.Query(ctx, `SELECT id, raw, e164, label FROM customer_phones WHERE customer_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return Customer{}, db.Translate(err, "phones")
	}
	if c.Phones, err = pgx.CollectRows(rows, pgx.RowToStructByName[Phone]); err != nil {
		return Customer{}, db.Translate(err, "phones")
	}
	rows, err = q.Query(ctx, `SELECT id, address, label FROM customer_addresses WHERE customer_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return Customer{}, db.Translate(err, "addresses")
	}
	c.Addresses, err = pgx.CollectRows(rows, pgx.RowToStructByName[Address])
	return c, db.Translate(err, "addresses")
}

// editText trims s and turns the CRLF line ends browsers send into LF.
func editText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// UpdateCustomer replaces a customer's name, contact person, phones, addresses and notes
// in one transaction, if version is still the customer's version, and records what
// changed (one "updated" history row). An edit that changes nothing writes nothing and
// returns the customer with its version unchanged.
//
// Returns Forbidden for roles that do not keep the archive, NotFound for a customer the
// actor does not see, Conflict ("customer.stale", with Name and At of the last edit when
// known) when someone saved in between, Invalid with field keys (name, phones).
func (s *Service) UpdateCustomer(ctx context.Context, actor auth.Actor, id int64, version int, in EditCustomer) (Customer, error) {
	if !canEdit(actor) {
		return Customer{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	var out Customer
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := loadForEdit(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if version != old.Version {
			return s.staleEdit(ctx, tx, id)
		}

		// The rules: the same as when the customer was created.
		name := strings.TrimSpace(in.Name)
		if fields := (NewCustomer{Name: name, Phones: in.Phones}).Valid(); len(fields) > 0 {
			return apperr.Fields(fields)
		}
		phones, _ := normalizePhones(in.Phones)
		var addresses []string
		for _, a := range in.Addresses {
			if a = strings.TrimSpace(a); a != "" && !slices.Contains(addresses, a) {
				addresses = append(addresses, a)
			}
		}
		contact, notes := strings.TrimSpace(in.ContactPerson), editText(in.Notes)

		// What changed, field by field. Phones are compared as numbers (E.164): the same
		// numbers typed in another format are no change, since they show the same.
		oldPhones, oldE164 := make([]string, len(old.Phones)), make([]string, len(old.Phones))
		for i, p := range old.Phones {
			oldPhones[i], oldE164[i] = p.Raw, p.E164
		}
		newPhones, newE164 := make([]string, len(phones)), make([]string, len(phones))
		for i, p := range phones {
			newPhones[i], newE164[i] = p.Raw, p.E164
		}
		oldAddresses := make([]string, len(old.Addresses))
		for i, a := range old.Addresses {
			oldAddresses[i] = a.Address
		}
		changes := map[string]any{}
		diff := func(field string, from, to any, same bool) {
			if !same {
				changes[field] = map[string]any{"from": from, "to": to}
			}
		}
		diff("name", old.Name, name, old.Name == name)
		diff("contact_person", old.ContactPerson, contact, old.ContactPerson == contact)
		diff("phones", jsonList(oldPhones), jsonList(newPhones), slices.Equal(oldE164, newE164))
		diff("addresses", jsonList(oldAddresses), jsonList(addresses), slices.Equal(oldAddresses, addresses))
		diff("notes", old.Notes, notes, old.Notes == notes)
		if len(changes) == 0 {
			out = old
			return nil
		}

		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE customers SET name = $2, contact_person = $3, notes = $4, version = version + 1, updated_at = $5 WHERE id = $1`,
			id, name, contact, notes, now); err != nil {
			return db.Translate(err, "update customer")
		}
		if _, ok := changes["phones"]; ok {
			// Keep the label of a number that stays.
			labels := map[string]string{}
			for _, p := range old.Phones {
				labels[p.E164] = p.Label
			}
			if _, err := tx.Exec(ctx, `DELETE FROM customer_phones WHERE customer_id = $1`, id); err != nil {
				return db.Translate(err, "delete phones")
			}
			for i, p := range phones {
				if _, err := tx.Exec(ctx, `INSERT INTO customer_phones (customer_id, raw, e164, label, position) VALUES ($1, $2, $3, $4, $5)`,
					id, p.Raw, p.E164, labels[p.E164], i); err != nil {
					return db.Translate(err, "insert phone")
				}
			}
		}
		if _, ok := changes["addresses"]; ok {
			labels := map[string]string{}
			for _, a := range old.Addresses {
				labels[a.Address] = a.Label
			}
			if _, err := tx.Exec(ctx, `DELETE FROM customer_addresses WHERE customer_id = $1`, id); err != nil {
				return db.Translate(err, "delete addresses")
			}
			for i, a := range addresses {
				if _, err := tx.Exec(ctx, `INSERT INTO customer_addresses (customer_id, address, label, position) VALUES ($1, $2, $3, $4)`,
					id, a, labels[a], i); err != nil {
					return db.Translate(err, "insert address")
				}
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO customer_events (customer_id, actor_id, at, kind, changes) VALUES ($1, $2, $3, 'updated', $4)`,
			id, actor.UserID, now, changes); err != nil {
			return db.Translate(err, "customer event")
		}
		if err := RefreshSearch(ctx, tx, []int64{id}); err != nil {
			return err
		}
		out, err = loadForEdit(ctx, tx, actor, id, false)
		return err
	})
	if err != nil {
		return Customer{}, err
	}
	return out, nil
}

// jsonList keeps an empty list a JSON array rather than null.
func jsonList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// staleEdit is the Conflict for an edit made on an old version, naming who saved last and
// when, if the history knows.
func (s *Service) staleEdit(ctx context.Context, tx pgx.Tx, id int64) error {
	var name string
	var at time.Time
	err := tx.QueryRow(ctx, `SELECT u.display_name, e.at FROM customer_events e JOIN users u ON u.id = e.actor_id
		WHERE e.customer_id = $1 AND e.kind = 'updated' ORDER BY e.id DESC LIMIT 1`, id).Scan(&name, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.New(apperr.Conflict, "customer.stale")
	}
	if err != nil {
		return db.Translate(err, "last edit")
	}
	return apperr.New(apperr.Conflict, "customer.stale", "Name", name, "At", at.In(s.loc).Format("2006-01-02 15:04"))
}

// History lists a customer's history, newest first: created, edited (with what changed),
// units added. Returns NotFound for a customer the actor does not see.
func (s *Service) History(ctx context.Context, actor auth.Actor, customerID int64) ([]HistoryEntry, error) {
	var station int64
	err := s.pool.QueryRow(ctx, `SELECT station_id FROM customers WHERE id = $1`, customerID).Scan(&station)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !actor.Sees(station)) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, db.Translate(err, "customer")
	}
	rows, err := s.pool.Query(ctx, historySQL, customerID)
	if err != nil {
		return nil, db.Translate(err, "history")
	}
	out, err := collectHistory(rows)
	return out, db.Translate(err, "history")
}

// historySQL selects a customer's history ($1), newest first, at most 200 entries.
const historySQL = `SELECT e.id, e.at, e.kind, u.display_name, e.changes
	FROM customer_events e JOIN users u ON u.id = e.actor_id
	WHERE e.customer_id = $1 ORDER BY e.id DESC LIMIT 200`

// collectHistory reads the rows of historySQL, with each edit's changes in EditFields
// order, and closes them.
func collectHistory(rows pgx.Rows) ([]HistoryEntry, error) {
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var data map[string]any
		if err := rows.Scan(&h.ID, &h.At, &h.Kind, &h.ActorName, &data); err != nil {
			return nil, err
		}
		if h.Kind == "updated" {
			for _, f := range EditFields {
				if c, ok := data[f].(map[string]any); ok {
					h.Changes = append(h.Changes, Change{Field: f, From: changeValues(c["from"]), To: changeValues(c["to"])})
				}
			}
		} else {
			h.Data = data
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// changeValues turns a stored from/to value (a string or a list of strings) into a list.
func changeValues(v any) []string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

// Recent lists the actor's newest customers (by when they were created), with what the
// list shows of each; for the archive's list page before anything is searched.
func (s *Service) Recent(ctx context.Context, actor auth.Actor, limit int) ([]Match, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT c.id, c.name, c.contact_person,
			coalesce((SELECT array_agg(p.e164 ORDER BY p.position, p.id) FROM customer_phones p WHERE p.customer_id = c.id), '{}') AS phones,
			coalesce((SELECT a.address FROM customer_addresses a WHERE a.customer_id = c.id ORDER BY a.position, a.id LIMIT 1), '') AS address,
			(SELECT count(*) FROM units u WHERE u.customer_id = c.id)::int AS units,
			(SELECT count(*) FROM work_orders o WHERE o.customer_id = c.id AND `+workflow.OpenSQL("o")+`)::int AS open_orders
		FROM customers c WHERE c.station_id = ANY($1)
		ORDER BY c.created_at DESC, c.id DESC LIMIT $2`, actor.Stations, limit)
	if err != nil {
		return nil, db.Translate(err, "recent customers")
	}
	matches, err := pgx.CollectRows(rows, pgx.RowToStructByName[Match])
	return matches, db.Translate(err, "recent customers")
}
