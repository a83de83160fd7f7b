package online

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service serves the customers' pages and the office's labels and progress links.
type Service struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	loc    *time.Location
	orders *workorder.Service

	mu     sync.Mutex
	signer *Signer
	userID int64
}

// NewService returns the online service; orders is the work-order service every order
// change goes through.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location, orders *workorder.Service) *Service {
	return &Service{pool: pool, now: now, loc: loc, orders: orders}
}

// Signer is the link signer, its secret read (or made) on first use.
func (s *Service) Signer(ctx context.Context) (Signer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signer == nil {
		sg, err := LoadSigner(ctx, s.pool, s.now())
		if err != nil {
			return Signer{}, err
		}
		s.signer = &sg
	}
	return *s.signer, nil
}

// OnlineUsername is the account the customers' own steps are recorded under: it never
// signs in (it is inactive), and its name in an order's log says the customer did it.
const OnlineUsername = auth.SystemUsername

// customerActor is the actor of a customer's own step on an order of station: the
// online account, acting for the hotline of that station only.
func (s *Service) customerActor(ctx context.Context, station int64) (auth.Actor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.userID == 0 {
		err := s.pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO users (username, display_name, role, station_id, password_hash, active)
			VALUES ($1, '客户（扫码/在线）', 'hotline', $2, '!', false)
			ON CONFLICT ((lower(username))) DO NOTHING RETURNING id)
			SELECT id FROM ins UNION ALL SELECT id FROM users WHERE lower(username) = $1 LIMIT 1`, OnlineUsername, station).Scan(&s.userID)
		if err != nil {
			return auth.Actor{}, db.Translate(err, "online account")
		}
	}
	return auth.Actor{UserID: s.userID, Username: OnlineUsername, Role: auth.RoleHotline, StationID: station, Stations: []int64{station}}, nil
}

// The keys of a link that does not work.
const (
	linkBadKey     = "online.link_bad"
	linkRevokedKey = "online.link_revoked"
	linkExpiredKey = "online.link_expired"
)

// UnitView is what a label's page shows: the unit, whether it is in warranty, the
// station to call, and its open order if it has one. Nothing of the customer's.
type UnitView struct {
	Token  string
	UnitID int64
	Brand  string
	Model  string
	Serial string
	// Warranty is in, out or unknown (the manufacturer's warranty today).
	Warranty     string
	StationName  string
	ServicePhone string
	// Open is the unit's open order, shown instead of a second report.
	Open *OpenOrder
}

// OpenOrder is an order being handled, as the customer sees it.
type OpenOrder struct {
	ID            int64
	Number        string
	ProgressToken string
}

type unitRow struct {
	customer.Unit
	Station      int64  `db:"station_id"`
	StationName  string `db:"station_name"`
	ServicePhone string `db:"service_phone"`
	Generation   int    `db:"generation"`
}

const unitSQL = `SELECT u.id, u.customer_id, u.brand, u.model, u.serial, u.purchase_date, u.manufacture_date, u.warranty_months,
	u.install_address, u.created_at, c.station_id, s.name AS station_name, s.service_phone, coalesce(l.generation, 1) AS generation
	FROM units u JOIN customers c ON c.id = u.customer_id JOIN stations s ON s.id = c.station_id
	LEFT JOIN unit_labels l ON l.unit_id = u.id WHERE u.id = $1`

// linkError is a link that does not work: NotFound, with the station's service phone
// when the unit is known (a revoked label).
func linkError(key, phone string) error {
	if phone == "" {
		return apperr.New(apperr.NotFound, key)
	}
	return apperr.New(apperr.NotFound, key, "Phone", phone)
}

// PhoneOf is the service phone a link error carries, "" when none.
func PhoneOf(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		p, _ := e.Data["Phone"].(string)
		return p
	}
	return ""
}

// unitByToken reads the unit of a label token; NotFound (online.link_bad) for a forged
// or unknown one, (online.link_revoked, with the station's phone) for a revoked one.
func (s *Service) unitByToken(ctx context.Context, q db.Querier, token string, lock bool) (unitRow, error) {
	sg, err := s.Signer(ctx)
	if err != nil {
		return unitRow{}, err
	}
	id, gen, ok := sg.ParseLabel(token)
	if !ok {
		return unitRow{}, linkError(linkBadKey, "")
	}
	sql := unitSQL
	if lock {
		sql += ` FOR NO KEY UPDATE OF u`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return unitRow{}, db.Translate(err, "label unit")
	}
	u, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[unitRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return unitRow{}, linkError(linkBadKey, "")
	} else if err != nil {
		return unitRow{}, db.Translate(err, "label unit")
	}
	if gen != u.Generation {
		return unitRow{}, linkError(linkRevokedKey, u.ServicePhone)
	}
	return u, nil
}

func (s *Service) view(ctx context.Context, q db.Querier, token string, u unitRow) (UnitView, error) {
	v := UnitView{Token: token, UnitID: u.ID, Brand: u.Brand, Model: u.Model, Serial: u.Serial, Warranty: "unknown",
		StationName: u.StationName, ServicePhone: u.ServicePhone}
	if in, known := u.InWarranty(s.now(), s.loc); known {
		v.Warranty = map[bool]string{true: "in", false: "out"}[in]
	}
	var o OpenOrder
	err := q.QueryRow(ctx, `SELECT o.id, o.number FROM work_orders o WHERE o.unit_id = $1 AND `+workflow.OpenSQL("o")+`
		ORDER BY o.created_at DESC, o.id DESC LIMIT 1`, u.ID).Scan(&o.ID, &o.Number)
	if err == nil {
		sg, err := s.Signer(ctx)
		if err != nil {
			return UnitView{}, err
		}
		o.ProgressToken = sg.ProgressToken(o.ID, ProgressExpiry(s.now()))
		v.Open = &o
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return UnitView{}, db.Translate(err, "open order")
	}
	return v, nil
}

// Unit is a label's page: NotFound (online.link_bad, online.link_revoked) when the
// link does not work.
func (s *Service) Unit(ctx context.Context, token string) (UnitView, error) {
	u, err := s.unitByToken(ctx, s.pool, token, false)
	if err != nil {
		return UnitView{}, err
	}
	return s.view(ctx, s.pool, token, u)
}

// Report is a fault reported from a label.
type Report struct {
	Symptom   string
	Name      string
	Phone     string
	Preferred string
	Photos    [][]byte
	// Key is the form's one-time key: the same report sent twice makes one order.
	Key string
	// Addr is the network address it came from, for the hourly limit.
	Addr string
}

// Valid checks the report's shape; keys are catalog keys.
func (r Report) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(r.Symptom) == "" {
		f["symptom"] = "field.required"
	}
	if strings.TrimSpace(r.Name) == "" {
		f["name"] = "field.required"
	}
	if strings.TrimSpace(r.Phone) == "" {
		f["phone"] = "field.required"
	} else if _, ok := customer.NormalizePhone(r.Phone); !ok {
		f["phone"] = "customer.field.phone_invalid"
	}
	Limits.Check(f, "symptom", r.Symptom, "name", r.Name, "preferred", r.Preferred)
	if len(r.Phone) > 40 {
		f["phone"] = "customer.field.phone_invalid"
	}
	if len(r.Photos) > MaxPhotos {
		f["photos"] = "online.field.too_many_photos"
	}
	if len(r.Key) < 8 || len(r.Key) > 64 {
		f["key"] = "error.form_key"
	}
	return f
}

// Receipt is what a customer gets for a report: the order and its progress link.
type Receipt struct {
	OrderID       int64
	Number        string
	ProgressToken string
}

// openOrderKey is the refusal of a report on a unit with an order being handled.
const openOrderKey = "online.open_order"

// Report makes a work order (channel 扫码, 已受理) for the label's unit, in the unit's
// station, through the work-order service's intake path (number, due times, event,
// NOTIFY, the customer's message), with its photos, in one transaction. The same form
// sent again (same key) returns the first order. Refusals change nothing: NotFound for a
// link that does not work; Invalid with field keys (photos that are not images or too
// big among them); Conflict (online.open_order) when the unit has an order being handled;
// TooManyRequests (online.too_many_unit, online.too_many_addr) past the hourly limits.
func (s *Service) Report(ctx context.Context, token string, r Report) (Receipt, error) {
	f := r.Valid()
	var photos []attach.Checked
	for _, p := range r.Photos {
		c, err := attach.Check(attach.Photo, p)
		if err != nil {
			if e := apperr.As(err); len(e.Fields) > 0 {
				f["photos"] = e.Fields["photos"]
				continue
			}
			return Receipt{}, err
		}
		photos = append(photos, c)
	}
	if len(f) > 0 {
		return Receipt{}, apperr.Fields(f)
	}
	sg, err := s.Signer(ctx)
	if err != nil {
		return Receipt{}, err
	}
	var rc Receipt
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The unit's row lock makes reports on one unit take turns, so a double submit
		// finds the first one's order and the hourly count is exact.
		u, err := s.unitByToken(ctx, tx, token, true)
		if err != nil {
			return err
		}
		// The form's key is the unit's own: the same key sent for another unit is another
		// report.
		intakeKey := "qr:" + strconv.FormatInt(u.ID, 10) + ":" + r.Key
		if err := tx.QueryRow(ctx, `SELECT id, number FROM work_orders WHERE intake_key = $1 AND unit_id = $2`, intakeKey, u.ID).
			Scan(&rc.OrderID, &rc.Number); err == nil {
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return db.Translate(err, "report key")
		}
		v, err := s.view(ctx, tx, token, u)
		if err != nil {
			return err
		}
		if v.Open != nil {
			return apperr.New(apperr.Conflict, openOrderKey, "Number", v.Open.Number)
		}
		if err := s.admit(ctx, tx, u.ID, r.Addr); err != nil {
			return err
		}
		actor, err := s.customerActor(ctx, u.Station)
		if err != nil {
			return err
		}
		request := ""
		if p := strings.TrimSpace(r.Preferred); p != "" {
			request = "希望上门时间：" + p
		}
		o, err := s.orders.CreateTx(ctx, tx, actor, workorder.NewOrder{CustomerID: u.CustomerID, UnitID: u.ID, Channel: "qr",
			Symptom: strings.TrimSpace(r.Symptom), Request: request, Urgency: "normal", ServiceType: "repair",
			ContactName: strings.TrimSpace(r.Name), ContactPhone: strings.TrimSpace(r.Phone), IntakeKey: intakeKey})
		if err != nil {
			return err
		}
		now := s.now()
		for _, c := range photos {
			if _, err := s.orders.Files().Save(ctx, tx, o.ID, actor.UserID, now, c); err != nil {
				return err
			}
		}
		rc.OrderID, rc.Number = o.ID, o.Number
		return s.count(ctx, tx, u.ID, r.Addr, o.ID, "report", intakeKey)
	})
	if err != nil {
		return Receipt{}, err
	}
	rc.ProgressToken = sg.ProgressToken(rc.OrderID, ProgressExpiry(s.now()))
	return rc, nil
}

// admit refuses a report or note past the hourly limits (TooManyRequests), per unit
// (the caller holds the unit's lock) and per address (an advisory lock on it).
func (s *Service) admit(ctx context.Context, tx pgx.Tx, unitID int64, addr string) error {
	since := s.now().Add(-time.Hour)
	var perUnit, perAddr int
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('self_reports:' || $1))`, addr); err != nil {
		return db.Translate(err, "report limit")
	}
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM self_reports WHERE unit_id = $1 AND at > $3),
		(SELECT count(*) FROM self_reports WHERE addr = $2 AND at > $3)`, unitID, addr, since).Scan(&perUnit, &perAddr); err != nil {
		return db.Translate(err, "report limit")
	}
	if perUnit >= ReportsPerUnitHour {
		return apperr.New(apperr.TooManyRequests, "online.too_many_unit")
	}
	if perAddr >= ReportsPerAddrHour {
		return apperr.New(apperr.TooManyRequests, "online.too_many_addr")
	}
	return nil
}

// count records a report or note for the hourly limits, under the form's key.
func (s *Service) count(ctx context.Context, tx pgx.Tx, unitID int64, addr string, orderID int64, kind, key string) error {
	_, err := tx.Exec(ctx, `INSERT INTO self_reports (unit_id, addr, order_id, kind, form_key, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		unitID, addr, orderID, kind, key, s.now())
	return db.Translate(err, "report count")
}

// AddNote adds the customer's note to the unit's order being handled (its log, as
// "客户（扫码/在线）"), within the same hourly limits as reports. key is the form's
// one-time key. NotFound for a link that does not work or a unit with no open order;
// Invalid (note) for an empty or too long note; TooManyRequests past the limits.
func (s *Service) AddNote(ctx context.Context, token, note, key, addr string) (OpenOrder, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return OpenOrder{}, apperr.Fields(map[string]string{"note": "field.required"})
	}
	if f := Limits.Check(map[string]string{}, "note", note); len(f) > 0 {
		return OpenOrder{}, apperr.Fields(f)
	}
	if len(key) < 8 || len(key) > 64 {
		return OpenOrder{}, apperr.Fields(map[string]string{"note": "error.form_key"})
	}
	var open OpenOrder
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := s.unitByToken(ctx, tx, token, true)
		if err != nil {
			return err
		}
		v, err := s.view(ctx, tx, token, u)
		if err != nil {
			return err
		}
		if v.Open == nil {
			return apperr.New(apperr.NotFound, "online.no_open_order")
		}
		open = *v.Open
		var added bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM self_reports WHERE form_key = $1)`, "note:"+key).Scan(&added); err != nil {
			return db.Translate(err, "note key")
		}
		if added {
			return nil
		}
		if err := s.admit(ctx, tx, u.ID, addr); err != nil {
			return err
		}
		actor, err := s.customerActor(ctx, u.Station)
		if err != nil {
			return err
		}
		if err := s.orders.AddNoteTx(ctx, tx, actor, open.ID, "客户留言："+note, "qr:"+key); err != nil {
			return err
		}
		return s.count(ctx, tx, u.ID, addr, open.ID, "note", "note:"+key)
	})
	return open, err
}
