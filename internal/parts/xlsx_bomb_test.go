package parts_test

import (
	"archive/zip"
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/parts"
)

// TestReadXLSXRefusesAZipBomb: a small workbook whose sheet unpacks to 150 MB is refused
// from the zip directory alone, without unpacking it. Not parallel: it measures the
// process's allocations while it runs alone.
func TestReadXLSXRefusesAZipBomb(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := z.Create(name)
		_, _ = io.WriteString(w, `<?xml version="1.0"?><x/>`)
	}
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 150 {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes: not a small upload", buf.Len())
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = parts.ReadXLSX(bytes.NewReader(buf.Bytes()))
	runtime.ReadMemStats(&after)
	if e := apperr.As(err); e.Key != "catalog.import.unzips_too_big" {
		t.Fatalf("got %v, want unzips_too_big", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("reading the bomb allocated %d MB", grew>>20)
	}
}
