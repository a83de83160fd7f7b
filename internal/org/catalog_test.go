package org_test

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/org"
)

// TestStationCatalogKeys covers the keys built at run time: kinds, event kinds, the
// fields an event names, and the service's messages.
func TestStationCatalogKeys(t *testing.T) {
	keys := []string{"station.in_use", "station.parent_inactive", "station.hq_stays", "station.code_taken",
		"station.field.phone_invalid", "station.field.time_zone_invalid", "station.field.code_invalid", "station.field.parent_kind",
		"station.field.parent_inactive", "station.field.move_target", "station.field.move_outlet_only",
		"user.field.station_inactive", "user.field.station_same"}
	for _, k := range []org.Kind{org.HQ, org.Centre, org.Outlet} {
		keys = append(keys, "station.kind."+string(k))
	}
	for _, e := range []string{"created", "edited", "moved", "deactivated", "reactivated"} {
		keys = append(keys, "station.event."+e)
	}
	for _, f := range []string{"code", "kind", "parent", "name", "address", "service_phone", "time_zone", "active"} {
		keys = append(keys, "station.field."+f)
	}
	for _, lang := range i18n.Languages {
		c := i18n.Catalog(lang)
		for _, k := range keys {
			if _, ok := c[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}

// TestInUseMessage: the refusal names the counts and the users in both languages.
func TestInUseMessage(t *testing.T) {
	data := map[string]any{"Name": "上海浦东服务站", "Orders": 3, "Users": 2, "Names": "陈晓燕 (hotline)、张伟 (tech1)", "Children": 0, "ChildNames": ""}
	for lang, want := range map[string]string{"zh-Hans": "未结工单 3 张；在职用户 2 名（陈晓燕 (hotline)、张伟 (tech1)）", "en": "3 open orders; 2 active users (陈晓燕 (hotline)、张伟 (tech1))"} {
		if got := i18n.TL(lang, "station.in_use", data); !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", lang, got, want)
		}
	}
}

// TestRules: codes, time zones and phones as the forms take them.
func TestRules(t *testing.T) {
	for code, ok := range map[string]bool{"SH": true, "HQ01": true, "ABCDEFGH": true, "A": false, "sh": false, "ABCDEFGHI": false, "S-H": false} {
		if org.ValidCode(code) != ok {
			t.Errorf("code %q: %v", code, !ok)
		}
	}
	for tz, ok := range map[string]bool{"Asia/Shanghai": true, "Asia/Urumqi": true, "UTC": true, "": false, "Local": false, "UTC+8": false, "Asia/Nowhere": false} {
		if org.ValidTimeZone(tz) != ok {
			t.Errorf("time zone %q: %v", tz, !ok)
		}
	}
	for phone, ok := range map[string]bool{"021-5888 1200": true, "+86 21 5888 1200": true, "(0512) 6288-3300 转 8001": true, "400-820-0000 ext 12": true, "请拨打": false} {
		if _, bad := (org.Profile{Name: "x", TimeZone: "UTC", ServicePhone: phone}).Valid()["service_phone"]; bad == ok {
			t.Errorf("phone %q: valid %v", phone, !ok)
		}
	}
}
