package workorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/demo"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// matrixMove is one allowed (from, transition, role) → to triple.
type matrixMove struct {
	from wo.State
	t    wo.Transition
	role wo.Role
	to   wo.State
}

// matrixAllowed is every allowed move, written out by hand from docs/domain.md (and checked
// against state_test.go's list), independent of the service and of the machine's table.
// It assumes the technician is the assignee, the unit is on site, nothing is chargeable
// and the callback attempts are exhausted.
var matrixAllowed = []matrixMove{
	{wo.Received, wo.ResolveByPhone, wo.RoleHotline, wo.AwaitingCallback},
	{wo.Received, wo.Forward, wo.RoleHotline, wo.Assessing},
	{wo.Received, wo.Assess, wo.RoleSupervisor, wo.AwaitingDispatch},
	{wo.Received, wo.Cancel, wo.RoleHotline, wo.Cancelled},
	{wo.Received, wo.Cancel, wo.RoleSupervisor, wo.Cancelled},

	{wo.Assessing, wo.Assess, wo.RoleSupervisor, wo.AwaitingDispatch},
	{wo.Assessing, wo.ResolveRemotely, wo.RoleSupervisor, wo.AwaitingCallback},
	{wo.Assessing, wo.Cancel, wo.RoleHotline, wo.Cancelled},
	{wo.Assessing, wo.Cancel, wo.RoleSupervisor, wo.Cancelled},

	{wo.AwaitingDispatch, wo.Assign, wo.RoleSupervisor, wo.Dispatched},
	{wo.AwaitingDispatch, wo.Assign, wo.RoleManager, wo.Dispatched},
	{wo.AwaitingDispatch, wo.Cancel, wo.RoleHotline, wo.Cancelled},
	{wo.AwaitingDispatch, wo.Cancel, wo.RoleSupervisor, wo.Cancelled},

	{wo.Dispatched, wo.Reassign, wo.RoleSupervisor, wo.Dispatched},
	{wo.Dispatched, wo.Reassign, wo.RoleManager, wo.Dispatched},
	{wo.Dispatched, wo.MakeAppointment, wo.RoleTechnician, wo.Scheduled},
	{wo.Dispatched, wo.MakeAppointment, wo.RoleSupervisor, wo.Scheduled},
	{wo.Dispatched, wo.Cancel, wo.RoleHotline, wo.Cancelled},
	{wo.Dispatched, wo.Cancel, wo.RoleSupervisor, wo.Cancelled},

	{wo.Scheduled, wo.Reassign, wo.RoleSupervisor, wo.Dispatched},
	{wo.Scheduled, wo.Reassign, wo.RoleManager, wo.Dispatched},
	{wo.Scheduled, wo.Reschedule, wo.RoleTechnician, wo.Scheduled},
	{wo.Scheduled, wo.CheckIn, wo.RoleTechnician, wo.InProgress},
	{wo.Scheduled, wo.Cancel, wo.RoleHotline, wo.Cancelled},
	{wo.Scheduled, wo.Cancel, wo.RoleSupervisor, wo.Cancelled},

	{wo.InProgress, wo.AwaitParts, wo.RoleTechnician, wo.AwaitingParts},
	{wo.InProgress, wo.TakeToWorkshop, wo.RoleTechnician, wo.InWorkshop},
	{wo.InProgress, wo.Complete, wo.RoleTechnician, wo.AwaitingCallback},

	{wo.AwaitingParts, wo.CheckIn, wo.RoleTechnician, wo.InProgress},
	{wo.AwaitingParts, wo.PartsArrived, wo.RoleTechnician, wo.Scheduled},
	{wo.AwaitingParts, wo.PartsArrived, wo.RoleSupervisor, wo.Scheduled},

	{wo.InWorkshop, wo.AwaitParts, wo.RoleTechnician, wo.AwaitingParts},
	{wo.InWorkshop, wo.Complete, wo.RoleTechnician, wo.AwaitingCallback},

	{wo.AwaitingCallback, wo.CallbackAttempt, wo.RoleHotline, wo.AwaitingCallback},
	{wo.AwaitingCallback, wo.CallbackSatisfied, wo.RoleHotline, wo.Closed},
	{wo.AwaitingCallback, wo.CallbackUnsatisfied, wo.RoleHotline, wo.AwaitingDispatch},
	{wo.AwaitingCallback, wo.CloseUnreachable, wo.RoleSupervisor, wo.Closed},
	{wo.AwaitingCallback, wo.RemedialCallback, wo.RoleManager, wo.AwaitingCallback},

	{wo.Closed, wo.RemedialCallback, wo.RoleManager, wo.AwaitingCallback},
}

// matrixUser is the demo user acting for each role: the technician is tech1, the
// technician orderIn assigns.
var matrixUser = map[wo.Role]string{
	wo.RoleHotline:     "hotline",
	wo.RoleSupervisor:  "supervisor",
	wo.RoleTechnician:  "tech1",
	wo.RoleStorekeeper: "storekeeper",
	wo.RoleManager:     "manager",
	wo.RoleAdmin:       "admin",
}

// matrixFixtureFor returns a shallow copy of f (same database, clock and services) that
// reports to t, so a subtest's helpers fail the subtest rather than the parent.
func matrixFixtureFor(f *fixture, t *testing.T) *fixture {
	g := *f
	g.t = t
	return &g
}

// matrixRow is what the database holds for an order: its state and version.
func matrixRow(f *fixture, id int64) (wo.State, int) {
	f.t.Helper()
	var s wo.State
	var v int
	if err := f.pool.QueryRow(f.ctx, `SELECT state, version FROM work_orders WHERE id = $1`, id).Scan(&s, &v); err != nil {
		f.t.Fatalf("read order %d: %v", id, err)
	}
	return s, v
}

// matrixEvent is an order's newest event row.
type matrixEvent struct {
	transition string
	from       *wo.State
	to         wo.State
	version    int
	actorID    int64
}

func matrixLastEvent(f *fixture, id int64) matrixEvent {
	f.t.Helper()
	var e matrixEvent
	err := f.pool.QueryRow(f.ctx, `SELECT transition, from_state, to_state, version, actor_id FROM work_order_events
		WHERE order_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&e.transition, &e.from, &e.to, &e.version, &e.actorID)
	if err != nil {
		f.t.Fatalf("read last event of %d: %v", id, err)
	}
	return e
}

// matrixDo calls the service method of transition t as actor on o, with valid input.
func matrixDo(f *fixture, t wo.Transition, actor auth.Actor, o wo.Order) (wo.Order, error) {
	f.t.Helper()
	now := f.clock.Now()
	start := now.Add(2 * time.Hour)
	end := start.Add(2 * time.Hour)
	tech1, tech2 := f.actor("tech1").UserID, f.actor("tech2").UserID
	switch t {
	case wo.ResolveByPhone:
		return f.svc.ResolveByPhone(f.ctx, actor, o.ID, o.Version, "已指导客户清洗进气滤芯")
	case wo.Forward:
		return f.svc.Forward(f.ctx, actor, o.ID, o.Version, "需技术评估")
	case wo.Assess:
		return f.svc.Assess(f.ctx, actor, o.ID, o.Version, wo.Assessment{CauseAnalysis: "温控阀失效", RepairPlan: "更换温控阀",
			ServiceMode: "onsite", PartsNeeded: "温控阀", ToolsNeeded: "扳手", Note: "评估完成", Complexity: "simple"})
	case wo.ResolveRemotely:
		return f.svc.ResolveRemotely(f.ctx, actor, o.ID, o.Version, "参数设置错误", "已远程指导客户修改参数")
	case wo.Assign:
		return f.svc.Assign(f.ctx, actor, o.ID, o.Version, tech1, "派工")
	case wo.Reassign:
		to := tech1
		if o.AssigneeID != nil && *o.AssigneeID == tech1 {
			to = tech2
		}
		return f.svc.Reassign(f.ctx, actor, o.ID, o.Version, to, "紧急任务改派")
	case wo.MakeAppointment:
		return f.svc.MakeAppointment(f.ctx, actor, o.ID, o.Version, start, end, "已电话约定")
	case wo.Reschedule:
		return f.svc.Reschedule(f.ctx, actor, o.ID, o.Version, start.Add(24*time.Hour), end.Add(24*time.Hour), "客户临时有事")
	case wo.CheckIn:
		return f.svc.CheckIn(f.ctx, actor, o.ID, o.Version)
	case wo.AwaitParts:
		return f.svc.AwaitParts(f.ctx, actor, o.ID, o.Version, "温控阀 ×1")
	case wo.PartsArrived:
		return f.svc.PartsArrived(f.ctx, actor, o.ID, o.Version, start, end, "配件已到")
	case wo.TakeToWorkshop:
		return f.svc.TakeToWorkshop(f.ctx, actor, o.ID, o.Version, true, "返厂维修")
	case wo.Complete:
		rating := 5
		return f.svc.Complete(f.ctx, actor, o.ID, o.Version, wo.Report{Diagnosis: "温控阀卡滞", FaultCause: "阀芯磨损",
			ActionsTaken: "更换温控阀", FieldClass: "after_sales", TestRun: "done", UsageGuidance: true, Signature: demo.Signature(), Rating: &rating, Note: "完工"})
	case wo.CallbackAttempt:
		return f.svc.RecordCallback(f.ctx, actor, o.ID, o.Version, wo.Callback{Outcome: "no_answer", Note: "无人接听"})
	case wo.CallbackSatisfied:
		return f.svc.RecordCallback(f.ctx, actor, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 5, Quality: 5, Overall: 5, Satisfied: true, Comments: "客户满意"})
	case wo.CallbackUnsatisfied:
		return f.svc.RecordCallback(f.ctx, actor, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 3, Timeliness: 3, Quality: 2, Overall: 2, Reason: "故障复现，需重新上门"})
	case wo.CloseUnreachable:
		return f.svc.CloseUnreachable(f.ctx, actor, o.ID, o.Version, "多次联系不上")
	case wo.Cancel:
		return f.svc.Cancel(f.ctx, actor, o.ID, o.Version, "客户撤销报修")
	case wo.RemedialCallback:
		return f.svc.RemedialCallback(f.ctx, actor, o.ID, o.Version, "对账发现签字存疑，补救回访")
	}
	f.t.Fatalf("matrixDo: no service method for transition %q", t)
	return wo.Order{}, nil
}

// TestServiceMatrix drives every (state × transition × role) through the real service:
// allowed moves succeed with exactly one event, every other combination is refused and
// changes nothing.
func TestServiceMatrix(t *testing.T) {
	if len(wo.States) != 11 || len(wo.Transitions) != 19 || len(wo.Roles) != 6 {
		t.Fatalf("the matrix is written for 11 states × 19 transitions × 6 roles, got %d × %d × %d",
			len(wo.States), len(wo.Transitions), len(wo.Roles))
	}
	type key struct {
		s wo.State
		t wo.Transition
		r wo.Role
	}
	type stateTransition struct {
		s wo.State
		t wo.Transition
	}
	allowed := map[key]wo.State{}
	applies := map[stateTransition]bool{}
	for _, m := range matrixAllowed {
		k := key{m.from, m.t, m.role}
		if _, dup := allowed[k]; dup {
			t.Fatalf("duplicate expectation %v", k)
		}
		allowed[k] = m.to
		applies[stateTransition{m.from, m.t}] = true
	}
	if len(allowed) != 39 {
		t.Fatalf("expected 39 allowed moves, listed %d", len(allowed))
	}

	f := newFixture(t)
	st, err := f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	if st.CallbackAttemptLimit <= 0 {
		t.Fatalf("callback attempt limit %d never allows close_unreachable", st.CallbackAttemptLimit)
	}

	// Every combination gets a fresh order in its state (about 20 s with -race for the
	// whole matrix; reusing one order per state for the refused combinations would take
	// about 4 s, but a refused call that changed the order would then leak into the next).
	orderFor := func(g *fixture, s wo.State, attempts bool) wo.Order {
		g.t.Helper()
		o := g.orderIn(s, false) // awaiting_parts: the unit is on site
		if o.State != s {
			g.t.Fatalf("orderIn(%s) gave %s", s, o.State)
		}
		if attempts {
			for i := 0; i < st.CallbackAttemptLimit; i++ {
				o = g.must(g.svc.RecordCallbackAttempt(g.ctx, g.actor("hotline"), o.ID, o.Version, "no_answer", "无人接听"))
			}
			if o.CallbackAttempts != st.CallbackAttemptLimit || o.State != s {
				g.t.Fatalf("after %d attempts: attempts %d, state %s", st.CallbackAttemptLimit, o.CallbackAttempts, o.State)
			}
		}
		return o
	}

	for _, s := range wo.States {
		t.Run(string(s), func(t *testing.T) {
			for _, tr := range wo.Transitions {
				t.Run(string(tr), func(t *testing.T) {
					for _, r := range wo.Roles {
						t.Run(string(r), func(t *testing.T) {
							g := matrixFixtureFor(f, t)
							attempts := tr == wo.CloseUnreachable && s == wo.AwaitingCallback
							// close_unreachable needs the failed callback attempts first; they
							// are in the baseline below.
							o := orderFor(g, s, attempts)
							actor := g.actor(matrixUser[r])
							baseEvents := g.events(o.ID)
							baseState, baseVersion := matrixRow(g, o.ID)
							if baseState != s || baseVersion != o.Version {
								t.Fatalf("order %d is %s v%d in the DB, expected %s v%d", o.ID, baseState, baseVersion, s, o.Version)
							}

							got, err := matrixDo(g, tr, actor, o)
							dbState, dbVersion := matrixRow(g, o.ID)
							events := g.events(o.ID)

							if want, ok := allowed[key{s, tr, r}]; ok {
								if err != nil {
									t.Fatalf("allowed %s --%s/%s--> %s refused: %v", s, tr, r, want, err)
								}
								if got.ID != o.ID || got.State != want || got.Version != baseVersion+1 {
									t.Errorf("returned order %d %s v%d, want %d %s v%d", got.ID, got.State, got.Version, o.ID, want, baseVersion+1)
								}
								if dbState != want || dbVersion != baseVersion+1 {
									t.Errorf("stored order is %s v%d, want %s v%d", dbState, dbVersion, want, baseVersion+1)
								}
								if events != baseEvents+1 {
									t.Fatalf("wrote %d event rows, want exactly 1", events-baseEvents)
								}
								e := matrixLastEvent(g, o.ID)
								if e.transition != string(tr) || e.from == nil || *e.from != s || e.to != want ||
									e.version != baseVersion+1 || e.actorID != actor.UserID {
									from := "<nil>"
									if e.from != nil {
										from = string(*e.from)
									}
									t.Errorf("event = %s %s→%s v%d by %d, want %s %s→%s v%d by %d",
										e.transition, from, e.to, e.version, e.actorID, tr, s, want, baseVersion+1, actor.UserID)
								}
								return
							}

							// Refused: the code says why. A technician cannot see an order that
							// is not assigned to them; a transition that does not start from
							// this state is illegal whoever asks; otherwise the role may not.
							var wantCode apperr.Code
							switch {
							case r == wo.RoleTechnician && (o.AssigneeID == nil || *o.AssigneeID != actor.UserID):
								wantCode = apperr.NotFound
							case !applies[stateTransition{s, tr}]:
								wantCode = apperr.IllegalTransition
							default:
								wantCode = apperr.Forbidden
							}
							if err == nil {
								t.Errorf("refused %s/%s/%s succeeded: now %s v%d", s, tr, r, got.State, got.Version)
							} else if code := apperr.CodeOf(err); code != wantCode {
								t.Errorf("error code %s (%v), want %s", code, err, wantCode)
							}
							if dbState != baseState || dbVersion != baseVersion {
								t.Errorf("refused transition changed the order: %s v%d → %s v%d", baseState, baseVersion, dbState, dbVersion)
							}
							if events != baseEvents {
								t.Errorf("refused transition wrote %d event rows", events-baseEvents)
							}
						})
					}
				})
			}
		})
	}
}

// TestMatrixAwaitingPartsInWorkshop: waiting for parts with the unit in the workshop, the
// technician cannot check in on site, and the parts bring the order back to the workshop.
func TestMatrixAwaitingPartsInWorkshop(t *testing.T) {
	f := newFixture(t)
	tech := f.actor("tech1")
	o := f.orderIn(wo.AwaitingParts, true)
	if o.State != wo.AwaitingParts || !o.UnitInWorkshop {
		t.Fatalf("orderIn(awaiting_parts, workshop) gave %s, in workshop %v", o.State, o.UnitInWorkshop)
	}

	base := f.events(o.ID)
	_, err := f.svc.CheckIn(f.ctx, tech, o.ID, o.Version)
	if code := apperr.CodeOf(err); code != apperr.IllegalTransition {
		t.Fatalf("check_in with the unit in the workshop: code %q (%v), want %s", code, err, apperr.IllegalTransition)
	}
	if s, v := matrixRow(f, o.ID); s != wo.AwaitingParts || v != o.Version {
		t.Fatalf("refused check_in changed the order to %s v%d", s, v)
	}
	if n := f.events(o.ID); n != base {
		t.Fatalf("refused check_in wrote %d event rows", n-base)
	}

	// No appointment is needed when the unit is in the workshop.
	got, err := f.svc.PartsArrived(f.ctx, tech, o.ID, o.Version, time.Time{}, time.Time{}, "配件已到")
	if err != nil {
		t.Fatalf("parts_arrived: %v", err)
	}
	if got.State != wo.InWorkshop || got.Version != o.Version+1 || !got.UnitInWorkshop {
		t.Fatalf("parts_arrived gave %s v%d in workshop %v, want in_workshop v%d", got.State, got.Version, got.UnitInWorkshop, o.Version+1)
	}
	if n := f.events(o.ID); n != base+1 {
		t.Fatalf("parts_arrived wrote %d event rows, want 1", n-base)
	}
	e := matrixLastEvent(f, o.ID)
	if e.transition != string(wo.PartsArrived) || e.from == nil || *e.from != wo.AwaitingParts || e.to != wo.InWorkshop {
		t.Fatalf("event %+v, want parts_arrived awaiting_parts→in_workshop", e)
	}
}

// TestPageActionsAreTheMatrix: for every state × role, the order page offers exactly the
// moves the matrix above lists as accepted by the service (the callback's three outcomes
// are one survey form), so a button is never shown that the service would refuse, nor one
// missing that it would accept.
func TestPageActionsAreTheMatrix(t *testing.T) {
	f := newFixture(t)
	st, err := f.svc.Settings(f.ctx, f.shanghai())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range wo.States {
		o := f.orderIn(s, false)
		if s == wo.AwaitingCallback {
			// With the attempts made, closing as unreachable is allowed too.
			for range st.CallbackAttemptLimit {
				o = f.must(f.svc.RecordCallbackAttempt(f.ctx, f.actor("hotline"), o.ID, o.Version, "no_answer", ""))
			}
		}
		for _, r := range wo.Roles {
			var want []string
			for _, tr := range wo.Transitions {
				for _, m := range matrixAllowed {
					if m.from != s || m.t != tr || m.role != r || tr == wo.RemedialCallback {
						continue
					}
					name := string(tr)
					if tr == wo.CallbackAttempt || tr == wo.CallbackSatisfied || tr == wo.CallbackUnsatisfied {
						name = "callback"
					}
					if len(want) == 0 || want[len(want)-1] != name {
						want = append(want, name)
					}
				}
			}
			// Besides the machine's moves: correcting a completed job's class
			// (TestReclassifyIsOfferedExactlyWhenAccepted checks the service accepts it).
			if (s == wo.AwaitingCallback || s == wo.Closed) && (r == wo.RoleSupervisor || r == wo.RoleManager) {
				want = append(want, "reclassify")
			}
			p, err := f.svc.Page(f.ctx, f.actor(matrixUser[r]), o.ID)
			if err != nil {
				if r == wo.RoleTechnician && s.Open() && len(want) > 0 {
					t.Errorf("%s/%s: %v", s, r, err)
				}
				continue
			}
			if strings.Join(p.Actions, ",") != strings.Join(want, ",") {
				t.Errorf("%s as %s: page offers %v, the service accepts %v", s, r, p.Actions, want)
			}
		}
	}
}
