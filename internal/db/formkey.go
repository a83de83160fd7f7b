package db

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

type formKeyCtx struct{}

// WithFormKey carries the posted form's one-time key to the service that handles it.
func WithFormKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, formKeyCtx{}, key)
}

// FormKey is the one-time key of the form being handled ("" when it has none).
func FormKey(ctx context.Context) string {
	k, _ := ctx.Value(formKeyCtx{}).(string)
	return k
}

// ClaimFormKey claims the form's one-time key for userID inside tx, before the service
// changes anything. fresh is true when this is the form's first run (or it has no key);
// false when a run with the same key already committed, whose recorded ref is returned:
// the service then changes nothing and answers as the first run did. A simultaneous
// second post waits here until the first commits or rolls back.
func ClaimFormKey(ctx context.Context, tx pgx.Tx, userID int64, now time.Time) (fresh bool, ref int64, err error) {
	key := FormKey(ctx)
	if len(key) < 8 || len(key) > 64 {
		return true, 0, nil
	}
	var got string
	err = tx.QueryRow(ctx, `INSERT INTO form_keys (user_id, key, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`, userID, key, now).Scan(&got)
	if err == nil {
		// Keys are needed for as long as a retry may come; trim old ones now and then.
		if now.Second() == 0 {
			_, _ = tx.Exec(ctx, `DELETE FROM form_keys WHERE at < $1`, now.Add(-7*24*time.Hour))
		}
		return true, 0, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, Translate(err, "form key")
	}
	var r *int64
	if err := tx.QueryRow(ctx, `SELECT ref FROM form_keys WHERE user_id = $1 AND key = $2`, userID, key).Scan(&r); err != nil {
		return false, 0, Translate(err, "form key")
	}
	if r != nil {
		ref = *r
	}
	return false, ref, nil
}

// SetFormResult records what the form's first run made, for a repeated post to return.
func SetFormResult(ctx context.Context, tx pgx.Tx, userID, ref int64) error {
	key := FormKey(ctx)
	if key == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE form_keys SET ref = $3 WHERE user_id = $1 AND key = $2`, userID, key, ref)
	return Translate(err, "form result")
}
