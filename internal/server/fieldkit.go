package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fieldday"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/loaner"
	"github.com/aftersales/aftersales/internal/tools"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// formState turns a refused form into what its page shows again: the field messages or
// the message at the top, with what was typed; ok is false for errors the error page
// answers.
func formState(form string, vals map[string]string, err error) (views.FormState, int, bool) {
	ref, ok := refusalOf(err)
	if !ok {
		return views.FormState{}, 0, false
	}
	return views.FormState{Form: form, Values: vals, Errors: ref.fields, ErrorKey: ref.key, ErrorData: ref.data}, ref.status, true
}

// renderTools renders the tools ledger with a refused form's state.
func (s *server) renderTools(w http.ResponseWriter, r *http.Request, status int, fs views.FormState) {
	l, err := s.Tools.Ledger(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs.ErrorData = localizeData(r.Context(), fs.ErrorData)
	s.render(w, r, status, views.Tools(s.page(r, "tool.title"), views.ToolsView{Ledger: l, FormState: fs}))
}

// handleTools is the tools ledger (工具台账).
func (s *server) handleTools() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.renderTools(w, r, http.StatusOK, views.FormState{}) }
}

// handleAddTool adds a tool to the ledger.
func (s *server) handleAddTool() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		errs := map[string]string{}
		in := tools.NewTool{Number: vals["number"], Name: vals["name"], Spec: vals["spec"], Kind: vals["kind"], Location: vals["location"],
			CalibrationDays: int(number(errs, "calibration_days", vals["calibration_days"])),
			CalibratedOn:    day(errs, "calibrated_on", vals["calibrated_on"], "tool.field.date", time.UTC)}
		err := formErr(errs)
		var id int64
		if err == nil {
			id, err = s.Tools.Add(r.Context(), actor(r), in)
		}
		if err != nil {
			if fs, status, ok := formState("add", vals, err); ok {
				s.renderTools(w, r, status, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "tool.added")
		redirect(w, r, "/tools/"+strconv.FormatInt(id, 10))
	}
}

// handleToolSettings sets the calibration-due list's lead days.
func (s *server) handleToolSettings() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		errs := map[string]string{}
		n := number(errs, "lead_days", vals["lead_days"])
		err := formErr(errs)
		if err == nil {
			err = s.Tools.SetLeadDays(r.Context(), actor(r), int(n))
		}
		if err != nil {
			if fs, status, ok := formState("lead", vals, err); ok {
				s.renderTools(w, r, status, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "order.saved")
		redirect(w, r, "/tools")
	}
}

// renderTool renders a tool's page with a refused form's state.
func (s *server) renderTool(w http.ResponseWriter, r *http.Request, status int, id int64, fs views.FormState) {
	p, err := s.Tools.Page(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs.ErrorData = localizeData(r.Context(), fs.ErrorData)
	loc := i18n.Location(r.Context())
	now := s.Now().In(loc)
	s.render(w, r, status, views.ToolDetail(s.page(r, "tool.title"), views.ToolView{Page: p, FormState: fs,
		Today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}))
}

// handleTool is one tool's page.
func (s *server) handleTool() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderTool(w, r, http.StatusOK, id, views.FormState{})
	}
}

// toolMaxUpload bounds a calibration post with its certificate.
const toolMaxUpload = 10<<20 + 1<<20

// handleToolAction runs one of a tool's actions: lend, return, send (to calibration),
// calibrate (multipart, with the certificate) or retire.
func (s *server) handleToolAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		action := chi.URLParam(r, "action")
		ctx, a := r.Context(), actor(r)
		var vals map[string]string
		errs := map[string]string{}
		switch action {
		case "calibrate":
			var problem multipartProblem
			vals, problem = readMultipart(w, r, toolMaxUpload)
			switch problem {
			case multipartTooBig:
				s.renderTool(w, r, http.StatusUnprocessableEntity, id, views.FormState{Form: action, Errors: views.FieldErrors{"document": "attach.document_too_big"}})
				return
			case multipartBadText:
				s.renderError(w, r, http.StatusUnprocessableEntity, "error.bad_text", nil)
				return
			}
			defer r.MultipartForm.RemoveAll() //nolint:errcheck
			ctx = db.WithFormKey(ctx, vals["form_key"])
			var cert *tools.Upload
			if fhs := r.MultipartForm.File["certificate"]; len(fhs) > 0 && fhs[0].Size > 0 {
				data, rerr := readPart(fhs[0])
				if rerr != nil {
					errs["document"] = "attach.document_too_big"
				}
				cert = &tools.Upload{Name: limitRunes(fhs[0].Filename, tools.Limit("file_name")), Data: data}
			}
			on := day(errs, "calibrated_on", vals["calibrated_on"], "tool.field.date", time.UTC)
			if err = formErr(errs); err == nil {
				err = s.Tools.Calibrate(ctx, a, id, on, cert, vals["note"])
			}
		case "lend":
			vals = postValues(r)
			holder := number(errs, "holder", vals["holder"])
			if err = formErr(errs); err == nil {
				err = s.Tools.Lend(ctx, a, id, holder, vals["order"], vals["note"])
			}
		case "return":
			vals = postValues(r)
			err = s.Tools.Return(ctx, a, id, vals["note"])
		case "send":
			vals = postValues(r)
			err = s.Tools.SendToCalibration(ctx, a, id, vals["note"])
		case "retire":
			vals = postValues(r)
			err = s.Tools.Retire(ctx, a, id, vals["note"])
		default:
			s.notFound(w, r)
			return
		}
		if err != nil {
			if fs, status, ok := formState(action, vals, err); ok {
				s.renderTool(w, r, status, id, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "tool.saved."+action)
		redirect(w, r, "/tools/"+strconv.FormatInt(id, 10))
	}
}

// handleToolCertificate serves a calibration certificate.
func (s *server) handleToolCertificate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c, data, err := s.Tools.CertificateFile(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", c.ContentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Disposition", "inline")
		_, _ = w.Write(data)
	}
}

// renderToolCount renders the tool stocktake with a refused form's state.
func (s *server) renderToolCount(w http.ResponseWriter, r *http.Request, status int, fs views.FormState) {
	cs, err := s.Tools.Sheet(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, views.ToolCount(s.page(r, "tool.count.title"), views.ToolCountView{CountSheet: cs, FormState: fs}))
}

// handleToolCount is the tool stocktake (工具盘点).
func (s *server) handleToolCount() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderToolCount(w, r, http.StatusOK, views.FormState{})
	}
}

// handlePostToolCount records a tool count: the ticked tools found, reasons for the rest.
func (s *server) handlePostToolCount() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		ids, ok := formIDs(r.PostForm["found"])
		if !ok {
			s.renderError(w, r, http.StatusUnprocessableEntity, "error.invalid", nil)
			return
		}
		found := map[int64]bool{}
		var foundStr []string
		for _, id := range ids {
			found[id] = true
			foundStr = append(foundStr, strconv.FormatInt(id, 10))
		}
		vals["found"] = strings.Join(foundStr, ",")
		reasons := map[int64]string{}
		for k, v := range vals {
			if rest, ok := strings.CutPrefix(k, "reason-"); ok {
				if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
					reasons[id] = v
				}
			}
		}
		if _, err := s.Tools.CountTools(r.Context(), actor(r), found, reasons, vals["note"]); err != nil {
			if fs, status, ok := formState("count", vals, err); ok {
				s.renderToolCount(w, r, status, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "tool.count.posted")
		redirect(w, r, "/tools/stocktake")
	}
}

// handleOrderTools sets the ledger tools an order names.
func (s *server) handleOrderTools() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		ids, ok := formIDs(r.PostForm["tool"])
		if !ok {
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, views.OrderView{Action: "tools", Values: vals, Errors: views.FieldErrors{"tools": "tool.field.tools"}})
			return
		}
		if err := s.Tools.SetOrderTools(r.Context(), actor(r), id, ids); err != nil {
			s.refused(w, r, id, views.OrderView{Action: "tools", Values: vals}, err)
			return
		}
		s.flash(r, "ok", "order.saved")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10))
	}
}

// handleDeparture records a job's pre-departure check (出发前自检).
func (s *server) handleDeparture() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		items := r.PostForm["item"]
		if _, err := s.FieldDay.CheckKit(r.Context(), actor(r), id, items, vals["note"]); err != nil {
			s.refused(w, r, id, views.OrderView{Action: "departure", Values: vals, Multi: map[string][]string{"item": items}}, err)
			return
		}
		s.flash(r, "ok", "kit.saved")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10))
	}
}

// renderLoaners renders the loaner units page with a refused form's state.
func (s *server) renderLoaners(w http.ResponseWriter, r *http.Request, status int, fs views.FormState) {
	l, err := s.Loaners.List(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs.ErrorData = localizeData(r.Context(), fs.ErrorData)
	now := s.Now().In(i18n.Location(r.Context()))
	s.render(w, r, status, views.Loaners(s.page(r, "loaner.title"), views.LoanersView{List: l, FormState: fs,
		Today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}))
}

// handleLoaners is the loaner units page (备用机).
func (s *server) handleLoaners() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.renderLoaners(w, r, http.StatusOK, views.FormState{}) }
}

// handleAddLoaner adds a loaner unit.
func (s *server) handleAddLoaner() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		if _, err := s.Loaners.Add(r.Context(), actor(r), loaner.NewLoaner{Model: vals["model"], Serial: vals["serial"], Condition: vals["condition"]}); err != nil {
			if fs, status, ok := formState("add", vals, err); ok {
				s.renderLoaners(w, r, status, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "loaner.added")
		redirect(w, r, "/loaners")
	}
}

// handleLoanerAction lends a loaner to an order's customer or takes it back.
func (s *server) handleLoanerAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		action := chi.URLParam(r, "action")
		vals := postValues(r)
		errs := map[string]string{}
		switch action {
		case "lend":
			in := loaner.LoanInput{OrderNumber: vals["order"], Condition: vals["condition"],
				LentOn:         day(errs, "lent_on", vals["lent_on"], "tool.field.date", time.UTC),
				ExpectedReturn: day(errs, "expected_return", vals["expected_return"], "tool.field.date", time.UTC)}
			if err = formErr(errs); err == nil {
				err = s.Loaners.Lend(r.Context(), actor(r), id, in)
			}
		case "return":
			on := day(errs, "returned_on", vals["returned_on"], "tool.field.date", time.UTC)
			if err = formErr(errs); err == nil {
				err = s.Loaners.Return(r.Context(), actor(r), id, on, vals["condition"])
			}
		default:
			s.notFound(w, r)
			return
		}
		if err != nil {
			if fs, status, ok := formState(action+"-"+strconv.FormatInt(id, 10), vals, err); ok {
				s.renderLoaners(w, r, status, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "loaner.saved."+action)
		redirect(w, r, "/loaners")
	}
}

// renderSafety renders the supervisor's safety page for ?month= (YYYY-MM, default this
// month) with a refused form's state.
func (s *server) renderSafety(w http.ResponseWriter, r *http.Request, status int, fs views.FormState) {
	loc := i18n.Location(r.Context())
	now := s.Now().In(loc)
	month := now
	if m, err := time.Parse("2006-01", r.URL.Query().Get("month")); err == nil {
		month = m
	}
	a := actor(r)
	m, err := s.FieldDay.Month(r.Context(), a, month)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.SafetyView{Month: m, Now: now, FormState: fs}
	if v.Kit, err = s.FieldDay.Kit(r.Context(), a.StationID); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Missing, err = s.FieldDay.LeftMissing(r.Context(), a, 30); err != nil {
		s.fail(w, r, err)
		return
	}
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	s.render(w, r, status, views.Safety(s.page(r, "safety.title"), v))
}

// handleSafety is the supervisor's safety meeting and pre-departure page.
func (s *server) handleSafety() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.renderSafety(w, r, http.StatusOK, views.FormState{}) }
}

// handleRecordMeeting records today's safety meeting at the time given.
func (s *server) handleRecordMeeting() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		loc := i18n.Location(r.Context())
		now := s.Now().In(loc)
		var held time.Time
		errs := map[string]string{}
		if t, err := time.ParseInLocation("15:04", vals["held_at"], loc); err == nil {
			held = time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		} else if vals["held_at"] != "" {
			errs["held_at"] = "safety.field.time"
		}
		err := formErr(errs)
		if err == nil {
			_, err = s.FieldDay.RecordMeeting(r.Context(), actor(r), fieldday.MeetingInput{HeldAt: held, Topic: vals["topic"], Hazards: vals["hazards"], Measures: vals["measures"]})
		}
		if err != nil {
			if fs, status, ok := formState("meeting", vals, err); ok {
				s.renderSafety(w, r, status, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "safety.recorded")
		redirect(w, r, "/safety")
	}
}

// handleSaveKit sets the station's kit list.
func (s *server) handleSaveKit() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		if err := s.FieldDay.SetKit(r.Context(), actor(r), vals["kit"]); err != nil {
			if fs, status, ok := formState("kit", vals, err); ok {
				s.renderSafety(w, r, status, fs)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "order.saved")
		redirect(w, r, "/safety")
	}
}

// handleConfirmMeeting records the technician's attendance at today's safety meeting.
func (s *server) handleConfirmMeeting() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.FieldDay.Confirm(r.Context(), actor(r)); err != nil {
			if ref, ok := refusalOf(err); ok && ref.key != "" {
				s.flashError(r, apperr.As(err))
				redirect(w, r, "/jobs")
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "safety.confirmed")
		redirect(w, r, "/jobs")
	}
}
