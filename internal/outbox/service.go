package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service delivers the outbox and shows it to the office.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// Link makes an order's progress link for a message (empty: no link).
	Link func(ctx context.Context, orderID int64) (string, error)
}

// NewService returns the outbox service. link makes the progress link messages carry.
func NewService(pool *pgxpool.Pool, now func() time.Time, link func(ctx context.Context, orderID int64) (string, error)) *Service {
	return &Service{pool: pool, now: now, Link: link}
}

type claimed struct {
	ID           int64          `db:"id"`
	OrderID      int64          `db:"order_id"`
	Kind         string         `db:"kind"`
	Recipient    string         `db:"recipient"`
	Params       map[string]any `db:"params"`
	Attempts     int            `db:"attempts"`
	StationName  string         `db:"station_name"`
	ServicePhone string         `db:"service_phone"`
}

// SendDue claims the due messages (each by one process only: FOR UPDATE SKIP LOCKED,
// marked as being sent in the claim's own statement), sends them with sender and
// records each result: sent; or, on failure, tried again after Backoff, failed after
// MaxAttempts. A message still claimed after Lease counts as failed, never sent twice.
// It returns how many were sent.
func (s *Service) SendDue(ctx context.Context, sender Sender) (int, error) {
	now := s.now()
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET state = 'failed', claimed_until = NULL, last_error = 'sender stopped while sending'
		WHERE state = 'sending' AND claimed_until < $1`, now); err != nil {
		return 0, db.Translate(err, "outbox lease")
	}
	rows, err := s.pool.Query(ctx, `UPDATE outbox o SET state = 'sending', attempts = o.attempts + 1, claimed_until = $2
		FROM work_orders w JOIN stations s ON s.id = w.station_id
		WHERE w.id = o.order_id AND o.id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= $1
			ORDER BY next_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING o.id, o.order_id, o.kind, o.recipient, o.params, o.attempts, s.name AS station_name, s.service_phone`, now, now.Add(Lease), Batch)
	if err != nil {
		return 0, db.Translate(err, "outbox claim")
	}
	msgs, err := pgx.CollectRows(rows, pgx.RowToStructByName[claimed])
	if err != nil {
		return 0, db.Translate(err, "outbox claim")
	}
	sent := 0
	for _, c := range msgs {
		m, err := s.message(ctx, c)
		if err == nil {
			err = sender.Send(ctx, m)
		}
		if err == nil {
			sent++
			_, err = s.pool.Exec(ctx, `UPDATE outbox SET state = 'sent', sent_at = $2, claimed_until = NULL, last_error = '' WHERE id = $1`, c.ID, s.now())
			if err != nil {
				return sent, db.Translate(err, "outbox sent")
			}
			continue
		}
		state, next := "pending", s.now().Add(Backoff(c.Attempts))
		if c.Attempts >= MaxAttempts {
			state = "failed"
		}
		msg := err.Error()
		if r := []rune(msg); len(r) > 300 {
			msg = string(r[:300])
		}
		if _, err := s.pool.Exec(ctx, `UPDATE outbox SET state = $2, next_at = $3, claimed_until = NULL, last_error = $4 WHERE id = $1`,
			c.ID, state, next, msg); err != nil {
			return sent, db.Translate(err, "outbox retry")
		}
	}
	return sent, nil
}

// message fills in the message's catalog template (Chinese: the customers' language)
// with the station's name and service phone and a fresh progress link.
func (s *Service) message(ctx context.Context, c claimed) (Message, error) {
	params := map[string]string{"Station": c.StationName, "Phone": c.ServicePhone}
	for k, v := range c.Params {
		switch k {
		case "number":
			params["Number"] = fmt.Sprint(v)
		case "technician":
			params["Technician"] = fmt.Sprint(v)
		case "appointment":
			params["Appointment"] = fmt.Sprint(v)
		}
	}
	if s.Link != nil {
		link, err := s.Link(ctx, c.OrderID)
		if err != nil {
			return Message{}, err
		}
		params["Link"] = link
	}
	data := make(map[string]any, len(params))
	for k, v := range params {
		data[k] = v
	}
	return Message{ID: c.ID, Kind: c.Kind, To: c.Recipient, Params: params, Text: i18n.TL("zh-Hans", "outbox.msg."+c.Kind, data)}, nil
}

// Run sends due messages every interval until ctx ends, logging failures of the loop
// itself (a message's failure is recorded on it).
func (s *Service) Run(ctx context.Context, sender Sender, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.SendDue(ctx, sender); err != nil && ctx.Err() == nil {
			log.Error("outbox", "err", err)
		} else if n > 0 {
			log.Info("outbox", "sent", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Row is one message on the outbox page.
type Row struct {
	ID        int64      `db:"id"`
	OrderID   int64      `db:"order_id"`
	Number    string     `db:"number"`
	Kind      string     `db:"kind"`
	State     string     `db:"state"`
	Attempts  int        `db:"attempts"`
	NextAt    time.Time  `db:"next_at"`
	SentAt    *time.Time `db:"sent_at"`
	LastError string     `db:"last_error"`
	CreatedAt time.Time  `db:"created_at"`
}

// Page is the outbox page: counts by state and the latest messages, failed first.
type Page struct {
	Pending, Sending, Sent, Failed int
	Rows                           []Row
}

// Page lists the outbox of the actor's stations for managers and admins (Forbidden for
// others): the counts by state and the latest 200 messages, those not sent first.
// Recipients are not shown.
func (s *Service) Page(ctx context.Context, actor auth.Actor) (Page, error) {
	if !actor.Is(auth.RoleManager, auth.RoleAdmin) {
		return Page{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,admin")
	}
	var p Page
	b := &pgx.Batch{}
	b.Queue(`SELECT count(*) FILTER (WHERE m.state = 'pending'), count(*) FILTER (WHERE m.state = 'sending'),
		count(*) FILTER (WHERE m.state = 'sent'), count(*) FILTER (WHERE m.state = 'failed')
		FROM outbox m JOIN work_orders w ON w.id = m.order_id WHERE w.station_id = ANY($1)`, actor.Stations).QueryRow(func(r pgx.Row) error {
		return r.Scan(&p.Pending, &p.Sending, &p.Sent, &p.Failed)
	})
	b.Queue(`SELECT m.id, m.order_id, w.number, m.kind, m.state, m.attempts, m.next_at, m.sent_at, m.last_error, m.created_at
		FROM outbox m JOIN work_orders w ON w.id = m.order_id WHERE w.station_id = ANY($1)
		ORDER BY (m.state = 'sent'), m.id DESC LIMIT 200`, actor.Stations).Query(func(rows pgx.Rows) (err error) {
		p.Rows, err = pgx.CollectRows(rows, pgx.RowToStructByName[Row])
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return Page{}, db.Translate(err, "outbox page")
	}
	return p, nil
}

// Failed counts the failed messages of the actor's stations (the home page's figure).
func (s *Service) Failed(ctx context.Context, actor auth.Actor) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM outbox m JOIN work_orders w ON w.id = m.order_id
		WHERE m.state = 'failed' AND w.station_id = ANY($1)`, actor.Stations).Scan(&n)
	return n, db.Translate(err, "outbox failed")
}
