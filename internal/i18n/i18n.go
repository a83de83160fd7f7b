// Package i18n looks up user-visible strings in the message catalogs and formats dates
// in the user's time zone. The language and time zone travel in the request context.
package i18n

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/web/locales"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages are the supported UI languages, the default first.
var Languages = []string{"zh-Hans", "en"}

var (
	bundle     *goi18n.Bundle
	localizers = map[string]*goi18n.Localizer{}
	// catalogs holds each language's keys, for the completeness test.
	catalogs = map[string]map[string]string{}
	// compiled holds the messages whose only template actions are {{.Name}}: they are
	// filled in directly rather than through text/template (a board page asks for
	// thousands). Anything else goes through the localizer.
	compiled = map[string]map[string]message{}
)

// message is a catalog string cut at its {{.Name}} actions: text[0] name[0] text[1] …
type message struct {
	text  []string
	names []string
}

var action = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// compile cuts s at its {{.Name}} actions; ok is false when s has other template syntax.
func compile(s string) (message, bool) {
	var m message
	last := 0
	for _, loc := range action.FindAllStringSubmatchIndex(s, -1) {
		m.text = append(m.text, s[last:loc[0]])
		m.names = append(m.names, s[loc[2]:loc[3]])
		last = loc[1]
	}
	m.text = append(m.text, s[last:])
	for _, t := range m.text {
		if strings.Contains(t, "{{") || strings.Contains(t, "}}") {
			return message{}, false
		}
	}
	return m, true
}

// fill renders m with data as text/template would ("<no value>" for a missing name).
func (m message) fill(data map[string]any) string {
	return m.render(func(name string) (any, bool) {
		v, ok := data[name]
		return v, ok
	})
}

// fillPairs is fill with the data as alternating name, value pairs, read in place: the
// pages call T for every card and row, so no map is built.
func (m message) fillPairs(kv []any) string {
	return m.render(func(name string) (any, bool) {
		for j := 0; j+1 < len(kv); j += 2 {
			if k, ok := kv[j].(string); ok && k == name {
				return kv[j+1], true
			}
		}
		return nil, false
	})
}

// render writes m's texts with each name's value from get between them.
func (m message) render(get func(name string) (any, bool)) string {
	if len(m.names) == 0 {
		return m.text[0]
	}
	var b strings.Builder
	for i, name := range m.names {
		b.WriteString(m.text[i])
		if v, ok := get(name); ok {
			writeValue(&b, v)
		} else {
			b.WriteString("<no value>")
		}
	}
	b.WriteString(m.text[len(m.text)-1])
	return b.String()
}

// writeValue writes v as fmt.Print would, the common kinds without fmt.
func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	default:
		fmt.Fprint(b, v)
	}
}

func init() {
	bundle = goi18n.NewBundle(language.SimplifiedChinese)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, lang := range Languages {
		name := "active." + lang + ".json"
		data, err := fs.ReadFile(locales.FS, name)
		if err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", name, err))
		}
		if _, err := bundle.ParseMessageFileBytes(data, name); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", name, err))
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			panic(fmt.Sprintf("i18n: %s must be a flat object of strings: %v", name, err))
		}
		catalogs[lang] = m
		compiled[lang] = map[string]message{}
		for k, v := range m {
			if c, ok := compile(v); ok && v != "" {
				compiled[lang][k] = c
			}
		}
		localizers[lang] = goi18n.NewLocalizer(bundle, lang)
	}
}

// Catalog returns a copy of one language's messages (for tests and tools).
func Catalog(lang string) map[string]string {
	out := make(map[string]string, len(catalogs[lang]))
	for k, v := range catalogs[lang] {
		out[k] = v
	}
	return out
}

type langKey struct{}
type locKey struct{}

// WithLang returns ctx with the UI language set.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Lang returns the UI language in ctx (the default when unset).
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok && localizers[l] != nil {
		return l
	}
	return Languages[0]
}

// WithLocation returns ctx with the user's time zone set.
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, locKey{}, loc)
}

// Location returns the user's time zone (Asia/Shanghai when unset).
func Location(ctx context.Context) *time.Location {
	if l, ok := ctx.Value(locKey{}).(*time.Location); ok && l != nil {
		return l
	}
	return shanghai
}

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}()

// T returns the message for key in the context's language. Template data comes as
// alternating name, value pairs, or as one map[string]any. A missing key returns the key
// itself (the catalog test keeps that from shipping).
func T(ctx context.Context, key string, kv ...any) string {
	return TL(Lang(ctx), key, kv...)
}

// TL is T for an explicit language.
func TL(lang, key string, kv ...any) string {
	l := localizers[lang]
	if l == nil {
		lang, l = Languages[0], localizers[Languages[0]]
	}
	c, fast := compiled[lang][key]
	if fast && len(c.names) == 0 {
		return c.text[0]
	}
	if fast && len(kv) > 1 {
		if _, ok := kv[0].(string); ok {
			return c.fillPairs(kv)
		}
	}
	var data map[string]any
	if len(kv) == 1 {
		data, _ = kv[0].(map[string]any)
	} else if len(kv) > 1 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	if fast {
		return c.fill(data)
	}
	msg, err := l.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil || msg == "" {
		return key
	}
	return msg
}

// Match picks the best supported language for an Accept-Language header, or "".
func Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return ""
	}
	for _, t := range tags {
		base, _ := t.Base()
		switch {
		case base.String() == "zh":
			// Traditional-script readers still read Simplified better than English.
			return "zh-Hans"
		case base.String() == "en":
			return "en"
		}
	}
	return ""
}

// Normalize maps user input like "zh", "zh-CN" or "en-US" to a supported language, or "".
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "zh-hans" || s == "zh" || strings.HasPrefix(s, "zh-"):
		return "zh-Hans"
	case s == "en" || strings.HasPrefix(s, "en-"):
		return "en"
	}
	return ""
}

// DateTime formats t as 2006-01-02 15:04 in the context's time zone (24-hour clock).
func DateTime(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Location(ctx)).Format("2006-01-02 15:04")
}

// Date formats t as 2006-01-02 in the context's time zone.
func Date(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Location(ctx)).Format("2006-01-02")
}
