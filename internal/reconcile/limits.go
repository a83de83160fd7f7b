package reconcile

import "github.com/aftersales/aftersales/internal/textlimit"

// The lengths of the reconciliation's texts, in characters: the service refuses longer
// input with a message that names the limit, and the forms' inputs carry the same
// maxlength.
var limits = textlimit.Set{Default: 500, Fields: map[string]int{"note": 500, "amount": 100}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

func checkLengths(f map[string]string, kv ...string) map[string]string { return limits.Check(f, kv...) }
