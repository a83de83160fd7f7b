package server

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
)

// renderCallbacks renders the queue, with a failed form's input and messages.
func (s *server) renderCallbacks(w http.ResponseWriter, r *http.Request, status int, v views.CallbacksView) {
	q := r.URL.Query()
	filterErrs := map[string]string{}
	station := number(filterErrs, "station", q.Get("station"))
	if len(filterErrs) > 0 {
		// A station that does not parse: every station's queue, with the message.
		station, status, v.FilterErrors = 0, http.StatusUnprocessableEntity, filterErrs
	}
	p, err := s.Orders.CallbackPage(r.Context(), actor(r), station, q.Get("service_type"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.CallbackPage, v.Query, v.Now = p, q, s.Now()
	s.render(w, r, status, views.Callbacks(s.page(r, "callback.title"), v))
}

// handleCallbacks is the callback queue (回访).
func (s *server) handleCallbacks() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderCallbacks(w, r, http.StatusOK, views.CallbacksView{})
	}
}

// handleRecordCallback records one call: an attempt, or the survey with its outcome.
func (s *server) handleRecordCallback() http.HandlerFunc {
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
		c, errs := callbackInput(vals)
		if len(errs) > 0 {
			s.renderCallbacks(w, r, http.StatusUnprocessableEntity, views.CallbacksView{Failed: id, Values: vals, Errors: errs})
			return
		}
		_, err = s.Orders.RecordCallback(r.Context(), actor(r), id, version, c)
		if err != nil {
			// Field messages, or what is missing (fees not settled, someone else called),
			// with the form kept.
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			s.renderCallbacks(w, r, ref.status, views.CallbacksView{Failed: id, Values: vals, Errors: ref.fields,
				ErrorKey: ref.key, ErrorData: localizeData(r.Context(), ref.data)})
			return
		}
		key := "callback.saved." + c.Outcome
		if c.Outcome == "reached" {
			key = map[bool]string{true: "callback.saved.closed", false: "callback.saved.revisit"}[c.Satisfied]
		}
		s.flash(r, "ok", key)
		redirect(w, r, "/callbacks")
	}
}

// callbackInput decodes the callback survey, from the queue or the order page; errs
// names what the service cannot be asked (a reached call must say satisfied or not).
func callbackInput(vals map[string]string) (workorder.Callback, map[string]string) {
	errs := map[string]string{}
	score := func(k string) int { return int(number(errs, k, vals[k])) }
	c := workorder.Callback{Outcome: vals["outcome"], Attitude: score("attitude"), Timeliness: score("timeliness"), Quality: score("quality"),
		Overall: score("overall"), Satisfied: vals["satisfied"] == "1", Comments: vals["comments"], Reason: vals["reason"], Note: vals["note"]}
	if c.Outcome == "reached" && vals["satisfied"] == "" {
		errs["reason"] = "callback.field.satisfied"
	}
	return c, errs
}

// callbacksDueFilter decodes the query of the callbacks that fell due: station, from and
// to (days in the user's time zone, to included) and reached (1 or 0); errs names what
// does not parse.
func callbacksDueFilter(r *http.Request) (workorder.DueFilter, map[string]string) {
	q := r.URL.Query()
	errs := map[string]string{}
	f := workorder.DueFilter{After: q.Get("after")}
	if v := q.Get("station"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs["station"] = "error.invalid"
		}
		f.StationID = n
	}
	f.From, f.To = dayRange(r, errs, "customer.field.date_invalid")
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		errs["to"] = "callback.due.range_order"
	}
	switch q.Get("reached") {
	case "":
	case "1", "0":
		reached := q.Get("reached") == "1"
		f.Reached = &reached
	default:
		errs["reached"] = "error.invalid"
	}
	return f, errs
}

// handleCallbacksDue lists the callbacks that fell due (已到期回访), one row per
// callback: the callback rate's figures, row by row. A query that does not parse shows
// its field messages (422) over this month's list.
func (s *server) handleCallbacksDue() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, errs := callbacksDueFilter(r)
		if len(errs) > 0 {
			f = workorder.DueFilter{}
		}
		p, err := s.Orders.CallbacksDue(r.Context(), actor(r), f)
		if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
			// A cursor that does not parse: the first page, with the message.
			errs = e.Fields
			p, err = s.Orders.CallbacksDue(r.Context(), actor(r), workorder.DueFilter{})
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status := http.StatusOK
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
		}
		v := views.CallbacksDueView{DueCallbacks: p, Query: r.URL.Query(), Errors: errs}
		s.render(w, r, status, views.CallbacksDue(s.page(r, "callback.due.title"), v))
	}
}
