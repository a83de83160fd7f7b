package org_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/org"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

type fixture struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	svc  *org.Service
	auth *auth.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := testkit.DemoDB(t)
	return &fixture{t: t, ctx: context.Background(), pool: pool, svc: org.NewService(pool, time.Now), auth: auth.NewService(pool, time.Now)}
}

// admin is the admin as a fresh request sees them (the tree read again).
func (f *fixture) admin() auth.Actor { return testkit.Actor(f.t, f.pool, "admin") }

// with gives ctx a fresh one-time form key.
func with(ctx context.Context, key string) context.Context { return db.WithFormKey(ctx, key) }

func (f *fixture) stationID(code string) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM stations WHERE code = $1`, code).Scan(&id); err != nil {
		f.t.Fatalf("station %s: %v", code, err)
	}
	return id
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func profile(name string) org.Profile {
	return org.Profile{Name: name, Address: "江苏省南京市测试路 8 号", ServicePhone: "025-8888 0000", TimeZone: "Asia/Shanghai"}
}

// TestMoveOutletChangesWhoSees: after Shanghai moves from 华东 to a new centre, the old
// centre's manager no longer sees its orders and the new centre's manager does.
func TestMoveOutletChangesWhoSees(t *testing.T) {
	f := newFixture(t)
	hq, sh := f.stationID("HQ"), f.stationID("SH")
	centre, err := f.svc.Create(with(f.ctx, "create-centre-1"), f.admin(), org.NewStation{Code: "NJ", Kind: org.Centre, ParentID: hq, Profile: profile("南京区域服务中心")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.AddUser(f.ctx, auth.NewUser{Username: "nj.manager", DisplayName: "南京经理", Role: auth.RoleManager, StationID: centre.ID, Password: "Nanjing-2026-pass"}); err != nil {
		t.Fatal(err)
	}
	var orderID int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM work_orders WHERE station_id = $1 ORDER BY id LIMIT 1`, sh).Scan(&orderID); err != nil {
		t.Fatal(err)
	}
	orders := wo.NewService(f.pool, time.Now, testkit.Shanghai)
	sees := func(username string) bool {
		t.Helper()
		_, err := orders.OrderByID(f.ctx, testkit.Actor(t, f.pool, username), orderID)
		if err != nil && apperr.CodeOf(err) != apperr.NotFound {
			t.Fatal(err)
		}
		return err == nil
	}
	if !sees("manager") || sees("nj.manager") {
		t.Fatal("before the move only 华东's manager should see Shanghai's order")
	}
	if err := f.svc.Move(with(f.ctx, "move-sh-1"), f.admin(), sh, centre.ID); err != nil {
		t.Fatal(err)
	}
	if sees("manager") {
		t.Error("华东's manager still sees Shanghai's order after the move")
	}
	if !sees("nj.manager") {
		t.Error("南京's manager does not see Shanghai's order after the move")
	}
	if n := f.count(`SELECT count(*) FROM station_events WHERE station_id = $1 AND kind = 'moved' AND new->>'parent' = '南京区域服务中心' AND old->>'parent' = '华东区域服务中心'`, sh); n != 1 {
		t.Errorf("%d move events", n)
	}
	// The same form again changes nothing; moving to the centre it is under is refused.
	if err := f.svc.Move(with(f.ctx, "move-sh-1"), f.admin(), sh, centre.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Move(with(f.ctx, "move-sh-2"), f.admin(), sh, centre.ID); apperr.As(err).Fields["parent_id"] != "station.field.move_target" {
		t.Errorf("move to its own centre: %v", err)
	}
	if err := f.svc.Move(with(f.ctx, "move-hd-1"), f.admin(), f.stationID("HD"), centre.ID); apperr.As(err).Fields["parent_id"] != "station.field.move_outlet_only" {
		t.Errorf("move a centre: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM station_events WHERE kind = 'moved'`); n != 1 {
		t.Errorf("%d move events after the repeats, want 1", n)
	}
}

// TestDeactivateRefusedWhileInUse: Shanghai has open orders and active users, 华东 has
// active outlets: both are refused with a message saying what, and nothing is written.
// An empty outlet is deactivated and reactivated, each with its event.
func TestDeactivateRefusedWhileInUse(t *testing.T) {
	f := newFixture(t)
	sh, hd := f.stationID("SH"), f.stationID("HD")
	events := f.count(`SELECT count(*) FROM station_events`)
	err := f.svc.Deactivate(with(f.ctx, "deact-sh-1"), f.admin(), sh)
	e := apperr.As(err)
	if e.Code != apperr.Conflict || e.Key != "station.in_use" {
		t.Fatalf("deactivate Shanghai: %v", err)
	}
	if e.Data["Orders"].(int) == 0 || e.Data["Users"].(int) == 0 || !strings.Contains(e.Data["Names"].(string), "陈晓燕 (hotline)") {
		t.Errorf("refusal data %v", e.Data)
	}
	if err := f.svc.Deactivate(with(f.ctx, "deact-hd-1"), f.admin(), hd); apperr.As(err).Key != "station.in_use" ||
		!strings.Contains(apperr.As(err).Data["ChildNames"].(string), "上海浦东服务站") {
		t.Errorf("deactivate 华东: %v", err)
	}
	if err := f.svc.Deactivate(with(f.ctx, "deact-hq-1"), f.admin(), f.stationID("HQ")); apperr.As(err).Key != "station.hq_stays" {
		t.Errorf("deactivate HQ: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM station_events`); n != events {
		t.Errorf("refusals wrote %d events", n-events)
	}
	if n := f.count(`SELECT count(*) FROM stations WHERE NOT active`); n != 0 {
		t.Errorf("%d stations inactive after refusals", n)
	}

	outlet, err := f.svc.Create(with(f.ctx, "create-wx-1"), f.admin(), org.NewStation{Code: "WX", Kind: org.Outlet, ParentID: hd, Profile: profile("无锡服务站")})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Deactivate(with(f.ctx, "deact-wx-1"), f.admin(), outlet.ID); err != nil {
		t.Fatal(err)
	}
	// A user cannot be moved to, nor created at, an inactive station.
	hotline := testkit.UserID(t, f.pool, "hotline")
	if err := f.auth.MoveUser(with(f.ctx, "move-user-1"), f.admin(), hotline, outlet.ID); apperr.As(err).Fields["station_id"] != "user.field.station_inactive" {
		t.Errorf("move a user to an inactive station: %v", err)
	}
	if err := f.svc.Reactivate(with(f.ctx, "react-wx-1"), f.admin(), outlet.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM station_events WHERE station_id = $1 AND kind IN ('deactivated', 'reactivated')`, outlet.ID); n != 2 {
		t.Errorf("%d (de)activation events, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM stations WHERE id = $1 AND active`, outlet.ID); n != 1 {
		t.Error("outlet not active again")
	}
}

// TestCreateAndEdit: shapes and rules of a new station, a replayed form, and an edit
// whose event holds the old and new values.
func TestCreateAndEdit(t *testing.T) {
	f := newFixture(t)
	hq, hd := f.stationID("HQ"), f.stationID("HD")
	for name, c := range map[string]struct {
		n     org.NewStation
		field string
		key   string
	}{
		"code":        {org.NewStation{Code: "x", Kind: org.Centre, ParentID: hq, Profile: profile("甲")}, "code", "station.field.code_invalid"},
		"time zone":   {org.NewStation{Code: "TZ", Kind: org.Centre, ParentID: hq, Profile: org.Profile{Name: "乙", TimeZone: "Mars/Olympus"}}, "time_zone", "station.field.time_zone_invalid"},
		"phone":       {org.NewStation{Code: "PH", Kind: org.Centre, ParentID: hq, Profile: org.Profile{Name: "丙", TimeZone: "Asia/Shanghai", ServicePhone: "call me"}}, "service_phone", "station.field.phone_invalid"},
		"outlet @ HQ": {org.NewStation{Code: "OQ", Kind: org.Outlet, ParentID: hq, Profile: profile("丁")}, "parent_id", "station.field.parent_kind"},
		"centre @ HD": {org.NewStation{Code: "CC", Kind: org.Centre, ParentID: hd, Profile: profile("戊")}, "parent_id", "station.field.parent_kind"},
		"code taken":  {org.NewStation{Code: "SH", Kind: org.Outlet, ParentID: hd, Profile: profile("己")}, "code", "station.code_taken"},
	} {
		_, err := f.svc.Create(with(f.ctx, "create-"+name), f.admin(), c.n)
		if got := apperr.As(err).Fields[c.field]; got != c.key {
			t.Errorf("%s: %v, want %s on %s", name, err, c.key, c.field)
		}
	}
	if _, err := f.svc.Create(with(f.ctx, "create-mgr"), testkit.Actor(t, f.pool, "manager"), org.NewStation{Code: "MG", Kind: org.Outlet, ParentID: hd, Profile: profile("庚")}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("manager creates a station: %v", err)
	}
	a, err := f.svc.Create(with(f.ctx, "create-ks"), f.admin(), org.NewStation{Code: "ks", Kind: org.Outlet, ParentID: hd, Profile: profile("昆山服务站")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Create(with(f.ctx, "create-ks"), f.admin(), org.NewStation{Code: "KS", Kind: org.Outlet, ParentID: hd, Profile: profile("昆山服务站")})
	if err != nil || a.ID != b.ID || a.Code != "KS" || a.TimeZone != "Asia/Shanghai" {
		t.Fatalf("replayed create: %+v %+v %v", a, b, err)
	}
	if n := f.count(`SELECT count(*) FROM stations WHERE code = 'KS'`); n != 1 {
		t.Errorf("%d stations KS", n)
	}
	p := profile("昆山花桥服务站")
	p.TimeZone = "Asia/Urumqi"
	if err := f.svc.Edit(with(f.ctx, "edit-ks"), f.admin(), a.ID, p); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM station_events WHERE station_id = $1 AND kind = 'edited'
		AND old->>'name' = '昆山服务站' AND new->>'name' = '昆山花桥服务站' AND new->>'time_zone' = 'Asia/Urumqi' AND NOT new ? 'address'`, a.ID); n != 1 {
		t.Errorf("%d edit events with the changed values", n)
	}
	page, err := f.svc.Page(f.ctx, f.admin(), a.ID)
	if err != nil || page.Station.Name != "昆山花桥服务站" || len(page.Events) != 2 || !page.May.Deactivate || !page.May.Move == (len(page.Centres) > 0) {
		t.Errorf("page %+v %v", page, err)
	}
	tree, err := f.svc.Tree(f.ctx, f.admin())
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range tree.Stations {
		order = append(order, strings.Repeat("-", s.Depth)+s.Code)
	}
	if got := strings.Join(order, " "); !strings.HasPrefix(got, "HQ -HD ") || !strings.Contains(got, "--KS") {
		t.Errorf("tree order %s", got)
	}
}

// TestMoveUser: a technician moved to Shanghai sees Shanghai's work at the next request,
// with a user event naming both stations.
func TestMoveUser(t *testing.T) {
	f := newFixture(t)
	sh := f.stationID("SH")
	id := testkit.UserID(t, f.pool, "sz.hotline")
	if err := f.auth.MoveUser(with(f.ctx, "mv-1"), f.admin(), id, sh); err != nil {
		t.Fatal(err)
	}
	a := testkit.ActorByID(t, f.pool, id)
	if a.StationID != sh || !a.Sees(sh) || a.Sees(f.stationID("SZ")) {
		t.Errorf("moved actor %+v", a)
	}
	if n := f.count(`SELECT count(*) FROM user_events WHERE user_id = $1 AND kind = 'moved' AND data->>'from_station' = '苏州服务站' AND data->>'station' = '上海浦东服务站'`, id); n != 1 {
		t.Errorf("%d move events", n)
	}
	if err := f.auth.MoveUser(with(f.ctx, "mv-2"), f.admin(), id, sh); apperr.As(err).Fields["station_id"] != "user.field.station_same" {
		t.Errorf("move to own station: %v", err)
	}
	if err := f.auth.MoveUser(with(f.ctx, "mv-3"), testkit.Actor(t, f.pool, "manager"), id, sh); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("manager moves a user: %v", err)
	}
}
