package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/fee"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// evRow is one work_order_events row.
type evRow struct {
	order   int64
	from    string // "" for NULL
	to      string
	tr      string
	actor   int64
	version int32
	hash    string
	at      time.Time
	note    string
	data    string
}

type cbRow struct {
	order          int64
	outcome        string
	scores         [4]int8 // 0: NULL
	satisfied      int8    // -1 NULL, 0 false, 1 true
	comments, note string
	by             int64
	at             time.Time
}

type feeRow struct {
	order        int64
	kind         string
	item         int64 // 0: NULL
	part         int64 // 0: NULL
	desc         string
	qty          int32
	unit, amount int64
	chargeable   bool
	by           int64
	at           time.Time
}

type confRow struct {
	order int64
	total int64
	name  string
	via   string
	by    int64
	at    time.Time
}

type settRow struct {
	order     int64
	amount    int64
	method    string
	receiptNo string
	by        int64
	at        time.Time
}

type usedRow struct {
	order, part int64
	qty         int32
}

// kids are the rows other tables get from the orders.
type kids struct {
	cbs   []cbRow
	fees  []feeRow
	confs []confRow
	setts []settRow
	used  []usedRow
}

// feeItems are the schedule rows of the migration (id → price, name).
var feeItems = map[int64]struct {
	name  string
	price int64
}{feeVisit: {"上门费", 10000}, feeMaint: {"常规保养", 30000}, feeRepair: {"故障检修", 20000}, feeMajor: {"主机维修", 80000}}

func (w *world) uid(i int32) int64 { return w.users[i].id }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func fingerprint(input any) string {
	b, _ := json.Marshal(input)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// jb builds a small JSON object.
type jb struct{ b []byte }

func (j *jb) key(k string) {
	if len(j.b) == 0 {
		j.b = append(j.b, '{')
	} else {
		j.b = append(j.b, ',')
	}
	j.b = strconv.AppendQuote(j.b, k)
	j.b = append(j.b, ':')
}
func (j *jb) str(k, v string) *jb { j.key(k); j.b = appendJSONString(j.b, v); return j }
func (j *jb) num(k string, v int64) *jb {
	j.key(k)
	j.b = strconv.AppendInt(j.b, v, 10)
	return j
}
func (j *jb) boolean(k string, v bool) *jb { j.key(k); j.b = strconv.AppendBool(j.b, v); return j }
func (j *jb) time(k string, t *time.Time) *jb {
	j.key(k)
	if t == nil {
		j.b = append(j.b, "null"...)
		return j
	}
	j.b = append(j.b, '"')
	j.b = t.AppendFormat(j.b, time.RFC3339Nano)
	j.b = append(j.b, '"')
	return j
}
func (j *jb) done() string {
	if len(j.b) == 0 {
		return "{}"
	}
	return string(append(j.b, '}'))
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, r)...)
		default:
			b = append(b, string(r)...)
		}
	}
	return append(b, '"')
}

var receiptPrefix = map[string]string{"wechat": "WX", "alipay": "ZFB", "transfer": "YH", "cash": "SJ", "invoice_later": ""}

// apply runs the order's history through the service's rules and returns the order as
// stored. events, when set, receives each event; k, when set, the other rows.
func (P *plan) apply(p *oplan, steps []step, f *fault, events func(evRow), k *kids) (wo.Order, error) {
	w := P.w
	ra := rand.New(rand.NewPCG(seed^0xa77, uint64(p.idx)))
	rf := rand.New(rand.NewPCG(seed^0xfee, uint64(p.idx)))
	st := w.stations[p.station]
	c := w.custs[p.cust]
	chargeable := fee.Chargeable(p.warranty)

	// What the order's requisitions leave as used.
	var usedParts map[int64]int
	usedTotal := 0
	var usedOrder []int64
	for qi := p.reqFrom; qi < p.reqTo; qi++ {
		for _, l := range P.reqs[qi].lines {
			if u := int(l.qty - l.returned); u > 0 {
				if usedParts == nil {
					usedParts = map[int64]int{}
				}
				id := w.parts[l.part].id
				if _, ok := usedParts[id]; !ok {
					usedOrder = append(usedOrder, id)
				}
				usedParts[id] += u
				usedTotal += u
			}
		}
	}

	var o wo.Order
	var visitLine bool
	feeTotal := int64(0)
	partLines := false
	confirmed := false
	lastComplete := -1
	for i := range steps {
		if steps[i].tr == string(wo.Complete) {
			lastComplete = i
		}
	}
	emit := func(s *step, from string, note string, data string, input any, hashed bool) {
		if events == nil {
			return
		}
		e := evRow{order: o.ID, from: from, to: string(o.State), tr: s.tr, actor: w.uid(s.actor), version: int32(o.Version), at: s.at, note: note, data: data}
		if hashed {
			e.hash = fingerprint(input)
		}
		events(e)
	}
	for i := range steps {
		s := &steps[i]
		from := string(o.State)
		if s.tr == "create" {
			o = wo.Order{ID: p.id, Number: P.number0(p), StationID: st.id, State: wo.Received, Version: 1, CustomerID: c.id,
				ContactName: firstNonEmpty(c.contact, c.name), Symptom: f.symptom, ServiceType: f.serviceType, Warranty: p.warranty,
				FeesState: "none", CreatedBy: w.uid(s.actor), CreatedAt: s.at, UpdatedAt: s.at}
			o.Channel = channelsWeighted[pickWeighted(ra, channelsWeighted, func(x struct {
				c string
				w float64
			}) float64 {
				return x.w
			})].c
			o.Request = pick(ra, requests)
			if ra.IntN(2) == 0 {
				o.Preliminary = f.preliminary
			}
			o.Urgency = "normal"
			if (f.serviceType == "repair" && ra.IntN(100) < 18) || ra.IntN(100) < 2 {
				o.Urgency = "urgent"
			}
			key := make([]byte, 12)
			for j := range key {
				key[j] = byte(ra.Uint32())
			}
			ik := hex.EncodeToString(key)
			o.IntakeKey = &ik
			raws, e164s := make([]string, 0, 3), make([]string, 0, 3)
			for _, ph := range c.phones {
				raws, e164s = append(raws, ph.raw), append(e164s, ph.e164)
			}
			o.ContactPhone, o.ContactE164 = raws[0], e164s[0]
			serial := ""
			o.Address = c.address
			if !p.noUnit {
				uid := c.id
				o.UnitID = &uid
				serial = c.serial
				o.Address = firstNonEmpty(c.install, c.address)
			}
			if p.repeatOf != 0 {
				ro := p.repeatOf
				o.RepeatOf = &ro
			}
			o.ContactDueAt, o.ArriveDueAt = wo.ContactArriveDue(w.st, w.loc, o.Urgency, s.at)
			o.Search = wo.SearchText(o.Number, c.name, o.ContactName, append(raws, o.ContactPhone), append(e164s, o.ContactE164), serial)
			if events != nil {
				d := (&jb{}).str("number", o.Number).str("urgency", o.Urgency).str("warranty", o.Warranty)
				if o.RepeatOf != nil {
					d.num("repeat_of", *o.RepeatOf)
				}
				emit(s, "", "", d.done(), nil, false)
			}
			continue
		}
		actor := w.users[s.actor]
		t := wo.Transition(s.tr)
		// The hotline takes the payment before the callback closes the order.
		if t == wo.CallbackSatisfied && o.FeesState == "pending" {
			prev := steps[i-1].at
			gap := s.at.Sub(prev)
			method := []string{"wechat", "wechat", "wechat", "transfer", "transfer", "alipay", "cash", "invoice_later"}[rf.IntN(8)]
			at := prev.Add(gap / 2).Truncate(time.Microsecond)
			no := ""
			if method != "invoice_later" {
				no = fmt.Sprintf("%s%s%06d", receiptPrefix[method], at.In(w.loc).Format("20060102"), rf.IntN(1_000_000))
			}
			if k != nil {
				hot := w.uid(s.actor)
				if !confirmed {
					k.confs = append(k.confs, confRow{order: o.ID, total: feeTotal, name: firstNonEmpty(c.contact, c.name), via: "phone", by: hot, at: prev.Add(gap / 3).Truncate(time.Microsecond)})
				}
				k.setts = append(k.setts, settRow{order: o.ID, amount: feeTotal, method: method, receiptNo: no, by: hot, at: at})
			}
			o.FeesState = "settled"
		}
		if s.tr != "callback_attempt" {
			facts := wo.Facts{State: o.State, UnitInWorkshop: o.UnitInWorkshop, FeesSettled: o.FeesState != "pending",
				CallbackAttempts: o.CallbackAttempts, CallbackAttemptLimit: w.st.CallbackAttemptLimit}
			if o.AssigneeID != nil {
				facts.AssigneeID = *o.AssigneeID
			}
			if _, err := wo.Next(facts, t, wo.Actor{UserID: actor.id, Role: wo.Role(actor.role)}); err != nil {
				return o, fmt.Errorf("seed: order %d step %d %s by %s from %s: %w", p.id, i, s.tr, actor.role, o.State, err)
			}
		}
		now := s.at
		var note, data string
		var input any
		hashed := true
		switch t {
		case wo.ResolveByPhone:
			o.Guidance = s.text
			o.FirstContactAt = ptr(now)
			o.CallbackDueAt = ptr(wo.CallbackDue(w.st, w.loc, wo.CallbackAfterGuidance, now))
			o.State, note, input = wo.AwaitingCallback, s.text, s.text
		case wo.Forward:
			o.State, note, input = wo.Assessing, s.text, s.text
		case wo.Assess:
			a := wo.Assessment{CauseAnalysis: f.cause, RepairPlan: f.plan, ServiceMode: s.mode, PartsNeeded: f.partsNeeded, ToolsNeeded: f.tools, LoanerNeeded: s.flag && s.mode == "workshop", Note: s.text}
			o.CauseAnalysis, o.RepairPlan, o.ServiceMode = a.CauseAnalysis, a.RepairPlan, ptr(a.ServiceMode)
			o.PartsNeeded, o.ToolsNeeded, o.LoanerNeeded = a.PartsNeeded, a.ToolsNeeded, a.LoanerNeeded
			o.AssessedAt, o.AssessedBy = ptr(now), ptr(actor.id)
			o.State, note, input = wo.AwaitingDispatch, a.Note, a
			if events != nil {
				data = (&jb{}).str("service_mode", a.ServiceMode).done()
			}
		case wo.ResolveRemotely:
			cause := f.cause
			if cause == "" {
				cause = "远程确认为操作设置问题"
			}
			o.CauseAnalysis, o.Guidance = cause, s.text
			o.ServiceMode = ptr("remote")
			o.AssessedAt, o.AssessedBy = ptr(now), ptr(actor.id)
			if o.FirstContactAt == nil {
				o.FirstContactAt = ptr(now)
			}
			o.CallbackDueAt = ptr(wo.CallbackDue(w.st, w.loc, wo.CallbackAfterGuidance, now))
			o.State, note, input = wo.AwaitingCallback, s.text, []any{cause, s.text}
		case wo.Assign:
			tid := w.uid(s.tech)
			o.AssigneeID, o.AssignedAt = ptr(tid), ptr(now)
			o.State, input = wo.Dispatched, []any{tid, ""}
			if events != nil {
				data = (&jb{}).num("technician_id", tid).str("technician", w.users[s.tech].name).done()
			}
		case wo.Reassign:
			tid := w.uid(s.tech)
			var prev int64
			if o.AssigneeID != nil {
				prev = *o.AssigneeID
			}
			if prev == tid {
				return o, fmt.Errorf("seed: order %d reassigned to the same technician", p.id)
			}
			o.AssigneeID, o.AssignedAt = ptr(tid), ptr(now)
			o.AppointmentStart, o.AppointmentEnd = nil, nil
			o.State, note, input = wo.Dispatched, s.text, []any{tid, s.text}
			if events != nil {
				data = (&jb{}).num("from_technician_id", prev).num("technician_id", tid).str("technician", w.users[s.tech].name).done()
			}
		case wo.MakeAppointment:
			o.AppointmentStart, o.AppointmentEnd = window(s.start, s.end)
			if o.FirstContactAt == nil {
				o.FirstContactAt = ptr(now)
			}
			o.State, note, input = wo.Scheduled, s.text, []any{s.start, s.end, s.text}
			if events != nil {
				data = (&jb{}).time("start", &s.start).time("end", &s.end).done()
			}
		case wo.Reschedule:
			old := o.AppointmentStart
			o.AppointmentStart, o.AppointmentEnd = window(s.start, s.end)
			o.RescheduleCount++
			o.State, note, input = wo.Scheduled, s.text, []any{s.start, s.end, s.text}
			if events != nil {
				var oldUTC *time.Time
				if old != nil {
					oldUTC = ptr(old.UTC())
				}
				data = (&jb{}).time("from", oldUTC).time("start", &s.start).time("end", &s.end).done()
			}
		case wo.CheckIn:
			if o.ArrivedAt == nil {
				o.ArrivedAt = ptr(now)
				o.RepairDueAt = wo.RepairDue(w.st, o.Complexity, o.AgreedCompletionAt, now)
			}
			if o.FirstContactAt == nil {
				o.FirstContactAt = ptr(now)
			}
			o.State, input = wo.InProgress, nil
			if events != nil {
				u := now.UTC()
				data = (&jb{}).time("arrived_at", &u).done()
			}
		case wo.AwaitParts:
			o.MissingParts = s.text
			o.State, note, input = wo.AwaitingParts, s.text, s.text
		case wo.PartsArrived:
			if !o.UnitInWorkshop {
				o.AppointmentStart, o.AppointmentEnd = window(s.start, s.end)
				o.State = wo.Scheduled
			} else {
				o.State = wo.InWorkshop
			}
			note, input = s.text, []any{s.start, s.end, s.text}
			if events != nil {
				data = (&jb{}).str("missing_parts", o.MissingParts).done()
			}
		case wo.TakeToWorkshop:
			o.UnitInWorkshop, o.LoanerIssued = true, s.flag
			o.State, note, input = wo.InWorkshop, s.text, []any{s.flag, s.text}
			if events != nil {
				data = (&jb{}).boolean("loaner_issued", s.flag).done()
			}
		case wo.Complete:
			last := i == lastComplete
			r := wo.Report{Diagnosis: f.diagnosis, FaultCause: f.faultCause, ActionsTaken: f.actions, FieldClass: benchFieldClass(o.ID, chargeable),
				TestRun: s.testRun, UsageGuidance: s.flag, Note: s.text}
			if s.rating > 0 {
				r.Rating = ptr(int(s.rating))
			}
			used := 0
			if last && usedParts != nil {
				r.PartsUsed = usedParts
				used = usedTotal
			}
			signed := p.sp == spPage && last
			if !signed {
				r.NoSignatureReason = pick(ra, noSignature)
			}
			fp := struct {
				R         wo.Report
				Photos    []string
				Signature string
			}{R: r}
			if signed {
				fp.Signature = P.signatureHash
			}
			o.Diagnosis, o.FaultCause, o.ActionsTaken = r.Diagnosis, r.FaultCause, r.ActionsTaken
			o.TestRun, o.UsageGuidance, o.Signed, o.Rating = ptr(r.TestRun), r.UsageGuidance, signed, r.Rating
			o.FieldClass = ptr(r.FieldClass)
			o.NoSignatureReason = ""
			if !signed {
				o.NoSignatureReason = r.NoSignatureReason
			}
			o.CompletedAt = ptr(now)
			// fee.Refresh: the visit line for on-site work, a line per part used.
			onsite := (o.ServiceMode != nil && *o.ServiceMode == "onsite") || o.ArrivedAt != nil
			if onsite && !visitLine {
				visitLine = true
				amt := int64(0)
				if chargeable {
					amt = feeItems[feeVisit].price
				}
				feeTotal += amt
				if k != nil {
					k.fees = append(k.fees, feeRow{order: o.ID, kind: "visit", item: feeVisit, desc: feeItems[feeVisit].name, qty: 1, unit: feeItems[feeVisit].price, amount: amt, chargeable: chargeable, by: actor.id, at: now})
				}
			}
			if last && usedParts != nil && !partLines {
				partLines = true
				for _, pid := range P.partsByCode(usedOrder) {
					pt := w.parts[pid-1]
					q := usedParts[pid]
					amt := int64(0)
					if chargeable {
						amt = int64(q) * pt.priceFen
					}
					feeTotal += amt
					if k != nil {
						desc := pt.code + " " + pt.name
						if pt.spec != "" {
							desc += " " + pt.spec
						}
						k.fees = append(k.fees, feeRow{order: o.ID, kind: "part", part: pid, desc: desc, qty: int32(q), unit: pt.priceFen, amount: amt, chargeable: chargeable, by: actor.id, at: now})
						k.used = append(k.used, usedRow{order: o.ID, part: pid, qty: int32(q)})
					}
				}
			}
			if o.FeesState != "settled" {
				o.FeesState = "none"
				if feeTotal > 0 {
					o.FeesState = "pending"
				}
			}
			o.CallbackDueAt = ptr(wo.CallbackDue(w.st, w.loc, r.TestRun, now))
			o.State, note, input = wo.AwaitingCallback, s.text, fp
			if events != nil {
				data = (&jb{}).str("test_run", r.TestRun).str("field_class", r.FieldClass).boolean("signed", signed).num("photos", 0).num("parts_used", int64(used)).done()
			}
			// Labour and the customer's confirmation on the tablet, before the next step.
			if i+1 < len(steps) && chargeable && onsite {
				gap := steps[i+1].at.Sub(now)
				if rf.IntN(2) == 0 && o.RevisitCount == 0 {
					item := int64(feeRepair)
					switch {
					case f.serviceType == "maintenance":
						item = feeMaint
					case o.UnitInWorkshop:
						item = feeMajor
					}
					feeTotal += feeItems[item].price
					if k != nil {
						k.fees = append(k.fees, feeRow{order: o.ID, kind: "labour", item: item, desc: feeItems[item].name, qty: 1, unit: feeItems[item].price, amount: feeItems[item].price, chargeable: true, by: actor.id, at: now.Add(gap / 10).Truncate(time.Microsecond)})
					}
					o.FeesState = "pending"
				}
				if feeTotal > 0 && rf.IntN(10) < 6 {
					confirmed = true
					if k != nil {
						k.confs = append(k.confs, confRow{order: o.ID, total: feeTotal, name: firstNonEmpty(c.contact, c.name), via: "tablet", by: actor.id, at: now.Add(gap / 5).Truncate(time.Microsecond)})
					}
				}
			}
		case wo.CallbackSatisfied, wo.CallbackUnsatisfied:
			satisfied := t == wo.CallbackSatisfied
			cb := wo.Callback{Outcome: "reached", Attitude: int(s.scores[0]), Timeliness: int(s.scores[1]), Quality: int(s.scores[2]), Overall: int(s.scores[3]), Satisfied: satisfied}
			if satisfied {
				cb.Comments = s.text
			} else {
				cb.Reason = s.text
			}
			if k != nil {
				sat := int8(0)
				if satisfied {
					sat = 1
				}
				k.cbs = append(k.cbs, cbRow{order: o.ID, outcome: "reached", scores: s.scores, satisfied: sat, comments: cb.Comments, by: actor.id, at: now})
			}
			if satisfied {
				o.ClosedAt = ptr(now)
				o.State = wo.Closed
			} else {
				wo.ReopenForRevisit(&o, w.st, w.loc, now)
				o.State = wo.AwaitingDispatch
			}
			note, input = s.text, cb
			if events != nil {
				data = (&jb{}).num("overall", int64(s.scores[3])).boolean("satisfied", satisfied).done()
			}
		case wo.CloseUnreachable:
			o.ClosedAt = ptr(now)
			o.State, note, input = wo.Closed, s.text, s.text
			if events != nil {
				data = (&jb{}).num("attempts", int64(o.CallbackAttempts)).done()
			}
		case wo.Cancel:
			o.CancelReason, o.CancelledAt = s.text, ptr(now)
			o.State, note, input = wo.Cancelled, s.text, s.text
		case "callback_attempt":
			if o.State != wo.AwaitingCallback || actor.role != "hotline" {
				return o, fmt.Errorf("seed: order %d callback attempt in %s by %s", p.id, o.State, actor.role)
			}
			o.CallbackAttempts++
			hashed = false
			note = s.text
			if k != nil {
				k.cbs = append(k.cbs, cbRow{order: o.ID, outcome: s.outcome, satisfied: -1, note: s.text, by: actor.id, at: now})
			}
			if events != nil {
				data = (&jb{}).str("outcome", s.outcome).num("attempt", int64(o.CallbackAttempts)).done()
			}
		default:
			return o, fmt.Errorf("seed: unknown step %q", s.tr)
		}
		o.Version++
		o.UpdatedAt = now
		if data == "" {
			data = "{}"
		}
		emit(s, from, note, data, input, hashed)
	}
	return o, nil
}

func ptr[T any](v T) *T { return &v }

func window(start, end time.Time) (*time.Time, *time.Time) {
	if end.IsZero() {
		return ptr(start), nil
	}
	return ptr(start), ptr(end)
}

// partsByCode orders part ids as the fee lines are inserted (by code).
func (P *plan) partsByCode(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	w := P.w
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && w.parts[out[j]-1].code < w.parts[out[j-1]-1].code; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// benchFieldClass is a completed job's field class: paid when the work is chargeable,
// else one of the free classes picked by the order's id (no draw from the random
// streams, so the rest of the data stays as it was).
func benchFieldClass(id int64, chargeable bool) string {
	if chargeable {
		return "paid"
	}
	free := []string{"after_sales", "after_sales", "after_sales", "part_within_year", "misuse", "misuse", "retrofit", "other_make_free"}
	return free[id%int64(len(free))]
}
