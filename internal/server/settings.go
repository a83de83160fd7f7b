package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// settingsNumbers are the numeric settings: form field name (the service's field key),
// where the value lives in workorder.Settings, and whether 0 is allowed.
var settingsNumbers = []struct {
	name string
	ptr  func(*workorder.Settings) *int
	zero bool
}{
	{"sla_urgent_contact_minutes", func(s *workorder.Settings) *int { return &s.SLAUrgentContactMinutes }, false},
	{"sla_urgent_arrive_minutes", func(s *workorder.Settings) *int { return &s.SLAUrgentArriveMinutes }, false},
	{"sla_normal_contact_workdays", func(s *workorder.Settings) *int { return &s.SLANormalContactWorkdays }, false},
	{"sla_normal_arrive_workdays", func(s *workorder.Settings) *int { return &s.SLANormalArriveWorkdays }, false},
	{"sla_repair_minutes", func(s *workorder.Settings) *int { return &s.SLARepairMinutes }, false},
	{"repair_warranty_days", func(s *workorder.Settings) *int { return &s.RepairWarrantyDays }, true},
	{"callback_after_guidance_minutes", func(s *workorder.Settings) *int { return &s.CallbackAfterGuidanceMinutes }, false},
	{"callback_after_no_test_minutes", func(s *workorder.Settings) *int { return &s.CallbackAfterNoTestMinutes }, false},
	{"callback_after_unsure_minutes", func(s *workorder.Settings) *int { return &s.CallbackAfterUnsureMinutes }, false},
	{"callback_after_repair_workdays", func(s *workorder.Settings) *int { return &s.CallbackAfterRepairWorkdays }, false},
	{"callback_attempt_limit", func(s *workorder.Settings) *int { return &s.CallbackAttemptLimit }, false},
}

// settingsMaxNumber bounds every numeric setting (about 69 days in minutes), so a typo
// cannot overflow the database column.
const settingsMaxNumber = 99999

// settingsFormOf shows saved settings in the form.
func settingsFormOf(st workorder.Settings) views.SettingsForm {
	f := views.SettingsForm{Numbers: map[string]string{}, Weekend: map[int]bool{},
		DayStart: settingsClock(st.WorkDayStart), DayEnd: settingsClock(st.WorkDayEnd)}
	for _, n := range settingsNumbers {
		f.Numbers[n.name] = strconv.Itoa(*n.ptr(&st))
	}
	for _, d := range st.Weekend {
		f.Weekend[int(d)] = true
	}
	return f
}

// settingsClock formats a wall-clock offset from midnight as 15:04.
func settingsClock(d time.Duration) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04")
}

// parseSettingsClock parses 09:00 (or 09:00:00, as some browsers send) as an offset
// from midnight.
func parseSettingsClock(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second, true
		}
	}
	return 0, false
}

// decodeSettings reads the settings form on top of cur (which supplies the calendar's
// exceptions), and checks its shape: whole numbers, times, days of the week. The
// service checks the rules (positive numbers, a valid calendar).
func decodeSettings(r *http.Request, cur workorder.Settings) (views.SettingsForm, workorder.Settings, views.FieldErrors) {
	st := cur
	f := views.SettingsForm{Numbers: map[string]string{}, Weekend: map[int]bool{},
		DayStart: r.PostFormValue("work_day_start"), DayEnd: r.PostFormValue("work_day_end")}
	errs := views.FieldErrors{}
	for _, n := range settingsNumbers {
		raw := strings.TrimSpace(r.PostFormValue(n.name))
		f.Numbers[n.name] = raw
		v, err := strconv.Atoi(raw)
		switch {
		case err != nil || v > settingsMaxNumber:
			errs[n.name] = "settings.field.integer"
		case v < 0 && n.zero:
			errs[n.name] = "settings.field.zero_or_more"
		case v <= 0 && !n.zero:
			errs[n.name] = "settings.field.positive"
		default:
			*n.ptr(&st) = v
		}
	}
	start, okStart := parseSettingsClock(f.DayStart)
	end, okEnd := parseSettingsClock(f.DayEnd)
	if !okStart {
		errs["work_day_start"] = "settings.field.time"
	}
	if !okEnd {
		errs["work_day_end"] = "settings.field.time"
	}
	if okStart && okEnd && start >= end {
		errs["work_day_end"] = "settings.field.hours_order"
	}
	st.WorkDayStart, st.WorkDayEnd = start, end
	st.Weekend = []int32{}
	for _, raw := range r.PostForm["weekend"] {
		d, err := strconv.Atoi(raw)
		if err != nil || d < 0 || d > 6 {
			errs["weekend"] = "settings.field.weekday"
			continue
		}
		if !f.Weekend[d] {
			f.Weekend[d] = true
			st.Weekend = append(st.Weekend, int32(d))
		}
	}
	slices.Sort(st.Weekend)
	return f, st, errs
}

// renderSettings renders the settings page with the given forms and messages. form is
// nil to show the saved settings.
func (s *server) renderSettings(w http.ResponseWriter, r *http.Request, status int, form *views.SettingsForm, errs views.FieldErrors, day views.SettingsDayForm, dayErrs views.FieldErrors) {
	st, err := s.Orders.Settings(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	change, err := s.Orders.LastSettingsChange(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.SettingsView{Errs: errs, DayForm: day, DayErrs: dayErrs, ChangedBy: change.By, ChangedAt: change.At}
	if form != nil {
		v.Form = *form
	} else {
		v.Form = settingsFormOf(st)
	}
	for kind, days := range map[string][]calendar.Date{workorder.CalendarHoliday: st.Holidays, workorder.CalendarWorkday: st.Workdays} {
		for _, d := range days {
			v.Days = append(v.Days, views.SettingsDay{Day: d.String(), Kind: kind,
				Weekday: time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()})
		}
	}
	slices.SortFunc(v.Days, func(a, b views.SettingsDay) int { return strings.Compare(a.Day, b.Day) })
	if d, err := calendar.ParseDate(r.URL.Query().Get("delete")); err == nil && r.Method == http.MethodGet {
		v.ConfirmDelete = d.String()
	}
	s.render(w, r, status, views.Settings(s.page(r, "settings.title"), v))
}

// settingsFlash stores an ok message with template data for the next page.
func (s *server) settingsFlash(r *http.Request, key string, data map[string]any) {
	b, _ := json.Marshal(data)
	s.Sessions.Put(r.Context(), sessionFlash, "ok|"+key+"|"+string(b))
}

func (s *server) handleSettings() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderSettings(w, r, http.StatusOK, nil, nil, views.SettingsDayForm{}, nil)
	}
}

func (s *server) handleSaveSettings() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cur, err := s.Orders.Settings(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f, st, errs := decodeSettings(r, cur)
		if len(errs) == 0 {
			err = s.Orders.UpdateSettings(r.Context(), actor(r), st)
			if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
				errs = e.Fields
			} else if err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(errs) > 0 {
			s.renderSettings(w, r, http.StatusUnprocessableEntity, &f, errs, views.SettingsDayForm{}, nil)
			return
		}
		s.flash(r, "ok", "settings.saved")
		redirect(w, r, "/settings")
	}
}

func (s *server) handleAddCalendarDay() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := views.SettingsDayForm{Day: strings.TrimSpace(r.PostFormValue("day")), Kind: r.PostFormValue("kind")}
		errs := views.FieldErrors{}
		day, err := calendar.ParseDate(f.Day)
		if err != nil {
			errs["day"] = "settings.calendar.day_invalid"
		}
		if f.Kind != workorder.CalendarHoliday && f.Kind != workorder.CalendarWorkday {
			errs["kind"] = "settings.calendar.kind_invalid"
		}
		if len(errs) == 0 {
			err = s.Orders.AddCalendarDay(r.Context(), actor(r), day, f.Kind)
			if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
				errs = e.Fields
			} else if err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(errs) > 0 {
			s.renderSettings(w, r, http.StatusUnprocessableEntity, nil, nil, f, errs)
			return
		}
		s.settingsFlash(r, "settings.calendar.added", map[string]any{"Day": day.String(), "Kind": i18n.T(r.Context(), "settings.calendar.kind."+f.Kind)})
		redirect(w, r, "/settings#calendar")
	}
}

func (s *server) handleDeleteCalendarDay() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		day, err := calendar.ParseDate(chi.URLParam(r, "day"))
		if err != nil {
			s.fail(w, r, apperr.New(apperr.NotFound, "error.not_found"))
			return
		}
		if r.PostFormValue("confirm") != "yes" {
			// Not confirmed: ask first.
			redirect(w, r, "/settings?delete="+day.String()+"#calendar")
			return
		}
		if err := s.Orders.DeleteCalendarDay(r.Context(), actor(r), day); err != nil {
			s.fail(w, r, err)
			return
		}
		s.settingsFlash(r, "settings.calendar.deleted", map[string]any{"Day": day.String()})
		redirect(w, r, "/settings#calendar")
	}
}
