package server_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fieldday"
	"github.com/aftersales/aftersales/internal/loaner"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/aftersales/aftersales/internal/tools"
	"github.com/aftersales/aftersales/web/views"
)

// sameValue reports where a and b differ (empty when they do not): times by the instant
// (the driver and JSON give the same instant in different zones), pointers by what they
// point to, slices element by element with nil and empty told apart.
func sameValue(a, b reflect.Value, path string) string {
	if a.Type() == reflect.TypeFor[time.Time]() {
		if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
			return fmt.Sprintf("%s: %v != %v", path, a.Interface(), b.Interface())
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil on one side only"
			}
			return ""
		}
		return sameValue(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d items (nil %v) != %d items (nil %v)", path, a.Len(), a.IsNil(), b.Len(), b.IsNil())
		}
		for i := range a.Len() {
			if d := sameValue(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Struct:
		for i := range a.NumField() {
			if d := sameValue(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	}
	if a.Interface() != b.Interface() {
		return fmt.Sprintf("%s: %v != %v", path, a.Interface(), b.Interface())
	}
	return ""
}

// The order page's field kit, read in the page's one statement (decoded from JSON), is
// what the tools, loaner and field-day services read with their own statements, for
// every demo order each office role and technician sees: ledger tools with their
// holders and calibration dates, the choices, loans with their dates, the departure
// check made or the kit to tick, and today's safety meeting with its attendees.
func TestOrderPageKitMergedSameAsServices(t *testing.T) {
	t.Parallel()
	pool := testkit.DemoDB(t)
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	clock := func() time.Time { return now }
	ts, ls, fd := tools.NewService(pool, clock, loc), loaner.NewService(pool, clock, loc), fieldday.NewService(pool, clock, loc)
	users := testkit.LoadUsers(t, pool)

	// Today's meeting held at the day's start, tech1 confirmed it: the technician's day
	// has a meeting with its attendees.
	sup := users.Actor("supervisor")
	l := now.In(loc)
	held := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	if _, err := fd.RecordMeeting(ctx, sup, fieldday.MeetingInput{HeldAt: held,
		Topic: "电气作业安全", Hazards: "带电检修", Measures: "断电挂牌上锁"}); err != nil {
		t.Fatal(err)
	}
	if err := fd.Confirm(ctx, users.Actor("tech1")); err != nil {
		t.Fatal(err)
	}

	var ids []int64
	rows, err := pool.Query(ctx, `SELECT o.id FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SH' ORDER BY o.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}

	seen := map[string]bool{}
	compare := func(a auth.Actor, name string, id int64) {
		t.Helper()
		var want views.FieldKit
		if want.Tools, err = ts.ForOrder(ctx, a, id); apperr.CodeOf(err) == apperr.NotFound {
			return
		} else if err != nil {
			t.Fatal(err)
		}
		if want.Loans, err = ls.ForOrder(ctx, a, id); err != nil {
			t.Fatal(err)
		}
		if want.Check, err = fd.ForOrder(ctx, a, id); err != nil {
			t.Fatal(err)
		}
		if want.Safety, err = fd.Today(ctx, a); err != nil {
			t.Fatal(err)
		}
		var got views.FieldKit
		m := &db.Merged{}
		ts.QueueForOrder(m, a, id, &got.Tools)
		ls.QueueForOrder(m, id, &got.Loans)
		fd.QueueForOrder(m, a, id, &got.Check)
		fd.QueueToday(m, a, &got.Safety)
		if err := m.Run(ctx, pool); err != nil {
			t.Fatal(err)
		}
		if d := sameValue(reflect.ValueOf(got), reflect.ValueOf(want), "kit"); d != "" {
			t.Errorf("%s, order %d: merged part differs from the service: %s", name, id, d)
		}
		for _, tl := range want.Tools.Tools {
			seen["tool"] = true
			seen["held"] = seen["held"] || tl.HeldByAssignee
			seen["calibration"] = seen["calibration"] || tl.CalibrationDue != nil
		}
		seen["choices"] = seen["choices"] || len(want.Tools.Choices) > 0
		for _, l := range want.Loans {
			seen["loan"] = true
			seen["returned"] = seen["returned"] || l.ReturnedOn != nil
		}
		seen["check"] = seen["check"] || want.Check.Done != nil
		seen["kit"] = seen["kit"] || len(want.Check.Kit) > 0
		seen["meeting"] = seen["meeting"] || (want.Safety.Meeting != nil && len(want.Safety.Meeting.Attendees) > 0)
	}
	names := []string{"supervisor", "manager", "hotline", "storekeeper", "tech1", "tech2"}
	for _, name := range names {
		for _, id := range ids {
			compare(users.Actor(name), name, id)
		}
	}
	// A loan brought back: its return day is a date on both sides.
	var loanID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM loaner_loans ORDER BY id LIMIT 1`).Scan(&loanID); err != nil {
		t.Fatalf("no demo loan: %v", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE loaner_loans SET returned_on = current_date, returned_at = now(), returned_by = lent_by,
		return_condition = '良好' WHERE id = $1`, loanID); err != nil {
		t.Fatal(err)
	}
	// The station's own kit list replaces the manual's.
	if err := fd.SetKit(ctx, sup, "工具\n万用表\n抹布"); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		for _, id := range ids {
			compare(users.Actor(name), name, id)
		}
	}
	for _, what := range []string{"tool", "held", "calibration", "choices", "loan", "returned", "check", "kit", "meeting"} {
		if !seen[what] {
			t.Errorf("no demo order showed %s: the comparison did not cover it", what)
		}
	}
}
