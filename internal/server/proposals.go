package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// Customer proposals (客户提案): the list, the log form, a proposal's page with its
// decisions and the telling of the customer, and the manager's award levels.

// proposalFilter decodes the list's query string; errs names what does not parse.
func proposalFilter(r *http.Request) (proposal.Filter, map[string]string) {
	q := r.URL.Query()
	errs := map[string]string{}
	f := proposal.Filter{State: proposal.State(q.Get("state")), Category: q.Get("category"), Text: q.Get("q"),
		After: q.Get("after"), ToTell: q.Get("totell") == "1", Due: q.Get("due") == "1"}
	if s := q.Get("station"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs["station"] = "error.invalid"
		}
		f.StationID = n
	}
	return f, errs
}

// handleProposals is the proposal list with its filters and search.
func (s *server) handleProposals() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, errs := proposalFilter(r)
		status := http.StatusOK
		if len(errs) > 0 {
			f, status = proposal.Filter{}, http.StatusUnprocessableEntity
		}
		list, err := s.Proposals.List(r.Context(), actor(r), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status, views.Proposals(s.page(r, "proposal.list.title"), views.ProposalListView{List: list, Query: r.URL.Query(), Errors: errs}))
	}
}

// renderNewProposal renders the log form: the customers matching the phone typed (the
// same search as intake), then the proposal's fields.
func (s *server) renderNewProposal(w http.ResponseWriter, r *http.Request, status int, v views.ProposalNewView) {
	if v.Phone != "" {
		m, err := s.Customers.Search(r.Context(), actor(r), v.Phone, 8)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Matches, v.Searched = m, true
	}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	if v.Values["channel"] == "" {
		v.Values["channel"] = "phone"
	}
	if len(v.Matches) == 1 && v.Values["customer_id"] == "" {
		v.Values["customer_id"] = strconv.FormatInt(v.Matches[0].ID, 10)
	}
	s.render(w, r, status, views.ProposalNew(s.page(r, "proposal.new.title"), v))
}

// handleNewProposalPage is the log form; ?phone= looks the caller up (a plain GET).
func (s *server) handleNewProposalPage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderNewProposal(w, r, http.StatusOK, views.ProposalNewView{Phone: strings.TrimSpace(r.URL.Query().Get("phone"))})
	}
}

// handleLogProposal logs a proposal and shows it.
func (s *server) handleLogProposal() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		errs := map[string]string{}
		customerID := number(errs, "customer_id", vals["customer_id"])
		var p proposal.Proposal
		err := formErr(errs)
		if err == nil {
			p, err = s.Proposals.Log(r.Context(), actor(r), proposal.NewProposal{CustomerID: customerID, Channel: vals["channel"],
				Category: vals["category"], Content: vals["content"]})
		}
		if err != nil {
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			s.renderNewProposal(w, r, ref.status, views.ProposalNewView{Phone: vals["phone"], Values: vals, Errors: ref.fields,
				ErrorKey: ref.key, ErrorData: localizeData(r.Context(), ref.data)})
			return
		}
		s.flash(r, "ok", "proposal.done.log")
		redirect(w, r, "/proposals/"+strconv.FormatInt(p.ID, 10))
	}
}

// renderProposal renders a proposal's page, fresh from the database, with what a
// refused form left behind.
func (s *server) renderProposal(w http.ResponseWriter, r *http.Request, status int, id int64, v views.ProposalView) {
	p, err := s.Proposals.Page(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.ProposalPage = p
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	s.render(w, r, status, views.ProposalDetail(s.page(r, "proposal.title"), v))
}

func (s *server) handleProposal() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderProposal(w, r, http.StatusOK, id, views.ProposalView{})
	}
}

// proposalDate parses a date field typed as yyyy-mm-dd; ok is false when it does not
// parse (an empty field is the zero time and ok).
func proposalDate(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, v)
	return t, err == nil
}

// handleProposalAction takes one decision (adopt, reject, keep) or records that the
// customer was told (tell). A decision needs its confirmation tick.
func (s *server) handleProposalAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		action := chi.URLParam(r, "action")
		vals := postValues(r)
		version, err := formVersion(vals["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		errs := map[string]string{}
		if action != "tell" && vals["confirm"] != "1" {
			errs["confirm"] = "proposal.field.confirm"
		}
		a := actor(r)
		ctx := r.Context()
		switch action {
		case "adopt":
			eff, ok := proposalDate(vals["effective_on"])
			if !ok {
				errs["effective_on"] = "proposal.field.effective_on"
			}
			level := number(errs, "award_level", vals["award_level"])
			in := proposal.Adoption{Department: vals["department"], Measures: vals["measures"], EffectiveOn: eff, AwardLevelID: level}
			if len(errs) == 0 {
				_, err = s.Proposals.Adopt(ctx, a, id, version, in)
			} else {
				mergeFields(errs, in.Valid())
			}
		case "reject":
			if len(errs) == 0 {
				_, err = s.Proposals.Reject(ctx, a, id, version, vals["reason"])
			}
		case "keep":
			review, ok := proposalDate(vals["review_on"])
			if !ok {
				errs["review_on"] = "proposal.field.date"
			}
			in := proposal.Keeping{Reason: vals["reason"], ReviewOn: review}
			if len(errs) == 0 {
				_, err = s.Proposals.Keep(ctx, a, id, version, in)
			} else {
				mergeFields(errs, in.Valid())
			}
		case "tell":
			_, err = s.Proposals.Tell(ctx, a, id, version, proposal.Notice{Via: vals["via"], Note: vals["note"]})
		default:
			s.notFound(w, r)
			return
		}
		v := views.ProposalView{Action: action, Values: vals, Errors: errs}
		if len(errs) > 0 {
			s.renderProposal(w, r, http.StatusUnprocessableEntity, id, v)
			return
		}
		if err != nil {
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			v.Errors, v.ErrorKey, v.ErrorData = ref.fields, ref.key, ref.data
			s.renderProposal(w, r, ref.status, id, v)
			return
		}
		s.flash(r, "ok", "proposal.done."+action)
		redirect(w, r, "/proposals/"+strconv.FormatInt(id, 10))
	}
}

// mergeFields adds the messages of more that errs does not have yet, so a refused form
// shows every message at once.
func mergeFields(errs, more map[string]string) {
	for k, v := range more {
		if _, ok := errs[k]; !ok {
			errs[k] = v
		}
	}
}

// renderAwardLevels renders the award levels with the form (and its errors).
func (s *server) renderAwardLevels(w http.ResponseWriter, r *http.Request, status int, v views.AwardLevelsView) {
	levels, err := s.Proposals.AwardLevels(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Levels = levels
	s.render(w, r, status, views.AwardLevelsPage(s.page(r, "proposal.levels.title"), v))
}

// handleAwardLevels shows the award levels; ?edit=ID fills the form with that level.
func (s *server) handleAwardLevels() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := views.AwardLevelsView{}
		if id := r.URL.Query().Get("edit"); id != "" {
			levels, err := s.Proposals.AwardLevels(r.Context(), actor(r))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, l := range levels {
				if strconv.FormatInt(l.ID, 10) == id {
					v.Form = views.AwardLevelForm{ID: id, Name: l.Name, Amount: fee.FenInput(l.AmountFen)}
				}
			}
		}
		s.renderAwardLevels(w, r, http.StatusOK, v)
	}
}

// handleSaveAwardLevel adds a level or renames and re-prices one.
func (s *server) handleSaveAwardLevel() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		form := views.AwardLevelForm{ID: vals["id"], Name: vals["name"], Amount: vals["amount"]}
		errs := views.FieldErrors{}
		id := number(errs, "id", form.ID)
		in := proposal.LevelInput{ID: id, Name: form.Name}
		amount, ok := fee.ParseYuan(form.Amount)
		if !ok {
			errs["amount"] = "proposal.field.award_range"
		}
		in.AmountFen = amount
		if len(errs) == 0 {
			_, err := s.Proposals.SaveAwardLevel(r.Context(), actor(r), in)
			if err == nil {
				s.flash(r, "ok", "proposal.levels.saved")
				redirect(w, r, "/settings/proposals")
				return
			}
			e := apperr.As(err)
			if len(e.Fields) == 0 {
				s.fail(w, r, err)
				return
			}
			errs = e.Fields
		} else {
			mergeFields(errs, in.Valid())
		}
		s.renderAwardLevels(w, r, http.StatusUnprocessableEntity, views.AwardLevelsView{Form: form, Errors: errs})
	}
}

// handleSetAwardLevelActive takes a level off the list (active=0) or puts it back.
func (s *server) handleSetAwardLevelActive() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		active := r.PostFormValue("active") == "1"
		if err := s.Proposals.SetAwardLevelActive(r.Context(), actor(r), id, active); err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "proposal.levels.saved")
		redirect(w, r, "/settings/proposals")
	}
}
