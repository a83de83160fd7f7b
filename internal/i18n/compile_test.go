package i18n

import (
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// The direct fill gives exactly what go-i18n's template gives, for every catalog message
// that takes data, in both languages.
func TestCompiledMessagesMatchTheLocalizer(t *testing.T) {
	data := map[string]any{}
	for _, name := range []string{"Count", "Duration", "N", "Name", "Number", "Roles", "Limit", "Field", "Max", "Min", "Rate", "Target"} {
		data[name] = name + "-值"
	}
	checked := 0
	for _, lang := range Languages {
		for key, c := range compiled[lang] {
			if len(c.names) == 0 {
				continue
			}
			for _, n := range c.names {
				if _, ok := data[n]; !ok {
					data[n] = 42
				}
			}
			want, err := localizers[lang].Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data})
			if err != nil {
				t.Fatalf("%s %s: %v", lang, key, err)
			}
			if got := TL(lang, key, data); got != want {
				t.Errorf("%s %s: got %q, localizer %q", lang, key, got, want)
			}
			// The same data as name, value pairs, read in place.
			var kv []any
			for _, n := range c.names {
				kv = append(kv, n, data[n])
			}
			if got := TL(lang, key, kv...); got != want {
				t.Errorf("%s %s with pairs: got %q, localizer %q", lang, key, got, want)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("only %d messages with data checked", checked)
	}
	// A name the caller did not give prints as text/template prints it.
	if m, ok := compile("共 {{.Count}} 条"); !ok || m.fill(nil) != "共 <no value> 条" || m.fillPairs([]any{"Other", 1}) != "共 <no value> 条" {
		t.Errorf("missing value: %q", m.fill(nil))
	}
	// Numbers print as fmt prints them.
	if m, ok := compile("{{.A}}/{{.B}}/{{.C}}"); !ok || m.fillPairs([]any{"A", 7, "B", int64(-8), "C", 1.5}) != "7/-8/1.5" {
		t.Error("numbers in pairs")
	}
	if _, ok := compile("{{if .X}}x{{end}}"); ok {
		t.Error("other template syntax must go through the localizer")
	}
}
