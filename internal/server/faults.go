package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fault"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// maxFaultBody bounds a fault report: every photo at its limit and the text fields.
const maxFaultBody = attach.MaxPhotos*attach.MaxPhotoBytes + 1<<20

// handleReportFault takes a fault found on a job (multipart, with photos) and shows the
// order again; a refusal keeps the typed text on the order page.
func (s *server) handleReportFault() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values, problem := readMultipart(w, r, maxFaultBody)
		switch problem {
		case multipartTooBig:
			view := views.OrderView{Action: "fault", Errors: views.FieldErrors{"photos": "attach.too_big_total"}}
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, view)
			return
		case multipartBadText:
			s.renderError(w, r, http.StatusUnprocessableEntity, "error.bad_text", nil)
			return
		}
		defer r.MultipartForm.RemoveAll() //nolint:errcheck
		ctx := db.WithFormKey(r.Context(), values["form_key"])
		errs := map[string]string{}
		in := fault.NewFault{OrderID: id, Model: values["model"], Assembly: values["assembly"], Symptom: values["symptom"],
			Severity: values["severity"], FixedOnSite: values["fixed_on_site"] == "1"}
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size > attach.MaxPhotoBytes {
				errs["photos"] = "attach.photo_too_big"
				continue
			}
			data, err := readPart(fh)
			if err != nil {
				errs["photos"] = "attach.not_image"
				continue
			}
			in.Photos = append(in.Photos, data)
		}
		for k, v := range in.Valid() {
			if errs[k] == "" {
				errs[k] = v
			}
		}
		view := views.OrderView{Action: "fault", Values: values}
		err = formErr(errs)
		if err == nil {
			_, err = s.Faults.Report(ctx, actor(r), in)
		}
		if err != nil {
			s.refused(w, r, id, view, err)
			return
		}
		s.flash(r, "ok", "fault.reported_ok")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10)+"#faults")
	}
}

// handleFaults is the quality list (故障): escalated faults, the Pareto by model and
// assembly, the count per month and the latest faults.
func (s *server) handleFaults() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		months, _ := strconv.Atoi(r.URL.Query().Get("months"))
		q, err := s.Faults.Quality(r.Context(), actor(r), months)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Faults(s.page(r, "fault.title"), views.FaultsView{Quality: q}))
	}
}

// renderFault renders a fault's page, fresh from the database, with what a refused step
// left behind.
func (s *server) renderFault(w http.ResponseWriter, r *http.Request, status int, id int64, v views.FaultView) {
	pg, err := s.Faults.Page(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page = pg
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	// A fault can spawn a technical notice: headquarters gets the form prefilled.
	if hq, err := s.Notices.CanIssue(r.Context(), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	} else if hq {
		q := url.Values{"issue": {"1"}, "model": {pg.Model}, "title": {pg.Model + " " + pg.Assembly},
			"content": {pg.Symptom}}
		v.NoticeURL = "/notices?" + q.Encode() + "#notice-issue"
	}
	s.render(w, r, status, views.FaultPage(s.page(r, "fault.detail"), v))
}

func (s *server) handleFault() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderFault(w, r, http.StatusOK, id, views.FaultView{})
	}
}

// handleFaultStep takes one handling step (analyse, measure, close) of a fault.
func (s *server) handleFaultStep() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		step := fault.Transition(chi.URLParam(r, "step"))
		version, err := formVersion(r.PostForm.Get("version"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		text := r.PostForm.Get("text")
		if _, err := s.Faults.Take(r.Context(), actor(r), id, version, step, fault.Step{Text: text}); err != nil {
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			v := views.FaultView{Step: step, Text: text, ErrorKey: ref.key, ErrorData: ref.data}
			if len(ref.fields) > 0 {
				v.TextError = firstValue(ref.fields)
			}
			s.renderFault(w, r, ref.status, id, v)
			return
		}
		s.flash(r, "ok", "fault.step_ok")
		redirect(w, r, "/faults/"+strconv.FormatInt(id, 10))
	}
}

// firstValue is one message of a refusal's field messages (a step has one field).
func firstValue(m map[string]string) string {
	for _, v := range m {
		return v
	}
	return ""
}

// handleFaultPhoto serves a fault's photo (or its thumbnail) to those who see the fault.
func (s *server) handleFaultPhoto(thumb bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil {
			s.notFound(w, r)
			return
		}
		ct, data, err := s.Faults.Photo(r.Context(), actor(r), id, thumb)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeFile(w, ct, data, "private, max-age=86400")
	}
}
