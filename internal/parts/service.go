package parts

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns the parts ledger's operations: catalog, receipts, requisitions,
// stocktakes and the purchase plan. Every stock change goes through Post.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewService returns the parts service; now is the one clock, loc the users' time zone.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc}
}

// Location is a stock location of a station.
type Location struct {
	ID            int64      `db:"id"`
	StationID     int64      `db:"station_id"`
	Kind          string     `db:"kind"`
	Name          string     `db:"name"`
	LastCountedAt *time.Time `db:"last_counted_at"`
	StationName   string     `db:"station_name"`
}

// Locations lists the locations of the stations the actor sees.
func (s *Service) Locations(ctx context.Context, actor auth.Actor) ([]Location, error) {
	rows, err := s.pool.Query(ctx, `SELECT l.id, l.station_id, l.kind, l.name, l.last_counted_at, st.name AS station_name
		FROM locations l JOIN stations st ON st.id = l.station_id WHERE l.station_id = ANY($1) ORDER BY l.station_id, l.kind <> 'warehouse', l.id`, actor.Stations)
	if err != nil {
		return nil, db.Translate(err, "locations")
	}
	locs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Location])
	return locs, db.Translate(err, "locations")
}

// location loads one location the actor sees (NotFound otherwise).
func (s *Service) location(ctx context.Context, q pgx.Tx, actor auth.Actor, id int64) (Location, error) {
	var l Location
	err := q.QueryRow(ctx, `SELECT l.id, l.station_id, l.kind, l.name, l.last_counted_at, st.name FROM locations l JOIN stations st ON st.id = l.station_id WHERE l.id = $1`, id).
		Scan(&l.ID, &l.StationID, &l.Kind, &l.Name, &l.LastCountedAt, &l.StationName)
	if err != nil || !actor.Sees(l.StationID) {
		return Location{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return l, nil
}

// stationLocation returns the id of a station's warehouse or quarantine.
func stationLocation(ctx context.Context, q pgx.Tx, stationID int64, kind string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM locations WHERE station_id = $1 AND kind = $2`, stationID, kind).Scan(&id)
	return id, db.Translate(err, "location")
}

// keeps reports whether the actor keeps the store (storekeepers; managers may look).
func keeps(a auth.Actor) bool { return a.Is(auth.RoleStorekeeper) }

// forbidden is the error for a role that may not do a parts operation.
func forbidden(roles string) error {
	return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", roles)
}
