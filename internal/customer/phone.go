// Package customer holds customers (客户档案), their phones and addresses, and units (设备).
package customer

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region assumed for numbers typed without a country code.
const DefaultRegion = "CN"

// NormalizePhone returns the E.164 form of a phone number typed by a user
// ("138 1234 5678" → "+8613812345678"), or ok=false when it is not a possible number.
func NormalizePhone(raw string) (e164 string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", false
	}
	num, err := phonenumbers.Parse(raw, DefaultRegion)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}
