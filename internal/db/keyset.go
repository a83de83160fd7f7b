package db

import (
	"strconv"
	"strings"
	"time"
)

// Keyset pages list rows newest first by (time, id); the cursor of the next page is the
// last row's position.

// Cursor encodes a row's keyset position.
func Cursor(at time.Time, id int64) string {
	return strconv.FormatInt(at.UnixMicro(), 36) + "." + strconv.FormatInt(id, 36)
}

// ParseCursor decodes a Cursor; ok is false for anything else.
func ParseCursor(s string) (at time.Time, id int64, ok bool) {
	a, b, found := strings.Cut(s, ".")
	if !found {
		return time.Time{}, 0, false
	}
	us, err1 := strconv.ParseInt(a, 36, 64)
	id, err2 := strconv.ParseInt(b, 36, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, 0, false
	}
	return time.UnixMicro(us), id, true
}

// PageSize is a list's page size: n, else 50, and never more than 200.
func PageSize(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, 200)
}

// Args returns an arg function for building a query: it appends a value to args and
// returns its placeholder, numbered from $1.
func Args(args *[]any) func(any) string {
	return func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
}
