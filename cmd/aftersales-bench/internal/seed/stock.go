package seed

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// A requisition of an order, issued during its last visit (and partly returned).
type reqLine struct {
	part          int32
	qty, returned int32
	returnAt      time.Time
}

type req struct {
	id                               int64
	order                            int32 // plan index
	station                          int32
	requestedAt, decidedAt, issuedAt time.Time
	requestedBy, decidedBy, issuedBy int32
	note                             string
	lines                            []reqLine
	returns                          int
}

// Movement kinds and reference types as stored.
const (
	kReceipt uint8 = iota
	kIssue
	kReturn
	kAdjustment
	kRTS
	kCheck // a stocktake's count of a line without variance: no movement
)

var kindName = []string{"receipt", "issue", "return", "adjustment", "return_to_supplier"}

const (
	refNone uint8 = iota
	refReceipt
	refRequisition
	refStocktake
)

var refName = []string{"", "receipt", "requisition", "stocktake"}

type mv struct {
	id      int64
	stream  int32
	at      time.Time
	qty     int32
	kind    uint8
	ref     uint8
	refID   int64
	order   int64
	actor   int32
	note    string
	bal     int32
	prio    uint8
	seq     int32
	rline   int32 // receipt line index for receipts (sized later)
	stLine  int32 // stocktake line for adjustments and checks
	planned int32 // an adjustment's planned variance
}

type stream struct {
	part       int32
	reorder    int32 // the part's reorder point: receipts fill up to about twice it
	loc        int64
	station    int32
	quarantine bool
	mvs        []int32
	balance    int32
	updated    time.Time
	first      time.Time
}

type rline struct {
	id                           int64
	receipt                      int32
	part                         int32
	accepted, rejected, returned int32
}

type receipt struct {
	id           int64
	station      int32
	supplier, dn string
	by           int32
	at           time.Time
	lines        []int32
}

type stLine struct {
	take              int32
	part              int32
	expected, counted int32
	reason            string
	mv                int32 // -1 without variance
}

type stocktake struct {
	id                 int64
	loc                int64
	station            int32
	openedAt, postedAt time.Time
	by                 int32
	lines              []int32
}

// stock is the whole ledger as planned.
type stock struct {
	streams    []stream
	streamOf   map[streamKey]int32
	mvs        []mv
	order      []int32 // movements in id order
	receipts   []receipt
	rlines     []rline
	takes      []stocktake
	stLines    []stLine
	stocked    []int32 // stations with stock
	locationID int64
	partIDs    []int64
}

type streamKey struct {
	part int32
	loc  int64
}

func (s *stock) streamFor(part int32, loc int64, station int32, quarantine bool) int32 {
	k := streamKey{part, loc}
	if i, ok := s.streamOf[k]; ok {
		return i
	}
	s.streams = append(s.streams, stream{part: part, loc: loc, station: station, quarantine: quarantine})
	i := int32(len(s.streams) - 1)
	s.streamOf[k] = i
	return i
}

func (s *stock) add(m mv) int32 {
	m.seq = int32(len(s.mvs))
	m.rline, m.stLine = -1, -1
	s.mvs = append(s.mvs, m)
	i := int32(len(s.mvs) - 1)
	s.streams[m.stream].mvs = append(s.streams[m.stream].mvs, i)
	return i
}

// stockedStations are the outlets that keep parts: the hot station, the technician's
// station and the busiest others, fewer when there are few movements per part.
func (w *world) stockedStations() []int32 {
	k := w.sc.Movements / max(1, w.sc.Parts*3)
	k = min(12, max(2, k))
	out := []int32{w.tech, w.hot}
	var rest []int32
	for _, o := range w.outlets() {
		if o != w.hot && o != w.tech {
			rest = append(rest, o)
		}
	}
	slices.SortStableFunc(rest, func(a, b int32) int {
		switch {
		case w.stations[a].weight > w.stations[b].weight:
			return -1
		case w.stations[a].weight < w.stations[b].weight:
			return 1
		}
		return 0
	})
	for _, o := range rest {
		if len(out) >= k {
			break
		}
		out = append(out, o)
	}
	for _, o := range out {
		w.stations[o].stocked = true
	}
	return out
}

// planStock plans requisitions for orders of the stocked stations, then the receipts,
// stocktakes and returns to suppliers around them, so that the ledger has exactly
// Scale.Movements rows, never goes below zero, and every balance is the sum of its
// movements.
func (P *plan) planStock() error {
	w := P.w
	M := w.sc.Movements
	S := &stock{streamOf: map[streamKey]int32{}}
	P.stock = S
	S.stocked = w.stocked
	S.locationID = w.stations[w.tech].wh
	r := rand.New(rand.NewPCG(seed, 6))

	nA := int(math.Round(0.01 * float64(M)))
	nQ := int(math.Round(0.015 * float64(M)))
	nT := int(math.Round(0.8 * float64(nQ)))
	stockOnly := min(1000, w.sc.Parts)
	target := int(0.45 * float64(M))
	for {
		P.reqs = P.reqs[:0]
		issues, returns := P.planRequisitions(rand.New(rand.NewPCG(seed, 7)), target)
		// Streams: each part a stocked warehouse issues, and the Technician's
		// station's most popular parts.
		parts := map[streamKey]bool{}
		for _, q := range P.reqs {
			for _, l := range q.lines {
				parts[streamKey{l.part, w.stations[q.station].wh}] = true
			}
		}
		for rank := range stockOnly {
			parts[streamKey{w.byRank[rank], S.locationID}] = true
		}
		receipts := M - issues - returns - nA - nQ - nT
		if receipts >= len(parts) {
			break
		}
		if target == 0 {
			if M < stockOnly+nA+nQ+nT {
				nA, nQ, nT = 0, 0, 0
				stockOnly = M
				continue
			}
			return fmt.Errorf("seed: %d movements are too few for %d parts", M, w.sc.Parts)
		}
		target = target * 7 / 10
	}

	// Issues and returns from the requisitions.
	for qi := range P.reqs {
		q := &P.reqs[qi]
		st := w.stations[q.station]
		for _, l := range q.lines {
			si := S.streamFor(l.part, st.wh, q.station, false)
			o := &P.orders[q.order]
			S.add(mv{stream: si, at: q.issuedAt, qty: -l.qty, kind: kIssue, ref: refRequisition, refID: q.id, order: o.id, actor: q.issuedBy, prio: 1})
			if l.returned > 0 {
				S.add(mv{stream: si, at: l.returnAt, qty: l.returned, kind: kReturn, ref: refRequisition, refID: q.id, order: o.id, actor: q.issuedBy, prio: 1})
			}
		}
	}
	for rank := range stockOnly {
		S.streamFor(w.byRank[rank], S.locationID, w.tech, false)
	}
	reqMoves := len(S.mvs)
	whStreams := len(S.streams)

	// Every stream's first receipt comes before anything goes out of it.
	start := w.now.AddDate(-3, 0, -20)
	type rl struct {
		stream int32
		at     time.Time
	}
	lines := make([]rl, 0, M)
	weights := make([]float64, whStreams)
	for si := range S.streams {
		s := &S.streams[si]
		first := w.now.Add(-time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour))))
		for _, m := range s.mvs {
			if S.mvs[m].at.Before(first) {
				first = S.mvs[m].at
			}
		}
		at := first.Add(-time.Duration(1+r.IntN(20*24)) * time.Hour)
		if at.Before(start) {
			at = start.Add(time.Duration(r.IntN(48)) * time.Hour)
			if !at.Before(first) {
				at = first.Add(-time.Minute)
			}
		}
		lines = append(lines, rl{int32(si), at.Truncate(time.Microsecond)})
		weights[si] = 0.3 + float64(len(s.mvs))
	}

	// Stocktakes: every stocked warehouse counted quarterly, the last one recently.
	for _, st := range S.stocked {
		stn := w.stations[st]
		for k := range 12 {
			posted := w.now.AddDate(0, -3*(11-k), 0).Add(-time.Duration(r.IntN(20*24)) * time.Hour)
			if posted.After(w.now.Add(-time.Hour)) {
				posted = w.now.Add(-time.Duration(2+r.IntN(48)) * time.Hour)
			}
			posted = posted.Truncate(time.Second)
			S.takes = append(S.takes, stocktake{loc: stn.wh, station: st, postedAt: posted,
				openedAt: posted.Add(-time.Duration(1+r.IntN(6)) * time.Hour), by: stn.storekeeper})
		}
	}
	sortStable(S.takes, func(a, b *stocktake) int { return a.postedAt.Compare(b.postedAt) })
	for i := range S.takes {
		S.takes[i].id = int64(i + 1)
	}
	// A count can only find a variance on a part the location already holds; receipts
	// only move earlier below, so this estimate of the lines is a floor.
	capacity := 0
	for _, t := range S.takes {
		for si := range whStreams {
			if S.streams[si].loc == t.loc && lines[si].at.Before(t.postedAt) {
				capacity++
			}
		}
	}
	nA = min(nA, capacity)
	nQ = min(nQ, whStreams)
	nT = min(nT, nQ)
	nReceipts := M - reqMoves - nA - nQ - nT
	if nReceipts < whStreams {
		return fmt.Errorf("seed: %d receipts cannot cover %d stock lines", nReceipts, whStreams)
	}
	cum := cumulative(weights)
	for len(lines) < nReceipts {
		si := int32(searchCum(cum, r.Float64()))
		first := lines[si].at
		at := first.Add(time.Duration(r.Int64N(int64(w.now.Sub(first) - time.Hour))))
		lines = append(lines, rl{si, at.Truncate(time.Microsecond)})
	}

	// Receipts: a station's lines close in time go on one delivery.
	byStation := map[int32][]rl{}
	for _, l := range lines {
		st := S.streams[l.stream].station
		byStation[st] = append(byStation[st], l)
	}
	dn := 0
	stations := make([]int32, 0, len(byStation))
	for st := range byStation {
		stations = append(stations, st)
	}
	slices.Sort(stations)
	for _, st := range stations {
		ls := byStation[st]
		sortStable(ls, func(a, b *rl) int { return a.at.Compare(b.at) })
		var cur *receipt
		var inDoc map[int32]bool
		for _, l := range ls {
			part := S.streams[l.stream].part
			if cur == nil || len(cur.lines) >= 12 || l.at.Sub(cur.at) > 36*time.Hour || inDoc[part] {
				dn++
				stn := w.stations[st]
				S.receipts = append(S.receipts, receipt{station: st, supplier: pick(r, suppliers), by: stn.storekeeper,
					at: l.at.Truncate(time.Millisecond)})
				cur = &S.receipts[len(S.receipts)-1]
				cur.dn = fmt.Sprintf("DN%s-%06d", cur.at.In(w.loc).Format("20060102"), dn)
				inDoc = map[int32]bool{}
			}
			inDoc[part] = true
			S.rlines = append(S.rlines, rline{receipt: int32(len(S.receipts) - 1), part: part})
			li := int32(len(S.rlines) - 1)
			cur.lines = append(cur.lines, li)
			m := S.add(mv{stream: l.stream, at: cur.at, kind: kReceipt, ref: refReceipt, note: cur.dn, actor: cur.by, prio: 0})
			S.mvs[m].rline = li
		}
	}
	// Receipt ids in time order.
	ord := make([]int32, len(S.receipts))
	for i := range ord {
		ord[i] = int32(i)
	}
	sortStable(ord, func(a, b *int32) int { return S.receipts[*a].at.Compare(S.receipts[*b].at) })
	for k, i := range ord {
		S.receipts[i].id = int64(k + 1)
	}
	for i := range S.rlines {
		S.rlines[i].id = int64(i + 1)
	}
	for i := range S.mvs {
		if m := &S.mvs[i]; m.kind == kReceipt {
			m.refID = S.receipts[S.rlines[m.rline].receipt].id
		}
	}

	// Rejected quantities into quarantine, most of them later back to the supplier.
	perm := r.Perm(len(S.rlines))
	for k := range nQ {
		li := int32(perm[k])
		l := &S.rlines[li]
		rc := &S.receipts[l.receipt]
		st := w.stations[rc.station]
		l.rejected = int32(1 + r.IntN(3))
		si := S.streamFor(l.part, st.qu, rc.station, true)
		m := S.add(mv{stream: si, at: rc.at, qty: l.rejected, kind: kReceipt, ref: refReceipt, refID: rc.id, note: rc.dn, actor: rc.by, prio: 0})
		S.mvs[m].rline = li
		if k < nT {
			at := rc.at.Add(time.Duration(2+r.IntN(20)) * 24 * time.Hour)
			if at.After(w.now) {
				at = rc.at.Add(time.Duration(1+r.IntN(60)) * time.Minute)
			}
			l.returned = l.rejected
			S.add(mv{stream: si, at: at.Truncate(time.Microsecond), qty: -l.rejected, kind: kRTS, ref: refReceipt, refID: rc.id, note: pick(r, rtsNotes), actor: rc.by, prio: 1})
		}
	}

	// Count sheets: every part the location holds at posting; nA lines have a variance.
	byLoc := map[int64][]int32{}
	for si := range S.streams {
		s := &S.streams[si]
		for _, m := range s.mvs {
			if a := S.mvs[m].at; s.first.IsZero() || a.Before(s.first) {
				s.first = a
			}
		}
		if !s.quarantine {
			byLoc[s.loc] = append(byLoc[s.loc], int32(si))
		}
	}
	var slots [][2]int32 // (take, stream)
	for ti := range S.takes {
		t := &S.takes[ti]
		for _, si := range byLoc[t.loc] {
			if S.streams[si].first.Before(t.postedAt) {
				slots = append(slots, [2]int32{int32(ti), si})
			}
		}
	}
	variance := make(map[[2]int32]bool, nA)
	for k, i := range r.Perm(len(slots)) {
		if k >= nA {
			break
		}
		variance[slots[i]] = true
	}
	for _, sl := range slots {
		ti, si := sl[0], sl[1]
		t := &S.takes[ti]
		S.stLines = append(S.stLines, stLine{take: ti, part: S.streams[si].part, mv: -1})
		li := int32(len(S.stLines) - 1)
		t.lines = append(t.lines, li)
		m := mv{stream: si, at: t.postedAt, kind: kCheck, ref: refStocktake, refID: t.id, actor: t.by, prio: 2}
		if variance[sl] {
			m.kind = kAdjustment
			m.planned = int32(1 + r.IntN(3))
			if r.IntN(3) > 0 {
				m.planned = -m.planned
			}
			m.note = pick(r, stocktakeReasons)
			S.stLines[li].reason = m.note
		}
		mi := S.add(m)
		S.mvs[mi].stLine = li
		if m.kind == kAdjustment {
			S.stLines[li].mv = mi
		}
	}

	// Walk every stream in time order: size the receipts to cover what goes out before
	// the next one, clamp negative variances, and record the running balance.
	for si := range S.streams {
		S.streams[si].reorder = int32(w.parts[S.streams[si].part].reorder)
	}
	for si := range S.streams {
		S.walk(r, int32(si))
	}

	// Ids in time order.
	S.order = S.order[:0]
	for i := range S.mvs {
		if S.mvs[i].kind != kCheck {
			S.order = append(S.order, int32(i))
		}
	}
	type key struct {
		at          int64
		stream, pos int32
		i           int32
	}
	keys := make([]key, len(S.order))
	for k, i := range S.order {
		m := &S.mvs[i]
		keys[k] = key{m.at.UnixNano(), m.stream, m.pos(), i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		if a.stream != b.stream {
			return cmp.Compare(a.stream, b.stream)
		}
		return cmp.Compare(a.pos, b.pos)
	})
	for k := range keys {
		S.order[k] = keys[k].i
	}
	for k, i := range S.order {
		S.mvs[i].id = int64(k + 1)
	}
	if len(S.order) != M {
		return fmt.Errorf("seed: planned %d movements, want %d", len(S.order), M)
	}
	// The parts stocked where the benchmark issues from, most popular first.
	for _, pi := range w.byRank {
		if _, ok := S.streamOf[streamKey{pi, S.locationID}]; ok {
			S.partIDs = append(S.partIDs, w.parts[pi].id)
		}
	}
	return nil
}

// pos is a movement's place in its stream after the walk (kept in seq).
func (m *mv) pos() int32 { return m.seq }

// walk sorts a stream's movements by time, sizes its receipts and computes balances.
func (S *stock) walk(r *rand.Rand, si int32) {
	s := &S.streams[si]
	slices.SortFunc(s.mvs, func(a, b int32) int {
		ma, mb := &S.mvs[a], &S.mvs[b]
		if c := ma.at.Compare(mb.at); c != 0 {
			return c
		}
		if ma.prio != mb.prio {
			return int(ma.prio) - int(mb.prio)
		}
		return int(ma.seq - mb.seq)
	})
	bal := int32(0)
	for k, mi := range s.mvs {
		m := &S.mvs[mi]
		switch m.kind {
		case kReceipt:
			if !s.quarantine {
				// Order up to a stock level: cover the deepest dip before the next
				// receipt and keep about twice the reorder point on hand.
				need, run := int32(0), int32(0)
				for _, mj := range s.mvs[k+1:] {
					n := &S.mvs[mj]
					if n.kind == kReceipt {
						break
					}
					d := n.qty
					if n.kind == kAdjustment {
						d = min(0, n.planned)
					}
					run += d
					need = max(need, -run)
				}
				level := 2*s.reorder + 1 + int32(r.IntN(int(s.reorder)+3))
				q := max(1, need+level-bal)
				m.qty = q
				S.rlines[m.rline].accepted = q
			}
		case kAdjustment:
			v := m.planned
			if v < 0 && bal+v < 0 {
				v = -bal
			}
			if v == 0 {
				v = 1
			}
			m.qty = v
		}
		l := (*stLine)(nil)
		if m.stLine >= 0 {
			l = &S.stLines[m.stLine]
			l.expected = bal
		}
		bal += m.qty
		if bal < 0 {
			panic(fmt.Sprintf("seed: stream %d goes below zero", si))
		}
		if l != nil {
			l.counted = bal
		}
		m.bal = bal
		if m.kind != kCheck {
			s.updated = m.at
		}
		m.seq = int32(k)
	}
	s.balance = bal
}

// planRequisitions gives orders of the stocked stations requisitions during their last
// visit, until about target lines are issued. It returns the issue and return counts.
func (P *plan) planRequisitions(r *rand.Rand, target int) (issues, returns int) {
	w := P.w
	var eligible []int32
	for i := range P.orders {
		p := &P.orders[i]
		if p.sp == spPage || !w.stations[p.station].stocked || p.winTo.IsZero() || p.winTo.Sub(p.winFrom) < 10*time.Minute {
			continue
		}
		eligible = append(eligible, int32(i))
	}
	nParts := len(w.byRank)
	z := rand.NewZipf(r, 1.1, 1, uint64(nParts-1))
	newReq := func(pi int32, lines int) {
		p := &P.orders[pi]
		st := w.stations[p.station]
		win := p.winTo.Sub(p.winFrom)
		frac := func(lo, hi float64) time.Duration { return time.Duration((lo + r.Float64()*(hi-lo)) * float64(win)) }
		q := req{order: pi, station: p.station, requestedBy: p.lastTech}
		q.requestedAt = p.winFrom.Add(frac(0.02, 0.3)).Truncate(time.Microsecond)
		q.decidedAt = q.requestedAt.Add(frac(0.02, 0.15)).Truncate(time.Microsecond)
		q.issuedAt = q.decidedAt.Add(frac(0.02, 0.15)).Truncate(time.Microsecond)
		q.decidedBy = st.sups[r.IntN(len(st.sups))]
		if r.IntN(3) == 0 {
			q.decidedBy = st.storekeeper
		}
		q.issuedBy = st.storekeeper
		if r.IntN(5) == 0 {
			q.note = "现场维修急用"
		}
		seen := map[int32]bool{}
		for len(q.lines) < min(lines, nParts) {
			part := w.byRank[z.Uint64()]
			if seen[part] {
				continue
			}
			seen[part] = true
			l := reqLine{part: part, qty: 1}
			switch x := r.IntN(100); {
			case x >= 92:
				l.qty = int32(5 + r.IntN(6))
			case x >= 80:
				l.qty = int32(3 + r.IntN(2))
			case x >= 60:
				l.qty = 2
			}
			if r.IntN(100) < 6 {
				l.returned = int32(1 + r.IntN(int(l.qty)))
				l.returnAt = q.issuedAt.Add(time.Duration((0.5 + 0.45*r.Float64()) * float64(p.winTo.Sub(q.issuedAt)))).Truncate(time.Microsecond)
				q.returns++
				returns++
			}
			q.lines = append(q.lines, l)
			issues++
		}
		P.reqs = append(P.reqs, q)
	}
	// The page order's parts.
	pg := &P.orders[P.page]
	if w.stations[pg.station].stocked && !pg.winTo.IsZero() {
		newReq(P.page, 2)
	}
	for round := 0; round < 3 && issues < target && len(eligible) > 0; round++ {
		for _, k := range r.Perm(len(eligible)) {
			if issues >= target {
				break
			}
			lines := 1 + min(r.IntN(3), r.IntN(4))
			if P.orders[eligible[k]].maintenance {
				lines = 3 + r.IntN(4) // filters, separator, oil, gaskets
			}
			newReq(eligible[k], lines)
		}
	}
	// Requisition ids in request order; each order's requisitions side by side.
	idx := make([]int, len(P.reqs))
	for i := range idx {
		idx[i] = i
	}
	sortStable(idx, func(a, b *int) int { return P.reqs[*a].requestedAt.Compare(P.reqs[*b].requestedAt) })
	for k, i := range idx {
		P.reqs[i].id = int64(k + 1)
	}
	sortStable(P.reqs, func(a, b *req) int { return int(a.order - b.order) })
	for i := range P.orders {
		P.orders[i].reqFrom, P.orders[i].reqTo = 0, 0
	}
	for i := 0; i < len(P.reqs); {
		j := i
		for j < len(P.reqs) && P.reqs[j].order == P.reqs[i].order {
			j++
		}
		p := &P.orders[P.reqs[i].order]
		p.reqFrom, p.reqTo = int32(i), int32(j)
		i = j
	}
	return issues, returns
}

func (w *world) buildAny(p *oplan) ([]step, *fault) {
	b := w.builderAny(p)
	return b.steps, b.fault
}

func (w *world) builderAny(p *oplan) *builder {
	if p.sp == spPage {
		return w.pageBuilder(p)
	}
	return w.builder(p)
}

// sortStable sorts s stably by cmp (an index sort: fast for big elements and slices).
func sortStable[T any](s []T, cmp func(a, b *T) int) {
	idx := make([]int32, len(s))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmp(&s[a], &s[b]); c != 0 {
			return c
		}
		return int(a - b)
	})
	out := make([]T, len(s))
	for k, i := range idx {
		out[k] = s[i]
	}
	copy(s, out)
}
