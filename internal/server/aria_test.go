package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var (
	describedBy = regexp.MustCompile(`aria-describedby="([^"]*)"`)
	fieldTag    = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`)
)

// describedByResolves fails for every aria-describedby that names an id the page lacks.
func describedByResolves(t *testing.T, page, body string) {
	t.Helper()
	for _, m := range describedBy.FindAllStringSubmatch(body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("%s: aria-describedby names %q, which is not on the page", page, id)
			}
		}
	}
}

// fieldNamed returns the opening tag of the field with the given id.
func fieldNamed(body, id string) string {
	for _, tag := range fieldTag.FindAllString(body, -1) {
		if strings.Contains(tag, ` id="`+id+`"`) {
			return tag
		}
	}
	return ""
}

// TestFieldErrorsAreTiedToTheirFields: after a refused intake, each field in error says
// so (aria-invalid) and names its message (aria-describedby); fields without a message
// do neither; no page points aria-describedby at a missing element (the customer edit
// page once did).
func TestFieldErrorsAreTiedToTheirFields(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	form := newCallerForm("k-aria", "12", "")
	form.Set("symptom", "")
	r := c.post("/intake", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	for id, msg := range map[string]string{"symptom": "err-symptom", "name": "err-name", "phone": "err-phones"} {
		tag := fieldNamed(r.Body, id)
		if !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, msg) {
			t.Errorf("field %s in error: %s", id, tag)
		}
	}
	if tag := fieldNamed(r.Body, "service_type"); strings.Contains(tag, "aria-invalid") || strings.Contains(tag, "aria-describedby") {
		t.Errorf("a field without a message: %s", tag)
	}
	describedByResolves(t, "refused intake", r.Body)
	mustContain(t, r.Body, `id="matches" aria-live="polite"`, `id="caller-panel" aria-live="polite"`, `class="skip-link" href="#main"`)

	var customer string
	if err := a.Pool.QueryRow(t.Context(), `SELECT c.id::text FROM customers c JOIN stations s ON s.id = c.station_id WHERE s.code = 'SH' ORDER BY c.id LIMIT 1`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	edit := c.get("/customers/" + customer + "/edit")
	if edit.Status != http.StatusOK {
		t.Fatalf("edit page: %d", edit.Status)
	}
	describedByResolves(t, "customer edit", edit.Body)
	if tag := fieldNamed(edit.Body, "phones"); !strings.Contains(tag, `aria-describedby="phones-hint"`) {
		t.Errorf("the phones field lost its hint: %s", tag)
	}
}
