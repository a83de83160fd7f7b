package dailyreport

import "github.com/aftersales/aftersales/internal/textlimit"

// The lengths of a daily report's texts, in characters: the service refuses longer input
// with a message that names the limit, and the forms' inputs carry the same maxlength.
var limits = textlimit.Set{Default: 500, Fields: map[string]int{
	"difficulties": 1000, "feedback": 1000, "remarks": 1000, "comment": 500,
	"lead_customer": 100, "lead_what": 500, "lead_contact": 100,
}}

// MaxLeads is the most business leads one report holds.
const MaxLeads = 10

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }
