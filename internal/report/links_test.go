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
// orderFilter): station, the from and to days, basis, figure and side.
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
	// Shanghai's figures differ from their denominators, so a side changed on one end
	// shows (see TestReportFigures for the values).
	for _, k := range keys {
		if f := sets["SH"].Get(k); f.Num == 0 || f.Num == f.Den {
			t.Errorf("SH %s = %d/%d tells the sides apart poorly", k, f.Num, f.Den)
		}
	}
}

// TestComplaintFiguresAgreeWithTheList: on the crafted November, read on 10 December
// and on 22 November (the second complaint not yet due), each complaint figure of the
// total and of each station is what the complaint list counts over the period on its
// basis (complaint.PeriodCond): logged, due (and of those on time), paid.
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
		listed := func(station int64, basis string, onTime bool) complaint.List {
			t.Helper()
			l, err := complaints.List(ctx, centre, complaint.Filter{StationID: station, From: nov.From, To: nov.To, Basis: basis, OnTime: onTime})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		for station, s := range sets {
			name := fmt.Sprintf("%s, station %d", now.Format(time.DateOnly), station)
			if f, l := s.Get(report.ComplaintsPer100), listed(station, complaint.BasisCreated, false); l.Total != f.Num {
				t.Errorf("%s: %d complaints logged, the list %d", name, f.Num, l.Total)
			}
			onTime, due := s.Get(report.ComplaintsOnTime), listed(station, complaint.BasisDue, false)
			if due.Total != onTime.Den {
				t.Errorf("%s: %d complaints due, the list %d", name, onTime.Den, due.Total)
			}
			if l := listed(station, complaint.BasisDue, true); l.Total != onTime.Num {
				t.Errorf("%s: %d handled on time, the list %d", name, onTime.Num, l.Total)
			}
			if f, l := s.Get(report.ClaimsPaid), listed(station, complaint.BasisPaid, false); l.Total != f.Den || l.PaidFen != f.Num {
				t.Errorf("%s: %d claims paid, %d fen; the list %d, %d fen", name, f.Den, f.Num, l.Total, l.PaidFen)
			}
		}
		if f := sets[ds.sh].Get(report.ComplaintsOnTime); now.Month() == time.November && (f.Num != 1 || f.Den != 1) {
			t.Errorf("SH on 22 November: on time %d/%d, want 1/1", f.Num, f.Den)
		}
	}
}
