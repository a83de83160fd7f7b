package parts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Part is a catalog entry (配件).
type Part struct {
	ID   int64  `db:"id"`
	Code string `db:"code"`
	Name string `db:"name"`
	// Spec is the specification or model (规格型号).
	Spec string `db:"spec"`
	// UOM is the unit of measure (单位).
	UOM string `db:"uom"`
	// UnitPrice is the price in yuan as decimal text with two places ("280.00").
	UnitPrice    string `db:"unit_price"`
	ReorderPoint int    `db:"reorder_point"`
	// Valuable (贵重) and Wear (易损) parts need a named requisition.
	Valuable bool `db:"valuable"`
	Wear     bool `db:"wear"`
	Active   bool `db:"active"`
}

// CatalogColumns are the workbook columns of the catalog, in order.
var CatalogColumns = []string{"编码", "名称", "规格型号", "单位", "单价", "再订货点", "贵重", "易损", "启用"}

// Catalog statuses for CatalogFilter.Status.
const (
	CatalogActive   = "active"
	CatalogInactive = "inactive"
	CatalogAll      = "all"
)

// CatalogPageSize is how many parts a catalog page lists.
const CatalogPageSize = 50

// CatalogFilter selects a page of the catalog.
type CatalogFilter struct {
	// Query matches part of the code, name or spec (case-insensitive).
	Query string
	// Status is CatalogActive (the default), CatalogInactive or CatalogAll.
	Status string
	// After is the code the previous page ended with (keyset pagination).
	After string
	// Limit is the page size (CatalogPageSize when 0).
	Limit int
}

// CatalogPage is one page of the catalog, ordered by code.
type CatalogPage struct {
	Parts []Part
	// Next is the After of the next page, "" on the last page.
	Next string
}

const partColumns = `id, code, name, spec, uom, unit_price::text AS unit_price, reorder_point, valuable, wear, active`

// reads reports whether the actor may read the catalog and the purchase plan.
func reads(a auth.Actor) bool { return a.Is(auth.RoleStorekeeper, auth.RoleManager) }

// CanImportCatalog reports whether the actor may import the catalog (storekeepers).
func CanImportCatalog(a auth.Actor) bool { return keeps(a) }

// likePattern escapes q for a LIKE match anywhere in a text.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// ListCatalog returns a page of the catalog, ordered by code. Forbidden for roles other
// than storekeeper and manager.
func (s *Service) ListCatalog(ctx context.Context, actor auth.Actor, f CatalogFilter) (CatalogPage, error) {
	if !reads(actor) {
		return CatalogPage{}, forbidden("storekeeper,manager")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = CatalogPageSize
	}
	where := []string{"code > $1"}
	args := []any{f.After}
	switch f.Status {
	case CatalogAll:
	case CatalogInactive:
		where = append(where, "NOT active")
	default:
		where = append(where, "active")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, likePattern(q))
		n := strconv.Itoa(len(args))
		where = append(where, "(code ILIKE $"+n+" OR name ILIKE $"+n+" OR spec ILIKE $"+n+")")
	}
	args = append(args, limit+1)
	sql := `SELECT ` + partColumns + ` FROM parts WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY code LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return CatalogPage{}, db.Translate(err, "catalog")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Part])
	if err != nil {
		return CatalogPage{}, db.Translate(err, "catalog")
	}
	page := CatalogPage{Parts: list}
	if len(list) > limit {
		page.Parts = list[:limit]
		page.Next = list[limit-1].Code
	}
	return page, nil
}

// ExportCatalog returns every part, active or not, ordered by code. Forbidden for roles
// other than storekeeper and manager.
func (s *Service) ExportCatalog(ctx context.Context, actor auth.Actor) ([]Part, error) {
	if !reads(actor) {
		return nil, forbidden("storekeeper,manager")
	}
	rows, err := s.pool.Query(ctx, `SELECT `+partColumns+` FROM parts ORDER BY code`)
	if err != nil {
		return nil, db.Translate(err, "catalog export")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Part])
	return list, db.Translate(err, "catalog export")
}

// CatalogRows turns parts into workbook rows in CatalogColumns order.
func CatalogRows(list []Part) [][]any {
	out := make([][]any, len(list))
	for i, p := range list {
		out[i] = []any{p.Code, p.Name, p.Spec, p.UOM, Number(p.UnitPrice), p.ReorderPoint, p.Valuable, p.Wear, p.Active}
	}
	return out
}

// RowError is one problem with one row of an imported workbook: Row is the sheet's row
// number (the header is row 1), Key the catalog key of what is wrong, Data its values.
type RowError struct {
	Row  int
	Key  string
	Data map[string]any
}

// RowErrors are every problem an import found; it is the cause of the Invalid error
// ImportCatalog returns, so a handler gets it with errors.As.
type RowErrors []RowError

// Error implements error.
func (e RowErrors) Error() string {
	var b strings.Builder
	for i, r := range e {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "row %d: %s %v", r.Row, r.Key, r.Data)
	}
	return b.String()
}

// Limits of a catalog import.
const (
	// CatalogMaxRows is the most data rows one workbook may hold.
	CatalogMaxRows  = 50000
	catalogMaxCode  = 64
	catalogMaxName  = 200
	catalogMaxSpec  = 200
	catalogMaxUOM   = 20
	maxPriceIntPart = 10 // numeric(12,2)
	maxReorderPoint = 1_000_000
)

// importRow is one valid row; a nil field was left blank (or its column is missing): a
// new part gets the default, an existing part keeps what it has.
type importRow struct {
	code, name             string
	spec, uom, price       *string
	reorder                *int32
	valuable, wear, active *bool
}

// ImportCatalog adds and updates parts by code from workbook rows (the first row is the
// header, with the CatalogColumns names in any order; 编码 and 名称 are required, other
// columns may be left out). It checks every row first: when any row is bad it imports
// nothing and returns Invalid "catalog.import.invalid" whose cause is the RowErrors. A
// blank cell keeps an existing part's value (a new part gets 个, 0, 否, and 启用 是); the
// spec column, when present, is taken as it is. Otherwise it writes all rows in one
// transaction and returns how many parts were added and how many changed (rows equal to
// the stored part count as neither). Forbidden for roles other than storekeeper.
func (s *Service) ImportCatalog(ctx context.Context, actor auth.Actor, rows [][]string) (added, updated int, err error) {
	if !keeps(actor) {
		return 0, 0, forbidden("storekeeper")
	}
	parsed, errs := parseCatalogRows(rows)
	if len(errs) > 0 {
		return 0, 0, &apperr.Error{Code: apperr.Invalid, Key: "catalog.import.invalid", Data: map[string]any{"Count": len(errs)}, Err: errs}
	}
	if len(parsed) == 0 {
		return 0, 0, apperr.New(apperr.Invalid, "catalog.import.empty")
	}
	n := len(parsed)
	codes, names := make([]string, n), make([]string, n)
	specs, uoms, prices := make([]*string, n), make([]*string, n), make([]*string, n)
	reorders := make([]*int32, n)
	valuables, wears, actives := make([]*bool, n), make([]*bool, n), make([]*bool, n)
	for i, r := range parsed {
		codes[i], names[i], specs[i], uoms[i], prices[i] = r.code, r.name, r.spec, r.uom, r.price
		reorders[i], valuables[i], wears[i], actives[i] = r.reorder, r.valuable, r.wear, r.active
	}
	args := []any{codes, names, specs, uoms, prices, reorders, valuables, wears, actives}
	const input = `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bool[], $8::bool[], $9::bool[])
		AS t(code, name, spec, uom, unit_price, reorder_point, valuable, wear, active)) `
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// Imports queue up, so two at once cannot both insert the same new code.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('parts.catalog_import'))`); err != nil {
			return db.Translate(err, "import lock")
		}
		tag, err := tx.Exec(ctx, input+`UPDATE parts p SET name = i.name, spec = coalesce(i.spec, p.spec), uom = coalesce(i.uom, p.uom),
			unit_price = coalesce(i.unit_price::numeric, p.unit_price), reorder_point = coalesce(i.reorder_point, p.reorder_point),
			valuable = coalesce(i.valuable, p.valuable), wear = coalesce(i.wear, p.wear), active = coalesce(i.active, p.active)
			FROM input i WHERE lower(p.code) = lower(i.code)
			AND (p.name, p.spec, p.uom, p.unit_price, p.reorder_point, p.valuable, p.wear, p.active) IS DISTINCT FROM
			    (i.name, coalesce(i.spec, p.spec), coalesce(i.uom, p.uom), coalesce(i.unit_price::numeric, p.unit_price),
			     coalesce(i.reorder_point, p.reorder_point), coalesce(i.valuable, p.valuable), coalesce(i.wear, p.wear), coalesce(i.active, p.active))`, args...)
		if err != nil {
			return db.Translate(err, "import update")
		}
		updated = int(tag.RowsAffected())
		tag, err = tx.Exec(ctx, input+`INSERT INTO parts (code, name, spec, uom, unit_price, reorder_point, valuable, wear, active)
			SELECT i.code, i.name, coalesce(i.spec, ''), coalesce(i.uom, '个'), coalesce(i.unit_price::numeric, 0), coalesce(i.reorder_point, 0),
				coalesce(i.valuable, false), coalesce(i.wear, false), coalesce(i.active, true)
			FROM input i WHERE NOT EXISTS (SELECT 1 FROM parts p WHERE lower(p.code) = lower(i.code))`, args...)
		if err != nil {
			return db.Translate(err, "import insert")
		}
		added = int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return added, updated, nil
}

// parseCatalogRows checks every row of a workbook and returns the valid rows, or every
// problem found.
func parseCatalogRows(rows [][]string) ([]importRow, RowErrors) {
	var errs RowErrors
	if len(rows) == 0 {
		return nil, RowErrors{{Row: 1, Key: "catalog.row.header_missing", Data: map[string]any{"Column": CatalogColumns[0]}}}
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		if _, dup := col[h]; !dup && h != "" {
			col[h] = i
		}
	}
	for _, required := range CatalogColumns[:2] {
		if _, ok := col[required]; !ok {
			errs = append(errs, RowError{Row: 1, Key: "catalog.row.header_missing", Data: map[string]any{"Column": required}})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(rows)-1 > CatalogMaxRows {
		return nil, RowErrors{{Row: CatalogMaxRows + 2, Key: "catalog.row.too_many", Data: map[string]any{"Max": CatalogMaxRows}}}
	}
	firstRow := map[string]int{}
	var out []importRow
	for i, cells := range rows[1:] {
		rowNo := i + 2
		cell := func(name string) (string, bool) {
			c, ok := col[name]
			if !ok {
				return "", false
			}
			if c >= len(cells) {
				return "", true
			}
			return strings.TrimSpace(cells[c]), true
		}
		blank := true
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		bad := func(key string, kv ...any) {
			e := apperr.New(apperr.Invalid, key, kv...)
			errs = append(errs, RowError{Row: rowNo, Key: key, Data: e.Data})
		}
		// A cell may carry what no one types (an escaped NUL, broken UTF-8): the
		// database would refuse it, so the row is refused with the column named.
		for c, v := range cells {
			if !typedText(v) {
				bad("catalog.row.bad_text", "Column", c+1)
			}
		}
		var r importRow
		r.code, _ = cell("编码")
		switch {
		case r.code == "":
			bad("catalog.row.code_required")
		case utf8.RuneCountInString(r.code) > catalogMaxCode:
			bad("catalog.row.too_long", "Column", "编码", "Max", catalogMaxCode)
		default:
			// Codes differing only in letter case are the same part.
			if first, dup := firstRow[strings.ToLower(r.code)]; dup {
				bad("catalog.row.code_duplicate", "Code", r.code, "First", first)
			} else {
				firstRow[strings.ToLower(r.code)] = rowNo
			}
		}
		r.name, _ = cell("名称")
		switch {
		case r.name == "":
			bad("catalog.row.name_required")
		case utf8.RuneCountInString(r.name) > catalogMaxName:
			bad("catalog.row.too_long", "Column", "名称", "Max", catalogMaxName)
		}
		if v, ok := cell("规格型号"); ok {
			if utf8.RuneCountInString(v) > catalogMaxSpec {
				bad("catalog.row.too_long", "Column", "规格型号", "Max", catalogMaxSpec)
			}
			r.spec = &v
		}
		if v, ok := cell("单位"); ok && v != "" {
			if utf8.RuneCountInString(v) > catalogMaxUOM {
				bad("catalog.row.too_long", "Column", "单位", "Max", catalogMaxUOM)
			}
			r.uom = &v
		}
		if v, ok := cell("单价"); ok && v != "" {
			if fen, ok := ParseFen(v); ok {
				p := formatFen(fen)
				r.price = &p
			} else {
				bad("catalog.row.price_invalid", "Value", v)
			}
		}
		if v, ok := cell("再订货点"); ok && v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > maxReorderPoint || strings.HasPrefix(v, "+") {
				bad("catalog.row.reorder_invalid", "Value", v)
			} else {
				n32 := int32(n)
				r.reorder = &n32
			}
		}
		for _, f := range []struct {
			column string
			dst    **bool
		}{{"贵重", &r.valuable}, {"易损", &r.wear}, {"启用", &r.active}} {
			if v, ok := cell(f.column); ok && v != "" {
				if b, ok := parseFlag(v); ok {
					*f.dst = &b
				} else {
					bad("catalog.row.flag_invalid", "Column", f.column, "Value", v)
				}
			}
		}
		out = append(out, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// ParseFen reads a non-negative amount of yuan with at most two decimals ("12", "12.5",
// "12.50") as fen, without a float. It refuses signs, exponents, and more than ten
// digits before the point (the column is numeric(12,2)).
func ParseFen(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || len(whole) > maxPriceIntPart || len(frac) > 2 || (hasPoint && frac == "") {
		return 0, false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// parseFlag reads a yes/no cell: 是/否, 1/0, true/false (any case).
func parseFlag(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "1", "true":
		return true, true
	case "否", "0", "false":
		return false, true
	}
	return false, false
}

// typedText reports whether s is text a person could have typed: valid UTF-8 without
// control characters other than tab and line breaks.
func typedText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == 0x7f || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
			return false
		}
	}
	return true
}
