package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/fieldday"
	"github.com/aftersales/aftersales/internal/loaner"
	"github.com/aftersales/aftersales/internal/tools"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoFieldKit fills the Shanghai station's field kit: a tools ledger with one measuring
// instrument due for calibration soon, one overdue and a wrench lent to tech1 for an open
// job that names it; three loaners, one lent to a customer whose unit is in the workshop;
// a month of safety meetings (a few days missed, today's still to hold) confirmed by the
// technicians; and a job that left with a missing item.
func demoFieldKit(ctx context.Context, pool *pgxpool.Pool, users func(string) (auth.Actor, error), now time.Time, loc *time.Location) error {
	keeper, err := users("storekeeper")
	if err != nil {
		return err
	}
	sup, err := users("supervisor")
	if err != nil {
		return err
	}
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ts := tools.NewService(pool, clock, loc)
	ids := map[string]int64{}
	for _, t := range []tools.NewTool{
		{Number: "JL-001", Name: "数字压力表", Spec: "0–4 MPa", Kind: tools.KindInstrument, Location: "工具柜 A1", CalibrationDays: 180, CalibratedOn: today.AddDate(0, 0, -170)},
		{Number: "JL-002", Name: "钳形电流表", Spec: "600 A", Kind: tools.KindInstrument, Location: "工具柜 A2", CalibrationDays: 365, CalibratedOn: today.AddDate(0, 0, -380)},
		{Number: "JL-003", Name: "红外测温仪", Spec: "-50–550 ℃", Kind: tools.KindInstrument, Location: "工具柜 A3", CalibrationDays: 365, CalibratedOn: today.AddDate(0, -2, 0)},
		{Number: "GJ-001", Name: "常规工具箱", Kind: tools.KindTool, Location: "工具柜 B1"},
		{Number: "GJ-002", Name: "扭力扳手", Spec: "20–200 N·m", Kind: tools.KindTool, Location: "工具柜 B2"},
		{Number: "SB-001", Name: "真空泵", Spec: "2 L/s", Kind: tools.KindEquipment, Location: "库房 C"},
		{Number: "GZ-001", Name: "机头吊装工装", Kind: tools.KindFixture, Location: "库房 C"},
	} {
		id, err := ts.Add(ctx, keeper, t)
		if err != nil {
			return fmt.Errorf("demo tool %s: %w", t.Number, err)
		}
		ids[t.Number] = id
	}
	tech1, err := users("tech1")
	if err != nil {
		return err
	}
	// tech1's open job names the wrench (lent to them) and the pressure gauge (in store).
	var jobID int64
	var jobNumber string
	if err := pool.QueryRow(ctx, `SELECT id, number FROM work_orders WHERE assignee_id = $1 AND state IN ('scheduled', 'dispatched', 'in_progress')
		ORDER BY id LIMIT 1`, tech1.UserID).Scan(&jobID, &jobNumber); err != nil {
		return fmt.Errorf("demo tools job: %w", err)
	}
	if err := ts.Lend(ctx, keeper, ids["GJ-002"], tech1.UserID, jobNumber, ""); err != nil {
		return fmt.Errorf("demo lend: %w", err)
	}
	if err := ts.SetOrderTools(ctx, sup, jobID, []int64{ids["GJ-002"], ids["JL-001"]}); err != nil {
		return fmt.Errorf("demo order tools: %w", err)
	}
	if _, err := ts.CountTools(ctx, keeper, map[int64]bool{ids["JL-001"]: true, ids["JL-002"]: true, ids["JL-003"]: true, ids["GJ-001"]: true,
		ids["GJ-002"]: true, ids["SB-001"]: true, ids["GZ-001"]: true}, nil, ""); err != nil {
		return fmt.Errorf("demo tool count: %w", err)
	}

	ls := loaner.NewService(pool, clock, loc)
	var first int64
	for i, u := range []loaner.NewLoaner{{Model: "BK-15 螺杆空压机", Serial: "BJ-0001", Condition: "良好"},
		{Model: "BK-15 螺杆空压机", Serial: "BJ-0002", Condition: "良好"}, {Model: "BK-7.5 螺杆空压机", Serial: "BJ-0003", Condition: "外壳轻微划痕"}} {
		id, err := ls.Add(ctx, keeper, u)
		if err != nil {
			return fmt.Errorf("demo loaner: %w", err)
		}
		if i == 0 {
			first = id
		}
	}
	var loanOrder string
	if err := pool.QueryRow(ctx, `SELECT o.number FROM work_orders o JOIN stations s ON s.id = o.station_id WHERE s.code = 'SH'
		AND o.state NOT IN ('closed', 'cancelled') ORDER BY (o.state = 'in_workshop') DESC, o.loaner_needed DESC, o.id LIMIT 1`).Scan(&loanOrder); err != nil {
		return fmt.Errorf("demo loaner order: %w", err)
	}
	if err := ls.Lend(ctx, keeper, first, loaner.LoanInput{OrderNumber: loanOrder, LentOn: today.AddDate(0, 0, -3), ExpectedReturn: today.AddDate(0, 0, 4)}); err != nil {
		return fmt.Errorf("demo loan: %w", err)
	}

	// A month of safety meetings: each day but Sundays, two days missed, today to hold.
	topics := []struct{ topic, hazards, measures string }{
		{"高处作业安全", "登高检修机组、梯子滑倒", "系安全带，梯子有人扶，工具袋防坠"},
		{"电气作业安全", "带电检修、接线端子触电", "断电挂牌上锁，验电后作业"},
		{"压力容器与管路", "储气罐、管路带压拆卸", "泄压至零后再拆，佩戴护目镜"},
		{"高温部件", "排气管、机头表面高温烫伤", "停机冷却，戴隔热手套"},
		{"交通安全", "驾车赶往现场、疲劳驾驶", "不超速，连续驾驶不超过 2 小时"},
	}
	techs := []string{"tech1", "tech2"}
	for d := 30; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		if day.Weekday() == time.Sunday || d == 6 || d == 17 {
			continue
		}
		held := time.Date(day.Year(), day.Month(), day.Day(), 8, 15, 0, 0, loc)
		fd := fieldday.NewService(pool, func() time.Time { return held.Add(10 * time.Minute) }, loc)
		t := topics[d%len(topics)]
		if _, err := fd.RecordMeeting(ctx, sup, fieldday.MeetingInput{HeldAt: held, Topic: t.topic, Hazards: t.hazards, Measures: t.measures}); err != nil {
			return fmt.Errorf("demo safety meeting: %w", err)
		}
		for i, name := range techs {
			if d%7 == 3 && i == 1 {
				continue // tech2 missed one meeting a week
			}
			a, err := users(name)
			if err != nil {
				return err
			}
			if err := fd.Confirm(ctx, a); err != nil {
				return fmt.Errorf("demo attendance: %w", err)
			}
		}
	}
	// A job of tech2 that left without the rag.
	_, err = pool.Exec(ctx, `INSERT INTO departure_checks (order_id, technician_id, checked_at, items, missing, note)
		SELECT o.id, o.assignee_id, COALESCE(o.arrived_at, $1) - interval '40 minutes', $2, ARRAY['抹布'], '出门匆忙，现场向客户借用'
		FROM work_orders o JOIN users u ON u.id = o.assignee_id WHERE u.username = 'tech2' AND o.arrived_at IS NOT NULL
		ORDER BY o.arrived_at DESC LIMIT 1`, now, fieldday.DefaultKit)
	return err
}
