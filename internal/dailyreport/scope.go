package dailyreport

import "github.com/aftersales/aftersales/internal/auth"

// Sees is the one visibility rule of daily reports: a technician sees their own;
// supervisors and managers those of their stations (for managers of a centre or
// headquarters, the stations below it too); nobody else any.
func Sees(a auth.Actor, stationID, technicianID int64) bool {
	switch a.Role {
	case auth.RoleTechnician:
		return technicianID == a.UserID
	case auth.RoleSupervisor, auth.RoleManager:
		return a.Sees(stationID)
	}
	return false
}

// Scope is Sees as SQL on the daily_reports (or users, with column tech) under alias:
// station is the station column, tech the technician column. arg adds a value to the
// query's arguments and returns its placeholder.
func Scope(a auth.Actor, station, tech string, arg func(any) string) string {
	switch a.Role {
	case auth.RoleTechnician:
		return tech + " = " + arg(a.UserID)
	case auth.RoleSupervisor, auth.RoleManager:
		return station + " = ANY(" + arg(a.Stations) + ")"
	}
	return "false"
}

// MayReview reports whether a may comment on and review the reports it sees.
func MayReview(a auth.Actor) bool { return a.Is(auth.RoleSupervisor, auth.RoleManager) }
