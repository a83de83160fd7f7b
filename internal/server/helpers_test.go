package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/config"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/live"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/aftersales/aftersales/internal/server"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// app is a running server on a fresh copy of the demo data.
type app struct {
	*httptest.Server
	Pool *pgxpool.Pool
	// Hub is the server's live-update hub, LISTENing on the test database.
	Hub *live.Hub
}

func newApp(t testing.TB, opts ...func(*server.Deps)) *app {
	t.Helper()
	return newAppOn(t, testkit.DemoDB(t), nil, opts...)
}

// newAppOn is newApp on pool, its handler wrapped by wrap when not nil.
func newAppOn(t testing.TB, pool *pgxpool.Pool, wrap func(http.Handler) http.Handler, opts ...func(*server.Deps)) *app {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sessions, stop := server.NewSessions(pool, cfg, 0)
	t.Cleanup(stop)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := live.NewHub(pool, logger)
	deps := server.Deps{
		Config: cfg, Pool: pool, Sessions: sessions,
		Auth:      auth.NewService(pool, time.Now),
		Customers: customer.NewService(pool, time.Now, cfg.Location),
		Orders:    workorder.NewService(pool, time.Now, cfg.Location),
		Parts:     parts.NewService(pool, time.Now, cfg.Location),
		Fees:      fee.NewService(pool, time.Now),
		Proposals: proposal.NewService(pool, time.Now, cfg.Location),
		Logger:    logger,
		Live:      hub,
	}
	for _, o := range opts {
		o(&deps)
	}
	handler := server.NewServer(deps)
	if wrap != nil {
		handler = wrap(handler)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	// Cleanups run last-registered first: the hub stops (ending open event streams)
	// before srv.Close waits for requests, and before the pool and database go.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		hub.Run(ctx)
	}()
	t.Cleanup(func() {
		hub.Close()
		cancel()
		<-done
	})
	return &app{Server: srv, Pool: pool, Hub: hub}
}

// client is a browser-like HTTP client with a cookie jar that does not follow redirects.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	// Header is added to every request.
	Header http.Header
}

func (a *app) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: a.URL, Header: http.Header{"Accept-Language": {"zh-CN,zh;q=0.9"}}, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// response is what a request returned.
type response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	for k, v := range c.Header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, c.base+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values, header ...string) response {
	c.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

func (c *client) signIn(username string) {
	c.t.Helper()
	r := c.post("/signin", url.Values{"username": {username}, "password": {demo.Password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d\n%s", username, r.Status, r.Body)
	}
}

// sessionToken is the session cookie's value in the jar.
func (c *client) sessionToken() string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "aftersales_session" {
			return ck.Value
		}
	}
	return ""
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
