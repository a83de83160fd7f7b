package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/web/views"
)

// statusOf is the ONE map from apperr codes to HTTP statuses.
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Conflict, apperr.IllegalTransition:
		return http.StatusConflict
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.TooManyRequests:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// fail renders err as an error page. Only Internal errors are logged with their cause,
// and their message never reaches the user.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	status := statusOf(e.Code)
	if status == http.StatusInternalServerError {
		s.Logger.Error("internal error", slog.String("request_id", requestIDFrom(r.Context())), slog.String("err", err.Error()))
		s.renderError(w, r, status, "error.internal", nil)
		return
	}
	s.renderError(w, r, status, e.Key, e.Data)
}

// localizeData turns the raw values services put in error data (state, transition and
// role keys) into the user's words before they fill a message.
func localizeData(ctx context.Context, data map[string]any) map[string]any {
	if len(data) == 0 {
		return data
	}
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = v
		str, ok := v.(string)
		if !ok || str == "" {
			continue
		}
		switch k {
		case "State":
			out[k] = i18n.T(ctx, "state."+str)
		case "Transition":
			out[k] = i18n.T(ctx, "transition."+str)
		case "ComplaintState":
			out[k] = i18n.T(ctx, "complaint.state."+str)
		case "Step":
			out[k] = i18n.T(ctx, "complaint.step."+str)
		case "ToolState":
			out[k] = i18n.T(ctx, "tool.state."+str)
		case "Role":
			out[k] = i18n.T(ctx, "role."+str)
		case "Roles":
			parts := strings.Split(str, ",")
			for i, p := range parts {
				parts[i] = i18n.T(ctx, "role."+strings.TrimSpace(p))
			}
			sep := "、"
			if i18n.Lang(ctx) == "en" {
				sep = ", "
			}
			out[k] = strings.Join(parts, sep)
		}
	}
	return out
}

// renderError renders the error page for status with a catalog message.
func (s *server) renderError(w http.ResponseWriter, r *http.Request, status int, key string, data map[string]any) {
	data = localizeData(r.Context(), data)
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(i18n.T(r.Context(), key, data)))
		return
	}
	p := s.page(r, "error.title."+itoa(status))
	s.render(w, r, status, views.ErrorPage(p, views.ErrorView{Status: status, Key: key, Data: data, RequestID: requestIDFrom(r.Context())}))
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "error.not_found", nil)
}

func (s *server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusMethodNotAllowed, "error.method_not_allowed", nil)
}

// refusal is a service's refusal of an action, as the form that asked shows it: field
// messages (422), or a message at the top (409 for a conflict or an illegal step, 403),
// the user's input kept either way.
type refusal struct {
	status int
	fields map[string]string
	key    string
	data   map[string]any
}

// refusalOf turns a refused action into what its form shows; ok is false for anything
// else (not found, an internal error), which the error page answers.
func refusalOf(err error) (refusal, bool) {
	e := apperr.As(err)
	switch {
	case len(e.Fields) > 0:
		return refusal{status: http.StatusUnprocessableEntity, fields: e.Fields}, true
	case e.Code == apperr.Conflict || e.Code == apperr.IllegalTransition || e.Code == apperr.Forbidden:
		return refusal{status: statusOf(e.Code), key: e.Key, data: e.Data}, true
	}
	return refusal{}, false
}
