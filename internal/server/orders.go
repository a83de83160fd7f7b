package server

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// orderFilter decodes the list's query string; errs names what does not parse.
func orderFilter(r *http.Request) (workorder.Filter, map[string]string) {
	q := r.URL.Query()
	errs := map[string]string{}
	f := workorder.Filter{Urgency: q.Get("urgency"), ServiceType: q.Get("service_type"), Text: q.Get("q"), After: q.Get("after"), Overdue: q.Get("overdue") == "1"}
	switch st := q.Get("state"); st {
	case "":
	case "open":
		for _, s := range workorder.States {
			if s.Open() {
				f.States = append(f.States, s)
			}
		}
	default:
		f.States = []workorder.State{workorder.State(st)}
	}
	num := func(k string) int64 {
		if q.Get(k) == "" {
			return 0
		}
		n, err := strconv.ParseInt(q.Get(k), 10, 64)
		if err != nil {
			errs[k] = "error.invalid"
		}
		return n
	}
	f.StationID, f.AssigneeID = num("station"), num("assignee")
	loc := i18n.Location(r.Context())
	date := func(k string) time.Time {
		if q.Get(k) == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", q.Get(k), loc)
		if err != nil {
			errs[k] = "customer.field.date_invalid"
		}
		return t
	}
	f.From = date("from")
	if to := date("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the "to" day is included
	}
	return f, errs
}

func (s *server) handleOrders() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, errs := orderFilter(r)
		v := views.OrderListView{Query: r.URL.Query(), Now: time.Now()}
		if len(errs) > 0 {
			f = workorder.Filter{}
			v.Errors = errs
		}
		list, err := s.Orders.ListWithChoices(r.Context(), actor(r), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.List = list
		status := http.StatusOK
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
		}
		s.render(w, r, status, views.Orders(s.page(r, "orders.title"), v))
	}
}

// renderOrder renders the order page, fresh from the database, with what a refused
// action left behind (its input, field errors, or a message at the top).
func (s *server) renderOrder(w http.ResponseWriter, r *http.Request, status int, id int64, v views.OrderView) {
	p, err := s.Orders.Page(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.OrderPage, v.Now = p, time.Now()
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	a := actor(r)
	// The order's parts (requisitions, what was issued) for the office and its technician.
	v.CanRequest = p.CanRequestParts
	op, err := s.Parts.ForOrder(r.Context(), id, v.CanRequest)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Requisitions, v.Issued, v.PartChoices = op.Requisitions, op.Issued, op.Choices
	if slices.Contains(p.Actions, "complete") {
		// The completion form keeps its one-time key across refusals, with the files a
		// refused post kept for the retry.
		v.FormKey = v.Values["key"]
		if v.Action != "complete" || !workorder.ValidFormKey(v.FormKey) {
			v.FormKey = newKey()
		}
		if v.Action == "complete" {
			if v.Staged, err = s.Orders.StagedFiles(r.Context(), a, id, v.FormKey); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	if a.Role == auth.RoleTechnician {
		// On the technician's tablet the order page is their job page.
		s.render(w, r, status, views.JobDetail(s.page(r, "order.title"), v))
		return
	}
	s.render(w, r, status, views.OrderDetail(s.page(r, "order.title"), v))
}

func (s *server) handleOrder() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// ?action= opens that action's form (links from the board's cards).
		s.renderOrder(w, r, http.StatusOK, id, views.OrderView{Action: r.URL.Query().Get("action")})
	}
}

// refused shows the fresh order page after an action was refused: field messages with
// the typed input kept (422), or the conflict or refusal at the top (409/403); anything
// else is an error page.
func (s *server) refused(w http.ResponseWriter, r *http.Request, id int64, view views.OrderView, err error) {
	e := apperr.As(err)
	switch {
	case len(e.Fields) > 0:
		view.Errors = e.Fields
		s.renderOrder(w, r, http.StatusUnprocessableEntity, id, view)
	case e.Code == apperr.Conflict || e.Code == apperr.IllegalTransition || e.Code == apperr.Forbidden:
		view.ErrorKey, view.ErrorData = e.Key, e.Data
		s.renderOrder(w, r, statusOf(e.Code), id, view)
	default:
		s.fail(w, r, err)
	}
}

// handleOrderAction decodes one action's form, calls its one service method and
// redirects to the order; a refusal shows the fresh order with the input kept.
func (s *server) handleOrderAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values := postValues(r)
		v := func(k string) string { return values[k] }
		version, _ := strconv.Atoi(v("version"))
		a, ctx, action := actor(r), r.Context(), chi.URLParam(r, "transition")
		loc := i18n.Location(ctx)
		errs := map[string]string{}
		when := func(k, field string) time.Time {
			if v(k) == "" {
				return time.Time{}
			}
			t, err := time.ParseInLocation("2006-01-02T15:04", v(k), loc)
			if err != nil {
				errs[field] = "workorder.field.datetime_invalid"
			}
			return t
		}
		tech, _ := strconv.ParseInt(v("technician_id"), 10, 64)
		orders := s.Orders
		var call func() (workorder.Order, error)
		switch action {
		case "resolve_by_phone":
			call = func() (workorder.Order, error) { return orders.ResolveByPhone(ctx, a, id, version, v("guidance")) }
		case "forward":
			call = func() (workorder.Order, error) { return orders.Forward(ctx, a, id, version, v("note")) }
		case "assess":
			in := workorder.Assessment{CauseAnalysis: v("cause_analysis"), RepairPlan: v("repair_plan"), ServiceMode: v("service_mode"),
				Complexity: v("complexity"), AgreedCompletionAt: when("agreed_completion_at", "agreed_completion_at"),
				PartsNeeded: v("parts_needed"), ToolsNeeded: v("tools_needed"), LoanerNeeded: v("loaner_needed") == "1", Note: v("note")}
			call = func() (workorder.Order, error) { return orders.Assess(ctx, a, id, version, in) }
		case "resolve_remotely":
			call = func() (workorder.Order, error) {
				return orders.ResolveRemotely(ctx, a, id, version, v("cause_analysis"), v("guidance"))
			}
		case "assign":
			call = func() (workorder.Order, error) { return orders.Assign(ctx, a, id, version, tech, v("note")) }
		case "reassign":
			call = func() (workorder.Order, error) { return orders.Reassign(ctx, a, id, version, tech, v("reason")) }
		case "make_appointment", "reschedule", "parts_arrived":
			start, end := when("start", "appointment_start"), when("end", "appointment_end")
			call = func() (workorder.Order, error) {
				switch action {
				case "make_appointment":
					return orders.MakeAppointment(ctx, a, id, version, start, end, v("note"))
				case "reschedule":
					return orders.Reschedule(ctx, a, id, version, start, end, v("reason"))
				}
				return orders.PartsArrived(ctx, a, id, version, start, end, v("note"))
			}
		case "check_in":
			call = func() (workorder.Order, error) { return orders.CheckIn(ctx, a, id, version) }
		case "await_parts":
			call = func() (workorder.Order, error) { return orders.AwaitParts(ctx, a, id, version, v("missing_parts")) }
		case "take_to_workshop":
			call = func() (workorder.Order, error) {
				return orders.TakeToWorkshop(ctx, a, id, version, v("loaner_issued") == "1", v("note"))
			}
		case "callback":
			c, ferrs := callbackInput(values)
			for k, e := range ferrs {
				errs[k] = e
			}
			call = func() (workorder.Order, error) { return orders.RecordCallback(ctx, a, id, version, c) }
		case "write_off":
			if v("confirm") != "1" {
				errs["confirm"] = "receivable.write_off_confirm_required"
			}
			call = func() (workorder.Order, error) { return orders.WriteOff(ctx, a, id, version, v("reason")) }
		case "close_unreachable":
			call = func() (workorder.Order, error) { return orders.CloseUnreachable(ctx, a, id, version, v("note")) }
		case "cancel":
			if v("confirm") != "1" {
				errs["confirm"] = "order.cancel_confirm_required"
			}
			call = func() (workorder.Order, error) { return orders.Cancel(ctx, a, id, version, v("reason")) }
		default:
			s.notFound(w, r)
			return
		}
		view := views.OrderView{Action: action, Values: values}
		if len(errs) > 0 {
			view.Errors = errs
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, view)
			return
		}
		if _, err = call(); err != nil {
			s.refused(w, r, id, view, err)
			return
		}
		s.flash(r, "ok", "order.saved")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10))
	}
}
