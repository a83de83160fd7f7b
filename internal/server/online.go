package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/online"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
	qrcode "github.com/skip2/go-qrcode"
)

// ProgressURL makes the absolute progress link of an order, for the outbox's messages.
func ProgressURL(base string, svc *online.Service) func(ctx context.Context, orderID int64) (string, error) {
	return func(ctx context.Context, orderID int64) (string, error) {
		t, err := svc.ProgressToken(ctx, orderID)
		if err != nil {
			return "", err
		}
		return base + "/p/" + t, nil
	}
}

// publicFail answers a customer's page that cannot be shown: a link that does not work
// gets the plain page with the service phone and its status; anything else the usual
// error page (an internal error's cause never reaches it).
func (s *server) publicFail(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e.Code == apperr.NotFound {
		s.render(w, r, http.StatusNotFound, views.LinkProblem(views.LinkProblemView{Key: e.Key, Phone: online.PhoneOf(err)}))
		return
	}
	s.fail(w, r, err)
}

// handleLabel is a QR label's page (扫码报修): the unit and the report form, or its open
// order with a note form.
func (s *server) handleLabel() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.Online.Unit(r.Context(), chi.URLParam(r, "token"))
		if err != nil {
			s.publicFail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.LabelPage(views.LabelPageView{Unit: v}))
	}
}

// handleSelfReport takes a report from a label's page (multipart, up to three photos).
func (s *server) handleSelfReport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := chi.URLParam(r, "token")
		v, err := s.Online.Unit(r.Context(), token)
		if err != nil {
			s.publicFail(w, r, err)
			return
		}
		view := views.LabelPageView{Unit: v, Errors: views.FieldErrors{}}
		values, problem := readMultipart(w, r, online.MaxReportBody)
		switch problem {
		case multipartTooBig:
			view.Errors["photos"] = "attach.too_big_total"
			s.render(w, r, http.StatusRequestEntityTooLarge, views.LabelPage(view))
			return
		case multipartBadText:
			s.renderError(w, r, http.StatusUnprocessableEntity, "error.bad_text", nil)
			return
		}
		defer r.MultipartForm.RemoveAll() //nolint:errcheck
		view.Values = values
		rep := online.Report{Symptom: values["symptom"], Name: values["name"], Phone: values["phone"], Preferred: values["preferred"],
			Key: values["form_key"], Addr: clientIP(r)}
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			if fh.Size > attach.MaxPhotoBytes {
				view.Errors["photos"] = "attach.photo_too_big"
				continue
			}
			data, err := readPart(fh)
			if err != nil {
				view.Errors["photos"] = "attach.not_image"
				continue
			}
			rep.Photos = append(rep.Photos, data)
		}
		if len(view.Errors) == 0 {
			var rc online.Receipt
			if rc, err = s.Online.Report(r.Context(), token, rep); err == nil {
				redirect(w, r, "/p/"+rc.ProgressToken+"?new=1")
				return
			}
		} else {
			err = apperr.Fields(view.Errors)
		}
		e := apperr.As(err)
		switch {
		case len(e.Fields) > 0:
			for k, m := range e.Fields {
				view.Errors[k] = m
			}
			s.render(w, r, http.StatusUnprocessableEntity, views.LabelPage(view))
		case e.Code == apperr.TooManyRequests || e.Code == apperr.Conflict:
			if v2, err2 := s.Online.Unit(r.Context(), token); err2 == nil {
				view.Unit = v2
			}
			view.Message = e.Key
			s.render(w, r, statusOf(e.Code), views.LabelPage(view))
		default:
			s.publicFail(w, r, err)
		}
	}
}

// handleSelfNote adds the customer's note to the unit's order being handled.
func (s *server) handleSelfNote() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := chi.URLParam(r, "token")
		values := postValues(r)
		_, err := s.Online.AddNote(r.Context(), token, values["note"], values["form_key"], clientIP(r))
		if err == nil {
			v, err := s.Online.Unit(r.Context(), token)
			if err != nil {
				s.publicFail(w, r, err)
				return
			}
			s.render(w, r, http.StatusOK, views.LabelPage(views.LabelPageView{Unit: v, Message: "online.note_added", OK: true}))
			return
		}
		v, verr := s.Online.Unit(r.Context(), token)
		if verr != nil {
			s.publicFail(w, r, verr)
			return
		}
		e := apperr.As(err)
		view := views.LabelPageView{Unit: v, Values: values, Errors: views.FieldErrors(e.Fields)}
		switch {
		case len(e.Fields) > 0:
			s.render(w, r, http.StatusUnprocessableEntity, views.LabelPage(view))
		case e.Code == apperr.TooManyRequests:
			view.Message = e.Key
			s.render(w, r, http.StatusTooManyRequests, views.LabelPage(view))
		default:
			s.publicFail(w, r, err)
		}
	}
}

// handleProgress is an order's progress page (服务进度), with the survey when the work is done.
func (s *server) handleProgress() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Online.Progress(r.Context(), chi.URLParam(r, "token"))
		if err != nil {
			s.publicFail(w, r, err)
			return
		}
		view := views.ProgressView{Progress: p}
		if r.URL.Query().Get("new") == "1" {
			view.Message, view.OK = "online.reported", true
		}
		if r.URL.Query().Get("thanks") == "1" {
			view.Message, view.OK = "online.survey_thanks", true
		}
		s.render(w, r, http.StatusOK, views.ProgressPage(view))
	}
}

// handleSurvey takes the satisfaction survey from the progress page.
func (s *server) handleSurvey() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := chi.URLParam(r, "token")
		values := postValues(r)
		errs := map[string]string{}
		score := func(k string) int {
			n, err := strconv.Atoi(values[k])
			if err != nil || n < 1 || n > 5 {
				errs[k] = "callback.field.score"
			}
			return n
		}
		in := online.Survey{Attitude: score("attitude"), Timeliness: score("timeliness"), Quality: score("quality"), Overall: score("overall"),
			Satisfied: values["satisfied"] == "yes", Comments: values["comments"], Reason: values["reason"]}
		if values["satisfied"] != "yes" && values["satisfied"] != "no" {
			errs["satisfied"] = "field.required"
		}
		version, verr := strconv.Atoi(values["version"])
		if verr != nil {
			errs["version"] = "error.form_version"
		}
		err := formErr(errs)
		if err == nil {
			if err = s.Online.Survey(r.Context(), token, version, in); err == nil {
				redirect(w, r, "/p/"+token+"?thanks=1")
				return
			}
		}
		p, perr := s.Online.Progress(r.Context(), token)
		if perr != nil {
			s.publicFail(w, r, perr)
			return
		}
		e := apperr.As(err)
		view := views.ProgressView{Progress: p, Values: values, Errors: views.FieldErrors(e.Fields)}
		if rf, ok := refusalOf(err); ok {
			if len(rf.fields) == 0 {
				view.Message, view.MessageData = rf.key, localizeData(r.Context(), rf.data)
			}
			s.render(w, r, rf.status, views.ProgressPage(view))
			return
		}
		s.publicFail(w, r, err)
	}
}

// handleLabels is the A4 label sheet of the units chosen (?unit=…), or of one unit.
func (s *server) handleLabels() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var ids []int64
		for _, v := range r.URL.Query()["unit"] {
			id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				s.renderError(w, r, http.StatusUnprocessableEntity, "error.invalid", nil)
				return
			}
			ids = append(ids, id)
		}
		labels, err := s.Online.Labels(r.Context(), actor(r), ids)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		cards := make([]views.LabelCard, 0, len(labels))
		for _, l := range labels {
			url := s.Config.BaseURL + "/u/" + l.Token
			cards = append(cards, views.LabelCard{Label: l, URL: url, QR: qrSVG(url)})
		}
		s.render(w, r, http.StatusOK, views.LabelSheet(s.page(r, "online.labels.title"), cards))
	}
}

// handleRevokeLabel makes a unit's printed labels stop working.
func (s *server) handleRevokeLabel() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			err = s.Online.RevokeLabel(r.Context(), actor(r), id)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "online.label_revoked")
		redirect(w, r, "/units/"+strconv.FormatInt(id, 10))
	}
}

// handleProgressLink shows an order's progress link to copy, with a form to send it again.
func (s *server) handleProgressLink() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		o, token, err := s.Online.ProgressLink(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.ProgressLinkPage(s.page(r, "online.link.title"), views.ProgressLinkView{Order: o, URL: s.Config.BaseURL + "/p/" + token}))
	}
}

// handleResendProgress puts the progress link in the outbox for the order's contact.
func (s *server) handleResendProgress() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			err = s.Online.ResendProgress(r.Context(), actor(r), id)
		}
		if err != nil {
			if e := apperr.As(err); e.Code == apperr.Invalid && len(e.Fields) == 0 {
				s.flashError(r, e)
				redirect(w, r, "/orders/"+strconv.FormatInt(id, 10)+"/progress-link")
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "online.link.resent")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10)+"/progress-link")
	}
}

// handleOutbox is the outbox page for managers and admins: what was sent, what waits,
// what failed.
func (s *server) handleOutbox() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Outbox.Page(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.OutboxPage(s.page(r, "outbox.title"), p))
	}
}

// qrSVG draws the QR code of text as an SVG of its dark modules (with the quiet zone),
// to print sharp at any size.
func qrSVG(text string) string {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return ""
	}
	bm := q.Bitmap()
	n := len(bm)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="qr" aria-hidden="true" viewBox="0 0 ` + strconv.Itoa(n) + ` ` + strconv.Itoa(n) +
		`" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				b.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h1v1h-1z")
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}
