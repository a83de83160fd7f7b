package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/online"
	"github.com/aftersales/aftersales/internal/outbox"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoOnline shows the customers' side: every demo unit has its QR label (generation 1,
// printable from the unit page); a Shanghai customer reported a fault from a label two
// hours ago (channel 扫码, waiting on the board, with its progress link); the messages
// the demo orders put in the outbox went out through the log sender, and one resent
// progress link failed at the (fake) gateway, so the outbox page has a failure to show.
func demoOnline(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), loc *time.Location, now time.Time) error {
	clock := now.Add(-2 * time.Hour)
	tick := func() time.Time { return clock }
	orders := wo.NewService(pool, tick, loc)
	svc := online.NewService(pool, tick, loc, orders)
	hot, err := users("hotline")
	if err != nil {
		return err
	}
	var unitID int64
	if err := pool.QueryRow(ctx, `SELECT u.id FROM units u JOIN customers c ON c.id = u.customer_id
		WHERE c.station_id = $1 AND NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.unit_id = u.id) ORDER BY u.id LIMIT 1`, hot.StationID).Scan(&unitID); err != nil {
		return fmt.Errorf("demo qr unit: %w", err)
	}
	labels, err := svc.Labels(ctx, hot, []int64{unitID})
	if err != nil || len(labels) != 1 {
		return fmt.Errorf("demo label: %w", err)
	}
	rc, err := svc.Report(ctx, labels[0].Token, online.Report{Symptom: "扫码报修：机器运行时噪音明显变大，出口温度偏高", Name: "孙女士",
		Phone: "136 1111 2222", Preferred: "明天上午", Key: "demo-qr-report", Addr: "192.0.2.10"})
	if err != nil {
		return fmt.Errorf("demo qr report: %w", err)
	}
	box := outbox.NewService(pool, tick, func(context.Context, int64) (string, error) { return "http://localhost:8080/p/…", nil })
	quiet := outbox.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	clock = now
	for {
		n, err := box.SendDue(ctx, quiet)
		if err != nil {
			return fmt.Errorf("demo outbox: %w", err)
		}
		if n == 0 {
			break
		}
	}
	if err := svc.ResendProgress(ctx, hot, rc.OrderID); err != nil {
		return fmt.Errorf("demo resend: %w", err)
	}
	for i := 1; i <= outbox.MaxAttempts; i++ {
		if _, err := box.SendDue(ctx, gatewayDown{}); err != nil {
			return fmt.Errorf("demo outbox failure: %w", err)
		}
		clock = clock.Add(outbox.Backoff(i))
	}
	return nil
}

// gatewayDown is a sender whose gateway never answers.
type gatewayDown struct{}

func (gatewayDown) Send(context.Context, outbox.Message) error {
	return errors.New("gateway answered 503: service unavailable")
}
