package custdata

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/xuri/excelize/v2"
)

// Sheet is one kind of record held on a customer: its catalog key (the sheet's name is
// privacy.sheet.<Key>), column headers (catalog keys privacy.col.<name>) and rows.
type Sheet struct {
	Key     string
	Columns []string
	Rows    [][]any
}

// Data is everything held on one customer, a sheet per kind.
type Data struct {
	CustomerID int64
	Sheets     []Sheet
}

// sheetSQL are the kinds of records held on a customer ($1), in the workbook's order,
// with their columns: each query's columns in the same order.
var sheetSQL = []struct {
	key, sql string
	cols     []string
}{
	{"profile", `SELECT c.id, c.name, c.contact_person, c.notes, s.name, c.created_at, c.anonymised_at
		FROM customers c JOIN stations s ON s.id = c.station_id WHERE c.id = $1`,
		[]string{"id", "name", "contact_person", "notes", "station", "created_at", "anonymised_at"}},
	{"phones", `SELECT raw, e164, label FROM customer_phones WHERE customer_id = $1 ORDER BY position, id`,
		[]string{"phone", "e164", "label"}},
	{"addresses", `SELECT address, label FROM customer_addresses WHERE customer_id = $1 ORDER BY position, id`,
		[]string{"address", "label"}},
	{"units", `SELECT id, brand, model, serial, purchase_date, manufacture_date, warranty_months, install_address, created_at
		FROM units WHERE customer_id = $1 ORDER BY id`,
		[]string{"id", "brand", "model", "serial", "purchase_date", "manufacture_date", "warranty_months", "install_address", "created_at"}},
	{"orders", `SELECT o.number, o.state, o.service_type, o.channel, o.created_at, o.contact_name, o.contact_phone, o.address,
		o.symptom, o.diagnosis, o.actions_taken, o.completed_at, o.closed_at, o.cancelled_at, o.fees_state
		FROM work_orders o WHERE o.customer_id = $1 ORDER BY o.id`,
		[]string{"number", "state", "service_type", "channel", "created_at", "contact_name", "contact_phone", "address",
			"symptom", "diagnosis", "actions_taken", "completed_at", "closed_at", "cancelled_at", "fees_state"}},
	{"events", `SELECT o.number, e.at, e.transition, e.to_state, u.display_name
		FROM work_order_events e JOIN work_orders o ON o.id = e.order_id JOIN users u ON u.id = e.actor_id
		WHERE o.customer_id = $1 ORDER BY o.id, e.id`,
		[]string{"number", "at", "transition", "state", "by"}},
	{"callbacks", `SELECT o.number, a.at, a.outcome, a.overall, a.satisfied, a.comments, u.display_name
		FROM callback_attempts a JOIN work_orders o ON o.id = a.order_id JOIN users u ON u.id = a.by_user
		WHERE o.customer_id = $1 ORDER BY o.id, a.id`,
		[]string{"number", "at", "outcome", "overall", "satisfied", "comments", "by"}},
	{"fees", `SELECT o.number, l.kind, l.description, l.quantity, l.unit_price_fen / 100.0, l.amount_fen / 100.0, l.chargeable, l.created_at, l.deleted_at
		FROM order_fee_lines l JOIN work_orders o ON o.id = l.order_id WHERE o.customer_id = $1 ORDER BY o.id, l.id`,
		[]string{"number", "kind", "description", "quantity", "unit_price", "amount", "chargeable", "created_at", "deleted_at"}},
	{"settlements", `SELECT o.number, st.amount_fen / 100.0, st.method, st.receipt_no, st.settled_at
		FROM settlements st JOIN work_orders o ON o.id = st.order_id WHERE o.customer_id = $1 ORDER BY o.id`,
		[]string{"number", "amount", "method", "receipt_no", "settled_at"}},
	{"complaints", `SELECT c.number, c.state, c.category, c.severity, c.created_at, c.contact_phone, c.what_happened, c.customer_asks, c.result, c.closed_at
		FROM complaints c WHERE c.customer_id = $1 ORDER BY c.id`,
		[]string{"number", "state", "category", "severity", "created_at", "contact_phone", "what_happened", "customer_asks", "result", "closed_at"}},
	{"proposals", `SELECT p.number, p.state, p.category, p.content, p.logged_at
		FROM proposals p WHERE p.customer_id = $1 ORDER BY p.id`,
		[]string{"number", "state", "category", "content", "created_at"}},
	{"attachments", `SELECT o.number, a.kind, a.content_type, a.size, a.created_at
		FROM attachments a JOIN work_orders o ON o.id = a.order_id WHERE o.customer_id = $1 ORDER BY o.id, a.id`,
		[]string{"number", "kind", "content_type", "size", "created_at"}},
	// The history keeps what each change was; after an anonymisation, the values changed
	// before it are not shown (the event log itself is append-only).
	{"history", `SELECT e.at, e.kind, u.display_name,
			CASE WHEN c.anonymised_at IS NOT NULL AND e.at < c.anonymised_at THEN '' ELSE e.changes::text END
		FROM customer_events e JOIN users u ON u.id = e.actor_id JOIN customers c ON c.id = e.customer_id
		WHERE e.customer_id = $1 ORDER BY e.id`,
		[]string{"at", "kind", "by", "changes"}},
}

// read runs every kind's query for customer id.
func read(ctx context.Context, q db.Querier, id int64) (Data, error) {
	d := Data{CustomerID: id}
	for _, k := range sheetSQL {
		rows, err := q.Query(ctx, k.sql, id)
		if err != nil {
			return Data{}, db.Translate(err, "customer data "+k.key)
		}
		sh := Sheet{Key: k.key, Columns: k.cols}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				rows.Close()
				return Data{}, db.Translate(err, "customer data "+k.key)
			}
			sh.Rows = append(sh.Rows, vals)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Data{}, db.Translate(err, "customer data "+k.key)
		}
		d.Sheets = append(d.Sheets, sh)
	}
	return d, nil
}

// Workbook writes d as an .xlsx, a sheet per kind, words by t (a catalog lookup in the
// user's language), times in loc.
func (d Data) Workbook(t func(key string) string, loc *time.Location) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	dates, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	if err != nil {
		return nil, apperr.Wrap(err, "xlsx style")
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	for i, sh := range d.Sheets {
		name := t("privacy.sheet." + sh.Key)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, apperr.Wrap(err, "xlsx sheet")
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, apperr.Wrap(err, "xlsx sheet")
		}
		header := make([]any, len(sh.Columns))
		for c, col := range sh.Columns {
			header[c] = t("privacy.col." + col)
		}
		if err := f.SetSheetRow(name, "A1", &header); err != nil {
			return nil, apperr.Wrap(err, "xlsx header")
		}
		last, _ := excelize.ColumnNumberToName(len(sh.Columns))
		_ = f.SetCellStyle(name, "A1", last+"1", bold)
		_ = f.SetColWidth(name, "A", last, 16)
		for r, row := range sh.Rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				switch v := v.(type) {
				case nil:
				case time.Time:
					_ = f.SetCellValue(name, cell, v.In(loc))
					_ = f.SetCellStyle(name, cell, cell, dates)
				case bool:
					_ = f.SetCellStr(name, cell, t(map[bool]string{true: "common.yes", false: "common.no"}[v]))
				default:
					if err := f.SetCellValue(name, cell, cellValue(v)); err != nil {
						return nil, apperr.Wrap(err, "xlsx cell")
					}
				}
			}
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, apperr.Wrap(err, "xlsx write")
	}
	return b.Bytes(), nil
}

func ptr[T any](v T) *T { return &v }

// cellValue turns a database value into one excelize writes: numbers as numbers,
// anything else as its text.
func cellValue(v any) any {
	switch v := v.(type) {
	case string, int, int16, int32, int64, float32, float64:
		return v
	case interface{ Float64Value() (pgtype.Float8, error) }:
		if f, err := v.Float64Value(); err == nil && f.Valid {
			return f.Float64
		}
	}
	return fmt.Sprint(v)
}
