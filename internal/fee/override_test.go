package fee_test

import (
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/fee"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// itemID is the id of the schedule item with code.
func (f *fixture) itemID(code string) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM fee_items WHERE code = $1`, code).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func labourPrice(t *testing.T, of fee.OrderFees, code string) (int64, bool) {
	t.Helper()
	for _, it := range of.Labour {
		if it.Code == code {
			return it.PriceFen, true
		}
	}
	return 0, false
}

// TestFeeOverridePricesOnlyThatOutletsOrders: Suzhou's own prices leave Shanghai's
// orders at headquarters' prices; Shanghai's own price and a locally deactivated item
// reach Shanghai's orders; reset, headquarters' price is back.
func TestFeeOverridePricesOnlyThatOutletsOrders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.actor("manager")
	sz, sh := f.actor("sz.hotline").StationID, f.actor("hotline").StationID
	visit, repair, major := f.itemID("VISIT"), f.itemID("REPAIR"), f.itemID("MAJOR")
	if err := f.svc.SetOverride(f.ctx, m, sz, visit, 15000, true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetOverride(f.ctx, m, sz, repair, 25000, true); err != nil {
		t.Fatal(err)
	}
	o := f.orderIn(f.outID, wo.InProgress)
	of := f.fees("hotline", o.ID)
	if len(of.Lines) != 1 || of.Lines[0].Kind != "visit" || of.Lines[0].UnitPriceFen != 10000 {
		t.Fatalf("Shanghai's visit line %+v", of.Lines)
	}
	if p, _ := labourPrice(t, of, "REPAIR"); p != 20000 {
		t.Errorf("Shanghai's repair price %d", p)
	}
	sc, err := f.svc.ScheduleOf(f.ctx, m, sz)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range sc.Items {
		if it.Code == "VISIT" && (it.PriceFen != 15000 || it.BasePriceFen != 10000 || it.PriceFrom == nil || *it.PriceFrom != sz) {
			t.Errorf("Suzhou's visit item %+v", it)
		}
	}

	// Shanghai's own repair price and no major repairs at Shanghai.
	if err := f.svc.SetOverride(f.ctx, m, sh, repair, 18000, true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetOverride(f.ctx, m, sh, major, 80000, false); err != nil {
		t.Fatal(err)
	}
	of = f.fees("hotline", o.ID)
	if p, _ := labourPrice(t, of, "REPAIR"); p != 18000 {
		t.Errorf("Shanghai's own repair price %d", p)
	}
	if _, ok := labourPrice(t, of, "MAJOR"); ok {
		t.Error("an item off Shanghai's schedule is offered")
	}
	if err := f.svc.AddLabour(f.ctx, f.actor("hotline"), o.ID, repair, 1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "add an item off the schedule", f.svc.AddLabour(f.ctx, f.actor("hotline"), o.ID, major, 1), apperr.Invalid)
	of = f.fees("hotline", o.ID)
	if len(of.Lines) != 2 || of.Lines[1].UnitPriceFen != 18000 || of.ChargeableFen != 28000 {
		t.Errorf("lines %+v total %d", of.Lines, of.ChargeableFen)
	}
	// The override keeps only what differs from above: the price equals headquarters'.
	var price *int64
	if err := f.pool.QueryRow(f.ctx, `SELECT price_fen FROM fee_item_overrides WHERE station_id = $1 AND fee_item_id = $2`, sh, major).Scan(&price); err != nil || price != nil {
		t.Errorf("major's own price %v %v", price, err)
	}

	if err := f.svc.ResetOverride(f.ctx, m, sh, repair); err != nil {
		t.Fatal(err)
	}
	if p, _ := labourPrice(t, f.fees("hotline", o.ID), "REPAIR"); p != 20000 {
		t.Errorf("after the reset Shanghai's repair price %d", p)
	}
	sc, err = f.svc.ScheduleOf(f.ctx, m, sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.History) != 3 || sc.History[0].Key != "fee:REPAIR" || !sc.History[0].Reset || sc.History[0].Old != "180.00" || sc.History[0].New != "200.00" ||
		sc.History[1].New != "800.00 off" {
		t.Errorf("history %+v", sc.History)
	}
}

// TestFeeOverrideAuthority: an outlet's manager sets their outlet's prices only; the
// items themselves are headquarters'.
func TestFeeOverrideAuthority(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	szm := f.actor("sz.manager")
	repair := f.itemID("REPAIR")
	sh := f.actor("hotline").StationID
	wantCode(t, "outlet manager prices Shanghai", f.svc.SetOverride(f.ctx, szm, sh, repair, 1, true), apperr.Forbidden)
	wantCode(t, "outlet manager prices the centre", f.svc.SetOverride(f.ctx, szm, f.actor("manager").StationID, repair, 1, true), apperr.Forbidden)
	_, err := f.svc.SaveItem(f.ctx, szm, fee.ItemInput{Code: "REPAIR", Name: "故障检修", Kind: "labour", PriceFen: 1})
	wantCode(t, "outlet manager saves an item", err, apperr.Forbidden)
	hq := f.actor("hq.manager")
	wantCode(t, "override at headquarters", f.svc.SetOverride(f.ctx, hq, hq.StationID, repair, 1, true), apperr.Conflict)
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM fee_item_overrides) + (SELECT count(*) FROM station_settings_events)
		+ (SELECT count(*) FROM fee_items WHERE price_fen = 1)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused changes wrote %d rows (%v)", n, err)
	}
	if err := f.svc.SetOverride(f.ctx, szm, szm.StationID, repair, 22000, true); err != nil {
		t.Fatal(err)
	}
}
