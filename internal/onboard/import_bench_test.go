package onboard_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/aftersales/aftersales/internal/onboard"
	"github.com/aftersales/aftersales/internal/parts"
)

// BenchmarkImportTenThousandRows is the whole import of a 10 000-row workbook as a user
// goes through it: read the upload, stage it, show the preview, confirm. Each iteration
// imports other customers (its own phones and serials).
//
//	go test ./internal/onboard/ -run '^$' -bench ImportTenThousandRows -benchtime 3x
func BenchmarkImportTenThousandRows(b *testing.B) {
	w := setup(b)
	ctx := context.Background()
	files := make([][]byte, b.N)
	for n := range b.N {
		cells := bigFile(10000)
		rows := make([][]any, 0, len(cells)-1)
		for i, r := range cells[1:] {
			r[2] = fmt.Sprintf("13%d%08d", 5+n%4, i+10000*(n/4))
			r[6] = fmt.Sprintf("B%d-%07d", n, i)
			row := make([]any, len(r))
			for j, v := range r {
				row[j] = v
			}
			rows = append(rows, row)
		}
		x, err := parts.WriteXLSX("客户", onboard.Headers(), rows)
		if err != nil {
			b.Fatal(err)
		}
		files[n] = x
	}
	b.ResetTimer()
	for n := range b.N {
		cells, err := parts.ReadXLSX(bytes.NewReader(files[n]))
		if err != nil {
			b.Fatal(err)
		}
		key, err := w.svc.Stage(ctx, w.manager, w.sh, "bench.xlsx", cells)
		if err != nil {
			b.Fatal(err)
		}
		p, err := w.svc.Preview(ctx, w.manager, key)
		if err != nil || !p.CanConfirm {
			b.Fatalf("preview: %v %+v", err, p.Problems)
		}
		rec, err := w.svc.Confirm(ctx, w.manager, key, onboard.Choices{Default: onboard.Merge})
		if err != nil || rec.CustomersCreated != 10000 {
			b.Fatalf("confirm: %+v %v", rec, err)
		}
	}
}
