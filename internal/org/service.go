package org

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service keeps the station tree.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns the station service; now is the one clock.
func NewService(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// Station is one station of the tree with its profile.
type Station struct {
	ID           int64  `db:"id"`
	Code         string `db:"code"`
	Name         string `db:"name"`
	Kind         Kind   `db:"kind"`
	ParentID     *int64 `db:"parent_id"`
	ParentName   string `db:"parent_name"`
	Address      string `db:"address"`
	ServicePhone string `db:"service_phone"`
	TimeZone     string `db:"time_zone"`
	Active       bool   `db:"active"`
	// Depth is 0 for headquarters, 1 for a centre, 2 for an outlet.
	Depth int `db:"depth"`
	// Users counts the station's active users.
	Users int `db:"users"`
}

// Profile is the station's editable part.
func (s Station) Profile() Profile {
	return Profile{Name: s.Name, Address: s.Address, ServicePhone: s.ServicePhone, TimeZone: s.TimeZone}
}

// Tree is the stations page: the stations the admin sees in tree order, and the
// stations a new centre or outlet may hang under.
type Tree struct {
	Stations []Station
	// Parents are the active headquarters and centres, the parents a new station may take.
	Parents []Station
}

// Event is one change of a station: who, when, what, old and new values.
type Event struct {
	ID    int64          `db:"id"`
	Kind  string         `db:"kind"`
	At    time.Time      `db:"at"`
	Actor string         `db:"actor"`
	Old   map[string]any `db:"old"`
	New   map[string]any `db:"new"`
}

// Permissions is what the admin may do with a station now; the page shows exactly these.
type Permissions struct {
	Edit       bool
	Move       bool
	Deactivate bool
	Reactivate bool
}

// Page is one station's page: the station, what works there, its history, the centres
// an outlet may move to, and what the admin may do.
type Page struct {
	Station Station
	Usage   Usage
	Events  []Event
	Centres []Station
	May     Permissions
}

func mayAdminister(a auth.Actor) error {
	if !a.Is(auth.RoleAdmin) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "admin")
	}
	return nil
}

// stationCols reads a station (alias s) with its parent's name (alias p) and its active
// users; depth comes from the query.
const stationCols = `s.id, s.code, s.name, s.kind, s.parent_id, coalesce(p.name, '') AS parent_name, s.address, s.service_phone,
	s.time_zone, s.active, (SELECT count(*) FROM users u WHERE u.station_id = s.id AND u.active)::int AS users`

// Tree lists the stations the admin sees, each under its parent. Admins only (Forbidden).
func (s *Service) Tree(ctx context.Context, actor auth.Actor) (Tree, error) {
	if err := mayAdminister(actor); err != nil {
		return Tree{}, err
	}
	rows, err := s.pool.Query(ctx, `WITH RECURSIVE t AS (
			SELECT id, 0 AS depth, ARRAY[name || '#' || id] AS path FROM stations WHERE parent_id IS NULL
			UNION ALL SELECT c.id, t.depth + 1, t.path || (c.name || '#' || c.id) FROM stations c JOIN t ON c.parent_id = t.id)
		SELECT `+stationCols+`, t.depth FROM t JOIN stations s ON s.id = t.id LEFT JOIN stations p ON p.id = s.parent_id
		WHERE s.id = ANY($1) ORDER BY t.path`, actor.Stations)
	if err != nil {
		return Tree{}, db.Translate(err, "station tree")
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Station])
	if err != nil {
		return Tree{}, db.Translate(err, "station tree")
	}
	t := Tree{Stations: list}
	for _, st := range list {
		if st.Active && st.Kind != Outlet {
			t.Parents = append(t.Parents, st)
		}
	}
	return t, nil
}

// Page loads one station the admin sees. Admins only (Forbidden); NotFound for a
// station outside the admin's tree.
func (s *Service) Page(ctx context.Context, actor auth.Actor, id int64) (Page, error) {
	if err := mayAdminister(actor); err != nil {
		return Page{}, err
	}
	if !actor.Sees(id) {
		return Page{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	var p Page
	st, err := stationByID(ctx, s.pool, id, false)
	if err != nil {
		return Page{}, err
	}
	p.Station = st
	if p.Usage, err = usage(ctx, s.pool, id); err != nil {
		return Page{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT e.id, e.kind, e.at, u.display_name AS actor, e.old, e.new
		FROM station_events e JOIN users u ON u.id = e.actor_id WHERE e.station_id = $1 ORDER BY e.id DESC LIMIT 50`, id)
	if err != nil {
		return Page{}, db.Translate(err, "station events")
	}
	if p.Events, err = pgx.CollectRows(rows, pgx.RowToStructByName[Event]); err != nil {
		return Page{}, db.Translate(err, "station events")
	}
	if st.Kind == Outlet {
		rows, err := s.pool.Query(ctx, `SELECT `+stationCols+`, 1 AS depth FROM stations s LEFT JOIN stations p ON p.id = s.parent_id
			WHERE s.kind = 'centre' AND s.active AND s.id = ANY($1) AND s.id <> $2 ORDER BY s.name, s.id`, actor.Stations, *st.ParentID)
		if err != nil {
			return Page{}, db.Translate(err, "centres")
		}
		if p.Centres, err = pgx.CollectRows(rows, pgx.RowToStructByName[Station]); err != nil {
			return Page{}, db.Translate(err, "centres")
		}
	}
	p.May = Permissions{
		Edit:       true,
		Move:       st.Kind == Outlet && len(p.Centres) > 0,
		Deactivate: st.Kind != HQ && st.Active,
		Reactivate: !st.Active,
	}
	return p, nil
}

// stationByID loads one station; lock takes its row FOR UPDATE.
func stationByID(ctx context.Context, q db.Querier, id int64, lock bool) (Station, error) {
	sql := `SELECT ` + stationCols + `, CASE s.kind WHEN 'hq' THEN 0 WHEN 'centre' THEN 1 ELSE 2 END AS depth
		FROM stations s LEFT JOIN stations p ON p.id = s.parent_id WHERE s.id = $1`
	if lock {
		sql += ` FOR UPDATE OF s`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return Station{}, db.Translate(err, "load station")
	}
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Station])
	if err != nil {
		return Station{}, db.Translate(err, "load station")
	}
	return st, nil
}

// usage counts what still works at a station: open orders, active users by name and
// active stations below it by name.
func usage(ctx context.Context, q db.Querier, id int64) (Usage, error) {
	var u Usage
	err := q.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM work_orders WHERE station_id = $1 AND state <> ALL($2))::int,
			ARRAY(SELECT display_name || ' (' || username || ')' FROM users WHERE station_id = $1 AND active ORDER BY display_name, id),
			ARRAY(SELECT name FROM stations WHERE parent_id = $1 AND active ORDER BY name, id)`,
		id, []string{string(workflow.Closed), string(workflow.Cancelled)}).Scan(&u.OpenOrders, &u.Users, &u.Children)
	return u, db.Translate(err, "station usage")
}

// claim claims the form's one-time key; fresh is false when the same form already ran.
func (s *Service) claim(ctx context.Context, tx pgx.Tx, actor auth.Actor, now time.Time) (bool, int64, error) {
	return db.ClaimFormKey(ctx, tx, actor.UserID, now)
}

func event(ctx context.Context, tx pgx.Tx, stationID, actorID int64, at time.Time, kind string, old, next map[string]any) error {
	if old == nil {
		old = map[string]any{}
	}
	if next == nil {
		next = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO station_events (station_id, actor_id, at, kind, old, new) VALUES ($1, $2, $3, $4, $5, $6)`,
		stationID, actorID, at, kind, old, next)
	return db.Translate(err, "station event")
}

// Create adds a centre under headquarters or an outlet under a centre, with its event.
// Admins only (Forbidden); Invalid with field keys for a bad shape, a parent of the
// wrong kind, an inactive parent or one outside the admin's tree; Conflict (field
// "code") when the code is taken. The same form sent again returns the first station.
func (s *Service) Create(ctx context.Context, actor auth.Actor, n NewStation) (Station, error) {
	if err := mayAdminister(actor); err != nil {
		return Station{}, err
	}
	n.Code = strings.ToUpper(strings.TrimSpace(n.Code))
	n.Profile = n.Profile.Clean()
	if f := n.Valid(); len(f) > 0 {
		return Station{}, apperr.Fields(f)
	}
	if !actor.Sees(n.ParentID) {
		return Station{}, apperr.Fields(map[string]string{"parent_id": "station.field.parent_kind"})
	}
	now := s.now()
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		fresh, ref, err := s.claim(ctx, tx, actor, now)
		if err != nil {
			return err
		}
		if !fresh {
			id = ref
			return nil
		}
		parent, err := stationByID(ctx, tx, n.ParentID, true)
		if err != nil {
			return err
		}
		if parent.Kind != ParentKind(n.Kind) {
			return apperr.Fields(map[string]string{"parent_id": "station.field.parent_kind"})
		}
		if !parent.Active {
			return apperr.Fields(map[string]string{"parent_id": "station.field.parent_inactive"})
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM stations WHERE code = $1)`, n.Code).Scan(&taken); err != nil {
			return db.Translate(err, "station code")
		}
		if taken {
			return &apperr.Error{Code: apperr.Conflict, Key: "station.code_taken", Fields: map[string]string{"code": "station.code_taken"}}
		}
		err = tx.QueryRow(ctx, `INSERT INTO stations (code, name, kind, parent_id, address, service_phone, time_zone, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			n.Code, n.Name, n.Kind, n.ParentID, n.Address, n.ServicePhone, n.TimeZone, now).Scan(&id)
		if err != nil {
			return db.Translate(err, "add station")
		}
		if err := event(ctx, tx, id, actor.UserID, now, "created", nil, map[string]any{
			"code": n.Code, "kind": n.Kind, "parent": parent.Name, "name": n.Name,
			"address": n.Address, "service_phone": n.ServicePhone, "time_zone": n.TimeZone}); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Station{}, err
	}
	return stationByID(ctx, s.pool, id, false)
}

// Edit changes a station's name, address, service phone and time zone, with an event
// holding the changed values before and after. Admins only (Forbidden); NotFound outside
// the admin's tree; Invalid with field keys. Nothing changed, or the same form sent
// again, writes nothing.
func (s *Service) Edit(ctx context.Context, actor auth.Actor, id int64, p Profile) error {
	if err := mayAdminister(actor); err != nil {
		return err
	}
	if !actor.Sees(id) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	p = p.Clean()
	if f := p.Valid(); len(f) > 0 {
		return apperr.Fields(f)
	}
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if fresh, _, err := s.claim(ctx, tx, actor, now); err != nil || !fresh {
			return err
		}
		st, err := stationByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		old, next := map[string]any{}, map[string]any{}
		diff := func(k, a, b string) {
			if a != b {
				old[k], next[k] = a, b
			}
		}
		diff("name", st.Name, p.Name)
		diff("address", st.Address, p.Address)
		diff("service_phone", st.ServicePhone, p.ServicePhone)
		diff("time_zone", st.TimeZone, p.TimeZone)
		if len(next) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE stations SET name = $2, address = $3, service_phone = $4, time_zone = $5 WHERE id = $1`,
			id, p.Name, p.Address, p.ServicePhone, p.TimeZone); err != nil {
			return db.Translate(err, "edit station")
		}
		return event(ctx, tx, id, actor.UserID, now, "edited", old, next)
	})
}

// Move hangs an outlet under another centre, with an event naming both centres. Who
// sees the outlet's work follows at once: the old centre's managers stop seeing it, the
// new centre's see it. Admins only (Forbidden); NotFound outside the admin's tree;
// Invalid (field "parent_id") when the station is not an outlet, the target is not an
// active centre of the admin's tree, or it is the outlet's centre already. The same form
// sent again changes nothing.
func (s *Service) Move(ctx context.Context, actor auth.Actor, id, centreID int64) error {
	if err := mayAdminister(actor); err != nil {
		return err
	}
	if !actor.Sees(id) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	if centreID == 0 || !actor.Sees(centreID) {
		return apperr.Fields(map[string]string{"parent_id": "station.field.move_target"})
	}
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if fresh, _, err := s.claim(ctx, tx, actor, now); err != nil || !fresh {
			return err
		}
		// Lock in id order: the outlet and its new centre.
		first, second := id, centreID
		if second < first {
			first, second = second, first
		}
		a, err := stationByID(ctx, tx, first, true)
		if err != nil {
			return err
		}
		b, err := stationByID(ctx, tx, second, true)
		if err != nil {
			return err
		}
		st, centre := a, b
		if a.ID != id {
			st, centre = b, a
		}
		if st.Kind != Outlet {
			return apperr.Fields(map[string]string{"parent_id": "station.field.move_outlet_only"})
		}
		if centre.Kind != Centre || !centre.Active || (st.ParentID != nil && *st.ParentID == centre.ID) {
			return apperr.Fields(map[string]string{"parent_id": "station.field.move_target"})
		}
		if _, err := tx.Exec(ctx, `UPDATE stations SET parent_id = $2 WHERE id = $1`, id, centre.ID); err != nil {
			return db.Translate(err, "move station")
		}
		return event(ctx, tx, id, actor.UserID, now, "moved",
			map[string]any{"parent_id": st.ParentID, "parent": st.ParentName},
			map[string]any{"parent_id": centre.ID, "parent": centre.Name})
	})
}

// Deactivate stops a station from taking work. Refused (Conflict "station.in_use", with
// the counts and the users' names) while it has open orders, active users or active
// stations below it, and for headquarters (Invalid); nothing is written then. Admins
// only (Forbidden); NotFound outside the admin's tree. Deactivating an inactive station,
// or the same form again, changes nothing.
func (s *Service) Deactivate(ctx context.Context, actor auth.Actor, id int64) error {
	return s.setActive(ctx, actor, id, false)
}

// Reactivate lets an inactive station take work again. Refused (Conflict
// "station.parent_inactive") while the station above it is inactive. Admins only
// (Forbidden); NotFound outside the admin's tree.
func (s *Service) Reactivate(ctx context.Context, actor auth.Actor, id int64) error {
	return s.setActive(ctx, actor, id, true)
}

func (s *Service) setActive(ctx context.Context, actor auth.Actor, id int64, active bool) error {
	if err := mayAdminister(actor); err != nil {
		return err
	}
	if !actor.Sees(id) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if fresh, _, err := s.claim(ctx, tx, actor, now); err != nil || !fresh {
			return err
		}
		st, err := stationByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if st.Active == active {
			return nil
		}
		kind := "reactivated"
		if active {
			if st.ParentID != nil {
				var parentActive bool
				if err := tx.QueryRow(ctx, `SELECT active FROM stations WHERE id = $1 FOR SHARE`, *st.ParentID).Scan(&parentActive); err != nil {
					return db.Translate(err, "parent station")
				}
				if !parentActive {
					return apperr.New(apperr.Conflict, "station.parent_inactive", "Parent", st.ParentName)
				}
			}
		} else {
			kind = "deactivated"
			if st.Kind == HQ {
				return apperr.New(apperr.Invalid, "station.hq_stays")
			}
			u, err := usage(ctx, tx, id)
			if err != nil {
				return err
			}
			if u.InUse() {
				return apperr.New(apperr.Conflict, "station.in_use", "Name", st.Name, "Orders", u.OpenOrders,
					"Users", len(u.Users), "Names", Names(u.Users), "Children", len(u.Children), "ChildNames", Names(u.Children))
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE stations SET active = $2 WHERE id = $1`, id, active); err != nil {
			return db.Translate(err, "station active")
		}
		return event(ctx, tx, id, actor.UserID, now, kind, map[string]any{"active": st.Active}, map[string]any{"active": active})
	})
}
