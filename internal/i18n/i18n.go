// Package i18n looks up user-visible strings in the message catalogs and formats dates
// in the user's time zone. The language and time zone travel in the request context.
package i18n

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
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
)

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
		l = localizers[Languages[0]]
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
