// Package org keeps the station tree (服务站): headquarters → regional centre → outlet.
// An admin creates centres and outlets, edits a station's profile, moves an outlet to
// another centre, and deactivates or reactivates a station; every change is one
// transaction with its station_events row. What each user sees follows the tree at
// once, because auth.Service.ActorFor reads it on every request.
package org

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/textlimit"
)

// Kind is a station's place in the tree.
type Kind string

// The station kinds.
const (
	HQ     Kind = "hq"
	Centre Kind = "centre"
	Outlet Kind = "outlet"
)

// ParentKind is the kind a station of kind k hangs under: a centre under headquarters,
// an outlet under a centre. Headquarters has none ("").
func ParentKind(k Kind) Kind {
	switch k {
	case Centre:
		return HQ
	case Outlet:
		return Centre
	}
	return ""
}

// Limits are the station profile's text limits, in characters.
var Limits = textlimit.Set{Default: 100, Fields: map[string]int{"name": 100, "address": 200}}

// MaxPhone and MaxTimeZone are the service phone's and the time zone's longest values.
const (
	MaxPhone    = 40
	MaxTimeZone = 64
)

// MaxNamesShown is how many users or stations a refusal names before it only counts.
const MaxNamesShown = 10

var codeRE = regexp.MustCompile(`^[A-Z0-9]{2,8}$`)

// phoneRE is a service phone as people write it: digits, spaces, +, -, parentheses and
// an extension after "转" or "ext".
var phoneRE = regexp.MustCompile(`^[0-9+\-() ]+((转|ext\.?) ?[0-9]+)?$`)

// ValidCode reports whether code is a station code: 2 to 8 capital letters or digits.
// Codes start every order number of the station and never change.
func ValidCode(code string) bool { return codeRE.MatchString(code) }

// Profile is what an admin edits of a station: its name, address, service phone and
// time zone.
type Profile struct {
	Name         string
	Address      string
	ServicePhone string
	TimeZone     string
}

// Clean trims the profile's texts.
func (p Profile) Clean() Profile {
	return Profile{Name: strings.TrimSpace(p.Name), Address: strings.TrimSpace(p.Address),
		ServicePhone: strings.TrimSpace(p.ServicePhone), TimeZone: strings.TrimSpace(p.TimeZone)}
}

// Valid checks the profile's shape; keys are catalog keys.
func (p Profile) Valid() map[string]string {
	f := map[string]string{}
	if p.Name == "" {
		f["name"] = "field.required"
	}
	if p.ServicePhone != "" && (utf8.RuneCountInString(p.ServicePhone) > MaxPhone || !phoneRE.MatchString(p.ServicePhone)) {
		f["service_phone"] = "station.field.phone_invalid"
	}
	if !ValidTimeZone(p.TimeZone) {
		f["time_zone"] = "station.field.time_zone_invalid"
	}
	return Limits.Check(f, "name", p.Name, "address", p.Address)
}

// ValidTimeZone reports whether tz names a time zone (IANA, e.g. Asia/Shanghai).
func ValidTimeZone(tz string) bool {
	if tz == "" || len(tz) > MaxTimeZone || strings.EqualFold(tz, "local") {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// NewStation is the input of Service.Create: a centre under headquarters or an outlet
// under a centre.
type NewStation struct {
	Code     string
	Kind     Kind
	ParentID int64
	Profile
}

// Valid checks the new station's shape; keys are catalog keys.
func (n NewStation) Valid() map[string]string {
	f := n.Profile.Valid()
	if !ValidCode(n.Code) {
		f["code"] = "station.field.code_invalid"
	}
	if n.Kind != Centre && n.Kind != Outlet {
		f["kind"] = "field.required"
	}
	if n.ParentID == 0 {
		f["parent_id"] = "field.required"
	}
	return f
}

// Usage is what keeps a station from being deactivated: its open orders, its active
// users, and its active stations below.
type Usage struct {
	OpenOrders int
	Users      []string
	Children   []string
}

// InUse reports whether anything still works at the station.
func (u Usage) InUse() bool { return u.OpenOrders > 0 || len(u.Users) > 0 || len(u.Children) > 0 }

// Names joins up to MaxNamesShown names with "、", then "…".
func Names(names []string) string {
	if len(names) > MaxNamesShown {
		return strings.Join(names[:MaxNamesShown], "、") + "…"
	}
	return strings.Join(names, "、")
}
