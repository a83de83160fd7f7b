// Package notice keeps technical notices (技术通知): headquarters issues one for the units
// of a brand and model; each station works through its own units with work orders of
// type 技术通知执行 until every unit is executed or cannot be, and headquarters closes it.
package notice

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/textlimit"
)

// The notice's states.
const (
	Issued = "issued"
	Closed = "closed"
)

// A unit's states on a notice.
const (
	Pending   = "pending"   // 待执行
	Executing = "executing" // 执行中
	Executed  = "executed"  // 已执行
	Unable    = "unable"    // 无法执行
)

// UnitStates are a unit's states, in the order the pages show them.
var UnitStates = []string{Pending, Executing, Executed, Unable}

// Reasons are the five categories of why a unit cannot be executed (人、机、料、法、环).
var Reasons = []string{"man", "machine", "material", "method", "environment"}

// Limits on a notice's documents.
const (
	MaxFileBytes = 10 << 20
	MaxFiles     = 5
	MaxSerials   = 2000
)

var limits = textlimit.Set{Default: 500, Fields: map[string]int{
	"number": 40, "title": 200, "content": 5000, "parts": 1000, "brand": 100, "model": 100,
	"serial_from": 100, "serial_to": 100, "serials": 40000, "note": 500, "file_name": 200,
}}

// Limit is the most characters the named field holds.
func Limit(field string) int { return limits.Of(field) }

// Notice is one technical notice.
type Notice struct {
	ID         int64      `db:"id"`
	Number     string     `db:"number"`
	StationID  int64      `db:"station_id"`
	State      string     `db:"state"`
	Version    int        `db:"version"`
	Title      string     `db:"title"`
	Content    string     `db:"content"`
	Parts      string     `db:"parts"`
	Brand      string     `db:"brand"`
	Model      string     `db:"model"`
	SerialFrom string     `db:"serial_from"`
	SerialTo   string     `db:"serial_to"`
	MadeFrom   *time.Time `db:"made_from"`
	MadeTo     *time.Time `db:"made_to"`
	Serials    []string   `db:"serials"`
	Deadline   time.Time  `db:"deadline"`
	IssuedBy   int64      `db:"issued_by"`
	IssuerName string     `db:"issuer_name"`
	CreatedAt  time.Time  `db:"created_at"`
	ClosedAt   *time.Time `db:"closed_at"`
	CloserName *string    `db:"closer_name"`
	CloseNote  string     `db:"close_note"`
}

// NewNotice is the input of Issue.
type NewNotice struct {
	Title, Content, Parts, Brand, Model string
	SerialFrom, SerialTo                string
	MadeFrom, MadeTo                    time.Time
	// Serials is a pasted list, one serial a line (or separated by commas or spaces).
	Serials  string
	Deadline time.Time
}

// SerialList splits a pasted list into distinct serials.
func SerialList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == '，' || r == ';' || r == ' ' || r == '\t' || r == '、'
	}) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Valid checks the input's shape; keys are catalog keys.
func (n NewNotice) Valid() map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(n.Title) == "" {
		f["title"] = "field.required"
	}
	if strings.TrimSpace(n.Model) == "" {
		f["model"] = "field.required"
	}
	if n.Deadline.IsZero() {
		f["deadline"] = "field.required"
	}
	serials := SerialList(n.Serials)
	ranged := strings.TrimSpace(n.SerialFrom) != "" || strings.TrimSpace(n.SerialTo) != "" || !n.MadeFrom.IsZero() || !n.MadeTo.IsZero()
	switch {
	case len(serials) == 0 && !ranged:
		f["serials"] = "notice.field.range_required"
	case len(serials) > MaxSerials:
		f["serials"] = "notice.field.too_many_serials"
	}
	if !n.MadeFrom.IsZero() && !n.MadeTo.IsZero() && n.MadeTo.Before(n.MadeFrom) {
		f["made_to"] = "notice.field.range_reversed"
	}
	if a, b := strings.TrimSpace(n.SerialFrom), strings.TrimSpace(n.SerialTo); a != "" && b != "" && b < a {
		f["serial_to"] = "notice.field.range_reversed"
	}
	return limits.Check(f, "title", n.Title, "content", n.Content, "parts", n.Parts, "brand", n.Brand, "model", n.Model,
		"serial_from", n.SerialFrom, "serial_to", n.SerialTo, "serials", n.Serials)
}

// Upload is one document sent with a notice.
type Upload struct {
	Name string
	Data []byte
}

// fileType is the upload's type by its bytes: a PDF or an image, or Invalid.
func fileType(u Upload) (string, error) {
	if len(u.Data) == 0 {
		return "", apperr.Fields(map[string]string{"files": "attach.empty"})
	}
	if len(u.Data) > MaxFileBytes {
		return "", apperr.Fields(map[string]string{"files": "notice.field.file_too_big"})
	}
	ct := http.DetectContentType(u.Data)
	switch ct {
	case "application/pdf", "image/jpeg", "image/png", "image/webp":
		return ct, nil
	}
	return "", apperr.Fields(map[string]string{"files": "notice.field.file_type"})
}

// File describes a notice's document.
type File struct {
	ID          int64  `db:"id"`
	Name        string `db:"name"`
	ContentType string `db:"content_type"`
	Size        int    `db:"size"`
}

// Unit is one unit a notice covers, with what its station did about it.
type Unit struct {
	UnitID       int64      `db:"unit_id"`
	Brand        string     `db:"brand"`
	Model        string     `db:"model"`
	Serial       string     `db:"serial"`
	MadeOn       *time.Time `db:"manufacture_date"`
	CustomerID   int64      `db:"customer_id"`
	CustomerName string     `db:"customer_name"`
	StationID    int64      `db:"station_id"`
	StationName  string     `db:"station_name"`
	State        string     `db:"unit_state"`
	OrderID      *int64     `db:"order_id"`
	OrderNumber  *string    `db:"order_number"`
	Reason       *string    `db:"reason"`
	Note         string     `db:"note"`
}

// Progress counts a notice's units, for one station or all the actor sees.
type Progress struct {
	StationID   int64  `db:"station_id"`
	StationName string `db:"station_name"`
	Total       int    `db:"total"`
	Executed    int    `db:"executed"`
	Executing   int    `db:"executing"`
	Unable      int    `db:"unable"`
	// Overdue is set when the deadline has passed with units still open.
	Overdue bool
}

// Open is the count of units neither executed nor unable.
func (p Progress) Open() int { return p.Total - p.Executed - p.Unable }

// Summary is a notice with its progress over the actor's stations.
type Summary struct {
	Notice
	Progress Progress
}

// Detail is the notice page: the notice, its documents, its units in the actor's
// stations, the progress per station and in all, and what the actor may do.
type Detail struct {
	Notice    Notice
	Files     []File
	Units     []Unit
	Stations  []Progress
	Total     Progress
	CanClose  bool
	CanAct    bool
	Closeable bool
}

// IsHQ reports whether the actor issues and closes notices: a manager or admin of a
// station that has no parent. top is the actor's station's parent-less flag.
func isHQ(a auth.Actor, top bool) bool { return top && a.Is(auth.RoleManager, auth.RoleAdmin) }

// mayAct reports whether the actor works on units: supervisors and managers.
func mayAct(a auth.Actor) bool { return a.Is(auth.RoleSupervisor, auth.RoleManager) }

// mayRead reports whether the actor sees notices.
func mayRead(a auth.Actor) bool {
	return a.Is(auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin)
}
