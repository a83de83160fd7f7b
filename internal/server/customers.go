package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/onboard"
	"github.com/aftersales/aftersales/web/views"
)

// customerListLimit is how many customers the archive's list shows.
const customerListLimit = 50

// handleCustomers is the archive's list: search results for q, else the newest customers.
func (s *server) handleCustomers() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := strings.TrimSpace(r.URL.Query().Get("q"))
		var matches []customer.Match
		var err error
		if q == "" {
			matches, err = s.Customers.Recent(r.Context(), actor(r), customerListLimit)
		} else {
			matches, err = s.Customers.Search(r.Context(), actor(r), q, customerListLimit)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Customers(s.page(r, "customer.title"), views.CustomerListView{Query: q, Matches: matches, CanImport: onboard.CanImport(actor(r))}))
	}
}

// handleCustomer is one customer's page: details, units, orders, history.
func (s *server) handleCustomer() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := s.Orders.CustomerPage(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v := views.CustomerPageView{CustomerPage: p, Now: s.Now()}
		s.render(w, r, http.StatusOK, views.CustomerPage(s.page(r, "customer.page_title"), v))
	}
}

// customerForm is what the edit form shows for c.
func customerForm(c customer.Customer) views.CustomerForm {
	phones := make([]string, len(c.Phones))
	for i, p := range c.Phones {
		phones[i] = p.Raw
	}
	addresses := make([]string, len(c.Addresses))
	for i, a := range c.Addresses {
		addresses[i] = a.Address
	}
	return views.CustomerForm{Version: c.Version, Name: c.Name, ContactPerson: c.ContactPerson,
		Phones: strings.Join(phones, "\n"), Addresses: strings.Join(addresses, "\n"), Notes: c.Notes}
}

// handleCustomerEditPage shows the edit form filled with the customer as stored.
func (s *server) handleCustomerEditPage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c, err := s.Customers.CustomerByID(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.CustomerEdit(s.page(r, "customer.edit_title"), views.CustomerEditView{ID: id, Form: customerForm(c)}))
	}
}

// customerEditForm is the posted edit form.
type customerEditForm struct {
	views.CustomerForm
	versionOK bool
}

func decodeCustomerEditForm(r *http.Request) customerEditForm {
	version, err := strconv.Atoi(r.PostFormValue("version"))
	return customerEditForm{versionOK: err == nil && version > 0, CustomerForm: views.CustomerForm{
		Version: version, Name: r.PostFormValue("name"), ContactPerson: r.PostFormValue("contact_person"),
		Phones: r.PostFormValue("phones"), Addresses: r.PostFormValue("addresses"), Notes: r.PostFormValue("notes"),
	}}
}

// Length limits of the edit form (in characters).
const (
	customerMaxName    = 200
	customerMaxContact = 100
	customerMaxLine    = 300
	customerMaxLines   = 20
	customerMaxNotes   = 2000
)

// Valid checks the form's shape: lengths and line counts. The rules (a name, a phone
// that parses) are the service's.
func (f customerEditForm) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	tooLong := func(field, s string, max int) {
		if utf8.RuneCountInString(s) > max {
			errs[field] = "customer.field.too_long"
		}
	}
	tooLong("name", f.Name, customerMaxName)
	tooLong("contact_person", f.ContactPerson, customerMaxContact)
	tooLong("notes", f.Notes, customerMaxNotes)
	for field, lines := range map[string][]string{"phones": customerPhoneLines(f.Phones), "addresses": customerLines(f.Addresses)} {
		if len(lines) > customerMaxLines {
			errs[field] = "customer.field.too_many"
		}
		for _, l := range lines {
			tooLong(field, l, customerMaxLine)
		}
	}
	return errs
}

// customerLines splits a textarea into its non-blank lines.
func customerLines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// customerPhoneLines splits the phones box: one number per line, but a comma, semicolon or
// enumeration comma between numbers on one line works too.
func customerPhoneLines(s string) []string {
	var out []string
	for _, l := range customerLines(s) {
		for p := range strings.FieldsFuncSeq(l, func(r rune) bool { return strings.ContainsRune(",，;；、/", r) }) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// handleCustomerEdit saves the edit form: 303 to the customer page; 422 with the input
// and field messages; 409 with the fresh record when someone else saved first.
func (s *server) handleCustomerEdit() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := decodeCustomerEditForm(r)
		if !f.versionOK {
			s.fail(w, r, apperr.New(apperr.Invalid, "error.invalid"))
			return
		}
		if errs := f.Valid(r.Context()); len(errs) > 0 {
			s.render(w, r, http.StatusUnprocessableEntity, views.CustomerEdit(s.page(r, "customer.edit_title"), views.CustomerEditView{ID: id, Form: f.CustomerForm, Errors: errs}))
			return
		}
		c, err := s.Customers.UpdateCustomer(r.Context(), actor(r), id, f.Version, customer.EditCustomer{
			Name: f.Name, ContactPerson: f.ContactPerson, Phones: customerPhoneLines(f.Phones), Addresses: customerLines(f.Addresses), Notes: f.Notes,
		})
		e := apperr.As(err)
		switch {
		case err == nil:
			key := "customer.saved"
			if c.Version == f.Version {
				key = "customer.unchanged"
			}
			s.flash(r, "ok", key)
			redirect(w, r, "/customers/"+strconv.FormatInt(id, 10))
		case e.Code == apperr.Invalid && len(e.Fields) > 0:
			s.render(w, r, http.StatusUnprocessableEntity, views.CustomerEdit(s.page(r, "customer.edit_title"), views.CustomerEditView{ID: id, Form: f.CustomerForm, Errors: e.Fields}))
		case e.Code == apperr.Conflict && e.Key == "customer.stale":
			fresh, err := s.Customers.CustomerByID(r.Context(), actor(r), id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			s.render(w, r, http.StatusConflict, views.CustomerEdit(s.page(r, "customer.edit_title"), views.CustomerEditView{
				ID: id, Form: customerForm(fresh), Stale: true, StaleData: e.Data, Mine: f.CustomerForm,
			}))
		default:
			s.fail(w, r, err)
		}
	}
}

// handleUnit is one unit's page: details, warranty, customer, repair history.
func (s *server) handleUnit() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := s.Orders.UnitPage(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m, err := s.unitMaint(r, id, nil, nil)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.UnitPage(s.page(r, "unit.title"), views.UnitPageView{UnitPage: p, Now: s.Now(), Maint: m}))
	}
}
