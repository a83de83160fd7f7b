package server

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/report"
	"github.com/aftersales/aftersales/web/views"
)

// reportQuery reads the report's period and station from the URL; field errors are
// catalog keys by parameter.
func (s *server) reportQuery(r *http.Request) (report.Query, map[string]string) {
	q := r.URL.Query()
	p, errs := report.ParsePeriod(q.Get("kind"), q.Get("date"), q.Get("from"), q.Get("to"), s.Now(), i18n.Location(r.Context()))
	station, err := strconv.ParseInt(q.Get("station"), 10, 64)
	if err != nil && q.Get("station") != "" {
		errs["station"] = "error.invalid"
	}
	return report.Query{Period: p, StationID: station}, errs
}

// handleReports is the managers' report (报表).
func (s *server) handleReports() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, errs := s.reportQuery(r)
		p, err := s.Reports.Report(r.Context(), actor(r), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status := http.StatusOK
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
		}
		stations := actor(r).Stations
		if q.StationID != 0 && actor(r).Sees(q.StationID) {
			stations = []int64{q.StationID}
		}
		loans, err := s.Loaners.Out(r.Context(), stations)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status, views.Reports(s.page(r, "report.page_title"), views.ReportsView{Page: p, Values: r.URL.Query(), Errors: errs, Loaners: loans}))
	}
}

// handleReportsExport downloads the same report as 报表-<period>.xlsx.
func (s *server) handleReportsExport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, _ := s.reportQuery(r)
		p, err := s.Reports.Report(r.Context(), actor(r), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := p.Workbook(i18n.Lang(r.Context()))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.sendWorkbook(w, r, b, "报表-"+p.Query.Period.Label+".xlsx", "report-"+p.Query.Period.Label+".xlsx")
	}
}
