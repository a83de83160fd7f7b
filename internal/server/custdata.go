package server

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/custdata"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/xlsxmark"
	"github.com/aftersales/aftersales/web/views"
)

// handleCustomerData downloads everything held on a customer as 客户数据_<id>.xlsx, a
// sheet per kind, marked with who exported it (the service logs the export).
func (s *server) handleCustomerData() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d, err := s.CustData.Export(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := d.Workbook(func(k string) string { return i18n.T(r.Context(), k) }, i18n.Location(r.Context()))
		if err == nil {
			b, err = xlsxmark.Restamp(b, s.exportMark(r))
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		n := strconv.FormatInt(id, 10)
		catalogAttachment(w, "客户数据_"+n+".xlsx", "customer-data-"+n+".xlsx")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	}
}

// anonymiseForm is the posted confirmation: a reason and the tick.
type anonymiseForm struct {
	Reason  string
	Confirm bool
}

// Valid checks the form's shape: a reason of at most custdata.ReasonMax characters and
// the confirmation ticked.
func (f anonymiseForm) Valid() map[string]string {
	errs := map[string]string{}
	switch {
	case f.Reason == "":
		errs["reason"] = "field.required"
	case utf8.RuneCountInString(f.Reason) > custdata.ReasonMax:
		errs["reason"] = "privacy.field.reason_long"
	}
	if !f.Confirm {
		errs["confirm"] = "privacy.confirm_required"
	}
	return errs
}

// renderAnonymise shows the confirmation step for customer id with v's input and messages.
func (s *server) renderAnonymise(w http.ResponseWriter, r *http.Request, status int, id int64, v views.AnonymiseView) {
	p, err := s.Orders.CustomerPage(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.Data.Export {
		s.fail(w, r, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,admin"))
		return
	}
	v.CustomerID, v.CustomerName = id, p.Customer.Name
	if v.ErrorKey == "" && !p.Data.Anonymise {
		v.ErrorKey = "privacy.already_anonymised"
	}
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	s.render(w, r, status, views.Anonymise(s.page(r, "privacy.anonymise_title"), v))
}

// handleAnonymisePage is the confirmation step of an anonymisation.
func (s *server) handleAnonymisePage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderAnonymise(w, r, http.StatusOK, id, views.AnonymiseView{})
	}
}

// handleAnonymise anonymises the customer: 303 to their page; 422 with the reason kept
// and field messages; 409 with the refusal (already anonymised, open orders).
func (s *server) handleAnonymise() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		f := anonymiseForm{Reason: vals["reason"], Confirm: vals["confirm"] == "yes"}
		v := views.AnonymiseView{Reason: f.Reason}
		if errs := f.Valid(); len(errs) > 0 {
			v.Errors = errs
			s.renderAnonymise(w, r, http.StatusUnprocessableEntity, id, v)
			return
		}
		err = s.CustData.Anonymise(r.Context(), actor(r), id, f.Reason)
		e := apperr.As(err)
		switch {
		case err == nil:
			s.flash(r, "ok", "privacy.anonymised")
			redirect(w, r, "/customers/"+strconv.FormatInt(id, 10))
		case e.Code == apperr.Invalid && len(e.Fields) > 0:
			v.Errors = e.Fields
			s.renderAnonymise(w, r, http.StatusUnprocessableEntity, id, v)
		case e.Code == apperr.Conflict:
			v.ErrorKey, v.ErrorData = e.Key, e.Data
			s.renderAnonymise(w, r, http.StatusConflict, id, v)
		default:
			s.fail(w, r, err)
		}
	}
}
