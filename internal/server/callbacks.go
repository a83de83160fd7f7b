package server

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
)

// renderCallbacks renders the queue, with a failed form's input and messages.
func (s *server) renderCallbacks(w http.ResponseWriter, r *http.Request, status int, v views.CallbacksView) {
	q := r.URL.Query()
	station, _ := strconv.ParseInt(q.Get("station"), 10, 64)
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
	score := func(k string) int { n, _ := strconv.Atoi(vals[k]); return n }
	c := workorder.Callback{Outcome: vals["outcome"], Attitude: score("attitude"), Timeliness: score("timeliness"), Quality: score("quality"),
		Overall: score("overall"), Satisfied: vals["satisfied"] == "1", Comments: vals["comments"], Reason: vals["reason"], Note: vals["note"]}
	errs := map[string]string{}
	if c.Outcome == "reached" && vals["satisfied"] == "" {
		errs["reason"] = "callback.field.satisfied"
	}
	return c, errs
}
