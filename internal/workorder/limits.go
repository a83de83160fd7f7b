package workorder

import "github.com/aftersales/aftersales/internal/textlimit"

// The lengths of an order's texts, in characters. The service refuses longer input with
// a message that names the limit (LimitKey), and the forms' inputs carry the same limit
// as maxlength (Limit).
const (
	// MaxNameText bounds names and other one-line identities.
	MaxNameText = 100
	// MaxShortText bounds notes, reasons and lists typed on an action.
	MaxShortText = 500
	// MaxLongText bounds descriptions: symptom, guidance, analysis, plan, diagnosis.
	MaxLongText = 2000
)

// limits are the fields whose limit is not MaxShortText.
var limits = textlimit.Set{Default: MaxShortText, Fields: map[string]int{
	"contact_name": MaxNameText, "address": 200, "request": 1000, "comments": 1000,
	"symptom": MaxLongText, "preliminary": MaxLongText, "guidance": MaxLongText,
	"cause_analysis": MaxLongText, "repair_plan": MaxLongText,
	"diagnosis": MaxLongText, "fault_cause": MaxLongText, "actions_taken": MaxLongText,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// LimitKey is the catalog key of the message for a text over n characters.
func LimitKey(n int) string { return textlimit.Key(n) }

// checkLengths adds to f, for each name → value pair over its field's limit, the
// message naming the limit (a field that already has a message keeps it).
func checkLengths(f map[string]string, kv ...string) map[string]string { return limits.Check(f, kv...) }
