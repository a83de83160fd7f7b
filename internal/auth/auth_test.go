package auth_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("demo1234")
	if err != nil {
		t.Fatal(err)
	}
	if h2, _ := auth.HashPassword("demo1234"); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"demo1234": true, "demo12345": false, "": false} {
		ok, err := auth.CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if _, err := auth.CheckPassword("plaintext", "x"); err == nil {
		t.Error("a malformed hash was accepted")
	}
}

// setup is the auth service on a fresh demo database, with a clock that starts at the
// real time (after the demo data was loaded) and moves only when told.
func setup(t *testing.T) (*auth.Service, *testkit.Clock, *pgxpool.Pool) {
	t.Helper()
	pool := testkit.DemoDB(t)
	c := testkit.NewClock()
	c.Set(time.Now())
	return auth.NewService(pool, c.Now), c, pool
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	svc, _, _ := setup(t)
	ctx := context.Background()
	u, err := svc.Authenticate(ctx, " Hotline ", demo.Password, "10.0.0.1")
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	if u.Username != "hotline" || u.Role != auth.RoleHotline {
		t.Errorf("got %+v", u)
	}
	if _, err := svc.Authenticate(ctx, "hotline", "wrong", "10.0.0.1"); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := svc.Authenticate(ctx, "nobody", demo.Password, "10.0.0.1"); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("unknown user: %v", err)
	}
}

func TestThrottlePerAccountAndAddress(t *testing.T) {
	t.Parallel()
	svc, clk, pool := setup(t)
	ctx := context.Background()
	for i := 0; i < auth.MaxFailuresPerPair; i++ {
		if _, err := svc.Authenticate(ctx, "tech1", "wrong", "10.0.1.1"); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// From that address the account waits, even with the right password.
	if _, err := svc.Authenticate(ctx, "tech1", demo.Password, "10.0.1.1"); apperr.CodeOf(err) != apperr.TooManyRequests {
		t.Fatalf("after %d failures the right password got %v, want TooManyRequests", auth.MaxFailuresPerPair, err)
	}
	// The owner at their own desk is not locked out by a stranger's guesses.
	if _, err := svc.Authenticate(ctx, "tech1", demo.Password, "10.0.2.1"); err != nil {
		t.Fatalf("the owner from another address: %v", err)
	}
	// Back-off: after the first wait one more try is allowed; a failure doubles the wait.
	clk.Advance(auth.FirstBackoff + time.Second)
	if _, err := svc.Authenticate(ctx, "tech1", "wrong", "10.0.1.1"); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("after the first back-off: %v", err)
	}
	clk.Advance(auth.FirstBackoff + time.Second)
	if _, err := svc.Authenticate(ctx, "tech1", demo.Password, "10.0.1.1"); apperr.CodeOf(err) != apperr.TooManyRequests {
		t.Fatalf("the doubled back-off was not kept: %v", err)
	}
	if locked, _ := svc.Locked(ctx, "tech1"); !locked {
		t.Error("Locked does not report the held-back account")
	}
	// An admin unlocks: the account signs in from that address at once, and the
	// history says who unlocked it.
	admin, tech := testkit.Actor(t, pool, "admin"), testkit.Actor(t, pool, "tech1")
	if err := svc.Unlock(ctx, tech, tech.UserID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a technician unlocks: %v", err)
	}
	if err := svc.Unlock(ctx, admin, tech.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, "tech1", demo.Password, "10.0.1.1"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	var n int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM user_events WHERE user_id = $1 AND kind = 'unlocked' AND actor_id = $2`, tech.UserID, admin.UserID).Scan(&n)
	if n != 1 {
		t.Errorf("unlock events: %d", n)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	t.Parallel()
	svc, _, _ := setup(t)
	ctx := context.Background()
	// An office behind one address: twenty people mistyping once each is fine.
	for i := 0; i < 20; i++ {
		_, _ = svc.Authenticate(ctx, fmt.Sprintf("typo%d", i), "x", "10.9.9.9")
	}
	if _, err := svc.Authenticate(ctx, "hotline", demo.Password, "10.9.9.9"); err != nil {
		t.Fatalf("after an office's usual mistakes: %v", err)
	}
	for i := 20; i < auth.MaxFailuresPerIP; i++ {
		// Different (unknown) accounts, one address: only the address ceiling can trigger.
		if _, err := svc.Authenticate(ctx, fmt.Sprintf("guess%d", i), "x", "10.9.9.9"); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := svc.Authenticate(ctx, "hotline", demo.Password, "10.9.9.9"); apperr.CodeOf(err) != apperr.TooManyRequests {
		t.Fatalf("got %v, want TooManyRequests", err)
	}
	if _, err := svc.Authenticate(ctx, "hotline", demo.Password, "10.9.9.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// TestThrottleHoldsUnderConcurrency: simultaneous wrong passwords for one account from
// one address are counted before any is checked, so no more than the limit are checked
// and a right password among them does not slip through.
func TestThrottleHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	svc, _, pool := setup(t)
	ctx := context.Background()
	const n = 41
	results := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := "wrong"
			if i == n/2 {
				pw = demo.Password
			}
			_, err := svc.Authenticate(ctx, "hotline", pw, "10.5.5.5")
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	// The one right password is checked too when it comes before the limit is reached: a
	// sign-in that succeeds is no failure, so at most the limit's failures and it.
	failed, succeeded := 0, 0
	for err := range results {
		switch apperr.CodeOf(err) {
		case apperr.TooManyRequests:
		case apperr.Unauthenticated:
			failed++
		case "":
			succeeded++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if failed > auth.MaxFailuresPerPair || succeeded > 1 {
		t.Errorf("%d failed and %d succeeded of %d simultaneous sign-ins, the limit is %d failures", failed, succeeded, n, auth.MaxFailuresPerPair)
	}
	var failures int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM login_attempts WHERE ip = '10.5.5.5' AND NOT ok`).Scan(&failures)
	if failures > auth.MaxFailuresPerPair {
		t.Errorf("%d failed attempts recorded", failures)
	}
}

func TestPasswordProblem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ user, pw, want string }{
		{"wang", "12345678", "user.field.password_common"},
		{"wang", "password", "user.field.password_common"},
		{"wang", "        ", "user.field.password_blank"},
		{"wang", "short1", "user.field.password_short"},
		{"wangwei", "wangwei2026", "user.field.password_username"},
		{"wangwei", "WangWei", "user.field.password_short"},
		{"wang", "abcdefgh", "user.field.password_simple"},
		{"wang", "93847261", "user.field.password_simple"},
		{"wang", "demo1234", ""},
		{"wang", "correcthorsebatterystaple", ""},
		{"wang", "维修站2026春", ""},
	} {
		if got := auth.PasswordProblem(tc.user, tc.pw); got != tc.want {
			t.Errorf("PasswordProblem(%q, %q) = %q, want %q", tc.user, tc.pw, got, tc.want)
		}
	}
}

func TestStationScope(t *testing.T) {
	t.Parallel()
	svc, _, pool := setup(t)
	sh, _ := svc.StationByCode(context.Background(), "SH")
	sz, _ := svc.StationByCode(context.Background(), "SZ")
	hd, _ := svc.StationByCode(context.Background(), "HD")
	sup := testkit.Actor(t, pool, "supervisor")
	if !sup.Sees(sh.ID) || sup.Sees(sz.ID) || sup.Sees(hd.ID) {
		t.Errorf("supervisor at SH sees %v", sup.Stations)
	}
	mgr := testkit.Actor(t, pool, "manager")
	if !mgr.Sees(sh.ID) || !mgr.Sees(sz.ID) || !mgr.Sees(hd.ID) {
		t.Errorf("regional manager sees %v, want HD, SH and SZ", mgr.Stations)
	}
	if mgr.StationName != "华东区域服务中心" {
		t.Errorf("station name %q", mgr.StationName)
	}
}

func TestUserAdministration(t *testing.T) {
	t.Parallel()
	svc, _, pool := setup(t)
	ctx := context.Background()
	admin := testkit.Actor(t, pool, "admin")
	hotline := testkit.Actor(t, pool, "hotline")
	sh, _ := svc.StationByCode(ctx, "SH")

	if _, err := svc.CreateUser(ctx, hotline, auth.NewUser{Username: "x1", DisplayName: "X", Role: auth.RoleHotline, StationID: sh.ID, Password: "Long-enough9"}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("hotline creating a user: %v", err)
	}
	_, err := svc.CreateUser(ctx, admin, auth.NewUser{Username: "Bad Name", Role: "boss", Password: "short"})
	e := apperr.As(err)
	for _, f := range []string{"username", "display_name", "role", "station_id", "password"} {
		if e.Fields[f] == "" {
			t.Errorf("field %s has no message: %v", f, e.Fields)
		}
	}
	u, err := svc.CreateUser(ctx, admin, auth.NewUser{Username: "newtech", DisplayName: "新技师", Role: auth.RoleTechnician, StationID: sh.ID, Password: "Long-enough9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, admin, auth.NewUser{Username: "NEWTECH", DisplayName: "重复", Role: auth.RoleTechnician, StationID: sh.ID, Password: "Long-enough9"}); apperr.As(err).Fields["username"] != "user.username_taken" {
		t.Errorf("duplicate username: %v", err)
	}
	if _, err := svc.Authenticate(ctx, "newtech", "Long-enough9", "10.1.1.1"); err != nil {
		t.Fatalf("new user signs in: %v", err)
	}
	if err := svc.ResetPassword(ctx, admin, u.ID, "another-pass"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, "newtech", "another-pass", "10.1.1.1"); err != nil {
		t.Fatalf("after reset: %v", err)
	}
	if err := svc.SetActive(ctx, admin, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, "newtech", "another-pass", "10.1.1.1"); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("deactivated user signed in: %v", err)
	}
	if _, err := svc.ActorFor(ctx, u.ID); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("deactivated user still acts: %v", err)
	}
	if err := svc.SetActive(ctx, admin, admin.UserID, false); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("admin deactivating self: %v", err)
	}
	var events []string
	rows, _ := pool.Query(ctx, `SELECT kind FROM user_events WHERE user_id = $1 ORDER BY id`, u.ID)
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		events = append(events, k)
	}
	if fmt.Sprint(events) != "[created password_reset deactivated]" {
		t.Errorf("history %v", events)
	}
}

// TestSystemAccountNeverSignsIn: the account of the customers' online steps gets no
// password and is never activated; nothing is written.
func TestSystemAccountNeverSignsIn(t *testing.T) {
	t.Parallel()
	svc, _, pool := setup(t)
	ctx := context.Background()
	var id int64
	if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, auth.SystemUsername).Scan(&id); err != nil {
		t.Fatalf("the demo's system account: %v", err)
	}
	admin := testkit.Actor(t, pool, "admin")
	if err := svc.ResetPassword(ctx, admin, id, "a-long-new-password-1"); apperr.As(err).Key != "user.system_account" {
		t.Errorf("password reset: %v", err)
	}
	if err := svc.SetActive(ctx, admin, id, true); apperr.As(err).Key != "user.system_account" {
		t.Errorf("activation: %v", err)
	}
	var active bool
	var hash string
	if err := pool.QueryRow(ctx, `SELECT active, password_hash FROM users WHERE id = $1`, id).Scan(&active, &hash); err != nil {
		t.Fatal(err)
	}
	if active || hash != "!" {
		t.Errorf("the system account changed: active %v, hash %q", active, hash)
	}
}

// TestAdminCannotMoveThemselvesOrTheSystemAccount: a move that would strand the admin
// or move the customers' account is refused and changes nothing.
func TestAdminCannotMoveThemselvesOrTheSystemAccount(t *testing.T) {
	t.Parallel()
	svc, _, pool := setup(t)
	ctx := context.Background()
	admin := testkit.Actor(t, pool, "admin")
	var sh, system int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT id FROM stations WHERE code = 'SH'), (SELECT id FROM users WHERE username = $1)`, auth.SystemUsername).Scan(&sh, &system); err != nil {
		t.Fatal(err)
	}
	if err := svc.MoveUser(ctx, admin, admin.UserID, sh); apperr.As(err).Key != "user.cannot_move_self" {
		t.Errorf("moving oneself: %v", err)
	}
	if err := svc.MoveUser(ctx, admin, system, sh); apperr.As(err).Key != "user.system_account" {
		t.Errorf("moving the system account: %v", err)
	}
	var moved int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM user_events WHERE kind = 'moved'`).Scan(&moved); err != nil || moved != 0 {
		t.Errorf("moves recorded: %d %v", moved, err)
	}
}
