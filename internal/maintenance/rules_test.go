package maintenance

import (
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNextDue(t *testing.T) {
	for _, c := range []struct {
		from   string
		months int
		want   string
	}{
		{"2025-03-15", 6, "2025-09-15"},
		{"2025-01-31", 1, "2025-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-11-30", 3, "2026-02-28"},
		{"2025-05-10", 12, "2026-05-10"},
	} {
		if got := NextDue(day(c.from), c.months).Format("2006-01-02"); got != c.want {
			t.Errorf("NextDue(%s, %d) = %s, want %s", c.from, c.months, got, c.want)
		}
	}
}

func TestDueWithin(t *testing.T) {
	today := day("2025-06-01")
	for _, c := range []struct {
		due  string
		days int
		want bool
	}{
		{"2025-06-15", 14, true},
		{"2025-06-16", 14, false},
		{"2025-05-01", 14, true},
		{"2025-06-01", 0, true},
		{"2025-06-02", 0, false},
	} {
		if got := DueWithin(day(c.due), today, c.days); got != c.want {
			t.Errorf("DueWithin(%s, %d) = %v", c.due, c.days, got)
		}
	}
	if !Overdue(day("2025-05-31"), today) || Overdue(today, today) {
		t.Error("Overdue")
	}
	if MonthEnd(today).Format("2006-01-02") != "2025-06-30" {
		t.Error("MonthEnd")
	}
}

func TestPlanInputValid(t *testing.T) {
	ok := PlanInput{CycleMonths: 6, NextDue: day("2025-07-01"), Checklist: "清洗滤网\n\n 检查制冷剂压力 "}
	if f := ok.Valid(); len(f) != 0 {
		t.Fatalf("valid plan refused: %v", f)
	}
	if got := SplitChecklist(ok.Checklist); len(got) != 2 || got[1] != "检查制冷剂压力" {
		t.Errorf("checklist: %q", got)
	}
	bad := PlanInput{CycleMonths: 0, Checklist: " \n ", Parts: strings.Repeat("件", 201)}
	f := bad.Valid()
	for k, v := range map[string]string{"cycle_months": "maint.field.cycle", "next_due": "maint.field.next_due",
		"checklist": "maint.field.checklist_required", "parts": "field.max.200"} {
		if f[k] != v {
			t.Errorf("%s: %q, want %q", k, f[k], v)
		}
	}
	many := PlanInput{CycleMonths: 61, NextDue: day("2025-07-01"), Checklist: strings.Repeat("项\n", 21)}
	if f := many.Valid(); f["checklist"] != "maint.field.checklist_many" || f["cycle_months"] == "" {
		t.Errorf("many: %v", f)
	}
}
