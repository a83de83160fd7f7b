// Package accesslog keeps the access log (访问记录): who opened which customer record,
// order, attachment or export, and when. Entries are written by the read that serves
// the page, one statement per request, and never change (the table refuses UPDATE and
// DELETE). Opening one's own station's work is logged, not refused.
package accesslog

import (
	"context"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// Kind is what was opened.
type Kind string

// The kinds of access.
const (
	Customer   Kind = "customer"
	Order      Kind = "order"
	Attachment Kind = "attachment"
	Export     Kind = "export"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{Customer, Order, Attachment, Export}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if v == k {
			return true
		}
	}
	return false
}

// Origin is where a request came from: the route (path and query) and the peer's address.
type Origin struct {
	Route  string
	Remote string
}

type originKey struct{}

// WithOrigin returns ctx carrying o, for the services that log the access.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom is the request's origin in ctx, cut to the columns' lengths.
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return Origin{Route: cut(o.Route, 500), Remote: cut(o.Remote, 100)}
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

const insertCols = `INSERT INTO access_log (at, actor_id, station_id, kind, record_id, route, remote) `

// args collects a query's arguments and hands out their placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// QueueOrder adds to b the entry for actor opening order id, written only when the actor
// sees the order (workflow.Scope), with the order's station.
func QueueOrder(ctx context.Context, b *pgx.Batch, actor auth.Actor, at time.Time, id int64) {
	sql, a := OrderSQL(ctx, actor, at, id)
	b.Queue(sql, a...)
}

// OrderSQL is the statement QueueOrder queues, with its arguments, for a page that
// writes it as part of its own statement (db.Merged.Write).
func OrderSQL(ctx context.Context, actor auth.Actor, at time.Time, id int64) (string, []any) {
	o := OriginFrom(ctx)
	var a args
	sql := insertCols + `SELECT ` + a.add(at) + `, ` + a.add(actor.UserID) + `, r.station_id, 'order', r.id, ` + a.add(o.Route) + `, ` + a.add(o.Remote) +
		` FROM work_orders r WHERE r.id = ` + a.add(id) + ` AND ` + workflow.Scope(actor, "r", a.add)
	return sql, a
}

// QueueCustomer adds to b the entry for actor opening customer id's record, written only
// when the actor sees the customer's station, with that station.
func QueueCustomer(ctx context.Context, b *pgx.Batch, actor auth.Actor, at time.Time, id int64) {
	queueCustomer(ctx, b, actor, at, "$5", id)
}

// QueueCustomerOfUnit is QueueCustomer for the page of unit id, which shows its
// customer's record.
func QueueCustomerOfUnit(ctx context.Context, b *pgx.Batch, actor auth.Actor, at time.Time, id int64) {
	queueCustomer(ctx, b, actor, at, "(SELECT customer_id FROM units WHERE id = $5)", id)
}

func queueCustomer(ctx context.Context, b *pgx.Batch, actor auth.Actor, at time.Time, key string, arg int64) {
	o := OriginFrom(ctx)
	b.Queue(insertCols+`SELECT $1, $2, c.station_id, 'customer', c.id, $3, $4 FROM customers c WHERE c.id = `+key+` AND c.station_id = ANY($6)`,
		at, actor.UserID, o.Route, o.Remote, arg, actor.Stations)
}

// Record writes one entry whose station is known: an attachment opened (record: the
// attachment), a customer's data exported (record: the customer), or a list exported
// (record nil, station: the exporter's).
func Record(ctx context.Context, q db.Querier, actor auth.Actor, at time.Time, kind Kind, stationID int64, recordID *int64) error {
	o := OriginFrom(ctx)
	rows, err := q.Query(ctx, insertCols+`VALUES ($1, $2, $3, $4, $5, $6, $7)`, at, actor.UserID, stationID, string(kind), recordID, o.Route, o.Remote)
	if err != nil {
		return db.Translate(err, "access log")
	}
	rows.Close()
	return db.Translate(rows.Err(), "access log")
}
