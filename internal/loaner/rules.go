// Package loaner keeps a station's loaner units (备用机): units the station owns and lends
// to a customer while theirs is repaired, each loan tied to the order. This file holds
// the pure rules.
package loaner

import (
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/textlimit"
)

// MaxLoanDays bounds how far ahead a loan's expected return may be.
const MaxLoanDays = 365

var limits = textlimit.Set{Default: 200, Fields: map[string]int{
	"model": 100, "serial": 100, "condition": 200, "order": 40, "note": 500,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// Overdue reports whether a loan still out should have come back before today (a
// calendar day); the expected day itself is not overdue.
func Overdue(expected time.Time, returned *time.Time, today time.Time) bool {
	return returned == nil && today.After(expected)
}

// Manages reports whether the actor lends loaners: storekeepers, supervisors and
// managers.
func Manages(a auth.Actor) bool {
	return a.Is(auth.RoleStorekeeper, auth.RoleSupervisor, auth.RoleManager)
}

// ValidLoan checks a loan's days: lent on or before today, back on or after the day lent
// and within MaxLoanDays. Keys are catalog keys by field.
func ValidLoan(lentOn, expected, today time.Time) map[string]string {
	f := map[string]string{}
	switch {
	case lentOn.IsZero():
		f["lent_on"] = "field.required"
	case lentOn.After(today):
		f["lent_on"] = "loaner.field.future"
	}
	switch {
	case expected.IsZero():
		f["expected_return"] = "field.required"
	case !lentOn.IsZero() && expected.Before(lentOn):
		f["expected_return"] = "loaner.field.before_lent"
	case !lentOn.IsZero() && expected.After(lentOn.AddDate(0, 0, MaxLoanDays)):
		f["expected_return"] = "loaner.field.too_long"
	}
	return f
}
