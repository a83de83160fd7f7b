package workorder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns the work-order workflow: every state change goes through it, in one
// transaction with its event row.
type Service struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	loc   *time.Location
	files attach.Store
}

// NewService returns the work-order service. now is the one clock; loc is the time zone
// of order numbers, working days and warranty dates.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc, files: attach.NewPG(pool)}
}

// Files is where the field reports' photos and signatures are kept.
func (s *Service) Files() attach.Store { return s.files }

func machineActor(a auth.Actor) Actor { return Actor{UserID: a.UserID, Role: a.Role} }

// NewOrder is the input of Create.
type NewOrder struct {
	CustomerID  int64
	UnitID      int64
	Channel     string
	Symptom     string
	Request     string
	Urgency     string
	ServiceType string
	Preliminary string
	// ContactName, ContactPhone and Address default to the customer's.
	ContactName  string
	ContactPhone string
	Address      string
	// IntakeKey is the form's one-time key: submitting it again returns the same order.
	IntakeKey string
	// caller and unit, when set, are the customer and unit as the caller already read
	// them in this transaction (intake, checking its unit rules).
	caller *caller
	unit   *orderUnit
	// keyChecked says the caller found no order of IntakeKey just before (Intake does):
	// the transaction does not look again, and the key's unique index still refuses a
	// second order.
	keyChecked bool
	// AcknowledgedOpen are the unit's open orders this one is logged beside, knowingly;
	// the "create" event records them (Intake fills it in).
	AcknowledgedOpen []int64
}

// Valid checks the input's shape; keys are catalog keys.
func (n NewOrder) Valid() map[string]string {
	f := map[string]string{}
	if n.CustomerID == 0 {
		f["customer_id"] = "workorder.field.customer_required"
	}
	if strings.TrimSpace(n.Symptom) == "" {
		f["symptom"] = "field.required"
	}
	if !oneOf(n.Channel, Channels) {
		f["channel"] = "field.required"
	}
	if !oneOf(n.Urgency, Urgencies) {
		f["urgency"] = "field.required"
	}
	if !oneOf(n.ServiceType, ServiceTypes) {
		f["service_type"] = "field.required"
	}
	if n.ContactPhone != "" {
		if _, ok := customer.NormalizePhone(n.ContactPhone); !ok {
			f["contact_phone"] = "customer.field.phone_invalid"
		}
	}
	return checkLengths(f, "symptom", n.Symptom, "request", n.Request, "preliminary", n.Preliminary,
		"contact_name", n.ContactName, "address", n.Address)
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// Create logs a repair call (已受理). Hotline only (Forbidden). Returns Invalid with field
// keys, NotFound for a customer or unit the actor cannot see. The order gets the next
// number of its station's day, its SLA due times, its warranty status, and a link to the
// earlier order when it is a repeat repair.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in NewOrder) (Order, error) {
	if !actor.Is(auth.RoleHotline) {
		return Order{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline")
	}
	if f := in.Valid(); len(f) > 0 {
		return Order{}, apperr.Fields(f)
	}
	var o Order
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		o, err = s.CreateTx(ctx, tx, actor, in)
		return err
	})
	if err != nil && in.IntakeKey != "" && apperr.CodeOf(err) == apperr.Conflict {
		// A double submit lost the race on the intake key: show the order it made.
		if existing, ferr := s.byIntakeKey(ctx, actor, in.IntakeKey); ferr == nil {
			return existing, nil
		}
	}
	return o, err
}

func (s *Service) byIntakeKey(ctx context.Context, actor auth.Actor, key string) (Order, error) {
	id, err := orderIDByIntakeKey(ctx, s.pool, key)
	if err != nil {
		return Order{}, err
	}
	if id == 0 {
		return Order{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return s.OrderByID(ctx, actor, id)
}

// CreateTx is Create inside the caller's transaction (intake also creates the customer
// and unit in the same one). The caller has checked the role and the input's shape.
func (s *Service) CreateTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, in NewOrder) (Order, error) {
	now := s.now()
	if in.IntakeKey != "" && !in.keyChecked {
		// The same intake form sent again: the order it made.
		if id, err := orderIDByIntakeKey(ctx, tx, in.IntakeKey); err != nil || id != 0 {
			if err != nil {
				return Order{}, err
			}
			o, err := lockOrder(ctx, tx, id)
			if err == nil && !visible(o, actor) {
				return Order{}, apperr.New(apperr.NotFound, "error.not_found")
			}
			return o, err
		}
	}
	var (
		c   caller
		err error
	)
	if in.caller != nil {
		c = *in.caller
	} else if c, err = callerOf(ctx, tx, in.CustomerID); err != nil {
		return Order{}, apperr.Fields(map[string]string{"customer_id": "workorder.field.customer_required"})
	}
	if !actor.Sees(c.station) {
		return Order{}, apperr.Fields(map[string]string{"customer_id": "workorder.field.customer_required"})
	}
	// The order belongs to the customer's station: its settings (read with the customer)
	// set the due times.
	st := c.settings
	phonesRaw, phonesE164, address := c.phonesRaw, c.phonesE164, c.address

	o := Order{
		StationID: c.station, State: Received, Version: 1, Channel: in.Channel, CustomerID: in.CustomerID,
		ContactName: firstNonEmpty(in.ContactName, c.contact, c.name), Symptom: strings.TrimSpace(in.Symptom),
		Request: strings.TrimSpace(in.Request), Urgency: in.Urgency, ServiceType: in.ServiceType, Warranty: "unknown",
		Preliminary: strings.TrimSpace(in.Preliminary), FeesState: "none", CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now,
		CustomerName: c.name,
	}
	if in.ContactPhone != "" {
		o.ContactPhone = customer.FoldPhone(in.ContactPhone)
		o.ContactE164, _ = customer.NormalizePhone(in.ContactPhone)
	} else if len(phonesRaw) > 0 {
		o.ContactPhone, o.ContactE164 = phonesRaw[0], phonesE164[0]
	}
	var serial string
	if in.UnitID != 0 {
		var u orderUnit
		if in.unit != nil && in.unit.ID == in.UnitID {
			u = *in.unit
		} else if u, err = unitOf(ctx, tx, in.UnitID, in.CustomerID, false); err != nil {
			return Order{}, apperr.Fields(map[string]string{"unit_id": "workorder.field.unit_not_customers"})
		}
		lastRepair, repairedAt := u.lastRepair, u.repairedAt
		o.UnitID, serial = &u.ID, u.Serial
		if in, known := u.InWarranty(now, s.loc); known && in {
			o.Warranty = "in"
		} else if known {
			o.Warranty = "out"
		}
		if address == "" || u.InstallAddress != "" {
			address = firstNonEmpty(u.InstallAddress, address)
		}
		// A repair call on a unit repaired within the repair-warranty period is a repeat
		// repair (返修).
		if o.ServiceType == "repair" && lastRepair != 0 && !repairedAt.Before(now.AddDate(0, 0, -st.RepairWarrantyDays)) {
			o.RepeatOf, o.Warranty = &lastRepair, "repair"
		}
	}
	o.Address = firstNonEmpty(strings.TrimSpace(in.Address), address)
	o.ContactDueAt, o.ArriveDueAt = ContactArriveDue(st, s.loc, o.Urgency, now)
	if in.IntakeKey != "" {
		o.IntakeKey = &in.IntakeKey
	}
	local := now.In(s.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	n, code, err := nextNumber(ctx, tx, o.StationID, day)
	if err != nil {
		return Order{}, err
	}
	o.Number = OrderNumber(code, local, n)
	o.Search = SearchText(o.Number, c.name, o.ContactName, append(phonesRaw, o.ContactPhone), append(phonesE164, o.ContactE164), serial)
	data := map[string]any{"number": o.Number, "urgency": o.Urgency, "warranty": o.Warranty}
	if o.RepeatOf != nil {
		data["repeat_of"] = *o.RepeatOf
	}
	if len(in.AcknowledgedOpen) > 0 && o.UnitID != nil {
		data["acknowledged_open"] = in.AcknowledgedOpen
	}
	err = insertOrder(ctx, tx, &o, Event{ToState: Received, Transition: "create", ActorID: actor.UserID, Version: 1, At: now, Data: data,
		message: customerMessage("create", &o, s.loc)})
	return o, err
}

// SearchText is what the list's search box matches: number, names, phones as typed and
// as digits, serial.
func SearchText(number, customerName, contactName string, raw, e164 []string, serial string) string {
	parts := []string{number, customerName, contactName, serial}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	for _, p := range raw {
		parts = append(parts, digits(p))
	}
	for _, p := range e164 {
		parts = append(parts, digits(p))
	}
	return strings.Join(parts, " ")
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// change is what one transition does to the order once the machine has allowed it:
// it validates its input (returning field errors) and sets the step's fields.
type change func(tx pgx.Tx, o *Order, st Settings, now time.Time) (note string, data map[string]any, err error)

// transition runs one state change in one transaction: load the order FOR UPDATE, check
// the actor sees it, compare the version the user saw, ask the machine, validate and apply
// the change, write the row and its event, NOTIFY. A retried form (the same transition by
// the same user on the version it already moved) returns the order without a second event.
func (s *Service) transition(ctx context.Context, actor auth.Actor, id int64, version int, t Transition, input any, apply change) (Order, error) {
	return s.run(ctx, actor, id, version, string(t), input, func(_ pgx.Tx, o *Order, st Settings) (State, error) {
		return Next(o.facts(st.CallbackAttemptLimit), t, machineActor(actor))
	}, apply)
}

// decide returns the state a change leads to, or why it is refused.
type decide func(tx pgx.Tx, o *Order, st Settings) (State, error)

// run is the one write path of an order: lock, visibility, version (a retried form is
// recognised and answered with the order as it is), decide, apply, row, event, NOTIFY.
func (s *Service) run(ctx context.Context, actor auth.Actor, id int64, version int, name string, input any, to decide, apply change) (Order, error) {
	var o Order
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) (err error) {
		o, err = s.step(ctx, tx, actor, id, version, name, input, to, apply)
		return err
	})
	if errors.Is(err, errReplay) {
		// A retried form: the order as it is now.
		return s.OrderByID(ctx, actor, id)
	}
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

// runTx is run inside the caller's transaction tx.
func (s *Service) runTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64, version int, name string, input any, to decide, apply change) error {
	_, err := s.step(ctx, tx, actor, id, version, name, input, to, apply)
	return err
}

// step is runTx returning the order as the change left it (the joined names as the
// order was locked; the steps that change the technician set their name).
func (s *Service) step(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64, version int, name string, input any, to decide, apply change) (Order, error) {
	hash := fingerprint(input)
	o, err := lockOrder(ctx, tx, id)
	if err != nil {
		return Order{}, err
	}
	if !visible(o, actor) {
		return Order{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	if version != o.Version {
		m, err := lastChange(ctx, tx, o.ID, version+1)
		if err == nil && m.Transition == name && m.ActorID == actor.UserID && m.InputHash == hash {
			return Order{}, errReplay
		}
		if m, err = lastChange(ctx, tx, o.ID, o.Version); err != nil {
			return Order{}, db.Translate(err, "last change")
		}
		return Order{}, apperr.New(apperr.Conflict, "error.stale", "Name", m.Name, "At", m.At.In(s.loc).Format("2006-01-02 15:04"),
			"Transition", m.Transition, "State", string(o.State))
	}
	st, err := loadSettings(ctx, tx, o.StationID)
	if err != nil {
		return Order{}, err
	}
	next, err := to(tx, &o, st)
	if err != nil {
		return Order{}, err
	}
	now := s.now()
	from, prevAssignee := o.State, o.AssigneeID
	note, data, err := apply(tx, &o, st, now)
	if err != nil {
		return Order{}, err
	}
	o.State, o.Version, o.UpdatedAt = next, o.Version+1, now
	// The row, its event, the customer's message and the NOTIFY in one statement.
	err = writeStep(ctx, tx, &o, Event{OrderID: o.ID, FromState: &from, ToState: next, Transition: name, ActorID: actor.UserID,
		Version: o.Version, InputHash: hash, At: now, Note: note, Data: data, message: customerMessage(name, &o, s.loc)}, prevAssignee)
	return o, err
}

var errReplay = errors.New("replayed form")

// fingerprint identifies a transition's input, so that only the very same form sent
// again counts as a retry; another input on a stale version is a conflict.
func fingerprint(input any) string {
	b, _ := json.Marshal(input)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// required returns a field error map for the empty values among name → value pairs.
func required(kv ...string) map[string]string {
	f := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.TrimSpace(kv[i+1]) == "" {
			f[kv[i]] = "field.required"
		}
	}
	return f
}

func invalid(f map[string]string) error {
	if len(f) > 0 {
		return apperr.Fields(f)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// ResolveByPhone records phone guidance (hotline) and schedules the callback 2 hours
// later (configurable). Required: guidance.
func (s *Service) ResolveByPhone(ctx context.Context, actor auth.Actor, id int64, version int, guidance string) (Order, error) {
	return s.transition(ctx, actor, id, version, ResolveByPhone, guidance, func(tx pgx.Tx, o *Order, st Settings, now time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(required("guidance", guidance), "guidance", guidance)); err != nil {
			return "", nil, err
		}
		o.Guidance = strings.TrimSpace(guidance)
		o.FirstContactAt = ptr(now)
		o.CallbackDueAt = ptr(CallbackDue(st, s.loc, CallbackAfterGuidance, now))
		return o.Guidance, map[string]any{"callback_due_at": *o.CallbackDueAt}, nil
	})
}

// Forward sends the order to technical assessment (hotline).
func (s *Service) Forward(ctx context.Context, actor auth.Actor, id int64, version int, note string) (Order, error) {
	return s.transition(ctx, actor, id, version, Forward, note, func(tx pgx.Tx, o *Order, _ Settings, _ time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(map[string]string{}, "note", note)); err != nil {
			return "", nil, err
		}
		return strings.TrimSpace(note), nil, nil
	})
}

// Assessment is the input of Assess.
type Assessment struct {
	CauseAnalysis string
	RepairPlan    string
	ServiceMode   string
	// Complexity is simple or complex; a complex fault needs the completion time agreed
	// with the customer, which replaces the repair clock.
	Complexity         string
	AgreedCompletionAt time.Time
	PartsNeeded        string
	ToolsNeeded        string
	LoanerNeeded       bool
	Note               string
}

// Complexities are the assessment's answers to "is the fault simple".
var Complexities = []string{"simple", "complex"}

// Assess records the technical assessment (supervisor) and sends the order to dispatch.
// Required: cause analysis, repair plan, service mode (onsite or workshop; a remote fix is
// ResolveRemotely).
func (s *Service) Assess(ctx context.Context, actor auth.Actor, id int64, version int, a Assessment) (Order, error) {
	return s.transition(ctx, actor, id, version, Assess, a, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		f := required("cause_analysis", a.CauseAnalysis, "repair_plan", a.RepairPlan)
		checkLengths(f, "cause_analysis", a.CauseAnalysis, "repair_plan", a.RepairPlan, "parts_needed", a.PartsNeeded,
			"tools_needed", a.ToolsNeeded, "note", a.Note)
		if a.ServiceMode != "onsite" && a.ServiceMode != "workshop" {
			f["service_mode"] = "workorder.field.service_mode_dispatch"
		}
		switch a.Complexity {
		case "simple":
		case "complex":
			if a.AgreedCompletionAt.IsZero() {
				f["agreed_completion_at"] = "workorder.field.agreed_completion_required"
			} else if !a.AgreedCompletionAt.After(now) {
				f["agreed_completion_at"] = "workorder.field.agreed_completion_past"
			}
		default:
			f["complexity"] = "field.required"
		}
		if err := invalid(f); err != nil {
			return "", nil, err
		}
		o.CauseAnalysis, o.RepairPlan = strings.TrimSpace(a.CauseAnalysis), strings.TrimSpace(a.RepairPlan)
		o.ServiceMode, o.Complexity, o.AgreedCompletionAt = ptr(a.ServiceMode), ptr(a.Complexity), nil
		if a.Complexity == "complex" {
			o.AgreedCompletionAt = ptr(a.AgreedCompletionAt)
		}
		o.PartsNeeded, o.ToolsNeeded, o.LoanerNeeded = strings.TrimSpace(a.PartsNeeded), strings.TrimSpace(a.ToolsNeeded), a.LoanerNeeded
		o.AssessedAt, o.AssessedBy = ptr(now), ptr(actor.UserID)
		data := map[string]any{"service_mode": a.ServiceMode, "complexity": a.Complexity}
		if o.AgreedCompletionAt != nil {
			data["agreed_completion_at"] = *o.AgreedCompletionAt
		}
		return strings.TrimSpace(a.Note), data, nil
	})
}

// ResolveRemotely records remote guidance after assessment (supervisor) and schedules the
// callback like phone guidance. Required: cause analysis, guidance.
func (s *Service) ResolveRemotely(ctx context.Context, actor auth.Actor, id int64, version int, causeAnalysis, guidance string) (Order, error) {
	return s.transition(ctx, actor, id, version, ResolveRemotely, []any{causeAnalysis, guidance}, func(tx pgx.Tx, o *Order, st Settings, now time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(required("cause_analysis", causeAnalysis, "guidance", guidance),
			"cause_analysis", causeAnalysis, "guidance", guidance)); err != nil {
			return "", nil, err
		}
		o.CauseAnalysis, o.Guidance = strings.TrimSpace(causeAnalysis), strings.TrimSpace(guidance)
		o.ServiceMode = ptr("remote")
		o.AssessedAt, o.AssessedBy = ptr(now), ptr(actor.UserID)
		o.FirstContactAt = firstTime(o.FirstContactAt, now)
		o.CallbackDueAt = ptr(CallbackDue(st, s.loc, CallbackAfterGuidance, now))
		return o.Guidance, map[string]any{"callback_due_at": *o.CallbackDueAt}, nil
	})
}

func firstTime(t *time.Time, now time.Time) *time.Time {
	if t != nil {
		return t
	}
	return ptr(now)
}

// checkTechnician verifies that userID is an active technician of the order's station.
func (s *Service) checkTechnician(ctx context.Context, tx pgx.Tx, o *Order, userID int64) (string, error) {
	var name string
	err := tx.QueryRow(ctx, `SELECT display_name FROM users WHERE id = $1 AND role = 'technician' AND active AND station_id = $2`,
		userID, o.StationID).Scan(&name)
	if err != nil {
		return "", apperr.Fields(map[string]string{"technician_id": "workorder.field.technician_invalid"})
	}
	return name, nil
}

// Assign gives the order to a technician of its station (supervisor).
func (s *Service) Assign(ctx context.Context, actor auth.Actor, id int64, version int, technicianID int64, note string) (Order, error) {
	return s.transition(ctx, actor, id, version, Assign, []any{technicianID, note}, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(map[string]string{}, "note", note)); err != nil {
			return "", nil, err
		}
		name, err := s.checkTechnician(ctx, tx, o, technicianID)
		if err != nil {
			return "", nil, err
		}
		o.AssigneeID, o.AssignedAt, o.AssigneeName = ptr(technicianID), ptr(now), name
		return strings.TrimSpace(note), map[string]any{"technician_id": technicianID, "technician": name}, nil
	})
}

// Reassign gives the order to another technician (supervisor). Required: a different
// technician of the station, a reason. An appointment made by the previous technician
// is dropped: the new one agrees their own.
func (s *Service) Reassign(ctx context.Context, actor auth.Actor, id int64, version int, technicianID int64, reason string) (Order, error) {
	return s.transition(ctx, actor, id, version, Reassign, []any{technicianID, reason}, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		f := checkLengths(required("reason", reason), "reason", reason)
		name, err := s.checkTechnician(ctx, tx, o, technicianID)
		if err != nil {
			f["technician_id"] = "workorder.field.technician_invalid"
		} else if o.AssigneeID != nil && *o.AssigneeID == technicianID {
			f["technician_id"] = "workorder.field.technician_same"
		}
		if err := invalid(f); err != nil {
			return "", nil, err
		}
		var from int64
		if o.AssigneeID != nil {
			from = *o.AssigneeID
		}
		o.AssigneeID, o.AssignedAt, o.AssigneeName = ptr(technicianID), ptr(now), name
		o.AppointmentStart, o.AppointmentEnd = nil, nil
		return strings.TrimSpace(reason), map[string]any{"from_technician_id": from, "technician_id": technicianID, "technician": name}, nil
	})
}

// checkWindow validates an appointment window.
func checkWindow(start, end time.Time, now time.Time) map[string]string {
	f := map[string]string{}
	if start.IsZero() {
		f["appointment_start"] = "field.required"
	} else if start.Before(now.Add(-15 * time.Minute)) {
		f["appointment_start"] = "workorder.field.appointment_past"
	}
	if !end.IsZero() && !start.IsZero() && !end.After(start) {
		f["appointment_end"] = "workorder.field.appointment_end"
	}
	return f
}

func window(start, end time.Time) (*time.Time, *time.Time) {
	if end.IsZero() {
		return ptr(start), nil
	}
	return ptr(start), ptr(end)
}

// MakeAppointment records the agreed visit window and the first customer contact
// (the assigned technician, or a supervisor).
func (s *Service) MakeAppointment(ctx context.Context, actor auth.Actor, id int64, version int, start, end time.Time, note string) (Order, error) {
	return s.transition(ctx, actor, id, version, MakeAppointment, []any{start, end, note}, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(checkWindow(start, end, now), "note", note)); err != nil {
			return "", nil, err
		}
		o.AppointmentStart, o.AppointmentEnd = window(start, end)
		o.FirstContactAt = firstTime(o.FirstContactAt, now)
		return strings.TrimSpace(note), map[string]any{"start": start, "end": end}, nil
	})
}

// Reschedule moves the appointment (the assigned technician). Required: new window, reason.
func (s *Service) Reschedule(ctx context.Context, actor auth.Actor, id int64, version int, start, end time.Time, reason string) (Order, error) {
	return s.transition(ctx, actor, id, version, Reschedule, []any{start, end, reason}, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		f := checkWindow(start, end, now)
		for k, v := range required("reason", reason) {
			f[k] = v
		}
		checkLengths(f, "reason", reason)
		if err := invalid(f); err != nil {
			return "", nil, err
		}
		old := o.AppointmentStart
		o.AppointmentStart, o.AppointmentEnd = window(start, end)
		o.RescheduleCount++
		return strings.TrimSpace(reason), map[string]any{"from": old, "start": start, "end": end}, nil
	})
}

// CheckIn records the technician's arrival on site, stamped by the server's clock, and
// starts the repair clock.
func (s *Service) CheckIn(ctx context.Context, actor auth.Actor, id int64, version int) (Order, error) {
	return s.transition(ctx, actor, id, version, CheckIn, nil, func(tx pgx.Tx, o *Order, st Settings, now time.Time) (string, map[string]any, error) {
		if o.ArrivedAt == nil {
			o.ArrivedAt = ptr(now)
			o.RepairDueAt = RepairDue(st, o.Complexity, o.AgreedCompletionAt, now)
		}
		o.FirstContactAt = firstTime(o.FirstContactAt, now)
		return "", map[string]any{"arrived_at": now}, nil
	})
}

// AwaitParts records which parts are missing (the assigned technician). Required: parts.
func (s *Service) AwaitParts(ctx context.Context, actor auth.Actor, id int64, version int, missing string) (Order, error) {
	return s.transition(ctx, actor, id, version, AwaitParts, missing, func(tx pgx.Tx, o *Order, _ Settings, _ time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(required("missing_parts", missing), "missing_parts", missing)); err != nil {
			return "", nil, err
		}
		o.MissingParts = strings.TrimSpace(missing)
		return o.MissingParts, nil, nil
	})
}

// PartsArrived ends the wait for parts (the assigned technician or a supervisor): back to
// the workshop when the unit is there, else a new appointment (required then).
func (s *Service) PartsArrived(ctx context.Context, actor auth.Actor, id int64, version int, start, end time.Time, note string) (Order, error) {
	return s.transition(ctx, actor, id, version, PartsArrived, []any{start, end, note}, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(map[string]string{}, "note", note)); err != nil {
			return "", nil, err
		}
		if !o.UnitInWorkshop {
			if err := invalid(checkWindow(start, end, now)); err != nil {
				return "", nil, err
			}
			o.AppointmentStart, o.AppointmentEnd = window(start, end)
		}
		return strings.TrimSpace(note), map[string]any{"missing_parts": o.MissingParts}, nil
	})
}

// TakeToWorkshop records that the unit went back to the workshop (the assigned
// technician), with or without a loaner.
func (s *Service) TakeToWorkshop(ctx context.Context, actor auth.Actor, id int64, version int, loanerIssued bool, note string) (Order, error) {
	return s.transition(ctx, actor, id, version, TakeToWorkshop, []any{loanerIssued, note}, func(tx pgx.Tx, o *Order, _ Settings, _ time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(map[string]string{}, "note", note)); err != nil {
			return "", nil, err
		}
		o.UnitInWorkshop, o.LoanerIssued = true, loanerIssued
		return strings.TrimSpace(note), map[string]any{"loaner_issued": loanerIssued}, nil
	})
}

// RecordCallbackAttempt records a callback that did not reach the customer (hotline):
// outcome no_answer or refused. The order stays awaiting callback; after the configured
// number of attempts a supervisor may close it as unreachable.
func (s *Service) RecordCallbackAttempt(ctx context.Context, actor auth.Actor, id int64, version int, outcome, note string) (Order, error) {
	note = strings.TrimSpace(note)
	return s.transition(ctx, actor, id, version, CallbackAttempt, []string{outcome, note}, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		f := checkLengths(map[string]string{}, "note", note)
		if outcome != "no_answer" && outcome != "refused" {
			f["outcome"] = "field.required"
		}
		if err := invalid(f); err != nil {
			return "", nil, err
		}
		if err := insertCallbackAttempt(ctx, tx, o.ID, outcome, note, actor.UserID, now); err != nil {
			return "", nil, err
		}
		o.CallbackAttempts++
		return note, map[string]any{"outcome": outcome, "attempt": o.CallbackAttempts}, nil
	})
}

// CloseUnreachable closes an order whose customer could not be reached after the
// configured number of callback attempts (supervisor). Fees still owed are not dropped:
// they stay on the order as a receivable (应收款) until settled or written off.
func (s *Service) CloseUnreachable(ctx context.Context, actor auth.Actor, id int64, version int, note string) (Order, error) {
	return s.transition(ctx, actor, id, version, CloseUnreachable, note, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		if err := invalid(checkLengths(map[string]string{}, "note", note)); err != nil {
			return "", nil, err
		}
		o.ClosedAt = ptr(now)
		data := map[string]any{"attempts": o.CallbackAttempts}
		if o.FeesState == "pending" {
			due, err := fee.OwedFen(ctx, tx, o.ID)
			if err != nil {
				return "", nil, err
			}
			o.FeesState = "receivable"
			data["receivable_fen"] = due
		}
		return strings.TrimSpace(note), data, nil
	})
}

// RemedialCallback puts a completed order back on the callback queue, due now (补救回访,
// manager): the daily reconciliation doubts its report. An order closed already is
// reopened for the call; the failed attempts start again from zero.
func (s *Service) RemedialCallback(ctx context.Context, actor auth.Actor, id int64, version int, note string) (Order, error) {
	return s.transition(ctx, actor, id, version, RemedialCallback, note, s.remedial(note))
}

// RemedialCallbackTx is RemedialCallback inside the caller's transaction tx, on the
// order as it now stands: the caller's own lock and checks stand for the version.
func (s *Service) RemedialCallbackTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64, note string) error {
	var version int
	if err := tx.QueryRow(ctx, `SELECT version FROM work_orders WHERE id = $1 FOR UPDATE`, id).Scan(&version); err != nil {
		return db.Translate(err, "order")
	}
	err := s.runTx(ctx, tx, actor, id, version, string(RemedialCallback), note, func(_ pgx.Tx, o *Order, st Settings) (State, error) {
		return Next(o.facts(st.CallbackAttemptLimit), RemedialCallback, machineActor(actor))
	}, s.remedial(note))
	if errors.Is(err, errReplay) {
		return nil
	}
	return err
}

// remedial sets the fields of a remedial callback.
func (s *Service) remedial(note string) change {
	return func(_ pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		note = strings.TrimSpace(note)
		if err := invalid(checkLengths(map[string]string{}, "note", note)); err != nil {
			return "", nil, err
		}
		o.CallbackDueAt, o.ClosedAt, o.CallbackAttempts = ptr(now), nil, 0
		return note, map[string]any{"callback_due_at": now}, nil
	}
}

// Cancel withdraws the order (hotline or supervisor). Required: reason.
func (s *Service) Cancel(ctx context.Context, actor auth.Actor, id int64, version int, reason string) (Order, error) {
	return s.transition(ctx, actor, id, version, Cancel, reason, func(tx pgx.Tx, o *Order, _ Settings, now time.Time) (string, map[string]any, error) {
		reason = strings.TrimSpace(reason)
		if err := invalid(checkLengths(required("reason", reason), "reason", reason)); err != nil {
			return "", nil, err
		}
		o.CancelReason, o.CancelledAt = reason, ptr(now)
		return reason, nil, nil
	})
}

// OrderByID returns an order the actor may see (NotFound otherwise: a technician gets
// NotFound for another technician's order, whatever the id).
func (s *Service) OrderByID(ctx context.Context, actor auth.Actor, id int64) (Order, error) {
	o, err := orderByID(ctx, s.pool, id)
	if err != nil {
		return Order{}, err
	}
	if !visible(o, actor) {
		return Order{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return o, nil
}

// Timeline returns the order's events, oldest first, with the actors' names.
func (s *Service) Timeline(ctx context.Context, actor auth.Actor, id int64) ([]Event, error) {
	if _, err := s.OrderByID(ctx, actor, id); err != nil {
		return nil, err
	}
	return timeline(ctx, s.pool, id)
}

// Allowed lists the transitions the actor may take on o now: the buttons a page shows.
func (s *Service) Allowed(ctx context.Context, o Order, actor auth.Actor) ([]Transition, error) {
	if !visible(o, actor) {
		return nil, nil
	}
	st, err := s.Settings(ctx, o.StationID)
	if err != nil {
		return nil, err
	}
	return Allowed(o.facts(st.CallbackAttemptLimit), machineActor(actor)), nil
}

// List returns one page of the orders the actor sees, newest first. Technicians see
// only their own.
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter) (Page, error) {
	if f.StationID != 0 {
		if !actor.Sees(f.StationID) {
			return Page{}, apperr.New(apperr.NotFound, "error.not_found")
		}
		actor.Stations = []int64{f.StationID}
	}
	return listOrders(ctx, s.pool, actor, f, s.now())
}

// ExportMax is the most orders one export writes.
const ExportMax = 200_000

// ExportOrders streams every order of the list's filter f that the actor sees (scoped
// as List; f.After is ignored: the export starts at the newest), newest first, to each
// as it is read: the rows are not collected. At most f.Limit orders are read (ExportMax
// when 0 or more); more reports that there were more. The office roles that open the
// order list may export it (Forbidden for others). The query ends with ctx (the client
// gone) or with each's error, which it returns.
func (s *Service) ExportOrders(ctx context.Context, actor auth.Actor, f Filter, each func(Order) error) (more bool, err error) {
	if !actor.Is(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager) {
		return false, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	if f.StationID != 0 {
		if !actor.Sees(f.StationID) {
			return false, apperr.New(apperr.NotFound, "error.not_found")
		}
		actor.Stations = []int64{f.StationID}
	}
	limit := f.Limit
	if limit <= 0 || limit > ExportMax {
		limit = ExportMax
	}
	f.After = ""
	return exportOrders(ctx, s.pool, actor, f, s.now(), limit, each)
}

// OpenOrdersOfUnit lists a unit's orders that are not closed or cancelled: intake warns
// about them, since the caller may be chasing one.
func (s *Service) OpenOrdersOfUnit(ctx context.Context, actor auth.Actor, unitID int64) ([]Order, error) {
	return s.ordersWhere(ctx, actor, "o.unit_id = $1 AND "+workflow.OpenSQL("o"), unitID, 20)
}

// ordersWhere lists the orders of ordersWhereSQL.
func (s *Service) ordersWhere(ctx context.Context, actor auth.Actor, cond string, arg any, limit int) ([]Order, error) {
	sql, args := ordersWhereSQL(actor, cond, arg, limit)
	return collectOrders(s.pool.Query(ctx, sql, args...))
}

// ordersWhereSQL is the query of the orders for which cond holds ($1 is arg) that the
// actor sees, newest first, at most limit (100 when out of 1–500), with its arguments.
func ordersWhereSQL(actor auth.Actor, cond string, arg any, limit int) (string, []any) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	args := []any{arg}
	scope := workflow.Scope(actor, "o", db.Args(&args))
	return selectOrder + " WHERE " + cond + " AND " + scope + " ORDER BY o.created_at DESC, o.id DESC LIMIT " + db.Args(&args)(limit), args
}

// MaintenanceOrderTx logs, inside tx, the maintenance order the maintenance job makes
// for a customer's unit (a normal-urgency 保养 order with the checklist as its request),
// through CreateTx so every rule of a new order holds, and returns its id.
func (s *Service) MaintenanceOrderTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, customerID, unitID int64, symptom, request string) (int64, error) {
	in := NewOrder{CustomerID: customerID, UnitID: unitID, Channel: "phone", Urgency: "normal", ServiceType: "maintenance",
		Symptom: symptom, Request: request}
	if f := in.Valid(); len(f) > 0 {
		return 0, apperr.Fields(f)
	}
	o, err := s.CreateTx(ctx, tx, actor, in)
	return o.ID, err
}
