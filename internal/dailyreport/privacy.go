package dailyreport

import (
	"context"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/privacy"
)

// maskAddresses masks, for a technician, the addresses of the jobs in facts whose
// customer they no longer hold an open job for (privacy.Shows), in the jobs and the legs
// between them. The office sees them in full.
func maskAddresses(ctx context.Context, q db.Querier, actor auth.Actor, facts ...*Facts) error {
	if actor.Role != auth.RoleTechnician {
		return nil
	}
	var ids []int64
	for _, f := range facts {
		for _, j := range f.Jobs {
			ids = append(ids, j.OrderID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT o.id, `+privacy.HoldsOpenSQL("o.customer_id", "$2")+` FROM work_orders o WHERE o.id = ANY($1)`, ids, actor.UserID)
	if err != nil {
		return db.Translate(err, "open jobs")
	}
	shows := map[int64]bool{}
	for rows.Next() {
		var id int64
		var holds bool
		if err := rows.Scan(&id, &holds); err != nil {
			rows.Close()
			return db.Translate(err, "open jobs")
		}
		shows[id] = privacy.Shows(actor, holds)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return db.Translate(err, "open jobs")
	}
	for _, f := range facts {
		masked := map[string]string{}
		for i, j := range f.Jobs {
			if !shows[j.OrderID] && j.Address != "" {
				masked[j.Address] = privacy.MaskAddress(j.Address)
				f.Jobs[i].Address = masked[j.Address]
			}
		}
		for i, l := range f.Legs {
			if m, ok := masked[l.FromAddress]; ok {
				f.Legs[i].FromAddress = m
			}
			if m, ok := masked[l.ToAddress]; ok {
				f.Legs[i].ToAddress = m
			}
		}
	}
	return nil
}
