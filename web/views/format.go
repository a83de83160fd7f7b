package views

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/i18n"
)

// Duration says how long d is in the user's words: 2天3小时, 3小时20分, 15分钟.
func Duration(ctx context.Context, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	minutes := int(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return i18n.T(ctx, "duration.days_hours", "Days", days, "Hours", hours)
	case hours > 0:
		return i18n.T(ctx, "duration.hours_minutes", "Hours", hours, "Minutes", minutes)
	}
	return i18n.T(ctx, "duration.minutes", "Minutes", minutes)
}

// withParam returns the query with one parameter replaced (for pagination links that
// keep the filters).
func withParam(q url.Values, k, v string) string {
	c := url.Values{}
	for key, vals := range q {
		c[key] = append([]string(nil), vals...)
	}
	c.Set(k, v)
	return c.Encode()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// newFormKey returns a fresh one-time form key.
func newFormKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Phone shows a phone number, typed or E.164, the one way every page shows numbers:
// 138 1016 2208, 021 5888 1234, however it was typed (customer.FormatPhone).
func Phone(number string) string { return customer.FormatPhone(number) }

// Phones shows a customer's numbers, the main one first, separated by " / ".
func Phones(numbers []string) string {
	out := make([]string, len(numbers))
	for i, n := range numbers {
		out[i] = Phone(n)
	}
	return strings.Join(out, " / ")
}

// fieldClassLabel names a field class (a string, as in an event's data); an empty or
// missing one is "unclassified".
func fieldClassLabel(ctx context.Context, class any) string {
	if s, _ := class.(string); s != "" {
		return i18n.T(ctx, "field_class."+s)
	}
	return i18n.T(ctx, "field_class.none")
}
