package views

import (
	"strings"

	"github.com/a-h/templ"
)

// fieldAria ties a form field to its messages for assistive technology: aria-invalid
// when errs has a message for name, and aria-describedby naming the message (FieldError
// gives it the id err-<name>) and any hints given, only those that are on the page.
// Spread it on the field: <input name="x" { fieldAria(errs, "x")... }/>.
func fieldAria(errs FieldErrors, name string, hints ...string) templ.Attributes {
	attrs := templ.Attributes{}
	ids := hints
	if _, ok := errs[name]; ok {
		attrs["aria-invalid"] = "true"
		ids = append(append([]string(nil), hints...), "err-"+name)
	}
	if len(ids) > 0 {
		attrs["aria-describedby"] = strings.Join(ids, " ")
	}
	return attrs
}

// fieldsAria is fieldAria for one field that shows the messages of several names (the
// intake's phone field answers for the customer's phones and the contact phone).
func fieldsAria(errs FieldErrors, names ...string) templ.Attributes {
	attrs := templ.Attributes{}
	var ids []string
	for _, n := range names {
		if _, ok := errs[n]; ok {
			ids = append(ids, "err-"+n)
		}
	}
	if len(ids) > 0 {
		attrs["aria-invalid"] = "true"
		attrs["aria-describedby"] = strings.Join(ids, " ")
	}
	return attrs
}
