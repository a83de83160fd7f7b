package tools

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/aftersales/aftersales/internal/workorder"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns the tools ledger: every change is one transaction with its movement row.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the tools service.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc}
}

// today is the calendar day (UTC midnight) of now in the service's time zone.
func (s *Service) today() time.Time {
	l := s.now().In(s.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// Tool is one tool of the ledger.
type Tool struct {
	ID              int64      `db:"id"`
	StationID       int64      `db:"station_id"`
	Number          string     `db:"number"`
	Name            string     `db:"name"`
	Spec            string     `db:"spec"`
	Kind            string     `db:"kind"`
	Location        string     `db:"location"`
	State           string     `db:"state"`
	HolderID        *int64     `db:"holder_id"`
	HolderName      *string    `db:"holder_name"`
	OrderID         *int64     `db:"order_id"`
	OrderNumber     *string    `db:"order_number"`
	CalibrationDays *int       `db:"calibration_days"`
	CalibratedOn    *time.Time `db:"calibrated_on"`
	CalibrationDue  *time.Time `db:"calibration_due"`
	// Overdue and DueSoon are set by the service for the day the page is read.
	Overdue bool `db:"-"`
	DueSoon bool `db:"-"`
}

const selectTool = `SELECT t.id, t.station_id, t.number, t.name, t.spec, t.kind, t.location, t.state, t.holder_id,
	h.display_name AS holder_name, t.order_id, o.number AS order_number, t.calibration_days, t.calibrated_on, t.calibration_due
	FROM tools t LEFT JOIN users h ON h.id = t.holder_id LEFT JOIN work_orders o ON o.id = t.order_id`

// NewTool is the input of Add.
type NewTool struct {
	Number, Name, Spec, Kind, Location string
	// CalibrationDays and CalibratedOn are for instruments (zero: not given).
	CalibrationDays int
	CalibratedOn    time.Time
}

// Valid checks the input's shape; keys are catalog keys.
func (n NewTool) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(n.Number) == "" {
		f["number"] = "field.required"
	}
	if strings.TrimSpace(n.Name) == "" {
		f["name"] = "field.required"
	}
	if !slices.Contains(Kinds, n.Kind) {
		f["kind"] = "field.required"
	}
	if n.Kind == KindInstrument {
		if n.CalibrationDays < 1 || n.CalibrationDays > MaxCycleDays {
			f["calibration_days"] = "tool.field.cycle"
		}
	}
	return limits.Check(f, "number", n.Number, "name", n.Name, "spec", n.Spec, "location", n.Location)
}

// Movement is one row of a tool's history.
type Movement struct {
	ID          int64     `db:"id"`
	Kind        string    `db:"kind"`
	HolderName  *string   `db:"holder_name"`
	OrderNumber *string   `db:"order_number"`
	ActorName   string    `db:"actor_name"`
	At          time.Time `db:"at"`
	Note        string    `db:"note"`
}

// Certificate describes a calibration certificate.
type Certificate struct {
	ID          int64     `db:"id"`
	ToolID      int64     `db:"tool_id"`
	Name        string    `db:"name"`
	ContentType string    `db:"content_type"`
	Size        int       `db:"size"`
	CreatedAt   time.Time `db:"created_at"`
}

// Person is a technician a tool may be lent to.
type Person struct {
	ID   int64  `db:"id"`
	Name string `db:"display_name"`
}

// Ledger is the tools page: the station's tools, the calibration-due list, and what the
// actor may do.
type Ledger struct {
	Tools    []Tool
	Due      []Tool
	LeadDays int
	// CanManage: the actor adds tools and changes the lead days.
	CanManage bool
	// LastCount is when the tools were last counted; CountDue says a count is due.
	LastCount *time.Time
	CountDue  bool
}

// Page is one tool's page.
type Page struct {
	Tool         Tool
	Movements    []Movement
	Certificates []Certificate
	Technicians  []Person
	Can          Permissions
}

func (s *Service) mark(t *Tool, today time.Time, lead int) {
	t.Overdue = Overdue(t.Kind, t.CalibrationDue, today)
	t.DueSoon = !t.Overdue && DueWithin(t.Kind, t.CalibrationDue, today, lead)
}

func (s *Service) leadDays(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, stationID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT calibration_lead_days FROM tool_settings WHERE station_id = $1`, stationID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultLeadDays, nil
	}
	return n, db.Translate(err, "tool settings")
}

// mayRead reports whether the actor reads the ledger: its keepers and supervisors.
func mayRead(a auth.Actor) bool { return Manages(a) || a.Is(auth.RoleSupervisor) }

// Ledger lists the tools of the actor's stations, retired ones last, with the
// calibration-due list of the actor's own station's lead days. Forbidden for roles that
// do not read it.
func (s *Service) Ledger(ctx context.Context, actor auth.Actor) (Ledger, error) {
	if !mayRead(actor) {
		return Ledger{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	lead, err := s.leadDays(ctx, s.pool, actor.StationID)
	if err != nil {
		return Ledger{}, err
	}
	rows, err := s.pool.Query(ctx, selectTool+` WHERE t.station_id = ANY($1) ORDER BY t.state = 'retired', t.number`, actor.Stations)
	if err != nil {
		return Ledger{}, db.Translate(err, "tools")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Tool])
	if err != nil {
		return Ledger{}, db.Translate(err, "tools")
	}
	l := Ledger{LeadDays: lead, CanManage: Manages(actor)}
	today := s.today()
	for i := range list {
		s.mark(&list[i], today, lead)
		if list[i].State != Retired && (list[i].Overdue || list[i].DueSoon) {
			l.Due = append(l.Due, list[i])
		}
	}
	slices.SortStableFunc(l.Due, func(a, b Tool) int {
		switch {
		case a.CalibrationDue == nil:
			return -1
		case b.CalibrationDue == nil:
			return 1
		}
		return a.CalibrationDue.Compare(*b.CalibrationDue)
	})
	l.Tools = list
	if err := s.pool.QueryRow(ctx, `SELECT max(counted_at) FROM tool_stocktakes WHERE station_id = $1`, actor.StationID).Scan(&l.LastCount); err != nil {
		return Ledger{}, db.Translate(err, "tool stocktakes")
	}
	l.CountDue = StocktakeDue(l.LastCount, s.now())
	return l, nil
}

// Page is one tool with its history, certificates and what the actor may do. NotFound
// outside the actor's stations.
func (s *Service) Page(ctx context.Context, actor auth.Actor, id int64) (Page, error) {
	if !mayRead(actor) {
		return Page{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	t, err := toolByID(ctx, s.pool, id, false)
	if err != nil {
		return Page{}, err
	}
	if !actor.Sees(t.StationID) {
		return Page{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	lead, err := s.leadDays(ctx, s.pool, t.StationID)
	if err != nil {
		return Page{}, err
	}
	today := s.today()
	s.mark(&t, today, lead)
	p := Page{Tool: t, Can: Allowed(actor, t.State, t.Kind, t.CalibrationDue, today)}
	rows, err := s.pool.Query(ctx, `SELECT m.id, m.kind, h.display_name AS holder_name, o.number AS order_number,
		a.display_name AS actor_name, m.at, m.note
		FROM tool_movements m JOIN users a ON a.id = m.actor_id LEFT JOIN users h ON h.id = m.holder_id
		LEFT JOIN work_orders o ON o.id = m.order_id WHERE m.tool_id = $1 ORDER BY m.id DESC`, id)
	if err != nil {
		return Page{}, db.Translate(err, "tool movements")
	}
	if p.Movements, err = pgx.CollectRows(rows, pgx.RowToStructByName[Movement]); err != nil {
		return Page{}, db.Translate(err, "tool movements")
	}
	rows, err = s.pool.Query(ctx, `SELECT id, tool_id, name, content_type, size, created_at FROM tool_certificates WHERE tool_id = $1 ORDER BY id DESC`, id)
	if err != nil {
		return Page{}, db.Translate(err, "tool certificates")
	}
	if p.Certificates, err = pgx.CollectRows(rows, pgx.RowToStructByName[Certificate]); err != nil {
		return Page{}, db.Translate(err, "tool certificates")
	}
	if p.Can.Lend {
		rows, err = s.pool.Query(ctx, `SELECT id, display_name FROM users WHERE station_id = $1 AND role = 'technician' AND active ORDER BY display_name`, t.StationID)
		if err != nil {
			return Page{}, db.Translate(err, "technicians")
		}
		if p.Technicians, err = pgx.CollectRows(rows, pgx.RowToStructByName[Person]); err != nil {
			return Page{}, db.Translate(err, "technicians")
		}
	}
	return p, nil
}

func toolByID(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, id int64, lock bool) (Tool, error) {
	sql := selectTool + ` WHERE t.id = $1`
	if lock {
		sql += ` FOR UPDATE OF t`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return Tool{}, db.Translate(err, "tool")
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Tool])
	if errors.Is(err, pgx.ErrNoRows) {
		return Tool{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return t, db.Translate(err, "tool")
}

func movement(ctx context.Context, tx pgx.Tx, toolID int64, kind string, holder, order *int64, actorID int64, at time.Time, note string, data map[string]any) (int64, error) {
	if data == nil {
		data = map[string]any{}
	}
	raw, _ := json.Marshal(data)
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO tool_movements (tool_id, kind, holder_id, order_id, actor_id, at, note, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, toolID, kind, holder, order, actorID, at, strings.TrimSpace(note), raw).Scan(&id)
	return id, db.Translate(err, "tool movement")
}

// Add puts a tool into the ledger of the actor's station (storekeepers and managers:
// Forbidden otherwise). Invalid with field keys for bad input; Conflict when the number
// is taken. A form sent again returns the tool it added.
func (s *Service) Add(ctx context.Context, actor auth.Actor, in NewTool) (int64, error) {
	if !Manages(actor) {
		return 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if f := in.Valid(); len(f) > 0 {
		return 0, apperr.Fields(f)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, ref, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil {
			return err
		}
		if !fresh {
			id = ref
			return nil
		}
		var cycle *int
		var on, due *time.Time
		if in.Kind == KindInstrument {
			cycle = &in.CalibrationDays
			if !in.CalibratedOn.IsZero() {
				d := NextDue(in.CalibratedOn, in.CalibrationDays)
				on, due = &in.CalibratedOn, &d
			}
		}
		err = tx.QueryRow(ctx, `INSERT INTO tools (station_id, number, name, spec, kind, location, calibration_days, calibrated_on, calibration_due, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (station_id, number) DO NOTHING RETURNING id`,
			actor.StationID, strings.TrimSpace(in.Number), strings.TrimSpace(in.Name), strings.TrimSpace(in.Spec), in.Kind,
			strings.TrimSpace(in.Location), cycle, on, due, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Fields(map[string]string{"number": "tool.field.number_taken"})
		}
		if err != nil {
			return db.Translate(err, "add tool")
		}
		if _, err := movement(ctx, tx, id, "add", nil, nil, actor.UserID, now, "", nil); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	return id, err
}

// change runs one change of tool id in a transaction: the tool locked, the actor's right
// to keep it checked, and a repeated form answered without a second change.
func (s *Service) change(ctx context.Context, actor auth.Actor, id int64, fn func(tx pgx.Tx, t Tool, now time.Time) error) error {
	if !Manages(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		t, err := toolByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !actor.Sees(t.StationID) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return fn(tx, t, now)
	})
}

// Lend lends tool id to a technician of its station, for an order of the station when
// orderNumber is given. Conflict when the tool is not in store or is a measuring
// instrument whose calibration has run out (nothing is written); Invalid for a holder or
// order that does not fit.
func (s *Service) Lend(ctx context.Context, actor auth.Actor, id, holderID int64, orderNumber, note string) error {
	f := limits.Check(map[string]string{}, "order", orderNumber, "note", note)
	if holderID == 0 {
		f["holder"] = "field.required"
	}
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return s.change(ctx, actor, id, func(tx pgx.Tx, t Tool, now time.Time) error {
		if err := Lendable(t.State, t.Kind, t.CalibrationDue, s.today()); err != nil {
			return err
		}
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND station_id = $2 AND role = 'technician' AND active)`,
			holderID, t.StationID).Scan(&ok); err != nil {
			return db.Translate(err, "holder")
		}
		if !ok {
			return apperr.Fields(map[string]string{"holder": "tool.field.holder"})
		}
		var order *int64
		if n := strings.TrimSpace(orderNumber); n != "" {
			var oid int64
			err := tx.QueryRow(ctx, `SELECT id FROM work_orders WHERE number = $1 AND station_id = $2`, n, t.StationID).Scan(&oid)
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.Fields(map[string]string{"order": "tool.field.order"})
			}
			if err != nil {
				return db.Translate(err, "order")
			}
			order = &oid
		}
		if _, err := tx.Exec(ctx, `UPDATE tools SET state = 'lent', holder_id = $2, order_id = $3, version = version + 1 WHERE id = $1`, t.ID, holderID, order); err != nil {
			return db.Translate(err, "lend tool")
		}
		_, err := movement(ctx, tx, t.ID, "lend", &holderID, order, actor.UserID, now, note, nil)
		return err
	})
}

// Return takes a lent tool back into store. Conflict when it is not lent.
func (s *Service) Return(ctx context.Context, actor auth.Actor, id int64, note string) error {
	if f := limits.Check(map[string]string{}, "note", note); len(f) > 0 {
		return apperr.Fields(f)
	}
	return s.change(ctx, actor, id, func(tx pgx.Tx, t Tool, now time.Time) error {
		if t.State != Lent {
			return apperr.New(apperr.Conflict, "tool.error.not_lent")
		}
		if _, err := tx.Exec(ctx, `UPDATE tools SET state = 'store', holder_id = NULL, order_id = NULL, version = version + 1 WHERE id = $1`, t.ID); err != nil {
			return db.Translate(err, "return tool")
		}
		_, err := movement(ctx, tx, t.ID, "return", t.HolderID, t.OrderID, actor.UserID, now, note, nil)
		return err
	})
}

// SendToCalibration sends an instrument in store out for calibration (送检). Conflict
// otherwise.
func (s *Service) SendToCalibration(ctx context.Context, actor auth.Actor, id int64, note string) error {
	if f := limits.Check(map[string]string{}, "note", note); len(f) > 0 {
		return apperr.Fields(f)
	}
	return s.change(ctx, actor, id, func(tx pgx.Tx, t Tool, now time.Time) error {
		if t.State != Store || t.Kind != KindInstrument {
			return apperr.New(apperr.Conflict, "tool.error.not_in_store", "ToolState", t.State)
		}
		if _, err := tx.Exec(ctx, `UPDATE tools SET state = 'calibration', version = version + 1 WHERE id = $1`, t.ID); err != nil {
			return db.Translate(err, "send tool")
		}
		_, err := movement(ctx, tx, t.ID, "send_calibration", nil, nil, actor.UserID, now, note, nil)
		return err
	})
}

// Upload is a certificate file sent with a calibration.
type Upload struct {
	Name string
	Data []byte
}

// Calibrate records an instrument's calibration done on day, with its certificate (a
// PDF or an image, checked by attach.CheckDocument): the instrument is back in store and
// falls due again after its cycle. Invalid for a bad day or certificate; Conflict when
// the tool is not an instrument in store or at calibration.
func (s *Service) Calibrate(ctx context.Context, actor auth.Actor, id int64, day time.Time, cert *Upload, note string) error {
	f := limits.Check(map[string]string{}, "note", note)
	if day.IsZero() {
		f["calibrated_on"] = "field.required"
	} else if day.After(s.today()) {
		f["calibrated_on"] = "tool.field.future"
	}
	var checked attach.Checked
	if cert != nil {
		c, err := attach.CheckDocument(cert.Data)
		if err != nil {
			for k, v := range apperr.As(err).Fields {
				f[k] = v
			}
		}
		checked = c
		limits.Check(f, "file_name", cert.Name)
	}
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return s.change(ctx, actor, id, func(tx pgx.Tx, t Tool, now time.Time) error {
		if t.Kind != KindInstrument || (t.State != Store && t.State != Calibration) || t.CalibrationDays == nil {
			return apperr.New(apperr.Conflict, "tool.error.not_calibratable")
		}
		due := NextDue(day, *t.CalibrationDays)
		if _, err := tx.Exec(ctx, `UPDATE tools SET state = 'store', calibrated_on = $2, calibration_due = $3, version = version + 1 WHERE id = $1`,
			t.ID, day, due); err != nil {
			return db.Translate(err, "calibrate tool")
		}
		mid, err := movement(ctx, tx, t.ID, "calibrate", nil, nil, actor.UserID, now, note,
			map[string]any{"calibrated_on": day.Format(time.DateOnly), "due": due.Format(time.DateOnly)})
		if err != nil {
			return err
		}
		if cert != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO tool_certificates (tool_id, movement_id, name, content_type, size, sha256, data, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, mid, cert.Name, checked.ContentType, len(checked.Data), checked.SHA256, checked.Data, now); err != nil {
				return db.Translate(err, "tool certificate")
			}
		}
		return nil
	})
}

// Retire takes a tool out of use (报废). Conflict when it is lent or already retired.
func (s *Service) Retire(ctx context.Context, actor auth.Actor, id int64, note string) error {
	f := limits.Check(map[string]string{}, "note", note)
	if strings.TrimSpace(note) == "" {
		f["note"] = "field.required"
	}
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return s.change(ctx, actor, id, func(tx pgx.Tx, t Tool, now time.Time) error {
		if t.State != Store && t.State != Calibration {
			return apperr.New(apperr.Conflict, "tool.error.not_in_store", "ToolState", t.State)
		}
		if _, err := tx.Exec(ctx, `UPDATE tools SET state = 'retired', version = version + 1 WHERE id = $1`, t.ID); err != nil {
			return db.Translate(err, "retire tool")
		}
		_, err := movement(ctx, tx, t.ID, "retire", nil, nil, actor.UserID, now, note, nil)
		return err
	})
}

// SetLeadDays sets how many days ahead the actor's station's calibration-due list looks.
// Invalid outside MinLeadDays..MaxLeadDays.
func (s *Service) SetLeadDays(ctx context.Context, actor auth.Actor, days int) error {
	if !Manages(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if days < MinLeadDays || days > MaxLeadDays {
		return apperr.Fields(map[string]string{"lead_days": "tool.field.lead_days"})
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO tool_settings (station_id, calibration_lead_days) VALUES ($1, $2)
		ON CONFLICT (station_id) DO UPDATE SET calibration_lead_days = EXCLUDED.calibration_lead_days`, actor.StationID, days)
	return db.Translate(err, "tool settings")
}

// CertificateFile returns a certificate's description and bytes. NotFound outside the
// actor's stations.
func (s *Service) CertificateFile(ctx context.Context, actor auth.Actor, id int64) (Certificate, []byte, error) {
	if !mayRead(actor) {
		return Certificate{}, nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	var c Certificate
	var data []byte
	var station int64
	err := s.pool.QueryRow(ctx, `SELECT c.id, c.tool_id, c.name, c.content_type, c.size, c.created_at, c.data, t.station_id
		FROM tool_certificates c JOIN tools t ON t.id = c.tool_id WHERE c.id = $1`, id).
		Scan(&c.ID, &c.ToolID, &c.Name, &c.ContentType, &c.Size, &c.CreatedAt, &data, &station)
	if err != nil {
		return Certificate{}, nil, db.Translate(err, "tool certificate")
	}
	if !actor.Sees(station) {
		return Certificate{}, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return c, data, nil
}

// OrderTool is a ledger tool an order's assessment names, and whether the order's
// technician holds it.
type OrderTool struct {
	Tool
	HeldByAssignee bool
}

// OrderTools are the ledger tools of an order, the tools that may be named, and whether
// the actor may change the list.
type OrderTools struct {
	Tools   []OrderTool
	Choices []Tool
	CanSet  bool
}

// orderScope loads the order's station and assignee and checks the actor sees it.
func orderScope(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, actor auth.Actor, orderID int64, lock bool) (station int64, assignee *int64, state string, err error) {
	sql := `SELECT station_id, assignee_id, state FROM work_orders WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	if err := q.QueryRow(ctx, sql, orderID).Scan(&station, &assignee, &state); err != nil {
		return 0, nil, "", db.Translate(err, "order")
	}
	if !workflow.Sees(actor, station, assignee) {
		return 0, nil, "", apperr.New(apperr.NotFound, "error.not_found")
	}
	return station, assignee, state, nil
}

// mayName reports whether the actor names an order's ledger tools: the supervisors and
// managers who assess, while the order is not closed.
func mayName(a auth.Actor, state string) bool {
	return a.Is(auth.RoleSupervisor, auth.RoleManager) && state != string(workflow.Closed) && state != string(workflow.Cancelled)
}

// orderToolsSQL lists the ledger tools order $1 names, toolChoicesSQL the tools of its
// station that may be named, toolsOrderSQL the order's technician and state.
const (
	orderToolsSQL  = selectTool + ` JOIN order_tools ot ON ot.tool_id = t.id WHERE ot.order_id = $1 ORDER BY t.number`
	toolChoicesSQL = selectTool + ` WHERE t.station_id = (SELECT station_id FROM work_orders WHERE id = $1) AND t.state <> 'retired' ORDER BY t.number`
	toolsOrderSQL  = `SELECT assignee_id, state FROM work_orders WHERE id = $1`
)

// toolsOrder is what OrderTools needs of the order: its technician and state.
type toolsOrder struct {
	Assignee *int64 `db:"assignee_id"`
	State    string `db:"state"`
}

// orderTools joins an order's tools with its technician, marks their calibration for
// today and keeps the choices only for those who may change the list.
func (s *Service) orderTools(actor auth.Actor, o toolsOrder, list, choices []Tool) OrderTools {
	out := OrderTools{CanSet: mayName(actor, o.State)}
	today := s.today()
	for _, t := range list {
		s.mark(&t, today, DefaultLeadDays)
		held := o.Assignee != nil && t.HolderID != nil && *t.HolderID == *o.Assignee
		out.Tools = append(out.Tools, OrderTool{Tool: t, HeldByAssignee: held})
	}
	if out.CanSet {
		out.Choices = choices
	}
	return out
}

// ForOrder lists the ledger tools an order names, with whether its technician holds
// each; for those who may change the list, the station's tools to choose from.
// NotFound when the actor does not see the order.
func (s *Service) ForOrder(ctx context.Context, actor auth.Actor, orderID int64) (OrderTools, error) {
	_, assignee, state, err := orderScope(ctx, s.pool, actor, orderID, false)
	if err != nil {
		return OrderTools{}, err
	}
	rows, err := s.pool.Query(ctx, orderToolsSQL, orderID)
	if err != nil {
		return OrderTools{}, db.Translate(err, "order tools")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Tool])
	if err != nil {
		return OrderTools{}, db.Translate(err, "order tools")
	}
	var choices []Tool
	if mayName(actor, state) {
		rows, err := s.pool.Query(ctx, toolChoicesSQL, orderID)
		if err != nil {
			return OrderTools{}, db.Translate(err, "tools")
		}
		if choices, err = pgx.CollectRows(rows, pgx.RowToStructByName[Tool]); err != nil {
			return OrderTools{}, db.Translate(err, "tools")
		}
	}
	return s.orderTools(actor, toolsOrder{Assignee: assignee, State: state}, list, choices), nil
}

// QueueForOrder adds ForOrder's reads to m (the order's page): the order's tools land
// in *dst when m runs. It does not check that the actor sees the order: the page that
// runs m does.
func (s *Service) QueueForOrder(m *db.Merged, actor auth.Actor, orderID int64, dst *OrderTools) {
	id := []any{orderID}
	var (
		o             toolsOrder
		list, choices []Tool
	)
	db.Row(m, toolsOrderSQL, id, &o, nil)
	db.Rows(m, orderToolsSQL, id, &list)
	if mayName(actor, "") {
		// The choices are read for the roles that may name tools; orderTools drops them
		// when the order's state does not allow it.
		db.Rows(m, toolChoicesSQL, id, &choices)
	}
	m.Then(func() error {
		*dst = s.orderTools(actor, o, list, choices)
		return nil
	})
}

// SetOrderTools replaces the ledger tools an order names with ids (tools of the order's
// station). Forbidden for those who do not assess or a closed order; Invalid for a tool
// of another station.
func (s *Service) SetOrderTools(ctx context.Context, actor auth.Actor, orderID int64, ids []int64) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		station, _, state, err := orderScope(ctx, tx, actor, orderID, true)
		if err != nil {
			return err
		}
		if !mayName(actor, state) {
			return apperr.New(apperr.Forbidden, "error.forbidden")
		}
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now())
		if err != nil || !fresh {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM tools WHERE id = ANY($1) AND station_id = $2 AND state <> 'retired'`, ids, station).Scan(&n); err != nil {
			return db.Translate(err, "tools")
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if n != len(ids) {
			return apperr.Fields(map[string]string{"tools": "tool.field.tools"})
		}
		if _, err := tx.Exec(ctx, `DELETE FROM order_tools WHERE order_id = $1`, orderID); err != nil {
			return db.Translate(err, "order tools")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO order_tools (order_id, tool_id) SELECT $1, unnest($2::bigint[])`, orderID, ids); err != nil {
			return db.Translate(err, "order tools")
		}
		// The order's history says which tools were named, as a note (notes do not make a
		// version of the order).
		var note string
		if err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT string_agg(t.number || ' ' || t.name, '、' ORDER BY t.number) FROM tools t WHERE t.id = ANY($1)), '-')`,
			ids).Scan(&note); err != nil {
			return db.Translate(err, "order tools")
		}
		return workorder.NoteTx(ctx, tx, orderID, actor.UserID, s.now(), note, map[string]any{"tools": ids})
	})
}
