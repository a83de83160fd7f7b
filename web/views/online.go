package views

import (
	"time"

	"github.com/aftersales/aftersales/internal/online"
	"github.com/aftersales/aftersales/internal/workorder"
)

// LabelPageView is a QR label's page: the unit, and the report form (or the unit's open
// order with a note form), with the form's values, messages and a message on top.
type LabelPageView struct {
	Unit   online.UnitView
	Values map[string]string
	Errors FieldErrors
	// Message is a catalog key shown on top; OK makes it a success.
	Message string
	OK      bool
}

// LinkProblemView is the plain page of a link that does not work.
type LinkProblemView struct {
	Key   string
	Phone string
}

// ProgressView is the progress page with the survey form's values and messages.
type ProgressView struct {
	Progress    online.Progress
	Values      map[string]string
	Errors      FieldErrors
	Message     string
	MessageData map[string]any
	OK          bool
}

// LabelCard is one label of the sheet: the unit, its link and the link's QR code (SVG).
type LabelCard struct {
	Label online.Label
	URL   string
	QR    string
}

// ProgressLinkView is an order's progress link for the office to copy or send again.
type ProgressLinkView struct {
	Order workorder.Order
	URL   string
}

// onlineReportMax are the report form's maxlength values.
var onlineReportMax = map[string]int{"symptom": online.MaxSymptom, "name": online.MaxName, "preferred": online.MaxPreferred, "note": online.MaxNote}

func stepTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
