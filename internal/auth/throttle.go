package auth

import (
	"context"
	"math"
	"runtime"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// Sign-in throttling. Failures count per (account, address) pair, so a stranger's
// guesses do not lock the owner out from their own desk, and a whole office behind one
// address is limited only by a ceiling well above its normal mistakes.
const (
	// ThrottleWindow is how far back failures count.
	ThrottleWindow = 15 * time.Minute
	// MaxFailuresPerPair failures of one account from one address are allowed before
	// back-off: each further try waits FirstBackoff, doubling up to ThrottleWindow.
	MaxFailuresPerPair = 5
	FirstBackoff       = time.Minute
	// MaxFailuresPerIP failures from one address, all accounts together, stop that
	// address for the window.
	MaxFailuresPerIP = 100
	// MaxUsernameBytes is the longest username a sign-in is checked for.
	MaxUsernameBytes = 64
	// MaxPasswordBytes is the longest password hashed; longer ones are refused unhashed.
	MaxPasswordBytes = 256
)

// Backoff is how long after the last failure the account may be tried again from the same
// address, given the number of failures in the window (0 while under the limit).
func Backoff(failures int) time.Duration {
	if failures < MaxFailuresPerPair {
		return 0
	}
	d := FirstBackoff * time.Duration(math.Pow(2, float64(failures-MaxFailuresPerPair)))
	if d <= 0 || d > ThrottleWindow {
		return ThrottleWindow
	}
	return d
}

// hashSlots bounds how many password hashes run at once: each takes 19 MiB and a core
// for tens of milliseconds, so a burst of sign-ins must queue, not pile up.
var hashSlots = make(chan struct{}, max(1, runtime.NumCPU()))

// hashWait is how long a sign-in waits for a free slot before it is told to try again.
const hashWait = 3 * time.Second

// withHashSlot runs fn when a slot is free, or returns TooManyRequests after hashWait.
func withHashSlot(ctx context.Context, fn func()) error {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case hashSlots <- struct{}{}:
		defer func() { <-hashSlots }()
		fn()
		return nil
	case <-t.C:
		return apperr.New(apperr.TooManyRequests, "auth.busy")
	case <-ctx.Done():
		return apperr.Wrap(ctx.Err(), "wait for a hash slot")
	}
}

// admit decides, atomically per address, whether a sign-in may be checked now; if so
// it records the attempt as a failure before the password is checked (Authenticate
// marks it ok afterwards), so simultaneous guesses cannot all pass the count.
func (s *Service) admit(ctx context.Context, username, ip string) (int64, error) {
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('login|' || $1, 0))`, ip); err != nil {
			return db.Translate(err, "lock attempts")
		}
		now := s.now()
		var pair, perIP int
		var last *time.Time
		if err := tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM login_attempts WHERE lower(username) = $1 AND ip = $2 AND NOT ok AND at > $3),
			(SELECT max(at) FROM login_attempts WHERE lower(username) = $1 AND ip = $2 AND NOT ok AND at > $3),
			(SELECT count(*) FROM login_attempts WHERE ip = $2 AND NOT ok AND at > $3)`,
			username, ip, now.Add(-ThrottleWindow)).Scan(&pair, &last, &perIP); err != nil {
			return db.Translate(err, "count attempts")
		}
		if perIP >= MaxFailuresPerIP {
			return throttled(ThrottleWindow)
		}
		if wait := Backoff(pair); wait > 0 && last != nil && now.Before(last.Add(wait)) {
			return throttled(last.Add(wait).Sub(now))
		}
		err := tx.QueryRow(ctx, `INSERT INTO login_attempts (username, ip, ok, at) VALUES ($1, $2, false, $3) RETURNING id`, username, ip, now).Scan(&id)
		return db.Translate(err, "record attempt")
	})
	return id, err
}

func throttled(wait time.Duration) error {
	return apperr.New(apperr.TooManyRequests, "auth.throttled", "Minutes", int(math.Ceil(wait.Minutes())))
}

// Unlock clears an account's recent sign-in failures from every address (admins, for a
// user they manage), recorded in the user's history.
func (s *Service) Unlock(ctx context.Context, actor Actor, userID int64) error {
	if !actor.Is(RoleAdmin) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "admin")
	}
	u, err := s.UserByID(ctx, actor, userID)
	if err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE lower(username) = lower($1) AND NOT ok`, u.Username)
		if err != nil {
			return db.Translate(err, "unlock")
		}
		return s.event(ctx, tx, userID, &actor.UserID, "unlocked", map[string]any{"failures": tag.RowsAffected()})
	})
}

// Locked reports whether an account is held back from any address now.
func (s *Service) Locked(ctx context.Context, username string) (bool, error) {
	var pairs []int
	rows, err := s.pool.Query(ctx, `SELECT count(*)::int FROM login_attempts WHERE lower(username) = lower($1) AND NOT ok AND at > $2 GROUP BY ip`,
		username, s.now().Add(-ThrottleWindow))
	if err != nil {
		return false, db.Translate(err, "locked")
	}
	pairs, err = pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return false, db.Translate(err, "locked")
	}
	for _, n := range pairs {
		if n >= MaxFailuresPerPair {
			return true, nil
		}
	}
	return false, nil
}

// UserPage is one user's management page: the account and whether sign-in is held back.
type UserPage struct {
	User   User
	Locked bool
	// MoveTo are the active stations the user may be moved to (the admin's, other than
	// the user's own).
	MoveTo []Station
}

// UserPage loads the management page of a user the admin manages.
func (s *Service) UserPage(ctx context.Context, actor Actor, userID int64) (UserPage, error) {
	u, err := s.UserByID(ctx, actor, userID)
	if err != nil {
		return UserPage{}, err
	}
	locked, err := s.Locked(ctx, u.Username)
	if err != nil {
		return UserPage{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) AND active AND id <> $2 ORDER BY id`,
		actor.Stations, u.StationID)
	if err != nil {
		return UserPage{}, db.Translate(err, "stations")
	}
	moveTo, err := pgx.CollectRows(rows, pgx.RowToStructByName[Station])
	return UserPage{User: u, Locked: locked, MoveTo: moveTo}, db.Translate(err, "stations")
}
