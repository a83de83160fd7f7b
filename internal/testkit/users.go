package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/jackc/pgx/v5/pgxpool"
)

// UserID is the id of the user with the given username; the test fails if there is none.
func UserID(t testing.TB, pool *pgxpool.Pool, username string) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `SELECT id FROM users WHERE username = $1`, username).Scan(&id); err != nil {
		t.Fatalf("testkit: user %s: %v", username, err)
	}
	return id
}

// Actor is the user with the given username as the services see them.
func Actor(t testing.TB, pool *pgxpool.Pool, username string) auth.Actor {
	t.Helper()
	return ActorByID(t, pool, UserID(t, pool, username))
}

// ActorByID is the user with the given id as the services see them.
func ActorByID(t testing.TB, pool *pgxpool.Pool, id int64) auth.Actor {
	t.Helper()
	a, err := auth.NewService(pool, time.Now).ActorFor(context.Background(), id)
	if err != nil {
		t.Fatalf("testkit: actor for user %d: %v", id, err)
	}
	return a
}

// Users are every user of a database as the services see them, by username.
type Users struct {
	t  testing.TB
	by map[string]auth.Actor
}

// LoadUsers loads every active user of the database (an inactive account is no actor).
func LoadUsers(t testing.TB, pool *pgxpool.Pool) Users {
	t.Helper()
	ctx := context.Background()
	authSvc := auth.NewService(pool, time.Now)
	u := Users{t: t, by: map[string]auth.Actor{}}
	rows, err := pool.Query(ctx, `SELECT id, username FROM users WHERE active`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		a, err := authSvc.ActorFor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		u.by[name] = a
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// Actor is the named user; the test fails if there is none.
func (u Users) Actor(username string) auth.Actor {
	u.t.Helper()
	a, ok := u.by[username]
	if !ok {
		u.t.Fatalf("no demo user %s", username)
	}
	return a
}
