package settings_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/settings"
)

var (
	hq     = settings.Station{ID: 1, Name: "总部", Kind: "hq"}
	centre = settings.Station{ID: 2, Name: "华东区域服务中心", Kind: "centre"}
	outlet = settings.Station{ID: 3, Name: "苏州服务站", Kind: "outlet"}
)

func layer(st settings.Station, values map[string]string, days map[calendar.Date]string) settings.Layer {
	if values == nil {
		values = map[string]string{}
	}
	if days == nil {
		days = map[calendar.Date]string{}
	}
	return settings.Layer{Station: st, Values: values, Days: days}
}

// TestResolveNearestWins: each value comes from the nearest station that stores one,
// else headquarters' default; calendar days add up and the nearest kind wins.
func TestResolveNearestWins(t *testing.T) {
	oct1 := calendar.Date{Year: 2026, Month: 10, Day: 1}
	oct10 := calendar.Date{Year: 2026, Month: 10, Day: 10}
	local := calendar.Date{Year: 2026, Month: 12, Day: 7}
	r := settings.Resolve([]settings.Layer{
		layer(outlet, map[string]string{"callback_after_repair_workdays": "2"}, map[calendar.Date]string{local: settings.KindHoliday, oct10: settings.KindHoliday}),
		layer(centre, map[string]string{"callback_after_repair_workdays": "5", "sla_urgent_arrive_minutes": "120", settings.WorkHours: "08:30-17:30"}, nil),
		layer(hq, map[string]string{"sla_urgent_arrive_minutes": "240", "sla_repair_minutes": "90"}, map[calendar.Date]string{oct1: settings.KindHoliday, oct10: settings.KindWorkday}),
	})
	if r.CallbackAfterRepairWorkdays != 2 || r.From["callback_after_repair_workdays"] != outlet {
		t.Errorf("outlet's own: %d from %v", r.CallbackAfterRepairWorkdays, r.From["callback_after_repair_workdays"])
	}
	if r.SLAUrgentArriveMinutes != 120 || r.From["sla_urgent_arrive_minutes"] != centre {
		t.Errorf("centre's: %d from %v", r.SLAUrgentArriveMinutes, r.From["sla_urgent_arrive_minutes"])
	}
	if r.SLARepairMinutes != 90 || r.From["sla_repair_minutes"] != hq {
		t.Errorf("headquarters': %d from %v", r.SLARepairMinutes, r.From["sla_repair_minutes"])
	}
	if r.SLAUrgentContactMinutes != 60 || r.From["sla_urgent_contact_minutes"] != hq {
		t.Errorf("default: %d from %v", r.SLAUrgentContactMinutes, r.From["sla_urgent_contact_minutes"])
	}
	if r.WorkDayStart != 8*time.Hour+30*time.Minute || r.WorkDayEnd != 17*time.Hour+30*time.Minute || len(r.Weekend) != 2 {
		t.Errorf("hours %v-%v weekend %v", r.WorkDayStart, r.WorkDayEnd, r.Weekend)
	}
	// 1 Oct off from headquarters; 10 Oct worked at headquarters but off at the outlet;
	// the outlet's own holiday.
	if len(r.Holidays) != 3 || len(r.Workdays) != 0 {
		t.Fatalf("holidays %v workdays %v", r.Holidays, r.Workdays)
	}
	if r.Days[1].Date != oct10 || r.Days[1].From != outlet || r.Days[0].From != hq {
		t.Errorf("days %+v", r.Days)
	}
	if !r.Own("callback_after_repair_workdays") || r.Own("sla_urgent_arrive_minutes") {
		t.Error("own values")
	}
	if got := r.Inherited("callback_after_repair_workdays"); got != "5" {
		t.Errorf("inherited %q, want the centre's 5", got)
	}
	if got := r.Inherited("sla_repair_minutes"); got != "90" {
		t.Errorf("inherited %q", got)
	}
}

// TestResolveSkipsBadStoredValues: a stored value that does not parse is passed over
// for the next station's.
func TestResolveSkipsBadStoredValues(t *testing.T) {
	r := settings.Resolve([]settings.Layer{
		layer(outlet, map[string]string{"callback_attempt_limit": "0", settings.Weekend: "9"}, nil),
		layer(hq, map[string]string{"callback_attempt_limit": "4"}, nil),
	})
	if r.CallbackAttemptLimit != 4 || r.From["callback_attempt_limit"] != hq {
		t.Errorf("limit %d from %v", r.CallbackAttemptLimit, r.From["callback_attempt_limit"])
	}
	if r.Format(settings.Weekend) != "0,6" {
		t.Errorf("weekend %q", r.Format(settings.Weekend))
	}
	if empty := settings.Resolve(nil); empty.SLAUrgentArriveMinutes != 240 || empty.CallbackAttemptLimit != 3 {
		t.Errorf("defaults %+v", empty.Values)
	}
}

func TestParseAndNormalize(t *testing.T) {
	for _, tc := range []struct{ key, in, want, msg string }{
		{"sla_repair_minutes", " 90 ", "90", ""},
		{"sla_repair_minutes", "0", "", "settings.field.positive"},
		{"repair_warranty_days", "0", "0", ""},
		{"repair_warranty_days", "-1", "", "settings.field.zero_or_more"},
		{"sla_repair_minutes", "100000", "", "settings.field.integer"},
		{settings.WorkHours, "9:00-18:00", "09:00-18:00", ""},
		{settings.WorkHours, "18:00-09:00", "", "settings.field.hours_order"},
		{settings.Weekend, "6,0,6", "0,6", ""},
		{settings.Weekend, "", "", ""},
		{settings.Weekend, "7", "", "settings.field.weekday"},
		{"nonsense", "1", "", "settings.field.unknown"},
	} {
		var v settings.Values
		msg := v.Parse(tc.key, settings.Normalize(tc.key, tc.in))
		if msg != tc.msg {
			t.Errorf("%s %q: message %q, want %q", tc.key, tc.in, msg, tc.msg)
		}
		if msg == "" && v.Format(tc.key) != tc.want {
			t.Errorf("%s %q: stored as %q, want %q", tc.key, tc.in, v.Format(tc.key), tc.want)
		}
	}
}
