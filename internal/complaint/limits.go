package complaint

import "github.com/aftersales/aftersales/internal/textlimit"

// The lengths of a complaint's texts, in characters: the service refuses longer input
// with a message that names the limit, and the forms' inputs carry the same maxlength.
const (
	maxShort = 500
	maxLong  = 2000
)

var limits = textlimit.Set{Default: maxShort, Fields: map[string]int{
	"what_happened": maxLong, "customer_asks": 1000, "investigation": maxLong, "cause": 1000,
	"responsibility": maxShort, "result": maxLong, "note": maxShort, "reason": maxShort,
	"appraisal_reason": maxShort, "paid_how_note": 200, "contact_phone": 100,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// checkLengths adds to f, for each name → value pair over its field's limit, the message
// naming the limit (a field that already has a message keeps it).
func checkLengths(f map[string]string, kv ...string) map[string]string { return limits.Check(f, kv...) }
