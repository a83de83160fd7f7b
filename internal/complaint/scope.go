package complaint

import "github.com/aftersales/aftersales/internal/auth"

// wholeStation are the roles that see every complaint of their stations; the others
// (technicians, storekeepers) see only the complaints they are responsible for.
var wholeStation = []auth.Role{auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin}

// Sees is the one visibility rule of complaints.
func Sees(a auth.Actor, stationID, responsibleID int64) bool {
	if !a.Sees(stationID) {
		return false
	}
	return a.Is(wholeStation...) || (responsibleID != 0 && responsibleID == a.UserID)
}

// Scope is Sees as SQL on the complaints under alias; arg adds a value to the query's
// arguments and returns its placeholder.
func Scope(a auth.Actor, alias string, arg func(any) string) string {
	cond := alias + ".station_id = ANY(" + arg(a.Stations) + ")"
	if !a.Is(wholeStation...) {
		cond += " AND " + alias + ".responsible_id = " + arg(a.UserID)
	}
	return cond
}
