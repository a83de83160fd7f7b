package maintenance_test

import (
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/maintenance"
)

// outletManager is a manager of the Shanghai outlet (the demo has managers of the centre
// only), acting as the centre's manager user.
func (f *fixture) outletManager() auth.Actor {
	f.t.Helper()
	a := f.users.Actor("manager")
	if err := f.pool.QueryRow(f.ctx, `SELECT id, name FROM stations WHERE code = 'SH'`).Scan(&a.StationID, &a.StationName); err != nil {
		f.t.Fatal(err)
	}
	a.Stations = []int64{a.StationID}
	return a
}

func (f *fixture) settings(a auth.Actor) maintenance.Settings {
	f.t.Helper()
	st, err := f.svc.SettingsOf(f.ctx, a)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

func TestSettingsInheritedAndOwn(t *testing.T) {
	f := newFixture(t)
	mgr, outlet := f.users.Actor("manager"), f.outletManager()
	if st := f.settings(outlet); st.DaysAhead != maintenance.DefaultDaysAhead || st.Own || st.FromStation != "" || st.ChangedBy != "" {
		t.Fatalf("default: %+v", st)
	}
	// The centre's override reaches its outlet.
	if err := f.svc.SaveSettings(db.WithFormKey(f.ctx, "maint-settings-01"), mgr, 30, false); err != nil {
		t.Fatal(err)
	}
	if st := f.settings(mgr); st.DaysAhead != 30 || !st.Own || st.ChangedBy == "" {
		t.Errorf("centre: %+v", st)
	}
	if st := f.settings(outlet); st.DaysAhead != 30 || st.Own || st.FromStation != mgr.StationName {
		t.Errorf("outlet inheriting: %+v", st)
	}
	// The outlet's own override wins over the centre's.
	if err := f.svc.SaveSettings(db.WithFormKey(f.ctx, "maint-settings-02"), outlet, 7, false); err != nil {
		t.Fatal(err)
	}
	if st := f.settings(outlet); st.DaysAhead != 7 || !st.Own {
		t.Errorf("outlet's own: %+v", st)
	}
	if st := f.settings(mgr); st.DaysAhead != 30 {
		t.Errorf("centre after the outlet's change: %+v", st)
	}
	if n, err := f.svc.DaysAhead(f.ctx, outlet.StationID); err != nil || n != 7 {
		t.Errorf("days ahead the job uses: %d %v", n, err)
	}
	// Back to the centre's.
	if err := f.svc.SaveSettings(db.WithFormKey(f.ctx, "maint-settings-03"), outlet, 0, true); err != nil {
		t.Fatal(err)
	}
	if st := f.settings(outlet); st.DaysAhead != 30 || st.Own {
		t.Errorf("outlet reset: %+v", st)
	}
	var events int
	var old, next *int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) OVER (), old_days, new_days FROM maintenance_settings_events WHERE station_id = $1 ORDER BY id DESC LIMIT 1`,
		outlet.StationID).Scan(&events, &old, &next); err != nil {
		t.Fatal(err)
	}
	if events != 2 || old == nil || *old != 7 || next != nil {
		t.Errorf("outlet's events: %d, last %v → %v", events, old, next)
	}
}

func TestSettingsBoundsRolesAndForms(t *testing.T) {
	f := newFixture(t)
	mgr := f.users.Actor("manager")
	for _, n := range []int{0, -1, maintenance.MaxDaysAhead + 1} {
		if err := f.svc.SaveSettings(f.ctx, mgr, n, false); apperr.As(err).Fields["days_ahead"] != "maint.field.days_ahead_range" {
			t.Errorf("%d days: %v", n, err)
		}
	}
	for _, n := range []int{maintenance.MinDaysAhead, maintenance.MaxDaysAhead} {
		if err := f.svc.SaveSettings(f.ctx, mgr, n, false); err != nil {
			t.Errorf("%d days: %v", n, err)
		}
	}
	for _, who := range []string{"supervisor", "hotline", "tech1"} {
		if err := f.svc.SaveSettings(f.ctx, f.users.Actor(who), 10, false); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s saves: %v", who, err)
		}
		if _, err := f.svc.SettingsOf(f.ctx, f.users.Actor(who)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s reads: %v", who, err)
		}
	}
	// The same form sent twice saves once, even when the second carries another number.
	ctx := db.WithFormKey(f.ctx, "maint-settings-twice")
	if err := f.svc.SaveSettings(ctx, mgr, 20, false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SaveSettings(ctx, mgr, 25, false); err != nil {
		t.Fatal(err)
	}
	if st := f.settings(mgr); st.DaysAhead != 20 {
		t.Errorf("after the form twice: %d", st.DaysAhead)
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM maintenance_settings_events WHERE station_id = $1 AND new_days = 20`, mgr.StationID).Scan(&n); err != nil || n != 1 {
		t.Errorf("events of the form: %d %v", n, err)
	}
}
