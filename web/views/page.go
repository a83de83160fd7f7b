// Package views holds the templ components that render every page.
package views

import (
	"github.com/aftersales/aftersales/internal/auth"
)

// Page is what the layout needs on every page.
type Page struct {
	// TitleKey is the catalog key of the page title.
	TitleKey string
	Actor    *auth.Actor
	// StationName is the actor's station, shown in the header.
	StationName string
	Nav         []NavItem
	// More are the screens the home page offers besides the menu's.
	More []NavItem
	// Flash is a one-time message key shown at the top (after a redirect).
	Flash     string
	FlashKind string
	// FlashData fills the flash message's template.
	FlashData map[string]any
	Path      string
}

// NavItem is one link in the role-aware navigation.
type NavItem struct {
	Href   string
	Key    string
	Active bool
}

// FieldErrors maps form field names to catalog keys.
type FieldErrors map[string]string
