package demo

import (
	"context"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/accesslog"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoAccessLog opens a few records the way the office and a technician did an hour
// ago — two customers' pages and an order by the supervisor, a job by its technician, an
// export of the order list — so the access log (访问记录) has entries to show.
func demoAccessLog(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), now time.Time, loc *time.Location) error {
	at := func() time.Time { return now.Add(-time.Hour) }
	orders := workorder.NewService(pool, at, loc)
	from := func(route string) context.Context {
		return accesslog.WithOrigin(ctx, accesslog.Origin{Route: route, Remote: "192.168.10.23"})
	}
	sup, err := users("supervisor")
	if err != nil {
		return err
	}
	tech, err := users("tech2")
	if err != nil {
		return err
	}
	rows, err := pool.Query(ctx, `SELECT o.id, o.customer_id FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech2' ORDER BY o.id LIMIT 2`)
	if err != nil {
		return err
	}
	var ids, customers []int64
	for rows.Next() {
		var id, c int64
		if err := rows.Scan(&id, &c); err != nil {
			return err
		}
		ids, customers = append(ids, id), append(customers, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range customers {
		if _, err := orders.CustomerPage(from("/customers/"+strconv.FormatInt(c, 10)), sup, c); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := orders.Page(from("/orders/"+strconv.FormatInt(id, 10)), sup, id); err != nil {
			return err
		}
		if _, err := orders.Page(from("/orders/"+strconv.FormatInt(id, 10)), tech, id); err != nil {
			return err
		}
	}
	return accesslog.NewService(pool, at, loc).RecordExport(from("/orders.xlsx?state=closed"), sup, 0, nil)
}
