// Package customer holds customers (客户档案), their phones and addresses, and units (设备).
package customer

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region assumed for numbers typed without a country code.
const DefaultRegion = "CN"

// FoldPhone returns a typed phone number with what a Chinese input method types in
// full width (１３８, ＋, －, （）, the ideographic space) and the other dashes (—, ‐)
// in ASCII, trimmed; nothing else changes. Numbers are stored this way, as typed.
func FoldPhone(raw string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～': // U+FF01–FF5E, the full-width forms of ASCII ! to ~
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		case r >= '\u2010' && r <= '\u2015', r == '\u2212':
			return '-'
		}
		return r
	}, raw))
}

// CompactPhone is the one normalisation of a typed phone number: folded (FoldPhone),
// then the separators dropped (spaces, dashes, dots, brackets), leaving digits and a
// leading +: "１３８－1016 2208" → "13810162208". ok is false when anything else is in
// it (libphonenumber would read a trailing letter as an extension) or no digit is.
func CompactPhone(raw string) (compact string, ok bool) {
	var b strings.Builder
	for _, r := range FoldPhone(raw) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" -().", r):
		default:
			return "", false
		}
	}
	s := b.String()
	return s, strings.TrimPrefix(s, "+") != ""
}

// parsePhone reads a typed number (or an E.164 one) as a valid phone number.
func parsePhone(raw string) (*phonenumbers.PhoneNumber, bool) {
	s, ok := CompactPhone(raw)
	if !ok {
		return nil, false
	}
	num, err := phonenumbers.Parse(s, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return nil, false
	}
	return num, true
}

// NormalizePhone returns the E.164 form of a phone number typed by a user
// ("138 1234 5678", "１３８１２３４５６７８" → "+8613812345678"), or ok=false when it is
// not a valid number for its region. A cut-off mobile is refused, not read as possible.
func NormalizePhone(raw string) (e164 string, ok bool) {
	num, ok := parsePhone(raw)
	if !ok {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// FormatPhone is how a phone number is shown, whichever way it was typed or stored:
// Chinese numbers in their national grouping (138 1016 2208, 021 5888 1234, 400 812 3456),
// others internationally (+1 415-555-0123). What does not parse is shown folded, as typed.
func FormatPhone(number string) string {
	num, ok := parsePhone(number)
	if !ok {
		return FoldPhone(number)
	}
	if phonenumbers.GetRegionCodeForNumber(num) == DefaultRegion {
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}
