package server

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
)

// newKey returns a one-time form key.
func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// intakeForm decodes the intake form (POST body or GET query).
func intakeForm(r *http.Request) views.IntakeForm {
	_ = r.ParseForm()
	v := func(k string) string { return strings.TrimSpace(r.Form.Get(k)) }
	f := views.IntakeForm{
		Key: v("key"), Phone: v("phone"), Customer: v("customer_id"), Unit: v("unit_id"),
		Name: v("name"), ContactPerson: v("contact_person"), Address: v("address"),
		Brand: v("brand"), Model: v("model"), Serial: v("serial"), PurchaseDate: v("purchase_date"),
		ManufactureDate: v("manufacture_date"), WarrantyMonths: v("warranty_months"),
		Symptom: v("symptom"), Request: v("request"), Urgency: v("urgency"), ServiceType: v("service_type"),
		Channel: v("channel"), Preliminary: v("preliminary"),
		Note: v("note"), NoteOrder: v("note_order"), AckOpen: v("ack_open"),
	}
	if f.Key == "" {
		f.Key = newKey()
	}
	if f.Urgency == "" {
		f.Urgency = "normal"
	}
	if f.ServiceType == "" {
		f.ServiceType = "repair"
	}
	if f.Channel == "" {
		f.Channel = "phone"
	}
	if f.WarrantyMonths == "" {
		f.WarrantyMonths = "12"
	}
	return f
}

// fillIntake adds what the server knows about the form's phone and chosen customer: the
// matching customers and the caller panel, with the caller's only unit chosen when none
// of theirs is. A note refused by the service asks about the unit's open orders again.
func (s *server) fillIntake(r *http.Request, f *views.IntakeForm) error {
	a := actor(r)
	if f.Phone != "" {
		m, err := s.Customers.Search(r.Context(), a, f.Phone, 8)
		if err != nil {
			return err
		}
		f.Matches, f.Searched = m, true
	}
	if id, err := strconv.ParseInt(f.Customer, 10, 64); err == nil && id > 0 {
		caller, err := s.Orders.Caller(r.Context(), a, id)
		if err != nil {
			return err
		}
		f.Caller = &caller
		// Keep the chosen customer listed even if the phone no longer matches them.
		found := false
		for _, m := range f.Matches {
			found = found || m.ID == id
		}
		if !found {
			phones := make([]string, len(caller.Customer.Phones))
			for i, p := range caller.Customer.Phones {
				phones[i] = p.E164
			}
			f.Matches = append([]customer.Match{{ID: id, Name: caller.Customer.Name, ContactPerson: caller.Customer.ContactPerson,
				Phones: phones, Units: len(caller.Units)}}, f.Matches...)
		}
		// A unit of the customer picked before is no choice for this one.
		var chosen *workorder.UnitStatus
		for i, u := range caller.Units {
			if strconv.FormatInt(u.Unit.ID, 10) == f.Unit {
				chosen = &caller.Units[i]
			}
		}
		if chosen == nil && f.Unit != "new" && f.Unit != "none" {
			f.Unit = ""
			if len(caller.Units) == 1 {
				chosen = &caller.Units[0]
				f.Unit = strconv.FormatInt(chosen.Unit.ID, 10)
			}
		}
		if f.NoteOrder != "" && f.Asking == nil && chosen != nil {
			f.Asking = chosen.Open
		}
	}
	return nil
}

func (s *server) renderIntake(w http.ResponseWriter, r *http.Request, status int, f views.IntakeForm) {
	if err := s.fillIntake(r, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, views.Intake(s.page(r, "intake.title"), f))
}

// handleIntakePage shows the intake form; with ?phone= it also lists the matches (the
// lookup without JavaScript).
func (s *server) handleIntakePage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderIntake(w, r, http.StatusOK, intakeForm(r))
	}
}

// handleIntakeLookup answers the phone field as it is typed: the matching customers.
func (s *server) handleIntakeLookup() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := intakeForm(r)
		if err := s.fillIntake(r, &f); err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.IntakeMatches(f))
	}
}

// handleIntakeCustomer answers picking a caller: their units, warranty and open orders.
func (s *server) handleIntakeCustomer() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := intakeForm(r)
		f.Phone = "" // the matches stay as they are on the page
		if err := s.fillIntake(r, &f); err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.IntakeCaller(f))
	}
}

func parseDate(s string, field string, errs map[string]string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		errs[field] = "customer.field.date_invalid"
		return nil
	}
	return &t
}

// intakeInput turns the form into the service's input; errs collects what does not parse.
func intakeInput(f views.IntakeForm) (workorder.Intake, map[string]string) {
	errs := map[string]string{}
	in := workorder.Intake{Order: workorder.NewOrder{
		Channel: f.Channel, Symptom: f.Symptom, Request: f.Request, Urgency: f.Urgency,
		ServiceType: f.ServiceType, Preliminary: f.Preliminary, IntakeKey: f.Key,
	}}
	switch f.Customer {
	case "new":
		in.NewCustomer = customer.NewCustomer{Name: f.Name, ContactPerson: f.ContactPerson, Phones: []string{f.Phone}, Addresses: []string{f.Address}}
		in.Order.ContactName = f.ContactPerson
	case "":
		errs["customer_id"] = "workorder.field.customer_required"
	default:
		id, err := strconv.ParseInt(f.Customer, 10, 64)
		if err != nil {
			errs["customer_id"] = "workorder.field.customer_required"
		}
		in.CustomerID = id
		// The caller may ring from another number: it becomes the order's contact phone.
		if _, ok := customer.NormalizePhone(f.Phone); ok {
			in.Order.ContactPhone = f.Phone
		}
	}
	switch f.Unit {
	case "new":
		months, err := strconv.Atoi(f.WarrantyMonths)
		if err != nil {
			errs["warranty_months"] = "customer.field.warranty_months"
		}
		in.NewUnit = &customer.NewUnit{Brand: f.Brand, Model: f.Model, Serial: f.Serial, WarrantyMonths: months,
			PurchaseDate: parseDate(f.PurchaseDate, "purchase_date", errs), ManufactureDate: parseDate(f.ManufactureDate, "manufacture_date", errs),
			InstallAddress: f.Address}
	case "none":
		in.NoUnit = true
	case "":
	default:
		id, err := strconv.ParseInt(f.Unit, 10, 64)
		if err != nil {
			errs["unit_id"] = "workorder.field.unit_not_customers"
		}
		in.UnitID = id
	}
	// "Create anyway" names the open orders it was shown; anything else in the list
	// acknowledges nothing, and the service asks again.
	for part := range strings.SplitSeq(f.AckOpen, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64); err == nil && id > 0 {
			in.AcknowledgedOpen = append(in.AcknowledgedOpen, id)
		}
	}
	return in, errs
}

// handleIntake saves the call: 303 to the new order, or the form again with every bad
// field marked and everything typed kept. When the chosen unit has open orders it asks
// (409, everything typed kept): the form then adds a note to one of them (303 to that
// order) or creates the new order anyway.
func (s *server) handleIntake() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := intakeForm(r)
		if f.NoteOrder != "" {
			s.intakeNote(w, r, f)
			return
		}
		in, errs := intakeInput(f)
		if len(errs) > 0 {
			// Something did not even parse: say so, with the other fields' shape
			// problems, and write nothing.
			for k, v := range in.Valid(s.Now(), i18n.Location(r.Context())) {
				if _, ok := errs[k]; !ok && !(k == "name" && errs["customer_id"] != "") {
					errs[k] = v
				}
			}
			f.Errors = errs
			s.renderIntake(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		o, err := s.Orders.Intake(r.Context(), actor(r), in)
		if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
			f.Errors = e.Fields
			s.renderIntake(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		if open := workorder.OpenOrdersOf(err); len(open) > 0 {
			f.Asking = open
			s.renderIntake(w, r, statusOf(apperr.CodeOf(err)), f)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "intake.saved")
		redirect(w, r, "/orders/"+strconv.FormatInt(o.ID, 10))
	}
}

// intakeNote adds the intake form's note to the open order it names: 303 to that order,
// or the form again, still asking, with the note's message. The form's key makes a
// double submit add one note.
func (s *server) intakeNote(w http.ResponseWriter, r *http.Request, f views.IntakeForm) {
	id, err := strconv.ParseInt(f.NoteOrder, 10, 64)
	if err != nil {
		s.fail(w, r, apperr.New(apperr.NotFound, "error.not_found"))
		return
	}
	o, err := s.Orders.AddNote(r.Context(), actor(r), id, f.Note, "intake-"+f.Key)
	if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
		f.Errors = e.Fields
		s.renderIntake(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "intake.note_added")
	redirect(w, r, "/orders/"+strconv.FormatInt(o.ID, 10))
}
