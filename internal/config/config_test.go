package config

import (
	"errors"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.SecureCookies {
		t.Errorf("defaults: %+v", c)
	}
	if c.Location.String() != "Asia/Shanghai" || c.Language.String() != "zh-Hans" {
		t.Errorf("location %s language %s", c.Location, c.Language)
	}
	if c.SessionIdle != 2*time.Hour || c.SessionLifetime != 12*time.Hour {
		t.Errorf("session timeouts %s %s", c.SessionIdle, c.SessionLifetime)
	}
}

func TestLoadNamesTheBadVariable(t *testing.T) {
	for _, tc := range []struct{ k, v string }{
		{"DATABASE_URL", "mysql://x"},
		{"ADDR", "8080"},
		{"ADDR", ":http"},
		{"BASE_URL", "localhost"},
		{"SECURE_COOKIES", "maybe"},
		{"TZ_DEFAULT", "Mars/Olympus"},
		{"DEFAULT_LANGUAGE", "fr"},
		{"SESSION_IDLE_TIMEOUT", "forever"},
		{"SESSION_LIFETIME", "-1h"},
		{"LOG_FORMAT", "xml"},
	} {
		_, err := Load(env(map[string]string{tc.k: tc.v}))
		var ce *Error
		if !errors.As(err, &ce) || ce.Var != tc.k {
			t.Errorf("%s=%s: got %v, want an error naming %s", tc.k, tc.v, err, tc.k)
		}
	}
}

func TestLoadOverrides(t *testing.T) {
	c, err := Load(env(map[string]string{
		"ADDR": "127.0.0.1:9000", "SECURE_COOKIES": "true", "DEFAULT_LANGUAGE": "en",
		"TZ_DEFAULT": "UTC", "DATABASE_URL": "postgres://u@h/db",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "http://127.0.0.1:9000" || !c.SecureCookies || c.Language.String() != "en" || c.Location != time.UTC {
		t.Errorf("%+v", c)
	}
}

// TestHTTPSBaseURLMakesCookiesSecure: served over https, the session cookie is Secure
// even when SECURE_COOKIES is not set.
func TestHTTPSBaseURLMakesCookiesSecure(t *testing.T) {
	c, err := Load(env(map[string]string{"BASE_URL": "https://service.example.cn"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SecureCookies {
		t.Error("https BASE_URL without Secure cookies")
	}
}
