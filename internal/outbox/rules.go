// Package outbox delivers the messages to customers that order events put in the outbox
// table: a sender loop claims due messages (FOR UPDATE SKIP LOCKED, so each is sent by
// one process, at most once), fills in the catalog template, hands it to a Sender (the
// log, or an SMS / WeChat template gateway over HTTP), and retries a failure with
// back-off until the last attempt, after which the office sees it failed.
package outbox

import "time"

// The numbers of delivery.
const (
	// MaxAttempts is how often a message is tried before it counts as failed.
	MaxAttempts = 5
	// Batch is how many messages one round claims.
	Batch = 20
	// Lease is how long a claimed message may take; one still claimed after it (its
	// sender stopped mid-way) counts as failed rather than risk sending it twice.
	Lease = 5 * time.Minute
	// Interval is how often the loop looks for due messages.
	Interval = 15 * time.Second
)

// Backoff is the wait before attempt n+1 after n failed attempts: one minute, doubling,
// at most an hour.
func Backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
