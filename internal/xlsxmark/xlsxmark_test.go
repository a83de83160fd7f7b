package xlsxmark

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// A stamped workbook, stream-written sheet included, reads back with its footer line and
// properties; an ampersand in the name survives the footer's codes.
func TestStampReadsBack(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatalf("time zone data: %v", err)
	}
	m := Mark{By: "王建国 & 李", At: time.Date(2026, 11, 29, 6, 3, 0, 0, time.UTC), Loc: loc, Lang: "zh-Hans"}
	want := "导出人：王建国 & 李 · 2026-11-29 14:03 (Asia/Shanghai)"
	if got := m.Line(); got != want {
		t.Fatalf("line %q, want %q", got, want)
	}
	f := excelize.NewFile()
	if _, err := f.NewSheet("第二页"); err != nil {
		t.Fatal(err)
	}
	if err := Stamp(f, m); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"x"}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	for _, sheet := range []string{"Sheet1", "第二页"} {
		footer, props, err := Read(back, sheet)
		if err != nil {
			t.Fatal(err)
		}
		if footer != want {
			t.Errorf("%s footer %q, want %q", sheet, footer, want)
		}
		if props.Creator != m.By || props.Description != want || props.Created != "2026-11-29T06:03:00Z" {
			t.Errorf("properties %+v", props)
		}
	}
}
