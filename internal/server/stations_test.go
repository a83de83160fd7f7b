package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// stationParam is the id of the station with code, as a form value.
func stationParam(t *testing.T, a *app, code string) string {
	t.Helper()
	return strconv.FormatInt(stationID(t, a, code), 10)
}

// TestStationPagesAdminOnly: every station route answers other roles with 403 and
// writes nothing.
func TestStationPagesAdminOnly(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	sh := stationParam(t, a, "SH")
	for _, user := range []string{"manager", "supervisor", "hotline", "tech1", "storekeeper"} {
		c := a.client(t)
		c.signIn(user)
		for _, path := range []string{"/admin/stations", "/admin/stations/" + sh} {
			if r := c.get(path); r.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", user, path, r.Status)
			}
		}
		posts := map[string]url.Values{
			"/admin/stations":                     {"code": {"XX"}, "kind": {"centre"}, "parent_id": {stationParam(t, a, "HQ")}, "name": {"x"}, "time_zone": {"Asia/Shanghai"}},
			"/admin/stations/" + sh:               {"name": {"改名"}, "time_zone": {"Asia/Shanghai"}},
			"/admin/stations/" + sh + "/move":     {"parent_id": {stationParam(t, a, "HD")}},
			"/admin/stations/" + sh + "/activate": {},
			"/admin/users/1/station":              {"station_id": {sh}},
		}
		for path, form := range posts {
			if r := c.post(path, form); r.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d", user, path, r.Status)
			}
		}
	}
	var events, renamed int
	if err := a.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM station_events), (SELECT count(*) FROM stations WHERE name = '改名' OR code = 'XX')`).Scan(&events, &renamed); err != nil {
		t.Fatal(err)
	}
	if events != 0 || renamed != 0 {
		t.Errorf("refused posts wrote %d events, %d stations", events, renamed)
	}
}

// TestStationForms: the admin creates a centre and an outlet under it, a bad form comes
// back with its messages, the profile is edited, the outlet moves, and deactivating a
// station in use shows what keeps it (counts and names) and changes nothing.
func TestStationForms(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("admin")
	r := c.get("/admin/stations")
	mustContain(t, r.Body, "服务站", "总部", "华东区域服务中心", "上海浦东服务站", `id="new-station"`, `name="form_key"`)
	if !strings.Contains(c.get("/").Body, `href="/admin/stations"`) {
		t.Error("the admin's menu does not link the stations")
	}

	bad := url.Values{"form_key": {"bad-form-0001"}, "kind": {"outlet"}, "parent_id": {stationParam(t, a, "HQ")}, "code": {"sh-1"}, "name": {"坏站"}, "time_zone": {"Mars/Base"}, "service_phone": {"请拨打"}}
	r = c.post("/admin/stations", bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", r.Status)
	}
	mustContain(t, r.Body, "代码须为 2–8 位大写字母或数字", "不是有效的时区名称", "服务电话只能包含", `value="坏站"`)

	create := func(key, kind, parent, code, name string) {
		t.Helper()
		form := url.Values{"form_key": {key}, "kind": {kind}, "parent_id": {parent}, "code": {code}, "name": {name},
			"address": {"南京市玄武区中山路 1 号"}, "service_phone": {"025-8000 1234"}, "time_zone": {"Asia/Shanghai"}}
		if r := c.post("/admin/stations", form); r.Status != http.StatusSeeOther {
			t.Fatalf("create %s: %d %s", code, r.Status, r.Body)
		}
	}
	create("create-nj-0001", "centre", stationParam(t, a, "HQ"), "NJ", "南京区域服务中心")
	create("create-nj-0001", "centre", stationParam(t, a, "HQ"), "NJ", "南京区域服务中心") // the same form twice
	create("create-xw-0001", "outlet", stationParam(t, a, "NJ"), "XW", "玄武服务站")
	r = c.get("/admin/stations")
	mustContain(t, r.Body, "已创建服务站 玄武服务站（XW）", "南京区域服务中心", `class="tree-depth-2">玄武服务站`)
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM stations WHERE code IN ('NJ', 'XW')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d new stations, %v", n, err)
	}

	xw := stationParam(t, a, "XW")
	r = c.post("/admin/stations/"+xw, url.Values{"form_key": {"edit-xw-0001"}, "name": {"玄武中山路服务站"}, "address": {"南京市玄武区中山路 8 号"},
		"service_phone": {"025-8000 1234"}, "time_zone": {"Asia/Shanghai"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.Status)
	}
	r = c.get("/admin/stations/" + xw)
	mustContain(t, r.Body, "服务站信息已保存", "玄武中山路服务站", "名称: 玄武服务站 → 玄武中山路服务站", "地址: 南京市玄武区中山路 1 号 → 南京市玄武区中山路 8 号")
	if r = c.post("/admin/stations/"+xw, url.Values{"form_key": {"edit-xw-0002"}, "name": {""}, "time_zone": {"UTC+8"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad edit: %d", r.Status)
	}

	sh := stationParam(t, a, "SH")
	if r = c.post("/admin/stations/"+sh+"/move", url.Values{"form_key": {"move-sh-0001"}, "parent_id": {stationParam(t, a, "NJ")}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	mustContain(t, c.get("/admin/stations/"+sh).Body, "已调整上级区域中心", `id="station-parent">南京区域服务中心`, "上级: 华东区域服务中心 → 南京区域服务中心")

	r = c.get("/admin/stations/" + sh + "?confirm=deactivate")
	mustContain(t, r.Body, `id="confirm-deactivate"`)
	r = c.post("/admin/stations/"+sh+"/deactivate", url.Values{"form_key": {"deact-sh-0001"}})
	if r.Status != http.StatusConflict {
		t.Fatalf("deactivate in use: %d", r.Status)
	}
	mustContain(t, r.Body, `id="station-refused"`, "仍在使用，不能停用", "在职用户", "陈晓燕 (hotline)", "未结工单")
	var active bool
	if err := a.Pool.QueryRow(t.Context(), `SELECT active FROM stations WHERE code = 'SH'`).Scan(&active); err != nil || !active {
		t.Errorf("Shanghai active %v, %v", active, err)
	}
	// An empty outlet goes and comes back.
	if r = c.post("/admin/stations/"+xw+"/deactivate", url.Values{"form_key": {"deact-xw-0001"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	mustContain(t, c.get("/admin/stations/"+xw).Body, "服务站已停用", `id="activate"`)
	if r = c.post("/admin/stations/"+xw+"/activate", url.Values{"form_key": {"react-xw-0001"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", r.Status)
	}
}

// TestMoveUserForm: the admin moves the Suzhou hotline to Shanghai; at their next request
// the user works in Shanghai: the intake is Shanghai's, Suzhou's orders are gone.
func TestMoveUserForm(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	u := a.client(t)
	u.signIn("sz.hotline")
	var szOrder, userID string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text, (SELECT id::text FROM users WHERE username = 'sz.hotline')
		FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SZ' ORDER BY o.id LIMIT 1`).Scan(&szOrder, &userID); err != nil {
		t.Fatal(err)
	}
	if r := u.get("/orders/" + szOrder); r.Status != http.StatusOK {
		t.Fatalf("before the move: %d", r.Status)
	}
	admin := a.client(t)
	admin.signIn("admin")
	r := admin.get("/admin/users/" + userID)
	mustContain(t, r.Body, `id="move-user"`, "上海浦东服务站")
	if strings.Contains(r.Body, `<option value="`+stationParam(t, a, "SZ")+`">`) {
		t.Error("the user's own station is offered")
	}
	if r = admin.post("/admin/users/"+userID+"/station", url.Values{"form_key": {"move-user-0001"}, "station_id": {"x"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("garbled station: %d", r.Status)
	}
	if r = admin.post("/admin/users/"+userID+"/station", url.Values{"form_key": {"move-user-0002"}, "station_id": {stationParam(t, a, "SH")}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	mustContain(t, admin.get("/admin/users/"+userID).Body, "用户已调动到新的服务站", "上海浦东服务站")
	// The same session, next request: Suzhou's order is out of sight.
	if r := u.get("/orders/" + szOrder); r.Status != http.StatusNotFound {
		t.Errorf("after the move the Suzhou order answers %d, want 404", r.Status)
	}
	var events int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM user_events WHERE user_id = $1 AND kind = 'moved'`, userID).Scan(&events); err != nil || events != 1 {
		t.Errorf("%d move events, %v", events, err)
	}
}
