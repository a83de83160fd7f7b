package server

import (
	"net"
	"net/http"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/web/views"
)

func (s *server) handleSignInPage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := auth.ActorFrom(r.Context()); ok {
			redirect(w, r, safeNext(r.URL.Query().Get("next")))
			return
		}
		s.render(w, r, http.StatusOK, views.SignIn(s.page(r, "auth.signin.title"), views.SignInForm{Next: r.URL.Query().Get("next")}))
	}
}

// clientIP is the TCP peer's address. Forwarded headers are not trusted: anyone could
// set them to dodge the per-address throttle.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *server) handleSignIn() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := views.SignInForm{Username: r.PostFormValue("username"), Next: r.PostFormValue("next")}
		u, err := s.Auth.Authenticate(r.Context(), f.Username, r.PostFormValue("password"), clientIP(r))
		if err != nil {
			e := apperr.As(err)
			status := statusOf(e.Code)
			if status == http.StatusInternalServerError {
				s.fail(w, r, err)
				return
			}
			f.ErrorKey, f.ErrorData = e.Key, e.Data
			s.render(w, r, status, views.SignIn(s.page(r, "auth.signin.title"), f))
			return
		}
		// A new token on sign-in: a session id planted before sign-in is worthless.
		if err := s.Sessions.RenewToken(r.Context()); err != nil {
			s.fail(w, r, apperr.Wrap(err, "renew session"))
			return
		}
		s.Sessions.Put(r.Context(), sessionUserID, u.ID)
		s.Sessions.Put(r.Context(), sessionSignedIn, s.Now().UnixMilli())
		s.Sessions.Put(r.Context(), sessionSeen, s.Now().Unix())
		if u.Language == nil {
			// Keep a language chosen on the sign-in page.
			if l := s.Sessions.GetString(r.Context(), sessionLang); l != "" {
				_ = s.Auth.SetLanguage(r.Context(), u.ID, l)
			}
		}
		redirect(w, r, safeNext(f.Next))
	}
}

func (s *server) handleSignOut() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := s.Sessions.GetString(r.Context(), sessionLang)
		if err := s.Sessions.Destroy(r.Context()); err != nil {
			s.fail(w, r, apperr.Wrap(err, "sign out"))
			return
		}
		if lang != "" {
			s.Sessions.Put(r.Context(), sessionLang, lang)
		}
		redirect(w, r, "/signin")
	}
}

// handleLanguage switches the UI language: stored on the user when signed in, in the
// session otherwise.
func (s *server) handleLanguage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Normalize(r.PostFormValue("lang"))
		if lang == "" {
			s.renderError(w, r, http.StatusUnprocessableEntity, "error.invalid", nil)
			return
		}
		s.Sessions.Put(r.Context(), sessionLang, lang)
		if a, ok := auth.ActorFrom(r.Context()); ok {
			if err := s.Auth.SetLanguage(r.Context(), a.UserID, lang); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		redirect(w, r, safeNext(r.PostFormValue("next")))
	}
}

func (s *server) handleHome() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			s.notFound(w, r)
			return
		}
		a := actor(r)
		counts, err := s.Complaints.HomeCounts(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v := views.HomeView{Complaints: counts, Now: s.Now()}
		// Managers see what waits on proposals: a decision, or an answer to the customer.
		if a.Is(auth.RoleManager) && s.Proposals != nil {
			c, err := s.Proposals.HomeCounts(r.Context(), a)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			v.Proposals = &c
		}
		// Managers see a few of today's and this month's figures, each leading into the report.
		if a.Is(auth.RoleManager) {
			h, err := s.Reports.Headline(r.Context(), a)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			v.Headline = &h
			if v.MissingReports, err = s.DailyReports.MissingRecent(r.Context(), a); err != nil {
				s.fail(w, r, err)
				return
			}
			pending, err := s.Reconcile.Unreconciled(r.Context(), a)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			v.Reconcile = &pending
		}
		// Managers and admins see the messages to customers that failed.
		if a.Is(auth.RoleManager, auth.RoleAdmin) {
			if v.FailedMessages, err = s.Outbox.Failed(r.Context(), a); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		s.render(w, r, http.StatusOK, views.Home(s.page(r, "nav.home"), v))
	}
}
