package server

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fault"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/maintenance"
	"github.com/aftersales/aftersales/internal/parts"
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
	case "intake":
		// The board's first column: the new calls not yet assessed.
		f.States = append(f.States, workorder.IntakeStates...)
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
	f.From, f.To = dayRange(r, errs, "customer.field.date_invalid")
	// basis: which time from and to bound; figure and side: the orders behind one side
	// of a report figure, whose period is that figure's basis.
	f.Basis, f.Figure, f.Side = q.Get("basis"), q.Get("figure"), q.Get("side")
	if f.Basis != "" && !slices.Contains(workorder.Bases, f.Basis) {
		errs["basis"] = "error.invalid"
	}
	if f.Figure != "" || f.Side != "" {
		if !slices.Contains(workorder.FigureLists, f.Figure) {
			errs["figure"] = "error.invalid"
		} else if f.Basis == "" {
			f.Basis = workorder.FigureBasis(f.Figure)
		} else if f.Basis != workorder.FigureBasis(f.Figure) {
			errs["basis"] = "error.invalid"
		}
		if f.Side != workorder.SideNum && f.Side != workorder.SideDen {
			errs["side"] = "error.invalid"
		}
	}
	return f, errs
}

func (s *server) handleOrders() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, errs := orderFilter(r)
		v := views.OrderListView{Query: r.URL.Query(), Now: s.Now()}
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
	a := actor(r)
	// The order page is one statement: the order with its timeline, files and complaints
	// and, in the same statement, its parts (requisitions, what was issued, the parts to
	// ask for when the actor may), its faults, its maintenance checklist and the field
	// kit: ledger tools named, loaners lent, the pre-departure check, and on the
	// technician's tablet today's safety meeting.
	var (
		op        parts.OrderParts
		faults    []fault.Fault
		checklist []string
	)
	p, err := s.Orders.Page(r.Context(), a, id, func(m *db.Merged) {
		parts.QueueForOrder(m, id, workorder.PartsChoicesIf(a), &op)
		fault.QueueOfOrder(m, a, id, &faults)
		maintenance.QueueChecklist(m, id, &checklist)
		s.Tools.QueueForOrder(m, a, id, &v.Kit.Tools)
		s.Loaners.QueueForOrder(m, id, &v.Kit.Loans)
		s.FieldDay.QueueForOrder(m, a, id, &v.Kit.Check)
		s.FieldDay.QueueToday(m, a, &v.Kit.Safety)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.OrderPage, v.Now = p, s.Now()
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	v.CanRequest = p.CanRequestParts
	if !v.CanRequest {
		op.Choices = nil
	}
	v.Requisitions, v.Issued, v.PartChoices = op.Requisitions, op.Issued, op.Choices
	v.Faults = faults
	if v.Order.ServiceType == "maintenance" {
		v.Checklist = checklist
	}
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
	v.CanReportFault = fault.MayReport(a.Role) && p.Order.State != workorder.Cancelled
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
	ref, ok := refusalOf(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	view.Errors, view.ErrorKey, view.ErrorData = ref.fields, ref.key, ref.data
	s.renderOrder(w, r, ref.status, id, view)
}

// actionForm is one posted order action: its values, and what of them does not parse,
// by field. Valid says whether the form can be put to the service at all.
type actionForm struct {
	values map[string]string
	errs   map[string]string
	loc    *time.Location
}

func (f *actionForm) v(k string) string { return f.values[k] }

// when reads a datetime-local field; a bad one is a message on field.
func (f *actionForm) when(k, field string) time.Time {
	if f.v(k) == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", f.v(k), f.loc)
	if err != nil {
		f.errs[field] = "workorder.field.datetime_invalid"
	}
	return t
}

// id reads a chosen record's id (0 when none was chosen); a bad one is a message on k.
func (f *actionForm) id(k string) int64 {
	if f.v(k) == "" {
		return 0
	}
	n, err := strconv.ParseInt(f.v(k), 10, 64)
	if err != nil || n < 0 {
		f.errs[k] = "error.invalid"
	}
	return n
}

// confirmed checks a confirmation tick; without it, msg on "confirm".
func (f *actionForm) confirmed(msg string) {
	if f.v("confirm") != "1" {
		f.errs["confirm"] = msg
	}
}

// Valid reports the form's shape problems (empty when it may go to the service).
func (f *actionForm) Valid() map[string]string { return f.errs }

// orderCall is one action's service call on the order, with the version the user saw.
type orderCall func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, version int) (workorder.Order, error)

// orderActions decode each order action's form into its one service call.
var orderActions = map[string]func(f *actionForm) orderCall{
	"resolve_by_phone": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.ResolveByPhone(ctx, a, id, ver, f.v("guidance"))
		}
	},
	"forward": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.Forward(ctx, a, id, ver, f.v("note"))
		}
	},
	"assess": func(f *actionForm) orderCall {
		in := workorder.Assessment{CauseAnalysis: f.v("cause_analysis"), RepairPlan: f.v("repair_plan"), ServiceMode: f.v("service_mode"),
			Complexity: f.v("complexity"), AgreedCompletionAt: f.when("agreed_completion_at", "agreed_completion_at"),
			PartsNeeded: f.v("parts_needed"), ToolsNeeded: f.v("tools_needed"), LoanerNeeded: f.v("loaner_needed") == "1", Note: f.v("note")}
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.Assess(ctx, a, id, ver, in)
		}
	},
	"resolve_remotely": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.ResolveRemotely(ctx, a, id, ver, f.v("cause_analysis"), f.v("guidance"))
		}
	},
	"assign": func(f *actionForm) orderCall {
		tech := f.id("technician_id")
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.Assign(ctx, a, id, ver, tech, f.v("note"))
		}
	},
	"reassign": func(f *actionForm) orderCall {
		tech := f.id("technician_id")
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.Reassign(ctx, a, id, ver, tech, f.v("reason"))
		}
	},
	"make_appointment": func(f *actionForm) orderCall {
		start, end := f.when("start", "appointment_start"), f.when("end", "appointment_end")
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.MakeAppointment(ctx, a, id, ver, start, end, f.v("note"))
		}
	},
	"reschedule": func(f *actionForm) orderCall {
		start, end := f.when("start", "appointment_start"), f.when("end", "appointment_end")
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.Reschedule(ctx, a, id, ver, start, end, f.v("reason"))
		}
	},
	"parts_arrived": func(f *actionForm) orderCall {
		start, end := f.when("start", "appointment_start"), f.when("end", "appointment_end")
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.PartsArrived(ctx, a, id, ver, start, end, f.v("note"))
		}
	},
	"check_in": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.CheckIn(ctx, a, id, ver)
		}
	},
	"await_parts": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.AwaitParts(ctx, a, id, ver, f.v("missing_parts"))
		}
	},
	"take_to_workshop": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.TakeToWorkshop(ctx, a, id, ver, f.v("loaner_issued") == "1", f.v("note"))
		}
	},
	"callback": func(f *actionForm) orderCall {
		c, errs := callbackInput(f.values)
		maps.Copy(f.errs, errs)
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.RecordCallback(ctx, a, id, ver, c)
		}
	},
	"close_unreachable": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.CloseUnreachable(ctx, a, id, ver, f.v("note"))
		}
	},
	"write_off": func(f *actionForm) orderCall {
		f.confirmed("receivable.write_off_confirm_required")
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.WriteOff(ctx, a, id, ver, f.v("reason"))
		}
	},
	"reclassify": func(f *actionForm) orderCall {
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.Reclassify(ctx, a, id, ver, f.v("field_class"), f.v("note"))
		}
	},
	"cancel": func(f *actionForm) orderCall {
		f.confirmed("order.cancel_confirm_required")
		return func(ctx context.Context, o *workorder.Service, a auth.Actor, id int64, ver int) (workorder.Order, error) {
			return o.Cancel(ctx, a, id, ver, f.v("reason"))
		}
	},
}

// handleOrderAction decodes one action's form (orderActions), calls its one service
// method and redirects to the order; a form that does not parse, or a refusal, shows
// the fresh order with the input kept.
func (s *server) handleOrderAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		action := chi.URLParam(r, "transition")
		decode, ok := orderActions[action]
		if !ok {
			s.notFound(w, r)
			return
		}
		f := &actionForm{values: postValues(r), errs: map[string]string{}, loc: i18n.Location(r.Context())}
		call := decode(f)
		view := views.OrderView{Action: action, Values: f.values}
		version, verr := formVersion(f.v("version"))
		if verr != nil {
			// A form without the version it was shown at cannot be checked for a newer change.
			view.ErrorKey = "error.form_version"
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, view)
			return
		}
		if errs := f.Valid(); len(errs) > 0 {
			view.Errors = errs
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, view)
			return
		}
		if _, err = call(r.Context(), s.Orders, actor(r), id, version); err != nil {
			s.refused(w, r, id, view, err)
			return
		}
		s.flash(r, "ok", "order.saved")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10))
	}
}
