package attach

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Form names whose staged files these are: one order, one user, one form (its one-time
// key).
type Form struct {
	OrderID int64
	UserID  int64
	Key     string
}

// Staged describes a file kept from a refused form for its retry.
type Staged struct {
	ID          int64     `db:"id"`
	OrderID     int64     `db:"order_id"`
	UserID      int64     `db:"user_id"`
	FormKey     string    `db:"form_key"`
	Kind        string    `db:"kind"`
	ContentType string    `db:"content_type"`
	Size        int       `db:"size"`
	SHA256      string    `db:"sha256"`
	CreatedAt   time.Time `db:"created_at"`
}

const stagedCols = `id, order_id, user_id, form_key, kind, content_type, size, sha256, created_at`

// Stage implements Store.
func (s *PG) Stage(ctx context.Context, tx pgx.Tx, f Form, at time.Time, c Checked) (int64, error) {
	if c.Kind == Signature {
		if _, err := tx.Exec(ctx, `DELETE FROM staged_uploads WHERE order_id = $1 AND user_id = $2 AND form_key = $3
			AND kind = 'signature' AND sha256 <> $4`, f.OrderID, f.UserID, f.Key, c.SHA256); err != nil {
			return 0, db.Translate(err, "replace staged signature")
		}
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO staged_uploads (order_id, user_id, form_key, kind, content_type, size, sha256, data, thumb, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (order_id, user_id, form_key, kind, sha256) DO UPDATE SET created_at = EXCLUDED.created_at
		RETURNING id`, f.OrderID, f.UserID, f.Key, c.Kind, c.ContentType, len(c.Data), c.SHA256, c.Data, c.Thumb, at).Scan(&id)
	return id, db.Translate(err, "stage file")
}

// Unstage implements Store.
func (s *PG) Unstage(ctx context.Context, tx pgx.Tx, f Form, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM staged_uploads WHERE id = ANY($1) AND order_id = $2 AND user_id = $3 AND form_key = $4`,
		ids, f.OrderID, f.UserID, f.Key)
	return db.Translate(err, "unstage files")
}

// LockStaged implements Store.
func (s *PG) LockStaged(ctx context.Context, tx pgx.Tx, f Form, ids []int64) ([]Staged, error) {
	sql := `SELECT ` + stagedCols + ` FROM staged_uploads WHERE order_id = $1 AND user_id = $2 AND form_key = $3`
	args := []any{f.OrderID, f.UserID, f.Key}
	if ids != nil {
		sql += ` AND id = ANY($4)`
		args = append(args, ids)
	}
	rows, err := tx.Query(ctx, sql+` ORDER BY kind = 'photo', id FOR UPDATE`, args...)
	if err != nil {
		return nil, db.Translate(err, "staged files")
	}
	files, err := pgx.CollectRows(rows, pgx.RowToStructByName[Staged])
	return files, db.Translate(err, "staged files")
}

// SaveStaged implements Store.
func (s *PG) SaveStaged(ctx context.Context, tx pgx.Tx, ids []int64, actorID int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO attachments (order_id, kind, content_type, size, sha256, data, thumb, created_by, created_at)
		SELECT order_id, kind, content_type, size, sha256, data, thumb, $2, $3 FROM staged_uploads WHERE id = ANY($1)
		ORDER BY kind = 'photo', id`, ids, actorID, at)
	return db.Translate(err, "save staged files")
}

// DropStaged implements Store.
func (s *PG) DropStaged(ctx context.Context, tx pgx.Tx, orderID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM staged_uploads WHERE order_id = $1`, orderID)
	return db.Translate(err, "drop staged files")
}

// PurgeStaged implements Store.
func (s *PG) PurgeStaged(ctx context.Context, tx pgx.Tx, before time.Time) error {
	_, err := tx.Exec(ctx, `DELETE FROM staged_uploads WHERE created_at < $1`, before)
	return db.Translate(err, "purge staged files")
}

// StagedFiles implements Store.
func (s *PG) StagedFiles(ctx context.Context, f Form) ([]Staged, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+stagedCols+` FROM staged_uploads WHERE order_id = $1 AND user_id = $2 AND form_key = $3
		ORDER BY kind = 'photo', id`, f.OrderID, f.UserID, f.Key)
	if err != nil {
		return nil, db.Translate(err, "staged files")
	}
	files, err := pgx.CollectRows(rows, pgx.RowToStructByName[Staged])
	return files, db.Translate(err, "staged files")
}

// OpenStaged implements Store.
func (s *PG) OpenStaged(ctx context.Context, orderID, userID, id int64, thumb bool) (Staged, []byte, error) {
	var f Staged
	var data, small []byte
	err := s.pool.QueryRow(ctx, `SELECT `+stagedCols+`, data, thumb FROM staged_uploads WHERE id = $1 AND order_id = $2 AND user_id = $3`,
		id, orderID, userID).Scan(&f.ID, &f.OrderID, &f.UserID, &f.FormKey, &f.Kind, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt, &data, &small)
	if err != nil {
		return Staged{}, nil, db.Translate(err, "staged file")
	}
	if thumb && len(small) > 0 {
		f.ContentType = "image/jpeg"
		return f, small, nil
	}
	return f, data, nil
}
