package report_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/report"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// listFilter reads an order-list link as the order list does (internal/server
// orderFilter): station, the from and to days, basis, figure, side and assignee.
func listFilter(t *testing.T, link string) wo.Filter {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != "/orders" {
		t.Fatalf("not an order list: %q", link)
	}
	q := u.Query()
	f := wo.Filter{Basis: q.Get("basis"), Figure: q.Get("figure"), Side: q.Get("side"), Limit: 200}
	if s := q.Get("station"); s != "" {
		if f.StationID, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	day := func(k string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", q.Get(k), testkit.Shanghai)
		if err != nil {
			t.Fatalf("%s in %q: %v", k, link, err)
		}
		return d
	}
	f.From, f.To = day("from"), day("to").AddDate(0, 0, 1)
	if a := q.Get("assignee"); a != "" {
		if f.AssigneeID, err = strconv.ParseInt(a, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// count lists every page of f and counts the orders.
func count(t *testing.T, ds *dataset, a auth.Actor, f wo.Filter) int64 {
	t.Helper()
	var n int64
	for {
		p, err := ds.orders.List(context.Background(), a, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		n += int64(len(p.Orders))
		if p.Next == "" {
			return n
		}
		f.After = p.Next
	}
}

// TestFigureLinksListTheOrdersCounted: on the crafted November, each order figure's
// numerator and denominator link to order lists of exactly Num and Den orders, in the
// total and each station's column; Received links to its Num orders.
func TestFigureLinksListTheOrdersCounted(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	centre := ds.users.Actor("manager")
	p, err := ds.svc.Report(context.Background(), centre, report.Query{Period: month(time.November)})
	if err != nil {
		t.Fatal(err)
	}
	sets := map[string]report.Set{"total": p.Total.Current}
	for _, r := range p.Rows {
		sets[r.Station.Code] = r.Current
	}
	keys := []string{report.SLAContact, report.SLAArrive, report.SLARepair, report.FirstFix, report.RepeatRate}
	for name, s := range sets {
		if f := s.Get(report.Received); f.NumURL != f.URL || count(t, ds, centre, listFilter(t, f.URL)) != f.Num {
			t.Errorf("%s received: %d, link %s", name, f.Num, f.URL)
		}
		for _, k := range keys {
			f := s.Get(k)
			if f.NumURL == "" || f.DenURL == "" || f.URL != f.DenURL || !strings.Contains(f.NumURL, "figure="+k) {
				t.Errorf("%s %s: links %q, %q, %q", name, k, f.URL, f.NumURL, f.DenURL)
				continue
			}
			if n := count(t, ds, centre, listFilter(t, f.NumURL)); n != f.Num {
				t.Errorf("%s %s: numerator %d, its list %d orders (%s)", name, k, f.Num, n, f.NumURL)
			}
			if n := count(t, ds, centre, listFilter(t, f.DenURL)); n != f.Den {
				t.Errorf("%s %s: denominator %d, its list %d orders (%s)", name, k, f.Den, n, f.DenURL)
			}
		}
	}
	// A median links to the orders it is taken over: as many as its n.
	for name, s := range sets {
		for _, k := range []string{report.MedianContact, report.MedianArrive, report.MedianRepair} {
			f := s.Get(k)
			if f.DenURL == "" || f.URL != f.DenURL || !strings.Contains(f.DenURL, "figure="+k) {
				t.Errorf("%s %s: links %q, %q", name, k, f.URL, f.DenURL)
				continue
			}
			if n := count(t, ds, centre, listFilter(t, f.DenURL)); n != f.Den || (name == "total" && n == 0) {
				t.Errorf("%s %s: n = %d, its list %d orders (%s)", name, k, f.Den, n, f.DenURL)
			}
		}
	}
	// Shanghai's figures differ from their denominators, so a side changed on one end
	// shows (see TestReportFigures for the values).
	for _, k := range keys {
		if f := sets["SH"].Get(k); f.Num == 0 || f.Num == f.Den {
			t.Errorf("SH %s = %d/%d tells the sides apart poorly", k, f.Num, f.Den)
		}
	}
}

// linkQuery parses a drill-down link on path: its station and its from and to days
// (to included, so the bound is the day after).
func linkQuery(t *testing.T, link, path string) (q url.Values, station int64, from, to time.Time) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != path {
		t.Fatalf("not a %s link: %q", path, link)
	}
	q = u.Query()
	if s := q.Get("station"); s != "" {
		if station, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	day := func(k string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", q.Get(k), testkit.Shanghai)
		if err != nil {
			t.Fatalf("%s in %q: %v", k, link, err)
		}
		return d
	}
	return q, station, day("from"), day("to").AddDate(0, 0, 1)
}

// TestComplaintFiguresAgreeWithTheList: on the crafted November, read on 10 December
// and on 22 November (the second complaint not yet due), each complaint figure of the
// total and of each station links to the complaint list of exactly what it counts:
// logged, due (and of those on time), paid (count and amount).
func TestComplaintFiguresAgreeWithTheList(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ctx := context.Background()
	centre := ds.users.Actor("manager")
	complaints := complaint.NewService(ds.pool, ds.clock.Now, testkit.Shanghai)
	nov := month(time.November)
	for _, now := range []time.Time{at(12, 10, 10), at(11, 22, 10)} {
		ds.clock.Set(now)
		p, err := ds.svc.Report(ctx, centre, report.Query{Period: nov})
		if err != nil {
			t.Fatal(err)
		}
		sets := map[int64]report.Set{0: p.Total.Current}
		for _, r := range p.Rows {
			sets[r.Station.ID] = r.Current
		}
		// listed reads the complaint list a link opens, as the list's handler does.
		listed := func(link string) complaint.List {
			t.Helper()
			q, station, from, to := linkQuery(t, link, "/complaints")
			l, err := complaints.List(ctx, centre, complaint.Filter{StationID: station, From: from, To: to, Basis: q.Get("basis"), OnTime: q.Get("ontime") == "1"})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		for station, s := range sets {
			name := fmt.Sprintf("%s, station %d", now.Format(time.DateOnly), station)
			if f := s.Get(report.ComplaintsPer100); listed(f.URL).Total != f.Num {
				t.Errorf("%s: %d complaints logged, the list %d (%s)", name, f.Num, listed(f.URL).Total, f.URL)
			}
			onTime := s.Get(report.ComplaintsOnTime)
			if l := listed(onTime.DenURL); l.Total != onTime.Den || onTime.URL != onTime.DenURL {
				t.Errorf("%s: %d complaints due, the list %d (%s)", name, onTime.Den, l.Total, onTime.DenURL)
			}
			if l := listed(onTime.NumURL); l.Total != onTime.Num {
				t.Errorf("%s: %d handled on time, the list %d (%s)", name, onTime.Num, l.Total, onTime.NumURL)
			}
			if f, l := s.Get(report.ClaimsPaid), listed(s.Get(report.ClaimsPaid).URL); l.Total != f.Den || l.PaidFen != f.Num {
				t.Errorf("%s: %d claims paid, %d fen; the list %d, %d fen", name, f.Den, f.Num, l.Total, l.PaidFen)
			}
		}
		if f := sets[ds.sh].Get(report.ComplaintsOnTime); now.Month() == time.November && (f.Num != 1 || f.Den != 1) {
			t.Errorf("SH on 22 November: on time %d/%d, want 1/1", f.Num, f.Den)
		}
	}
}

// TestCallbackRateLinksListTheCallbacks: the callback rate's denominator and numerator
// link to the list of callbacks due (one row per callback) with exactly as many rows.
func TestCallbackRateLinksListTheCallbacks(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ctx := context.Background()
	centre := ds.users.Actor("manager")
	p, err := ds.svc.Report(ctx, centre, report.Query{Period: month(time.November)})
	if err != nil {
		t.Fatal(err)
	}
	sets := map[string]report.Set{"total": p.Total.Current}
	for _, r := range p.Rows {
		sets[r.Station.Code] = r.Current
	}
	rows := func(link string) int64 {
		t.Helper()
		q, station, from, to := linkQuery(t, link, "/callbacks/due")
		f := wo.DueFilter{StationID: station, From: from, To: to, Limit: 1}
		if r := q.Get("reached"); r != "" {
			b := r == "1"
			f.Reached = &b
		}
		var n int64
		for {
			l, err := ds.orders.CallbacksDue(ctx, centre, f)
			if err != nil {
				t.Fatal(err)
			}
			n += int64(len(l.Callbacks))
			if l.Next == "" {
				return n
			}
			f.After = l.Next
		}
	}
	for name, s := range sets {
		f := s.Get(report.CallbackRate)
		if f.URL != f.DenURL || rows(f.DenURL) != f.Den || rows(f.NumURL) != f.Num {
			t.Errorf("%s callback rate %d/%d: lists %d (%s) and %d (%s)", name, f.Num, f.Den, rows(f.NumURL), f.NumURL, rows(f.DenURL), f.DenURL)
		}
	}
	if f := sets["total"].Get(report.CallbackRate); f.Den == 0 || f.Num == f.Den {
		t.Errorf("total callback rate %d/%d tells the sides apart poorly", f.Num, f.Den)
	}
}

// TestTechnicianLinksListWhatTheyCount: each technician's jobs completed, first-time
// fixes and complaints link to lists of exactly that many.
func TestTechnicianLinksListWhatTheyCount(t *testing.T) {
	t.Parallel()
	ds := buildDataset(t)
	ctx := context.Background()
	centre := ds.users.Actor("manager")
	complaints := complaint.NewService(ds.pool, ds.clock.Now, testkit.Shanghai)
	p, err := ds.svc.Report(ctx, centre, report.Query{Period: month(time.November)})
	if err != nil {
		t.Fatal(err)
	}
	busy := 0
	for _, r := range p.Technicians {
		if n := count(t, ds, centre, listFilter(t, r.OrdersURL)); n != r.Done {
			t.Errorf("%s: %d jobs done, the list %d (%s)", r.Name, r.Done, n, r.OrdersURL)
		}
		if n := count(t, ds, centre, listFilter(t, r.FirstFixURL)); n != r.FirstFix || r.FirstFixShare().URL != r.FirstFixURL {
			t.Errorf("%s: %d first-time fixes, the list %d (%s)", r.Name, r.FirstFix, n, r.FirstFixURL)
		}
		q, station, from, to := linkQuery(t, r.ComplaintsURL, "/complaints")
		tech, _ := strconv.ParseInt(q.Get("technician"), 10, 64)
		l, err := complaints.List(ctx, centre, complaint.Filter{StationID: station, TechnicianID: tech, From: from, To: to, Basis: q.Get("basis")})
		if err != nil || l.Total != r.Complaints {
			t.Errorf("%s: %d complaints, the list %d (%s) %v", r.Name, r.Complaints, l.Total, r.ComplaintsURL, err)
		}
		if r.Done > r.FirstFix && r.Complaints > 0 {
			busy++
		}
	}
	if busy == 0 {
		t.Error("no technician with jobs, a revisit or parts wait, and complaints: the links are not told apart")
	}
}
