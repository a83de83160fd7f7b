package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/web/views"
)

// Receipts (入库验收) and stocktakes (盘点): the storekeeper's screens; managers look.

// receiptRows is how many line rows the new-receipt form offers (more on request).
const (
	receiptRows    = 8
	receiptMaxRows = 40
)

// receiptNumber reads a quantity as typed: blank is ok=false with no error; full-width
// digits (from a Chinese input method) count as digits.
func receiptNumber(s string) (n int, blank bool, ok bool) {
	s = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, strings.TrimSpace(s))
	if s == "" {
		return 0, true, true
	}
	n, err := strconv.Atoi(s)
	return n, false, err == nil
}

// receiptRowCount is the number of rows the receipt form shows: the count asked for,
// within [receiptRows, receiptMaxRows]; the least when it is missing or does not parse,
// since it only lays out the form.
func receiptRowCount(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		return receiptRows
	}
	return min(max(n, receiptRows), receiptMaxRows)
}

// receiptForm decodes the new-receipt form: the rows as typed, the lines to receive and
// the rows whose numbers do not parse.
func receiptForm(r *http.Request) (views.ReceiptForm, []parts.NewReceiptLine, map[string]string) {
	rows := receiptRowCount(r.PostFormValue("rows"))
	f := views.ReceiptForm{Supplier: r.PostFormValue("supplier"), DeliveryNote: r.PostFormValue("delivery_note"), Note: r.PostFormValue("note")}
	errs := map[string]string{}
	var lines []parts.NewReceiptLine
	for i := range rows {
		row := views.ReceiptFormLine{
			Part:      strings.TrimSpace(r.PostFormValue(parts.ReceiptField(i, "part"))),
			Delivered: r.PostFormValue(parts.ReceiptField(i, "delivered")),
			Accepted:  r.PostFormValue(parts.ReceiptField(i, "accepted")),
			Rejected:  r.PostFormValue(parts.ReceiptField(i, "rejected")),
		}
		f.Lines = append(f.Lines, row)
		if row.Part == "" && strings.TrimSpace(row.Delivered+row.Accepted+row.Rejected) == "" {
			continue // an empty row
		}
		delivered, _, ok1 := receiptNumber(row.Delivered)
		accepted, aBlank, ok2 := receiptNumber(row.Accepted)
		rejected, rBlank, ok3 := receiptNumber(row.Rejected)
		if !ok1 || !ok2 || !ok3 {
			errs[parts.ReceiptField(i, "qty")] = "receipt.field.not_a_number"
			continue
		}
		if aBlank && rBlank {
			accepted = delivered // nothing entered: all accepted
		}
		lines = append(lines, parts.NewReceiptLine{Row: i, PartCode: row.Part, Delivered: delivered, Accepted: accepted, Rejected: rejected})
	}
	return f, lines, errs
}

// renderReceipts renders the receipt list with the new-receipt form (and its errors).
func (s *server) renderReceipts(w http.ResponseWriter, r *http.Request, status int, f views.ReceiptForm, errs map[string]string) {
	cursorErrs := map[string]string{}
	after := number(cursorErrs, "after", r.URL.Query().Get("after"))
	if err := formErr(cursorErrs); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.Parts.Receipts(r.Context(), actor(r), after)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts, err := s.Parts.ReceiptPartOptions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for len(f.Lines) < receiptRows {
		f.Lines = append(f.Lines, views.ReceiptFormLine{})
	}
	a := actor(r)
	v := views.ReceiptsView{List: list, Form: f, Errors: errs, Parts: opts, CanCreate: a.Is(auth.RoleStorekeeper), After: after, MoreRows: min(len(f.Lines)+receiptRows, receiptMaxRows)}
	s.render(w, r, status, views.ReceiptsPage(s.page(r, "receipt.title"), v))
}

func (s *server) handleReceipts() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := views.ReceiptForm{Lines: make([]views.ReceiptFormLine, receiptRowCount(r.URL.Query().Get("rows")))}
		s.renderReceipts(w, r, http.StatusOK, f, nil)
	}
}

func (s *server) handleCreateReceipt() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, lines, errs := receiptForm(r)
		if len(errs) > 0 {
			s.renderReceipts(w, r, http.StatusUnprocessableEntity, f, errs)
			return
		}
		rec, err := s.Parts.CreateReceipt(r.Context(), actor(r), parts.NewReceipt{Supplier: f.Supplier, DeliveryNote: f.DeliveryNote, Note: f.Note, Lines: lines})
		if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
			s.renderReceipts(w, r, http.StatusUnprocessableEntity, f, e.Fields)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(rec.Matched) > 0 {
			s.flashData(r, "receipt.created_matched", map[string]any{"Matches": strings.Join(rec.Matched, "；")})
		} else {
			s.flash(r, "ok", "receipt.created")
		}
		redirect(w, r, "/parts/receipts/"+strconv.FormatInt(rec.ID, 10))
	}
}

// renderReceipt renders one receipt, fresh, with what a refused return left behind.
func (s *server) renderReceipt(w http.ResponseWriter, r *http.Request, status int, id int64, v views.ReceiptView) {
	p, err := s.Parts.ReceiptDetail(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.ReceiptPage = p
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	s.render(w, r, status, views.ReceiptDetailPage(s.page(r, "receipt.page_title"), v))
}

func (s *server) handleReceipt() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderReceipt(w, r, http.StatusOK, id, views.ReceiptView{})
	}
}

func (s *server) handleReturnToSupplier() http.HandlerFunc {
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
		lineErrs := map[string]string{}
		lineID := number(lineErrs, "line_id", r.PostFormValue("line_id"))
		v := views.ReceiptView{LineID: lineID, Quantity: r.PostFormValue("quantity")}
		if len(lineErrs) > 0 {
			// No line to put the message on: it goes at the top.
			v.LineID, v.ErrorKey = 0, "error.invalid"
			s.renderReceipt(w, r, http.StatusUnprocessableEntity, id, v)
			return
		}
		qty, blank, ok := receiptNumber(v.Quantity)
		if blank || !ok {
			v.Errors = map[string]string{"quantity": "receipt.field.return_range"}
			s.renderReceipt(w, r, http.StatusUnprocessableEntity, id, v)
			return
		}
		_, err = s.Parts.ReturnToSupplier(r.Context(), actor(r), id, version, lineID, qty)
		e := apperr.As(err)
		switch {
		case err == nil:
			s.flash(r, "ok", "receipt.returned_done")
			redirect(w, r, "/parts/receipts/"+strconv.FormatInt(id, 10))
		case len(e.Fields) > 0:
			v.Errors = e.Fields
			s.renderReceipt(w, r, http.StatusUnprocessableEntity, id, v)
		case e.Code == apperr.Conflict:
			v.ErrorKey, v.ErrorData = e.Key, e.Data
			s.renderReceipt(w, r, http.StatusConflict, id, v)
		default:
			s.fail(w, r, err)
		}
	}
}

// renderStocktakes renders the stocktake list, with a refusal at the top if any.
func (s *server) renderStocktakes(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	over, err := s.Parts.Stocktakes(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.StocktakesView{StocktakeOverview: over}
	if e != nil {
		v.ErrorKey, v.ErrorData = e.Key, localizeData(r.Context(), e.Data)
		if id, ok := e.Data["ID"].(int64); ok {
			v.OpenID = id
		}
	}
	s.render(w, r, status, views.StocktakesPage(s.page(r, "stocktake.title"), v))
}

func (s *server) handleStocktakes() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderStocktakes(w, r, http.StatusOK, nil)
	}
}

func (s *server) handleOpenStocktake() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		locID, err := strconv.ParseInt(r.PostFormValue("location_id"), 10, 64)
		if err != nil {
			s.fail(w, r, apperr.New(apperr.NotFound, "error.not_found"))
			return
		}
		t, err := s.Parts.OpenStocktake(r.Context(), actor(r), locID)
		if e := apperr.As(err); err != nil && e.Code == apperr.Conflict {
			s.renderStocktakes(w, r, http.StatusConflict, e)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "ok", "stocktake.opened")
		redirect(w, r, "/parts/stocktakes/"+strconv.FormatInt(t.ID, 10))
	}
}

// stocktakeCounts decodes the sheet: counted_<part> and reason_<part> for every line,
// and the add-a-part row. It returns the values as typed, the counts, and the fields
// whose numbers do not parse.
func stocktakeCounts(r *http.Request) (map[string]string, []parts.Count, map[string]string) {
	_ = r.ParseForm()
	values := map[string]string{}
	for k := range r.PostForm {
		values[k] = r.PostForm.Get(k)
	}
	errs := map[string]string{}
	byPart := map[int64]*parts.Count{}
	var order []int64
	count := func(id int64) *parts.Count {
		c, ok := byPart[id]
		if !ok {
			c = &parts.Count{PartID: id}
			byPart[id] = c
			order = append(order, id)
		}
		return c
	}
	for k, val := range values {
		field, idStr, ok := strings.Cut(k, "_")
		id, err := strconv.ParseInt(idStr, 10, 64)
		if !ok || err != nil || id <= 0 || (field != "counted" && field != "reason") {
			continue
		}
		c := count(id)
		if field == "reason" {
			c.Reason = val
			continue
		}
		n, blank, ok := receiptNumber(val)
		switch {
		case !ok || n < 0:
			errs[k] = "stocktake.field.count_invalid"
		case !blank:
			c.Counted = &n
		}
	}
	if add := values["add_part"]; add != "" {
		id, err := strconv.ParseInt(add, 10, 64)
		n, blank, ok := receiptNumber(values["add_counted"])
		switch {
		case err != nil || id <= 0:
			errs["add_part"] = "stocktake.field.part_unknown"
		case blank:
			errs["add_counted"] = "stocktake.field.count_required"
		case !ok || n < 0:
			errs["add_counted"] = "stocktake.field.count_invalid"
		default:
			c := count(id)
			c.Counted, c.Reason = &n, values["add_reason"]
		}
	}
	out := make([]parts.Count, 0, len(order))
	for _, id := range order {
		out = append(out, *byPart[id])
	}
	return values, out, errs
}

// renderStocktake renders a count sheet, fresh, with the typed values of a refused
// save or post kept.
func (s *server) renderStocktake(w http.ResponseWriter, r *http.Request, status int, id int64, v views.StocktakeView) {
	sheet, err := s.Parts.StocktakeSheet(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.StocktakeSheet = sheet
	if sheet.CanCount {
		if v.Parts, err = s.Parts.ReceiptPartOptions(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if sheet.State == parts.StocktakePosted {
		if v.Movements, err = s.Parts.StocktakeMovements(r.Context(), actor(r), id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	v.ErrorData = localizeData(r.Context(), v.ErrorData)
	s.render(w, r, status, views.StocktakeSheetPage(s.page(r, "stocktake.sheet_title"), v))
}

func (s *server) handleStocktake() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderStocktake(w, r, http.StatusOK, id, views.StocktakeView{})
	}
}

// stocktakeRefused shows the sheet again after a refused save or post: field messages
// (422) or a conflict at the top (409), with what was typed kept.
func (s *server) stocktakeRefused(w http.ResponseWriter, r *http.Request, id int64, v views.StocktakeView, err error) {
	e := apperr.As(err)
	switch {
	case len(e.Fields) > 0:
		v.Errors = e.Fields
		if e.Key != "error.invalid" {
			v.ErrorKey = e.Key
		}
		s.renderStocktake(w, r, http.StatusUnprocessableEntity, id, v)
	case e.Code == apperr.Conflict:
		v.ErrorKey, v.ErrorData = e.Key, e.Data
		s.renderStocktake(w, r, http.StatusConflict, id, v)
	default:
		s.fail(w, r, err)
	}
}

func (s *server) handleSaveCounts() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values, counts, errs := stocktakeCounts(r)
		v := views.StocktakeView{Values: values}
		if len(errs) > 0 {
			v.Errors = errs
			s.renderStocktake(w, r, http.StatusUnprocessableEntity, id, v)
			return
		}
		version, err := formVersion(values["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if _, err := s.Parts.SaveCounts(r.Context(), actor(r), id, version, counts); err != nil {
			s.stocktakeRefused(w, r, id, v, err)
			return
		}
		s.flash(r, "ok", "stocktake.saved")
		redirect(w, r, "/parts/stocktakes/"+strconv.FormatInt(id, 10))
	}
}

func (s *server) handlePostStocktake() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		values, counts, errs := stocktakeCounts(r)
		if values["confirm"] != "1" {
			errs["confirm"] = "stocktake.field.confirm_required"
		}
		v := views.StocktakeView{Values: values}
		if len(errs) > 0 {
			v.Errors = errs
			s.renderStocktake(w, r, http.StatusUnprocessableEntity, id, v)
			return
		}
		version, err := formVersion(values["version"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if _, err := s.Parts.PostStocktake(r.Context(), actor(r), id, version, counts); err != nil {
			s.stocktakeRefused(w, r, id, v, err)
			return
		}
		s.flash(r, "ok", "stocktake.posted")
		redirect(w, r, "/parts/stocktakes/"+strconv.FormatInt(id, 10))
	}
}
