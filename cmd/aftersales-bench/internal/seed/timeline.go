package seed

import (
	"math/rand/v2"
	"time"

	wo "github.com/aftersales/aftersales/internal/workorder"
)

// family is the shape of an order's history.
type family uint8

const (
	famOpen   family = iota // still open (final state in oplan.final)
	famCancel               // cancelled
	famShort                // closed after phone or remote guidance
	famLong                 // closed after one or more visits
)

// special marks the orders the benchmarks use.
type special uint8

const (
	spNone special = iota
	spHotOpen
	spHotOrder
	spIssue
	spPage
)

// oplan is one planned order. The history is rebuilt from it (deterministically) each
// time it is needed, so only this compact record is kept per order.
type oplan struct {
	idx     int32 // the random streams of the order
	id      int64
	station int32
	cust    int32
	noUnit  bool
	fam     family
	final   wo.State
	sp      special
	n       int16 // events
	t0      time.Time
	// from the timeline
	end, completed time.Time
	winFrom, winTo time.Time // the last visit on site (check-in to completion), for requisitions
	lastTech       int32     // its technician
	maintenance    bool      // a maintenance job (a kit of parts)
	num            int32     // number of the day at the station
	warranty       string
	repeatOf       int64
	reqFrom, reqTo int32 // the order's requisitions in plan.reqs
}

// step is one event of an order's history with what the service needs to apply it.
type step struct {
	tr         string
	at         time.Time
	actor      int32
	tech       int32
	start, end time.Time
	flag       bool // take_to_workshop: loaner issued; reached callback: satisfied
	outcome    string
	text       string
	testRun    string
	rating     int8
	scores     [4]int8
	mode       string
	signed     bool
}

type visit struct {
	resched  int
	reassign []uint8 // 1: from dispatched, 2: from scheduled (a new appointment follows)
	pw       []uint8 // on-site waits for parts: 2 (check in again) or 3 (new appointment)
	workshop bool
	wsParts  bool
}

type shape struct {
	fwd         bool
	visits      []visit
	attempts    int
	unreachable bool
}

func (s *shape) cost() int {
	n := 6 + 1 // create, assess, then per visit assign, appointment, check-in, complete; callback
	if s.fwd {
		n++
	}
	for i, v := range s.visits {
		if i > 0 {
			n += 5
		}
		n += v.resched
		for _, k := range v.reassign {
			n += int(k)
		}
		for _, k := range v.pw {
			n += int(k)
		}
		if v.workshop {
			n++
		}
		if v.wsParts {
			n += 2
		}
	}
	n += s.attempts
	if s.unreachable {
		n += 3
	}
	return n
}

// builder writes an order's history. rs decides the shape (independent of time), rt the
// durations, so moving an order in time keeps its shape.
type builder struct {
	w      *world
	p      *oplan
	rs, rt *rand.Rand
	t      time.Time
	steps  []step
	st     *station
	fault  *fault
	tech   int32
	// what the planner keeps: the last completion and the last visit on site
	completed, winFrom, winTo time.Time
	lastTech                  int32
}

func newBuilder(w *world, p *oplan) *builder {
	b := &builder{w: w, p: p, st: w.stations[p.station]}
	b.rs = rand.New(rand.NewPCG(seed^0x5eed, uint64(p.idx)))
	b.rt = rand.New(rand.NewPCG(seed^0x71e, uint64(p.idx)))
	return b
}

func (b *builder) hotline() int32 { return b.st.hotlines[b.rs.IntN(len(b.st.hotlines))] }
func (b *builder) sup() int32     { return b.st.sups[b.rs.IntN(len(b.st.sups))] }

// pickTech chooses a technician of the station other than not; the Technician of the
// benchmarks only gets the orders planned for him (and history).
func (b *builder) pickTech(not int32) int32 {
	if b.p.sp == spHotOrder || b.p.sp == spIssue {
		return b.w.techUser
	}
	techs := b.st.techs
	for {
		t := techs[b.rs.IntN(len(techs))]
		if t == not && len(techs) > 1 {
			continue
		}
		if t == b.w.techUser && b.p.fam == famOpen && len(techs) > 1 {
			continue
		}
		return t
	}
}

func (b *builder) after(lo, hi time.Duration) time.Time {
	d := lo
	if hi > lo {
		d += time.Duration(b.rt.Int64N(int64(hi - lo)))
	}
	b.t = b.t.Add(d).Truncate(time.Microsecond)
	return b.t
}

// slot is the first full hour from t at which a visit may start (09:00–16:00 local).
func (b *builder) slot(t time.Time) time.Time {
	l := t.In(b.w.loc)
	s := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, b.w.loc)
	if s.Before(l) {
		s = s.Add(time.Hour)
	}
	switch h := s.Hour(); {
	case h < 9:
		s = time.Date(s.Year(), s.Month(), s.Day(), 9, 0, 0, 0, b.w.loc)
	case h > 16:
		s = time.Date(s.Year(), s.Month(), s.Day()+1, 9, 0, 0, 0, b.w.loc)
	}
	return s
}

func (b *builder) window(lo, hi time.Duration) (time.Time, time.Time) {
	start := b.slot(b.t.Add(lo + time.Duration(b.rt.Int64N(int64(hi-lo)))))
	if b.rs.IntN(7) == 0 {
		return start, time.Time{}
	}
	return start, start.Add(time.Duration(1+b.rs.IntN(3)) * time.Hour)
}

func (b *builder) add(s step) { b.steps = append(b.steps, s) }

func (b *builder) create() {
	b.t = b.p.t0
	b.add(step{tr: "create", at: b.t, actor: b.hotline()})
}

func (b *builder) forward() {
	b.add(step{tr: string(wo.Forward), at: b.after(2*time.Minute, 40*time.Minute), actor: b.hotline(), text: pick(b.rs, forwardNotes)})
}

func (b *builder) assess(mode string) {
	b.add(step{tr: string(wo.Assess), at: b.after(15*time.Minute, 5*time.Hour), actor: b.sup(), mode: mode, text: pick(b.rs, assessNotes), flag: b.rs.IntN(8) == 0})
}

func (b *builder) assign(tech int32) {
	b.tech = tech
	b.add(step{tr: string(wo.Assign), at: b.after(10*time.Minute, 20*time.Hour), actor: b.sup(), tech: tech})
}

func (b *builder) reassign() {
	t := b.pickTech(b.tech) // every outlet has three technicians or more
	b.tech = t
	b.add(step{tr: string(wo.Reassign), at: b.after(20*time.Minute, 12*time.Hour), actor: b.sup(), tech: t, text: pick(b.rs, reassignReasons)})
}

func (b *builder) appointment(lo, hi time.Duration) time.Time {
	at := b.after(10*time.Minute, 4*time.Hour)
	actor := b.tech
	if b.rs.IntN(6) == 0 {
		actor = b.sup()
	}
	start, end := b.window(lo, hi)
	b.add(step{tr: string(wo.MakeAppointment), at: at, actor: actor, start: start, end: end, text: pick(b.rs, appointmentNotes)})
	return start
}

func (b *builder) reschedule(from time.Time) time.Time {
	// Before the visit, some hours ahead; the new time a day or three later.
	at := from.Add(-time.Duration(1+b.rt.IntN(20))*time.Hour - time.Duration(b.rt.IntN(3600))*time.Second)
	if !at.After(b.t) {
		at = b.t.Add(time.Duration(1+b.rt.IntN(30)) * time.Minute)
	}
	b.t = at.Truncate(time.Microsecond)
	start, end := b.window(20*time.Hour, 72*time.Hour)
	b.add(step{tr: string(wo.Reschedule), at: b.t, actor: b.tech, start: start, end: end, text: pick(b.rs, rescheduleReasons)})
	return start
}

func (b *builder) checkIn(start time.Time) {
	at := start.Add(time.Duration(b.rt.IntN(55)-15) * time.Minute).Add(time.Duration(b.rt.IntN(60)) * time.Second)
	if !at.After(b.t) {
		at = b.t.Add(time.Duration(5+b.rt.IntN(60)) * time.Minute)
	}
	b.t = at.Truncate(time.Microsecond)
	b.add(step{tr: string(wo.CheckIn), at: b.t, actor: b.tech})
}

func (b *builder) awaitParts() {
	b.add(step{tr: string(wo.AwaitParts), at: b.after(20*time.Minute, 2*time.Hour), actor: b.tech, text: b.fault.missingOr()})
}

func (f *fault) missingOr() string {
	if f.missing != "" {
		return f.missing
	}
	return "配件 ×1"
}

func (b *builder) partsArrived(inWorkshop bool) time.Time {
	at := b.after(24*time.Hour, 8*24*time.Hour)
	actor := b.tech
	if b.rs.IntN(3) == 0 {
		actor = b.sup()
	}
	s := step{tr: string(wo.PartsArrived), at: at, actor: actor, text: pick(b.rs, partsArrivedNotes)}
	if !inWorkshop {
		s.start, s.end = b.window(2*time.Hour, 48*time.Hour)
	}
	b.add(s)
	return s.start
}

func (b *builder) takeToWorkshop() {
	b.add(step{tr: string(wo.TakeToWorkshop), at: b.after(40*time.Minute, 3*time.Hour), actor: b.tech, flag: b.rs.IntN(2) == 0, text: pick(b.rs, workshopNotes)})
}

// complete files the report; the callback falls due after it.
func (b *builder) complete(inWorkshop bool) time.Time {
	var at time.Time
	if inWorkshop {
		at = b.after(2*24*time.Hour, 10*24*time.Hour)
	} else {
		at = b.after(35*time.Minute, 4*time.Hour)
	}
	s := step{tr: string(wo.Complete), at: at, actor: b.tech, text: pick(b.rs, completeNotes)}
	s.testRun = "done"
	switch b.rs.IntN(12) {
	case 0:
		s.testRun = "not_done"
	case 1:
		s.testRun = "unsure"
	}
	if b.rs.IntN(10) < 6 {
		s.rating = int8(3 + b.rs.IntN(3))
	}
	s.flag = b.rs.IntN(4) > 0 // usage guidance given
	b.add(s)
	return wo.CallbackDue(b.w.st, b.w.loc, s.testRun, at)
}

func (b *builder) attempt(due time.Time, first bool) {
	var at time.Time
	if first {
		at = due.Add(-time.Hour + time.Duration(b.rt.Int64N(int64(20*time.Hour))))
		if !at.After(b.t) {
			at = b.t.Add(time.Duration(10+b.rt.IntN(120)) * time.Minute)
		}
		b.t = at.Truncate(time.Microsecond)
	} else {
		at = b.after(2*time.Hour, 26*time.Hour)
	}
	outcome := "no_answer"
	if b.rs.IntN(8) == 0 {
		outcome = "refused"
	}
	b.add(step{tr: "callback_attempt", at: b.t, actor: b.hotline(), outcome: outcome, text: pick(b.rs, attemptNotes)})
}

// reached records a reached callback: satisfied closes the order, else a revisit.
func (b *builder) reached(due time.Time, tried bool, satisfied bool) {
	if tried {
		b.after(time.Hour, 26*time.Hour)
	} else {
		at := due.Add(-30*time.Minute + time.Duration(b.rt.Int64N(int64(40*time.Hour))))
		if !at.After(b.t) {
			at = b.t.Add(time.Duration(10+b.rt.IntN(120)) * time.Minute)
		}
		b.t = at.Truncate(time.Microsecond)
	}
	s := step{at: b.t, actor: b.hotline(), outcome: "reached", flag: satisfied}
	hi := 5
	if !satisfied {
		hi = 3
	}
	for i := range s.scores {
		s.scores[i] = int8(max(1, hi-b.rs.IntN(3)))
	}
	if satisfied {
		s.tr = string(wo.CallbackSatisfied)
		s.text = pick(b.rs, callbackComments)
	} else {
		s.tr = string(wo.CallbackUnsatisfied)
		s.text = pick(b.rs, unsatisfiedReasons)
	}
	b.add(s)
}

func (b *builder) closeUnreachable() {
	b.add(step{tr: string(wo.CloseUnreachable), at: b.after(2*time.Hour, 48*time.Hour), actor: b.sup(), text: pick(b.rs, unreachableNotes)})
}

func (b *builder) cancel() {
	actor := b.hotline()
	if b.rs.IntN(3) == 0 {
		actor = b.sup()
	}
	b.add(step{tr: string(wo.Cancel), at: b.after(10*time.Minute, 48*time.Hour), actor: actor, text: pick(b.rs, cancelReasons)})
}

func (b *builder) resolveByPhone() time.Time {
	at := b.after(3*time.Minute, 40*time.Minute)
	b.add(step{tr: string(wo.ResolveByPhone), at: at, actor: b.hotline(), text: b.fault.guidance})
	return wo.CallbackDue(b.w.st, b.w.loc, wo.CallbackAfterGuidance, at)
}

func (b *builder) resolveRemotely() time.Time {
	at := b.after(30*time.Minute, 6*time.Hour)
	b.add(step{tr: string(wo.ResolveRemotely), at: at, actor: b.sup(), text: b.fault.guidance})
	return wo.CallbackDue(b.w.st, b.w.loc, wo.CallbackAfterGuidance, at)
}

// chooseFault picks what the call is about for the order's shape.
func (b *builder) chooseFault(phone bool) {
	for {
		f := &faults[pickWeighted(b.rs, faults, func(f fault) float64 { return f.weight })]
		if phone && !f.phoneable {
			continue
		}
		if !phone && f.serviceType == "consult" {
			continue
		}
		b.fault = f
		return
	}
}

// visitSteps runs one visit from assignment to completion and returns the callback's due
// time; last says whether it may end in the workshop's waiting states for open orders.
func (b *builder) visitSteps(v visit, stopAt wo.State) (due time.Time, stopped bool) {
	b.assign(b.pickTech(-1))
	if stopAt == wo.Dispatched {
		for range v.reassign {
			b.reassign()
		}
		return time.Time{}, true
	}
	for _, k := range v.reassign {
		if k == 2 {
			b.appointment(2*time.Hour, 72*time.Hour)
		}
		b.reassign()
	}
	var start time.Time
	if b.p.sp == spHotOrder {
		start = b.appointment(24*time.Hour, 120*time.Hour)
	} else {
		start = b.appointment(2*time.Hour, 72*time.Hour)
	}
	for range v.resched {
		start = b.reschedule(start)
	}
	if stopAt == wo.Scheduled {
		return time.Time{}, true
	}
	b.checkIn(start)
	for i, k := range v.pw {
		if stopAt == wo.AwaitingParts && i == len(v.pw)-1 && !v.workshop {
			b.awaitParts()
			return time.Time{}, true
		}
		b.awaitParts()
		if k == 3 {
			start = b.partsArrived(false)
			b.checkIn(start)
		} else {
			b.checkIn(b.after(24*time.Hour, 6*24*time.Hour))
		}
	}
	if stopAt == wo.InProgress {
		return time.Time{}, true
	}
	b.winFrom = b.t
	if v.workshop {
		b.takeToWorkshop()
		if v.wsParts {
			b.awaitParts()
			if stopAt == wo.AwaitingParts {
				return time.Time{}, true
			}
			b.partsArrived(true)
		}
		if stopAt == wo.InWorkshop {
			return time.Time{}, true
		}
	}
	due = b.complete(v.workshop)
	b.winTo = b.t
	b.completed = b.t
	b.lastTech = b.tech
	return due, false
}

// longSteps writes a history with visits; stopAt is the open state it ends in, or
// Closed.
func (b *builder) longSteps(s *shape, stopAt wo.State) {
	b.create()
	if s.fwd {
		b.forward()
	}
	if stopAt == wo.Assessing {
		return
	}
	mode := "onsite"
	if s.visits[0].workshop && b.rs.IntN(3) > 0 {
		mode = "workshop"
	}
	b.assess(mode)
	for i, v := range s.visits {
		last := i == len(s.visits)-1
		vstop := wo.Closed
		if last {
			vstop = stopAt
		}
		if stopAt == wo.AwaitingDispatch && last {
			return
		}
		due, stopped := b.visitSteps(v, vstop)
		if stopped {
			return
		}
		if !last {
			b.reached(due, false, false)
			continue
		}
		tried := false
		for a := range s.attempts {
			b.attempt(due, a == 0)
			tried = true
		}
		if stopAt == wo.AwaitingCallback {
			return
		}
		if s.unreachable {
			for a := range 3 {
				b.attempt(due, a == 0 && !tried)
			}
			b.closeUnreachable()
			return
		}
		b.reached(due, tried, true)
	}
}

// fillLong grows a one-visit shape by x events.
func (b *builder) fillLong(s *shape, x int) {
	r := b.rs
	type opt struct {
		cost int
		w    float64
		do   func()
	}
	rv := func() *visit { return &s.visits[r.IntN(len(s.visits))] }
	for x > 0 {
		opts := make([]opt, 0, 12)
		if !s.fwd {
			opts = append(opts, opt{1, 5, func() { s.fwd = true }})
		}
		opts = append(opts, opt{1, 3, func() { rv().resched++ }})
		if s.attempts < 2 && !s.unreachable {
			opts = append(opts, opt{1, 3, func() { s.attempts++ }})
		}
		opts = append(opts, opt{1, 1.2, func() {
			v := rv()
			if !v.workshop {
				v.workshop = true
			} else {
				v.resched++
			}
		}})
		opts = append(opts, opt{1, 0.8, func() { v := rv(); v.reassign = append(v.reassign, 1) }})
		if x >= 2 {
			opts = append(opts, opt{2, 1, func() { v := rv(); v.pw = append(v.pw, 2) }})
			opts = append(opts, opt{2, 0.6, func() { v := rv(); v.reassign = append(v.reassign, 2) }})
			opts = append(opts, opt{2, 0.8, func() {
				v := rv()
				if v.workshop && !v.wsParts {
					v.wsParts = true
				} else {
					v.pw = append(v.pw, 2)
				}
			}})
		}
		if x >= 3 {
			opts = append(opts, opt{3, 2, func() { v := rv(); v.pw = append(v.pw, 3) }})
			if s.attempts == 0 && !s.unreachable {
				opts = append(opts, opt{3, 0.7, func() { s.unreachable = true }})
			}
		}
		if x >= 5 && len(s.visits) < 3 {
			opts = append(opts, opt{5, 1.5, func() { s.visits = append(s.visits, visit{}) }})
		}
		i := pickWeighted(r, opts, func(o opt) float64 { return o.w })
		opts[i].do()
		x -= opts[i].cost
	}
}

// build writes the order's whole history and says what the call was about.
func (w *world) build(p *oplan) ([]step, *fault) {
	b := w.builder(p)
	return b.steps, b.fault
}

func (w *world) builder(p *oplan) *builder {
	b := newBuilder(w, p)
	switch p.fam {
	case famCancel:
		b.chooseFault(false)
		b.create()
		n := int(p.n)
		switch {
		case n == 2:
		case n == 3:
			if b.rs.IntN(2) == 0 {
				b.forward()
			} else {
				b.assess("onsite")
			}
		case n == 4:
			if b.rs.IntN(2) == 0 {
				b.forward()
				b.assess("onsite")
			} else {
				b.assess("onsite")
				b.assign(b.pickTech(-1))
			}
		default:
			if n >= 6 {
				b.forward()
			}
			b.assess("onsite")
			b.assign(b.pickTech(-1))
			start := b.appointment(2*time.Hour, 72*time.Hour)
			for i := 6; i < n; i++ {
				start = b.reschedule(start)
			}
		}
		b.cancel()
	case famShort:
		b.chooseFault(true)
		b.shortSteps(int(p.n), wo.Closed)
	case famLong:
		b.chooseFault(false)
		s := &shape{visits: []visit{{}}}
		b.fillLong(s, int(p.n)-7)
		b.longSteps(s, wo.Closed)
	case famOpen:
		b.openSteps()
	}
	return b
}

// shortSteps: phone guidance (3 + attempts) or remote (4 + attempts), or 3 attempts and
// closed as unreachable.
func (b *builder) shortSteps(n int, stopAt wo.State) {
	b.create()
	remote := n >= 4 && b.rs.IntN(2) == 0
	var due time.Time
	base := 3
	if remote {
		b.forward()
		due = b.resolveRemotely()
		base = 4
	} else {
		due = b.resolveByPhone()
	}
	if stopAt == wo.AwaitingCallback {
		for a := range b.rs.IntN(2) {
			b.attempt(due, a == 0)
		}
		return
	}
	a := n - base
	if a == 3 && !remote && b.rs.IntN(2) == 0 {
		for i := range 3 {
			b.attempt(due, i == 0)
		}
		b.closeUnreachable()
		return
	}
	for i := range a {
		b.attempt(due, i == 0)
	}
	b.reached(due, a > 0, true)
}

// openSteps writes the history of an order still open in p.final; its length is
// whatever the shape comes to (recorded in p.n by the planner).
func (b *builder) openSteps() {
	p, r := b.p, b.rs
	s := &shape{visits: []visit{{}}, fwd: r.IntN(2) == 0}
	v := &s.visits[0]
	switch p.final {
	case wo.Received:
		b.chooseFault(r.IntN(3) == 0)
		b.create()
		return
	case wo.Assessing:
		b.chooseFault(false)
		s.fwd = true
	case wo.AwaitingDispatch:
		b.chooseFault(false)
		if r.IntN(8) == 0 { // back after an unsatisfied callback
			s.visits = append(s.visits, visit{})
		}
	case wo.Dispatched:
		b.chooseFault(false)
		if r.IntN(8) == 0 {
			v.reassign = append(v.reassign, 1)
		}
	case wo.Scheduled:
		b.chooseFault(false)
		if r.IntN(5) == 0 {
			v.resched = 1
		}
	case wo.InProgress:
		b.chooseFault(false)
		if r.IntN(6) == 0 {
			v.pw = []uint8{3}
		}
	case wo.AwaitingParts:
		b.chooseFault(false)
		if r.IntN(4) == 0 {
			v.workshop, v.wsParts = true, true
		} else {
			v.pw = []uint8{2}
		}
	case wo.InWorkshop:
		b.chooseFault(false)
		v.workshop = true
	case wo.AwaitingCallback:
		switch r.IntN(3) {
		case 0:
			b.chooseFault(true)
			b.shortSteps(3+r.IntN(2), wo.AwaitingCallback)
			return
		default:
			b.chooseFault(false)
			s.attempts = r.IntN(2)
		}
	}
	if p.sp == spHotOrder && r.IntN(4) == 0 {
		v.resched = 1
	}
	b.longSteps(s, p.final)
}

// pageShape is the history of the order page benchmark: twenty events, a wait for parts,
// a reschedule, an unsatisfied callback and a revisit into the workshop.
func (w *world) pageShape() *shape {
	return &shape{fwd: true, attempts: 1, visits: []visit{{pw: []uint8{3}, resched: 1}, {workshop: true, wsParts: true}}}
}
