// Package customer holds customers (客户档案), their phones and addresses, and units (设备).
package customer

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region assumed for numbers typed without a country code.
const DefaultRegion = "CN"

// NormalizePhone returns the E.164 form of a phone number typed by a user
// ("138 1234 5678" → "+8613812345678"), or ok=false when it is not a valid number for
// its region. Only digits, spaces, + - ( ) and dots are accepted: libphonenumber would
// read a trailing letter as an extension and a cut-off mobile as a possible number.
func NormalizePhone(raw string) (e164 string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.IndexFunc(raw, func(r rune) bool {
		return !(r >= '0' && r <= '9' || strings.ContainsRune(" +-().", r))
	}) >= 0 {
		return "", false
	}
	num, err := phonenumbers.Parse(raw, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}
