package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/reconcile"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
	"github.com/xuri/excelize/v2"
)

// reconDay reads ?day= (yesterday when absent) in the user's time zone; ok is false when
// it does not parse.
func (s *server) reconDay(r *http.Request, raw string) (time.Time, bool) {
	loc := i18n.Location(r.Context())
	if raw == "" {
		n := s.Now().In(loc)
		return time.Date(n.Year(), n.Month(), n.Day()-1, 0, 0, 0, 0, loc), true
	}
	t, err := time.ParseInLocation(time.DateOnly, raw, loc)
	return t, err == nil
}

// renderRecon renders the day's reconciliation (or one technician's day) fresh from the
// database, with what a refused change sent back.
func (s *server) renderRecon(w http.ResponseWriter, r *http.Request, status int, technician int64, station int64, day time.Time, v views.ReconView) {
	ctx, a := r.Context(), actor(r)
	if technician != 0 {
		row, err := s.Reconcile.Row(ctx, a, technician, day)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Day.Rows = []reconcile.Row{row}
		p, err := s.Reconcile.Day(ctx, a, 0, day)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Rows = v.Day.Rows
		v.Day = p
	} else {
		p, err := s.Reconcile.Day(ctx, a, station, day)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Day = p
	}
	v.Technician = technician
	pending, err := s.Reconcile.Unreconciled(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Pending = pending
	s.render(w, r, status, views.Reconciliation(s.page(r, "recon.title"), v))
}

// handleReconciliation is the day's reconciliation (对账): ?day=YYYY-MM-DD (yesterday by
// default), ?station= one of the actor's stations.
func (s *server) handleReconciliation() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		day, ok := s.reconDay(r, q.Get("day"))
		if !ok {
			s.fail(w, r, apperr.Fields(map[string]string{"day": "recon.field.day_invalid"}))
			return
		}
		station, _ := strconv.ParseInt(q.Get("station"), 10, 64)
		s.renderRecon(w, r, http.StatusOK, 0, station, day, views.ReconView{})
	}
}

// handleReconTechnician is one technician's day.
func (s *server) handleReconTechnician() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		day, ok := s.reconDay(r, r.URL.Query().Get("day"))
		if !ok {
			s.fail(w, r, apperr.Fields(map[string]string{"day": "recon.field.day_invalid"}))
			return
		}
		s.renderRecon(w, r, http.StatusOK, id, 0, day, views.ReconView{})
	}
}

// handleReconAction decodes one change to a technician's day (resolve, returned, cash,
// close), calls its service method and goes back to the page it came from; a refusal
// re-renders that page with the message.
func (s *server) handleReconAction() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tech, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		day, ok := s.reconDay(r, vals["day"])
		if !ok || vals["day"] == "" {
			s.fail(w, r, apperr.Fields(map[string]string{"day": "recon.field.day_invalid"}))
			return
		}
		order, _ := strconv.ParseInt(vals["order_id"], 10, 64)
		ctx, a := r.Context(), actor(r)
		action := chi.URLParam(r, "action")
		switch action {
		case "resolve":
			err = s.Reconcile.Resolve(ctx, a, tech, day, reconcile.Resolution{OrderID: order, Kind: reconcile.Kind(vals["kind"]),
				Action: reconcile.Action(vals["action"]), Note: vals["note"]})
		case "returned":
			err = s.Reconcile.MarkReturned(ctx, a, tech, day, order)
		case "cash":
			err = s.Reconcile.ConfirmCash(ctx, a, tech, day, order, vals["amount"])
		case "close":
			err = s.Reconcile.Close(ctx, a, tech, day, vals["confirm"] == "1")
		default:
			err = apperr.New(apperr.NotFound, "error.not_found")
		}
		back := "/reconciliation?" + url.Values{"day": {day.Format(time.DateOnly)}}.Encode()
		page := int64(0)
		if vals["back"] == "tech" {
			page = tech
			back = "/reconciliation/technicians/" + strconv.FormatInt(tech, 10) + "?" + url.Values{"day": {day.Format(time.DateOnly)}}.Encode()
		}
		if err != nil {
			ref, ok := refusalOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			s.renderRecon(w, r, ref.status, page, 0, day, views.ReconView{Errors: ref.fields, ErrorKey: ref.key, ErrorData: localizeData(ctx, ref.data)})
			return
		}
		s.flash(r, "ok", "recon.done."+action)
		redirect(w, r, back)
	}
}

// reconExportColumns are the headings (catalog keys) of the day's workbook.
var reconExportColumns = []string{
	"recon.col.technician", "recon.col.order", "recon.col.customer", "recon.col.completed", "recon.col.signature",
	"recon.col.report", "recon.col.returned", "recon.xlsx.quoted", "recon.xlsx.settled", "recon.xlsx.method",
	"recon.xlsx.handed", "recon.xlsx.callback_overall", "recon.xlsx.mismatches", "recon.xlsx.resolutions", "recon.xlsx.day_state",
}

// handleReconExport downloads the day's reconciliation as 对账_YYYYMMDD.xlsx: one row per
// job, amounts in yuan as numbers, scores as numbers, times as date cells.
func (s *server) handleReconExport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		q := r.URL.Query()
		day, ok := s.reconDay(r, q.Get("day"))
		if !ok {
			s.fail(w, r, apperr.Fields(map[string]string{"day": "recon.field.day_invalid"}))
			return
		}
		station, _ := strconv.ParseInt(q.Get("station"), 10, 64)
		p, err := s.Reconcile.Day(ctx, actor(r), station, day)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		loc := i18n.Location(ctx)
		sheet := i18n.T(ctx, "recon.xlsx.sheet")
		x := excelize.NewFile()
		defer x.Close()
		if err := x.SetSheetName("Sheet1", sheet); err != nil {
			s.fail(w, r, apperr.Wrap(err, "xlsx sheet"))
			return
		}
		bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		format := orderDateFormat
		dates, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &format})
		money := 2
		yuan, _ := x.NewStyle(&excelize.Style{NumFmt: money})
		if err := s.stampWorkbook(r, x); err != nil {
			s.fail(w, r, err)
			return
		}
		sw, err := x.NewStreamWriter(sheet)
		if err != nil {
			s.fail(w, r, apperr.Wrap(err, "xlsx stream"))
			return
		}
		_ = sw.SetColWidth(1, len(reconExportColumns), 14)
		header := make([]any, len(reconExportColumns))
		for i, k := range reconExportColumns {
			header[i] = i18n.T(ctx, k)
		}
		if err := sw.SetRow("A1", header, excelize.RowOpts{StyleID: bold}); err != nil {
			s.fail(w, r, apperr.Wrap(err, "xlsx header"))
			return
		}
		fen := func(p *int64) any {
			if p == nil {
				return nil
			}
			return excelize.Cell{StyleID: yuan, Value: float64(*p) / 100}
		}
		yes := func(b bool) string {
			if b {
				return i18n.T(ctx, "common.yes")
			}
			return i18n.T(ctx, "common.no")
		}
		n := 1
		for _, row := range p.Rows {
			state := i18n.T(ctx, "recon.state.open")
			if row.Closed {
				state = i18n.T(ctx, "recon.state.closed")
			}
			for _, j := range row.Jobs {
				var kinds, resolutions []string
				for _, l := range row.Lines {
					if l.OrderID != j.OrderID {
						continue
					}
					kinds = append(kinds, i18n.T(ctx, "recon.kind."+string(l.Kind)))
					if l.Resolved() {
						resolutions = append(resolutions, i18n.T(ctx, "recon.action."+string(*l.Resolution))+" "+l.Note)
					}
				}
				method := ""
				if j.SettleMethod != nil {
					method = i18n.T(ctx, "fee.method."+*j.SettleMethod)
				}
				var overall any
				if j.CallbackOverall != nil {
					overall = *j.CallbackOverall
				}
				n++
				err := sw.SetRow("A"+strconv.Itoa(n), []any{
					row.TechnicianName, j.Number, j.CustomerName, excelize.Cell{StyleID: dates, Value: j.CompletedAt.In(loc)},
					yes(j.Signed || j.NoSignatureReason != ""), yes(len(reconcile.MissingFields(j)) == 0), yes(j.ReturnedAt != nil),
					fen(j.TabletQuoteFen), fen(j.SettledFen), method, fen(j.HandedFen), overall,
					strings.Join(kinds, "；"), strings.Join(resolutions, "；"), state,
				})
				if err != nil {
					s.fail(w, r, apperr.Wrap(err, "xlsx row"))
					return
				}
			}
		}
		if err := sw.Flush(); err != nil {
			s.fail(w, r, apperr.Wrap(err, "xlsx flush"))
			return
		}
		d := day.Format("20060102")
		catalogAttachment(w, sheet+"_"+d+".xlsx", "reconciliation_"+d+".xlsx")
		_ = x.Write(w)
	}
}
