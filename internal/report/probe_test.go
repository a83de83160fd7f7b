package report

import (
	"context"
	"github.com/aftersales/aftersales/internal/workorder"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/testkit"
)

func TestProbe(t *testing.T) {
	url := os.Getenv("PROBE_DB")
	if url == "" {
		t.Skip()
	}
	ctx := context.Background()
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	a := testkit.Actor(t, pool, os.Getenv("PROBE_USER"))
	_ = auth.Actor{}
	now := time.Now()
	st := &store{pool: pool, actor: a, now: now, loc: testkit.Shanghai}
	p := PeriodOf(Year, time.Date(2025, 6, 1, 0, 0, 0, 0, testkit.Shanghai), testkit.Shanghai)
	sel := a.Stations
	t.Logf("stations %d", len(sel))
	tm := func(name string, f func() error) {
		t0 := time.Now()
		err := f()
		t.Logf("%-12s %v %v", name, time.Since(t0), err)
	}
	if os.Getenv("PROBE_SQL") != "" {
		q := st.query(sel, p)
		ckey, cby := group("c.station_id")
		sqls := map[string]string{
			"orders":   `SELECT count(*) FROM work_orders o WHERE ` + q.in("o.created_at") + ` AND ` + q.Scope(),
			"firstfix": `SELECT count(*), count(*) FILTER (WHERE ` + firstFix + `) FROM work_orders o WHERE ` + q.in("o.completed_at") + ` AND ` + q.Scope(),
			"cycles":   workorder.CallbackCyclesSQL(q.from, q.to, q.now, q.Scope()) + ` SELECT ` + ckey + `, count(*) FROM cycles c` + cby,
		}
		for name, sql := range sqls {
			t0 := time.Now()
			rows, err := pool.Query(ctx, os.Getenv("PROBE_EXPLAIN")+" "+sql, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var l string
				rows.Scan(&l)
				plan = append(plan, l)
			}
			t.Logf("%s %v\n%s", name, time.Since(t0), strings.Join(plan, "\n"))
		}
		return
	}
	tm("figures", func() error { _, err := st.figures(ctx, sel, p); return err })
	tm("technicians", func() error { _, err := st.technicians(ctx, sel, p); return err })
	tm("parts", func() error { _, err := st.parts(ctx, sel, p); return err })
	tm("money", func() error { _, err := st.money(ctx, sel, p); return err })
	svc := NewService(pool, time.Now, testkit.Shanghai)
	tm("breakdown", func() error { _, err := st.breakdown(ctx, sel, p); return err })
	_ = svc
	tm("trend", func() error { _, err := st.trend(ctx, sel, TrendBuckets(p)); return err })
}
