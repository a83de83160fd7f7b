package workorder

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// Intake is a whole repair call from the intake form: an existing customer or a new one,
// an existing unit, a new one or none, and the order.
type Intake struct {
	// CustomerID is the chosen customer; 0 means NewCustomer.
	CustomerID  int64
	NewCustomer customer.NewCustomer
	// UnitID is the chosen unit; 0 with NewUnit set means a new unit, 0 without it no unit.
	UnitID  int64
	NewUnit *customer.NewUnit
	// NoUnit is the explicit choice of no unit (不指定设备): the warranty stays unknown and
	// neither repeat repairs nor open orders are checked. An existing customer who has
	// units gets no order without a unit unless this says so.
	NoUnit bool
	// AcknowledgedOpen are the unit's open orders the hotline was shown and chose to log a
	// new order beside (仍然新建); they must cover every open order of the unit.
	AcknowledgedOpen []int64
	// Order holds the call itself; its CustomerID and UnitID are filled in here.
	Order NewOrder
}

// maxAcknowledged bounds AcknowledgedOpen; OpenOrdersOfUnit shows at most 20.
const maxAcknowledged = 50

// openOrdersKey is the catalog key of Intake's refusal for a unit with open orders.
const openOrdersKey = "workorder.open_orders"

// OpenOrdersOf returns the open orders an Intake refusal for a unit with open orders
// carries, nil for any other error.
func OpenOrdersOf(err error) []Order {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Key != openOrdersKey {
		return nil
	}
	open, _ := e.Data["Orders"].([]Order)
	return open
}

// Valid checks the shape of the whole form at once, so every bad field gets its message.
func (in Intake) Valid(now time.Time, loc *time.Location) map[string]string {
	f := in.Order.Valid()
	delete(f, "customer_id")
	if in.CustomerID == 0 {
		for k, v := range in.NewCustomer.Valid() {
			f[k] = v
		}
	}
	if in.UnitID == 0 && in.NewUnit != nil {
		for k, v := range in.NewUnit.Valid(now, loc) {
			f[k] = v
		}
	}
	if len(in.AcknowledgedOpen) > maxAcknowledged {
		f["unit_id"] = "workorder.field.too_long"
	}
	return f
}

// Intake logs a repair call in one transaction: it creates the customer and the unit when
// they are new, then the order (see Create). Hotline only. A form sent twice (same intake
// key) makes one order, one customer and one unit. Invalid (unit_id) when an existing
// customer has units and none was chosen, not even NoUnit. Conflict ("workorder.open_orders",
// see OpenOrdersOf) when the chosen unit has open orders that AcknowledgedOpen does not
// cover: the caller may be chasing one of them. The new order's "create" event names
// the open orders it was logged beside.
func (s *Service) Intake(ctx context.Context, actor auth.Actor, in Intake) (Order, error) {
	if !actor.Is(auth.RoleHotline) {
		return Order{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline")
	}
	if f := in.Valid(s.now(), s.loc); len(f) > 0 {
		return Order{}, apperr.Fields(f)
	}
	if in.Order.IntakeKey != "" && in.CustomerID == 0 {
		// A new customer's form sent again must not make the customer twice: look for
		// its order first. (An existing customer's intake looks in its first statement.)
		id, err := orderIDByIntakeKey(ctx, s.pool, in.Order.IntakeKey)
		switch {
		case err != nil:
			return Order{}, err
		case id != 0:
			return s.OrderByID(ctx, actor, id)
		}
		// No order of this form yet: the transaction need not look again (the key's
		// unique index still refuses a second order of a form sent twice at once).
		in.Order.keyChecked = true
	}
	cust := customer.NewService(s.pool, s.now, s.loc)
	var o Order
	var made intakeReplay
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if in.CustomerID != 0 {
			if err := intakeUnitRules(ctx, tx, actor, &in); err != nil {
				return err
			}
		}
		if in.CustomerID == 0 {
			c, err := cust.CreateCustomerTx(ctx, tx, actor, in.NewCustomer)
			if err != nil {
				return err
			}
			in.CustomerID = c.ID
		}
		if in.UnitID == 0 && in.NewUnit != nil {
			u, err := cust.AddUnitTx(ctx, tx, actor, in.CustomerID, *in.NewUnit)
			if err != nil {
				return err
			}
			in.UnitID = u.ID
		}
		in.Order.CustomerID, in.Order.UnitID = in.CustomerID, in.UnitID
		var err error
		o, err = s.CreateTx(ctx, tx, actor, in.Order)
		return err
	})
	if errors.As(err, &made) {
		// The same form sent again: the order it made.
		return s.OrderByID(ctx, actor, made.id)
	}
	if err != nil && in.Order.IntakeKey != "" && apperr.CodeOf(err) == apperr.Conflict {
		// The other copy of a double submit won the race on the intake key.
		if existing, ferr := s.byIntakeKey(ctx, actor, in.Order.IntakeKey); ferr == nil {
			return existing, nil
		}
	}
	return o, err
}

// intakeUnitRules applies intake's unit rules for an existing customer the actor sees:
// a customer who has units gets no order without one unless NoUnit says so, and a unit
// with open orders gets another only when AcknowledgedOpen covers them all (they are
// then recorded on the new order). It locks the unit, so intakes on one unit take turns
// and each sees the order the one before logged.
func intakeUnitRules(ctx context.Context, tx pgx.Tx, actor auth.Actor, in *Intake) error {
	// The customer as the new order needs it, held, and whether it has units; kept for
	// the order (CreateTx need not read it again).
	// So is the order the form's key made, if any: the form sent again.
	var c caller
	var hasUnits bool
	var made *int64
	err := scanCaller(tx.QueryRow(ctx, callerSQL, in.CustomerID, in.Order.IntakeKey), &c, &hasUnits, &made)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return db.Translate(err, "intake customer")
	}
	if err == nil && made != nil {
		return intakeReplay{*made}
	}
	if err != nil || !actor.Sees(c.station) {
		return apperr.Fields(map[string]string{"customer_id": "workorder.field.customer_required"})
	}
	in.Order.caller = &c
	if in.Order.IntakeKey != "" {
		in.Order.keyChecked = true
	}
	if in.UnitID == 0 {
		if hasUnits && in.NewUnit == nil && !in.NoUnit {
			return apperr.Fields(map[string]string{"unit_id": "workorder.field.unit_required"})
		}
		return nil
	}
	u, err := unitOf(ctx, tx, in.UnitID, in.CustomerID, true)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.Fields(map[string]string{"unit_id": "workorder.field.unit_not_customers"})
	} else if err != nil {
		return db.Translate(err, "intake unit")
	}
	in.Order.unit = &u
	open, err := collectOrders(tx.Query(ctx, selectOrder+` WHERE o.unit_id = $1 AND `+workflow.OpenSQL("o")+` ORDER BY o.created_at, o.id`, in.UnitID))
	if err != nil {
		return err
	}
	in.Order.AcknowledgedOpen = nil
	for _, o := range open {
		if !slices.Contains(in.AcknowledgedOpen, o.ID) {
			return apperr.New(apperr.Conflict, openOrdersKey, "Count", len(open), "Orders", open)
		}
		in.Order.AcknowledgedOpen = append(in.Order.AcknowledgedOpen, o.ID)
	}
	return nil
}

// intakeReplay is the order an intake form made, found when the form is sent again.
type intakeReplay struct{ id int64 }

func (r intakeReplay) Error() string { return fmt.Sprintf("intake form sent again: order %d", r.id) }

// UnitStatus is what intake shows for one of the caller's units.
type UnitStatus struct {
	Unit customer.Unit
	// Warranty is in, out or unknown (manufacturer's warranty today); repair when the
	// unit was repaired within the repair-warranty period (then RepeatOf is that order).
	Warranty    string
	WarrantyEnd *time.Time
	RepeatOf    *Order
	// Open are the unit's orders not closed or cancelled: the caller may be chasing one.
	Open []Order
}

// CallerView is the intake panel for a chosen customer.
type CallerView struct {
	Customer customer.Customer
	Units    []UnitStatus
}

// Caller returns a customer the actor sees with each unit's warranty, repeat-repair
// link and open orders (NotFound otherwise).
func (s *Service) Caller(ctx context.Context, actor auth.Actor, customerID int64) (CallerView, error) {
	cust := customer.NewService(s.pool, s.now, s.loc)
	c, err := cust.CustomerByID(ctx, actor, customerID)
	if err != nil {
		return CallerView{}, err
	}
	units, err := cust.Units(ctx, actor, customerID)
	if err != nil {
		return CallerView{}, err
	}
	st, err := s.Settings(ctx, c.StationID)
	if err != nil {
		return CallerView{}, err
	}
	now := s.now()
	v := CallerView{Customer: c}
	for _, u := range units {
		us := UnitStatus{Unit: u, Warranty: "unknown"}
		if in, known := u.InWarranty(now, s.loc); known {
			us.Warranty = map[bool]string{true: "in", false: "out"}[in]
			end, _ := u.WarrantyEnd()
			us.WarrantyEnd = &end
		}
		prev, err := earlierRepair(ctx, s.pool, u.ID, st, now)
		if err != nil {
			return CallerView{}, err
		}
		if prev != 0 {
			if p, err := s.OrderByID(ctx, actor, prev); err == nil {
				us.RepeatOf, us.Warranty = &p, "repair"
			}
		}
		if us.Open, err = s.OpenOrdersOfUnit(ctx, actor, u.ID); err != nil {
			return CallerView{}, err
		}
		v.Units = append(v.Units, us)
	}
	return v, nil
}
