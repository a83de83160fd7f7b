package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/fee"
	wo "github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoOrders drives orders through the real service into every state, spread over the
// last five days, so the lists, the board and the order pages have something to show.
func demoOrders(ctx context.Context, pool *pgxpool.Pool, authSvc *auth.Service, now time.Time) error {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("Asia/Shanghai", 8*3600)
	}
	clock := now.Add(-5 * 24 * time.Hour)
	svc := wo.NewService(pool, func() time.Time { return clock }, loc)
	fees := fee.NewService(pool, func() time.Time { return clock })
	actor := func(username string) (auth.Actor, error) {
		var id int64
		if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&id); err != nil {
			return auth.Actor{}, fmt.Errorf("demo user %s: %w", username, err)
		}
		return authSvc.ActorFor(ctx, id)
	}
	users := map[string]auth.Actor{}
	for _, u := range []string{"hotline", "supervisor", "tech1", "tech2", "sz.hotline", "sz.supervisor", "sz.tech"} {
		if users[u], err = actor(u); err != nil {
			return err
		}
	}
	type plan struct {
		state      wo.State
		sz         bool
		urgent     bool
		tech       string
		symptom    string
		workshop   bool
		unsureTest bool
		// settle: pay the fees while the order awaits its callback.
		settle bool
		// complex: assessed as a complex fault with an agreed completion time.
		complex bool
		// unreachable: the customer never answers the callback; a supervisor closes the
		// order and its unpaid fees stay as a receivable.
		unreachable bool
		// revisit: the customer was not satisfied at the callback; back to dispatch.
		revisit bool
		// class is the field class the technician picks at completion; reclassify, when
		// set, is the class a supervisor corrects it to afterwards.
		class, reclassify string
	}
	plans := []plan{
		{state: wo.Received, symptom: "空压机启动后跳闸", urgent: true},
		{state: wo.Received, symptom: "排气压力上不去，只有 5 bar"},
		{state: wo.Assessing, symptom: "控制器显示 E-12 报警"},
		{state: wo.Assessing, symptom: "运行噪音明显增大", urgent: true},
		{state: wo.AwaitingDispatch, symptom: "油气分离器压差高"},
		{state: wo.AwaitingDispatch, symptom: "排气温度高停机", urgent: true},
		{state: wo.Dispatched, symptom: "冷却风扇不转", tech: "tech1"},
		{state: wo.Dispatched, symptom: "需要年度保养", tech: "tech2"},
		{state: wo.Scheduled, symptom: "漏油，地面有油迹", tech: "tech1"},
		{state: wo.Scheduled, symptom: "加载阀不动作", tech: "tech2", urgent: true},
		{state: wo.InProgress, symptom: "压力传感器读数跳变", tech: "tech1"},
		{state: wo.AwaitingParts, symptom: "进气阀卡死", tech: "tech2"},
		{state: wo.InWorkshop, symptom: "主机异响，疑似轴承损坏", tech: "tech1", workshop: true, complex: true},
		{state: wo.AwaitingCallback, symptom: "温控阀失效导致高温", tech: "tech2", settle: true, class: "paid"},
		{state: wo.AwaitingCallback, symptom: "电磁阀线圈烧毁", tech: "tech1", unsureTest: true, class: "part_within_year"},
		{state: wo.AwaitingCallback, symptom: "咨询保养周期"},
		{state: wo.Closed, symptom: "更换空滤油滤", tech: "tech1", class: "after_sales"},
		{state: wo.Closed, symptom: "皮带打滑", tech: "tech2", class: "after_sales", reclassify: "misuse"},
		{state: wo.Cancelled, symptom: "重复报修"},
		{state: wo.Closed, symptom: "后冷却器漏气", tech: "tech2", unreachable: true, class: "paid"},
		{state: wo.AwaitingDispatch, symptom: "维修后仍有异响", tech: "tech1", revisit: true, class: "retrofit"},
		{state: wo.Received, symptom: "自动排水阀不排水", sz: true},
		{state: wo.Scheduled, symptom: "储气罐安全阀泄漏", sz: true, tech: "sz.tech"},
	}
	// Customers per station, in id order: Shanghai first, Suzhou after.
	custs := map[bool][]int64{}
	rows, err := pool.Query(ctx, `SELECT c.id, s.code = 'SZ' FROM customers c JOIN stations s ON s.id = c.station_id ORDER BY c.id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var sz bool
		if err := rows.Scan(&id, &sz); err != nil {
			rows.Close()
			return err
		}
		custs[sz] = append(custs[sz], id)
	}
	rows.Close()
	step := func() { clock = clock.Add(47 * time.Minute) }
	for i, p := range plans {
		clock = now.Add(-5*24*time.Hour + time.Duration(i)*5*time.Hour)
		hot, sup := users["hotline"], users["supervisor"]
		if p.sz {
			hot, sup = users["sz.hotline"], users["sz.supervisor"]
		}
		list := custs[p.sz]
		cust := list[(i*7)%len(list)]
		var unit int64
		if err := pool.QueryRow(ctx, `SELECT id FROM units WHERE customer_id = $1 ORDER BY id LIMIT 1`, cust).Scan(&unit); err != nil {
			return err
		}
		if p.unreachable {
			// Out of warranty, so the closed order still owes its fees.
			if err := pool.QueryRow(ctx, `SELECT u.id, u.customer_id FROM units u JOIN customers c ON c.id = u.customer_id
				WHERE c.id = ANY($1) AND u.purchase_date + make_interval(months => u.warranty_months) < $2::date ORDER BY u.id LIMIT 1`,
				list, clock).Scan(&unit, &cust); err != nil {
				return fmt.Errorf("demo: an out-of-warranty unit: %w", err)
			}
		}
		urgency := "normal"
		if p.urgent {
			urgency = "urgent"
		}
		stype := "repair"
		if p.state == wo.AwaitingCallback && p.tech == "" {
			stype = "consult"
		}
		o, err := svc.Create(ctx, hot, wo.NewOrder{CustomerID: cust, UnitID: unit, Channel: []string{"phone", "phone", "online", "email", "qr"}[i%5],
			Symptom: p.symptom, Request: "请尽快安排", Urgency: urgency, ServiceType: stype})
		if err != nil {
			return fmt.Errorf("demo order %d: %w", i, err)
		}
		run := func(f func() (wo.Order, error)) error {
			step()
			var err error
			o, err = f()
			return err
		}
		var steps []func() (wo.Order, error)
		tech := users[p.tech]
		switch {
		case p.state == wo.Received:
		case p.state == wo.Cancelled:
			steps = append(steps, func() (wo.Order, error) {
				return svc.Cancel(ctx, hot, o.ID, o.Version, "客户重复报修，已合并到先前工单")
			})
		case p.state == wo.AwaitingCallback && p.tech == "":
			steps = append(steps, func() (wo.Order, error) {
				return svc.ResolveByPhone(ctx, hot, o.ID, o.Version, "建议每运行 2000 小时或每半年保养一次，已告知客户。")
			})
		default:
			steps = append(steps, func() (wo.Order, error) { return svc.Forward(ctx, hot, o.ID, o.Version, "需技术评估") })
			if p.state != wo.Assessing {
				mode := "onsite"
				if p.workshop {
					mode = "workshop"
				}
				steps = append(steps, func() (wo.Order, error) {
					a := wo.Assessment{CauseAnalysis: "根据现象初步判断为" + p.symptom + "相关部件故障", RepairPlan: "上门检查并更换故障件", ServiceMode: mode,
						Complexity: "simple", PartsNeeded: "视检查结果", ToolsNeeded: "常规工具、万用表"}
					if p.complex {
						a.Complexity, a.AgreedCompletionAt = "complex", clock.Add(72*time.Hour).Truncate(time.Hour)
						a.RepairPlan = "拆回车间解体检查主机，更换轴承后试机；与客户约定三天内完成"
					}
					return svc.Assess(ctx, sup, o.ID, o.Version, a)
				})
			}
			if p.tech != "" {
				steps = append(steps, func() (wo.Order, error) { return svc.Assign(ctx, sup, o.ID, o.Version, tech.UserID, "") })
			}
			after := map[wo.State]bool{wo.Scheduled: true, wo.InProgress: true, wo.AwaitingParts: true, wo.InWorkshop: true, wo.AwaitingCallback: true, wo.Closed: true}
			if after[p.state] || p.revisit {
				steps = append(steps, func() (wo.Order, error) {
					start := clock.Add(3 * time.Hour).Truncate(time.Hour)
					return svc.MakeAppointment(ctx, tech, o.ID, o.Version, start, start.Add(2*time.Hour), "已电话联系客户")
				})
				if p.state != wo.Scheduled {
					steps = append(steps, func() (wo.Order, error) { return svc.CheckIn(ctx, tech, o.ID, o.Version) })
				}
			}
			if p.workshop {
				steps = append(steps, func() (wo.Order, error) {
					return svc.TakeToWorkshop(ctx, tech, o.ID, o.Version, true, "主机拆回车间，已提供备用机")
				})
			}
			if p.state == wo.AwaitingParts {
				steps = append(steps, func() (wo.Order, error) { return svc.AwaitParts(ctx, tech, o.ID, o.Version, "进气阀 DN65 ×1") })
			}
			if p.state == wo.AwaitingCallback || p.state == wo.Closed || p.revisit {
				testRun := "done"
				if p.unsureTest {
					testRun = "unsure"
				}
				steps = append(steps, func() (wo.Order, error) {
					return svc.Complete(ctx, tech, o.ID, o.Version, wo.Report{Diagnosis: "检查确认" + p.symptom, FaultCause: "部件老化", ActionsTaken: "更换故障部件并试机",
						FieldClass: p.class, TestRun: testRun, UsageGuidance: true, Signature: Signature(), Rating: new(5)})
				})
			}
			if (p.state == wo.Closed && !p.unreachable) || p.settle {
				// Out-of-warranty work is paid before the callback closes it.
				steps = append(steps, func() (wo.Order, error) {
					if o.FeesState != "pending" {
						return o, nil
					}
					f, err := fees.OrderFees(ctx, hot, o.ID)
					if err != nil {
						return o, err
					}
					if err := fees.Confirm(ctx, hot, o.ID, "phone", "客户本人"); err != nil {
						return o, err
					}
					if err := fees.Settle(ctx, hot, o.ID, f.ChargeableFen, "wechat", fmt.Sprintf("WX%s%03d", clock.Format("20060102"), i)); err != nil {
						return o, err
					}
					return svc.OrderByID(ctx, hot, o.ID)
				})
			}
			switch {
			case p.unreachable:
				for range 3 {
					steps = append(steps, func() (wo.Order, error) {
						return svc.RecordCallback(ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "no_answer", Note: "电话无人接听"})
					})
				}
				steps = append(steps, func() (wo.Order, error) {
					return svc.CloseUnreachable(ctx, sup, o.ID, o.Version, "三次回访均未接通，按无法联系关闭")
				})
			case p.revisit:
				steps = append(steps, func() (wo.Order, error) {
					return svc.RecordCallback(ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 4, Timeliness: 3, Quality: 2, Overall: 2,
						Reason: "维修后仍有异响，要求重新上门", Comments: "客户希望换一位工程师"})
				})
			case p.state == wo.Closed:
				// A satisfied callback is always the survey (003 售后服务评价表).
				steps = append(steps, func() (wo.Order, error) {
					return svc.RecordCallback(ctx, hot, o.ID, o.Version, wo.Callback{Outcome: "reached", Attitude: 5, Timeliness: 4 + i%2, Quality: 5, Overall: 5,
						Satisfied: true, Comments: "客户表示满意"})
				})
			}
		}
		if p.reclassify != "" {
			steps = append(steps, func() (wo.Order, error) {
				return svc.Reclassify(ctx, sup, o.ID, o.Version, p.reclassify, "皮带张紧由客户自行调整，属使用不当")
			})
		}
		for _, s := range steps {
			if err := run(s); err != nil {
				return fmt.Errorf("demo order %d (%s): %w", i, p.state, err)
			}
		}
		if o.State != p.state {
			return fmt.Errorf("demo order %d ended in %s, want %s", i, o.State, p.state)
		}
	}
	return nil
}
