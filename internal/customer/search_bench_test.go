package customer_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5/pgxpool"
)

// seed100k adds 100,000 customers to the Shanghai station, each with a phone, an
// address and a unit, and computes their search text as the service does.
func seed100k(ctx context.Context, pool *pgxpool.Pool) error {
	if err := demo.SeedBase(ctx, pool); err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	stmts := []string{
		`INSERT INTO customers (station_id, name, contact_person, created_at, updated_at)
			SELECT (SELECT id FROM stations WHERE code = 'SH'), '客户' || g || (ARRAY['机械','电子','食品','纺织','化工'])[g % 5 + 1] || '有限公司',
				(ARRAY['王','李','张','刘','陈'])[g % 5 + 1] || '工', now(), now() FROM generate_series(1, 100000) g`,
		`INSERT INTO customer_phones (customer_id, raw, e164) SELECT id, '139 ' || lpad((id % 10000)::text, 4, '0') || ' ' || lpad((id / 10000)::text, 4, '0'),
			'+86139' || lpad((id % 10000)::text, 4, '0') || lpad((id / 10000)::text, 4, '0') FROM customers`,
		`INSERT INTO customer_addresses (customer_id, address) SELECT id, '上海市浦东新区' || (ARRAY['张杨路','金海路','川沙路'])[id % 3 + 1] || id || '号' FROM customers`,
		`INSERT INTO units (customer_id, model, serial) SELECT id, 'GA' || (id % 90), 'SN' || lpad(id::text, 8, '0') FROM customers`,
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	if err := customer.RefreshSearch(ctx, tx, nil); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	// As autovacuum would on a live table: merge the GIN index's pending list and
	// gather statistics. Without it every lookup scans 100k pending entries.
	_, err = pool.Exec(ctx, `VACUUM ANALYZE`)
	return err
}

// BenchmarkSearch100k measures the intake lookup over 100,000 customers for the kinds
// of input the hotline types: part of a phone, a full phone, a name, a serial.
func BenchmarkSearch100k(b *testing.B) {
	pool := testdb.Seeded(b, "100k", seed100k)
	ctx := context.Background()
	a := testkit.Actor(b, pool, "hotline")
	svc := customer.NewService(pool, time.Now, time.UTC)
	for _, q := range []struct{ name, q string }{
		{"phone-part", "1390042"}, {"phone-full", "139 0042 0007"}, {"name", "客户4242食品"}, {"serial", "SN00042424"}, {"typo-name", "客户4242食口有限"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				m, err := svc.Search(ctx, a, q.q, 8)
				if err != nil {
					b.Fatal(err)
				}
				if len(m) == 0 {
					b.Fatalf("%q found nothing", q.q)
				}
			}
		})
	}
}
