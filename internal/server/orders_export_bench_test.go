package server_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/workorder"
)

// BenchmarkOrdersExport100k exports 100 000 orders as a workbook over HTTP and reports
// how far the heap in use (runtime.MemStats.HeapInuse, sampled every 5 ms during the
// request) rose above where it stood before: the rows stream from PostgreSQL into the
// stream writer, so this stays far below what 100 000 orders held at once would take.
// The client discards the body, so the figure is the server's.
func BenchmarkOrdersExport100k(b *testing.B) {
	const n = 100_000
	a := newApp(b)
	ctx := context.Background()
	// n copies of one Shanghai demo order, a minute apart, newest first below it.
	cols := workorder.OrderColumns()
	sel := make([]string, len(cols))
	for i, c := range cols {
		switch c {
		case "number":
			sel[i] = `'BX' || lpad(g::text, 6, '0')`
		case "intake_key":
			sel[i] = `NULL`
		case "created_at":
			sel[i] = `o.created_at - g * interval '1 minute'`
		default:
			sel[i] = "o." + c
		}
	}
	if _, err := a.Pool.Exec(ctx, `INSERT INTO work_orders (`+strings.Join(cols, ", ")+`)
		SELECT `+strings.Join(sel, ", ")+` FROM generate_series(1, $1) g,
		(SELECT o.* FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SH' AND o.assignee_id IS NOT NULL ORDER BY o.id LIMIT 1) o`, n); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Pool.Exec(ctx, `ANALYZE work_orders`); err != nil {
		b.Fatal(err)
	}
	c := a.client(b)
	c.signIn("hotline")
	var peakMiB, bytesMiB float64
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		var peak atomic.Uint64
		peak.Store(base)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}
		})
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+"/orders.xlsx", nil)
		req.Header.Set("Accept-Language", "zh-CN")
		res, err := c.http.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		close(stop)
		wg.Wait()
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("export: %d %v", res.StatusCode, err)
		}
		peakMiB = float64(peak.Load()-base) / (1 << 20)
		bytesMiB = float64(size) / (1 << 20)
	}
	b.ReportMetric(peakMiB, "heap-peak-MiB")
	b.ReportMetric(bytesMiB, "xlsx-MiB")
}
