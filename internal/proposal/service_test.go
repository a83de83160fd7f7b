package proposal_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is a fresh copy of the demo base data with the service on a settable clock,
// the demo users and one customer of each station.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	clock *testkit.Clock
	svc   *proposal.Service
	users testkit.Users
	// sh and sz are customers of Shanghai and Suzhou.
	sh, sz int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Parallel()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, clock: clock,
		svc: proposal.NewService(pool, clock.Now, testkit.Shanghai), users: testkit.LoadUsers(t, pool)}
	f.sh = f.customerOf("SH")
	f.sz = f.customerOf("SZ")
	return f
}

func (f *fixture) customerOf(station string) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, `SELECT c.id FROM customers c JOIN stations s ON s.id = c.station_id WHERE s.code = $1 ORDER BY c.id LIMIT 1`, station).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) actor(name string) auth.Actor { return f.users.Actor(name) }

func (f *fixture) log(who string, customerID int64) proposal.Proposal {
	f.t.Helper()
	p, err := f.svc.Log(f.ctx, f.actor(who), proposal.NewProposal{CustomerID: customerID, Channel: "phone", Category: "product_quality", Content: "建议在机组上加装远程监控模块"})
	if err != nil {
		f.t.Fatalf("log: %v", err)
	}
	return p
}

func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	return e
}

// TestLifecycle: logged → kept → adopted with an award, each decision told, every step
// in the timeline; the to-do flags follow.
func TestProposalLifecycle(t *testing.T) {
	f := newFixture(t)
	p := f.log("hotline", f.sh)
	if !strings.HasPrefix(p.Number, "TA20261123-") || p.State != proposal.Logged || p.Version != 1 || p.YearCount != 1 {
		t.Fatalf("logged %+v", p)
	}
	sup := f.actor("supervisor")
	page, err := f.svc.Page(f.ctx, sup, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (proposal.Can{Adopt: true, Reject: true, Keep: true}); page.Can != want {
		t.Errorf("supervisor may %+v, want %+v", page.Can, want)
	}
	if !page.KeepLimit.Equal(time.Date(2027, 1, 23, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("keep limit %s", page.KeepLimit)
	}
	hp, _ := f.svc.Page(f.ctx, f.actor("hotline"), p.ID)
	if hp.Can.Any() {
		t.Errorf("hotline may %+v on a logged proposal", hp.Can)
	}
	p, err = f.svc.Keep(f.ctx, sup, p.ID, p.Version, proposal.Keeping{Reason: "需与研发部评估可行性"})
	if err != nil {
		t.Fatal(err)
	}
	if p.State != proposal.Kept || p.ReviewOn == nil || p.ReviewOn.Format(time.DateOnly) != "2027-01-23" || !p.ToTell() {
		t.Fatalf("kept %+v", p)
	}
	p, err = f.svc.Tell(f.ctx, f.actor("hotline"), p.ID, p.Version, proposal.Notice{Via: "phone", Note: "已电话说明需研究"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ToTell() || p.ToldVia != "phone" || p.ToldByName == "" {
		t.Fatalf("told %+v", p)
	}
	if _, err := f.svc.Tell(f.ctx, f.actor("hotline"), p.ID, p.Version, proposal.Notice{Via: "sms"}); err == nil {
		t.Fatal("told twice")
	} else {
		wantCode(t, err, apperr.IllegalTransition)
	}
	levels, err := f.svc.AwardLevels(f.ctx, f.actor("manager"))
	if err != nil || len(levels) != 4 {
		t.Fatalf("levels %v %v", levels, err)
	}
	eff := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err = f.svc.Adopt(f.ctx, f.actor("manager"), p.ID, p.Version, proposal.Adoption{Department: "研发部", Measures: "新机型标配远程监控", EffectiveOn: eff, AwardLevelID: levels[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if p.State != proposal.Adopted || p.AwardName != levels[1].Name || p.AwardFen == nil || *p.AwardFen != levels[1].AmountFen || !p.ToTell() || p.DecidedByName != "王建国" {
		t.Fatalf("adopted %+v", p)
	}
	page, err = f.svc.Page(f.ctx, f.actor("hotline"), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (proposal.Can{Tell: true}); page.Can != want {
		t.Errorf("hotline may %+v after adoption", page.Can)
	}
	var kinds []string
	for _, e := range page.Events {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, ","); got != "log,keep,tell,adopt" {
		t.Errorf("timeline %s", got)
	}
	if page.Events[3].Str("award_name") != levels[1].Name || page.Events[0].FromState != nil || *page.Events[3].FromState != proposal.Kept {
		t.Errorf("adopt event %+v", page.Events[3])
	}
	// A renamed level leaves the award as granted.
	if _, err := f.svc.SaveAwardLevel(f.ctx, f.actor("manager"), proposal.LevelInput{ID: levels[1].ID, Name: "优秀奖", AmountFen: 600000}); err != nil {
		t.Fatal(err)
	}
	again, _ := f.svc.ByID(f.ctx, f.actor("manager"), p.ID)
	if again.AwardName != levels[1].Name || *again.AwardFen != levels[1].AmountFen {
		t.Errorf("award changed with its level: %s %d", again.AwardName, *again.AwardFen)
	}
}

// TestScope: another station's user, technicians and storekeepers get NotFound or
// Forbidden and see nothing in lists; the centre's manager sees both stations.
func TestProposalScope(t *testing.T) {
	f := newFixture(t)
	p := f.log("hotline", f.sh)
	for _, who := range []string{"sz.hotline", "sz.supervisor", "tech1", "storekeeper", "admin"} {
		if _, err := f.svc.Page(f.ctx, f.actor(who), p.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%s opens another station's proposal: %v", who, err)
		}
	}
	if _, err := f.svc.Adopt(f.ctx, f.actor("sz.supervisor"), p.ID, p.Version, proposal.Adoption{Department: "x", Measures: "y", EffectiveOn: testkit.Start}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another station decides: %v", err)
	}
	if _, err := f.svc.Tell(f.ctx, f.actor("sz.hotline"), p.ID, p.Version, proposal.Notice{Via: "phone"}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another station tells: %v", err)
	}
	// Logging for another station's customer is refused as a field message.
	_, err := f.svc.Log(f.ctx, f.actor("sz.hotline"), proposal.NewProposal{CustomerID: f.sh, Channel: "phone", Category: "other", Content: "x"})
	if e := wantCode(t, err, apperr.Invalid); e.Fields["customer_id"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	if _, err := f.svc.Log(f.ctx, f.actor("tech1"), proposal.NewProposal{CustomerID: f.sh, Channel: "phone", Category: "other", Content: "x"}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician logs: %v", err)
	}
	if _, err := f.svc.List(f.ctx, f.actor("tech1"), proposal.Filter{}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician lists: %v", err)
	}
	lp, err := f.svc.List(f.ctx, f.actor("sz.supervisor"), proposal.Filter{})
	if err != nil || len(lp.Proposals) != 0 {
		t.Errorf("Suzhou lists %d, %v", len(lp.Proposals), err)
	}
	f.log("sz.hotline", f.sz)
	lp, err = f.svc.List(f.ctx, f.actor("manager"), proposal.Filter{})
	if err != nil || len(lp.Proposals) != 2 || len(lp.Stations) < 2 {
		t.Errorf("manager lists %d (stations %d), %v", len(lp.Proposals), len(lp.Stations), err)
	}
	if _, err := f.svc.List(f.ctx, f.actor("hotline"), proposal.Filter{StationID: lp.Proposals[0].StationID + 1000}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown station filter: %v", err)
	}
	c, err := f.svc.HomeCounts(f.ctx, f.actor("sz.supervisor"))
	if err != nil || c.Due != 1 {
		t.Errorf("Suzhou counts %+v %v", c, err)
	}
	if c, _ := f.svc.HomeCounts(f.ctx, f.actor("tech1")); c != (proposal.Counts{}) {
		t.Errorf("technician counts %+v", c)
	}
	if ps, err := f.svc.OfCustomer(f.ctx, f.actor("sz.hotline"), f.sh); err != nil || len(ps) != 0 {
		t.Errorf("another station's customer's proposals: %d %v", len(ps), err)
	}
}

// TestKeepLimit: a review date beyond two months is refused with its message and
// nothing changes; exactly two months is accepted.
func TestProposalKeepLimit(t *testing.T) {
	f := newFixture(t)
	p := f.log("hotline", f.sh)
	events := f.count("proposal_events")
	late := time.Date(2027, 1, 24, 0, 0, 0, 0, time.UTC)
	_, err := f.svc.Keep(f.ctx, f.actor("supervisor"), p.ID, p.Version, proposal.Keeping{Reason: "研究", ReviewOn: late})
	if e := wantCode(t, err, apperr.Invalid); e.Fields["review_on"] != "proposal.field.review_limit" {
		t.Errorf("fields %v", e.Fields)
	}
	if _, err := f.svc.Keep(f.ctx, f.actor("supervisor"), p.ID, p.Version, proposal.Keeping{Reason: "研究", ReviewOn: testkit.Start.AddDate(0, 0, -1)}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("review in the past: %v", err)
	}
	if f.count("proposal_events") != events {
		t.Error("a refused keep wrote an event")
	}
	got, _ := f.svc.ByID(f.ctx, f.actor("supervisor"), p.ID)
	if got.State != proposal.Logged || got.Version != p.Version {
		t.Errorf("refused keep changed %+v", got)
	}
	p, err = f.svc.Keep(f.ctx, f.actor("supervisor"), p.ID, p.Version, proposal.Keeping{Reason: "研究", ReviewOn: late.AddDate(0, 0, -1)})
	if err != nil || p.State != proposal.Kept {
		t.Fatalf("keep at the limit: %v", err)
	}
	// A kept proposal is not kept again.
	if _, err := f.svc.Keep(f.ctx, f.actor("supervisor"), p.ID, p.Version, proposal.Keeping{Reason: "再研究"}); apperr.CodeOf(err) != apperr.IllegalTransition {
		t.Errorf("kept twice: %v", err)
	}
}

// TestKeptOverdue: with the clock moved on, a kept proposal comes back on the due list
// seven days before its review date and shows overdue after it.
func TestProposalKeptOverdue(t *testing.T) {
	f := newFixture(t)
	sup := f.actor("supervisor")
	p := f.log("hotline", f.sh)
	p, err := f.svc.Keep(f.ctx, sup, p.ID, p.Version, proposal.Keeping{Reason: "研究"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Tell(f.ctx, f.actor("hotline"), p.ID, p.Version, proposal.Notice{Via: "email"}); err != nil {
		t.Fatal(err)
	}
	due := func() (int, bool, bool) {
		t.Helper()
		lp, err := f.svc.List(f.ctx, sup, proposal.Filter{Due: true})
		if err != nil {
			t.Fatal(err)
		}
		pg, err := f.svc.Page(f.ctx, sup, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.HomeCounts(f.ctx, sup)
		if err != nil || c.Due != len(lp.Proposals) {
			t.Errorf("counts %+v vs due list %d: %v", c, len(lp.Proposals), err)
		}
		return len(lp.Proposals), pg.Due(pg.Today), pg.Overdue(pg.Today)
	}
	if n, d, o := due(); n != 0 || d || o {
		t.Errorf("just kept: listed %d due %v overdue %v", n, d, o)
	}
	// Review date 2027-01-23: due from 2027-01-16, overdue from 2027-01-24 (Shanghai).
	f.clock.Set(time.Date(2027, 1, 15, 23, 0, 0, 0, testkit.Shanghai))
	if n, d, _ := due(); n != 0 || d {
		t.Errorf("eight days before: listed %d due %v", n, d)
	}
	f.clock.Set(time.Date(2027, 1, 16, 8, 0, 0, 0, testkit.Shanghai))
	if n, d, o := due(); n != 1 || !d || o {
		t.Errorf("seven days before: listed %d due %v overdue %v", n, d, o)
	}
	f.clock.Set(time.Date(2027, 1, 24, 0, 30, 0, 0, testkit.Shanghai))
	if n, d, o := due(); n != 1 || !d || !o {
		t.Errorf("after two months: listed %d due %v overdue %v", n, d, o)
	}
	// Decided later: off the due list, on the to-tell list.
	p, _ = f.svc.ByID(f.ctx, sup, p.ID)
	if _, err := f.svc.Reject(f.ctx, sup, p.ID, p.Version, "成本过高"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := due(); n != 0 {
		t.Errorf("decided, still due")
	}
	lp, _ := f.svc.List(f.ctx, sup, proposal.Filter{ToTell: true})
	if len(lp.Proposals) != 1 || lp.Proposals[0].State != proposal.Rejected {
		t.Errorf("to-tell list %+v", lp.Proposals)
	}
	if c, _ := f.svc.HomeCounts(f.ctx, sup); c.ToTell != 1 {
		t.Errorf("to tell %d, want 1", c.ToTell)
	}
}

// TestAwardLevels: an award must be an active level; levels stay within 1 000–50 000 元.
func TestProposalAwardLevels(t *testing.T) {
	f := newFixture(t)
	mgr := f.actor("manager")
	p := f.log("hotline", f.sh)
	adopt := func(level int64) error {
		_, err := f.svc.Adopt(f.ctx, mgr, p.ID, p.Version, proposal.Adoption{Department: "销售部", Measures: "改进包装", EffectiveOn: testkit.Start, AwardLevelID: level})
		return err
	}
	if e := wantCode(t, adopt(987654), apperr.Invalid); e.Fields["award_level"] == "" {
		t.Errorf("unknown level: %v", e.Fields)
	}
	levels, _ := f.svc.AwardLevels(f.ctx, mgr)
	if err := f.svc.SetAwardLevelActive(f.ctx, mgr, levels[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if e := wantCode(t, adopt(levels[0].ID), apperr.Invalid); e.Fields["award_level"] == "" {
		t.Errorf("inactive level: %v", e.Fields)
	}
	for _, fen := range []int64{99_999, 5_000_001, 0, -100000} {
		_, err := f.svc.SaveAwardLevel(f.ctx, mgr, proposal.LevelInput{Name: "新奖", AmountFen: fen})
		if e := wantCode(t, err, apperr.Invalid); e.Fields["amount"] != "proposal.field.award_range" {
			t.Errorf("amount %d: %v", fen, e.Fields)
		}
	}
	if _, err := f.svc.SaveAwardLevel(f.ctx, mgr, proposal.LevelInput{Name: "一等奖", AmountFen: 300000}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := f.svc.SaveAwardLevel(f.ctx, f.actor("supervisor"), proposal.LevelInput{Name: "x", AmountFen: 300000}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("supervisor saves a level: %v", err)
	}
	l, err := f.svc.SaveAwardLevel(f.ctx, mgr, proposal.LevelInput{Name: "鼓励奖", AmountFen: 100000})
	if err != nil || l.ID == 0 || !l.Active {
		t.Fatalf("new level %+v %v", l, err)
	}
	if err := adopt(l.ID); err != nil {
		t.Fatal(err)
	}
}

// TestCertificate: the tenth proposal of a customer in a calendar year marks them for a
// certificate; last year's do not count.
func TestProposalCertificate(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(time.Date(2025, 12, 31, 12, 0, 0, 0, testkit.Shanghai))
	f.log("hotline", f.sh)
	f.clock.Set(testkit.Start)
	var p proposal.Proposal
	for i := 1; i <= 10; i++ {
		p = f.log("hotline", f.sh)
		if p.Certificate() != (i >= 10) || p.YearCount != i {
			t.Fatalf("proposal %d: count %d certificate %v", i, p.YearCount, p.Certificate())
		}
	}
	lp, err := f.svc.List(f.ctx, f.actor("hotline"), proposal.Filter{Limit: 3})
	if err != nil || len(lp.Proposals) != 3 || lp.Next == "" || !lp.Proposals[2].Certificate() {
		t.Fatalf("list %d next %q %v", len(lp.Proposals), lp.Next, err)
	}
	// Keyset pagination walks every proposal once.
	seen := map[int64]bool{}
	filter := proposal.Filter{Limit: 3}
	for {
		lp, err := f.svc.List(f.ctx, f.actor("hotline"), filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range lp.Proposals {
			if seen[q.ID] {
				t.Fatalf("%s twice", q.Number)
			}
			seen[q.ID] = true
		}
		if lp.Next == "" {
			break
		}
		filter.After = lp.Next
	}
	if len(seen) != 11 {
		t.Errorf("walked %d proposals, want 11", len(seen))
	}
	if lp, _ := f.svc.List(f.ctx, f.actor("hotline"), proposal.Filter{Text: p.Number}); len(lp.Proposals) != 1 {
		t.Errorf("search by number: %d", len(lp.Proposals))
	}
	if lp, _ := f.svc.List(f.ctx, f.actor("hotline"), proposal.Filter{Text: "远程监控"}); len(lp.Proposals) != 11 {
		t.Errorf("search by content: %d", len(lp.Proposals))
	}
	if _, err := f.svc.List(f.ctx, f.actor("hotline"), proposal.Filter{After: "bad"}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad cursor: %v", err)
	}
}

// TestBadInput: missing category, empty content, over-long text, bad adoption and
// notice come back as field messages, and nothing is written.
func TestProposalBadInput(t *testing.T) {
	f := newFixture(t)
	before := f.count("proposals")
	cases := []struct {
		in    proposal.NewProposal
		field string
		key   string
	}{
		{proposal.NewProposal{CustomerID: f.sh, Channel: "phone", Content: "建议"}, "category", "proposal.field.category"},
		{proposal.NewProposal{CustomerID: f.sh, Channel: "phone", Category: "bogus", Content: "建议"}, "category", "proposal.field.category"},
		{proposal.NewProposal{CustomerID: f.sh, Channel: "phone", Category: "other", Content: "  \n "}, "content", "field.required"},
		{proposal.NewProposal{CustomerID: f.sh, Channel: "phone", Category: "other", Content: strings.Repeat("长", proposal.MaxContent+1)}, "content", "field.max.2000"},
		{proposal.NewProposal{CustomerID: f.sh, Channel: "fax", Category: "other", Content: "建议"}, "channel", "field.required"},
		{proposal.NewProposal{Channel: "phone", Category: "other", Content: "建议"}, "customer_id", "proposal.field.customer"},
		{proposal.NewProposal{CustomerID: 99999999, Channel: "phone", Category: "other", Content: "建议"}, "customer_id", "proposal.field.customer"},
	}
	for _, c := range cases {
		_, err := f.svc.Log(f.ctx, f.actor("hotline"), c.in)
		if e := wantCode(t, err, apperr.Invalid); e.Fields[c.field] != c.key {
			t.Errorf("%+v: fields %v, want %s=%s", c.in, e.Fields, c.field, c.key)
		}
	}
	if f.count("proposals") != before || f.count("proposal_counters") != 0 {
		t.Error("a refused proposal was written")
	}
	p := f.log("hotline", f.sh)
	events := f.count("proposal_events")
	_, err := f.svc.Adopt(f.ctx, f.actor("manager"), p.ID, p.Version, proposal.Adoption{Department: strings.Repeat("部", 101)})
	e := wantCode(t, err, apperr.Invalid)
	if e.Fields["department"] != "field.max.100" || e.Fields["measures"] != "field.required" || e.Fields["effective_on"] == "" {
		t.Errorf("adopt fields %v", e.Fields)
	}
	if _, err := f.svc.Keep(f.ctx, f.actor("manager"), p.ID, p.Version, proposal.Keeping{}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("keep without reason: %v", err)
	}
	if _, err := f.svc.Reject(f.ctx, f.actor("manager"), p.ID, p.Version, strings.Repeat("因", 501)); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("over-long reason: %v", err)
	}
	if f.count("proposal_events") != events {
		t.Error("a refused decision wrote an event")
	}
}

// TestStaleVersion: a decision on the version another user already changed is a Conflict.
func TestProposalStaleVersion(t *testing.T) {
	f := newFixture(t)
	p := f.log("hotline", f.sh)
	if _, err := f.svc.Reject(f.ctx, f.actor("supervisor"), p.ID, p.Version, ""); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Adopt(f.ctx, f.actor("manager"), p.ID, p.Version, proposal.Adoption{Department: "x", Measures: "y", EffectiveOn: testkit.Start})
	if e := wantCode(t, err, apperr.Conflict); e.Key != "proposal.error.stale" {
		t.Errorf("key %s", e.Key)
	}
}

// TestFormKey: the same form posted again (one after the other, or at once) takes
// effect once and returns the first result.
func TestProposalFormKey(t *testing.T) {
	f := newFixture(t)
	ctx := db.WithFormKey(f.ctx, "key-proposal-0001")
	in := proposal.NewProposal{CustomerID: f.sh, Channel: "letter", Category: "after_sales", Content: "建议回访时间改为下午"}
	var wg sync.WaitGroup
	got := make([]proposal.Proposal, 3)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.svc.Log(ctx, f.actor("hotline"), in)
			if err != nil {
				t.Error(err)
			}
			got[i] = p
		}()
	}
	wg.Wait()
	if got[0].ID == 0 || got[1].ID != got[0].ID || got[2].ID != got[0].ID || f.count("proposals") != 1 {
		t.Fatalf("three posts made %d, %d, %d (%d rows)", got[0].ID, got[1].ID, got[2].ID, f.count("proposals"))
	}
	p := got[0]
	tell := db.WithFormKey(f.ctx, "key-proposal-0002")
	r1, err := f.svc.Reject(tell, f.actor("supervisor"), p.ID, p.Version, "谢谢")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.svc.Reject(tell, f.actor("supervisor"), p.ID, p.Version, "谢谢")
	if err != nil || r2.Version != r1.Version || r2.State != proposal.Rejected {
		t.Fatalf("repeated reject: %+v %v", r2, err)
	}
	if n := f.count("proposal_events"); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
}
