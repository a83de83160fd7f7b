package views

import (
	"context"

	"github.com/aftersales/aftersales/internal/auth"
)

// stationSettingsTabs are the settings of a station (values, calendar, fee schedule),
// open to managers and to admins setting stations up; managerSettingsTabs follow them for
// managers only, as the routes have it.
var (
	stationSettingsTabs = [][2]string{{"/settings", "settings.title"}, {"/settings/fees", "nav.fees"}}
	managerSettingsTabs = [][2]string{{"/settings/complaints", "complaint.rules_title"}, {"/settings/proposals", "proposal.levels.tab"}, {"/settings/daily-reports", "daily.rules_title"}, {"/settings/maintenance", "maint.settings.title"}}
)

// settingsTabs are the settings pages the request's actor may open: an admin the
// station settings, a manager all of them.
func settingsTabs(ctx context.Context) [][2]string {
	if a, ok := auth.ActorFrom(ctx); ok && a.Role == auth.RoleAdmin {
		return stationSettingsTabs
	}
	return append(append([][2]string{}, stationSettingsTabs...), managerSettingsTabs...)
}
