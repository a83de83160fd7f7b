package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/xuri/excelize/v2"
)

// orderExportColumns are the headings (catalog keys) of the order list's workbook, in
// the order orderExportRow fills them.
var orderExportColumns = []string{
	"orders.xlsx.col.number", "orders.xlsx.col.state", "orders.xlsx.col.urgency", "orders.xlsx.col.service_type",
	"orders.xlsx.col.customer", "orders.xlsx.col.phone", "orders.xlsx.col.unit", "orders.xlsx.col.station",
	"orders.xlsx.col.technician", "orders.xlsx.col.created_at", "orders.xlsx.col.contact_due", "orders.xlsx.col.first_contact",
	"orders.xlsx.col.arrive_due", "orders.xlsx.col.arrived", "orders.xlsx.col.completed", "orders.xlsx.col.callback_due",
	"orders.xlsx.col.closed", "orders.xlsx.col.repeat", "orders.xlsx.col.fees", "orders.xlsx.col.revisits",
}

// orderDateFormat is the number format of the workbook's date cells.
const orderDateFormat = "yyyy-mm-dd hh:mm"

// orderExportRow is o's row in orderExportColumns order, in the user's words: times as
// date cells of style dates in loc, counts as numbers, the phone as every page shows it.
func orderExportRow(ctx context.Context, o workorder.Order, loc *time.Location, dates int) []any {
	at := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return excelize.Cell{StyleID: dates, Value: t.In(loc)}
	}
	repeat := i18n.T(ctx, "common.no")
	if o.RepeatOf != nil {
		repeat = i18n.T(ctx, "common.yes")
	}
	return []any{
		o.Number, i18n.T(ctx, "state."+string(o.State)), i18n.T(ctx, "urgency."+o.Urgency), i18n.T(ctx, "service_type."+o.ServiceType),
		o.CustomerName, customer.FormatPhone(o.ContactPhone), o.UnitLabel, o.StationName,
		o.AssigneeName, at(&o.CreatedAt), at(&o.ContactDueAt), at(o.FirstContactAt),
		at(&o.ArriveDueAt), at(o.ArrivedAt), at(o.CompletedAt), at(o.CallbackDueAt),
		at(o.ClosedAt), repeat, i18n.T(ctx, "fee.state."+o.FeesState), o.RevisitCount,
	}
}

// handleOrdersExport downloads the order list's whole filtered result (the same query
// parameters and scope as /orders) as 工单_YYYYMMDD.xlsx. The rows stream from the
// database into excelize's stream writer (which spills to a temporary file past 16 MB),
// so a large export is never all in memory; past workorder.ExportMax orders a last row
// says the export was cut. A client that goes away ends the query.
func (s *server) handleOrdersExport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		f, errs := orderFilter(r)
		if len(errs) > 0 {
			s.fail(w, r, apperr.Fields(errs))
			return
		}
		loc := i18n.Location(ctx)
		sheet := i18n.T(ctx, "orders.xlsx.sheet")
		x := excelize.NewFile()
		defer x.Close()
		if err := s.stampWorkbook(r, x); err != nil {
			s.fail(w, r, err)
			return
		}
		sw, styles, err := orderSheet(ctx, x, sheet)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		n := 1
		more, err := s.Orders.ExportOrders(ctx, actor(r), f, func(o workorder.Order) error {
			n++
			return sw.SetRow("A"+strconv.Itoa(n), orderExportRow(ctx, o, loc, styles.date))
		})
		if err != nil {
			if ctx.Err() != nil {
				s.Logger.Info("order export abandoned by the client", slog.String("request_id", requestIDFrom(ctx)), slog.Int("rows", n-1))
				return
			}
			s.fail(w, r, err)
			return
		}
		if more {
			n++
			msg := i18n.T(ctx, "orders.xlsx.truncated", "Max", workorder.ExportMax)
			if err := sw.SetRow("A"+strconv.Itoa(n), []any{excelize.Cell{StyleID: styles.bold, Value: msg}}); err != nil {
				s.fail(w, r, apperr.Wrap(err, "xlsx row"))
				return
			}
		}
		if err := sw.Flush(); err != nil {
			s.fail(w, r, apperr.Wrap(err, "xlsx flush"))
			return
		}
		day := s.Now().In(loc).Format("20060102")
		catalogAttachment(w, sheet+"_"+day+".xlsx", "orders_"+day+".xlsx")
		if err := x.Write(w); err != nil && ctx.Err() == nil {
			s.Logger.Warn("order export write", slog.String("request_id", requestIDFrom(ctx)), slog.String("err", err.Error()))
		}
	}
}

// orderStyles are the cell styles of the order workbook.
type orderStyles struct{ bold, date int }

// orderSheet names x's one sheet and opens its stream writer with the bold, frozen
// header row written.
func orderSheet(ctx context.Context, x *excelize.File, sheet string) (*excelize.StreamWriter, orderStyles, error) {
	var st orderStyles
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, st, apperr.Wrap(err, "xlsx sheet")
	}
	var err error
	if st.bold, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, st, apperr.Wrap(err, "xlsx style")
	}
	format := orderDateFormat
	if st.date, err = x.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
		return nil, st, apperr.Wrap(err, "xlsx style")
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return nil, st, apperr.Wrap(err, "xlsx stream")
	}
	// Column widths and the frozen header go before the first row.
	_ = sw.SetColWidth(1, 9, 14)
	_ = sw.SetColWidth(10, 17, 17)
	_ = sw.SetColWidth(18, len(orderExportColumns), 12)
	_ = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	header := make([]any, len(orderExportColumns))
	for i, k := range orderExportColumns {
		header[i] = i18n.T(ctx, k)
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{StyleID: st.bold}); err != nil {
		return nil, st, apperr.Wrap(err, "xlsx header")
	}
	return sw, st, nil
}
