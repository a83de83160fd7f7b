package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/web/views"
)

// Fees (费用): the manager's fee schedule, and each order's quote, the customer's
// confirmation and the settlement.

// renderFeeSchedule renders a station's schedule with the form (and its errors).
func (s *server) renderFeeSchedule(w http.ResponseWriter, r *http.Request, status int, station int64, v views.FeeScheduleView) {
	sc, err := s.Fees.ScheduleOf(r.Context(), actor(r), station)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Schedule = sc
	if v.Form.Kind == "" {
		v.Form.Kind = "labour"
	}
	s.render(w, r, status, views.FeeSchedulePage(s.page(r, "fee.schedule.title"), v))
}

// feesURL is the fee schedule page of a station.
func feesURL(station int64) string { return "/settings/fees?station=" + strconv.FormatInt(station, 10) }

// handleFeeSchedule shows a station's schedule; at headquarters ?edit=CODE fills the
// form with that item, elsewhere ?reset=ID asks to confirm removing the station's own
// values of an item.
func (s *server) handleFeeSchedule() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station := settingsStation(r)
		v := views.FeeScheduleView{}
		if id, err := strconv.ParseInt(r.URL.Query().Get("reset"), 10, 64); err == nil {
			v.ConfirmReset = id
		}
		if code := r.URL.Query().Get("edit"); code != "" {
			sc, err := s.Fees.ScheduleOf(r.Context(), actor(r), station)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, it := range sc.Items {
				if it.Code == code {
					v.Form = views.FeeItemForm{Code: it.Code, Name: it.Name, Kind: it.Kind, Price: fee.FenInput(it.PriceFen)}
				}
			}
		}
		s.renderFeeSchedule(w, r, http.StatusOK, station, v)
	}
}

// handleSaveFeeItem adds or updates an item of headquarters' schedule by its code.
func (s *server) handleSaveFeeItem() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		station := settingsStation(r)
		form := views.FeeItemForm{Code: strings.TrimSpace(r.PostFormValue("code")), Name: strings.TrimSpace(r.PostFormValue("name")),
			Kind: r.PostFormValue("kind"), Price: strings.TrimSpace(r.PostFormValue("price"))}
		in := fee.ItemInput{Code: form.Code, Name: form.Name, Kind: form.Kind}
		errs := views.FieldErrors{}
		price, ok := fee.ParseYuan(form.Price)
		if !ok {
			errs["price"] = "fee.field.price"
		}
		in.PriceFen = price
		if len(errs) == 0 {
			_, err := s.Fees.SaveItem(r.Context(), actor(r), in)
			if err == nil {
				s.flash(r, "ok", "fee.item_saved")
				redirect(w, r, feesURL(station))
				return
			}
			e := apperr.As(err)
			if len(e.Fields) == 0 {
				s.fail(w, r, err)
				return
			}
			errs = e.Fields
		} else {
			// Show every message at once, not the price first and the rest after.
			for k, v := range fee.ValidateItem(in) {
				if k != "price" {
					errs[k] = v
				}
			}
		}
		s.renderFeeSchedule(w, r, http.StatusUnprocessableEntity, station, views.FeeScheduleView{Form: form, Errors: errs})
	}
}

// handleDeactivateFeeItem takes an item off headquarters' schedule, once the tick
// confirms it.
func (s *server) handleDeactivateFeeItem() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station := settingsStation(r)
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.PostFormValue("confirm") != "1" {
			s.renderFeeSchedule(w, r, http.StatusUnprocessableEntity, station, views.FeeScheduleView{ConfirmID: id,
				Errors: views.FieldErrors{"confirm": "fee.deactivate_confirm_required"}})
			return
		}
		if err := s.Fees.DeactivateItem(r.Context(), actor(r), id); err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "fee.item_deactivated")
		redirect(w, r, feesURL(station))
	}
}

// handleFeeOverride sets a centre's or an outlet's own price of an item and whether it
// offers it.
func (s *server) handleFeeOverride() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station := settingsStation(r)
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		typed := strings.TrimSpace(r.PostFormValue("price"))
		price, ok := fee.ParseYuan(typed)
		if ok {
			err = s.Fees.SetOverride(r.Context(), actor(r), station, id, price, r.PostFormValue("active") == "1")
		}
		if e := apperr.As(err); !ok || (err != nil && len(e.Fields) > 0) {
			s.renderFeeSchedule(w, r, http.StatusUnprocessableEntity, station, views.FeeScheduleView{OverrideID: id, OverridePrice: typed,
				Errors: views.FieldErrors{"price": "fee.field.price"}})
			return
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "stset.fee.saved")
		redirect(w, r, feesURL(station))
	}
}

// handleFeeReset removes a station's own price and active flag of an item, once
// confirmed.
func (s *server) handleFeeReset() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		station := settingsStation(r)
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.PostFormValue("confirm") != "yes" {
			redirect(w, r, feesURL(station)+"&reset="+strconv.FormatInt(id, 10))
			return
		}
		if err := s.Fees.ResetOverride(r.Context(), actor(r), station, id); err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "stset.reset_done")
		redirect(w, r, feesURL(station))
	}
}

// renderOrderFees renders an order's fees page, fresh from the database, with what a
// refused form left behind. Only those who may see the order get it (NotFound else).
func (s *server) renderOrderFees(w http.ResponseWriter, r *http.Request, status int, id int64, v views.FeeOrderView) {
	o, err := s.Orders.OrderByID(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.Fees.OrderFees(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Order, v.Fees = o, f
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	s.render(w, r, status, views.FeeOrderPage(s.page(r, "fee.title"), v))
}

func (s *server) handleOrderFees() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderOrderFees(w, r, http.StatusOK, id, views.FeeOrderView{})
	}
}

// feeDone answers a fee change: back to the fees page with a message (303), or the
// fresh page with the input kept and the refusal (refusalOf).
func (s *server) feeDone(w http.ResponseWriter, r *http.Request, id int64, v views.FeeOrderView, err error, okKey string) {
	if err == nil && len(v.Errors) == 0 {
		s.flash(r, "ok", okKey)
		redirect(w, r, "/orders/"+strconv.FormatInt(id, 10)+"/fees")
		return
	}
	if err == nil {
		s.renderOrderFees(w, r, http.StatusUnprocessableEntity, id, v)
		return
	}
	ref, ok := refusalOf(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	v.Errors, v.ErrorKey, v.ErrorData = ref.fields, ref.key, ref.data
	s.renderOrderFees(w, r, ref.status, id, v)
}

// handleAddFeeLine adds a labour item to the quote.
func (s *server) handleAddFeeLine() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values := postValues(r)
		v := views.FeeOrderView{Form: "line", Values: values, Errors: views.FieldErrors{}}
		item, err1 := strconv.ParseInt(values["item_id"], 10, 64)
		if err1 != nil {
			v.Errors["item_id"] = "fee.field.item"
		}
		qty, err2 := strconv.Atoi(values["quantity"])
		if err2 != nil {
			v.Errors["quantity"] = "fee.field.quantity"
		}
		if len(v.Errors) == 0 {
			err = s.Fees.AddLabour(r.Context(), actor(r), id, item, qty)
		}
		s.feeDone(w, r, id, v, err, "fee.line_added")
	}
}

// handleDeleteFeeLine takes a visit or labour line off the quote.
func (s *server) handleDeleteFeeLine() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		line, err := pathID(r, "line")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		err = s.Fees.DeleteLine(r.Context(), actor(r), id, line)
		s.feeDone(w, r, id, views.FeeOrderView{}, err, "fee.line_deleted")
	}
}

// handleConfirmQuote records the customer's confirmation (the tick and their name).
func (s *server) handleConfirmQuote() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values := postValues(r)
		v := views.FeeOrderView{Form: "confirm", Values: values, Errors: views.FieldErrors{}}
		if values["confirmed"] != "1" {
			v.Errors["confirmed"] = "fee.field.confirm_tick"
		}
		if values["customer_name"] == "" {
			v.Errors["customer_name"] = "field.required"
		}
		if len(v.Errors) == 0 {
			err = s.Fees.Confirm(r.Context(), actor(r), id, values["via"], values["customer_name"])
		}
		s.feeDone(w, r, id, v, err, "fee.confirmed")
	}
}

// handleSettle records the settlement.
func (s *server) handleSettle() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values := postValues(r)
		v := views.FeeOrderView{Form: "settle", Values: values, Errors: views.FieldErrors{}}
		amount, ok := fee.ParseYuan(values["amount"])
		if !ok {
			v.Errors["amount"] = "fee.field.amount"
		}
		if len(v.Errors) == 0 {
			err = s.Fees.Settle(r.Context(), actor(r), id, amount, values["method"], values["receipt_no"])
		}
		s.feeDone(w, r, id, v, err, "fee.settled")
	}
}
