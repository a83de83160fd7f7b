package workorder

import (
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/privacy"
	"github.com/jackc/pgx/v5"
)

// queueHoldsOpen adds to b, for a technician, whether they hold an open job for the
// customer of order id; the answer is in the returned value once the batch has run
// (always false for the office, who see contacts in full anyway).
func queueHoldsOpen(b *pgx.Batch, actor auth.Actor, id int64) *bool {
	holds := new(bool)
	if actor.Role != auth.RoleTechnician {
		return holds
	}
	b.Queue(`SELECT `+privacy.HoldsOpenSQL("o.customer_id", "$2")+` FROM work_orders o WHERE o.id = $1`, id, actor.UserID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			if err := rows.Scan(holds); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return holds
}

// maskContact masks o's contact phone and address (privacy.MaskPhone, MaskAddress)
// unless shows; a masked order has no number to dial.
func maskContact(o *Order, shows bool) {
	if shows {
		return
	}
	o.ContactPhone = privacy.MaskPhone(o.ContactPhone)
	o.ContactE164 = ""
	o.Address = privacy.MaskAddress(o.Address)
	o.Masked = true
}
