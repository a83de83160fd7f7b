package server

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// complaintFilter reads the list's filters from the URL; "responsible=me" is the actor.
// from and to are days in the user's time zone (the to day included), bounding the time
// basis names (created, due or paid); ontime=1, with basis=due, keeps those handled on
// time. errs names what does not parse, with catalog keys.
func complaintFilter(r *http.Request) (complaint.Filter, map[string]string) {
	q := r.URL.Query()
	errs := map[string]string{}
	num := func(k string) int64 { return number(errs, k, q.Get(k)) }
	responsible := int64(0)
	if q.Get("responsible") != "me" {
		responsible = num("responsible")
	}
	f := complaint.Filter{Severity: q.Get("severity"), Category: q.Get("category"), StationID: num("station"),
		ResponsibleID: responsible, TechnicianID: num("technician"), Overdue: q.Get("overdue") == "1",
		Claims: q.Get("claims") == "1", Text: limitRunes(q.Get("q"), 100), After: limitRunes(q.Get("after"), 64),
		Basis: q.Get("basis"), OnTime: q.Get("ontime") == "1"}
	if q.Get("responsible") == "me" {
		f.ResponsibleID = actor(r).UserID
	}
	switch st := q.Get("state"); st {
	case "":
	case "open":
		for _, s := range complaint.States {
			if s.Open() {
				f.States = append(f.States, s)
			}
		}
	default:
		f.States = []complaint.State{complaint.State(st)}
	}
	f.From, f.To = dayRange(r, errs, "complaint.field.date_invalid")
	if f.Basis != "" && !slices.Contains(complaint.Bases, f.Basis) {
		errs["basis"] = "complaint.field.basis_invalid"
	} else if f.OnTime && f.Basis != complaint.BasisDue {
		errs["ontime"] = "complaint.field.on_time_due_only"
	}
	return f, errs
}

// limitRunes cuts s to at most n characters.
func limitRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// handleComplaints is the complaint list (投诉).
func (s *server) handleComplaints() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, errs := complaintFilter(r)
		status := http.StatusOK
		if len(errs) > 0 {
			// The list shows what the actor sees, unfiltered, under the messages.
			f, status = complaint.Filter{}, http.StatusUnprocessableEntity
		}
		l, err := s.Complaints.List(r.Context(), actor(r), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status, views.Complaints(s.page(r, "complaint.list_title"), views.ComplaintListView{List: l, Query: r.URL.Query(), Now: s.Now(), Errors: errs}))
	}
}

// renderComplaintNew renders the complaint form for the phone and customer in the URL (or
// the refused post), with what was typed.
func (s *server) renderComplaintNew(w http.ResponseWriter, r *http.Request, status int, phone string, customerID int64, v views.ComplaintNewView) {
	in, err := s.Complaints.Intake(r.Context(), actor(r), limitRunes(phone, 100), customerID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Intake = in
	if v.Values == nil {
		v.Values = map[string]string{}
		// An order given in the link (投诉 from an order page) is ticked, with its unit
		// and technician chosen; an order number that does not parse ticks nothing.
		if o, err := strconv.ParseInt(r.URL.Query().Get("order"), 10, 64); err == nil && o != 0 {
			for _, c := range in.Orders {
				if c.ID == o {
					v.Orders = map[int64]bool{o: true}
					if c.UnitID != nil {
						v.Values["unit_id"] = strconv.FormatInt(*c.UnitID, 10)
					}
					if c.AssigneeID != nil {
						v.Values["technician_id"] = strconv.FormatInt(*c.AssigneeID, 10)
					}
				}
			}
		}
	}
	s.render(w, r, status, views.ComplaintNew(s.page(r, "complaint.new_title"), v))
}

// handleComplaintNew is the complaint form (投诉登记): ?phone= looks the caller up,
// ?customer= chooses one of them.
func (s *server) handleComplaintNew() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		errs := map[string]string{}
		id := number(errs, "customer_id", q.Get("customer"))
		if len(errs) > 0 {
			s.renderComplaintNew(w, r, http.StatusUnprocessableEntity, q.Get("phone"), 0, views.ComplaintNewView{Errors: errs})
			return
		}
		s.renderComplaintNew(w, r, http.StatusOK, q.Get("phone"), id, views.ComplaintNewView{})
	}
}

// handleCreateComplaint logs the complaint and opens its page.
func (s *server) handleCreateComplaint() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		errs := map[string]string{}
		num := func(k string) int64 { return number(errs, k, vals[k]) }
		in := complaint.NewComplaint{CustomerID: num("customer_id"), Channel: vals["channel"], ContactPhone: vals["contact_phone"],
			UnitID: num("unit_id"), TechnicianID: num("technician_id"), Category: vals["category"], Severity: vals["severity"],
			WhatHappened: vals["what_happened"], CustomerAsks: vals["customer_asks"], IsClaim: vals["is_claim"] == "1", ClaimAmount: vals["claim_amount"]}
		ticked := map[int64]bool{}
		for _, v := range r.PostForm["order_id"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
				in.OrderIDs = append(in.OrderIDs, id)
				ticked[id] = true
			}
		}
		var c complaint.Complaint
		err := formErr(errs)
		if err == nil {
			c, err = s.Complaints.Create(r.Context(), actor(r), in)
		}
		if err != nil {
			if ref, ok := refusalOf(err); ok && len(ref.fields) > 0 {
				s.renderComplaintNew(w, r, ref.status, vals["phone"], in.CustomerID, views.ComplaintNewView{Values: vals, Orders: ticked, Errors: ref.fields})
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "complaint.saved")
		redirect(w, r, "/complaints/"+strconv.FormatInt(c.ID, 10))
	}
}

// renderComplaint renders the complaint page fresh from the database, with what a refused
// step sent back.
func (s *server) renderComplaint(w http.ResponseWriter, r *http.Request, status int, id int64, v views.ComplaintView, print bool) {
	p, err := s.Complaints.Page(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page, v.Now = p, s.Now()
	if print {
		s.render(w, r, status, views.ComplaintPrint(s.page(r, "complaint.notice_title"), v))
		return
	}
	s.render(w, r, status, views.ComplaintDetail(s.page(r, "complaint.title"), v))
}

// handleComplaint is the complaint page; ?step= opens that step's form.
func (s *server) handleComplaint(print bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderComplaint(w, r, http.StatusOK, id, views.ComplaintView{Step: r.URL.Query().Get("step")}, print)
	}
}

// handleComplaintStep decodes one step's form, calls its service method and goes back to
// the complaint; a refusal re-renders the page with the form open and the input kept.
func (s *server) handleComplaintStep() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		version, err := formVersion(vals["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		step := complaint.Step(chi.URLParam(r, "step"))
		ctx, a := r.Context(), actor(r)
		loc := i18n.Location(ctx)
		switch step {
		case complaint.Assign, complaint.Reassign:
			in := complaint.Assignment{Note: vals["note"]}
			errs := map[string]string{}
			in.ResponsibleID = number(errs, "responsible_id", vals["responsible_id"])
			if d := vals["due_at"]; d != "" {
				if t, perr := time.ParseInLocation("2006-01-02T15:04", d, loc); perr == nil {
					in.DueAt = &t
				} else {
					in.DueInvalid = true
				}
			}
			if err = formErr(errs); err != nil {
				break
			}
			if step == complaint.Assign {
				_, err = s.Complaints.Assign(ctx, a, id, version, in)
			} else {
				_, err = s.Complaints.Reassign(ctx, a, id, version, in)
			}
		case complaint.Investigate:
			_, err = s.Complaints.Investigate(ctx, a, id, version, complaint.Findings{Investigation: vals["investigation"], Cause: vals["cause"], Responsibility: vals["responsibility"]})
		case complaint.Propose:
			_, err = s.Complaints.Propose(ctx, a, id, version, vals["result"])
		case complaint.Accept, complaint.NotAccept:
			_, err = s.Complaints.Inform(ctx, a, id, version, complaint.Reply{Accepted: step == complaint.Accept, How: vals["how"], Note: vals["note"]})
		case complaint.Close:
			_, err = s.Complaints.Close(ctx, a, id, version, vals["note"])
		case complaint.Withdraw:
			_, err = s.Complaints.Withdraw(ctx, a, id, version, vals["reason"])
		case complaint.Appraise:
			_, err = s.Complaints.Appraise(ctx, a, id, version, vals["appraisal"], vals["appraisal_reason"])
		case complaint.Approve:
			_, err = s.Complaints.Approve(ctx, a, id, version, vals["approved_amount"])
		case complaint.Pay:
			in := complaint.Payment{Method: vals["method"], Note: vals["note"]}
			if t, perr := time.ParseInLocation(time.DateOnly, vals["paid_on"], loc); perr == nil {
				in.PaidOn = t
			}
			_, err = s.Complaints.Pay(ctx, a, id, version, in)
		default:
			err = apperr.New(apperr.NotFound, "error.not_found")
		}
		if err != nil {
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			s.renderComplaint(w, r, ref.status, id, views.ComplaintView{Step: string(step), Values: vals, Errors: ref.fields,
				ErrorKey: ref.key, ErrorData: localizeData(ctx, ref.data)}, false)
			return
		}
		s.flash(r, "ok", "complaint.done."+string(step))
		redirect(w, r, "/complaints/"+strconv.FormatInt(id, 10))
	}
}

// handleComplaintRules is the settings tab of the station's complaint rules.
func (s *server) handleComplaintRules() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderComplaintRules(w, r, http.StatusOK, views.ComplaintRulesView{})
	}
}

func (s *server) renderComplaintRules(w http.ResponseWriter, r *http.Request, status int, v views.ComplaintRulesView) {
	p, err := s.Complaints.RulesOf(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.RulesPage = p
	s.render(w, r, status, views.ComplaintRules(s.page(r, "complaint.rules_title"), v))
}

// handleSaveComplaintRules saves the station's complaint rules.
func (s *server) handleSaveComplaintRules() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		errs := map[string]string{}
		n := func(k string) int { return int(number(errs, k, vals[k])) }
		rules := complaint.Rules{DueGeneralWorkdays: n("due_general_workdays"), DueImportantWorkdays: n("due_important_workdays"), DueMajorWorkdays: n("due_major_workdays")}
		fen, ok := fee.ParseYuan(vals["claim_limit"])
		if !ok {
			fen = -1
		}
		rules.ClaimLimitFen = fen
		err := formErr(errs)
		if err == nil {
			err = s.Complaints.SaveRules(r.Context(), actor(r), rules)
		}
		if err != nil {
			if ref, ok := refusalOf(err); ok && len(ref.fields) > 0 {
				s.renderComplaintRules(w, r, ref.status, views.ComplaintRulesView{Values: vals, Errors: ref.fields})
				return
			}
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "complaint.rules_saved")
		redirect(w, r, "/settings/complaints")
	}
}

// handleTechnicianRecord is a technician's record (技术员档案).
func (s *server) handleTechnicianRecord() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rec, err := s.Complaints.TechnicianRecord(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.TechnicianRecordPage(s.page(r, "technician.title"), views.TechnicianRecordView{TechnicianRecord: rec, Now: s.Now()}))
	}
}
