package testkit

import (
	"sync"
	"time"
)

// Shanghai is the demo stations' time zone.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// Start is Monday 2026-11-23 10:00 in Shanghai: a working day, inside working hours.
var Start = time.Date(2026, 11, 23, 10, 0, 0, 0, Shanghai)

// Clock is a settable clock, safe for concurrent use. Pass its Now to a service.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at Start.
func NewClock() *Clock { return &Clock{t: Start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
