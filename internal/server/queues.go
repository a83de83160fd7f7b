package server

import (
	"net/http"

	"github.com/aftersales/aftersales/web/views"
)

// handleAssessments is the assessment queue (技术评估).
func (s *server) handleAssessments() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := s.Orders.Assessments(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Assessments(s.page(r, "assessments.title"), q, s.Now()))
	}
}

// handleReceivables is the list of fees owed on closed orders (应收款).
func (s *server) handleReceivables() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, err := s.Orders.Receivables(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Receivables(s.page(r, "receivable.title"), list))
	}
}
