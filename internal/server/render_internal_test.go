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
		// /%09%5C and /%09/evil.example as a decoded query hands them over.
		"/\t\\":            "/",
		"/\t/evil.example": "/",
		"/\r\n//evil":      "/",
		"%2F%2Fevil":       "/",
		"/%2F%2Fevil":      "/",
		"/%5C%5Cevil":      "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestLoggedPathHidesLinkTokens: the request log never holds a customer's link.
func TestLoggedPathHidesLinkTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/p/AAAAAAAAABwAAAAAa1tM":        "/p/{token}",
		"/p/AAAAAAAAABwAAAAAa1tM/survey": "/p/{token}/survey",
		"/u/abc/note":                    "/u/{token}/note",
		"/orders/12":                     "/orders/12",
	} {
		if got := loggedPath(in); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
