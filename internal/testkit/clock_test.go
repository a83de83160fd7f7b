package testkit_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/testkit"
)

func TestClock(t *testing.T) {
	t.Parallel()
	c := testkit.NewClock()
	if got := c.Now(); !got.Equal(testkit.Start) || got.Weekday() != time.Monday || got.Location() != testkit.Shanghai {
		t.Fatalf("a new clock reads %s", got)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c.Advance(time.Minute)
			_ = c.Now()
		})
	}
	wg.Wait()
	if got, want := c.Now(), testkit.Start.Add(50*time.Minute); !got.Equal(want) {
		t.Errorf("after 50 concurrent minutes: %s, want %s", got, want)
	}
	later := time.Date(2026, 12, 31, 17, 0, 0, 0, testkit.Shanghai)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Errorf("after Set: %s, want %s", got, later)
	}
}
