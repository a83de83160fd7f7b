package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/weekplan"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// Next week's plans (下周工作计划): the technician's own plan, the list of a week's plans
// for supervisors and managers, and a plan's page with its forms.

// today is the server's calendar day in the user's time zone.
func (s *server) today(r *http.Request) time.Time {
	return weekplan.Day(s.Now(), i18n.Location(r.Context()))
}

// planURL is the page of technician tech's plan of the week starting on week.
func planURL(tech int64, week time.Time) string {
	return "/weekplans/" + strconv.FormatInt(tech, 10) + "/" + week.Format(time.DateOnly)
}

// handleMyWeekPlan opens the technician's own plan of next week (下周计划).
func (s *server) handleMyWeekPlan() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		redirect(w, r, planURL(actor(r).UserID, weekplan.NextWeek(s.today(r))))
	}
}

// planTarget reads the technician and the week of a plan's URL.
func planTarget(r *http.Request) (int64, time.Time, bool) {
	tech, err := pathID(r, "tech")
	week, ok := weekplan.ParseWeek(chi.URLParam(r, "week"))
	return tech, week, err == nil && ok
}

// renderWeekPlan renders a plan's page fresh from the database, with what a refused
// form left behind.
func (s *server) renderWeekPlan(w http.ResponseWriter, r *http.Request, status int, tech int64, week time.Time, v views.WeekPlanView) {
	pg, err := s.WeekPlans.Page(r.Context(), actor(r), tech, week)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	typed := v.PlanPage.Rows
	v.PlanPage = pg
	if v.Action == "save" {
		v.PlanPage.Rows = typed
	}
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	s.render(w, r, status, views.WeekPlanPage(s.page(r, "weekplan.title"), v))
}

// handleWeekPlan is a plan's page.
func (s *server) handleWeekPlan() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tech, week, ok := planTarget(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		s.renderWeekPlan(w, r, http.StatusOK, tech, week, views.WeekPlanView{})
	}
}

// planRows reads the plan form's rows; a row with no kind is left out (a blank row, or
// one the user cleared to remove it).
func planRows(r *http.Request) []weekplan.ItemInput {
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	n = min(max(n, 0), weekplan.MaxItems+10)
	var rows []weekplan.ItemInput
	for i := 0; i < n; i++ {
		f := func(name string) string { return r.PostFormValue(name + "_" + strconv.Itoa(i)) }
		if f("kind") == "" {
			continue
		}
		day, _ := time.Parse(time.DateOnly, f("day"))
		order, _ := strconv.ParseInt(f("order"), 10, 64)
		rows = append(rows, weekplan.ItemInput{Day: day, Kind: f("kind"), Part: f("part"), Start: f("start"), End: f("end"), OrderID: order, Note: f("note")})
	}
	return rows
}

// handleWeekPlanAction saves the plan's items, submits it, approves it or returns it.
func (s *server) handleWeekPlanAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tech, week, ok := planTarget(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		action := chi.URLParam(r, "action")
		vals := postValues(r)
		version, err := formVersion(vals["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a, ctx := actor(r), r.Context()
		v := views.WeekPlanView{Action: action, Values: vals}
		switch action {
		case "save":
			v.PlanPage.Rows = planRows(r)
			_, err = s.WeekPlans.Save(ctx, a, tech, week, version, v.PlanPage.Rows)
		case "submit":
			_, err = s.WeekPlans.Submit(ctx, a, tech, week, version)
		case "approve":
			_, err = s.WeekPlans.Approve(ctx, a, tech, week, version)
		case "return":
			_, err = s.WeekPlans.Return(ctx, a, tech, week, version, vals["comment"])
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
			v.Errors, v.ErrorKey, v.ErrorData = ref.fields, ref.key, ref.data
			s.renderWeekPlan(w, r, ref.status, tech, week, v)
			return
		}
		s.flash(r, "ok", "weekplan.done."+action)
		redirect(w, r, planURL(tech, week))
	}
}

// handleWeekPlans lists a week's plans by technician (next week by default; ?week= any
// day of another week, ?station= one station).
func (s *server) handleWeekPlans() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		week := weekplan.NextWeek(s.today(r))
		if wk := q.Get("week"); wk != "" {
			var ok bool
			if week, ok = weekplan.ParseWeek(wk); !ok {
				week = weekplan.NextWeek(s.today(r))
			}
		}
		station, _ := strconv.ParseInt(q.Get("station"), 10, 64)
		list, err := s.WeekPlans.List(r.Context(), actor(r), week, station)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.WeekPlans(s.page(r, "weekplan.list.title"), views.WeekPlanListView{List: list, Query: q}))
	}
}
