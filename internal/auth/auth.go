// Package auth holds users, roles, stations, password hashing, sign-in throttling and
// the Actor carried in the request context.
package auth

import (
	"context"
	"slices"
	"time"
)

// Role is what a user does in the department (docs/domain.md).
type Role string

// The roles.
const (
	RoleHotline     Role = "hotline"
	RoleSupervisor  Role = "supervisor"
	RoleTechnician  Role = "technician"
	RoleStorekeeper Role = "storekeeper"
	RoleManager     Role = "manager"
	RoleAdmin       Role = "admin"
)

// Roles lists every role in display order.
var Roles = []Role{RoleHotline, RoleSupervisor, RoleTechnician, RoleStorekeeper, RoleManager, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Actor is the signed-in user acting in a request.
type Actor struct {
	UserID    int64
	Username  string
	Name      string
	Role      Role
	StationID int64
	// StationName is the name of the actor's own station.
	StationName string
	// Stations are the stations whose data the actor may see: their own, plus the
	// stations below it for managers and admins of a centre or headquarters.
	Stations []int64
	Language string
	// SessionsAfter ends sessions signed in before it (zero: none are ended).
	SessionsAfter time.Time
}

// Is reports whether the actor has one of roles.
func (a Actor) Is(roles ...Role) bool { return slices.Contains(roles, a.Role) }

// Sees reports whether the actor may see data of station id.
func (a Actor) Sees(stationID int64) bool { return slices.Contains(a.Stations, stationID) }

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
