// Package online is what customers do without an account: open a unit's QR label,
// report a fault from it (扫码报修), follow their order on its progress page (服务进度) and
// answer the satisfaction survey there. The office prints and revokes labels and hands
// out progress links.
package online

import (
	"time"

	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/textlimit"
)

// The numbers of the online rules.
const (
	// ReportsPerUnitHour and ReportsPerAddrHour bound the reports and notes sent from
	// labels in any hour, per unit and per network address.
	ReportsPerUnitHour = 3
	ReportsPerAddrHour = 10
	// MaxPhotos is the number of photos one report may carry.
	MaxPhotos = 3
	// MaxReportBody bounds a report's whole post (three photos of attach.MaxPhotoBytes
	// and the text fields).
	MaxReportBody = MaxPhotos*attach.MaxPhotoBytes + 64<<10
	// ProgressLinkTTL is how long a progress link works after it was made.
	ProgressLinkTTL = 60 * 24 * time.Hour
	// MaxLabels is the most labels one sheet prints.
	MaxLabels = 200
)

// Text limits of the customers' forms, in characters.
const (
	MaxSymptom   = 500
	MaxName      = 100
	MaxPreferred = 100
	MaxNote      = 500
)

// Limits are the customers' forms' text limits as a textlimit set.
var Limits = textlimit.Set{Default: 500, Fields: map[string]int{"symptom": MaxSymptom, "name": MaxName, "preferred": MaxPreferred, "note": MaxNote}}

// ProgressExpiry is when a progress link made at now stops working.
func ProgressExpiry(now time.Time) time.Time { return now.Add(ProgressLinkTTL) }
