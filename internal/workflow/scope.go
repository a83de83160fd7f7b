package workflow

import "github.com/aftersales/aftersales/internal/auth"

// Sees is the one visibility rule of orders: an actor sees the orders of their stations
// (for managers and admins of a centre or headquarters, the stations below it too), and a
// technician only those assigned to them. assignee is nil for an unassigned order.
func Sees(a auth.Actor, stationID int64, assignee *int64) bool {
	if !a.Sees(stationID) {
		return false
	}
	if a.Role == auth.RoleTechnician {
		return assignee != nil && *assignee == a.UserID
	}
	return true
}

// Scope is Sees as SQL: the condition that keeps the rows of work_orders under alias to
// those a sees. arg adds a value to the query's arguments and returns its placeholder.
// One station is an equality, so the (station_id, created_at) index gives the newest
// rows in order.
func Scope(a auth.Actor, alias string, arg func(any) string) string {
	var cond string
	if len(a.Stations) == 1 {
		cond = alias + ".station_id = " + arg(a.Stations[0])
	} else {
		cond = alias + ".station_id = ANY(" + arg(a.Stations) + ")"
	}
	if a.Role == auth.RoleTechnician {
		cond += " AND " + alias + ".assignee_id = " + arg(a.UserID)
	}
	return cond
}

// MayRequestParts reports whether a, who sees the order, may ask for parts for it in
// state s: its technician or a supervisor, from dispatch until the work is done.
func MayRequestParts(a auth.Actor, s State) bool {
	return s.TakesParts() && a.Is(auth.RoleTechnician, auth.RoleSupervisor)
}

// NotifyChannel is the PostgreSQL channel every order change is NOTIFYed on, in the
// transaction that makes it, with a JSON payload {"id":…,"station_id":…,"state":…,
// "version":…,"assignee_id":…,"prev_assignee_id":…}. Live pages LISTEN on it.
const NotifyChannel = "work_orders"

// NotifySQL NOTIFYs the change of order $1 as it now stands (same assignee before and
// after), for changes made outside the work-order service's write path.
const NotifySQL = `SELECT pg_notify('` + NotifyChannel + `', json_build_object('id', id, 'station_id', station_id, 'state', state,
	'version', version, 'assignee_id', coalesce(assignee_id, 0), 'prev_assignee_id', coalesce(assignee_id, 0))::text)
	FROM work_orders WHERE id = $1`
