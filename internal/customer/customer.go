package customer

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Customer is a customer archive entry (客户档案).
type Customer struct {
	ID            int64     `db:"id"`
	StationID     int64     `db:"station_id"`
	Name          string    `db:"name"`
	ContactPerson string    `db:"contact_person"`
	Notes         string    `db:"notes"`
	Version       int       `db:"version"`
	CreatedAt     time.Time `db:"created_at"`
	Phones        []Phone   `db:"-"`
	Addresses     []Address `db:"-"`
}

// Phone is one of a customer's numbers: kept as typed (FoldPhone), searched as E.164,
// shown by FormatPhone.
type Phone struct {
	ID    int64  `db:"id"`
	Raw   string `db:"raw"`
	E164  string `db:"e164"`
	Label string `db:"label"`
}

// Address is one of a customer's addresses.
type Address struct {
	ID      int64  `db:"id"`
	Address string `db:"address"`
	Label   string `db:"label"`
}

// Unit is a customer's piece of equipment (设备).
type Unit struct {
	ID              int64      `db:"id"`
	CustomerID      int64      `db:"customer_id"`
	Brand           string     `db:"brand"`
	Model           string     `db:"model"`
	Serial          string     `db:"serial"`
	PurchaseDate    *time.Time `db:"purchase_date"`
	ManufactureDate *time.Time `db:"manufacture_date"`
	WarrantyMonths  int        `db:"warranty_months"`
	InstallAddress  string     `db:"install_address"`
	CreatedAt       time.Time  `db:"created_at"`
}

// WarrantyEnd is the last day of the manufacturer's warranty (purchase date + months),
// or false when the purchase date is unknown.
func (u Unit) WarrantyEnd() (time.Time, bool) {
	if u.PurchaseDate == nil {
		return time.Time{}, false
	}
	p := *u.PurchaseDate
	// Add months to the first of the month, then clamp the day: 01-31 + 1 month is 02-28.
	first := time.Date(p.Year(), p.Month()+time.Month(u.WarrantyMonths), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(p.Day(), last)-1), true
}

// InWarranty reports whether the unit is in warranty on the civil date of on in loc:
// in warranty while that day ≤ purchase date + warranty months. known is false when the
// purchase date is unknown.
func (u Unit) InWarranty(on time.Time, loc *time.Location) (in, known bool) {
	end, ok := u.WarrantyEnd()
	if !ok {
		return false, false
	}
	y, m, d := on.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return !today.After(end), true
}

// Service owns customers and units.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the customer service; loc is the time zone that decides "today".
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc}
}

// canEdit reports whether the role may create and edit customers and units.
func canEdit(a auth.Actor) bool {
	return a.Is(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager)
}

// NewCustomer is the input of CreateCustomer.
type NewCustomer struct {
	Name          string
	ContactPerson string
	Phones        []string
	Addresses     []string
	Notes         string
}

// Valid checks the shape of a new customer: a name and at least one phone number that
// parses. Keys are catalog keys; the phones' field is "phones".
func (n NewCustomer) Valid() map[string]string {
	fields := map[string]string{}
	if strings.TrimSpace(n.Name) == "" {
		fields["name"] = "field.required"
	}
	phones, bad := normalizePhones(n.Phones)
	if bad {
		fields["phones"] = "customer.field.phone_invalid"
	} else if len(phones) == 0 {
		fields["phones"] = "customer.field.phone_required"
	}
	return fields
}

// normalizePhones parses the non-empty numbers, dropping duplicates; bad reports a number
// that does not parse.
func normalizePhones(raws []string) (phones []Phone, bad bool) {
	seen := map[string]bool{}
	for _, raw := range raws {
		raw = FoldPhone(raw)
		if raw == "" {
			continue
		}
		e, ok := NormalizePhone(raw)
		if !ok {
			bad = true
			continue
		}
		if !seen[e] {
			seen[e] = true
			phones = append(phones, Phone{Raw: raw, E164: e})
		}
	}
	return phones, bad
}

// CreateCustomer adds a customer at the actor's station. Returns Invalid with field keys
// (name, phones), or Forbidden for roles that do not keep the archive.
func (s *Service) CreateCustomer(ctx context.Context, actor auth.Actor, in NewCustomer) (Customer, error) {
	var c Customer
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		c, err = s.CreateCustomerTx(ctx, tx, actor, in)
		return err
	})
	return c, err
}

// CreateCustomerTx is CreateCustomer inside the caller's transaction (repair intake
// creates a customer, a unit and the order in one).
func (s *Service) CreateCustomerTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, in NewCustomer) (Customer, error) {
	if !canEdit(actor) {
		return Customer{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	in.Name = strings.TrimSpace(in.Name)
	if fields := in.Valid(); len(fields) > 0 {
		return Customer{}, apperr.Fields(fields)
	}
	phones, _ := normalizePhones(in.Phones)
	now := s.now()
	c := Customer{StationID: actor.StationID, Name: in.Name, ContactPerson: strings.TrimSpace(in.ContactPerson), Notes: strings.TrimSpace(in.Notes), Version: 1, CreatedAt: now}
	err := tx.QueryRow(ctx, `INSERT INTO customers (station_id, name, contact_person, notes, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, c.StationID, c.Name, c.ContactPerson, c.Notes, now).Scan(&c.ID)
	if err != nil {
		return Customer{}, db.Translate(err, "insert customer")
	}
	for i, p := range phones {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO customer_phones (customer_id, raw, e164, position) VALUES ($1, $2, $3, $4) RETURNING id`, c.ID, p.Raw, p.E164, i).Scan(&id); err != nil {
			return Customer{}, db.Translate(err, "insert phone")
		}
		c.Phones = append(c.Phones, Phone{ID: id, Raw: p.Raw, E164: p.E164})
	}
	for i, a := range in.Addresses {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO customer_addresses (customer_id, address, position) VALUES ($1, $2, $3) RETURNING id`, c.ID, a, i).Scan(&id); err != nil {
			return Customer{}, db.Translate(err, "insert address")
		}
		c.Addresses = append(c.Addresses, Address{ID: id, Address: a})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO customer_events (customer_id, actor_id, at, kind) VALUES ($1, $2, $3, 'created')`, c.ID, actor.UserID, now); err != nil {
		return Customer{}, db.Translate(err, "customer event")
	}
	return c, RefreshSearch(ctx, tx, []int64{c.ID})
}

// NewUnit is the input of AddUnit.
type NewUnit struct {
	Brand           string
	Model           string
	Serial          string
	PurchaseDate    *time.Time
	ManufactureDate *time.Time
	WarrantyMonths  int
	InstallAddress  string
}

// Valid checks the shape of a new unit on the civil date of now in loc: a model; purchase
// and manufacture dates not in the future, manufacture not after purchase; 0–240 months.
func (n NewUnit) Valid(now time.Time, loc *time.Location) map[string]string {
	fields := map[string]string{}
	if strings.TrimSpace(n.Model) == "" {
		fields["model"] = "field.required"
	}
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if n.PurchaseDate != nil && n.PurchaseDate.After(today) {
		fields["purchase_date"] = "customer.field.date_future"
	}
	if n.ManufactureDate != nil && n.ManufactureDate.After(today) {
		fields["manufacture_date"] = "customer.field.date_future"
	} else if n.ManufactureDate != nil && n.PurchaseDate != nil && n.ManufactureDate.After(*n.PurchaseDate) {
		fields["manufacture_date"] = "customer.field.made_after_purchase"
	}
	if n.WarrantyMonths < 0 || n.WarrantyMonths > 240 {
		fields["warranty_months"] = "customer.field.warranty_months"
	}
	return fields
}

// AddUnit adds a unit to a customer the actor sees. Returns Invalid with field keys
// (model, purchase_date, manufacture_date, warranty_months), NotFound or Forbidden.
func (s *Service) AddUnit(ctx context.Context, actor auth.Actor, customerID int64, in NewUnit) (Unit, error) {
	var u Unit
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		u, err = s.AddUnitTx(ctx, tx, actor, customerID, in)
		return err
	})
	return u, err
}

// AddUnitTx is AddUnit inside the caller's transaction.
func (s *Service) AddUnitTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, customerID int64, in NewUnit) (Unit, error) {
	if !canEdit(actor) {
		return Unit{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	var station int64
	if err := tx.QueryRow(ctx, `SELECT station_id FROM customers WHERE id = $1`, customerID).Scan(&station); err != nil || !actor.Sees(station) {
		return Unit{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	in.Model = strings.TrimSpace(in.Model)
	if fields := in.Valid(s.now(), s.loc); len(fields) > 0 {
		return Unit{}, apperr.Fields(fields)
	}
	u := Unit{CustomerID: customerID, Brand: strings.TrimSpace(in.Brand), Model: in.Model, Serial: strings.TrimSpace(in.Serial),
		PurchaseDate: in.PurchaseDate, ManufactureDate: in.ManufactureDate, WarrantyMonths: in.WarrantyMonths,
		InstallAddress: strings.TrimSpace(in.InstallAddress), CreatedAt: s.now()}
	err := tx.QueryRow(ctx, `INSERT INTO units (customer_id, brand, model, serial, purchase_date, manufacture_date, warranty_months, install_address, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		u.CustomerID, u.Brand, u.Model, u.Serial, u.PurchaseDate, u.ManufactureDate, u.WarrantyMonths, u.InstallAddress, u.CreatedAt).Scan(&u.ID)
	if err != nil {
		return Unit{}, db.Translate(err, "insert unit")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO customer_events (customer_id, actor_id, at, kind, changes) VALUES ($1, $2, $3, 'unit_added', $4)`,
		customerID, actor.UserID, u.CreatedAt, map[string]any{"unit_id": u.ID, "model": u.Model, "serial": u.Serial}); err != nil {
		return Unit{}, db.Translate(err, "customer event")
	}
	return u, RefreshSearch(ctx, tx, []int64{customerID})
}

// CustomerByID returns a customer with phones and addresses, if the actor sees its station
// (NotFound otherwise). The reads go in one batch.
func (s *Service) CustomerByID(ctx context.Context, actor auth.Actor, id int64) (Customer, error) {
	var c Customer
	b := &pgx.Batch{}
	found := queueCustomer(b, customerByID, id, &c)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return Customer{}, db.Translate(err, "customer")
	}
	if !*found || !actor.Sees(c.StationID) {
		return Customer{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return c, nil
}

const unitCols = `u.id, u.customer_id, u.brand, u.model, u.serial, u.purchase_date, u.manufacture_date, u.warranty_months, u.install_address, u.created_at`

// UnitByID returns a unit whose customer the actor sees.
func (s *Service) UnitByID(ctx context.Context, actor auth.Actor, id int64) (Unit, error) {
	var station int64
	rows, err := s.pool.Query(ctx, `SELECT `+unitCols+`, c.station_id FROM units u JOIN customers c ON c.id = u.customer_id WHERE u.id = $1`, id)
	if err != nil {
		return Unit{}, db.Translate(err, "unit")
	}
	var u Unit
	found := false
	for rows.Next() {
		found = true
		if err := rows.Scan(&u.ID, &u.CustomerID, &u.Brand, &u.Model, &u.Serial, &u.PurchaseDate, &u.ManufactureDate, &u.WarrantyMonths, &u.InstallAddress, &u.CreatedAt, &station); err != nil {
			rows.Close()
			return Unit{}, db.Translate(err, "unit")
		}
	}
	rows.Close()
	if !found || !actor.Sees(station) {
		return Unit{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return u, nil
}

// Units lists a customer's units.
func (s *Service) Units(ctx context.Context, actor auth.Actor, customerID int64) ([]Unit, error) {
	if _, err := s.CustomerByID(ctx, actor, customerID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+unitCols+` FROM units u WHERE u.customer_id = $1 ORDER BY u.id`, customerID)
	if err != nil {
		return nil, db.Translate(err, "units")
	}
	units, err := pgx.CollectRows(rows, pgx.RowToStructByName[Unit])
	return units, db.Translate(err, "units")
}
