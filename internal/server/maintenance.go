package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/maintenance"
	"github.com/aftersales/aftersales/web/views"
)

// unitMaint is the maintenance section of unit id's page, with what a refused form held.
func (s *server) unitMaint(r *http.Request, id int64, vals map[string]string, errs map[string]string) (views.UnitMaintView, error) {
	a := actor(r)
	p, found, err := s.Maint.PlanOfUnit(r.Context(), a, id)
	if err != nil {
		return views.UnitMaintView{}, err
	}
	return views.UnitMaintView{UnitID: id, Plan: p, Found: found, CanEdit: a.Is(auth.RoleSupervisor, auth.RoleManager),
		Values: vals, Errors: errs}, nil
}

// renderUnitRefused shows unit id's page again with the refused maintenance form.
func (s *server) renderUnitRefused(w http.ResponseWriter, r *http.Request, status int, id int64, vals, errs map[string]string) {
	p, err := s.Orders.UnitPage(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.unitMaint(r, id, vals, errs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, views.UnitPage(s.page(r, "unit.title"), views.UnitPageView{UnitPage: p, Now: s.Now(), Maint: m}))
}

// handleSetMaintPlan sets or edits unit's maintenance plan.
func (s *server) handleSetMaintPlan() http.HandlerFunc {
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
		errs := map[string]string{}
		cycle := number(errs, "cycle_months", vals["cycle_months"])
		due := day(errs, "next_due", vals["next_due"], "maint.field.next_due", time.UTC)
		if _, bad := errs["cycle_months"]; bad {
			cycle = 0
		}
		if _, bad := errs["next_due"]; bad {
			due = time.Time{}
		}
		in := maintenance.PlanInput{CycleMonths: int(cycle), NextDue: due, Checklist: r.PostForm.Get("checklist"), Parts: vals["parts"]}
		_, err = s.Maint.SetPlan(r.Context(), actor(r), id, version, in)
		if err != nil {
			if ref, ok := refusalOf(err); ok && len(ref.fields) > 0 {
				s.renderUnitRefused(w, r, ref.status, id, vals, ref.fields)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "maint.plan.saved")
		redirect(w, r, "/units/"+strconv.FormatInt(id, 10))
	}
}

// handleEndMaintPlan ends unit's maintenance plan.
func (s *server) handleEndMaintPlan() http.HandlerFunc {
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
		if err := s.Maint.EndPlan(r.Context(), actor(r), id, version, vals["reason"]); err != nil {
			if ref, ok := refusalOf(err); ok && len(ref.fields) > 0 {
				s.renderUnitRefused(w, r, ref.status, id, vals, ref.fields)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "maint.plan.ended")
		redirect(w, r, "/units/"+strconv.FormatInt(id, 10))
	}
}

// handleMaintenance lists the units overdue or due this month for maintenance.
func (s *server) handleMaintenance() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		due, err := s.Maint.DueList(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.MaintenancePage(s.page(r, "maint.page.title"), views.MaintenanceView{Due: due}))
	}
}

// handleMaintSettings is the settings tab of the maintenance job's days ahead.
func (s *server) handleMaintSettings() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderMaintSettings(w, r, http.StatusOK, views.MaintSettingsView{})
	}
}

func (s *server) renderMaintSettings(w http.ResponseWriter, r *http.Request, status int, v views.MaintSettingsView) {
	st, err := s.Maint.SettingsOf(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Settings = st
	s.render(w, r, status, views.MaintSettings(s.page(r, "maint.settings.title"), v))
}

// handleSaveMaintSettings saves the station's days ahead, or with inherit set removes
// the station's own setting.
func (s *server) handleSaveMaintSettings() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		inherit := vals["inherit"] == "1"
		errs := map[string]string{}
		var days int64
		if !inherit {
			days = number(errs, "days_ahead", vals["days_ahead"])
			if _, bad := errs["days_ahead"]; bad {
				errs["days_ahead"] = "maint.field.days_ahead_range"
			}
		}
		err := formErr(errs)
		if err == nil {
			err = s.Maint.SaveSettings(r.Context(), actor(r), int(days), inherit)
		}
		if err != nil {
			if ref, ok := refusalOf(err); ok && len(ref.fields) > 0 {
				s.renderMaintSettings(w, r, ref.status, views.MaintSettingsView{Values: vals, Errors: ref.fields})
				return
			}
			s.fail(w, r, err)
			return
		}
		if inherit {
			s.flash(r, "ok", "maint.settings.reset_done")
		} else {
			s.flash(r, "ok", "maint.settings.saved")
		}
		redirect(w, r, "/settings/maintenance")
	}
}
