// Package config reads the app's configuration from environment variables.
package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Config is the whole configuration, passed down explicitly, never a global.
type Config struct {
	// DatabaseURL is the PostgreSQL URL; empty means "find or start one" (make run).
	DatabaseURL string
	// Addr is the listen address.
	Addr string
	// BaseURL is the public URL printed at start-up and used for absolute links.
	BaseURL string
	// SecureCookies marks the session cookie Secure (set behind HTTPS; always when
	// BaseURL is https).
	SecureCookies bool
	// MetricsToken, when set, lets /metrics answer a request with
	// "Authorization: Bearer <token>" from any address; without it only loopback.
	MetricsToken string
	// Location is the default time zone for dates shown to users.
	Location *time.Location
	// Language is the default UI language.
	Language language.Tag
	// SessionIdle and SessionLifetime are the session's idle and absolute timeouts.
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// LogFormat is "text" or "json".
	LogFormat string
	// Notify says how messages to customers are sent: NotifySender is "log" (written to
	// the log, the default) or "http" (posted to NotifyURL with NotifyToken as a bearer
	// token, for an SMS or WeChat template-message gateway; NotifyChannel, "sms" or
	// "wechat", tells the gateway which).
	NotifySender  string
	NotifyURL     string
	NotifyToken   string
	NotifyChannel string
}

// Error names the variable that is wrong.
type Error struct {
	Var, Value, Why string
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s=%q: %s", e.Var, e.Value, e.Why)
}

// Load reads the configuration with getenv (os.Getenv in main, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL: get("DATABASE_URL", ""),
		Addr:        get("ADDR", ":8080"),
		LogFormat:   get("LOG_FORMAT", "text"),
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return c, &Error{"DATABASE_URL", c.DatabaseURL, "must be a postgres:// URL"}
		}
	}
	if _, port, ok := strings.Cut(c.Addr, ":"); !ok || port == "" {
		return c, &Error{"ADDR", c.Addr, "must look like :8080 or 127.0.0.1:8080"}
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return c, &Error{"ADDR", c.Addr, "the port must be a number from 0 to 65535"}
	}
	host, port, _ := strings.Cut(c.Addr, ":")
	if host == "" || host == "0.0.0.0" {
		host = "localhost"
	}
	c.BaseURL = strings.TrimRight(get("BASE_URL", "http://"+host+":"+port), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, &Error{"BASE_URL", c.BaseURL, "must be an absolute http(s) URL"}
	}
	var err error
	if c.SecureCookies, err = parseBool(get("SECURE_COOKIES", "false")); err != nil {
		return c, &Error{"SECURE_COOKIES", getenv("SECURE_COOKIES"), "must be true or false"}
	}
	// Served over HTTPS, the session cookie is Secure whatever SECURE_COOKIES says.
	if strings.HasPrefix(c.BaseURL, "https://") {
		c.SecureCookies = true
	}
	c.MetricsToken = getenv("METRICS_TOKEN")
	tz := get("TZ_DEFAULT", "Asia/Shanghai")
	if c.Location, err = time.LoadLocation(tz); err != nil {
		if tz != "Asia/Shanghai" {
			return c, &Error{"TZ_DEFAULT", tz, "unknown time zone"}
		}
		c.Location = time.FixedZone("Asia/Shanghai", 8*3600)
	}
	lang := get("DEFAULT_LANGUAGE", "zh-Hans")
	switch lang {
	case "zh-Hans", "zh", "zh-CN":
		c.Language = language.SimplifiedChinese
	case "en":
		c.Language = language.English
	default:
		return c, &Error{"DEFAULT_LANGUAGE", lang, "must be zh-Hans or en"}
	}
	if c.SessionIdle, err = time.ParseDuration(get("SESSION_IDLE_TIMEOUT", "2h")); err != nil || c.SessionIdle <= 0 {
		return c, &Error{"SESSION_IDLE_TIMEOUT", getenv("SESSION_IDLE_TIMEOUT"), "must be a positive duration like 2h"}
	}
	if c.SessionLifetime, err = time.ParseDuration(get("SESSION_LIFETIME", "12h")); err != nil || c.SessionLifetime <= 0 {
		return c, &Error{"SESSION_LIFETIME", getenv("SESSION_LIFETIME"), "must be a positive duration like 12h"}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, &Error{"LOG_FORMAT", c.LogFormat, "must be text or json"}
	}
	c.NotifySender, c.NotifyChannel = get("NOTIFY_SENDER", "log"), get("NOTIFY_CHANNEL", "sms")
	c.NotifyURL, c.NotifyToken = strings.TrimSpace(getenv("NOTIFY_HTTP_URL")), strings.TrimSpace(getenv("NOTIFY_HTTP_TOKEN"))
	switch c.NotifySender {
	case "log":
	case "http":
		if u, err := url.Parse(c.NotifyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &Error{"NOTIFY_HTTP_URL", c.NotifyURL, "must be an absolute http(s) URL when NOTIFY_SENDER=http"}
		}
	default:
		return c, &Error{"NOTIFY_SENDER", c.NotifySender, "must be log or http"}
	}
	if c.NotifyChannel != "sms" && c.NotifyChannel != "wechat" {
		return c, &Error{"NOTIFY_CHANNEL", c.NotifyChannel, "must be sms or wechat"}
	}
	return c, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean")
}
