package server_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// figureLink is a report figure's numerator or denominator: its order list and number.
var figureLink = regexp.MustCompile(`<a class="fig-(num|den)" href="([^"]+)">(\d+)</a>`)

var orderRowLink = regexp.MustCompile(`href="/orders/\d+"`)

var nextPage = regexp.MustCompile(`id="next-page" href="([^"]+)"`)

// countOrders follows the order list at path through every page and counts its orders.
func countOrders(t *testing.T, c *client, path string) int64 {
	t.Helper()
	var n int64
	for pages := 0; path != ""; pages++ {
		if pages > 200 {
			t.Fatalf("%s: more than 200 pages", path)
		}
		r := c.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.Status)
		}
		if i := strings.Index(r.Body, `id="orders"`); i >= 0 {
			table := r.Body[i:]
			table = table[:strings.Index(table, "</table>")]
			n += int64(len(orderRowLink.FindAllString(table, -1)))
		}
		path = ""
		if m := nextPage.FindStringSubmatch(r.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return n
}

// complaintsMatched and callbacksDue are the counts the complaint list and the list of
// callbacks due show above their rows.
var (
	complaintsMatched = regexp.MustCompile(`共 (\d+) 条`)
	callbacksDue      = regexp.MustCompile(`共 (\d+) 次回访到期，已回访 (\d+) 次`)
)

// listedCount is the count the complaint list or the list of callbacks due at path
// shows: the callbacks reached when it lists those, else those due.
func listedCount(t *testing.T, c *client, path string) int64 {
	t.Helper()
	r := c.get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: %d", path, r.Status)
	}
	var m []string
	if strings.HasPrefix(path, "/complaints?") {
		m = complaintsMatched.FindStringSubmatch(r.Body)
	} else if m = callbacksDue.FindStringSubmatch(r.Body); m != nil && strings.Contains(path, "reached=1") {
		m = m[1:]
	}
	if m == nil {
		t.Fatalf("%s: no count on the page", path)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// TestReportNumbersListTheirOrders: every numerator and denominator of the report's
// figures links to a list with exactly that many orders (complaints, callbacks), for the total,
// the period before and each station; the figure itself links to its denominator's
// list, and that list says what it is.
func TestReportNumbersListTheirOrders(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	mgr := a.client(t)
	mgr.signIn("manager")
	for _, kind := range []string{"year", "month"} {
		r := mgr.get("/reports?kind=" + kind)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", kind, r.Status)
		}
		links := figureLink.FindAllStringSubmatch(r.Body, -1)
		figures := map[string]bool{}
		counted := map[string]int64{}
		nonzero := 0
		for _, m := range links {
			path, want := html.UnescapeString(m[2]), m[3]
			got, ok := counted[path]
			switch {
			case ok:
			case strings.HasPrefix(path, "/orders?"):
				figures[figureOf(path)] = true
				got = countOrders(t, mgr, path)
			case strings.HasPrefix(path, "/complaints?"), strings.HasPrefix(path, "/callbacks/due?"):
				got = listedCount(t, mgr, path)
			default:
				t.Errorf("%s: a figure's %s links to %s", kind, m[1], path)
				continue
			}
			counted[path] = got
			if strconv.FormatInt(got, 10) != want {
				t.Errorf("%s: %s lists %d orders, the report says %s", kind, path, got, want)
			}
			if got > 0 {
				nonzero++
			}
		}
		// Five figures, two sides each, in the total, its period before and the stations.
		if len(links) < 5*2*2 || nonzero == 0 {
			t.Errorf("%s: %d numerator and denominator links, %d of them non-zero", kind, len(links), nonzero)
		}
		for _, k := range []string{"sla_contact", "sla_arrive", "sla_repair", "first_fix", "repeat_rate"} {
			for _, side := range []string{"num", "den"} {
				if !figures[k+" "+side] {
					t.Errorf("%s: no %s %s link", kind, k, side)
				}
			}
		}
	}

	// The list says which side of which figure it is; a figure it does not know is refused.
	r := mgr.get("/orders?figure=first_fix&side=num&from=2026-01-01&to=2026-12-31")
	if r.Status != http.StatusOK {
		t.Fatalf("first fix list: %d", r.Status)
	}
	mustContain(t, r.Body, `id="orders-figure"`, "一次修复率", "分子")
	for _, bad := range []string{"figure=nonsense&side=num", "figure=sla_contact&side=both", "figure=sla_contact", "side=num",
		"basis=closed", "figure=first_fix&side=den&basis=created"} {
		if r := mgr.get("/orders?" + bad); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("/orders?%s: %d, want 422", bad, r.Status)
		}
	}
	if r := mgr.get("/orders?basis=completed&from=2026-01-01"); r.Status != http.StatusOK || !strings.Contains(r.Body, "完工") {
		t.Errorf("completion basis: %d", r.Status)
	}
}

// figureOf is the figure and side an order list's path names.
func figureOf(path string) string {
	q, err := url.ParseQuery(path[strings.Index(path, "?")+1:])
	if err != nil {
		return ""
	}
	return q.Get("figure") + " " + q.Get("side")
}
