package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/dailyreport"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// renderDailyToday renders the technician's 今日日报 with what a refused post sent back.
func (s *server) renderDailyToday(w http.ResponseWriter, r *http.Request, status int, v views.DailyTodayView) {
	t, err := s.DailyReports.Today(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Today = t
	s.render(w, r, status, views.DailyToday(s.page(r, "daily.today_title"), v))
}

// handleDailyToday is 今日日报; ?correct=1 opens the form over the submitted report.
func (s *server) handleDailyToday() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderDailyToday(w, r, http.StatusOK, views.DailyTodayView{Correct: r.URL.Query().Get("correct") == "1"})
	}
}

// handleSubmitDaily submits the day's report (or a correction) and shows it.
func (s *server) handleSubmitDaily() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		version, err := formVersion(vals["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		shape := map[string]string{}
		when := day(shape, "day", vals["day"], "error.invalid", i18n.Location(r.Context()))
		if when.IsZero() {
			shape["day"] = "error.invalid"
		}
		in := dailyreport.Entry{Difficulties: vals["difficulties"], Feedback: vals["feedback"], Remarks: vals["remarks"]}
		for i := range dailyreport.MaxLeads + 1 {
			n := strconv.Itoa(i)
			l := dailyreport.Lead{Customer: vals["lead_customer_"+n], What: vals["lead_what_"+n], Contact: vals["lead_contact_"+n]}
			if l != (dailyreport.Lead{}) {
				in.Leads = append(in.Leads, l)
			}
		}
		err = formErr(shape)
		if err == nil {
			_, err = s.DailyReports.Submit(r.Context(), actor(r), when, version, in)
		}
		if err != nil {
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			s.renderDailyToday(w, r, ref.status, views.DailyTodayView{Correct: true, Values: vals, Errors: ref.fields, ErrorKey: ref.key})
			return
		}
		s.flash(r, "ok", "daily.submitted")
		redirect(w, r, "/daily-reports/today")
	}
}

// handleDailyList is the day's reports by technician (?day=, ?station=).
func (s *server) handleDailyList() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		day := s.Now()
		if d := q.Get("day"); d != "" {
			t, err := time.ParseInLocation(time.DateOnly, d, i18n.Location(r.Context()))
			if err != nil {
				s.renderError(w, r, http.StatusUnprocessableEntity, "daily.field.day_invalid", nil)
				return
			}
			day = t
		}
		station, _ := strconv.ParseInt(q.Get("station"), 10, 64)
		l, err := s.DailyReports.List(r.Context(), actor(r), day, station)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.DailyList(s.page(r, "daily.list_title"), views.DailyListView{List: l, StationID: station}))
	}
}

// renderDailyReport renders a report fresh from the database, with what a refused step
// sent back.
func (s *server) renderDailyReport(w http.ResponseWriter, r *http.Request, status int, id int64, v views.DailyReportView) {
	p, err := s.DailyReports.Get(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page = p
	s.render(w, r, status, views.DailyReportPage(s.page(r, "daily.list_title"), v))
}

// handleDailyReport is one report.
func (s *server) handleDailyReport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderDailyReport(w, r, http.StatusOK, id, views.DailyReportView{})
	}
}

// handleDailyStep comments on a report or marks it reviewed, and goes back to it.
func (s *server) handleDailyStep() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		version, err := formVersion(vals["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		step := chi.URLParam(r, "step")
		switch step {
		case "comment":
			_, err = s.DailyReports.Comment(r.Context(), actor(r), id, version, vals["comment"])
		case "review":
			_, err = s.DailyReports.Review(r.Context(), actor(r), id, version, vals["comment"])
		default:
			s.notFound(w, r)
			return
		}
		if err != nil {
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			s.renderDailyReport(w, r, ref.status, id, views.DailyReportView{Values: vals, Errors: ref.fields, ErrorKey: ref.key})
			return
		}
		s.flash(r, "ok", "daily.done."+step)
		redirect(w, r, "/daily-reports/"+strconv.FormatInt(id, 10))
	}
}

// handleDailyRules is the settings tab of the daily report.
func (s *server) handleDailyRules() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderDailyRules(w, r, http.StatusOK, views.DailyRulesView{})
	}
}

func (s *server) renderDailyRules(w http.ResponseWriter, r *http.Request, status int, v views.DailyRulesView) {
	p, err := s.DailyReports.RulesOf(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.RulesPage = p
	s.render(w, r, status, views.DailyRules(s.page(r, "daily.rules_title"), v))
}

// handleSaveDailyRules saves the station's time from which reports are missing.
func (s *server) handleSaveDailyRules() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		if err := s.DailyReports.SaveRules(r.Context(), actor(r), vals["missing_after"]); err != nil {
			if ref, ok := refusalOf(err); ok && len(ref.fields) > 0 {
				s.renderDailyRules(w, r, ref.status, views.DailyRulesView{Values: vals, Errors: ref.fields})
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "daily.rules_saved")
		redirect(w, r, "/settings/daily-reports")
	}
}
