package onboard

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/textlimit"
)

// The columns of the import and export workbook, by key.
const (
	ColName        = "name"
	ColContact     = "contact"
	ColPhone       = "phone"
	ColAddress     = "address"
	ColBrand       = "brand"
	ColModel       = "model"
	ColSerial      = "serial"
	ColPurchase    = "purchase_date"
	ColWarrantyEnd = "warranty_end"
	ColSymptom     = "symptom"
	ColUrgency     = "urgency"
)

// Column is one column of the workbook: its key, the Chinese header the template writes,
// and the other headers accepted for it (English, and common variants).
type Column struct {
	Key      string
	Header   string
	Aliases  []string
	Required bool
}

// Columns are the workbook's columns in the template's order.
var Columns = []Column{
	{ColName, "客户名称", []string{"客户", "名称", "customer", "customer name", "name"}, true},
	{ColContact, "联系人", []string{"contact", "contact person"}, false},
	{ColPhone, "电话", []string{"联系电话", "手机", "phone", "phones", "telephone", "tel", "mobile"}, true},
	{ColAddress, "地址", []string{"address"}, false},
	{ColBrand, "品牌", []string{"brand"}, false},
	{ColModel, "型号", []string{"规格型号", "model"}, true},
	{ColSerial, "出厂编号", []string{"序列号", "serial", "serial number", "serial no", "sn"}, false},
	{ColPurchase, "购买日期", []string{"purchase date", "purchased"}, false},
	{ColWarrantyEnd, "保修截止", []string{"保修截止日期", "保修到期", "warranty end", "warranty until"}, false},
	{ColSymptom, "故障描述", []string{"故障现象", "symptom", "fault"}, false},
	{ColUrgency, "紧急程度", []string{"urgency"}, false},
}

// Headers are the template's header row.
func Headers() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Header
	}
	return out
}

// ExampleRow is the template's example row, one cell per column.
var ExampleRow = []string{"上海某某机电有限公司", "王经理", "138 1016 2208", "上海市浦东新区张江路 100 号",
	"格力", "KFR-72LW", "SN20240315001", "2024-03-15", "2026-03-15", "不制冷", "一般"}

// headerKey folds a header for matching: trimmed, lower case, inner spaces, underscores
// and a trailing "*" (a marked required column) dropped.
func headerKey(h string) string {
	h = strings.ToLower(strings.TrimSpace(customer.FoldPhone(h)))
	h = strings.TrimSuffix(h, "*")
	return strings.Join(strings.FieldsFunc(h, func(r rune) bool { return unicode.IsSpace(r) || r == '_' || r == '-' }), " ")
}

// columnByHeader finds the column a header names.
func columnByHeader(h string) (Column, bool) {
	k := headerKey(h)
	for _, c := range Columns {
		if k == headerKey(c.Header) {
			return c, true
		}
		for _, a := range c.Aliases {
			if k == headerKey(a) {
				return c, true
			}
		}
	}
	return Column{}, false
}

// Problem is one thing wrong with the file: the sheet row (1 is the header), the column
// as the file names it ("" for the whole row), and a catalog key with its data.
type Problem struct {
	Row    int
	Column string
	Key    string
	Data   map[string]any
}

// Layout is where each column is in the file and what its header says.
type Layout struct {
	Index  map[string]int
	Header map[string]string
}

// ReadHeader maps the header row to columns. Problems (row 1): a header no column has, a
// column named twice, a required column missing; then the rows are not read.
func ReadHeader(header []string) (Layout, []Problem) {
	l := Layout{Index: map[string]int{}, Header: map[string]string{}}
	var probs []Problem
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		name := colName(i)
		c, ok := columnByHeader(h)
		if !ok {
			probs = append(probs, Problem{Row: 1, Column: name, Key: "import.header.unknown", Data: map[string]any{"Header": h}})
			continue
		}
		if _, dup := l.Index[c.Key]; dup {
			probs = append(probs, Problem{Row: 1, Column: name, Key: "import.header.twice", Data: map[string]any{"Header": h}})
			continue
		}
		l.Index[c.Key], l.Header[c.Key] = i, strings.TrimSpace(h)
	}
	for _, c := range Columns {
		if _, ok := l.Index[c.Key]; c.Required && !ok {
			probs = append(probs, Problem{Row: 1, Key: "import.header.missing", Data: map[string]any{"Header": c.Header}})
		}
	}
	return l, probs
}

// colName is a column's letter as a spreadsheet shows it: 0 → A, 26 → AA.
func colName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// Row is one data row as it will be stored.
type Row struct {
	// No is the sheet row number (the header is row 1).
	No            int
	Name, Contact string
	Phones        []customer.Phone
	Address       string
	// HasUnit is false for a row that names a customer only (no unit column filled).
	HasUnit        bool
	Brand, Model   string
	Serial         string
	Purchase       *time.Time
	WarrantyMonths int
	Symptom        string
	// Urgency is urgent or normal when Symptom is given.
	Urgency  string
	Problems []Problem
}

// WarrantyEnd is the unit's warranty end as it will be stored (purchase + months).
func (r Row) WarrantyEnd() *time.Time {
	end, ok := customer.Unit{PurchaseDate: r.Purchase, WarrantyMonths: r.WarrantyMonths}.WarrantyEnd()
	if !ok {
		return nil
	}
	return &end
}

// Sheet is a parsed workbook: its header problems, or its rows.
type Sheet struct {
	Layout Layout
	// HeaderProblems are problems of row 1; when any, Rows is empty.
	HeaderProblems []Problem
	Rows           []Row
}

// Problems counts the problems of every row.
func (s Sheet) Problems() int {
	n := len(s.HeaderProblems)
	for _, r := range s.Rows {
		n += len(r.Problems)
	}
	return n
}

// Parse reads a workbook's cells (row 0 the header) into rows as they will be stored, with
// every problem of each row. today is the civil date the dates are checked against.
// Blank rows are skipped. Rows within the file that share a phone are one customer, and
// must then agree on its name; a serial given twice is refused on its second row.
func Parse(cells [][]string, today time.Time) Sheet {
	var s Sheet
	if len(cells) == 0 {
		s.HeaderProblems = []Problem{{Row: 1, Key: "import.header.empty"}}
		return s
	}
	s.Layout, s.HeaderProblems = ReadHeader(cells[0])
	if len(s.HeaderProblems) > 0 {
		return s
	}
	serials := map[string]int{}
	nameOf := map[string]Row{}
	for i, raw := range cells[1:] {
		r, blank := parseRow(s.Layout, raw, i+2, today)
		if blank {
			continue
		}
		if r.Serial != "" {
			if first, ok := serials[r.Serial]; ok {
				r.problem(s.Layout, ColSerial, "import.row.serial_twice", "Row", first)
			} else {
				serials[r.Serial] = r.No
			}
		}
		for _, p := range r.Phones {
			if first, ok := nameOf[p.E164]; ok && first.Name != r.Name && r.Name != "" {
				r.problem(s.Layout, ColName, "import.row.phone_other_name", "Row", first.No, "Name", first.Name)
				break
			} else if !ok {
				nameOf[p.E164] = r
			}
		}
		s.Rows = append(s.Rows, r)
	}
	return s
}

func (r *Row) problem(l Layout, col, key string, kv ...any) {
	d := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		d[fmt.Sprint(kv[i])] = kv[i+1]
	}
	name := l.Header[col]
	if name == "" {
		name = headerOf(col)
	}
	r.Problems = append(r.Problems, Problem{Row: r.No, Column: name, Key: key, Data: d})
}

// headerOf is a column's template header.
func headerOf(key string) string {
	for _, c := range Columns {
		if c.Key == key {
			return c.Header
		}
	}
	return key
}

// parseRow reads one data row; blank is true when every cell is empty.
func parseRow(l Layout, raw []string, no int, today time.Time) (r Row, blank bool) {
	r = Row{No: no, WarrantyMonths: DefaultWarrantyMonths}
	cell := map[string]string{}
	blank = true
	for key, i := range l.Index {
		if i < len(raw) {
			v := strings.TrimSpace(raw[i])
			cell[key] = v
			if v != "" {
				blank = false
			}
		}
	}
	if blank {
		return r, true
	}
	bad := false
	for _, c := range Columns {
		v := cell[c.Key]
		if !typedText(v) {
			r.problem(l, c.Key, "import.row.bad_text")
			bad = true
		} else if n := limits.Of(c.Key); utf8.RuneCountInString(v) > n {
			r.problem(l, c.Key, textlimit.Key(n))
			bad = true
		}
	}
	if bad {
		return r, false
	}
	r.Name, r.Contact, r.Address = cell[ColName], cell[ColContact], cell[ColAddress]
	r.Brand, r.Model, r.Serial, r.Symptom = cell[ColBrand], cell[ColModel], cell[ColSerial], cell[ColSymptom]
	if r.Name == "" {
		r.problem(l, ColName, "import.row.required")
	}
	r.Phones = readPhones(&r, l, cell[ColPhone])
	r.HasUnit = r.Brand != "" || r.Model != "" || r.Serial != "" || cell[ColPurchase] != "" || cell[ColWarrantyEnd] != "" || r.Symptom != ""
	if r.HasUnit && r.Model == "" {
		r.problem(l, ColModel, "import.row.model_required")
	}
	if v := cell[ColPurchase]; v != "" {
		if d, ok := parseDate(v); !ok {
			r.problem(l, ColPurchase, "import.row.bad_date", "Value", v)
		} else if d.After(today) {
			r.problem(l, ColPurchase, "import.row.date_future")
		} else {
			r.Purchase = &d
		}
	}
	if v := cell[ColWarrantyEnd]; v != "" {
		d, ok := parseDate(v)
		switch {
		case !ok:
			r.problem(l, ColWarrantyEnd, "import.row.bad_date", "Value", v)
		case r.Purchase == nil:
			if cell[ColPurchase] == "" {
				r.problem(l, ColWarrantyEnd, "import.row.warranty_without_purchase")
			}
		case d.Before(*r.Purchase):
			r.problem(l, ColWarrantyEnd, "import.row.warranty_before_purchase")
		default:
			if m, ok := monthsUntil(*r.Purchase, d); ok {
				r.WarrantyMonths = m
			} else {
				r.problem(l, ColWarrantyEnd, "import.row.warranty_too_long", "Max", MaxWarrantyMonths)
			}
		}
	}
	switch u := cell[ColUrgency]; strings.ToLower(u) {
	case "", "一般", "普通", "normal":
		r.Urgency = "normal"
	case "紧急", "加急", "urgent":
		r.Urgency = "urgent"
	default:
		r.problem(l, ColUrgency, "import.row.bad_urgency", "Value", u)
	}
	if r.Symptom == "" {
		r.Urgency = ""
	}
	return r, false
}

// readPhones splits a phone cell (numbers separated by , ， ; ； 、 / or a line break)
// and normalises each number as the archive does.
func readPhones(r *Row, l Layout, v string) []customer.Phone {
	parts := strings.FieldsFunc(v, func(c rune) bool { return strings.ContainsRune(",，;；、/\n", c) })
	var out []customer.Phone
	seen := map[string]bool{}
	for _, p := range parts {
		raw := customer.FoldPhone(p)
		if f, err := strconv.ParseFloat(raw, 64); err == nil && strings.ContainsAny(raw, "eE") && f >= 1 && f < 1e16 {
			// A number cell some programs write in exponent form: 1.3810162208E10.
			raw = strconv.FormatFloat(f, 'f', 0, 64)
		}
		if raw == "" {
			continue
		}
		e, ok := customer.NormalizePhone(raw)
		if !ok {
			r.problem(l, ColPhone, "import.row.bad_phone", "Value", raw)
			return nil
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, customer.Phone{Raw: raw, E164: e})
		}
	}
	switch {
	case len(out) == 0:
		r.problem(l, ColPhone, "import.row.phone_required")
	case len(out) > MaxPhones:
		r.problem(l, ColPhone, "import.row.too_many_phones", "Max", MaxPhones)
		return nil
	}
	return out
}

// typedText reports whether s is text a person types: valid UTF-8 without control
// characters other than tab and line breaks (a workbook may escape a NUL as _x0000_), and
// without the replacement character staging puts where such bytes were.
func typedText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}

// excelEpoch is day 0 of a workbook's date serial numbers (the 1900 system).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// parseDate reads a civil date as spreadsheets hold it: a date serial number (a cell
// formatted as a date), or text 2024-03-15, 2024/3/15, 2024.3.15, 2024年3月15日, 20240315.
func parseDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(customer.FoldPhone(v))
	if n, err := strconv.ParseFloat(v, 64); err == nil && strings.Count(v, ".") <= 1 {
		if len(v) == 8 && !strings.Contains(v, ".") {
			if t, err := time.Parse("20060102", v); err == nil {
				return t, true
			}
		}
		if n >= 1 && n < 100000 {
			return excelEpoch.AddDate(0, 0, int(n)), true
		}
		return time.Time{}, false
	}
	s := strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(v)
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	t, err := time.Parse("2006-1-2", s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// monthsUntil is the fewest whole months after purchase whose warranty end
// (customer.Unit.WarrantyEnd) reaches end; ok is false past MaxWarrantyMonths.
func monthsUntil(purchase, end time.Time) (int, bool) {
	for m := 0; m <= MaxWarrantyMonths; m++ {
		e, _ := customer.Unit{PurchaseDate: &purchase, WarrantyMonths: m}.WarrantyEnd()
		if !e.Before(end) {
			return m, true
		}
	}
	return 0, false
}
