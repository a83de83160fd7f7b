package workorder

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// NoteMaxLength is the longest note, in characters.
const NoteMaxLength = MaxShortText

// noteKeyMaxLength bounds a note form's one-time key.
const noteKeyMaxLength = 64

// noteTransition names a note's event in the order's log: no state change.
const noteTransition = "note"

// AddNote adds a note to an order's log (添加备注), e.g. when the customer rings again
// about an open order: an event "note" from the order's state to the same state. It
// changes neither the order nor its version, so forms open on the order stay valid; live
// pages hear of it. Hotline, supervisor or manager (Forbidden for other roles) who see the
// order (NotFound otherwise); Invalid (note) when the note is empty or longer than
// NoteMaxLength. key is the form's one-time key: a note sent again with the same key
// is added once, and the order is returned as it is.
func (s *Service) AddNote(ctx context.Context, actor auth.Actor, id int64, note, key string) (Order, error) {
	if !actor.Is(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager) {
		return Order{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "hotline,supervisor,manager")
	}
	note = strings.TrimSpace(note)
	if err := invalid(checkLengths(required("note", note), "note", note)); err != nil {
		return Order{}, err
	}
	if len(key) > noteKeyMaxLength {
		return Order{}, apperr.New(apperr.Invalid, "error.invalid")
	}
	if err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error { return s.AddNoteTx(ctx, tx, actor, id, note, key) }); err != nil {
		return Order{}, err
	}
	return s.OrderByID(ctx, actor, id)
}

// AddNoteTx is AddNote's write inside the caller's transaction: the caller has checked
// the role and the note's shape.
func (s *Service) AddNoteTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, id int64, note, key string) error {
	note = strings.TrimSpace(note)
	hash := ""
	if key != "" {
		hash = fingerprint([]string{noteTransition, key})
	}
	o, err := lockOrder(ctx, tx, id)
	if err != nil {
		return err
	}
	if !visible(o, actor) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	if hash != "" {
		// The order's lock makes the copies of a double submit take turns.
		var added bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM work_order_events WHERE order_id = $1 AND transition = $2 AND input_hash = $3)`,
			o.ID, noteTransition, hash).Scan(&added); err != nil {
			return db.Translate(err, "note key")
		}
		if added {
			return nil
		}
	}
	state := o.State
	if err := insertEvent(ctx, tx, Event{OrderID: o.ID, FromState: &state, ToState: state, Transition: noteTransition, ActorID: actor.UserID,
		Version: o.Version, InputHash: hash, At: s.now(), Note: note}); err != nil {
		return err
	}
	return notify(ctx, tx, &o, o.AssigneeID)
}

// NoteTx adds a note, with its data, to order id's history inside the caller's
// transaction: what another module did on the order (a loaner lent, tools named, the kit
// checked). Notes make no version of the order; live pages hear of it.
func NoteTx(ctx context.Context, tx pgx.Tx, id, actorID int64, at time.Time, note string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	var o Order
	err := tx.QueryRow(ctx, `WITH o AS (SELECT id, station_id, state, version, assignee_id FROM work_orders WHERE id = $1),
		e AS (INSERT INTO work_order_events (order_id, from_state, to_state, transition, actor_id, version, at, note, data)
			SELECT o.id, o.state, o.state, $2, $3, o.version, $4, $5, $6 FROM o)
		SELECT id, station_id, state, version, assignee_id FROM o`, id, noteTransition, actorID, at, note, data).
		Scan(&o.ID, &o.StationID, &o.State, &o.Version, &o.AssigneeID)
	if err != nil {
		return db.Translate(err, "order note")
	}
	return notify(ctx, tx, &o, o.AssigneeID)
}
