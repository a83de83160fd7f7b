package server

import (
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/notice"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// noticeMaxUpload bounds a notice form with its documents.
const noticeMaxUpload = notice.MaxFiles*notice.MaxFileBytes + 1<<20

// renderNotices renders the notice list with the issue form (for headquarters).
func (s *server) renderNotices(w http.ResponseWriter, r *http.Request, status int, v views.NoticeListView) {
	l, err := s.Notices.List(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.CanIssue, err = s.Notices.CanIssue(r.Context(), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Notices, v.Now = l, s.Now()
	s.render(w, r, status, views.Notices(s.page(r, "notice.list_title"), v))
}

// handleNotices is the notice list (技术通知); ?issue=1 opens the issue form prefilled
// with the brand, model, title and content given (a notice raised from a fault).
func (s *server) handleNotices() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := views.NoticeListView{}
		if q := r.URL.Query(); q.Get("issue") == "1" {
			v.Open, v.Values = true, map[string]string{}
			for _, k := range []string{"brand", "model", "title", "content"} {
				v.Values[k] = limitRunes(q.Get(k), notice.Limit(k))
			}
		}
		s.renderNotices(w, r, http.StatusOK, v)
	}
}

// handleIssueNotice issues a notice from the multipart form with its documents.
func (s *server) handleIssueNotice() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals, problem := readMultipart(w, r, noticeMaxUpload)
		switch problem {
		case multipartTooBig:
			s.renderNotices(w, r, http.StatusUnprocessableEntity, views.NoticeListView{Errors: views.FieldErrors{"files": "notice.field.file_too_big"}})
			return
		case multipartBadText:
			s.renderError(w, r, http.StatusUnprocessableEntity, "error.bad_text", nil)
			return
		}
		defer r.MultipartForm.RemoveAll() //nolint:errcheck
		ctx := db.WithFormKey(r.Context(), vals["form_key"])
		errs := map[string]string{}
		in := notice.NewNotice{Title: vals["title"], Content: vals["content"], Parts: vals["parts"], Brand: vals["brand"], Model: vals["model"],
			SerialFrom: vals["serial_from"], SerialTo: vals["serial_to"], Serials: vals["serials"],
			// A notice's days are calendar dates (UTC midnight), as the notice service keeps them.
			MadeFrom: day(errs, "made_from", vals["made_from"], "notice.field.date_invalid", time.UTC),
			MadeTo:   day(errs, "made_to", vals["made_to"], "notice.field.date_invalid", time.UTC),
			Deadline: day(errs, "deadline", vals["deadline"], "notice.field.date_invalid", time.UTC)}
		// A serial list may come as a workbook too: the first cell of each row.
		if fhs := r.MultipartForm.File["serials_xlsx"]; len(fhs) > 0 && fhs[0].Size > 0 {
			if serials, err := workbookSerials(fhs[0]); err != nil {
				errs["serials_xlsx"] = apperr.As(err).Key
			} else if serials != "" {
				in.Serials = strings.TrimSpace(in.Serials + "\n" + serials)
			}
		}
		var files []notice.Upload
		for _, fh := range r.MultipartForm.File["files"] {
			if fh.Size > notice.MaxFileBytes {
				errs["files"] = "notice.field.file_too_big"
				continue
			}
			data, err := readPart(fh)
			if err != nil {
				errs["files"] = "notice.field.file_too_big"
				continue
			}
			files = append(files, notice.Upload{Name: limitRunes(fh.Filename, notice.Limit("file_name")), Data: data})
		}
		var n notice.Notice
		err := formErr(errs)
		if err == nil {
			n, err = s.Notices.Issue(ctx, actor(r), in, files)
		}
		if err != nil {
			if ref, ok := refusalOf(err); ok && len(ref.fields) > 0 {
				s.renderNotices(w, r, ref.status, views.NoticeListView{Values: vals, Errors: ref.fields, Open: true})
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "notice.issued")
		redirect(w, r, "/notices/"+strconv.FormatInt(n.ID, 10))
	}
}

// handleNotice is a notice's page, or its printable execution record (执行记录单) for
// ?station=.
func (s *server) handleNotice(print bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		errs := map[string]string{}
		station := number(errs, "station", r.URL.Query().Get("station"))
		if len(errs) > 0 {
			s.notFound(w, r)
			return
		}
		d, err := s.Notices.Detail(r.Context(), actor(r), id, station)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v := views.NoticeView{Detail: d, Now: s.Now(), Overdue: s.Notices.Overdue}
		if print {
			s.render(w, r, http.StatusOK, views.NoticePrint(s.page(r, "notice.record_title"), v))
			return
		}
		s.render(w, r, http.StatusOK, views.NoticeDetail(s.page(r, "notice.title"), v))
	}
}

// handleNoticeFile serves one of a notice's documents.
func (s *server) handleNoticeFile() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err1 := pathID(r, "id")
		file, err2 := pathID(r, "file")
		if err1 != nil || err2 != nil {
			s.notFound(w, r)
			return
		}
		f, data, err := s.Notices.OpenFile(r.Context(), actor(r), id, file)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", f.ContentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Disposition", "inline")
		_, _ = w.Write(data)
	}
}

// handleNoticeAction runs one action on a notice (orders, unable, close) and goes back
// to its page; a refusal comes back as the page's message.
func (s *server) handleNoticeAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		back := "/notices/" + strconv.FormatInt(id, 10)
		var ok string
		switch action := chi.URLParam(r, "action"); action {
		case "orders":
			var units []int64
			for _, v := range r.PostForm["unit"] {
				if u, err := strconv.ParseInt(v, 10, 64); err == nil && u > 0 {
					units = append(units, u)
				}
			}
			_, err = s.Notices.CreateOrders(r.Context(), actor(r), id, units)
			ok = "notice.orders_created"
		case "unable":
			errs := map[string]string{}
			unit := number(errs, "unit", vals["unit"])
			if err = formErr(errs); err == nil {
				err = s.Notices.MarkUnable(r.Context(), actor(r), id, unit, vals["reason"], vals["note"])
			}
			ok = "notice.unable_saved"
		case "close":
			var version int
			if version, err = formVersion(vals["version"]); err == nil {
				err = s.Notices.Close(r.Context(), actor(r), id, version, vals["note"])
			}
			ok = "notice.closed"
		default:
			s.notFound(w, r)
			return
		}
		if err != nil {
			if _, refused := refusalOf(err); refused {
				e := apperr.As(err)
				if len(e.Fields) > 0 {
					for _, k := range e.Fields {
						e = apperr.New(apperr.Invalid, k)
						break
					}
				}
				s.flashError(r, e)
				redirect(w, r, back)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", ok)
		redirect(w, r, back)
	}
}

// workbookSerials reads the serial numbers of an uploaded workbook: the first non-empty
// cell of each row of its first sheet, one per line. The size and the zip directory are
// checked before anything is unpacked (parts.ReadXLSX).
func workbookSerials(fh *multipart.FileHeader) (string, error) {
	if fh.Size > parts.XLSXMaxBytes {
		return "", apperr.New(apperr.Invalid, "catalog.import.too_big", "Max", "8 MB")
	}
	f, err := fh.Open()
	if err != nil {
		return "", apperr.New(apperr.Invalid, "catalog.import.not_xlsx")
	}
	defer f.Close()
	rows, err := parts.ReadXLSX(f)
	if err != nil {
		return "", err
	}
	var out []string
	for _, row := range rows {
		for _, c := range row {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
				break
			}
		}
	}
	return strings.Join(out, "\n"), nil
}
