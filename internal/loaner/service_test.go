package loaner_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/loaner"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func TestLoanerLentAndReturnedOnAnOrderAndOverdueListed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testkit.BaseDB(t)
	clock := testkit.NewClock()
	users := testkit.LoadUsers(t, pool)
	orders := wo.NewService(pool, clock.Now, testkit.Shanghai)
	svc := loaner.NewService(pool, clock.Now, testkit.Shanghai)
	call := wo.NewOrder{Channel: "phone", Symptom: "机组不能启动", Urgency: "normal", ServiceType: "repair"}
	if err := pool.QueryRow(ctx, `SELECT c.id, u.id FROM customers c JOIN stations s ON s.id = c.station_id JOIN units u ON u.customer_id = c.id
		WHERE s.code = 'SH' ORDER BY c.id, u.id LIMIT 1`).Scan(&call.CustomerID, &call.UnitID); err != nil {
		t.Fatal(err)
	}
	o := testkit.OrderIn(t, orders, testkit.DemoRoute(users, call, clock.Now), wo.InProgress, false)
	sk, tech := users.Actor("storekeeper"), users.Actor("tech1")
	keys := 0
	key := func() context.Context {
		keys++
		return db.WithFormKey(ctx, fmt.Sprintf("loaner-test-%03d", keys))
	}
	id, err := svc.Add(key(), sk, loaner.NewLoaner{Model: "BK-15", Serial: "L-0001", Condition: "良好"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Add(key(), sk, loaner.NewLoaner{Model: "BK-15", Serial: "L-0001"}); apperr.As(err).Fields["serial"] != "loaner.field.serial_taken" {
		t.Errorf("same serial twice: %v", err)
	}
	// Expected back before it was lent: refused.
	if err := svc.Lend(key(), sk, id, loaner.LoanInput{OrderNumber: o.Number, LentOn: day("2026-11-23"), ExpectedReturn: day("2026-11-20")}); apperr.As(err).Fields["expected_return"] == "" {
		t.Errorf("backwards loan: %v", err)
	}
	if err := svc.Lend(key(), sk, id, loaner.LoanInput{OrderNumber: o.Number, LentOn: day("2026-11-23"), ExpectedReturn: day("2026-11-26")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Lend(key(), sk, id, loaner.LoanInput{OrderNumber: o.Number, LentOn: day("2026-11-23"), ExpectedReturn: day("2026-11-26")}); apperr.As(err).Key != "loaner.error.out" {
		t.Errorf("lending a loaner out: %v", err)
	}
	// The order's technician sees it on the order; it is out on the report.
	loans, err := svc.ForOrder(ctx, tech, o.ID)
	if err != nil || len(loans) != 1 || loans[0].Serial != "L-0001" || loans[0].ReturnedOn != nil {
		t.Fatalf("order's loans %+v %v", loans, err)
	}
	if out, _ := svc.Out(ctx, sk.Stations); len(out) != 1 || out[0].Overdue {
		t.Errorf("out %+v", out)
	}
	// Past the expected day it is overdue and listed.
	clock.Advance(4 * 24 * time.Hour)
	l, err := svc.List(ctx, sk)
	if err != nil || len(l.Overdue) != 1 || l.Overdue[0].OrderNumber != o.Number || l.Out != 1 {
		t.Fatalf("overdue %+v %v", l.Overdue, err)
	}
	if err := svc.Return(key(), sk, id, day("2026-11-27"), "外壳有划痕"); err != nil {
		t.Fatal(err)
	}
	if l, _ = svc.List(ctx, sk); len(l.Overdue) != 0 || l.Out != 0 || l.Loaners[0].Condition != "外壳有划痕" {
		t.Errorf("after return %+v", l)
	}
	loans, _ = svc.ForOrder(ctx, tech, o.ID)
	if len(loans) != 1 || loans[0].ReturnedOn == nil || loans[0].ReturnCondition != "外壳有划痕" {
		t.Errorf("returned loan on the order %+v", loans)
	}
	if err := svc.Return(key(), sk, id, day("2026-11-27"), "良好"); apperr.As(err).Key != "loaner.error.not_out" {
		t.Errorf("return twice: %v", err)
	}
	var events int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM loaner_events WHERE loaner_id = $1`, id).Scan(&events)
	if events != 3 {
		t.Errorf("events %d, want add, lend, return", events)
	}
	if _, err := svc.List(ctx, tech); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician lists loaners: %v", err)
	}
}
