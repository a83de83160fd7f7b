package report_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/report"
	"github.com/aftersales/aftersales/internal/testkit"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	loc := testkit.Shanghai
	now := time.Date(2026, 11, 25, 23, 30, 0, 0, loc) // Wednesday
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, loc) }
	for _, c := range []struct {
		kind, date, from, to string
		wantFrom, wantTo     time.Time
		label                string
		prevFrom, prevTo     time.Time
	}{
		{"", "", "", "", d(2026, 11, 1), d(2026, 12, 1), "2026-11", d(2026, 10, 1), d(2026, 11, 1)},
		{"day", "", "", "", d(2026, 11, 25), d(2026, 11, 26), "2026-11-25", d(2026, 11, 24), d(2026, 11, 25)},
		{"day", "2027-01-01", "", "", d(2027, 1, 1), d(2027, 1, 2), "2027-01-01", d(2026, 12, 31), d(2027, 1, 1)},
		{"week", "2026-11-29", "", "", d(2026, 11, 23), d(2026, 11, 30), "2026-W48", d(2026, 11, 16), d(2026, 11, 23)},
		{"month", "2026-03-31", "", "", d(2026, 3, 1), d(2026, 4, 1), "2026-03", d(2026, 2, 1), d(2026, 3, 1)},
		{"quarter", "2026-11-02", "", "", d(2026, 10, 1), d(2027, 1, 1), "2026-Q4", d(2026, 7, 1), d(2026, 10, 1)},
		{"year", "2026-06-15", "", "", d(2026, 1, 1), d(2027, 1, 1), "2026", d(2025, 1, 1), d(2026, 1, 1)},
		{"range", "", "2026-11-01", "2026-11-15", d(2026, 11, 1), d(2026, 11, 16), "2026-11-01–2026-11-15", d(2026, 10, 17), d(2026, 11, 1)},
	} {
		p, errs := report.ParsePeriod(c.kind, c.date, c.from, c.to, now, loc)
		if len(errs) > 0 {
			t.Errorf("%s %s: %v", c.kind, c.date, errs)
			continue
		}
		if !p.From.Equal(c.wantFrom) || !p.To.Equal(c.wantTo) || p.Label != c.label {
			t.Errorf("%s %s: %s – %s %q, want %s – %s %q", c.kind, c.date, p.From, p.To, p.Label, c.wantFrom, c.wantTo, c.label)
		}
		if prev := p.Previous(); !prev.From.Equal(c.prevFrom) || !prev.To.Equal(c.prevTo) || prev.Kind != p.Kind {
			t.Errorf("%s %s: previous %s – %s, want %s – %s", c.kind, c.date, prev.From, prev.To, c.prevFrom, c.prevTo)
		}
	}
	// A moment late on a day in UTC is the next day in Shanghai.
	if p := report.PeriodOf(report.Day, time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC), loc); p.Label != "2026-12-01" {
		t.Errorf("day of 17:00 UTC on 30 Nov: %s", p.Label)
	}
	for _, c := range []struct{ kind, date, from, to, field string }{
		{"fortnight", "", "", "", "kind"},
		{"day", "2026-13-01", "", "", "date"},
		{"range", "", "2026-11-15", "2026-11-01", "to"},
		{"range", "", "2020-01-01", "2026-11-01", "to"},
		{"range", "", "", "2026-11-01", "from"},
	} {
		p, errs := report.ParsePeriod(c.kind, c.date, c.from, c.to, now, loc)
		if errs[c.field] == "" {
			t.Errorf("%+v: no error on %s (%v)", c, c.field, errs)
		}
		if p.Kind != report.Month || !p.From.Equal(d(2026, 11, 1)) {
			t.Errorf("%+v: with errors the period is %+v, want this month", c, p)
		}
	}
}

func TestTrendBuckets(t *testing.T) {
	t.Parallel()
	loc := testkit.Shanghai
	b := report.TrendBuckets(report.PeriodOf(report.Month, time.Date(2026, 11, 5, 0, 0, 0, 0, loc), loc))
	if len(b) != 12 || b[11].Label != "2026-11" || b[0].Label != "2025-12" {
		t.Errorf("months: %s … %s", b[0].Label, b[11].Label)
	}
	w := report.TrendBuckets(report.PeriodOf(report.Day, time.Date(2026, 11, 25, 0, 0, 0, 0, loc), loc))
	if len(w) != 12 || w[11].Label != "2026-W48" || !w[10].To.Equal(w[11].From) {
		t.Errorf("weeks: %s … %s", w[0].Label, w[11].Label)
	}
}

func TestFigureValues(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f    report.Figure
		want float64
		ok   bool
	}{
		{report.Figure{Unit: report.Share, Num: 3, Den: 4}, 75, true},
		{report.Figure{Unit: report.Share, Num: 2, Den: 3}, 66, true},
		{report.Figure{Unit: report.Share}, 0, false},
		{report.Figure{Unit: report.Score, Num: 14, Den: 3}, 4.67, true},
		{report.Figure{Unit: report.Per100, Num: 3, Den: 7}, 42.9, true},
		{report.Figure{Unit: report.Count}, 0, true},
	} {
		if c.f.Value() != c.want || c.f.OK() != c.ok {
			t.Errorf("%+v: %v %v, want %v %v", c.f, c.f.Value(), c.f.OK(), c.want, c.ok)
		}
	}
}
