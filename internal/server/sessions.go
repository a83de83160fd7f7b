package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aftersales/aftersales/internal/config"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sessionStore keeps scs sessions in the sessions table. It takes the request's context,
// so a cancelled request stops its query and the bench tracer counts the statements.
type sessionStore struct{ pool *pgxpool.Pool }

var _ scs.CtxStore = sessionStore{}

func (st sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := st.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND now() < expiry`, token).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (st sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := st.pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`, token, b, expiry)
	return err
}

func (st sessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return err
}

func (st sessionStore) Find(token string) ([]byte, bool, error) {
	return st.FindCtx(context.Background(), token)
}

func (st sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return st.CommitCtx(context.Background(), token, b, expiry)
}

func (st sessionStore) Delete(token string) error { return st.DeleteCtx(context.Background(), token) }

// NewSessions returns a session manager storing sessions in PostgreSQL, so several
// app processes share them. cleanup is how often expired sessions are deleted (0 = never);
// call the returned stop function on shutdown.
//
// The idle timeout is kept by idleSessions, not by scs: scs with an IdleTimeout rewrites
// the session row on every request, which would make every page read a write.
func NewSessions(pool *pgxpool.Pool, cfg config.Config, cleanup time.Duration) (*scs.SessionManager, func()) {
	stop := func() {}
	if cleanup > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(cleanup)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					_, _ = pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
				}
			}
		}()
		stop = func() { cancel(); <-done }
	}
	sm := scs.New()
	sm.Store = sessionStore{pool: pool}
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.Name = "aftersales_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookies
	sm.Cookie.Path = "/"
	return sm, stop
}

// sessionSeen is when the signed-in user was last active (Unix seconds).
const sessionSeen = "seen"

// seenEvery is how stale the recorded activity may get before a request records it
// again: the idle timeout is kept to within this, and most page reads write nothing.
const seenEvery = time.Minute

// idleSessions signs out a session idle for longer than SESSION_IDLE_TIMEOUT and records
// activity at most once per seenEvery.
func (s *server) idleSessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s.Sessions.GetInt64(ctx, sessionUserID) != 0 {
			now := s.Now()
			seen := time.Unix(s.Sessions.GetInt64(ctx, sessionSeen), 0)
			switch idle := now.Sub(seen); {
			case seen.Unix() > 0 && idle > s.Config.SessionIdle:
				lang := s.Sessions.GetString(ctx, sessionLang)
				if err := s.Sessions.Destroy(ctx); err != nil {
					s.fail(w, r, err)
					return
				}
				if lang != "" {
					s.Sessions.Put(ctx, sessionLang, lang)
				}
			case idle >= seenEvery || idle < 0:
				s.Sessions.Put(ctx, sessionSeen, now.Unix())
			}
		}
		next.ServeHTTP(w, r)
	})
}
