// Package report is the managers' report (报表): the service figures of a period beside
// the period before, per station and in total, per technician, parts and money.
package report

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service reads the report; it writes only its roll-up (rollup.go).
type Service struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	loc   *time.Location
	cache *pageCache
}

// NewService returns the report service. now is the one clock; loc the time zone that
// periods are days of.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Service {
	return &Service{pool: pool, now: now, loc: loc, cache: newPageCache(64)}
}

// Query is what a report is asked for.
type Query struct {
	Period Period
	// StationID narrows the report to one station the actor sees (0: all of them, with a
	// row each).
	StationID int64
}

// Comparison is a set of figures for the period and the period before.
type Comparison struct {
	Current, Previous Set
}

// StationRow is one station's figures.
type StationRow struct {
	Station auth.Station
	Comparison
}

// TechRow is one technician's figures in the period.
type TechRow struct {
	ID          int64  `db:"id"`
	Name        string `db:"display_name"`
	StationID   int64  `db:"station_id"`
	StationName string `db:"station_name"`
	Done        int64  `db:"done"`
	FirstFix    int64  `db:"first_fix"`
	// OverallSum and OverallN make the average overall score.
	OverallSum int64 `db:"overall_sum"`
	OverallN   int64 `db:"overall_n"`
	Complaints int64 `db:"complaints"`
	Repeats    int64 `db:"repeats"`
	Reschedule int64 `db:"reschedules"`
	// OnSiteMinutes is the summed on-site time of OnSiteN jobs.
	OnSiteMinutes int64 `db:"onsite_minutes"`
	OnSiteN       int64 `db:"onsite_n"`
	// URLs of the lists behind the row: the jobs they completed, of those the first-time
	// fixes, the complaints naming them, and their record.
	OrdersURL, FirstFixURL, ComplaintsURL, RecordURL string
}

// FirstFixShare is the technician's first-time fix share in whole percent.
func (t TechRow) FirstFixShare() Figure {
	return Figure{Key: FirstFix, Unit: Share, Num: t.FirstFix, Den: t.Done, URL: t.FirstFixURL}
}

// Overall is the technician's average overall score.
func (t TechRow) Overall() Figure {
	return Figure{Key: ScoreOverall, Unit: Score, Num: t.OverallSum, Den: t.OverallN, URL: t.OrdersURL}
}

// OnSite is the technician's average on-site time in minutes (0 when none).
func (t TechRow) OnSite() int64 {
	if t.OnSiteN == 0 {
		return 0
	}
	return (t.OnSiteMinutes + t.OnSiteN/2) / t.OnSiteN
}

// PartLine is one part consumed in the period.
type PartLine struct {
	PartID   int64  `db:"part_id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	Quantity int64  `db:"quantity"`
	ValueFen int64  `db:"value_fen"`
	URL      string
}

// Parts is the parts section.
type Parts struct {
	// Quantity and ValueFen are all parts consumed (issues minus returns).
	Quantity, ValueFen int64
	// Top are the ten parts of the highest value consumed.
	Top []PartLine
	// Low counts active parts at or below their reorder point now, over the stations.
	Low    int64
	LowURL string
}

// MethodSum is the settlements of one method.
type MethodSum struct {
	Method string `db:"method"`
	Count  int64  `db:"n"`
	Fen    int64  `db:"fen"`
}

// Money is the money section.
type Money struct {
	Settlements []MethodSum
	// SettledFen and SettledCount total the settlements.
	SettledFen, SettledCount int64
	// Receivable are the orders quoted but not settled now and the sum of their quotes.
	ReceivableCount, ReceivableFen int64
	ReceivableURL                  string
	// FreeWarranty and FreeRepeat count orders completed in the period at no charge
	// because in warranty, or as a repeat repair.
	FreeWarranty, FreeRepeat int64
	FreeURL                  string
}

// TrendPoint is one week or month of the trend.
type TrendPoint struct {
	Period   Period
	Received int64
	// Contact is the SLA contact share of the orders created in it.
	Contact Figure
}

// Page is the whole report.
type Page struct {
	Query    Query
	Previous Period
	// Stations are the stations the actor sees: the choices of the station filter.
	Stations []auth.Station
	// Total is the figures over the report's stations; Rows one per station when the
	// report covers several.
	Total       Comparison
	Rows        []StationRow
	Technicians []TechRow
	Parts       Parts
	Money       Money
	Trend       []TrendPoint
	// Breakdown is the field work of the period by class, in workorder.FieldClasses'
	// order with the unclassified last (only when there are any).
	Breakdown []ClassCount
	// Now is when the report was read.
	Now time.Time
}

// mayReport is the rule of who reads reports: managers (their stations and those
// below) and supervisors (their own station).
func mayReport(a auth.Actor) error {
	if !a.Is(auth.RoleManager, auth.RoleSupervisor) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,supervisor")
	}
	return nil
}

// Report reads the report q for actor (manager or supervisor; Forbidden otherwise;
// NotFound for a station they do not see).
func (s *Service) Report(ctx context.Context, actor auth.Actor, q Query) (Page, error) {
	if err := mayReport(actor); err != nil {
		return Page{}, err
	}
	if q.StationID != 0 && !actor.Sees(q.StationID) {
		return Page{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	if q.Period.From.IsZero() {
		q.Period = PeriodOf(Month, s.now(), s.loc)
	}
	now := s.now()
	p := Page{Query: q, Previous: q.Period.Previous(), Now: now}
	sel := actor.Stations
	if q.StationID != 0 {
		sel = []int64{q.StationID}
	}
	st := &store{pool: s.pool, actor: actor, now: now, loc: s.loc}
	// What the page reads of the roll-up: its stations from the period before (or the
	// trend's first month) to the period's end.
	sp := span{stations: sel, from: minTime(p.Previous.From, TrendBuckets(q.Period)[0].From), to: q.Period.To}
	version, err := s.fresh(ctx, now, &sp)
	if err != nil {
		return Page{}, err
	}
	// A period wholly past is kept for its reader until a day it reads changes; what it
	// shows of now is read again.
	key := ""
	if !q.Period.To.After(now) {
		key = fmt.Sprintf("%d %s %v %d %s %s %s", actor.UserID, actor.Role, actor.Stations, q.StationID,
			q.Period.Kind, q.Period.From.Format(time.RFC3339), q.Period.To.Format(time.RFC3339))
		if e, ok := s.cache.get(key); ok {
			same, sameNow, err := s.unchanged(ctx, e.version, e.current, sp)
			if err != nil {
				return Page{}, err
			}
			if same {
				kept := e.page
				kept.Now = now
				if !sameNow {
					if err := st.current(ctx, sel, &kept); err != nil {
						return Page{}, err
					}
					s.cache.put(key, cached{page: kept, version: e.version, current: version})
				}
				return kept, nil
			}
		}
	}
	if p.Stations, err = st.stations(ctx, actor.Stations); err != nil {
		return Page{}, err
	}
	cur, err := st.figures(ctx, sel, q.Period)
	if err != nil {
		return Page{}, err
	}
	prev, err := st.figures(ctx, sel, p.Previous)
	if err != nil {
		return Page{}, err
	}
	p.Total = Comparison{Current: cur.get(0), Previous: prev.get(0)}
	links(p.Total.Current, q.StationID, q.Period)
	links(p.Total.Previous, q.StationID, p.Previous)
	if len(sel) > 1 {
		for _, station := range p.Stations {
			if !contains(sel, station.ID) {
				continue
			}
			row := StationRow{Station: station, Comparison: Comparison{Current: cur.get(station.ID), Previous: prev.get(station.ID)}}
			links(row.Current, station.ID, q.Period)
			links(row.Previous, station.ID, p.Previous)
			p.Rows = append(p.Rows, row)
		}
	}
	if p.Technicians, err = st.technicians(ctx, sel, q.Period); err != nil {
		return Page{}, err
	}
	for i := range p.Technicians {
		t := &p.Technicians[i]
		id := strconv.FormatInt(t.ID, 10)
		t.OrdersURL = ordersURL(q.StationID, q.Period, "assignee", id, "basis", workorder.BasisCompleted)
		t.FirstFixURL = ordersURL(q.StationID, q.Period, "assignee", id, "basis", workorder.BasisCompleted,
			"figure", workorder.FigFirstFix, "side", workorder.SideNum)
		t.ComplaintsURL = listURL("/complaints", q.StationID, q.Period, "technician", id, "basis", complaint.BasisCreated)
		t.RecordURL = "/technicians/" + strconv.FormatInt(t.ID, 10)
	}
	if p.Parts, err = st.parts(ctx, sel, q.Period); err != nil {
		return Page{}, err
	}
	p.Parts.LowURL = "/parts"
	if actor.Is(auth.RoleManager) {
		p.Parts.LowURL = "/parts/plan"
	}
	for i := range p.Parts.Top {
		p.Parts.Top[i].URL = "/parts/ledger/" + strconv.FormatInt(p.Parts.Top[i].PartID, 10)
	}
	if p.Money, err = st.money(ctx, sel, q.Period); err != nil {
		return Page{}, err
	}
	p.Money.ReceivableURL = ordersURL(q.StationID, Period{}, "state", string(workorder.AwaitingCallback))
	if actor.Is(auth.RoleManager) {
		p.Money.ReceivableURL = "/receivables"
	}
	p.Money.FreeURL = ordersURL(q.StationID, q.Period)
	if p.Breakdown, err = st.breakdown(ctx, sel, q.Period); err != nil {
		return Page{}, err
	}
	if p.Trend, err = st.trend(ctx, sel, TrendBuckets(q.Period)); err != nil {
		return Page{}, err
	}
	if err := st.current(ctx, sel, &p); err != nil {
		return Page{}, err
	}
	if key != "" {
		s.cache.put(key, cached{page: p, version: version, current: version})
	}
	return p, nil
}

// Headline is the few figures the manager's home page shows.
type Headline struct {
	Today, Month Period
	// TodaySet and MonthSet hold Received, SLAContact and CallbackRate (all figures, in
	// fact) over every station the actor sees.
	TodaySet, MonthSet Set
}

// Headline reads today's and this month's figures for actor's stations (manager or
// supervisor; Forbidden otherwise).
func (s *Service) Headline(ctx context.Context, actor auth.Actor) (Headline, error) {
	if err := mayReport(actor); err != nil {
		return Headline{}, err
	}
	now := s.now()
	h := Headline{Today: PeriodOf(Day, now, s.loc), Month: PeriodOf(Month, now, s.loc)}
	if _, err := s.fresh(ctx, now, &span{stations: actor.Stations, from: h.Month.From, to: h.Month.To}); err != nil {
		return Headline{}, err
	}
	st := &store{pool: s.pool, actor: actor, now: now, loc: s.loc}
	d, err := st.figures(ctx, actor.Stations, h.Today)
	if err != nil {
		return Headline{}, err
	}
	m, err := st.figures(ctx, actor.Stations, h.Month)
	if err != nil {
		return Headline{}, err
	}
	h.TodaySet, h.MonthSet = d.get(0), m.get(0)
	return h, nil
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// ordersURL is the order list of the orders created in p (zero: any time) at station
// (0: all), with more filters as name, value pairs.
func ordersURL(station int64, p Period, kv ...string) string {
	return listURL("/orders", station, p, kv...)
}

// listURL is the list at path over the days of p (zero: any time) at station (0: all),
// with more filters as name, value pairs.
func listURL(path string, station int64, p Period, kv ...string) string {
	v := url.Values{}
	if station != 0 {
		v.Set("station", strconv.FormatInt(station, 10))
	}
	if !p.From.IsZero() {
		v.Set("from", p.From.Format("2006-01-02"))
		v.Set("to", p.LastDay().Format("2006-01-02"))
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// figureURL is the order list of one side of figure at station over p: the orders the
// report counts there (workorder.FigureCond, over the figure's basis).
func figureURL(figure, side string, station int64, p Period) string {
	return ordersURL(station, p, "basis", workorder.FigureBasis(figure), "figure", figure, "side", side)
}

// links sets each figure's drill-down: the list of the orders or complaints behind it,
// or the closest list there is. The order figures link their numerator and denominator
// to the order lists of exactly the orders counted (the figure itself to the
// denominator's); Received links to the orders created in the period.
func links(s Set, station int64, p Period) {
	list := func(path string, kv ...string) string { return listURL(path, station, p, kv...) }
	for i := range s {
		f := &s[i]
		switch f.Key {
		case Received:
			f.URL = ordersURL(station, p)
			f.NumURL = f.URL
		case SLAContact, SLAArrive, SLARepair, FirstFix, RepeatRate:
			f.NumURL = figureURL(f.Key, workorder.SideNum, station, p)
			f.DenURL = figureURL(f.Key, workorder.SideDen, station, p)
			f.URL = f.DenURL
		case MedianContact, MedianArrive, MedianRepair:
			// A median's list is the orders it is taken over (its count).
			f.DenURL = figureURL(f.Key, workorder.SideDen, station, p)
			f.URL = f.DenURL
		case CallbackRate:
			// The callbacks that fell due (one row each) and those that reached the customer.
			f.DenURL = list("/callbacks/due")
			f.NumURL = list("/callbacks/due", "reached", "1")
			f.URL = f.DenURL
		case ScoreAttitude, ScoreTimeliness, ScoreQuality, ScoreOverall:
			f.URL = list("/callbacks/due", "reached", "1")
		case ComplaintsPer100:
			// The complaints logged in the period (the numerator; the orders are Received's).
			f.URL = list("/complaints", "basis", complaint.BasisCreated)
		case ComplaintsOnTime:
			f.DenURL = list("/complaints", "basis", complaint.BasisDue)
			f.NumURL = list("/complaints", "basis", complaint.BasisDue, "ontime", "1")
			f.URL = f.DenURL
		case ClaimsPaid:
			f.URL = list("/complaints", "basis", complaint.BasisPaid)
		default:
			f.URL = ordersURL(station, p)
		}
	}
}
