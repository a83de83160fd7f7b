package online

import (
	"context"
	"errors"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
)

// Step is one line of the progress page, in plain words (catalog key online.step.<Key>).
type Step struct {
	Key  string
	Done bool
	At   *time.Time
	// Until ends the appointment's time window.
	Until *time.Time
	// Name is the technician's name (the assignment step only).
	Name string
}

// Progress is the progress page (服务进度): the order's steps with their times, and the
// survey when the work is done. No phone number, address or note of anyone's.
type Progress struct {
	Token        string
	OrderID      int64
	Number       string
	Version      int
	State        workflow.State
	Model        string
	Serial       string
	StationName  string
	ServicePhone string
	Steps        []Step
	// CanSurvey says the customer may answer the satisfaction survey now: the work is done
	// and the order waits for its callback.
	CanSurvey bool
	// Surveyed says a survey was answered online for this order.
	Surveyed bool
}

type progressRow struct {
	ID               int64          `db:"id"`
	Number           string         `db:"number"`
	Version          int            `db:"version"`
	State            workflow.State `db:"state"`
	CreatedAt        time.Time      `db:"created_at"`
	AssignedAt       *time.Time     `db:"assigned_at"`
	AssigneeName     string         `db:"assignee_name"`
	AppointmentStart *time.Time     `db:"appointment_start"`
	AppointmentEnd   *time.Time     `db:"appointment_end"`
	ArrivedAt        *time.Time     `db:"arrived_at"`
	CompletedAt      *time.Time     `db:"completed_at"`
	ClosedAt         *time.Time     `db:"closed_at"`
	CancelledAt      *time.Time     `db:"cancelled_at"`
	Model            string         `db:"model"`
	Serial           string         `db:"serial"`
	StationName      string         `db:"station_name"`
	ServicePhone     string         `db:"service_phone"`
	Surveyed         bool           `db:"surveyed"`
}

// Progress reads the order of a progress link: NotFound (online.link_bad,
// online.link_expired) when the link does not work.
func (s *Service) Progress(ctx context.Context, token string) (Progress, error) {
	id, err := s.progressOrder(ctx, token)
	if err != nil {
		return Progress{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT o.id, o.number, o.version, o.state, o.created_at, o.assigned_at, coalesce(a.display_name, '') AS assignee_name,
		o.appointment_start, o.appointment_end, o.arrived_at, o.completed_at, o.closed_at, o.cancelled_at,
		coalesce(un.model, '') AS model, coalesce(un.serial, '') AS serial, s.name AS station_name, s.service_phone,
		EXISTS (SELECT 1 FROM callback_attempts c WHERE c.order_id = o.id AND c.channel = 'online') AS surveyed
		FROM work_orders o JOIN stations s ON s.id = o.station_id LEFT JOIN users a ON a.id = o.assignee_id
		LEFT JOIN units un ON un.id = o.unit_id WHERE o.id = $1`, id)
	if err != nil {
		return Progress{}, db.Translate(err, "progress")
	}
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[progressRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return Progress{}, linkError(linkBadKey, "")
	} else if err != nil {
		return Progress{}, db.Translate(err, "progress")
	}
	p := Progress{Token: token, OrderID: r.ID, Number: r.Number, Version: r.Version, State: r.State, Model: r.Model, Serial: r.Serial,
		StationName: r.StationName, ServicePhone: r.ServicePhone, Surveyed: r.Surveyed,
		CanSurvey: r.State == workflow.AwaitingCallback}
	p.Steps = Steps(r.State, r.CreatedAt, r.AssignedAt, r.AssigneeName, r.AppointmentStart, r.AppointmentEnd, r.ArrivedAt, r.CompletedAt, r.ClosedAt, r.CancelledAt)
	return p, nil
}

// Steps are the progress page's lines for an order in state: received, technician
// assigned (name only), appointment, on site, completed, waiting for the callback,
// closed — or cancelled. A step is done when its time is known (or, for waiting for the
// callback, once the order got there).
func Steps(state workflow.State, created time.Time, assigned *time.Time, name string, apStart, apEnd, arrived, completed, closed, cancelled *time.Time) []Step {
	steps := []Step{
		{Key: "received", Done: true, At: &created},
		{Key: "assigned", Done: assigned != nil, At: assigned, Name: name},
		{Key: "appointment", Done: apStart != nil, At: apStart, Until: apEnd},
		{Key: "on_site", Done: arrived != nil, At: arrived},
		{Key: "completed", Done: completed != nil, At: completed},
		{Key: "callback", Done: state == workflow.AwaitingCallback || state == workflow.Closed},
		{Key: "closed", Done: closed != nil, At: closed},
	}
	if state == workflow.Cancelled {
		steps = append(steps[:1], Step{Key: "cancelled", Done: true, At: cancelled})
	}
	return steps
}

func (s *Service) progressOrder(ctx context.Context, token string) (int64, error) {
	sg, err := s.Signer(ctx)
	if err != nil {
		return 0, err
	}
	if id, ok := sg.ParseProgress(token, s.now()); ok {
		return id, nil
	}
	if _, _, ok := sg.open(kindProgress, token); ok {
		return 0, linkError(linkExpiredKey, "")
	}
	return 0, linkError(linkBadKey, "")
}

// Survey is the satisfaction survey answered on the progress page.
type Survey struct {
	// The same scales as the callback (1 = 非常不满意 … 5 = 非常满意).
	Attitude, Timeliness, Quality, Overall int
	Satisfied                              bool
	Comments, Reason                       string
}

// Survey records the customer's own answers as a reached callback with channel 在线,
// through the same step as the hotline's call: satisfied closes the order (when its fees
// are settled), unsatisfied sends it back for a revisit. version is the order's version
// the page showed; the same answers sent twice count once. NotFound for a link that does
// not work; Invalid with field keys; IllegalTransition when the order no longer waits
// for its callback (online.survey_closed after another change) or its fees are not
// settled (online.survey_later: the hotline calls instead).
func (s *Service) Survey(ctx context.Context, token string, version int, in Survey) error {
	if f := Limits.Check(map[string]string{}, "comments", in.Comments, "reason", in.Reason); len(f) > 0 {
		return apperr.Fields(f)
	}
	id, err := s.progressOrder(ctx, token)
	if err != nil {
		return err
	}
	var station int64
	if err := s.pool.QueryRow(ctx, `SELECT station_id FROM work_orders WHERE id = $1`, id).Scan(&station); err != nil {
		return db.Translate(err, "survey order")
	}
	actor, err := s.customerActor(ctx, station)
	if err != nil {
		return err
	}
	_, err = s.orders.RecordCallback(ctx, actor, id, version, workorder.Callback{Outcome: "reached", Attitude: in.Attitude,
		Timeliness: in.Timeliness, Quality: in.Quality, Overall: in.Overall, Satisfied: in.Satisfied, Comments: in.Comments,
		Reason: in.Reason, Channel: workorder.CallbackOnline})
	switch {
	case apperr.CodeOf(err) == apperr.Conflict:
		// Another change came first (the hotline's call, a second tab): the survey is no
		// longer open.
		return apperr.New(apperr.IllegalTransition, "online.survey_closed")
	case apperr.CodeOf(err) == apperr.IllegalTransition && apperr.As(err).Key == "error.transition.fees_unsettled":
		// The order cannot close before its fees are settled: the hotline calls instead.
		return apperr.New(apperr.IllegalTransition, "online.survey_later")
	}
	return err
}
