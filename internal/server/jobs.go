package server

import (
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// handleMyJobs is the technician's list (我的工单), one tab of it open (?tab=today,
// pending or done; today by default).
func (s *server) handleMyJobs() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tab := r.URL.Query().Get("tab")
		if !slices.Contains(views.JobTabs, tab) {
			tab = views.JobTabs[0]
		}
		jobs, err := s.Orders.MyJobs(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		safety, err := s.FieldDay.Today(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.MyJobs(s.page(r, "jobs.title"), views.JobsView{Jobs: jobs, Tab: tab, Now: s.Now(), Safety: safety}))
	}
}

// maxCompleteBody bounds a completion post: every photo at its limit, the signature as
// base64, and the text fields.
const maxCompleteBody = attach.MaxPhotos*attach.MaxPhotoBytes + 2*attach.MaxSignatureBytes + 1<<20

// formIDs reads a repeated field of ids; ok is false when one is not an id.
func formIDs(vals []string) (ids []int64, ok bool) {
	for _, v := range vals {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// handleComplete takes the field report with its photos and signature (multipart).
// Whatever does not decode is passed on as unreadable, so that a refusal still keeps
// the files that passed their checks for the retry.
func (s *server) handleComplete() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values, problem := readMultipart(w, r, maxCompleteBody, "signature")
		switch problem {
		case multipartTooBig:
			// Nothing of the post can be read: the form again, empty, with the reason.
			view := views.OrderView{Action: "complete", Errors: views.FieldErrors{"photos": "attach.too_big_total"}}
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, view)
			return
		case multipartBadText:
			s.renderError(w, r, http.StatusUnprocessableEntity, "error.bad_text", nil)
			return
		}
		defer r.MultipartForm.RemoveAll() //nolint:errcheck
		errs := map[string]string{}
		rep := workorder.Report{Diagnosis: values["diagnosis"], FaultCause: values["fault_cause"], ActionsTaken: values["actions_taken"],
			TestRun: values["test_run"], FieldClass: values["field_class"], UsageGuidance: values["usage_guidance"] == "1", NoSignatureReason: values["no_signature_reason"],
			Note: values["note"], FormKey: values["key"], Unreadable: errs}
		if v := values["rating"]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs["rating"] = "workorder.field.rating"
			}
			rep.Rating = &n
		}
		if sig := r.MultipartForm.Value["signature"]; len(sig) > 0 && sig[0] != "" {
			data, ok := strings.CutPrefix(sig[0], "data:image/png;base64,")
			png, err := base64.StdEncoding.DecodeString(data)
			if !ok || err != nil {
				errs["signature"] = "attach.signature_not_png"
			} else {
				rep.Signature = png
			}
		}
		var ok1, ok2 bool
		rep.Staged, ok1 = formIDs(r.MultipartForm.Value["staged"])
		rep.Unstage, ok2 = formIDs(r.MultipartForm.Value["unstage"])
		if !ok1 || !ok2 {
			errs["photos"] = "attach.staged_gone"
		}
		for k, v := range values {
			part, ok := strings.CutPrefix(k, "used_")
			if !ok || v == "" {
				continue
			}
			id, err1 := strconv.ParseInt(part, 10, 64)
			n, err2 := strconv.Atoi(v)
			if err1 != nil || err2 != nil || n < 0 {
				errs["parts_used"] = "workorder.field.parts_used_too_many"
				continue
			}
			if rep.PartsUsed == nil {
				rep.PartsUsed = map[int64]int{}
			}
			rep.PartsUsed[id] = n
		}
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
			rep.Photos = append(rep.Photos, data)
		}
		version, err := formVersion(values["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		view := views.OrderView{Action: "complete", Values: values}
		if _, err = s.Orders.Complete(r.Context(), actor(r), id, version, rep); err != nil {
			s.refused(w, r, id, view, err)
			return
		}
		s.flash(r, "ok", "jobs.completed")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10))
	}
}

// readPart reads one uploaded file.
func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// handleStagedFile serves a file kept from a refused completion form (or its thumbnail)
// to the technician who sent it, for that order only.
func (s *server) handleStagedFile(thumb bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		orderID, err1 := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		fileID, err2 := strconv.ParseInt(chi.URLParam(r, "file"), 10, 64)
		if err1 != nil || err2 != nil {
			s.notFound(w, r)
			return
		}
		f, data, err := s.Orders.StagedFile(r.Context(), actor(r), orderID, fileID, thumb)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeFile(w, f.ContentType, data, "private, no-store")
	}
}

// writeFile answers with a stored image as it is: its own type, never sniffed.
func writeFile(w http.ResponseWriter, contentType string, data []byte, cache string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", cache)
	_, _ = w.Write(data)
}

// handleAttachment serves a photo or signature (or its thumbnail) to those who may see
// its order.
func (s *server) handleAttachment(thumb bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil {
			s.notFound(w, r)
			return
		}
		f, data, err := s.Orders.Attachment(r.Context(), actor(r), id, thumb)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeFile(w, f.ContentType, data, "private, max-age=86400")
	}
}

// handleReport is the printable service report (维修工作单).
func (s *server) handleReport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := s.Orders.ReportPage(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		loans, err := s.Loaners.ForOrder(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Report(s.page(r, "report.title"), views.ReportView{ReportPage: p, PrintedAt: s.Now(), Loans: loans}))
	}
}
