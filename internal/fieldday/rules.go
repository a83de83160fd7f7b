// Package fieldday keeps what comes before the day's field work: the station's daily
// safety meeting (安全会) and the technicians' confirmations of it, and the technician's
// pre-departure check of the kit (出发前自检) before the first check-in of a job. Neither
// ever blocks a check-in: what was missed is recorded and shown to the supervisor. This
// file holds the pure rules.
package fieldday

import (
	"github.com/aftersales/aftersales/internal/workflow"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/textlimit"
)

// DefaultKit is the manual's kit list (空压机售后服务流程规范 §二), used by a station that
// has not set its own.
var DefaultKit = []string{"工具", "配件或备用机", "维修记录单", "收据", "收费标准", "服务卡", "工作证", "抹布"}

// Limits of the kit list.
const (
	MaxKitItems = 30
	MaxKitItem  = 40
)

var limits = textlimit.Set{Default: 500, Fields: map[string]int{
	"topic": 200, "hazards": 1000, "measures": 1000, "note": 500, "kit": 2000,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// ParseKit splits a kit list typed one item a line into its distinct items; ok is false
// when it has no item, too many, or one too long.
func ParseKit(s string) (items []string, ok bool) {
	for _, line := range strings.Split(s, "\n") {
		it := strings.TrimSpace(line)
		if it == "" || slices.Contains(items, it) {
			continue
		}
		if len([]rune(it)) > MaxKitItem {
			return nil, false
		}
		items = append(items, it)
	}
	return items, len(items) > 0 && len(items) <= MaxKitItems
}

// Missing is the kit's items not ticked, in the kit's order.
func Missing(kit, ticked []string) []string {
	var out []string
	for _, it := range kit {
		if !slices.Contains(ticked, it) {
			out = append(out, it)
		}
	}
	return out
}

// NeedsCheck reports whether a job still asks for its pre-departure check: it is open,
// its technician has not checked in on it and has not checked the kit.
func NeedsCheck(state workflow.State, arrived *time.Time, checked bool) bool {
	return state.Open() && arrived == nil && !checked
}

// Reminder reports whether a technician who checked in today is reminded of the safety
// meeting: they have not confirmed attending one today.
func Reminder(checkedInToday, attended bool) bool { return checkedInToday && !attended }

// Records reports whether the actor records the station's safety meeting and keeps its
// kit list: supervisors and managers.
func Records(a auth.Actor) bool { return a.Is(auth.RoleSupervisor, auth.RoleManager) }
