package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// handleStock is the stock overview (配件台账).
func (s *server) handleStock() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		page, err := s.Parts.Stock(r.Context(), actor(r), parts.StockFilter{Text: q.Get("q"), Below: q.Get("below") == "1", After: q.Get("after")})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Stock(s.page(r, "stock.title"), views.StockView{Page: page, Query: q}))
	}
}

// handlePartLedger is one part's ledger with running balances.
func (s *server) handlePartLedger() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		errs := map[string]string{}
		before := number(errs, "before", r.URL.Query().Get("before"))
		if err := formErr(errs); err != nil {
			s.fail(w, r, err)
			return
		}
		l, err := s.Parts.Ledger(r.Context(), actor(r), id, before)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.PartLedgerPage(s.page(r, "stock.title"), l))
	}
}

// handleRequisitions is the requisition queue of one state.
func (s *server) handleRequisitions() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actor(r)
		state := r.URL.Query().Get("state")
		switch state {
		case parts.Requested, parts.Approved, parts.Issued, parts.Rejected:
		default:
			state = parts.Requested
			if a.Is(auth.RoleStorekeeper) {
				state = parts.Approved // what the store acts on first
			}
		}
		reqs, err := s.Parts.Queue(r.Context(), a, state)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v := views.RequisitionsView{State: state, Requisitions: reqs}
		s.render(w, r, http.StatusOK, views.Requisitions(s.page(r, "requisition.title"), v))
	}
}

// handleRequisitionAction approves, rejects, issues or takes back a requisition, then
// goes back to the queue with the outcome.
func (s *server) handleRequisitionAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		version, err := formVersion(r.PostFormValue("version"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a, ctx := actor(r), r.Context()
		var req parts.Requisition
		back := parts.Requested
		switch chi.URLParam(r, "action") {
		case "approve":
			req, err = s.Parts.Approve(ctx, a, id, version)
		case "reject":
			req, err = s.Parts.Reject(ctx, a, id, version, r.PostFormValue("reason"))
		case "issue":
			back = parts.Approved
			req, err = s.Parts.IssueParts(ctx, a, id, version)
		case "return":
			back = parts.Issued
			errs := map[string]string{}
			part := number(errs, "part_id", r.PostFormValue("part_id"))
			qty := int(number(errs, "quantity", r.PostFormValue("quantity")))
			if err = formErr(errs); err == nil {
				req, err = s.Parts.ReturnUnused(ctx, a, id, version, part, qty)
			}
		default:
			s.notFound(w, r)
			return
		}
		if err != nil {
			e := apperr.As(err)
			if e.Code == apperr.Internal || e.Code == apperr.NotFound || e.Code == apperr.Forbidden {
				s.fail(w, r, err)
				return
			}
			if len(e.Fields) > 0 {
				for _, k := range e.Fields {
					e = &apperr.Error{Code: apperr.Invalid, Key: k}
					break
				}
			}
			s.flashError(r, e)
			redirect(w, r, "/parts/requisitions?state="+back+"#req-"+strconv.FormatInt(id, 10))
			return
		}
		s.flash(r, "ok", "requisition.done."+chi.URLParam(r, "action"))
		redirect(w, r, "/parts/requisitions?state="+req.State+"#req-"+strconv.FormatInt(id, 10))
	}
}

// handleRequest asks for parts for an order from its page.
func (s *server) handleRequest() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		_ = r.ParseForm()
		codes, qtys := r.PostForm["part"], r.PostForm["quantity"]
		var wants []parts.Want
		bad := false
		for i, code := range codes {
			q := 0
			if i < len(qtys) && strings.TrimSpace(qtys[i]) != "" {
				n, err := strconv.Atoi(strings.TrimSpace(qtys[i]))
				if err != nil {
					bad = true
				}
				q = n
			}
			wants = append(wants, parts.Want{Code: code, Quantity: q})
		}
		view := views.OrderView{Action: "request", Values: map[string]string{"note": r.PostFormValue("note")}, Multi: map[string][]string{"part": codes, "quantity": qtys}}
		if bad {
			view.Errors = views.FieldErrors{"lines": "requisition.field.line"}
			s.renderOrder(w, r, http.StatusUnprocessableEntity, id, view)
			return
		}
		if _, err := s.Parts.Request(r.Context(), actor(r), id, wants, r.PostFormValue("note")); err != nil {
			s.refused(w, r, id, view, err)
			return
		}
		s.flash(r, "ok", "requisition.requested")
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10))
	}
}
