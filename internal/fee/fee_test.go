package fee_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is a fresh copy of the demo base data with the services, demo actors and two
// units of one customer: one out of warranty (bought 2019), one in warranty.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	now  func() time.Time
	svc  *fee.Service
	wo   *wo.Service
	// users by demo username
	users                     testkit.Users
	customerID, outID, inUnit int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock().Now
	f := &fixture{t: t, ctx: context.Background(), pool: pool, now: clock, svc: fee.NewService(pool, clock),
		wo: wo.NewService(pool, clock, testkit.Shanghai), users: testkit.LoadUsers(t, pool)}
	cust := customer.NewService(pool, clock, testkit.Shanghai)
	c, err := cust.CreateCustomer(f.ctx, f.actor("hotline"), customer.NewCustomer{Name: "费用测试有限公司", ContactPerson: "李工", Phones: []string{"138 0000 5678"}, Addresses: []string{"上海市闵行区测试路2号"}})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)
	u1, err := cust.AddUnit(f.ctx, f.actor("hotline"), c.ID, customer.NewUnit{Brand: "复盛", Model: "SA-60A", Serial: "SN-FEE-OUT", PurchaseDate: &old, WarrantyMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	recent := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	u2, err := cust.AddUnit(f.ctx, f.actor("hotline"), c.ID, customer.NewUnit{Brand: "复盛", Model: "SA-60A", Serial: "SN-FEE-IN", PurchaseDate: &recent, WarrantyMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	f.customerID, f.outID, f.inUnit = c.ID, u1.ID, u2.ID
	return f
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

// orderIn drives a new on-site repair of unit through the real workflow into state s
// (in_progress or awaiting_callback), assigned to tech1.
func (f *fixture) orderIn(unit int64, s wo.State) wo.Order {
	f.t.Helper()
	call := wo.NewOrder{CustomerID: f.customerID, UnitID: unit, Channel: "phone", Symptom: "排气温度高", Urgency: "normal", ServiceType: "repair"}
	o := testkit.OrderIn(f.t, f.wo, testkit.DemoRoute(f.users, call, f.now), s, false)
	if o.State != s {
		f.t.Fatalf("orderIn: %s, want %s", o.State, s)
	}
	return o
}

// usePart records parts used on the order (as completion does, after issue) with a
// part of the given catalogue price.
func (f *fixture) usePart(orderID int64, code, price string, qty int) {
	f.t.Helper()
	var partID int64
	if err := f.pool.QueryRow(f.ctx, `INSERT INTO parts (code, name, spec, unit_price) VALUES ($1, '温控阀芯', 'DN25', $2::numeric) RETURNING id`, code, price).Scan(&partID); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `INSERT INTO order_parts_used (order_id, part_id, quantity) VALUES ($1, $2, $3)`, orderID, partID, qty); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) feesState(orderID int64) string {
	f.t.Helper()
	var s string
	if err := f.pool.QueryRow(f.ctx, `SELECT fees_state FROM work_orders WHERE id = $1`, orderID).Scan(&s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) fees(name string, orderID int64) fee.OrderFees {
	f.t.Helper()
	of, err := f.svc.OrderFees(f.ctx, f.actor(name), orderID)
	if err != nil {
		f.t.Fatalf("order fees as %s: %v", name, err)
	}
	return of
}

func labourID(t *testing.T, of fee.OrderFees, code string) int64 {
	t.Helper()
	for _, it := range of.Labour {
		if it.Code == code {
			return it.ID
		}
	}
	t.Fatalf("no labour item %s among %v", code, of.Labour)
	return 0
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
	return apperr.As(err)
}

// An out-of-warranty completed order: visit + labour + parts at catalogue price, exact
// amounts, pending until settled with the right amount; then frozen, and the callback
// may close it.
func TestOutOfWarrantyQuoteAndSettlement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(f.outID, wo.AwaitingCallback)
	if o.Warranty != "out" {
		t.Fatalf("warranty %s, want out", o.Warranty)
	}
	f.usePart(o.ID, "T-3333", "33.33", 3)

	of := f.fees("hotline", o.ID)
	if len(of.Lines) != 2 || of.Lines[0].Kind != "visit" || of.Lines[1].Kind != "part" {
		t.Fatalf("lines %+v, want visit and part", of.Lines)
	}
	if l := of.Lines[1]; l.UnitPriceFen != 3333 || l.Quantity != 3 || l.AmountFen != 9999 || !l.Chargeable {
		t.Errorf("part line %+v, want 3 × 3333 = 9999", l)
	}
	if of.ChargeableFen != 10000+9999 || fee.FormatFen(of.ChargeableFen) != "¥199.99" {
		t.Errorf("total %d (%s)", of.ChargeableFen, fee.FormatFen(of.ChargeableFen))
	}
	if f.feesState(o.ID) != "pending" || of.State != "pending" {
		t.Errorf("fees_state %s, want pending", f.feesState(o.ID))
	}
	// Opening the page again adds nothing.
	if again := f.fees("hotline", o.ID); len(again.Lines) != 2 {
		t.Errorf("second open: %d lines", len(again.Lines))
	}
	// The callback cannot close the order while fees are pending.
	cur, _ := f.wo.OrderByID(f.ctx, f.actor("hotline"), o.ID)
	_, err := f.wo.RecordCallback(f.ctx, f.actor("hotline"), o.ID, cur.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "满意"})
	wantCode(t, "satisfied while pending", err, apperr.IllegalTransition)

	// Labour from the schedule.
	repair := labourID(t, of, "REPAIR")
	if err := f.svc.AddLabour(f.ctx, f.actor("hotline"), o.ID, repair, 2); err != nil {
		t.Fatal(err)
	}
	of = f.fees("hotline", o.ID)
	if of.ChargeableFen != 10000+9999+40000 {
		t.Fatalf("total with labour %d", of.ChargeableFen)
	}
	// A changed catalogue price does not move the quote.
	if _, err := f.pool.Exec(f.ctx, `UPDATE parts SET unit_price = 50 WHERE code = 'T-3333'`); err != nil {
		t.Fatal(err)
	}
	if got := f.fees("hotline", o.ID).ChargeableFen; got != 59999 {
		t.Errorf("after a catalogue change %d", got)
	}

	// The customer confirms by phone.
	if err := f.svc.Confirm(f.ctx, f.actor("hotline"), o.ID, "phone", "李工"); err != nil {
		t.Fatal(err)
	}
	of = f.fees("hotline", o.ID)
	if of.Confirmation == nil || of.Confirmation.TotalFen != 59999 || of.Confirmation.Via != "phone" || of.Stale {
		t.Errorf("confirmation %+v stale=%v", of.Confirmation, of.Stale)
	}

	// Settlement: the wrong amount, a missing receipt number and an unknown method are refused.
	e := wantCode(t, "wrong amount", f.svc.Settle(f.ctx, f.actor("hotline"), o.ID, 59998, "wechat", "WX-1"), apperr.Invalid)
	if e.Fields["amount"] != "fee.field.amount_mismatch" {
		t.Errorf("fields %v", e.Fields)
	}
	e = wantCode(t, "no receipt", f.svc.Settle(f.ctx, f.actor("hotline"), o.ID, 59999, "cash", " "), apperr.Invalid)
	if e.Fields["receipt_no"] != "fee.field.receipt_required" {
		t.Errorf("fields %v", e.Fields)
	}
	e = wantCode(t, "bad method", f.svc.Settle(f.ctx, f.actor("hotline"), o.ID, 59999, "bitcoin", "X"), apperr.Invalid)
	if e.Fields["method"] != "fee.field.method" {
		t.Errorf("fields %v", e.Fields)
	}
	wantCode(t, "supervisor settles", f.svc.Settle(f.ctx, f.actor("supervisor"), o.ID, 59999, "cash", "R-1"), apperr.Forbidden)
	if f.feesState(o.ID) != "pending" {
		t.Fatal("a refused settlement changed fees_state")
	}
	if err := f.svc.Settle(f.ctx, f.actor("hotline"), o.ID, 59999, "wechat", "WX-20261123-01"); err != nil {
		t.Fatal(err)
	}
	of = f.fees("hotline", o.ID)
	if of.State != "settled" || f.feesState(o.ID) != "settled" || of.Settlement == nil || of.Settlement.AmountFen != 59999 || of.Settlement.Method != "wechat" {
		t.Fatalf("after settlement: state %s, %+v", of.State, of.Settlement)
	}
	if of.Can.EditLines || of.Can.Settle || of.Can.Confirm {
		t.Errorf("settled order still offers changes: %+v", of.Can)
	}

	// Settled: lines cannot change, nor can it be settled again.
	wantCode(t, "add after settlement", f.svc.AddLabour(f.ctx, f.actor("hotline"), o.ID, repair, 1), apperr.Conflict)
	wantCode(t, "delete after settlement", f.svc.DeleteLine(f.ctx, f.actor("hotline"), o.ID, of.Lines[0].ID), apperr.Conflict)
	wantCode(t, "settle twice", f.svc.Settle(f.ctx, f.actor("hotline"), o.ID, 59999, "cash", "R-2"), apperr.Conflict)

	// Now the callback closes the order.
	cur, _ = f.wo.OrderByID(f.ctx, f.actor("hotline"), o.ID)
	if _, err := f.wo.RecordCallback(f.ctx, f.actor("hotline"), o.ID, cur.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "满意"}); err != nil {
		t.Fatalf("satisfied after settlement: %v", err)
	}

	// A new fault on the same unit within the repair warranty is a repeat repair: free.
	rep := f.orderIn(f.outID, wo.InProgress)
	if rep.Warranty != "repair" {
		t.Fatalf("repeat repair warranty %s", rep.Warranty)
	}
	rf := f.fees("tech1", rep.ID)
	if len(rf.Lines) != 1 || rf.Lines[0].Chargeable || rf.Lines[0].AmountFen != 0 || rf.Lines[0].UnitPriceFen != 10000 {
		t.Errorf("repeat repair lines %+v", rf.Lines)
	}
	if rf.ChargeableFen != 0 || f.feesState(rep.ID) != "none" {
		t.Errorf("repeat repair total %d, state %s", rf.ChargeableFen, f.feesState(rep.ID))
	}
}

// An in-warranty order lists its lines at zero and has nothing to settle.
func TestInWarrantyIsListedAtZero(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(f.inUnit, wo.AwaitingCallback)
	if o.Warranty != "in" {
		t.Fatalf("warranty %s, want in", o.Warranty)
	}
	f.usePart(o.ID, "T-IN", "120.00", 1)
	of := f.fees("hotline", o.ID)
	if err := f.svc.AddLabour(f.ctx, f.actor("tech1"), o.ID, labourID(t, of, "MAJOR"), 1); err != nil {
		t.Fatal(err)
	}
	of = f.fees("hotline", o.ID)
	if len(of.Lines) != 3 {
		t.Fatalf("lines %+v, want visit, labour, part", of.Lines)
	}
	for _, l := range of.Lines {
		if l.Chargeable || l.AmountFen != 0 || l.UnitPriceFen == 0 {
			t.Errorf("line %+v: want listed price, amount 0", l)
		}
	}
	if of.ChargeableFen != 0 || of.ListFen != 10000+80000+12000 || f.feesState(o.ID) != "none" {
		t.Errorf("total %d, list %d, state %s", of.ChargeableFen, of.ListFen, f.feesState(o.ID))
	}
	wantCode(t, "settle nothing", f.svc.Settle(f.ctx, f.actor("hotline"), o.ID, 0, "cash", "R"), apperr.Conflict)
	cur, _ := f.wo.OrderByID(f.ctx, f.actor("hotline"), o.ID)
	if _, err := f.wo.RecordCallback(f.ctx, f.actor("hotline"), o.ID, cur.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "满意"}); err != nil {
		t.Fatalf("in-warranty close: %v", err)
	}
	// Closed: fees are frozen.
	wantCode(t, "add on closed", f.svc.AddLabour(f.ctx, f.actor("hotline"), o.ID, labourID(t, of, "MAJOR"), 1), apperr.Conflict)
}

// Who may do what, and the quote's lifecycle before the work is done.
func TestRolesAndQuoteBeforeWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(f.outID, wo.InProgress)

	_, err := f.svc.OrderFees(f.ctx, f.actor("tech2"), o.ID)
	wantCode(t, "tech2 on tech1's order", err, apperr.NotFound)
	of := f.fees("tech1", o.ID)
	if !of.Can.EditLines || !of.Can.Confirm || of.Can.Via != "tablet" || of.Can.Settle {
		t.Errorf("technician may %+v", of.Can)
	}
	if len(of.Lines) != 1 || of.Lines[0].Kind != "visit" || of.ChargeableFen != 10000 || f.feesState(o.ID) != "pending" {
		t.Fatalf("quote before work %+v, state %s", of.Lines, f.feesState(o.ID))
	}
	maint := labourID(t, of, "MAINT")
	wantCode(t, "manager adds labour", f.svc.AddLabour(f.ctx, f.actor("manager"), o.ID, maint, 1), apperr.Forbidden)
	wantCode(t, "tech2 adds labour", f.svc.AddLabour(f.ctx, f.actor("tech2"), o.ID, maint, 1), apperr.NotFound)
	e := wantCode(t, "quantity 0", f.svc.AddLabour(f.ctx, f.actor("tech1"), o.ID, maint, 0), apperr.Invalid)
	if e.Fields["quantity"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	var visitItem int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM fee_items WHERE code = 'VISIT'`).Scan(&visitItem); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "visit item as labour", f.svc.AddLabour(f.ctx, f.actor("tech1"), o.ID, visitItem, 1), apperr.Invalid)
	if err := f.svc.AddLabour(f.ctx, f.actor("tech1"), o.ID, maint, 1); err != nil {
		t.Fatal(err)
	}

	// Technicians confirm on the tablet, not by phone; the manager does not confirm.
	e = wantCode(t, "tech via phone", f.svc.Confirm(f.ctx, f.actor("tech1"), o.ID, "phone", "李工"), apperr.Invalid)
	if e.Fields["via"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	wantCode(t, "manager confirms", f.svc.Confirm(f.ctx, f.actor("manager"), o.ID, "phone", "李工"), apperr.Forbidden)
	e = wantCode(t, "no name", f.svc.Confirm(f.ctx, f.actor("tech1"), o.ID, "tablet", "  "), apperr.Invalid)
	if e.Fields["customer_name"] != "field.required" {
		t.Errorf("fields %v", e.Fields)
	}
	if err := f.svc.Confirm(f.ctx, f.actor("tech1"), o.ID, "tablet", "李工"); err != nil {
		t.Fatal(err)
	}
	of = f.fees("tech1", o.ID)
	if of.Confirmation == nil || of.Confirmation.TotalFen != 40000 || of.Stale {
		t.Fatalf("confirmation %+v stale %v", of.Confirmation, of.Stale)
	}
	// Deleting the visit line changes the quote: the confirmation is stale, and the
	// visit line is not added again.
	if err := f.svc.DeleteLine(f.ctx, f.actor("supervisor"), o.ID, of.Lines[0].ID); err != nil {
		t.Fatal(err)
	}
	of = f.fees("tech1", o.ID)
	if len(of.Lines) != 1 || of.Lines[0].Kind != "labour" || !of.Stale || of.ChargeableFen != 30000 {
		t.Errorf("after deleting the visit line: %+v stale %v", of.Lines, of.Stale)
	}
	// Not settled before the work is done.
	wantCode(t, "settle in progress", f.svc.Settle(f.ctx, f.actor("hotline"), o.ID, 30000, "cash", "R-1"), apperr.Conflict)
	// Deleting the last chargeable line: nothing chargeable, fees_state none.
	if err := f.svc.DeleteLine(f.ctx, f.actor("hotline"), o.ID, of.Lines[0].ID); err != nil {
		t.Fatal(err)
	}
	if f.feesState(o.ID) != "none" {
		t.Errorf("fees_state %s, want none", f.feesState(o.ID))
	}
}

// Two settlements at once: the order row lock lets exactly one through.
func TestConcurrentSettlement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.orderIn(f.outID, wo.AwaitingCallback)
	total := f.fees("hotline", o.ID).ChargeableFen
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []string{"hotline", "manager"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.svc.Settle(f.ctx, f.actor(who), o.ID, total, "cash", "R-"+who)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("loser: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d settlements succeeded: %v", ok, errs)
	}
}

func TestScheduleIsTheManagers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, who := range []string{"hotline", "supervisor", "tech1"} {
		_, err := f.svc.ScheduleOf(f.ctx, f.actor(who), f.actor(who).StationID)
		wantCode(t, who+" schedule", err, apperr.Forbidden)
		_, err = f.svc.SaveItem(f.ctx, f.actor(who), fee.ItemInput{Code: "X", Name: "x", Kind: "labour", PriceFen: 1})
		wantCode(t, who+" save", err, apperr.Forbidden)
		wantCode(t, who+" deactivate", f.svc.DeactivateItem(f.ctx, f.actor(who), 1), apperr.Forbidden)
	}
	// The items belong to headquarters: the centre's manager may not change them.
	_, err := f.svc.SaveItem(f.ctx, f.actor("manager"), fee.ItemInput{Code: "X", Name: "x", Kind: "labour", PriceFen: 1})
	wantCode(t, "centre manager saves an item", err, apperr.Forbidden)
	wantCode(t, "centre manager deactivates", f.svc.DeactivateItem(f.ctx, f.actor("manager"), 1), apperr.Forbidden)
	m := f.actor("hq.manager")
	sc, err := f.svc.ScheduleOf(f.ctx, m, m.StationID)
	if err != nil {
		t.Fatal(err)
	}
	items := sc.Items
	if len(items) != 4 || items[0].Code != "VISIT" || items[0].PriceFen != 10000 {
		t.Fatalf("default schedule %+v", items)
	}
	it, err := f.svc.SaveItem(f.ctx, m, fee.ItemInput{Code: " clean ", Name: "清洗冷却器", Kind: "labour", PriceFen: 12345})
	if err != nil {
		t.Fatal(err)
	}
	if it.Code != "CLEAN" || it.PriceFen != 12345 || !it.Active || it.UpdatedByName == "" {
		t.Errorf("saved %+v", it)
	}
	if err := f.svc.DeactivateItem(f.ctx, m, it.ID); err != nil {
		t.Fatal(err)
	}
	// Saving the code again updates and reactivates the same item.
	again, err := f.svc.SaveItem(f.ctx, m, fee.ItemInput{Code: "CLEAN", Name: "清洗冷却器", Kind: "labour", PriceFen: 15000})
	if err != nil || again.ID != it.ID || !again.Active || again.PriceFen != 15000 {
		t.Errorf("resave %+v %v", again, err)
	}
	_, err = f.svc.SaveItem(f.ctx, m, fee.ItemInput{Code: "", Name: "", Kind: "parts", PriceFen: -1})
	e := wantCode(t, "invalid item", err, apperr.Invalid)
	for _, k := range []string{"code", "name", "kind", "price"} {
		if e.Fields[k] == "" {
			t.Errorf("no message for %s: %v", k, e.Fields)
		}
	}
	wantCode(t, "deactivate missing", f.svc.DeactivateItem(f.ctx, m, 999999), apperr.NotFound)
}

func TestMoney(t *testing.T) {
	t.Parallel()
	for fen, want := range map[int64]string{0: "¥0.00", 5: "¥0.05", 9999: "¥99.99", 123450: "¥1,234.50", 100000000: "¥1,000,000.00", -250: "-¥2.50"} {
		if got := fee.FormatFen(fen); got != want {
			t.Errorf("FormatFen(%d) = %q, want %q", fen, got, want)
		}
	}
	for in, want := range map[string]int64{"300": 30000, "33.33": 3333, "0.1": 10, "1,234.5": 123450, "¥99.99": 9999, "１２．５": 1250, " 7 ": 700, "1.": 100} {
		if got, ok := fee.ParseYuan(in); !ok || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "1.234", "abc", "1e3", ".5", "12345678901", "NaN"} {
		if _, ok := fee.ParseYuan(in); ok {
			t.Errorf("ParseYuan(%q) accepted", in)
		}
	}
	if fee.FenInput(59999) != "599.99" || fee.FenInput(100) != "1.00" {
		t.Errorf("FenInput %s %s", fee.FenInput(59999), fee.FenInput(100))
	}
	// 3 × ¥33.33 in fen is exact.
	p, _ := fee.ParseYuan("33.33")
	if fee.FormatFen(3*p) != "¥99.99" {
		t.Errorf("3 × 33.33 = %s", fee.FormatFen(3*p))
	}
}
