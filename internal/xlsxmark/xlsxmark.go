// Package xlsxmark marks every workbook the app hands out with who exported it and when:
// the document properties (creator, created, description) and a footer line on every
// sheet's printed pages. Every export goes through Stamp.
package xlsxmark

import (
	"bytes"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/xuri/excelize/v2"
)

// Mark is who exported a workbook, when, and the language and time zone of the line.
type Mark struct {
	By   string
	At   time.Time
	Loc  *time.Location
	Lang string
}

// Line is the mark as one line of text, e.g. "导出人：王建国 · 2026-11-29 14:03 (Asia/Shanghai)".
func (m Mark) Line() string {
	loc := m.Loc
	if loc == nil {
		loc = time.UTC
	}
	return i18n.TL(m.Lang, "export.mark", "By", m.By, "At", m.At.In(loc).Format("2006-01-02 15:04"), "Zone", loc.String())
}

// Stamp sets f's document properties and puts the mark's line in the footer of every
// sheet f has now. A sheet written by a stream writer must be stamped before the writer
// is opened (the writer keeps the sheet's settings as they were then).
func Stamp(f *excelize.File, m Mark) error {
	line := m.Line()
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator: m.By, LastModifiedBy: m.By, Description: line,
		Created: m.At.UTC().Format(time.RFC3339), Modified: m.At.UTC().Format(time.RFC3339),
	}); err != nil {
		return apperr.Wrap(err, "xlsx properties")
	}
	// & starts a code in a footer; a literal one is written twice.
	footer := "&L" + strings.ReplaceAll(line, "&", "&&")
	for _, sheet := range f.GetSheetList() {
		if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: footer}); err != nil {
			return apperr.Wrap(err, "xlsx footer")
		}
	}
	return nil
}

// Restamp opens the workbook data, stamps it and returns the stamped bytes: for the
// workbooks built in one piece elsewhere (reports, the parts catalog and plan).
func Restamp(data []byte, m Mark) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, apperr.Wrap(err, "xlsx open")
	}
	defer f.Close()
	if err := Stamp(f, m); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, apperr.Wrap(err, "xlsx write")
	}
	return b.Bytes(), nil
}

// Read returns the footer line of sheet and the workbook's creator, created time and
// description, as a reader of the file sees them.
func Read(f *excelize.File, sheet string) (footer string, props *excelize.DocProperties, err error) {
	hf, err := f.GetHeaderFooter(sheet)
	if err != nil {
		return "", nil, err
	}
	props, err = f.GetDocProps()
	if err != nil {
		return "", nil, err
	}
	if hf != nil {
		footer = strings.ReplaceAll(strings.TrimPrefix(hf.OddFooter, "&L"), "&&", "&")
	}
	return footer, props, nil
}
