package onboard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service imports and exports customers with their units.
type Service struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	loc    *time.Location
	orders *workorder.Service
}

// NewService returns the import service; loc is the time zone that decides "today";
// orders logs the open orders a file carries (through the work-order intake).
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location, orders *workorder.Service) *Service {
	return &Service{pool: pool, now: now, loc: loc, orders: orders}
}

// HeaderProblems are the problems of a workbook's header row; it is the cause of the
// Invalid "import.header.invalid" error Stage returns.
type HeaderProblems []Problem

// Error implements error.
func (h HeaderProblems) Error() string {
	var b strings.Builder
	for _, p := range h {
		b.WriteString(p.Column + " " + p.Key + "; ")
	}
	return b.String()
}

// Record is one import: staged until confirmed, then what it did.
type Record struct {
	ID               int64      `db:"id"`
	Key              string     `db:"key"`
	StationID        int64      `db:"station_id"`
	StationName      string     `db:"station_name"`
	ActorID          int64      `db:"actor_id"`
	ActorName        string     `db:"actor_name"`
	FileName         string     `db:"file_name"`
	StagedAt         time.Time  `db:"staged_at"`
	ImportedAt       *time.Time `db:"imported_at"`
	CustomersCreated int        `db:"customers_created"`
	CustomersMerged  int        `db:"customers_merged"`
	UnitsCreated     int        `db:"units_created"`
	OrdersCreated    int        `db:"orders_created"`
	RowsSkipped      int        `db:"rows_skipped"`
}

const recordCols = `i.id, i.key, i.station_id, s.name AS station_name, i.actor_id, u.display_name AS actor_name, i.file_name,
	i.staged_at, i.imported_at, i.customers_created, i.customers_merged, i.units_created, i.orders_created, i.rows_skipped`

const recordFrom = ` FROM customer_imports i JOIN stations s ON s.id = i.station_id JOIN users u ON u.id = i.actor_id`

// today is the civil date of now in the service's time zone, as a UTC midnight.
func (s *Service) today() time.Time {
	y, m, d := s.now().In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func forbidden() error {
	return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,admin")
}

// Stage keeps a workbook's cells (row 0 the header) for the preview, under a new key,
// into the station the customers will belong to, and returns the key. Nothing of the
// archive is written. Returns Forbidden for a role that does not import or a station the
// actor does not see, Invalid "import.too_many_rows", or Invalid "import.header.invalid"
// whose cause is the HeaderProblems.
func (s *Service) Stage(ctx context.Context, actor auth.Actor, stationID int64, fileName string, cells [][]string) (string, error) {
	if !CanImport(actor) {
		return "", forbidden()
	}
	if !actor.Sees(stationID) {
		return "", apperr.New(apperr.Forbidden, "import.station_forbidden")
	}
	if len(cells)-1 > MaxRows {
		return "", apperr.New(apperr.Invalid, "import.too_many_rows", "Max", MaxRows)
	}
	if _, probs := readHeaderOf(cells); len(probs) > 0 {
		return "", &apperr.Error{Code: apperr.Invalid, Key: "import.header.invalid", Err: HeaderProblems(probs)}
	}
	for i := range cells {
		for j, v := range cells[i] {
			if !utf8.ValidString(v) {
				// jsonb holds only valid text; Parse refuses the cell by its column.
				cells[i][j] = strings.ToValidUTF8(v, "\uFFFD")
			}
			if strings.ContainsRune(v, 0) {
				cells[i][j] = strings.ReplaceAll(cells[i][j], "\x00", "\uFFFD")
			}
		}
	}
	data, err := json.Marshal(cells)
	if err != nil {
		return "", apperr.Wrap(err, "stage cells")
	}
	key, err := newKey()
	if err != nil {
		return "", err
	}
	now := s.now()
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM customer_imports WHERE imported_at IS NULL AND staged_at < $1`, now.Add(-StagedFor*time.Hour)); err != nil {
			return db.Translate(err, "drop stale imports")
		}
		_, err := tx.Exec(ctx, `INSERT INTO customer_imports (key, station_id, actor_id, file_name, staged_at, cells) VALUES ($1, $2, $3, $4, $5, $6)`,
			key, stationID, actor.UserID, cleanFileName(fileName), now, data)
		return db.Translate(err, "stage import")
	})
	return key, err
}

// readHeaderOf reads the header of a workbook's cells; an empty workbook has none.
func readHeaderOf(cells [][]string) (Layout, []Problem) {
	if len(cells) == 0 {
		return Layout{}, []Problem{{Row: 1, Key: "import.header.empty"}}
	}
	return ReadHeader(cells[0])
}

// cleanFileName is the base name of an uploaded file, at most 200 characters.
func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	name = strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "")
	if name == "." || name == "/" || name == "" {
		name = "客户.xlsx"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

// newKey is a random key for a staged import.
func newKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", apperr.Wrap(err, "import key")
	}
	return hex.EncodeToString(b), nil
}

// ValidKey reports whether k has the shape of an import key.
func ValidKey(k string) bool {
	if len(k) != 32 {
		return false
	}
	_, err := hex.DecodeString(k)
	return err == nil
}

// Duplicate is what a row finds already in the archive of the import's station.
type Duplicate struct {
	CustomerID   int64
	CustomerName string
	// By is "phone" (a customer has the row's phone), "serial" (a unit has the row's
	// serial) or "model" (the customer has a unit of this model without a serial).
	By string
	// UnitID is the existing unit the row describes, 0 when the unit is new.
	UnitID int64
}

// PreviewRow is one row of the preview: as it will be stored, and its duplicate.
type PreviewRow struct {
	Row
	Dup *Duplicate
}

// Preview is an import as the user checks it before confirming.
type Preview struct {
	Record
	// Imported is set once the import was confirmed: Record then holds its counts.
	Imported bool
	Layout   Layout
	// Rows are the first PreviewRows rows.
	Rows []PreviewRow
	// Problems are every row's problems, in row order.
	Problems                                     []Problem
	Total, Duplicates, ProblemRows, NewCustomers int
	// CanConfirm is set when the file has no problems and some row would be imported.
	CanConfirm bool
}

// loadRecord reads the import under key, which must be the actor's own (NotFound).
func loadRecord(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, actor auth.Actor, key string, lock bool) (Record, [][]string, error) {
	if !ValidKey(key) {
		return Record{}, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	sql := `SELECT ` + recordCols + `, i.cells` + recordFrom + ` WHERE i.key = $1`
	if lock {
		sql += ` FOR UPDATE OF i`
	}
	rows, err := q.Query(ctx, sql, key)
	if err != nil {
		return Record{}, nil, db.Translate(err, "import")
	}
	defer rows.Close()
	var r Record
	var cells [][]string
	found := false
	for rows.Next() {
		found = true
		if err := rows.Scan(&r.ID, &r.Key, &r.StationID, &r.StationName, &r.ActorID, &r.ActorName, &r.FileName, &r.StagedAt, &r.ImportedAt,
			&r.CustomersCreated, &r.CustomersMerged, &r.UnitsCreated, &r.OrdersCreated, &r.RowsSkipped, &cells); err != nil {
			return Record{}, nil, db.Translate(err, "import")
		}
	}
	if err := rows.Err(); err != nil {
		return Record{}, nil, db.Translate(err, "import")
	}
	if !found || r.ActorID != actor.UserID || !actor.Sees(r.StationID) {
		return Record{}, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return r, cells, nil
}

// Preview returns the staged import under key as it would be stored now, with the
// duplicates the station's archive holds; after it was confirmed, what it did. Returns
// Forbidden, or NotFound for a key that is not the actor's.
func (s *Service) Preview(ctx context.Context, actor auth.Actor, key string) (Preview, error) {
	if !CanImport(actor) {
		return Preview{}, forbidden()
	}
	rec, cells, err := loadRecord(ctx, s.pool, actor, key, false)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Record: rec, Imported: rec.ImportedAt != nil}
	if p.Imported {
		return p, nil
	}
	sheet := Parse(cells, s.today())
	p.Layout = sheet.Layout
	p.Problems = sheet.HeaderProblems
	m, err := match(ctx, s.pool, rec.StationID, sheet.Rows)
	if err != nil {
		return Preview{}, err
	}
	newGroups := map[int]bool{}
	for i, r := range sheet.Rows {
		p.Problems = append(p.Problems, r.Problems...)
		if len(r.Problems) > 0 {
			p.ProblemRows++
		}
		d := m.dup(i)
		if d != nil {
			p.Duplicates++
		} else if g := m.group[i]; g >= 0 {
			newGroups[g] = true
		}
		if len(p.Rows) < PreviewRows {
			p.Rows = append(p.Rows, PreviewRow{Row: r, Dup: d})
		}
	}
	p.Total, p.NewCustomers = len(sheet.Rows), len(newGroups)
	p.CanConfirm = len(p.Problems) == 0 && p.Total > 0
	return p, nil
}

// Choices are the user's decisions on duplicate rows: Default for every duplicate,
// Rows by sheet row number where the user chose otherwise.
type Choices struct {
	Default string
	Rows    map[int]string
}

// Choice values.
const (
	Merge = "merge"
	Skip  = "skip"
)

func (c Choices) skip(row int) bool {
	if v, ok := c.Rows[row]; ok && (v == Merge || v == Skip) {
		return v == Skip
	}
	return c.Default == Skip
}

// Confirm imports the staged file under key, all or nothing in one transaction: new
// customers with their phones, addresses and units; duplicates merged into the
// customer found (new phones, addresses and units added) or skipped, as chosen; an open
// order (已受理) for each row with a symptom, through the work-order intake; a history
// entry on each customer touched; the import's record with its counts. Confirming the
// same key again returns the first result and writes nothing. Returns Forbidden,
// NotFound, or Invalid "import.has_problems" when the file has problems.
func (s *Service) Confirm(ctx context.Context, actor auth.Actor, key string, ch Choices) (Record, error) {
	if !CanImport(actor) {
		return Record{}, forbidden()
	}
	var out Record
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		rec, cells, err := loadRecord(ctx, tx, actor, key, true)
		if err != nil {
			return err
		}
		if rec.ImportedAt != nil {
			out = rec
			return nil
		}
		sheet := Parse(cells, s.today())
		if sheet.Problems() > 0 {
			return apperr.New(apperr.Invalid, "import.has_problems", "Count", sheet.Problems())
		}
		if len(sheet.Rows) == 0 {
			return apperr.New(apperr.Invalid, "import.no_rows")
		}
		m, err := match(ctx, tx, rec.StationID, sheet.Rows)
		if err != nil {
			return err
		}
		res, err := s.write(ctx, tx, actor, rec, sheet.Rows, m, ch)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE customer_imports SET imported_at = $2, cells = '[]', customers_created = $3, customers_merged = $4,
			units_created = $5, orders_created = $6, rows_skipped = $7 WHERE id = $1`,
			rec.ID, now, res.CustomersCreated, res.CustomersMerged, res.UnitsCreated, res.OrdersCreated, res.RowsSkipped); err != nil {
			return db.Translate(err, "import record")
		}
		res.ImportedAt = &now
		out = res
		return nil
	})
	return out, err
}

// Imports lists the confirmed imports into the stations the actor sees, newest first.
func (s *Service) Imports(ctx context.Context, actor auth.Actor, limit int) ([]Record, error) {
	if !CanImport(actor) {
		return nil, forbidden()
	}
	rows, err := s.pool.Query(ctx, `SELECT `+recordCols+recordFrom+` WHERE i.station_id = ANY($1) AND i.imported_at IS NOT NULL
		ORDER BY i.imported_at DESC, i.id DESC LIMIT $2`, actor.Stations, limit)
	if err != nil {
		return nil, db.Translate(err, "imports")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Record])
	return out, db.Translate(err, "imports")
}

// ExportRows are the station's customers in the workbook's columns, one row per unit (a
// customer without units on a row of its own), oldest customer first. Returns Forbidden
// for a role that does not export or a station the actor does not see.
func (s *Service) ExportRows(ctx context.Context, actor auth.Actor, stationID int64) ([][]string, error) {
	if !CanImport(actor) {
		return nil, forbidden()
	}
	if !actor.Sees(stationID) {
		return nil, apperr.New(apperr.Forbidden, "import.station_forbidden")
	}
	rows, err := s.pool.Query(ctx, `SELECT c.name, c.contact_person,
			coalesce((SELECT string_agg(p.raw, '、' ORDER BY p.position, p.id) FROM customer_phones p WHERE p.customer_id = c.id), ''),
			coalesce((SELECT a.address FROM customer_addresses a WHERE a.customer_id = c.id ORDER BY a.position, a.id LIMIT 1), ''),
			u.id IS NOT NULL, coalesce(u.brand, ''), coalesce(u.model, ''), coalesce(u.serial, ''), u.purchase_date, coalesce(u.warranty_months, 0)
		FROM customers c LEFT JOIN units u ON u.customer_id = c.id
		WHERE c.station_id = $1 ORDER BY c.id, u.id`, stationID)
	if err != nil {
		return nil, db.Translate(err, "export customers")
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var name, contact, phones, address, brand, model, serial string
		var hasUnit bool
		var purchase *time.Time
		var months int
		if err := rows.Scan(&name, &contact, &phones, &address, &hasUnit, &brand, &model, &serial, &purchase, &months); err != nil {
			return nil, db.Translate(err, "export customers")
		}
		row := map[string]string{ColName: name, ColContact: contact, ColPhone: phones, ColAddress: address}
		if hasUnit {
			row[ColBrand], row[ColModel], row[ColSerial] = brand, model, serial
			if purchase != nil {
				row[ColPurchase] = purchase.Format("2006-01-02")
				if end, ok := (customer.Unit{PurchaseDate: purchase, WarrantyMonths: months}).WarrantyEnd(); ok {
					row[ColWarrantyEnd] = end.Format("2006-01-02")
				}
			}
		}
		cells := make([]string, len(Columns))
		for i, c := range Columns {
			cells[i] = row[c.Key]
		}
		out = append(out, cells)
	}
	return out, db.Translate(rows.Err(), "export customers")
}
