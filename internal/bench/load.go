package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Target is the server under load: its base URL and a transport shared by every client,
// with a kept-alive connection per client.
type Target struct {
	Base      string
	transport *http.Transport
}

// NewTarget returns a target at base (http://127.0.0.1:port) for up to conns clients.
func NewTarget(base string, conns int) *Target {
	return &Target{Base: strings.TrimRight(base, "/"), transport: &http.Transport{
		MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: 0,
		IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
}

// Client is one simulated user: their own cookie jar, redirects not followed.
type Client struct {
	t    *Target
	http *http.Client
}

// NewClient returns a client without a session.
func (t *Target) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, http: &http.Client{
		Transport: t.transport, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// SignIn signs the client in as username.
func (c *Client) SignIn(ctx context.Context, username, password string) error {
	res, body, err := c.Do(ctx, "signin", http.MethodPost, "/signin", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		return err
	}
	if res != http.StatusSeeOther {
		return fmt.Errorf("sign in as %s: status %d: %.200s", username, res, body)
	}
	return nil
}

// Do sends one request labelled with scenario and returns the status and body.
func (c *Client) Do(ctx context.Context, scenario, method, path string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.t.Base+path, body)
	if err != nil {
		return 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set(ScenarioHeader, scenario)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// Step is what one client does next: a request and the status that means success.
type Step struct {
	Method string
	Path   string
	Form   url.Values
	Want   int
	// Done, when set, is told whether the request succeeded (and its body).
	Done func(ok bool, status int, body string)
}

// Scenario is a closed-loop load: Clients clients, each sending its next step as soon as
// the previous one answered, for Warmup (not measured) and then Duration.
type Scenario struct {
	Name     string
	Clients  []*Client
	Warmup   time.Duration
	Duration time.Duration
	// Next returns client i's next step; ok false means the client has nothing left.
	Next func(i int) (Step, bool)
	// CPU, when set, reads the server process's CPU time so far (user and system); the
	// result then says what the measured requests cost the server each.
	CPU func() time.Duration
}

// Result is what a scenario measured.
type Result struct {
	Name      string
	Clients   int
	Requests  int
	Errors    int
	PerSecond float64
	P50, P99  time.Duration
	// Statements and RoundTrips are per request, as the server counted them.
	Statements, RoundTrips float64
	MaxStatements          int64
	// Bytes is the mean response body per measured request.
	Bytes float64
	// CPU is the server's CPU time per measured request (0 without Scenario.CPU).
	CPU time.Duration
	// FirstErrors are a few failed requests, for the log.
	FirstErrors []string
	// Exhausted is how many clients ran out of work before the end.
	Exhausted int
}

// Run drives the scenario against the target and reads the server's statement totals.
func Run(ctx context.Context, t *Target, s Scenario) (Result, error) {
	start := time.Now()
	measureFrom := start.Add(s.Warmup)
	end := measureFrom.Add(s.Duration)
	type tally struct {
		lat       []time.Duration
		bytes     int64
		errs      int
		first     []string
		exhausted bool
	}
	tallies := make([]tally, len(s.Clients))
	// The server's CPU time at the start and the end of the measurement.
	var cpu0 time.Duration
	cpuStarted := make(chan struct{})
	if s.CPU != nil {
		go func() {
			defer close(cpuStarted)
			select {
			case <-time.After(time.Until(measureFrom)):
			case <-ctx.Done():
			}
			cpu0 = s.CPU()
		}()
	} else {
		close(cpuStarted)
	}
	var wg sync.WaitGroup
	for i, c := range s.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := &tallies[i]
			tl.lat = make([]time.Duration, 0, 4096)
			for {
				sent := time.Now()
				if !sent.Before(end) || ctx.Err() != nil {
					return
				}
				step, ok := s.Next(i)
				if !ok {
					tl.exhausted = true
					return
				}
				measured := !sent.Before(measureFrom)
				label := s.Name
				if !measured {
					label = s.Name + " warm-up"
				}
				status, body, err := c.Do(ctx, label, step.Method, step.Path, step.Form)
				took := time.Since(sent)
				good := err == nil && status == step.Want
				if step.Done != nil {
					step.Done(good, status, body)
				}
				if !measured {
					continue
				}
				tl.lat = append(tl.lat, took)
				tl.bytes += int64(len(body))
				if !good {
					tl.errs++
					if len(tl.first) < 3 {
						msg := fmt.Sprintf("%s %s → %d %v %.160s", step.Method, step.Path, status, err, body)
						tl.first = append(tl.first, msg)
					}
				}
			}
		}()
	}
	wg.Wait()
	<-cpuStarted
	var cpu1 time.Duration
	if s.CPU != nil {
		cpu1 = s.CPU()
	}
	r := Result{Name: s.Name, Clients: len(s.Clients)}
	var all []time.Duration
	var bytes int64
	for _, tl := range tallies {
		all = append(all, tl.lat...)
		bytes += tl.bytes
		r.Errors += tl.errs
		if len(r.FirstErrors) < 5 {
			r.FirstErrors = append(r.FirstErrors, tl.first...)
		}
		if tl.exhausted {
			r.Exhausted++
		}
	}
	r.Requests = len(all)
	r.PerSecond = float64(len(all)) / s.Duration.Seconds()
	if len(all) > 0 {
		r.Bytes = float64(bytes) / float64(len(all))
		if s.CPU != nil {
			r.CPU = (cpu1 - cpu0) / time.Duration(len(all))
		}
		slices.Sort(all)
		r.P50 = all[len(all)*50/100]
		r.P99 = all[min(len(all)-1, len(all)*99/100)]
	}
	totals, err := t.Stats(ctx)
	if err != nil {
		return r, err
	}
	if tot, ok := totals[s.Name]; ok && tot.Requests > 0 {
		r.Statements = float64(tot.Statements) / float64(tot.Requests)
		r.RoundTrips = float64(tot.RoundTrips) / float64(tot.Requests)
		r.MaxStatements = tot.MaxStatements
	}
	return r, nil
}

// Stats reads the server's statement totals by scenario.
func (t *Target) Stats(ctx context.Context) (map[string]Totals, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.Base+"/_bench/stats", nil)
	res, err := (&http.Client{Transport: t.transport, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/_bench/stats: status %d (is the server in bench mode?)", res.StatusCode)
	}
	out := map[string]Totals{}
	return out, json.NewDecoder(res.Body).Decode(&out)
}

// Share returns a client with the same session (cookie jar) as c.
func (c *Client) Share() *Client {
	return &Client{t: c.t, http: &http.Client{Transport: c.http.Transport, Jar: c.http.Jar, Timeout: c.http.Timeout, CheckRedirect: c.http.CheckRedirect}}
}
