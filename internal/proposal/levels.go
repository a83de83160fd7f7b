package proposal

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// AwardLevel is one award level (奖励等级) of adopted proposals.
type AwardLevel struct {
	ID            int64     `db:"id"`
	Name          string    `db:"name"`
	AmountFen     int64     `db:"amount_fen"`
	Active        bool      `db:"active"`
	UpdatedAt     time.Time `db:"updated_at"`
	UpdatedByName string    `db:"updated_by_name"`
}

// LevelInput is an award level as the manager saves it; ID 0 adds a level.
type LevelInput struct {
	ID        int64
	Name      string
	AmountFen int64
}

// Valid checks a level's fields: a name, and an amount within MinAwardFen–MaxAwardFen.
func (in LevelInput) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(in.Name) == "" {
		f["name"] = "field.required"
	}
	if !AwardInRange(in.AmountFen) {
		f["amount"] = "proposal.field.award_range"
	}
	return checkLengths(f, "name", in.Name)
}

// levels lists the award levels, by amount; only the active ones when active is set.
func (s *Service) levels(ctx context.Context, active bool) ([]AwardLevel, error) {
	rows, err := s.pool.Query(ctx, `SELECT l.id, l.name, l.amount_fen, l.active, l.updated_at, coalesce(u.display_name, '') AS updated_by_name
		FROM proposal_award_levels l LEFT JOIN users u ON u.id = l.updated_by
		WHERE l.active OR NOT $1 ORDER BY NOT l.active, l.amount_fen, l.id`, active)
	if err != nil {
		return nil, db.Translate(err, "award levels")
	}
	ls, err := pgx.CollectRows(rows, pgx.RowToStructByName[AwardLevel])
	return ls, db.Translate(err, "award levels")
}

// AwardLevels lists every award level, active ones first (manager). Forbidden for others.
func (s *Service) AwardLevels(ctx context.Context, actor auth.Actor) ([]AwardLevel, error) {
	if !actor.Is(auth.RoleManager) {
		return nil, forbidden("manager")
	}
	return s.levels(ctx, false)
}

// SaveAwardLevel adds a level (ID 0) or renames and re-prices one (manager). Awards
// already granted keep the name and amount they were granted with. Errors: Forbidden,
// NotFound, Invalid with field keys (a name already used: name).
func (s *Service) SaveAwardLevel(ctx context.Context, actor auth.Actor, in LevelInput) (AwardLevel, error) {
	if !actor.Is(auth.RoleManager) {
		return AwardLevel{}, forbidden("manager")
	}
	in.Name = strings.TrimSpace(in.Name)
	if f := in.Valid(); len(f) > 0 {
		return AwardLevel{}, apperr.Fields(f)
	}
	id := in.ID
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now); err != nil || !fresh {
			return err
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM proposal_award_levels WHERE lower(name) = lower($1) AND id <> $2)`, in.Name, in.ID).Scan(&taken); err != nil {
			return db.Translate(err, "award level name")
		}
		if taken {
			return apperr.Fields(map[string]string{"name": "proposal.field.level_taken"})
		}
		if in.ID == 0 {
			err := tx.QueryRow(ctx, `INSERT INTO proposal_award_levels (name, amount_fen, updated_by, updated_at) VALUES ($1, $2, $3, $4) RETURNING id`,
				in.Name, in.AmountFen, actor.UserID, now).Scan(&id)
			return db.Translate(err, "award level")
		}
		tag, err := tx.Exec(ctx, `UPDATE proposal_award_levels SET name = $2, amount_fen = $3, updated_by = $4, updated_at = $5 WHERE id = $1`,
			in.ID, in.Name, in.AmountFen, actor.UserID, now)
		if err != nil {
			return db.Translate(err, "award level")
		}
		if tag.RowsAffected() == 0 {
			return notFound()
		}
		return nil
	})
	if err != nil {
		return AwardLevel{}, err
	}
	var l AwardLevel
	rows, err := s.pool.Query(ctx, `SELECT l.id, l.name, l.amount_fen, l.active, l.updated_at, coalesce(u.display_name, '') AS updated_by_name
		FROM proposal_award_levels l LEFT JOIN users u ON u.id = l.updated_by WHERE l.id = $1 OR (l.name = $2 AND $1 = 0)`, id, in.Name)
	if err != nil {
		return l, db.Translate(err, "award level")
	}
	l, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AwardLevel])
	return l, db.Translate(err, "award level")
}

// SetAwardLevelActive takes a level off the adopt form's list, or puts it back
// (manager). Awards already granted stay. Errors: Forbidden, NotFound.
func (s *Service) SetAwardLevelActive(ctx context.Context, actor auth.Actor, id int64, active bool) error {
	if !actor.Is(auth.RoleManager) {
		return forbidden("manager")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now); err != nil || !fresh {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE proposal_award_levels SET active = $2, updated_by = $3, updated_at = $4 WHERE id = $1`, id, active, actor.UserID, now)
		if err != nil {
			return db.Translate(err, "award level")
		}
		if tag.RowsAffected() == 0 {
			return notFound()
		}
		return nil
	})
}
