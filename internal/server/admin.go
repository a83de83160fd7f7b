package server

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	return id, nil
}

func actor(r *http.Request) auth.Actor {
	a, _ := auth.ActorFrom(r.Context())
	return a
}

// renderAdminUsers renders the user list with the new-user form (and its errors).
func (s *server) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, f views.UserForm, errs views.FieldErrors) {
	users, err := s.Auth.Users(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stations, err := s.Auth.Stations(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, views.AdminUsers(s.page(r, "admin.users.title"), users, stations, f, errs))
}

func (s *server) handleAdminUsers() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderAdminUsers(w, r, http.StatusOK, views.UserForm{StationID: actor(r).StationID}, nil)
	}
}

func (s *server) handleCreateUser() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		errs := map[string]string{}
		stationID := number(errs, "station_id", r.PostFormValue("station_id"))
		f := views.UserForm{
			Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
			Role: r.PostFormValue("role"), StationID: stationID, Phone: r.PostFormValue("phone"),
		}
		err := formErr(errs)
		if err == nil {
			_, err = s.Auth.CreateUser(r.Context(), actor(r), auth.NewUser{
				Username: f.Username, DisplayName: f.DisplayName, Role: auth.Role(f.Role),
				StationID: f.StationID, Password: r.PostFormValue("password"), Phone: f.Phone,
			})
		}
		if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
			s.renderAdminUsers(w, r, http.StatusUnprocessableEntity, f, e.Fields)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "admin.users.created")
		redirect(w, r, "/admin/users")
	}
}

func (s *server) handleAdminUser() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.Auth.UserPage(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		confirm := r.URL.Query().Get("confirm") == "deactivate"
		s.render(w, r, http.StatusOK, views.AdminUser(s.page(r, "admin.users.title"), u, nil, confirm))
	}
}

func (s *server) handleResetPassword() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		err = s.Auth.ResetPassword(r.Context(), actor(r), id, r.PostFormValue("password"))
		if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
			u, uerr := s.Auth.UserPage(r.Context(), actor(r), id)
			if uerr != nil {
				s.fail(w, r, uerr)
				return
			}
			s.render(w, r, http.StatusUnprocessableEntity, views.AdminUser(s.page(r, "admin.users.title"), u, e.Fields, false))
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "admin.users.password_reset")
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
	}
}

func (s *server) handleSetActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.Auth.SetActive(r.Context(), actor(r), id, active); err != nil {
			s.fail(w, r, err)
			return
		}
		key := "admin.users.activated"
		if !active {
			key = "admin.users.deactivated"
		}
		s.flash(r, "ok", key)
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
	}
}

// handleUnlock clears a user's sign-in failures so they can sign in again at once.
func (s *server) handleUnlock() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.Auth.Unlock(r.Context(), actor(r), id); err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "admin.users.unlocked")
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
	}
}

// handleMoveUser moves a user to another active station.
func (s *server) handleMoveUser() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		errs := map[string]string{}
		station := number(errs, "station_id", r.PostFormValue("station_id"))
		if err = formErr(errs); err == nil {
			err = s.Auth.MoveUser(r.Context(), actor(r), id, station)
		}
		if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
			u, uerr := s.Auth.UserPage(r.Context(), actor(r), id)
			if uerr != nil {
				s.fail(w, r, uerr)
				return
			}
			s.render(w, r, http.StatusUnprocessableEntity, views.AdminUser(s.page(r, "admin.users.title"), u, e.Fields, false))
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "admin.users.moved")
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
	}
}
