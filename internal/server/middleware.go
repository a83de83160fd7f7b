package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/go-chi/chi/v5"
)

type requestIDKey struct{}

// requestID gives every request an id, in the context, the logs and X-Request-Id.
func (s *server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming responses (Server-Sent Events) through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// loggedPath is a request's path as the log keeps it: a customer's label or progress
// link is a key to their order, so its token is left out.
func loggedPath(p string) string {
	for _, prefix := range []string{"/u/", "/p/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			tail := ""
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				tail = rest[i:]
			}
			return prefix + "{token}" + tail
		}
	}
	return p
}

// logRequests writes one structured line per request.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			return
		}
		attrs := []any{
			slog.String("request_id", requestIDFrom(r.Context())),
			slog.String("method", r.Method), slog.String("path", loggedPath(r.URL.Path)),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)),
		}
		if a, ok := auth.ActorFrom(r.Context()); ok {
			attrs = append(attrs, slog.Int64("user_id", a.UserID))
		}
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", toAttrs(attrs)...)
	})
}

func toAttrs(a []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(a))
	for _, x := range a {
		out = append(out, x.(slog.Attr))
	}
	return out
}

// observe records request latency by route pattern.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.latency.WithLabelValues(route, r.Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	})
}

// recoverPanics turns a panic into a logged 500 page.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, apperr.Wrap(fmt.Errorf("panic: %v", v), r.URL.Path))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests from other sites (Go's
// CrossOriginProtection: Sec-Fetch-Site and Origin checks).
func (s *server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(s.Config.BaseURL); err != nil {
		s.Logger.Warn("BASE_URL is not a valid origin", "err", err)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusForbidden, "error.cross_origin", nil)
	}))
	return cop.Handler(next)
}

const sessionUserID = "user_id"

// sessionSignedIn is when the session signed in (Unix milliseconds).
const sessionSignedIn = "signed_in"
const sessionLang = "lang"
const sessionFlash = "flash"

// loadActor puts the signed-in user in the context, reloaded every request so a
// deactivated account or a role change takes effect at once.
func (s *server) loadActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.Sessions.GetInt64(r.Context(), sessionUserID)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		a, err := s.Auth.ActorFor(r.Context(), id)
		if err == nil && !a.SessionsAfter.IsZero() && s.Sessions.GetInt64(r.Context(), sessionSignedIn) < a.SessionsAfter.UnixMilli() {
			// The password was reset after this session signed in.
			err = apperr.New(apperr.Unauthenticated, "auth.session_ended")
		}
		if err != nil {
			if c := apperr.CodeOf(err); c == apperr.NotFound || c == apperr.Unauthenticated {
				_ = s.Sessions.Destroy(r.Context())
				next.ServeHTTP(w, r)
				return
			}
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithActor(r.Context(), a)))
	})
}

// locale picks the language: the user's setting, then the session's choice, then
// Accept-Language, then the default. The time zone is the configured one.
func (s *server) locale(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if a, ok := auth.ActorFrom(r.Context()); ok {
			lang = a.Language
		}
		if lang == "" {
			lang = s.Sessions.GetString(r.Context(), sessionLang)
		}
		if lang == "" {
			lang = i18n.Match(r.Header.Get("Accept-Language"))
		}
		if lang == "" {
			lang = s.Config.Language.String()
		}
		ctx := i18n.WithLang(r.Context(), lang)
		ctx = i18n.WithLocation(ctx, s.Config.Location)
		w.Header().Set("Content-Language", lang)
		w.Header().Add("Vary", "Accept-Language")
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireSignIn sends anonymous users to the sign-in page, remembering where they went.
func (s *server) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := auth.ActorFrom(r.Context()); ok {
			next.ServeHTTP(w, r)
			return
		}
		target := "/signin"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		if r.Header.Get("HX-Request") == "true" {
			w.Header().Set("HX-Redirect", target)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// requireRole lets only the given roles through; others get a 403 page naming the roles
// that may open it.
func (s *server) requireRole(roles ...auth.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, _ := auth.ActorFrom(r.Context())
			if a.Is(roles...) {
				next.ServeHTTP(w, r)
				return
			}
			names := make([]string, len(roles))
			for i, role := range roles {
				names[i] = string(role)
			}
			s.renderError(w, r, http.StatusForbidden, "error.forbidden_role", map[string]any{"Roles": strings.Join(names, ",")})
		})
	}
}

// staticCache lets browsers keep static files for a day.
func staticCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows the app's own scripts, styles and images only: no inline
// script, no other origin, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// maxFormBody bounds a url-encoded form; uploads (multipart) have their own limits.
const maxFormBody = 1 << 20

// cleanInput refuses, before any handler sees it, a query or url-encoded form that is
// too large or holds text no user types: invalid UTF-8 or control characters other
// than tab and newline. The answer is a 422 page that says so, never a 500.
func (s *server) cleanInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := !textOK(r.URL.RawQuery, true) || !valuesOK(r.URL.Query())
		if !bad && r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				s.renderError(w, r, http.StatusRequestEntityTooLarge, "error.form_too_large", nil)
				return
			}
			bad = !valuesOK(r.PostForm)
			if k := r.PostForm.Get("form_key"); k != "" && !bad {
				r = r.WithContext(db.WithFormKey(r.Context(), k))
			}
		}
		if bad {
			s.renderError(w, r, http.StatusUnprocessableEntity, "error.bad_text", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func valuesOK(v url.Values) bool {
	for k, vs := range v {
		if !textOK(k, false) {
			return false
		}
		for _, x := range vs {
			if !textOK(x, false) {
				return false
			}
		}
	}
	return true
}

// textOK reports whether s is valid UTF-8 without control characters (tab, newline and
// carriage return allowed unless raw, for an undecoded query).
func textOK(s string, raw bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == 0x7f || (r < 0x20 && (raw || (r != '\t' && r != '\n' && r != '\r'))) {
			return false
		}
	}
	return true
}

// metricsGuard lets /metrics answer loopback, or a request with the configured token.
func (s *server) metricsGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := net.ParseIP(clientIP(r)); ip != nil && ip.IsLoopback() {
			next.ServeHTTP(w, r)
			return
		}
		if t := s.Config.MetricsToken; t != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+t)) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		http.Error(w, "forbidden", http.StatusForbidden)
	})
}
