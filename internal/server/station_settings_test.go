package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// settingsRows counts everything a settings change writes.
func settingsRows(t *testing.T, a *app) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM station_settings) + (SELECT count(*) FROM calendar_days)
		+ (SELECT count(*) FROM station_settings_events) + (SELECT count(*) FROM fee_item_overrides)
		+ (SELECT count(*) FROM fee_items WHERE price_fen = 100)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOutletManagerCannotChangeHQSettings: Suzhou's manager posting headquarters' or the
// centre's settings, calendar or fees gets 403 and nothing is written; their own
// outlet's page works.
func TestOutletManagerCannotChangeHQSettings(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("sz.manager")
	hq, centre := stationID(t, a, "HQ"), stationID(t, a, "HD")
	before := settingsRows(t, a)
	for _, st := range []int64{hq, centre} {
		s := strconv.FormatInt(st, 10)
		form := settingsValues()
		form.Set("station", s)
		form.Set("sla_repair_minutes", "30")
		if r := c.post("/settings", form); r.Status != http.StatusForbidden {
			t.Errorf("POST /settings for %d: %d", st, r.Status)
		}
		if r := c.get("/settings?station=" + s); r.Status != http.StatusForbidden {
			t.Errorf("GET /settings for %d: %d", st, r.Status)
		}
		if r := c.post("/settings/calendar", url.Values{"station": {s}, "day": {"2026-12-01"}, "kind": {"holiday"}}); r.Status != http.StatusForbidden {
			t.Errorf("add a day for %d: %d", st, r.Status)
		}
		if r := c.post("/settings/reset", url.Values{"station": {s}, "key": {"sla_repair_minutes"}, "confirm": {"yes"}}); r.Status != http.StatusForbidden {
			t.Errorf("reset for %d: %d", st, r.Status)
		}
		if r := c.post("/settings/fees/"+labourItem(t, a, "REPAIR")+"/override", url.Values{"station": {s}, "price": {"1"}, "active": {"1"}}); r.Status != http.StatusForbidden {
			t.Errorf("fee override for %d: %d", st, r.Status)
		}
		if r := c.get("/settings/fees?station=" + s); r.Status != http.StatusForbidden {
			t.Errorf("GET /settings/fees for %d: %d", st, r.Status)
		}
	}
	if r := c.post("/settings/fees", url.Values{"code": {"REPAIR"}, "name": {"故障检修"}, "kind": {"labour"}, "price": {"1"}}); r.Status != http.StatusForbidden {
		t.Errorf("save headquarters' item: %d", r.Status)
	}
	if n := settingsRows(t, a); n != before {
		t.Fatalf("refused posts wrote %d rows", n-before)
	}
	r := c.get("/settings")
	if r.Status != http.StatusOK {
		t.Fatalf("own page: %d", r.Status)
	}
	mustContain(t, r.Body, "苏州服务站", `data-key="callback_after_repair_workdays" data-source="own"`)
	if strings.Contains(r.Body, `id="station-picker"`) {
		t.Error("an outlet manager with one station is offered a picker")
	}
}

// TestSettingsPageShowsSources: the centre's manager picks Suzhou and sees each value's
// source, the stations a change reaches and the history; resetting Suzhou's own
// callback delay asks first, then Suzhou uses the value above.
func TestSettingsPageShowsSources(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("manager")
	sz := strconv.FormatInt(stationID(t, a, "SZ"), 10)
	r := c.get("/settings")
	mustContain(t, r.Body, `id="station-picker"`, "华东区域服务中心", "苏州服务站",
		// Suzhou has its own callback delay: the centre's change reaches Shanghai only.
		"修改影响：华东区域服务中心、上海浦东服务站</span>", "修改影响：华东区域服务中心、上海浦东服务站、苏州服务站")
	r = c.get("/settings?station=" + sz)
	if r.Status != http.StatusOK {
		t.Fatalf("Suzhou's page: %d", r.Status)
	}
	mustContain(t, r.Body, `data-key="callback_after_repair_workdays" data-source="own"`, `data-key="sla_repair_minutes" data-source="hq"`,
		">本站<", ">总部<", "修改影响：苏州服务站", "恢复为上级设置", `data-kind="holiday" data-source="own"`, "王建国", "3 → 2")
	if got := inputValue(r.Body, "callback_after_repair_workdays"); got != "2" {
		t.Errorf("Suzhou's callback delay shows %q", got)
	}

	// A save of the unchanged form writes nothing; one changed value becomes Suzhou's own.
	before := settingsRows(t, a)
	form := settingsValues()
	form.Set("station", sz)
	form.Set("callback_after_repair_workdays", "2")
	if r := c.post("/settings", form); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	if n := settingsRows(t, a); n != before {
		t.Errorf("an unchanged form wrote %d rows", n-before)
	}

	r = c.post("/settings/reset", url.Values{"station": {sz}, "key": {"callback_after_repair_workdays"}})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "reset=callback_after_repair_workdays") {
		t.Fatalf("unconfirmed reset: %d %q", r.Status, r.Location)
	}
	r = c.get(r.Location)
	mustContain(t, r.Body, "确定删除本站的设置、改用上级的值（3）吗？", `id="reset-callback_after_repair_workdays"`)
	if r := c.post("/settings/reset", url.Values{"station": {sz}, "key": {"callback_after_repair_workdays"}, "confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	r = c.get("/settings?station=" + sz)
	mustContain(t, r.Body, "已恢复为上级设置。", `data-key="callback_after_repair_workdays" data-source="hq"`, "恢复上级")
	if got := inputValue(r.Body, "callback_after_repair_workdays"); got != "3" {
		t.Errorf("after the reset Suzhou's callback delay shows %q", got)
	}

	// The fee schedule: Suzhou's own visit fee, headquarters' other prices.
	r = c.get("/settings/fees?station=" + sz)
	mustContain(t, r.Body, `value="120.00"`, "价格：本站", "价格：总部", "本站的收费调整影响：苏州服务站")
}
