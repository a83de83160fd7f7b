package server_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserLeavingALivePageClosesItsStream: a technician going back and forth between
// their jobs (a live page) and a job leaves no live stream open behind them; streams left
// open used up the browser's few connections per server and stalled the next page.
func TestBrowserLeavingALivePageClosesItsStream(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var order string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' ORDER BY o.id LIMIT 1`).Scan(&order); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "tech1", demo.Password)
	subscribers := func(want int, after string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for a.Hub.Subscribers() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d live streams open, want %d", after, a.Hub.Subscribers(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for i := range 8 {
		if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+"/jobs"), chromedp.WaitVisible(chromedp.ID("tab-today"))); err != nil {
			t.Fatalf("jobs, visit %d: %v", i, err)
		}
		subscribers(1, "on my jobs")
		if err := chromedp.Do(ctx, chromedp.Navigate(a.URL+"/orders/"+order), chromedp.WaitVisible(chromedp.ID("order-number"))); err != nil {
			t.Fatalf("a job, visit %d: %v", i, err)
		}
		subscribers(0, "after leaving my jobs")
	}
}
