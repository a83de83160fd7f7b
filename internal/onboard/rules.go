// Package onboard brings a department's customers and units in from a spreadsheet
// (导入客户) and takes them out again in the same columns (导出客户).
package onboard

import (
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/textlimit"
)

// Limits of an import.
const (
	// MaxRows is the most data rows one workbook may hold.
	MaxRows = 20000
	// MaxUpload is the largest workbook accepted, in bytes (the workbook reader's limit).
	MaxUpload = 8 << 20
	// MaxUploadLabel is MaxUpload as the refusal names it.
	MaxUploadLabel = "8 MB"
	// PreviewRows is how many rows the preview lists; the rest are imported the same way.
	PreviewRows = 1000
	// StagedFor is how long an unconfirmed preview is kept, in hours.
	StagedFor = 7 * 24
	// MaxWarrantyMonths is the longest warranty a unit holds.
	MaxWarrantyMonths = 240
	// DefaultWarrantyMonths is a unit's warranty when the file names no end.
	DefaultWarrantyMonths = 12
	// MaxPhones is the most phone numbers one cell may hold.
	MaxPhones = 5
)

// limits are the longest texts each column holds, in characters.
var limits = textlimit.Set{Default: 200, Fields: map[string]int{
	ColName: 100, ColContact: 100, ColPhone: 100, ColAddress: 200, ColBrand: 100, ColModel: 100,
	ColSerial: 100, ColSymptom: 1000,
}}

// CanImport reports whether the role brings customers in from a spreadsheet and takes
// them out: the manager's and the admin's, who set a department up (the archive's data
// is confidential, 保密制度, so a whole station's customers leave only with them).
func CanImport(a auth.Actor) bool { return a.Is(auth.RoleManager, auth.RoleAdmin) }
