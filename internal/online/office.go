package online

import (
	"context"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
)

// mayOffice refuses (Forbidden) anyone but the office: labels and progress links are
// theirs (workorder.MayShareProgress).
func mayOffice(actor auth.Actor) error {
	if !workorder.MayShareProgress(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	return nil
}

// Label is one printed QR label: the unit, its station's service phone and the token of
// its link (the label's page is /u/<Token>).
type Label struct {
	UnitID       int64  `db:"id"`
	Brand        string `db:"brand"`
	Model        string `db:"model"`
	Serial       string `db:"serial"`
	CustomerName string `db:"customer_name"`
	StationName  string `db:"station_name"`
	ServicePhone string `db:"service_phone"`
	Generation   int    `db:"generation"`
	Token        string `db:"-"`
}

// Labels are the labels of the units the actor chose, in the order chosen, for the
// office (Forbidden for other roles); units the actor does not see are left out, at
// most MaxLabels (Invalid beyond).
func (s *Service) Labels(ctx context.Context, actor auth.Actor, unitIDs []int64) ([]Label, error) {
	if err := mayOffice(actor); err != nil {
		return nil, err
	}
	if len(unitIDs) > MaxLabels {
		return nil, apperr.New(apperr.Invalid, "online.too_many_labels", "Max", MaxLabels)
	}
	sg, err := s.Signer(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT u.id, u.brand, u.model, u.serial, c.name AS customer_name, s.name AS station_name, s.service_phone,
		coalesce(l.generation, 1) AS generation
		FROM unnest($1::bigint[]) WITH ORDINALITY AS pick(id, n)
		JOIN units u ON u.id = pick.id JOIN customers c ON c.id = u.customer_id JOIN stations s ON s.id = c.station_id
		LEFT JOIN unit_labels l ON l.unit_id = u.id
		WHERE c.station_id = ANY($2) ORDER BY pick.n`, unitIDs, actor.Stations)
	if err != nil {
		return nil, db.Translate(err, "labels")
	}
	labels, err := pgx.CollectRows(rows, pgx.RowToStructByName[Label])
	if err != nil {
		return nil, db.Translate(err, "labels")
	}
	for i := range labels {
		labels[i].Token = sg.LabelToken(labels[i].UnitID, labels[i].Generation)
	}
	return labels, nil
}

// RevokeLabel makes a unit's printed labels stop working and issues the next one (to be
// printed and stuck on instead), for the office seeing the unit (Forbidden for other
// roles, NotFound otherwise). The form's one-time key makes a repeated post revoke once.
func (s *Service) RevokeLabel(ctx context.Context, actor auth.Actor, unitID int64) error {
	if err := mayOffice(actor); err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now())
		if err != nil || !fresh {
			return err
		}
		var station int64
		err = tx.QueryRow(ctx, `SELECT c.station_id FROM units u JOIN customers c ON c.id = u.customer_id WHERE u.id = $1 FOR NO KEY UPDATE OF u`, unitID).Scan(&station)
		if err != nil || !actor.Sees(station) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		_, err = tx.Exec(ctx, `INSERT INTO unit_labels (unit_id, generation, revoked_at, revoked_by) VALUES ($1, 2, $2, $3)
			ON CONFLICT (unit_id) DO UPDATE SET generation = unit_labels.generation + 1, revoked_at = $2, revoked_by = $3`, unitID, s.now(), actor.UserID)
		return db.Translate(err, "revoke label")
	})
}

// ProgressLink is the order's progress link as the office hands it out: the order (the
// actor must see it: NotFound otherwise) and a fresh token, for the office (Forbidden
// for other roles).
func (s *Service) ProgressLink(ctx context.Context, actor auth.Actor, orderID int64) (workorder.Order, string, error) {
	if err := mayOffice(actor); err != nil {
		return workorder.Order{}, "", err
	}
	o, err := s.orders.OrderByID(ctx, actor, orderID)
	if err != nil {
		return workorder.Order{}, "", err
	}
	sg, err := s.Signer(ctx)
	if err != nil {
		return workorder.Order{}, "", err
	}
	return o, sg.ProgressToken(o.ID, ProgressExpiry(s.now())), nil
}

// ProgressToken is a fresh progress token for an order (for the outbox's messages).
func (s *Service) ProgressToken(ctx context.Context, orderID int64) (string, error) {
	sg, err := s.Signer(ctx)
	if err != nil {
		return "", err
	}
	return sg.ProgressToken(orderID, ProgressExpiry(s.now())), nil
}

// ResendProgress puts the progress link in the outbox for the order's contact phone,
// for the office seeing the order (Forbidden, NotFound); Invalid (online.no_phone) when
// the order has no contact phone. The form's one-time key makes a repeated post send once.
func (s *Service) ResendProgress(ctx context.Context, actor auth.Actor, orderID int64) error {
	if err := mayOffice(actor); err != nil {
		return err
	}
	o, err := s.orders.OrderByID(ctx, actor, orderID)
	if err != nil {
		return err
	}
	to := o.ContactE164
	if to == "" {
		to = o.ContactPhone
	}
	if to == "" {
		return apperr.New(apperr.Invalid, "online.no_phone")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now())
		if err != nil || !fresh {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO outbox (order_id, kind, recipient, params, next_at, created_at) VALUES ($1, 'progress_link', $2, $3, $4, $4)`,
			o.ID, to, map[string]any{"number": o.Number, "station_id": o.StationID}, s.now())
		return db.Translate(err, "resend progress")
	})
}
