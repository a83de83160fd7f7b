package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// numericSettings are the keys of the settings form's whole-number fields.
var numericSettings = slices.DeleteFunc(settings.Keys(), func(k string) bool { return k == settings.WorkHours || k == settings.Weekend })

// settingsStation is the station a settings page or form is for: ?station= or the form's
// station field, else the manager's own. An id that does not parse is 0 (refused by the
// service).
func settingsStation(r *http.Request) int64 {
	raw := r.FormValue("station")
	if raw == "" {
		return actor(r).StationID
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// settingsFormOf shows a station's settings in the form.
func settingsFormOf(st settings.Values) views.SettingsForm {
	f := views.SettingsForm{Numbers: map[string]string{}, Weekend: map[int]bool{},
		DayStart: settings.Clock(st.WorkDayStart), DayEnd: settings.Clock(st.WorkDayEnd)}
	for _, k := range numericSettings {
		f.Numbers[k] = st.Format(k)
	}
	for _, d := range st.Weekend {
		f.Weekend[int(d)] = true
	}
	return f
}

// decodeSettings reads the settings form: the form as typed, and the values by key as
// the service takes them (working hours as 09:00-18:00, the weekend as 0,6). Shape
// errors of the clock fields are caught here; the service checks every value.
func decodeSettings(r *http.Request) (views.SettingsForm, map[string]string, views.FieldErrors) {
	f := views.SettingsForm{Numbers: map[string]string{}, Weekend: map[int]bool{},
		DayStart: r.PostFormValue("work_day_start"), DayEnd: r.PostFormValue("work_day_end")}
	values := map[string]string{}
	errs := views.FieldErrors{}
	for _, k := range numericSettings {
		raw := strings.TrimSpace(r.PostFormValue(k))
		f.Numbers[k] = raw
		values[k] = raw
	}
	_, okStart := settings.ParseClock(f.DayStart)
	_, okEnd := settings.ParseClock(f.DayEnd)
	if !okStart {
		errs["work_day_start"] = "settings.field.time"
	}
	if !okEnd {
		errs["work_day_end"] = "settings.field.time"
	}
	values[settings.WorkHours] = strings.TrimSpace(f.DayStart) + "-" + strings.TrimSpace(f.DayEnd)
	var days []string
	for _, raw := range r.PostForm["weekend"] {
		d, err := strconv.Atoi(raw)
		if err != nil || d < 0 || d > 6 {
			errs["weekend"] = "settings.field.weekday"
			continue
		}
		f.Weekend[d] = true
		days = append(days, strconv.Itoa(d))
	}
	values[settings.Weekend] = strings.Join(days, ",")
	return f, values, errs
}

// settingsPage is what renderSettings shows besides the saved settings.
type settingsPage struct {
	form    *views.SettingsForm
	errs    views.FieldErrors
	day     views.SettingsDayForm
	dayErrs views.FieldErrors
}

// renderSettings renders a station's settings page with the given forms and messages;
// a nil form shows the saved settings.
func (s *server) renderSettings(w http.ResponseWriter, r *http.Request, status int, station int64, pg settingsPage) {
	sv, err := s.Settings.ViewOf(r.Context(), actor(r), station)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.SettingsView{View: sv, Errs: pg.errs, DayForm: pg.day, DayErrs: pg.dayErrs}
	if pg.form != nil {
		v.Form = *pg.form
	} else {
		v.Form = settingsFormOf(sv.Values)
	}
	if r.Method == http.MethodGet {
		if d, err := calendar.ParseDate(r.URL.Query().Get("delete")); err == nil {
			v.ConfirmDelete = d.String()
		}
		if k := r.URL.Query().Get("reset"); settings.IsKey(k) && sv.Own(k) {
			v.ConfirmReset = k
		}
	}
	s.render(w, r, status, views.Settings(s.page(r, "settings.title"), v))
}

// settingsURL is the settings page of a station.
func settingsURL(station int64, anchor string) string {
	return "/settings?station=" + strconv.FormatInt(station, 10) + anchor
}

func (s *server) handleSettings() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderSettings(w, r, http.StatusOK, settingsStation(r), settingsPage{})
	}
}

// settingsFieldOf is the form field a refused value's message goes under.
func settingsFieldOf(key string) string {
	if key == settings.WorkHours {
		return "work_day_end"
	}
	return key
}

func (s *server) handleSaveSettings() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station := settingsStation(r)
		f, values, errs := decodeSettings(r)
		if len(errs) == 0 {
			err := s.Settings.Save(r.Context(), actor(r), station, values)
			if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
				for k, msg := range e.Fields {
					errs[settingsFieldOf(k)] = msg
				}
			} else if err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(errs) > 0 {
			s.renderSettings(w, r, http.StatusUnprocessableEntity, station, settingsPage{form: &f, errs: errs})
			return
		}
		s.flash(r, "ok", "settings.saved")
		redirect(w, r, settingsURL(station, ""))
	}
}

// handleResetSetting removes a station's own value, once confirmed.
func (s *server) handleResetSetting() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station, key := settingsStation(r), r.PostFormValue("key")
		if !settings.IsKey(key) {
			s.fail(w, r, apperr.New(apperr.NotFound, "error.not_found"))
			return
		}
		if r.PostFormValue("confirm") != "yes" {
			// Not confirmed: ask first.
			redirect(w, r, settingsURL(station, "&reset="+key))
			return
		}
		if err := s.Settings.Reset(r.Context(), actor(r), station, key); err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "stset.reset_done")
		redirect(w, r, settingsURL(station, ""))
	}
}

func (s *server) handleAddCalendarDay() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station := settingsStation(r)
		f := views.SettingsDayForm{Day: strings.TrimSpace(r.PostFormValue("day")), Kind: r.PostFormValue("kind")}
		errs := views.FieldErrors{}
		day, err := calendar.ParseDate(f.Day)
		if err != nil {
			errs["day"] = "settings.calendar.day_invalid"
		}
		if f.Kind != settings.KindHoliday && f.Kind != settings.KindWorkday {
			errs["kind"] = "settings.calendar.kind_invalid"
		}
		if len(errs) == 0 {
			err = s.Settings.AddDay(r.Context(), actor(r), station, day, f.Kind)
			if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
				errs = e.Fields
			} else if err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(errs) > 0 {
			s.renderSettings(w, r, http.StatusUnprocessableEntity, station, settingsPage{day: f, dayErrs: errs})
			return
		}
		s.flashData(r, "settings.calendar.added", map[string]any{"Day": day.String(), "Kind": i18n.T(r.Context(), "settings.calendar.kind."+f.Kind)})
		redirect(w, r, settingsURL(station, "#calendar"))
	}
}

func (s *server) handleDeleteCalendarDay() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station := settingsStation(r)
		day, err := calendar.ParseDate(chi.URLParam(r, "day"))
		if err != nil {
			s.fail(w, r, apperr.New(apperr.NotFound, "error.not_found"))
			return
		}
		if r.PostFormValue("confirm") != "yes" {
			// Not confirmed: ask first.
			redirect(w, r, settingsURL(station, "&delete="+day.String()+"#calendar"))
			return
		}
		if err := s.Settings.DeleteDay(r.Context(), actor(r), station, day); err != nil {
			s.fail(w, r, err)
			return
		}
		s.flashData(r, "settings.calendar.deleted", map[string]any{"Day": day.String()})
		redirect(w, r, settingsURL(station, "#calendar"))
	}
}
