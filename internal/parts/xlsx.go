package parts

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/xuri/excelize/v2"
)

// XLSXContentType is the media type of an .xlsx workbook.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Limits on a workbook being read: how big it may grow when unzipped, so a small
// upload cannot expand into gigabytes (a zip bomb). They are checked in the zip's
// directory before anything is unpacked (archive/zip refuses an entry that unpacks to
// more than its directory says), and again by excelize as it reads.
const (
	xlsxUnzipLimit    = 48 << 20
	xlsxUnzipXMLLimit = 40 << 20
	xlsxMaxEntries    = 256
	// XLSXMaxBytes is the largest workbook read at all.
	XLSXMaxBytes = 8 << 20
)

// Number is a cell value written as a number from its decimal text ("12.50", "7"),
// so money never passes through a float on its way into the workbook.
type Number string

// ReadXLSX returns the rows of the first sheet of an .xlsx workbook, each cell as its
// raw text (numbers as stored, not as formatted). Trailing blank cells are dropped.
// A file that is not a workbook is Invalid "catalog.import.not_xlsx".
func ReadXLSX(r io.Reader) ([][]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, XLSXMaxBytes+1))
	if err != nil || len(data) > XLSXMaxBytes {
		return nil, apperr.New(apperr.Invalid, "catalog.import.too_big", "Max", "8 MB")
	}
	if err := checkZip(data); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipXMLLimit})
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "catalog.import.not_xlsx")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, apperr.New(apperr.Invalid, "catalog.import.not_xlsx")
	}
	// Stream the rows and stop past the limit: a sheet of a million rows is refused
	// without holding them all.
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "catalog.import.not_xlsx")
	}
	defer it.Close()
	var rows [][]string
	for it.Next() {
		if len(rows) > CatalogMaxRows {
			return nil, apperr.New(apperr.Invalid, "catalog.import.too_many_rows", "Max", CatalogMaxRows)
		}
		row, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "catalog.import.not_xlsx")
		}
		rows = append(rows, row)
	}
	if it.Error() != nil {
		return nil, apperr.New(apperr.Invalid, "catalog.import.not_xlsx")
	}
	// GetRows drops trailing empty rows; so does this.
	for len(rows) > 0 && len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	return rows, nil
}

// checkZip refuses a workbook whose zip directory promises more than the limits: too
// many entries, or entries that unpack past the total or the per-part limit.
func checkZip(data []byte) error {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return apperr.New(apperr.Invalid, "catalog.import.not_xlsx")
	}
	if len(z.File) > xlsxMaxEntries {
		return apperr.New(apperr.Invalid, "catalog.import.unzips_too_big", "Max", "48 MB")
	}
	var total uint64
	for _, f := range z.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > xlsxUnzipXMLLimit || total > xlsxUnzipLimit {
			return apperr.New(apperr.Invalid, "catalog.import.unzips_too_big", "Max", "48 MB")
		}
	}
	return nil
}

// WriteXLSX returns a workbook with one sheet named sheet: a bold header row, then rows.
// A cell may be a string, an int or int64, a bool (written 是/否) or a Number.
func WriteXLSX(sheet string, header []string, rows [][]any) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, apperr.Wrap(err, "xlsx sheet")
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, apperr.Wrap(err, "xlsx style")
	}
	for i, h := range header {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, h); err != nil {
			return nil, apperr.Wrap(err, "xlsx header")
		}
	}
	if len(header) > 0 {
		last, _ := excelize.ColumnNumberToName(len(header))
		_ = f.SetCellStyle(sheet, "A1", last+"1", bold)
		_ = f.SetColWidth(sheet, "A", last, 14)
		_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			var err error
			switch v := v.(type) {
			case string:
				err = f.SetCellStr(sheet, cell, v)
			case Number:
				err = f.SetCellDefault(sheet, cell, string(v))
			case int:
				err = f.SetCellInt(sheet, cell, int64(v))
			case int64:
				err = f.SetCellInt(sheet, cell, v)
			case bool:
				err = f.SetCellStr(sheet, cell, yesNo(v))
			case nil:
			default:
				err = fmt.Errorf("unsupported cell type %T", v)
			}
			if err != nil {
				return nil, apperr.Wrap(err, "xlsx cell "+cell)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, apperr.Wrap(err, "xlsx write")
	}
	return buf.Bytes(), nil
}

// yesNo is how a flag is written in a workbook.
func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// formatFen writes an amount of fen as yuan with two decimals: 1250 → "12.50".
func formatFen(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + fmt.Sprintf("%02d", fen%100)
}
