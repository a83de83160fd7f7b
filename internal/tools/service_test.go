package tools_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/tools"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	clock *testkit.Clock
	svc   *tools.Service
	users testkit.Users
	keys  int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Parallel()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	return &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock,
		svc: tools.NewService(pool, clock.Now, testkit.Shanghai), users: testkit.LoadUsers(t, pool)}
}

func (f *fixture) key() context.Context {
	f.keys++
	return db.WithFormKey(f.ctx, fmt.Sprintf("tools-test-%04d", f.keys))
}

func (f *fixture) add(in tools.NewTool) int64 {
	f.t.Helper()
	id, err := f.svc.Add(f.key(), f.users.Actor("storekeeper"), in)
	if err != nil {
		f.t.Fatalf("add %s: %v", in.Number, err)
	}
	return id
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func TestLendingAnOverdueInstrumentIsRefusedAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	// Calibrated 2025-11-01 on a 365-day cycle: due 2026-11-01, before the clock's 2026-11-23.
	id := f.add(tools.NewTool{Number: "JL-001", Name: "压力表", Kind: tools.KindInstrument, CalibrationDays: 365, CalibratedOn: day("2025-11-01")})
	before := f.count(`SELECT count(*) FROM tool_movements WHERE tool_id = $1`, id)
	err := f.svc.Lend(f.key(), f.users.Actor("storekeeper"), id, f.users.Actor("tech1").UserID, "", "")
	if e := apperr.As(err); e.Code != apperr.Conflict || e.Key != "tool.error.calibration_overdue" || e.Data["Due"] != "2026-11-01" {
		t.Fatalf("lend of an overdue instrument: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM tool_movements WHERE tool_id = $1`, id); n != before {
		t.Errorf("movements %d after a refused lend, want %d", n, before)
	}
	if n := f.count(`SELECT count(*) FROM tools WHERE id = $1 AND state = 'store' AND holder_id IS NULL`, id); n != 1 {
		t.Error("the refused lend changed the tool")
	}
	p, err := f.svc.Page(f.ctx, f.users.Actor("storekeeper"), id)
	if err != nil || p.Can.Lend || !p.Tool.Overdue {
		t.Errorf("page offers lending an overdue tool: %+v %v", p.Can, err)
	}
	// The calibration-due list holds it; after a calibration it is lendable again.
	l, err := f.svc.Ledger(f.ctx, f.users.Actor("storekeeper"))
	if err != nil || len(l.Due) != 1 || l.Due[0].ID != id {
		t.Fatalf("due list %+v %v", l.Due, err)
	}
	if err := f.svc.Calibrate(f.key(), f.users.Actor("storekeeper"), id, day("2026-11-20"), &tools.Upload{Name: "证书.pdf", Data: []byte("%PDF-1.4\n%cert\n")}, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Lend(f.key(), f.users.Actor("storekeeper"), id, f.users.Actor("tech1").UserID, "", ""); err != nil {
		t.Fatalf("lend after calibration: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM tool_certificates WHERE tool_id = $1 AND content_type = 'application/pdf'`, id); n != 1 {
		t.Errorf("certificates %d", n)
	}
	// A certificate that is neither a PDF nor an image is refused.
	err = f.svc.Calibrate(f.key(), f.users.Actor("storekeeper"), id, day("2026-11-20"), &tools.Upload{Name: "x.txt", Data: []byte("hello")}, "")
	if e := apperr.As(err); e.Fields["document"] != "attach.not_document" {
		t.Errorf("text certificate: %v", err)
	}
}

func TestCalibrationDueListLooksLeadDaysAhead(t *testing.T) {
	f := newFixture(t)
	// Due 2026-12-13: 20 days after the clock's day.
	id := f.add(tools.NewTool{Number: "JL-002", Name: "万用表", Kind: tools.KindInstrument, CalibrationDays: 30, CalibratedOn: day("2026-11-13")})
	f.add(tools.NewTool{Number: "GJ-001", Name: "扳手套装", Kind: tools.KindTool})
	sk := f.users.Actor("storekeeper")
	l, _ := f.svc.Ledger(f.ctx, sk)
	if len(l.Due) != 1 || l.Due[0].ID != id || !l.Due[0].DueSoon || l.LeadDays != tools.DefaultLeadDays {
		t.Fatalf("default lead: %+v", l.Due)
	}
	if err := f.svc.SetLeadDays(f.ctx, sk, 10); err != nil {
		t.Fatal(err)
	}
	if l, _ = f.svc.Ledger(f.ctx, sk); len(l.Due) != 0 {
		t.Errorf("10 days ahead still lists %+v", l.Due)
	}
	if err := f.svc.SetLeadDays(f.ctx, sk, 0); apperr.As(err).Fields["lead_days"] == "" {
		t.Errorf("0 lead days: %v", err)
	}
}

func TestLendAndReturnMovementsBalance(t *testing.T) {
	f := newFixture(t)
	id := f.add(tools.NewTool{Number: "GJ-010", Name: "扭力扳手", Kind: tools.KindTool})
	sk, tech := f.users.Actor("storekeeper"), f.users.Actor("tech1")
	for i := 0; i < 3; i++ {
		if err := f.svc.Lend(f.key(), sk, id, tech.UserID, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Lend(f.key(), sk, id, tech.UserID, "", ""); apperr.As(err).Key != "tool.error.already_lent" {
			t.Fatalf("second lend: %v", err)
		}
		if err := f.svc.Return(f.key(), sk, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Return(f.key(), sk, id, ""); apperr.As(err).Key != "tool.error.not_lent" {
		t.Errorf("return of a tool in store: %v", err)
	}
	lends := f.count(`SELECT count(*) FROM tool_movements WHERE tool_id = $1 AND kind = 'lend'`, id)
	returns := f.count(`SELECT count(*) FROM tool_movements WHERE tool_id = $1 AND kind = 'return'`, id)
	if lends != 3 || returns != 3 || f.count(`SELECT count(*) FROM tools WHERE id = $1 AND state = 'store'`, id) != 1 {
		t.Errorf("lends %d returns %d", lends, returns)
	}
	// The movements are append-only.
	if _, err := f.pool.Exec(f.ctx, `DELETE FROM tool_movements WHERE tool_id = $1`, id); err == nil {
		t.Error("movements could be deleted")
	}
	// A technician may not lend; a repeated form lends once.
	if err := f.svc.Lend(f.ctx, tech, id, tech.UserID, "", ""); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician lends: %v", err)
	}
	k := f.key()
	if err := f.svc.Lend(k, sk, id, tech.UserID, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Lend(k, sk, id, tech.UserID, "", ""); err != nil {
		t.Errorf("repeated form: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM tool_movements WHERE tool_id = $1 AND kind = 'lend'`, id); n != 4 {
		t.Errorf("lends after a repeated form: %d", n)
	}
}

func TestConcurrentLendsOfOneToolOneWins(t *testing.T) {
	f := newFixture(t)
	id := f.add(tools.NewTool{Number: "SB-001", Name: "真空泵", Kind: tools.KindEquipment})
	sk := f.users.Actor("storekeeper")
	holders := []int64{f.users.Actor("tech1").UserID, f.users.Actor("tech2").UserID}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = f.svc.Lend(db.WithFormKey(f.ctx, fmt.Sprintf("concurrent-%02d", i)), sk, id, holders[i%2], "", "")
		}(i)
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case apperr.As(err).Key != "tool.error.already_lent":
			t.Errorf("loser's error: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d lends won, want 1", won)
	}
	if m := f.count(`SELECT count(*) FROM tool_movements WHERE tool_id = $1 AND kind = 'lend'`, id); m != 1 {
		t.Errorf("%d lend movements", m)
	}
}

func TestToolCountNeedsReasonForToolsNotSeen(t *testing.T) {
	f := newFixture(t)
	a := f.add(tools.NewTool{Number: "GJ-020", Name: "卡钳", Kind: tools.KindTool})
	b := f.add(tools.NewTool{Number: "GJ-021", Name: "拉马", Kind: tools.KindTool})
	sk := f.users.Actor("storekeeper")
	_, err := f.svc.CountTools(f.key(), sk, map[int64]bool{a: true}, nil, "")
	if apperr.As(err).Fields[fmt.Sprintf("reason-%d", b)] != "tool.field.reason" {
		t.Fatalf("count without a reason: %v", err)
	}
	if _, err := f.svc.CountTools(f.key(), sk, map[int64]bool{a: true}, map[int64]string{b: "借给外站未归还"}, ""); err != nil {
		t.Fatal(err)
	}
	cs, err := f.svc.Sheet(f.ctx, sk)
	if err != nil || len(cs.Past) != 1 || cs.Past[0].Missing != 1 || len(cs.Variance) != 1 || cs.Variance[0].Reason != "借给外站未归还" || cs.CountDue {
		t.Errorf("sheet %+v %v", cs, err)
	}
	f.clock.Advance(8 * 24 * time.Hour)
	if cs, _ = f.svc.Sheet(f.ctx, sk); !cs.CountDue {
		t.Error("a count a week old is not due again")
	}
}
