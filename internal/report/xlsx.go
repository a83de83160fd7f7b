package report

import (
	"bytes"

	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/xuri/excelize/v2"
)

// Workbook is the report as an .xlsx in language lang: one sheet per section, numbers
// as numbers (shares in percent, money in fen, times in minutes).
func (p Page) Workbook(lang string) ([]byte, error) {
	t := func(k string) string { return i18n.TL(lang, k) }
	f := excelize.NewFile()
	defer f.Close()
	sheet := func(key string, header []string, rows [][]any) error {
		name := t(key)
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		all := append([][]any{toAny(header)}, rows...)
		for i, row := range all {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		return nil
	}
	figRow := func(lead []any, c Comparison, k string) []any {
		cur, prev := c.Current.Get(k), c.Previous.Get(k)
		return append(lead, t("report.figure."+k), cur.Value(), cur.Num, cur.Den, prev.Value(), prev.Num, prev.Den)
	}
	figHeader := []string{t("report.col.figure"), t("report.col.current"), "num", "den", t("report.col.previous"), "num", "den"}
	var rows [][]any
	for _, k := range Keys {
		rows = append(rows, figRow(nil, p.Total, k))
	}
	if err := sheet("report.sheet.figures", figHeader, rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, r := range p.Rows {
		for _, k := range Keys {
			rows = append(rows, figRow([]any{r.Station.Name}, r.Comparison, k))
		}
	}
	if err := sheet("report.sheet.stations", append([]string{t("report.col.station")}, figHeader...), rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, r := range p.Technicians {
		rows = append(rows, []any{r.Name, r.StationName, r.Done, r.FirstFix, r.FirstFixShare().Value(), r.Overall().Value(),
			r.Complaints, r.Repeats, r.Reschedule, r.OnSite()})
	}
	if err := sheet("report.sheet.technicians", []string{t("report.tech.name"), t("report.tech.station"), t("report.tech.done"),
		t("report.tech.first_fix"), t("report.figure.first_fix") + " %", t("report.tech.overall"), t("report.tech.complaints"),
		t("report.tech.repeats"), t("report.tech.reschedules"), t("report.tech.onsite")}, rows); err != nil {
		return nil, err
	}
	rows = [][]any{{t("report.money.total"), "", p.Parts.Quantity, p.Parts.ValueFen}}
	for _, l := range p.Parts.Top {
		rows = append(rows, []any{l.Code, l.Name, l.Quantity, l.ValueFen})
	}
	rows = append(rows, []any{t("report.parts.low"), "", p.Parts.Low, ""})
	if err := sheet("report.sheet.parts", []string{t("report.parts.code"), t("report.parts.name"), t("report.parts.consumed"), t("report.parts.value") + " (fen)"}, rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, m := range p.Money.Settlements {
		rows = append(rows, []any{t("fee.method." + m.Method), m.Count, m.Fen})
	}
	rows = append(rows, []any{t("report.money.total"), p.Money.SettledCount, p.Money.SettledFen},
		[]any{t("report.money.receivable"), p.Money.ReceivableCount, p.Money.ReceivableFen},
		[]any{t("report.money.free_warranty"), p.Money.FreeWarranty, ""},
		[]any{t("report.money.free_repeat"), p.Money.FreeRepeat, ""})
	if err := sheet("report.sheet.money", []string{t("report.money.method"), t("report.money.count"), t("report.money.sum") + " (fen)"}, rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, c := range p.Breakdown {
		label := t("field_class.none")
		if c.Class != "" {
			label = t("field_class." + c.Class)
		}
		rows = append(rows, []any{label, c.Count, c.Share})
	}
	if err := sheet("report.sheet.breakdown", []string{t("report.breakdown.class"), t("report.breakdown.count"), t("report.breakdown.share") + " %"}, rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, tp := range p.Trend {
		rows = append(rows, []any{tp.Period.Label, tp.Received, tp.Contact.Value(), tp.Contact.Num, tp.Contact.Den})
	}
	if err := sheet("report.sheet.trend", []string{t("report.chart.period"), t("report.figure.received"), t("report.figure.sla_contact"), "num", "den"}, rows); err != nil {
		return nil, err
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
