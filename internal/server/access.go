package server

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/accesslog"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/xlsxmark"
	"github.com/aftersales/aftersales/web/views"
	"github.com/xuri/excelize/v2"
)

// accessOrigin puts the request's route and peer address in the context, for the
// services that write the access log.
func (s *server) accessOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := accesslog.WithOrigin(r.Context(), accesslog.Origin{Route: r.URL.RequestURI(), Remote: clientIP(r)})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// exportMark is the mark every workbook of this request carries: the signed-in user and
// now, in the user's language and time zone.
func (s *server) exportMark(r *http.Request) xlsxmark.Mark {
	a := actor(r)
	by := a.Name
	if by == "" {
		by = a.Username
	}
	return xlsxmark.Mark{By: by, At: s.Now(), Loc: i18n.Location(r.Context()), Lang: i18n.Lang(r.Context())}
}

// stampWorkbook marks x (every sheet it has now) with who exports it and when, and records
// the export of a list in the access log. Stream-written sheets are stamped before their
// writer opens.
func (s *server) stampWorkbook(r *http.Request, x *excelize.File) error {
	if err := xlsxmark.Stamp(x, s.exportMark(r)); err != nil {
		return err
	}
	return s.Access.RecordExport(r.Context(), actor(r), 0, nil)
}

// sendWorkbook marks a workbook built in one piece, records the export of a list in the
// access log and sends it as filename (fallback: its ASCII name).
func (s *server) sendWorkbook(w http.ResponseWriter, r *http.Request, data []byte, filename, fallback string) {
	data, err := xlsxmark.Restamp(data, s.exportMark(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Access.RecordExport(r.Context(), actor(r), 0, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	catalogAttachment(w, filename, fallback)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// handleAccessLog is the access log (访问记录): a manager's stations' entries, an admin's
// all, filtered by person, kind, record and days, 50 a page.
func (s *server) handleAccessLog() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		errs := map[string]string{}
		f := accesslog.Filter{
			ActorID:  number(errs, "person", q.Get("person")),
			Kind:     accesslog.Kind(q.Get("kind")),
			RecordID: number(errs, "record", q.Get("record")),
			Before:   number(errs, "before", q.Get("before")),
		}
		if f.Kind != "" && !f.Kind.Valid() {
			errs["kind"] = "error.invalid"
		}
		loc := i18n.Location(r.Context())
		if t := day(errs, "from", q.Get("from"), "access.field.day", loc); !t.IsZero() {
			f.From = &t
		}
		if t := day(errs, "to", q.Get("to"), "access.field.day", loc); !t.IsZero() {
			f.To = &t
		}
		v := views.AccessLogView{Person: q.Get("person"), Kind: q.Get("kind"), Record: q.Get("record"), From: q.Get("from"), To: q.Get("to"), Errors: views.FieldErrors(errs)}
		status := http.StatusOK
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
			f = accesslog.Filter{}
		}
		p, err := s.Access.List(r.Context(), actor(r), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Page = p
		if p.Next > 0 {
			nq := r.URL.Query()
			nq.Set("before", strconv.FormatInt(p.Next, 10))
			v.NextURL = "/access-log?" + nq.Encode()
		}
		s.render(w, r, status, views.AccessLog(s.page(r, "access.title"), v))
	}
}
