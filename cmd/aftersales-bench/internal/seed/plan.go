package seed

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/customer"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// plan is every order of the benchmark database, planned before anything is written.
type plan struct {
	w       *world
	orders  []oplan
	byID    []int32 // plan index of order id i+1
	page    int32
	hotOpen []int32
	hotOrd  []int32
	issue   []int32
	// order_counters: per station and local day, the last number given out
	counters map[counterKey]int32
	reqs     []req
	stock    *stock
	// signature is the page order's signature (PNG) and its hash.
	signature     []byte
	signatureHash string
}

type counterKey struct {
	station int32
	day     time.Time
}

func (P *plan) order(id int64) *oplan { return &P.orders[P.byID[id-1]] }

// openMix is how the open orders spread over the open states.
var openMix = []struct {
	s wo.State
	w float64
}{
	{wo.Received, 11}, {wo.Assessing, 6}, {wo.AwaitingDispatch, 12}, {wo.Dispatched, 12}, {wo.Scheduled, 20},
	{wo.InProgress, 9}, {wo.AwaitingParts, 10}, {wo.InWorkshop, 5}, {wo.AwaitingCallback, 15},
}

func pickOpen(r *rand.Rand) wo.State {
	return openMix[pickWeighted(r, openMix, func(x struct {
		s wo.State
		w float64
	}) float64 {
		return x.w
	})].s
}

// The event-count distributions of the closed histories (value → weight).
var (
	cancelN = []float64{2: 40, 3: 28, 4: 15, 5: 10, 6: 5, 7: 2}
	shortN  = []float64{3: 55, 4: 25, 5: 12, 6: 8}
	longX   = []float64{0: 30, 1: 28, 2: 15, 3: 10, 4: 6, 5: 5, 6: 3, 7: 1.2, 8: 0.8, 9: 0.5, 10: 0.3, 11: 0.2}
)

const (
	cancelMin, cancelMax = 2, 9
	shortMin, shortMax   = 3, 6
	longMin, longMax     = 7, 22
)

func mean(dist []float64, off int) float64 {
	t, s := 0.0, 0.0
	for v, w := range dist {
		t += w
		s += w * float64(v+off)
	}
	return s / t
}

func draw(r *rand.Rand, dist []float64) int {
	t := 0.0
	for _, w := range dist {
		t += w
	}
	x := r.Float64() * t
	for v, w := range dist {
		x -= w
		if w > 0 && x < 0 {
			return v
		}
	}
	return len(dist) - 1
}

// pickCust chooses a customer of the station: some customers call often.
func (w *world) pickCust(r *rand.Rand, st int32) int32 {
	list := w.stations[st].custs
	if r.IntN(10) < 3 && len(list) > 1 {
		z := rand.NewZipf(r, 1.2, 3, uint64(len(list)-1))
		return list[z.Uint64()]
	}
	return list[r.IntN(len(list))]
}

func (w *world) planOrders() (*plan, error) {
	P := &plan{w: w}
	r := rand.New(rand.NewPCG(seed, 4))
	add := func(p oplan) int32 {
		p.idx = int32(len(P.orders))
		p.noUnit = r.IntN(20) == 0 && p.sp == spNone
		P.orders = append(P.orders, p)
		return p.idx
	}
	hot, tech := w.hot, w.tech
	P.page = add(oplan{station: hot, cust: w.pickCust(r, hot), fam: famOpen, final: wo.AwaitingCallback, sp: spPage})
	for range w.nHotOpen - 1 {
		P.hotOpen = append(P.hotOpen, add(oplan{station: hot, cust: w.pickCust(r, hot), fam: famOpen, final: pickOpen(r), sp: spHotOpen}))
	}
	for range w.nHotOrders {
		P.hotOrd = append(P.hotOrd, add(oplan{station: tech, cust: w.pickCust(r, tech), fam: famOpen, final: wo.Scheduled, sp: spHotOrder}))
	}
	for i := range w.nIssue {
		final := wo.InProgress
		if i%5 >= 3 {
			final = wo.AwaitingParts
		}
		P.issue = append(P.issue, add(oplan{station: tech, cust: w.pickCust(r, tech), fam: famOpen, final: final, sp: spIssue}))
	}
	special := len(P.orders)
	g := w.sc.Orders - special
	if g < 0 {
		return nil, fmt.Errorf("seed: %d orders are fewer than the %d the benchmarks need", w.sc.Orders, special)
	}
	openG := int(math.Round(0.05 * float64(g)))
	cancels := int(math.Round(0.07 * float64(g-openG)))
	closed := g - openG - cancels

	var all, notHot []int32
	var allW, notHotW []float64
	for i, s := range w.stations {
		if s.kind != "outlet" || len(s.custs) == 0 {
			continue
		}
		all, allW = append(all, int32(i)), append(allW, s.weight)
		if int32(i) != hot {
			notHot, notHotW = append(notHot, int32(i)), append(notHotW, s.weight)
		}
	}
	if len(notHot) == 0 {
		notHot, notHotW = all, allW
	}
	cumAll, cumNotHot := cumulative(allW), cumulative(notHotW)
	for range openG {
		st := notHot[searchCum(cumNotHot, r.Float64())]
		add(oplan{station: st, cust: w.pickCust(r, st), fam: famOpen, final: pickOpen(r)})
	}
	for range cancels {
		st := all[searchCum(cumAll, r.Float64())]
		add(oplan{station: st, cust: w.pickCust(r, st), fam: famCancel, final: wo.Cancelled})
	}
	for range closed {
		st := all[searchCum(cumAll, r.Float64())]
		add(oplan{station: st, cust: w.pickCust(r, st), fam: famLong, final: wo.Closed})
	}

	// Open histories have the length their shape comes to.
	fixed := 0
	for i := range P.orders {
		p := &P.orders[i]
		if p.fam != famOpen {
			continue
		}
		p.t0 = w.now.AddDate(0, -1, 0)
		steps, _ := w.buildAny(p)
		p.n = int16(len(steps))
		fixed += len(steps)
	}
	if err := P.spreadEvents(r, w.sc.Events-fixed); err != nil {
		return nil, err
	}
	if err := P.placeInTime(); err != nil {
		return nil, err
	}
	P.number()
	w.finishCustomers()
	P.warranties()
	return P, nil
}

// spreadEvents gives the closed and cancelled histories lengths that add up to budget:
// a share q of the closed orders were settled on the phone (short), the rest needed a
// visit (long), q chosen so the expected total meets the budget; the rest of the
// difference is made up one event at a time.
func (P *plan) spreadEvents(r *rand.Rand, budget int) error {
	var cancels, closed []int32
	nStocked := 0
	for i := range P.orders {
		switch P.orders[i].fam {
		case famCancel:
			cancels = append(cancels, int32(i))
		case famLong:
			closed = append(closed, int32(i))
			if P.w.stations[P.orders[i].station].stocked {
				nStocked++
			}
		}
	}
	nx, nc := len(cancels), len(closed)
	if budget < nx*cancelMin+nc*shortMin || budget > nx*cancelMax+nc*longMax {
		return fmt.Errorf("seed: %d events cannot be spread over %d closed and %d cancelled orders", budget, nc, nx)
	}
	mx, ms, ml := mean(cancelN, 0), mean(shortN, 0), mean(longX, longMin)
	// The outlets that keep parts mostly go on site (their visits use the parts); the
	// others settle more on the phone, as the budget requires.
	qStocked, q := 0.2, 0.5
	if nc > nStocked {
		mc := (float64(budget) - float64(nx)*mx - float64(nStocked)*(qStocked*ms+(1-qStocked)*ml)) / float64(nc-nStocked)
		q = min(0.97, max(0.03, (ml-mc)/(ml-ms)))
	} else if nc > 0 {
		mc := (float64(budget) - float64(nx)*mx) / float64(nc)
		qStocked = min(0.97, max(0.03, (ml-mc)/(ml-ms)))
	}
	total := 0
	for _, i := range cancels {
		p := &P.orders[i]
		p.n = int16(draw(r, cancelN))
		total += int(p.n)
	}
	for _, i := range closed {
		p := &P.orders[i]
		qi := q
		if P.w.stations[p.station].stocked {
			qi = qStocked
		}
		if r.Float64() < qi {
			p.fam, p.n = famShort, int16(draw(r, shortN))
		} else {
			p.n = int16(longMin + draw(r, longX))
		}
		total += int(p.n)
	}
	bounds := func(p *oplan) (int16, int16) {
		switch p.fam {
		case famCancel:
			return cancelMin, cancelMax
		case famShort:
			return shortMin, shortMax
		}
		return longMin, longMax
	}
	all := append(cancels, closed...)
	for total != budget {
		p := &P.orders[all[r.IntN(len(all))]]
		lo, hi := bounds(p)
		switch {
		case total < budget && p.n < hi:
			p.n++
			total++
		case total > budget && p.n > lo:
			p.n--
			total--
		}
	}
	return nil
}

// slack is how long ago an open order last moved.
func slack(r *rand.Rand, p *oplan) time.Duration {
	h := map[wo.State]float64{wo.Received: 8, wo.Assessing: 20, wo.AwaitingDispatch: 30, wo.Dispatched: 30, wo.Scheduled: 40,
		wo.InProgress: 5, wo.AwaitingParts: 6 * 24, wo.InWorkshop: 7 * 24, wo.AwaitingCallback: 60}[p.final]
	switch {
	case p.sp == spHotOrder:
		h = 24
	case p.sp == spPage:
		return 20 * time.Hour
	case r.IntN(20) == 0 && p.sp == spNone:
		h = 30 * 24 // a few are stuck
	}
	return time.Duration(r.Float64()*h*float64(time.Hour)) + time.Minute
}

// historyStart picks when a closed order came in: the last three years, more recent
// ones more often (the business grows), in office hours, fewer at weekends.
func (w *world) historyStart(r *rand.Rand) time.Time {
	span := 3*365*24*time.Hour - 2*24*time.Hour
	x := math.Pow(r.Float64(), 0.8)
	t := w.now.Add(-3 * 365 * 24 * time.Hour).Add(time.Duration(x * float64(span))).In(w.loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, w.loc)
	if wd := day.Weekday(); r.IntN(10) < 7 { // fewer calls at weekends
		switch wd {
		case time.Saturday:
			day = day.AddDate(0, 0, -1)
		case time.Sunday:
			day = day.AddDate(0, 0, 1)
		}
	}
	hours := []float64{8: 2, 9: 9, 10: 10, 11: 8, 12: 4, 13: 6, 14: 9, 15: 9, 16: 8, 17: 5, 18: 2, 19: 1}
	h := draw(r, hours)
	return day.Add(time.Duration(h)*time.Hour + time.Duration(r.Int64N(int64(time.Hour)))).Truncate(time.Microsecond).UTC()
}

// placeInTime gives every order its intake time: history over the past three years,
// open orders recently enough that their last step is just behind now. Each order has
// its own random stream, so the work splits over the cores.
func (P *plan) placeInTime() error {
	workers := runtime.GOMAXPROCS(0)
	errs := make(chan error, workers)
	for k := range workers {
		go func() {
			for i := k; i < len(P.orders); i += workers {
				if err := P.place(&P.orders[i]); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (P *plan) place(p *oplan) error {
	w := P.w
	r := rand.New(rand.NewPCG(seed^0x7140, uint64(p.idx)))
	var b *builder
	if p.fam == famOpen {
		p.t0 = w.now.AddDate(0, -1, 0)
		b = w.builderAny(p)
		dur := b.steps[len(b.steps)-1].at.Sub(p.t0)
		p.t0 = w.now.Add(-slack(r, p) - dur).Truncate(time.Microsecond)
	} else {
		p.t0 = w.historyStart(r)
	}
	limit := w.now.Add(-10 * time.Minute)
	if p.fam == famOpen {
		limit = w.now.Add(-30 * time.Second)
	}
	for try := 0; ; try++ {
		b = w.builderAny(p)
		end := b.steps[len(b.steps)-1].at
		if !end.After(limit) {
			p.end, p.completed, p.winFrom, p.winTo, p.lastTech = end, b.completed, b.winFrom, b.winTo, b.lastTech
			p.maintenance = b.fault.serviceType == "maintenance"
			break
		}
		if try == 8 {
			return fmt.Errorf("seed: order %d does not fit before now", p.idx)
		}
		p.t0 = p.t0.Add(-end.Sub(limit) - time.Duration(r.Int64N(int64(48*time.Hour)))).Truncate(time.Microsecond)
	}
	if len(b.steps) != int(p.n) {
		return fmt.Errorf("seed: order %d has %d events, planned %d", p.idx, len(b.steps), p.n)
	}
	return nil
}

// number assigns ids in intake order and the day's numbers per station, as the
// counters of the intake would.
func (P *plan) number() {
	w := P.w
	type key struct {
		t0  int64
		idx int32
	}
	keys := make([]key, len(P.orders))
	for i := range keys {
		keys[i] = key{P.orders[i].t0.UnixNano(), int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.t0 != b.t0 {
			return cmp.Compare(a.t0, b.t0)
		}
		return cmp.Compare(a.idx, b.idx)
	})
	P.byID = make([]int32, len(P.orders))
	for i, k := range keys {
		P.byID[i] = k.idx
	}
	P.counters = map[counterKey]int32{}
	for id, pi := range P.byID {
		p := &P.orders[pi]
		p.id = int64(id + 1)
		l := p.t0.In(w.loc)
		k := counterKey{p.station, time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)}
		P.counters[k]++
		p.num = P.counters[k]
		c := w.custs[p.cust]
		if c.firstOrder.IsZero() {
			c.firstOrder = p.t0
		}
		c.orders++
		if p.fam == famOpen {
			c.openOrders++
		}
	}
}

func (P *plan) number0(p *oplan) string {
	l := p.t0.In(P.w.loc)
	return fmt.Sprintf("GD%s-%04d", l.Format("20060102"), p.num)
}

// warranties decides each order's warranty at intake as CreateTx does: unknown without a
// unit, in or out by the unit's purchase date, repair when the unit was repaired within
// the repair-warranty period (the settings' days) before the call.
func (P *plan) warranties() {
	w := P.w
	last := make(map[int32][]int32, len(w.custs)) // unit (= customer) → its earlier orders
	for _, pi := range P.byID {
		p := &P.orders[pi]
		if p.noUnit {
			p.warranty = "unknown"
			continue
		}
		c := w.custs[p.cust]
		u := customer.Unit{PurchaseDate: &c.purchase, WarrantyMonths: c.months}
		if in, known := u.InWarranty(p.t0, w.loc); known && in {
			p.warranty = "in"
		} else {
			p.warranty = "out"
		}
		from := p.t0.AddDate(0, 0, -w.st.RepairWarrantyDays)
		var best *oplan
		keep := last[p.cust][:0]
		for _, qi := range last[p.cust] {
			q := &P.orders[qi]
			if !q.completed.IsZero() && q.completed.Before(from) {
				continue // too long ago for this order and every later one
			}
			keep = append(keep, qi)
			if q.completed.IsZero() || q.completed.After(p.t0) {
				continue
			}
			if best == nil || q.completed.After(best.completed) {
				best = q
			}
		}
		if best != nil {
			p.repeatOf, p.warranty = best.id, "repair"
		}
		if !p.completed.IsZero() {
			keep = append(keep, pi)
		}
		last[p.cust] = keep
	}
}

// pageBuilder writes the page benchmark's order: twenty events.
func (w *world) pageBuilder(p *oplan) *builder {
	b := newBuilder(w, p)
	b.chooseFault(false)
	for b.fault.missing == "" {
		b.chooseFault(false)
	}
	b.longSteps(w.pageShape(), wo.AwaitingCallback)
	return b
}
