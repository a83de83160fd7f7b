package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/web/views"
)

// page builds what the layout needs: actor, navigation, flash message.
func (s *server) page(r *http.Request, titleKey string) views.Page {
	p := views.Page{TitleKey: titleKey, Path: r.URL.RequestURI()}
	if a, ok := auth.ActorFrom(r.Context()); ok {
		p.Actor = &a
		p.StationName = a.StationName
		path := r.URL.Path
		if strings.HasPrefix(path, "/units/") {
			path = "/customers/" // a unit page belongs to the customer archive
		}
		entries := navFor(a.Role)
		// The active entry is the one with the exact URL (for entries with a query, such
		// as /orders?state=assessing), else the longest path the page lies under, so
		// /parts/catalog lights 配件目录, not 配件台账 too.
		best := ""
		for _, e := range entries {
			if href, query, ok := strings.Cut(e.Href, "?"); ok && path == href && r.URL.RawQuery == query {
				best = e.Href
			}
		}
		if best == "" {
			for _, e := range entries {
				if strings.Contains(e.Href, "?") {
					continue
				}
				if (path == e.Href || (e.Href != "/" && strings.HasPrefix(path, e.Href+"/"))) && len(e.Href) > len(best) {
					best = e.Href
				}
			}
		}
		for _, e := range entries {
			p.Nav = append(p.Nav, views.NavItem{Href: e.Href, Key: e.Key, Active: e.Href == best})
		}
		for _, e := range homeMoreFor(a.Role) {
			p.More = append(p.More, views.NavItem{Href: e.Href, Key: e.Key})
		}
	}
	if s.Sessions != nil {
		if f, ok := s.Sessions.Pop(r.Context(), sessionFlash).(string); ok && f != "" {
			kind, rest, _ := strings.Cut(f, "|")
			key, data, _ := strings.Cut(rest, "|")
			p.FlashKind, p.Flash = kind, key
			if data != "" {
				var d map[string]any
				if json.Unmarshal([]byte(data), &d) == nil {
					p.FlashData = localizeData(r.Context(), d)
				}
			}
		}
	}
	return p
}

// flash stores a one-time message (a catalog key) for the next page. kind is ok or error.
func (s *server) flash(r *http.Request, kind, key string) {
	s.Sessions.Put(r.Context(), sessionFlash, kind+"|"+key)
}

// flashError stores an application error's message, with its data, for the next page.
func (s *server) flashError(r *http.Request, e *apperr.Error) {
	data, _ := json.Marshal(e.Data)
	s.Sessions.Put(r.Context(), sessionFlash, "error|"+e.Key+"|"+string(data))
}

// render writes a templ component with a status code.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.Logger.Error("render", "request_id", requestIDFrom(r.Context()), "err", err)
	}
}

// postValues is the posted form as a map of trimmed values (the first of each name), to
// decode from and to give back to a form that comes back with errors.
func postValues(r *http.Request) map[string]string {
	_ = r.ParseForm()
	values := make(map[string]string, len(r.PostForm))
	for k := range r.PostForm {
		values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	return values
}

// formVersion reads the version of the record a form was shown at. A missing or garbled
// one is Invalid (error.form_version): the service could not tell a newer change from a
// bad form, so it is never sent on as if the record had moved since.
func formVersion(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, apperr.New(apperr.Invalid, "error.form_version")
	}
	return n, nil
}

// number reads a whole number typed or chosen in a form or a query string, 0 when v is
// empty; one that does not parse is error.invalid on field k in errs, never read as 0.
func number(errs map[string]string, k, v string) int64 {
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		errs[k] = "error.invalid"
	}
	return n
}

// day reads a day (YYYY-MM-DD) in loc, zero when v is empty; one that does not parse is
// msg on field k in errs.
func day(errs map[string]string, k, v, msg string, loc *time.Location) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		errs[k] = msg
	}
	return t
}

// dayRange reads a list's from and to days in the request's time zone: from's start
// and the start of the day after to (to is included); zero where not given. A day that
// does not parse is msg on its field in errs.
func dayRange(r *http.Request, errs map[string]string, msg string) (from, to time.Time) {
	q, loc := r.URL.Query(), i18n.Location(r.Context())
	from = day(errs, "from", q.Get("from"), msg, loc)
	if t := day(errs, "to", q.Get("to"), msg, loc); !t.IsZero() {
		to = t.AddDate(0, 0, 1)
	}
	return from, to
}

// multipartProblem is what kept a multipart post from being read.
type multipartProblem int

const (
	multipartOK multipartProblem = iota
	// multipartTooBig: the body is over its limit, or not a multipart form at all.
	multipartTooBig
	// multipartBadText: a field is not clean text (NUL, invalid UTF-8).
	multipartBadText
)

// readMultipart bounds r's body at max and parses it as a multipart form, returning the
// first value of each field, trimmed, except the fields named in skip. When it returns
// multipartOK the caller removes the form's files (r.MultipartForm.RemoveAll).
func readMultipart(w http.ResponseWriter, r *http.Request, max int64, skip ...string) (map[string]string, multipartProblem) {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return nil, multipartTooBig
	}
	if !valuesOK(r.MultipartForm.Value) {
		_ = r.MultipartForm.RemoveAll()
		return nil, multipartBadText
	}
	values := map[string]string{}
	for k, vs := range r.MultipartForm.Value {
		if len(vs) > 0 && !slices.Contains(skip, k) {
			values[k] = strings.TrimSpace(vs[0])
		}
	}
	return values, multipartOK
}

// formErr is errs as the Invalid error a service would return for those fields, so a
// form's own shape problems take the same refusal path; nil when errs is empty.
func formErr(errs map[string]string) error {
	if len(errs) == 0 {
		return nil
	}
	return apperr.Fields(errs)
}

// redirect answers a POST with 303 See Other (post/redirect/get).
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func itoa(n int) string { return strconv.Itoa(n) }

// safeNext keeps a redirect (after sign-in, a language switch, a board move) on this
// site: a path that stays a same-origin path after the browser's own clean-up of the URL
// (it removes tabs and newlines and reads a backslash as a slash), else the home page.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	// %2F%2F or %5C decoded by a later hop must not make a host either.
	if p := u.Path; strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return "/"
	}
	return next
}

// flashData stores an ok message with template data for the next page.
func (s *server) flashData(r *http.Request, key string, data map[string]any) {
	b, _ := json.Marshal(data)
	s.Sessions.Put(r.Context(), sessionFlash, "ok|"+key+"|"+string(b))
}
