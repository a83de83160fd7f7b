// Package textlimit bounds the texts users type: each module names its fields' limits in
// characters, refuses longer input with a message naming the limit, and gives its forms
// the same numbers for maxlength.
package textlimit

import (
	"strconv"
	"unicode/utf8"
)

// Set is one module's limits: Fields by name, Default for the fields not named.
type Set struct {
	Default int
	Fields  map[string]int
}

// Of is the most characters the named field holds.
func (s Set) Of(field string) int {
	if n, ok := s.Fields[field]; ok {
		return n
	}
	return s.Default
}

// Key is the catalog key of the message for a text over n characters.
func Key(n int) string { return "field.max." + strconv.Itoa(n) }

// Check adds to f, for each name → value pair over its field's limit, the message naming
// the limit (a field that already has a message keeps it), and returns f.
func (s Set) Check(f map[string]string, kv ...string) map[string]string {
	for i := 0; i+1 < len(kv); i += 2 {
		if n := s.Of(kv[i]); utf8.RuneCountInString(kv[i+1]) > n {
			if _, ok := f[kv[i]]; !ok {
				f[kv[i]] = Key(n)
			}
		}
	}
	return f
}
