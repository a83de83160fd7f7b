package auth

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MinPasswordLen is the shortest password accepted (see PasswordProblem for the rest).
const MinPasswordLen = 8

// User is an account.
type User struct {
	ID          int64     `db:"id"`
	Username    string    `db:"username"`
	DisplayName string    `db:"display_name"`
	Role        Role      `db:"role"`
	StationID   int64     `db:"station_id"`
	StationName string    `db:"station_name"`
	Language    *string   `db:"language"`
	Phone       string    `db:"phone"`
	Active      bool      `db:"active"`
	CreatedAt   time.Time `db:"created_at"`
}

// Station is a service station (服务站) in the station tree.
type Station struct {
	ID       int64  `db:"id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	Kind     string `db:"kind"`
	ParentID *int64 `db:"parent_id"`
}

// Service owns users, stations and sign-in.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns the auth service; now is the one clock.
func NewService(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

const userCols = `u.id, u.username, u.display_name, u.role, u.station_id, s.name AS station_name, u.language, u.phone, u.active, u.created_at`

// Authenticate checks a username and password and records the attempt. It returns
// TooManyRequests when this account failed too often from this address recently (with
// back-off), when the address failed too often on any account, or when too many
// passwords are being checked at once; Unauthenticated for a wrong or inactive account
// (without saying which).
func (s *Service) Authenticate(ctx context.Context, username, password, ip string) (User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if len(username) > MaxUsernameBytes || len(password) > MaxPasswordBytes || !utf8.ValidString(username) {
		return User{}, apperr.New(apperr.Unauthenticated, "auth.bad_credentials")
	}
	attempt, err := s.admit(ctx, username, ip)
	if err != nil {
		return User{}, err
	}
	var hash string
	var u User
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+`, u.password_hash FROM users u JOIN stations s ON s.id = u.station_id WHERE lower(u.username) = $1`, username)
	if err != nil {
		return User{}, db.Translate(err, "load user")
	}
	found := false
	for rows.Next() {
		found = true
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.StationID, &u.StationName, &u.Language, &u.Phone, &u.Active, &u.CreatedAt, &hash); err != nil {
			rows.Close()
			return User{}, db.Translate(err, "scan user")
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return User{}, db.Translate(err, "load user")
	}
	ok := false
	var checkErr error
	err = withHashSlot(ctx, func() {
		if found && u.Active {
			ok, checkErr = CheckPassword(hash, password)
		} else {
			// Spend the same time as a real check so timing does not reveal accounts.
			_, _ = CheckPassword(dummyHash, password)
		}
	})
	if err != nil {
		// Not the user's failure: the attempt does not count.
		_, _ = s.pool.Exec(ctx, `DELETE FROM login_attempts WHERE id = $1`, attempt)
		return User{}, err
	}
	if checkErr != nil {
		return User{}, apperr.Wrap(checkErr, "check password")
	}
	if !ok {
		return User{}, apperr.New(apperr.Unauthenticated, "auth.bad_credentials")
	}
	if _, err := s.pool.Exec(ctx, `UPDATE login_attempts SET ok = true WHERE id = $1`, attempt); err != nil {
		return User{}, db.Translate(err, "record attempt")
	}
	// Old attempts are only needed for the window; trim them now and then.
	_, _ = s.pool.Exec(ctx, `DELETE FROM login_attempts WHERE at < $1`, s.now().Add(-24*time.Hour))
	return u, nil
}

var dummyHash, _ = HashPassword("not-a-real-password")

// ActorFor loads the acting user (active only) with the stations they may see.
func (s *Service) ActorFor(ctx context.Context, userID int64) (Actor, error) {
	// One statement per request: the user, their station and the stations they see
	// (their own; for managers and admins the whole subtree below it).
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+`,
		CASE WHEN u.role IN ('manager', 'admin') THEN ARRAY(
			WITH RECURSIVE sub AS (
				SELECT id FROM stations WHERE id = u.station_id
				UNION ALL SELECT st.id FROM stations st JOIN sub ON st.parent_id = sub.id)
			SELECT id FROM sub ORDER BY id)
		ELSE ARRAY[u.station_id] END AS scope, u.sessions_after
		FROM users u JOIN stations s ON s.id = u.station_id WHERE u.id = $1`, userID)
	if err != nil {
		return Actor{}, db.Translate(err, "load user")
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[actorRow])
	if err != nil {
		return Actor{}, db.Translate(err, "load user")
	}
	if !u.Active {
		return Actor{}, apperr.New(apperr.Unauthenticated, "auth.inactive")
	}
	a := Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: u.Role, StationID: u.StationID, StationName: u.StationName,
		Stations: u.Scope}
	if u.Language != nil {
		a.Language = *u.Language
	}
	if u.SessionsAfter != nil {
		a.SessionsAfter = *u.SessionsAfter
	}
	return a, nil
}

// actorRow is a user with the stations they see.
type actorRow struct {
	User
	Scope         []int64    `db:"scope"`
	SessionsAfter *time.Time `db:"sessions_after"`
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (s *Service) userByID(ctx context.Context, q querier, id int64) (User, error) {
	rows, err := q.Query(ctx, `SELECT `+userCols+` FROM users u JOIN stations s ON s.id = u.station_id WHERE u.id = $1`, id)
	if err != nil {
		return User{}, db.Translate(err, "load user")
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, db.Translate(err, "load user")
	}
	return u, nil
}

// UserByID returns one user the actor may manage (NotFound otherwise).
func (s *Service) UserByID(ctx context.Context, actor Actor, id int64) (User, error) {
	u, err := s.userByID(ctx, s.pool, id)
	if err != nil {
		return User{}, err
	}
	if !actor.Sees(u.StationID) {
		return User{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return u, nil
}

// Users lists the users of the stations the actor sees. Admins only (Forbidden).
func (s *Service) Users(ctx context.Context, actor Actor) ([]User, error) {
	if !actor.Is(RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "admin")
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM users u JOIN stations s ON s.id = u.station_id
		WHERE u.station_id = ANY($1) ORDER BY u.active DESC, s.id, u.role, u.username`, actor.Stations)
	if err != nil {
		return nil, db.Translate(err, "list users")
	}
	users, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	return users, db.Translate(err, "list users")
}

// Stations lists the stations the actor sees, in tree order.
func (s *Service) Stations(ctx context.Context, actor Actor) ([]Station, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE id = ANY($1) ORDER BY id`, actor.Stations)
	if err != nil {
		return nil, db.Translate(err, "list stations")
	}
	st, err := pgx.CollectRows(rows, pgx.RowToStructByName[Station])
	return st, db.Translate(err, "list stations")
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Username    string
	DisplayName string
	Role        Role
	StationID   int64
	Password    string
	Phone       string
}

// Valid checks the shape of the input; keys are catalog keys.
func (n NewUser) Valid() map[string]string {
	f := map[string]string{}
	if !usernameOK(n.Username) {
		f["username"] = "user.field.username_invalid"
	}
	if strings.TrimSpace(n.DisplayName) == "" {
		f["display_name"] = "field.required"
	}
	if !n.Role.Valid() {
		f["role"] = "field.required"
	}
	if n.StationID == 0 {
		f["station_id"] = "field.required"
	}
	if k := PasswordProblem(n.Username, n.Password); k != "" {
		f["password"] = k
	}
	return f
}

func usernameOK(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// CreateUser adds an account. Admins only, at a station they see. Returns Invalid with
// field keys, Forbidden, or Conflict when the username is taken.
func (s *Service) CreateUser(ctx context.Context, actor Actor, n NewUser) (User, error) {
	if !actor.Is(RoleAdmin) {
		return User{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "admin")
	}
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	if f := n.Valid(); len(f) > 0 {
		return User{}, apperr.Fields(f)
	}
	if !actor.Sees(n.StationID) {
		return User{}, apperr.Fields(map[string]string{"station_id": "field.required"})
	}
	return s.insertUser(ctx, &actor.UserID, n)
}

// AddUser adds an account without an acting user: the `aftersales user add` command
// that creates the first admin, and the demo data.
func (s *Service) AddUser(ctx context.Context, n NewUser) (User, error) {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	if f := n.Valid(); len(f) > 0 {
		return User{}, apperr.Fields(f)
	}
	return s.insertUser(ctx, nil, n)
}

func (s *Service) insertUser(ctx context.Context, actorID *int64, n NewUser) (User, error) {
	hash, err := HashPassword(n.Password)
	if err != nil {
		return User{}, apperr.Wrap(err, "hash")
	}
	var u User
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = $1)`, n.Username).Scan(&taken); err != nil {
			return db.Translate(err, "check username")
		}
		if taken {
			return &apperr.Error{Code: apperr.Conflict, Key: "user.username_taken", Fields: map[string]string{"username": "user.username_taken"}}
		}
		if err := stationTakesUsers(ctx, tx, n.StationID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO users (username, display_name, role, station_id, password_hash, phone, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			n.Username, strings.TrimSpace(n.DisplayName), n.Role, n.StationID, hash, strings.TrimSpace(n.Phone), s.now()).Scan(&id)
		if err != nil {
			return db.Translate(err, "insert user")
		}
		if err := s.event(ctx, tx, id, actorID, "created", map[string]any{"role": n.Role, "station_id": n.StationID}); err != nil {
			return err
		}
		u, err = s.userByID(ctx, tx, id)
		return err
	})
	return u, err
}

func (s *Service) event(ctx context.Context, tx pgx.Tx, userID int64, actorID *int64, kind string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO user_events (user_id, actor_id, kind, at, data) VALUES ($1, $2, $3, $4, $5)`, userID, actorID, kind, s.now(), data)
	return db.Translate(err, "user event")
}

// SystemUsername is the account the customers' own online steps are recorded under. It
// never signs in: its password cannot be set, it cannot be activated and it stays where
// it is.
const SystemUsername = "selfservice"

// ResetPassword sets a new password for a user the admin manages and ends the user's
// open sessions. Invalid when PasswordProblem refuses the password.
func (s *Service) ResetPassword(ctx context.Context, actor Actor, userID int64, password string) error {
	if !actor.Is(RoleAdmin) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "admin")
	}
	u, err := s.UserByID(ctx, actor, userID)
	if err != nil {
		return err
	}
	if u.Username == SystemUsername {
		return apperr.New(apperr.Invalid, "user.system_account")
	}
	if k := PasswordProblem(u.Username, password); k != "" {
		return apperr.Fields(map[string]string{"password": k})
	}
	hash, err := HashPassword(password)
	if err != nil {
		return apperr.Wrap(err, "hash")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The user's open sessions end: whoever knew the old password is signed out.
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = $3, sessions_after = $3 WHERE id = $1`, userID, hash, s.now()); err != nil {
			return db.Translate(err, "reset password")
		}
		return s.event(ctx, tx, userID, &actor.UserID, "password_reset", nil)
	})
}

// SetPasswordByUsername sets a password from the command line (no acting user).
func (s *Service) SetPasswordByUsername(ctx context.Context, username, password string) error {
	if k := PasswordProblem(username, password); k != "" {
		return apperr.Fields(map[string]string{"password": k})
	}
	hash, err := HashPassword(password)
	if err != nil {
		return apperr.Wrap(err, "hash")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $2, updated_at = $3, active = true, sessions_after = $3 WHERE lower(username) = lower($1) RETURNING id`, username, hash, s.now()).Scan(&id)
		if err != nil {
			return db.Translate(err, "set password")
		}
		return s.event(ctx, tx, id, nil, "password_reset", nil)
	})
}

// SetActive activates or deactivates a user the admin manages. Admins cannot
// deactivate themselves (Invalid).
func (s *Service) SetActive(ctx context.Context, actor Actor, userID int64, active bool) error {
	if !actor.Is(RoleAdmin) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "admin")
	}
	if userID == actor.UserID && !active {
		return apperr.New(apperr.Invalid, "user.cannot_deactivate_self")
	}
	u, err := s.UserByID(ctx, actor, userID)
	if err != nil {
		return err
	}
	if u.Username == SystemUsername && active {
		return apperr.New(apperr.Invalid, "user.system_account")
	}
	kind := "activated"
	if !active {
		kind = "deactivated"
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET active = $2, updated_at = $3 WHERE id = $1`, userID, active, s.now()); err != nil {
			return db.Translate(err, "set active")
		}
		return s.event(ctx, tx, userID, &actor.UserID, kind, nil)
	})
}

// stationTakesUsers locks a station against deactivation until tx ends and refuses
// (Invalid, field "station_id") an inactive or unknown one.
func stationTakesUsers(ctx context.Context, tx pgx.Tx, stationID int64) error {
	var active bool
	err := tx.QueryRow(ctx, `SELECT active FROM stations WHERE id = $1 FOR SHARE`, stationID).Scan(&active)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !active {
		return apperr.Fields(map[string]string{"station_id": "user.field.station_inactive"})
	}
	return db.Translate(err, "station")
}

// MoveUser moves a user the admin manages to another active station of the admin's
// tree, with a "moved" user event naming both stations. What the user sees follows at
// their next request, because ActorFor reads the station on every request. Admins only
// (Forbidden); NotFound for a user outside the admin's tree; Invalid for the admin
// themselves or the system account, and (field "station_id") for an inactive station,
// one outside the tree, or the user's own. The
// same form sent again changes nothing.
func (s *Service) MoveUser(ctx context.Context, actor Actor, userID, stationID int64) error {
	if !actor.Is(RoleAdmin) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "admin")
	}
	u, err := s.UserByID(ctx, actor, userID)
	if err != nil {
		return err
	}
	if u.Username == SystemUsername {
		return apperr.New(apperr.Invalid, "user.system_account")
	}
	if userID == actor.UserID {
		// An admin moved away from their station would lose the stations above it.
		return apperr.New(apperr.Invalid, "user.cannot_move_self")
	}
	if stationID == 0 || !actor.Sees(stationID) {
		return apperr.Fields(map[string]string{"station_id": "user.field.station_inactive"})
	}
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now); err != nil || !fresh {
			return err
		}
		var from int64
		var fromName string
		if err := tx.QueryRow(ctx, `SELECT u.station_id, s.name FROM users u JOIN stations s ON s.id = u.station_id WHERE u.id = $1 FOR UPDATE OF u`,
			userID).Scan(&from, &fromName); err != nil {
			return db.Translate(err, "load user")
		}
		if from == stationID {
			return apperr.Fields(map[string]string{"station_id": "user.field.station_same"})
		}
		if err := stationTakesUsers(ctx, tx, stationID); err != nil {
			return err
		}
		var toName string
		if err := tx.QueryRow(ctx, `UPDATE users u SET station_id = $2, updated_at = $3 FROM stations s WHERE u.id = $1 AND s.id = $2 RETURNING s.name`,
			userID, stationID, now).Scan(&toName); err != nil {
			return db.Translate(err, "move user")
		}
		return s.event(ctx, tx, userID, &actor.UserID, "moved", map[string]any{
			"from_station_id": from, "from_station": fromName, "station_id": stationID, "station": toName})
	})
}

// SetLanguage stores a user's UI language ("zh-Hans" or "en").
func (s *Service) SetLanguage(ctx context.Context, userID int64, lang string) error {
	if lang != "zh-Hans" && lang != "en" {
		return apperr.Fields(map[string]string{"lang": "field.required"})
	}
	_, err := s.pool.Exec(ctx, `UPDATE users SET language = $2, updated_at = $3 WHERE id = $1`, userID, lang, s.now())
	return db.Translate(err, "set language")
}

// AddStation creates a station under parent (nil for headquarters).
func (s *Service) AddStation(ctx context.Context, code, name, kind string, parentID *int64) (Station, error) {
	var st Station
	err := s.pool.QueryRow(ctx, `INSERT INTO stations (code, name, kind, parent_id, created_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING id, code, name, kind, parent_id`, code, name, kind, parentID, s.now()).Scan(&st.ID, &st.Code, &st.Name, &st.Kind, &st.ParentID)
	return st, db.Translate(err, "add station")
}

// StationByCode returns a station by its code.
func (s *Service) StationByCode(ctx context.Context, code string) (Station, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, code, name, kind, parent_id FROM stations WHERE code = $1`, strings.ToUpper(code))
	if err != nil {
		return Station{}, db.Translate(err, "station")
	}
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Station])
	return st, db.Translate(err, "station")
}
