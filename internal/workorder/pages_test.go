package workorder_test

import (
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/fee"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// idsOf are the ids of orders, in their order.
func idsOf(orders []wo.Order) []int64 {
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	return ids
}

// TestCustomerPage: one call returns the customer with phones and addresses, units,
// history, the orders the actor sees, and CanEdit exactly when UpdateCustomer would
// accept the actor's edit.
func TestCustomerPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	open := f.create()
	mine := f.orderIn(wo.Dispatched, false)

	p, err := f.svc.CustomerPage(f.ctx, f.actor("hotline"), f.customerID)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Customer
	if c.ID != f.customerID || c.Name != "测试客户有限公司" || c.ContactPerson != "王工" || len(c.Phones) != 1 || c.Phones[0].Raw != "138 0000 1234" ||
		len(c.Addresses) != 1 || c.Addresses[0].Address != "上海市浦东新区测试路1号" {
		t.Errorf("customer %+v", c)
	}
	if len(p.Units) != 1 || p.Units[0].ID != f.unitID || p.Units[0].Serial != "SN-TEST-1" {
		t.Errorf("units %+v", p.Units)
	}
	if len(p.History) != 2 || p.History[0].Kind != "unit_added" || p.History[1].Kind != "created" || p.History[1].ActorName != "陈晓燕" {
		t.Errorf("history %+v", p.History)
	}
	if got, want := idsOf(p.Orders), []int64{mine.ID, open.ID}; !slices.Equal(got, want) {
		t.Errorf("orders %v, want %v (newest first)", got, want)
	}
	// The technician sees only the order assigned to them.
	tp, err := f.svc.CustomerPage(f.ctx, f.actor("tech1"), f.customerID)
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(tp.Orders); !slices.Equal(got, []int64{mine.ID}) {
		t.Errorf("tech1's orders %v, want only %d", got, mine.ID)
	}

	// CanEdit is what the service accepts: an edit that changes nothing succeeds for
	// those who keep the archive and is Forbidden for the others.
	edit := customer.EditCustomer{Name: c.Name, ContactPerson: c.ContactPerson, Phones: []string{c.Phones[0].Raw}, Addresses: []string{c.Addresses[0].Address}}
	for _, user := range []string{"hotline", "supervisor", "manager", "tech1", "storekeeper"} {
		a := f.actor(user)
		p, err := f.svc.CustomerPage(f.ctx, a, f.customerID)
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		_, err = f.cust.UpdateCustomer(f.ctx, a, f.customerID, c.Version, edit)
		if p.CanEdit != (err == nil) || (err != nil && apperr.CodeOf(err) != apperr.Forbidden) {
			t.Errorf("%s: CanEdit %v, UpdateCustomer: %v", user, p.CanEdit, err)
		}
	}
	want := map[string]bool{"hotline": true, "supervisor": true, "manager": true, "tech1": false, "storekeeper": false}
	for user, can := range want {
		if p, _ := f.svc.CustomerPage(f.ctx, f.actor(user), f.customerID); p.CanEdit != can {
			t.Errorf("%s: CanEdit %v, want %v", user, p.CanEdit, can)
		}
	}

	// Another station's customer, and one that does not exist, are not found.
	for user, id := range map[string]int64{"sz.hotline": f.customerID, "hotline": 999999} {
		if p, err := f.svc.CustomerPage(f.ctx, f.actor(user), id); apperr.CodeOf(err) != apperr.NotFound || p.Customer.ID != 0 || p.Orders != nil {
			t.Errorf("%s customer %d: %v %+v", user, id, err, p)
		}
	}
}

// TestUnitPage: one call returns the unit, its customer and its repair history as the
// actor sees it.
func TestUnitPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.create()
	idle, err := f.cust.AddUnit(f.ctx, f.actor("hotline"), f.customerID, customer.NewUnit{Model: "SA-75A", Serial: "SN-TEST-2"})
	if err != nil {
		t.Fatal(err)
	}

	p, err := f.svc.UnitPage(f.ctx, f.actor("hotline"), f.unitID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Unit.ID != f.unitID || p.Unit.CustomerID != f.customerID || p.Unit.Serial != "SN-TEST-1" || p.Unit.WarrantyMonths != 12 || p.Unit.PurchaseDate == nil {
		t.Errorf("unit %+v", p.Unit)
	}
	if p.Customer.ID != f.customerID || p.Customer.Name != "测试客户有限公司" || len(p.Customer.Phones) != 1 || len(p.Customer.Addresses) != 1 {
		t.Errorf("customer %+v", p.Customer)
	}
	if got := idsOf(p.Orders); !slices.Equal(got, []int64{o.ID}) {
		t.Errorf("orders %v, want %d", got, o.ID)
	}
	if p, err := f.svc.UnitPage(f.ctx, f.actor("hotline"), idle.ID); err != nil || p.Unit.ID != idle.ID || len(p.Orders) != 0 {
		t.Errorf("unit without orders: %v %+v", err, p)
	}
	// The technician does not see an order that is not theirs.
	if p, err := f.svc.UnitPage(f.ctx, f.actor("tech1"), f.unitID); err != nil || len(p.Orders) != 0 {
		t.Errorf("tech1: %v, %d orders", err, len(p.Orders))
	}
	for user, id := range map[string]int64{"sz.hotline": f.unitID, "hotline": 999999} {
		if p, err := f.svc.UnitPage(f.ctx, f.actor(user), id); apperr.CodeOf(err) != apperr.NotFound || p.Unit.ID != 0 || p.Customer.ID != 0 {
			t.Errorf("%s unit %d: %v %+v", user, id, err, p)
		}
	}
}

// TestReportPage: one call returns the order, its fees brought up to date with the parts
// used, and its signature, for those who see the order only.
func TestReportPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(wo.AwaitingCallback, false)
	var partID int64
	if err := f.pool.QueryRow(f.ctx, `INSERT INTO parts (code, name, spec, unit_price) VALUES ('RPT-1', '温控阀芯', 'DN25', 120) RETURNING id`).Scan(&partID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `INSERT INTO order_parts_used (order_id, part_id, quantity) VALUES ($1, $2, 2)`, o.ID, partID); err != nil {
		t.Fatal(err)
	}

	for _, user := range []string{"tech1", "hotline", "supervisor", "manager"} {
		p, err := f.svc.ReportPage(f.ctx, f.actor(user), o.ID)
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		if p.Order.ID != o.ID || p.Order.State != wo.AwaitingCallback || p.Order.Diagnosis != "温控阀卡滞" || p.Order.AssigneeName != "张伟" {
			t.Errorf("%s: order %+v", user, p.Order)
		}
		if len(p.Fees.Parts) != 1 || p.Fees.Parts[0].Code != "RPT-1" || p.Fees.Parts[0].Quantity != 2 {
			t.Errorf("%s: parts used %+v", user, p.Fees.Parts)
		}
		// The quote is brought up to date on reading: the part used has its line.
		if !slices.ContainsFunc(p.Fees.Lines, func(l fee.Line) bool { return l.PartID != nil && *l.PartID == partID && l.Quantity == 2 }) {
			t.Errorf("%s: no line for the part used: %+v", user, p.Fees.Lines)
		}
		if p.Fees.OrderID != o.ID {
			t.Errorf("%s: fees of order %d", user, p.Fees.OrderID)
		}
		if n := slices.IndexFunc(p.Files, func(file attach.File) bool { return file.Kind == attach.Signature }); n < 0 || p.Files[n].OrderID != o.ID {
			t.Errorf("%s: files %+v lack the signature", user, p.Files)
		}
	}
	for user, id := range map[string]int64{"tech2": o.ID, "sz.hotline": o.ID, "hotline": 999999} {
		if p, err := f.svc.ReportPage(f.ctx, f.actor(user), id); apperr.CodeOf(err) != apperr.NotFound || p.Order.ID != 0 || p.Files != nil {
			t.Errorf("%s report %d: %v", user, id, err)
		}
	}
}

// TestCallbackPage: one call returns the queue with its attempts, the stations to filter
// by, and CanCall exactly when RecordCallback accepts the actor's call.
func TestCallbackPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hot := f.actor("hotline")
	o := f.orderIn(wo.AwaitingCallback, false)
	o = f.must(f.svc.RecordCallback(f.ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "no_answer", Note: "上午无人接"}))

	p, err := f.svc.CallbackPage(f.ctx, hot, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := idsOf(p.Orders); !slices.Equal(got, []int64{o.ID}) {
		t.Errorf("queue %v, want %d", got, o.ID)
	}
	if a := p.Attempts[o.ID]; len(a) != 1 || a[0].Outcome != "no_answer" || a[0].Note != "上午无人接" || a[0].ByName != "陈晓燕" {
		t.Errorf("attempts %+v", a)
	}
	stationIDs := func(p wo.CallbackPage) []int64 {
		var ids []int64
		for _, s := range p.Stations {
			ids = append(ids, s.ID)
		}
		return ids
	}
	if !slices.Equal(stationIDs(p), hot.Stations) {
		t.Errorf("stations %v, want the hotline's %v", stationIDs(p), hot.Stations)
	}
	if p, err := f.svc.CallbackPage(f.ctx, hot, 0, "maintenance"); err != nil || len(p.Orders) != 0 {
		t.Errorf("another service type: %v, %d orders", err, len(p.Orders))
	}

	// The manager filters by station; the choices stay all of theirs.
	mgr := f.actor("manager")
	var sz int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM stations WHERE code = 'SZ'`).Scan(&sz); err != nil {
		t.Fatal(err)
	}
	mp, err := f.svc.CallbackPage(f.ctx, mgr, sz, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(mp.Orders) != 0 || len(mp.Stations) < 2 || !slices.Equal(stationIDs(mp), mgr.Stations) {
		t.Errorf("manager, Suzhou: %d orders, stations %v (theirs %v)", len(mp.Orders), stationIDs(mp), mgr.Stations)
	}
	if _, err := f.svc.CallbackPage(f.ctx, hot, sz, ""); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("hotline filters by another station: %v", err)
	}
	for _, user := range []string{"tech1", "storekeeper", "admin"} {
		if _, err := f.svc.CallbackPage(f.ctx, f.actor(user), 0, ""); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s: %v", user, err)
		}
	}

	// CanCall is what the service accepts: the hotline records a call, the others are
	// refused.
	for _, user := range []string{"supervisor", "manager", "hotline"} {
		a := f.actor(user)
		p, err := f.svc.CallbackPage(f.ctx, a, 0, "")
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		cur := f.must(f.svc.OrderByID(f.ctx, hot, o.ID))
		_, err = f.svc.RecordCallback(f.ctx, a, o.ID, cur.Version, wo.Callback{Outcome: "no_answer"})
		if p.CanCall != (err == nil) || (err != nil && apperr.CodeOf(err) != apperr.Forbidden) {
			t.Errorf("%s: CanCall %v, RecordCallback: %v", user, p.CanCall, err)
		}
		if p.CanCall != (user == "hotline") {
			t.Errorf("%s: CanCall %v", user, p.CanCall)
		}
	}
}
