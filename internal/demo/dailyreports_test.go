package demo_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/dailyreport"
	"github.com/aftersales/aftersales/internal/testkit"
)

// TestDemoDailyReports: the demo holds a day with a reviewed, commented report and a
// technician who had jobs that day and did not report.
func TestDemoDailyReports(t *testing.T) {
	t.Parallel()
	pool := testkit.DemoDB(t)
	var reviewed int
	var comment string
	var day time.Time
	err := pool.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE reviewed_at IS NOT NULL), max(comment), max(day) FROM daily_reports`).Scan(&reviewed, &comment, &day)
	if err != nil || reviewed != 1 || comment == "" {
		t.Fatalf("reviewed %d, comment %q (%v)", reviewed, comment, err)
	}
	svc := dailyreport.NewService(pool, time.Now, testkit.Shanghai)
	missing, err := svc.Missing(t.Context(), testkit.Actor(t, pool, "supervisor"),
		time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, testkit.Shanghai))
	if err != nil || len(missing) == 0 {
		t.Errorf("missing on the demo day: %v (%v)", missing, err)
	}
}
