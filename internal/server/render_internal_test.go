package server

import "testing"

// A return address may carry a fragment (the board comes back at #card-<id>); it stays
// on the site all the same.
func TestSafeNextKeepsFragments(t *testing.T) {
	for next, want := range map[string]string{
		"/board?view=tech#card-12": "/board?view=tech#card-12",
		"/board#card-12":           "/board#card-12",
		"//evil.example/#card-12":  "/",
		"https://evil.example/#x":  "/",
		"/\\evil.example#card-1":   "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
