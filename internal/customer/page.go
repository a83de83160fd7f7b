package customer

import (
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/jackc/pgx/v5"
)

// Page is what the archive shows on a customer's page: the customer with phones and
// addresses, their units, the history of edits, and what the actor may do.
type Page struct {
	Customer Customer
	Units    []Unit
	History  []HistoryEntry
	// CanEdit says the actor may edit the customer and add units: the rule
	// UpdateCustomer and AddUnit apply.
	CanEdit bool
}

// UnitPage is what the archive shows on a unit's page: the unit and its customer.
type UnitPage struct {
	Unit     Unit
	Customer Customer
}

// QueuePage adds the reads of customer id's page to b; they land in *dst when the batch
// runs. Then done returns NotFound when the customer does not exist or the actor does
// not see its station, and otherwise fills in what the actor may do.
func QueuePage(b *pgx.Batch, actor auth.Actor, id int64, dst *Page) (done func() error) {
	found := queueCustomer(b, customerByID, id, &dst.Customer)
	b.Queue(`SELECT `+unitCols+` FROM units u WHERE u.customer_id = $1 ORDER BY u.id`, id).Query(func(rows pgx.Rows) (err error) {
		dst.Units, err = pgx.CollectRows(rows, pgx.RowToStructByName[Unit])
		return err
	})
	b.Queue(historySQL, id).Query(func(rows pgx.Rows) (err error) {
		dst.History, err = collectHistory(rows)
		return err
	})
	return func() error {
		if !*found || !actor.Sees(dst.Customer.StationID) {
			*dst = Page{}
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		dst.CanEdit = canEdit(actor)
		return nil
	}
}

// QueueUnitPage adds the reads of unit id's page to b; they land in *dst when the batch
// runs. Then done returns NotFound when the unit does not exist or the actor does not
// see its customer's station.
func QueueUnitPage(b *pgx.Batch, actor auth.Actor, id int64, dst *UnitPage) (done func() error) {
	var units []Unit
	b.Queue(`SELECT `+unitCols+` FROM units u WHERE u.id = $1`, id).Query(func(rows pgx.Rows) (err error) {
		units, err = pgx.CollectRows(rows, pgx.RowToStructByName[Unit])
		return err
	})
	found := queueCustomer(b, customerOfUnit, id, &dst.Customer)
	return func() error {
		if len(units) == 0 || !*found || !actor.Sees(dst.Customer.StationID) {
			*dst = UnitPage{}
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		dst.Unit = units[0]
		return nil
	}
}

// How a batch names the customer it reads, from its one argument.
const (
	customerByID   = `$1`
	customerOfUnit = `(SELECT customer_id FROM units WHERE id = $1)`
)

// queueCustomer adds the reads of one customer with phones and addresses to b, the
// customer named by key (customerByID or customerOfUnit) on arg. When the batch has run,
// *c holds the customer and *found says whether there was one.
func queueCustomer(b *pgx.Batch, key string, arg int64, c *Customer) (found *bool) {
	found = new(bool)
	b.Queue(`SELECT id, station_id, name, contact_person, notes, version, created_at FROM customers WHERE id = `+key, arg).Query(func(rows pgx.Rows) error {
		cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
		if err == nil && len(cs) == 1 {
			*c, *found = cs[0], true
		}
		return err
	})
	b.Queue(`SELECT id, raw, e164, label FROM customer_phones WHERE customer_id = `+key+` ORDER BY position, id`, arg).Query(func(rows pgx.Rows) (err error) {
		c.Phones, err = pgx.CollectRows(rows, pgx.RowToStructByName[Phone])
		return err
	})
	b.Queue(`SELECT id, address, label FROM customer_addresses WHERE customer_id = `+key+` ORDER BY position, id`, arg).Query(func(rows pgx.Rows) (err error) {
		c.Addresses, err = pgx.CollectRows(rows, pgx.RowToStructByName[Address])
		return err
	})
	return found
}
