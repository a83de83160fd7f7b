package workorder_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// suzhou is the Suzhou outlet; suzhouCustomer a customer of it.
func (f *fixture) suzhou() int64 { return f.actor("sz.hotline").StationID }

func (f *fixture) suzhouCustomer() int64 {
	f.t.Helper()
	c, err := f.cust.CreateCustomer(f.ctx, f.actor("sz.hotline"), customer.NewCustomer{Name: "苏州测试有限公司", ContactPerson: "周工",
		Phones: []string{"139 0000 4321"}, Addresses: []string{"苏州市工业园区测试路8号"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// intakeAt logs a call of urgency for customerID as the hotline of its outlet.
func (f *fixture) intakeAt(hotline string, customerID int64, urgency string) wo.Order {
	f.t.Helper()
	return f.must(f.svc.Create(f.ctx, f.actor(hotline), wo.NewOrder{CustomerID: customerID, Channel: "phone",
		Symptom: "无法启动", Urgency: urgency, ServiceType: "repair"}))
}

// TestOutletOverrideChangesOnlyItsDueTimes: the Shanghai outlet's own urgent contact
// target sets its orders' due times and not Suzhou's; reset, Shanghai uses
// headquarters' value again.
func TestOutletOverrideChangesOnlyItsDueTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sz := f.suzhouCustomer()
	m := f.actor("manager")
	if err := f.set.Save(f.ctx, m, f.shanghai(), map[string]string{"sla_urgent_contact_minutes": "30"}); err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	sh, su := f.intakeAt("hotline", f.customerID, "urgent"), f.intakeAt("sz.hotline", sz, "urgent")
	if !sh.ContactDueAt.Equal(now.Add(30 * time.Minute)) {
		t.Errorf("Shanghai contact due %s, want 30 min after %s", sh.ContactDueAt, now)
	}
	if !su.ContactDueAt.Equal(now.Add(60 * time.Minute)) {
		t.Errorf("Suzhou contact due %s, want headquarters' 60 min after %s", su.ContactDueAt, now)
	}
	r, err := f.set.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if src := r.From["sla_urgent_contact_minutes"]; src.ID != f.shanghai() || !r.Own("sla_urgent_contact_minutes") {
		t.Errorf("source %+v", src)
	}

	if err := f.set.Reset(f.ctx, m, f.shanghai(), "sla_urgent_contact_minutes"); err != nil {
		t.Fatal(err)
	}
	again := f.intakeAt("hotline", f.customerID, "urgent")
	if !again.ContactDueAt.Equal(now.Add(60 * time.Minute)) {
		t.Errorf("after the reset Shanghai's contact due %s, want 60 min", again.ContactDueAt)
	}
	v, err := f.set.ViewOf(f.ctx, m, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.History) != 2 || !v.History[0].Reset || v.History[0].Old != "30" || v.History[0].New != "60" ||
		v.History[1].Old != "60" || v.History[1].New != "30" || v.History[1].By != "王建国" {
		t.Errorf("history %+v", v.History)
	}
	// Headquarters has nothing above it to reset to.
	if err := f.set.Reset(f.ctx, f.actor("hq.manager"), f.actor("hq.manager").StationID, "sla_urgent_contact_minutes"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("reset at headquarters: %v", err)
	}
}

// TestCentreValueReachesBothOutlets: the centre's urgent arrival target sets both
// outlets' due times; headquarters keeps its own; the page says which stations it reaches.
func TestCentreValueReachesBothOutlets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sz := f.suzhouCustomer()
	m := f.actor("manager")
	if err := f.set.Save(f.ctx, m, f.centre(), map[string]string{"sla_urgent_arrive_minutes": "120"}); err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	for _, o := range []wo.Order{f.intakeAt("hotline", f.customerID, "urgent"), f.intakeAt("sz.hotline", sz, "urgent")} {
		if !o.ArriveDueAt.Equal(now.Add(2 * time.Hour)) {
			t.Errorf("order %s arrive due %s, want the centre's 2 h", o.Number, o.ArriveDueAt)
		}
	}
	hq, err := f.set.Settings(f.ctx, f.actor("hq.manager").StationID)
	if err != nil {
		t.Fatal(err)
	}
	if hq.SLAUrgentArriveMinutes != 240 {
		t.Errorf("headquarters' arrival %d", hq.SLAUrgentArriveMinutes)
	}
	// An outlet with its own value is not reached by the centre's change.
	if err := f.set.Save(f.ctx, m, f.suzhou(), map[string]string{"sla_urgent_arrive_minutes": "180"}); err != nil {
		t.Fatal(err)
	}
	v, err := f.set.ViewOf(f.ctx, m, f.centre())
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Affects["sla_urgent_arrive_minutes"]; len(got) != 2 || got[0] != "华东区域服务中心" || got[1] != "上海浦东服务站" {
		t.Errorf("arrival reaches %v", got)
	}
	if got := v.Affects["sla_repair_minutes"]; len(got) != 3 {
		t.Errorf("repair reaches %v", got)
	}
	if src := v.From["sla_urgent_arrive_minutes"]; src.ID != f.centre() {
		t.Errorf("centre's source %+v", src)
	}
}

// TestOutletHolidayMovesOnlyItsDueTimes: Suzhou's own holiday on Tuesday moves its
// normal orders' contact to Wednesday; Shanghai's stays on Tuesday.
func TestOutletHolidayMovesOnlyItsDueTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sz := f.suzhouCustomer()
	f.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, testkit.Shanghai))
	tuesday := calendar.Date{Year: 2026, Month: 11, Day: 24}
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.suzhou(), tuesday, settings.KindHoliday); err != nil {
		t.Fatal(err)
	}
	sh, su := f.intakeAt("hotline", f.customerID, "normal"), f.intakeAt("sz.hotline", sz, "normal")
	if want := time.Date(2026, 11, 24, 10, 0, 0, 0, testkit.Shanghai); !sh.ContactDueAt.Equal(want) {
		t.Errorf("Shanghai contact due %s, want %s", sh.ContactDueAt.In(testkit.Shanghai), want)
	}
	if want := time.Date(2026, 11, 25, 10, 0, 0, 0, testkit.Shanghai); !su.ContactDueAt.Equal(want) {
		t.Errorf("Suzhou contact due %s, want %s", su.ContactDueAt.In(testkit.Shanghai), want)
	}
	// The same day from above cannot be added again; the other kind overrides it.
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.centre(), tuesday, settings.KindHoliday); err != nil {
		t.Fatal(err)
	}
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.shanghai(), tuesday, settings.KindHoliday); apperr.As(err).Fields["day"] != "stset.calendar.inherited" {
		t.Errorf("adding an inherited day: %v", err)
	}
	if err := f.set.AddDay(f.ctx, f.actor("manager"), f.shanghai(), tuesday, settings.KindWorkday); err != nil {
		t.Fatal(err)
	}
	st := f.settings()
	if len(st.Holidays) != 0 || len(st.Workdays) != 1 {
		t.Errorf("Shanghai overrides the centre's holiday: holidays %v workdays %v", st.Holidays, st.Workdays)
	}
}

// TestOutletManagerCannotChangeAbove: Suzhou's manager changes Suzhou's settings but
// not headquarters', the centre's or Shanghai's (Forbidden, nothing written).
func TestOutletManagerCannotChangeAbove(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	szm := f.actor("sz.manager")
	hq := f.actor("hq.manager").StationID
	count := func() (n int) {
		t.Helper()
		if err := f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM station_settings) + (SELECT count(*) FROM calendar_days)
			+ (SELECT count(*) FROM station_settings_events)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	day := calendar.Date{Year: 2026, Month: 12, Day: 1}
	for _, station := range []int64{hq, f.centre(), f.shanghai()} {
		if err := f.set.Save(f.ctx, szm, station, map[string]string{"sla_repair_minutes": "60"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("save at %d: %v", station, err)
		}
		if err := f.set.AddDay(f.ctx, szm, station, day, settings.KindHoliday); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("add a day at %d: %v", station, err)
		}
		if err := f.set.Reset(f.ctx, szm, station, "sla_repair_minutes"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("reset at %d: %v", station, err)
		}
		if _, err := f.set.ViewOf(f.ctx, szm, station); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("view of %d: %v", station, err)
		}
	}
	if n := count(); n != before {
		t.Fatalf("refused changes wrote %d rows", n-before)
	}
	if err := f.set.Save(f.ctx, szm, f.suzhou(), map[string]string{"sla_repair_minutes": "60"}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != before+2 {
		t.Errorf("own change wrote %d rows, want the value and its event", n-before)
	}
}
