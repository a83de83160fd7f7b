package reconcile

import "github.com/aftersales/aftersales/internal/auth"

// MayView reports whether the actor may read reconciliations: managers of the station
// or above, and supervisors.
func MayView(a auth.Actor) bool { return a.Is(auth.RoleManager, auth.RoleSupervisor) }

// MayChange reports whether the actor may resolve lines, tick returns, confirm cash and
// close days: managers only.
func MayChange(a auth.Actor) bool { return a.Is(auth.RoleManager) }
