package workorder

import "time"

// Order is a work order (工单) as stored.
type Order struct {
	ID          int64  `db:"id"`
	Number      string `db:"number"`
	StationID   int64  `db:"station_id"`
	State       State  `db:"state"`
	Version     int    `db:"version"`
	Channel     string `db:"channel"`
	CustomerID  int64  `db:"customer_id"`
	ContactName string `db:"contact_name"`
	// ContactPhone is shown as typed; ContactE164 is its normalised form.
	ContactPhone string `db:"contact_phone"`
	ContactE164  string `db:"contact_e164"`
	Address      string `db:"address"`
	UnitID       *int64 `db:"unit_id"`
	Symptom      string `db:"symptom"`
	Request      string `db:"request"`
	Urgency      string `db:"urgency"`
	ServiceType  string `db:"service_type"`
	Warranty     string `db:"warranty"`
	RepeatOf     *int64 `db:"repeat_of"`
	Preliminary  string `db:"preliminary"`

	AssessedAt    *time.Time `db:"assessed_at"`
	AssessedBy    *int64     `db:"assessed_by"`
	CauseAnalysis string     `db:"cause_analysis"`
	RepairPlan    string     `db:"repair_plan"`
	ServiceMode   *string    `db:"service_mode"`
	PartsNeeded   string     `db:"parts_needed"`
	ToolsNeeded   string     `db:"tools_needed"`
	LoanerNeeded  bool       `db:"loaner_needed"`
	// Complexity is simple or complex (set at assessment); a complex fault is repaired by
	// AgreedCompletionAt instead of within the repair minutes of arrival.
	Complexity         *string    `db:"complexity"`
	AgreedCompletionAt *time.Time `db:"agreed_completion_at"`
	Guidance           string     `db:"guidance"`

	AssigneeID       *int64     `db:"assignee_id"`
	AssignedAt       *time.Time `db:"assigned_at"`
	FirstContactAt   *time.Time `db:"first_contact_at"`
	AppointmentStart *time.Time `db:"appointment_start"`
	AppointmentEnd   *time.Time `db:"appointment_end"`
	RescheduleCount  int        `db:"reschedule_count"`

	ArrivedAt      *time.Time `db:"arrived_at"`
	MissingParts   string     `db:"missing_parts"`
	UnitInWorkshop bool       `db:"unit_in_workshop"`
	LoanerIssued   bool       `db:"loaner_issued"`

	CompletedAt       *time.Time `db:"completed_at"`
	Diagnosis         string     `db:"diagnosis"`
	FaultCause        string     `db:"fault_cause"`
	ActionsTaken      string     `db:"actions_taken"`
	TestRun           *string    `db:"test_run"`
	UsageGuidance     bool       `db:"usage_guidance"`
	Signed            bool       `db:"signed"`
	NoSignatureReason string     `db:"no_signature_reason"`
	Rating            *int       `db:"rating"`
	// FieldClass is the completed job's classification (one of FieldClasses), picked at
	// completion and correctable by a supervisor; nil for orders completed before it
	// existed and for orders not completed.
	FieldClass *string `db:"field_class"`

	CallbackDueAt    *time.Time `db:"callback_due_at"`
	CallbackAttempts int        `db:"callback_attempts"`
	RevisitCount     int        `db:"revisit_count"`
	FeesState        string     `db:"fees_state"`
	ClosedAt         *time.Time `db:"closed_at"`
	CancelledAt      *time.Time `db:"cancelled_at"`
	CancelReason     string     `db:"cancel_reason"`

	ContactDueAt time.Time  `db:"contact_due_at"`
	ArriveDueAt  time.Time  `db:"arrive_due_at"`
	RepairDueAt  *time.Time `db:"repair_due_at"`

	Search    string    `db:"search"`
	IntakeKey *string   `db:"intake_key"`
	CreatedBy int64     `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`

	// Read-only joins, filled by the queries that show orders.
	CustomerName string `db:"customer_name"`
	AssigneeName string `db:"assignee_name"`
	StationName  string `db:"station_name"`
	UnitLabel    string `db:"unit_label"`
	// Masked says the contact's phone and address are masked for the reader (maskContact).
	Masked bool `db:"-"`
}

// facts are what the state machine's guards need to know about o.
func (o Order) facts(attemptLimit int) Facts {
	f := Facts{
		State:                o.State,
		UnitInWorkshop:       o.UnitInWorkshop,
		FeesSettled:          o.FeesState != "pending",
		CallbackAttempts:     o.CallbackAttempts,
		CallbackAttemptLimit: attemptLimit,
	}
	if o.AssigneeID != nil {
		f.AssigneeID = *o.AssigneeID
	}
	return f
}

// Overdue lists which SLA clocks of o have run out at now: "contact" (no first contact
// yet), "arrive" (not on site yet), "repair" (on site, not done), "callback".
func (o Order) Overdue(now time.Time) []string {
	var out []string
	switch o.State {
	case Received, Assessing, AwaitingDispatch, Dispatched:
		if o.FirstContactAt == nil && now.After(o.ContactDueAt) {
			out = append(out, "contact")
		}
	}
	switch o.State {
	case Received, Assessing, AwaitingDispatch, Dispatched, Scheduled:
		if o.ArrivedAt == nil && now.After(o.ArriveDueAt) {
			out = append(out, "arrive")
		}
	case InProgress:
		if o.RepairDueAt != nil && now.After(*o.RepairDueAt) {
			out = append(out, "repair")
		}
	case AwaitingCallback:
		if o.CallbackDueAt != nil && now.After(*o.CallbackDueAt) {
			out = append(out, "callback")
		}
	}
	return out
}

// Event is one row of an order's timeline (工单日志).
type Event struct {
	ID         int64          `db:"id"`
	OrderID    int64          `db:"order_id"`
	FromState  *State         `db:"from_state"`
	ToState    State          `db:"to_state"`
	Transition string         `db:"transition"`
	ActorID    int64          `db:"actor_id"`
	ActorName  string         `db:"actor_name"`
	Version    int            `db:"version"`
	InputHash  string         `db:"input_hash"`
	At         time.Time      `db:"at"`
	Note       string         `db:"note"`
	Data       map[string]any `db:"data"`
	// message is what the event tells the customer (customerMessage), written with it.
	message *message `db:"-"`
}

// The enumerations of an order's fields, in display order.
var (
	Channels     = []string{"phone", "email", "online", "visit", "qr"}
	Urgencies    = []string{"urgent", "normal"}
	ServiceTypes = []string{"repair", "install", "maintenance", "consult", "notice"}
	ServiceModes = []string{"onsite", "workshop", "remote"}
	TestRuns     = []string{"done", "not_done", "unsure"}
	Warranties   = []string{"in", "out", "repair", "unknown"}
	// FieldClasses are the classes of a completed job's field work, after the service
	// department's yearly breakdown: 安装后改造, 一年内换件, 有偿服务, 外厂免费维修,
	// 用户使用不当, 售后服务.
	FieldClasses = []string{"retrofit", "part_within_year", "paid", "other_make_free", "misuse", "after_sales"}
)
