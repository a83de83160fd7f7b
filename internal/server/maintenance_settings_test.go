package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/maintenance"
	"github.com/aftersales/aftersales/internal/server"
)

func TestMaintSettingsTab(t *testing.T) {
	var svc *maintenance.Service
	a := newApp(t, func(d *server.Deps) {
		svc = maintenance.NewService(d.Pool, time.Now, d.Config.Location, d.Orders.MaintenanceOrderTx)
		d.Maint = svc
	})
	ctx := context.Background()
	// A plan of the Shanghai outlet due in 20 days: beyond the default 14.
	unit := maintUnit(t, a)
	sup := a.client(t)
	sup.signIn("supervisor")
	plan := url.Values{"form_key": {"maint-settings-plan"}, "version": {"0"}, "cycle_months": {"6"},
		"next_due": {time.Now().AddDate(0, 0, 20).Format(time.DateOnly)}, "checklist": {"清洗滤网"}}
	if r := sup.post("/units/"+strconv.FormatInt(unit, 10)+"/maintenance", plan); r.Status != http.StatusSeeOther {
		t.Fatalf("plan: %d\n%s", r.Status, r.Body)
	}
	if r := sup.get("/settings/maintenance"); r.Status != http.StatusForbidden {
		t.Fatalf("supervisor on the tab: %d", r.Status)
	}

	c := a.client(t)
	c.signIn("manager")
	r := c.get("/settings/maintenance")
	if r.Status != http.StatusOK {
		t.Fatalf("tab: %d", r.Status)
	}
	mustContain(t, r.Body, `id="maint-settings-form"`, `name="form_key"`, `href="/settings/maintenance"`, "到期前 14 天", "来源：系统默认值")
	mustContain(t, c.get("/settings/complaints").Body, `href="/settings/maintenance"`)

	// A number that does not parse: the form again with the field's message.
	if r := c.post("/settings/maintenance", url.Values{"form_key": {"maint-settings-key-1"}, "days_ahead": {"三十"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad number: %d", r.Status)
	} else {
		mustContain(t, r.Body, "请填写 1 到 90 之间的整数天数", `value="三十"`)
	}
	if r := c.post("/settings/maintenance", url.Values{"form_key": {"maint-settings-key-2"}, "days_ahead": {"91"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("out of bounds: %d", r.Status)
	}
	orders := func() int {
		t.Helper()
		if _, err := svc.Run(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM maintenance_orders WHERE unit_id = $1`, unit).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := orders(); n != 0 {
		t.Fatalf("orders before the change: %d", n)
	}

	// The centre saves 30 days; the page shows it and the next run makes the order.
	if r := c.post("/settings/maintenance", url.Values{"form_key": {"maint-settings-key-3"}, "days_ahead": {"30"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, c.get("/settings/maintenance").Body, "到期前 30 天", "来源：本站设置", "保养计划设置已保存", `id="maint-settings-reset"`)
	if n := orders(); n != 1 {
		t.Fatalf("orders after the change: %d", n)
	}

	// Back to the default.
	if r := c.post("/settings/maintenance", url.Values{"form_key": {"maint-settings-key-4"}, "inherit": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	mustContain(t, c.get("/settings/maintenance").Body, "到期前 14 天", "来源：系统默认值")
}
