package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
)

// demoComplaints logs complaints in every state through the complaint service, with the
// clock set back so that deadlines fall as they would have: one is overdue (it shows on
// the manager's home page), one waits to be assigned, one is a claim with its amount
// approved and the result waiting to be told to the customer.
func demoComplaints(ctx context.Context, users func(string) (auth.Actor, error), svc func(at time.Time) *complaint.Service, q db.Querier, now time.Time) error {
	type orderRow struct{ order, customer, unit, tech int64 }
	// The orders complained about: finished ones first.
	concerned := func(station string, offset int) (orderRow, error) {
		var r orderRow
		err := q.QueryRow(ctx, `SELECT o.id, o.customer_id, coalesce(o.unit_id, 0), coalesce(o.assignee_id, 0) FROM work_orders o
			JOIN stations s ON s.id = o.station_id WHERE s.code = $1
			ORDER BY `+workflow.StateIs("o", workflow.Closed, workflow.AwaitingCallback)+` DESC, o.id OFFSET $2 LIMIT 1`, station, offset).Scan(&r.order, &r.customer, &r.unit, &r.tech)
		if err != nil {
			return r, fmt.Errorf("demo complaint order: %w", err)
		}
		return r, nil
	}
	who := map[string]auth.Actor{}
	for _, u := range []string{"hotline", "supervisor", "manager", "tech2", "sz.hotline"} {
		a, err := users(u)
		if err != nil {
			return err
		}
		who[u] = a
	}
	type step func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error)
	assignTo := func(user string) step {
		return func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
			return s.Assign(ctx, who["manager"], c.ID, c.Version, complaint.Assignment{ResponsibleID: who[user].UserID})
		}
	}
	investigate := func(by, text, cause, resp string) step {
		return func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
			return s.Investigate(ctx, who[by], c.ID, c.Version, complaint.Findings{Investigation: text, Cause: cause, Responsibility: resp})
		}
	}
	propose := func(by, result string) step {
		return func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
			return s.Propose(ctx, who[by], c.ID, c.Version, result)
		}
	}
	plans := []struct {
		station  string
		offset   int
		daysAgo  int
		hotline  string
		in       complaint.NewComplaint
		steps    []step
		withTech bool
	}{
		{station: "SH", offset: 0, daysAgo: 8, hotline: "hotline", withTech: true,
			in:    complaint.NewComplaint{Channel: "phone", Category: "attitude", Severity: "major", WhatHappened: "技术员上门迟到两小时且态度生硬，维修后未清理现场油污。", CustomerAsks: "要求书面道歉并更换技术员"},
			steps: []step{assignTo("supervisor")}},
		{station: "SH", offset: 1, daysAgo: 0, hotline: "hotline",
			in: complaint.NewComplaint{Channel: "phone", Category: "timeliness", Severity: "general", WhatHappened: "报修三天仍未安排上门，客户生产线受影响。", CustomerAsks: "尽快安排上门"}},
		{station: "SH", offset: 2, daysAgo: 2, hotline: "hotline", withTech: true,
			in:    complaint.NewComplaint{Channel: "phone", Category: "quality", Severity: "important", WhatHappened: "更换的油气分离器一周后又出现压差高报警。", CustomerAsks: "免费返修"},
			steps: []step{assignTo("tech2"), investigate("tech2", "现场检查发现分离器安装时密封圈未到位。", "安装工艺不到位", "维修工程师")}},
		{station: "SH", offset: 3, daysAgo: 3, hotline: "hotline", withTech: true,
			in: complaint.NewComplaint{Channel: "visit", Category: "parts", Severity: "important", WhatHappened: "更换的配件为旧件翻新，导致停机一天，客户要求赔偿停产损失。", CustomerAsks: "赔偿停产损失 2000 元", IsClaim: true, ClaimAmount: "2000"},
			steps: []step{assignTo("supervisor"),
				investigate("supervisor", "核对出库记录，所发配件批次有质量问题。", "供应商批次质量问题", "配件供应商"),
				func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
					return s.Appraise(ctx, who["manager"], c.ID, c.Version, "partly", "停产损失部分由客户未及时报修造成")
				},
				func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
					return s.Approve(ctx, who["manager"], c.ID, c.Version, "1200")
				},
				propose("supervisor", "赔偿停产损失 1200 元，免费更换原厂配件。")}},
		{station: "SH", offset: 4, daysAgo: 6, hotline: "hotline",
			in: complaint.NewComplaint{Channel: "phone", Category: "fees", Severity: "general", WhatHappened: "保内维修仍被收取上门费。", CustomerAsks: "退还上门费"},
			steps: []step{assignTo("supervisor"),
				investigate("supervisor", "核实为保内服务，收费有误。", "收费标准执行错误", "客服"),
				propose("supervisor", "退还上门费 150 元并致歉。"),
				func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
					return s.Inform(ctx, who["hotline"], c.ID, c.Version, complaint.Reply{Accepted: true, How: "phone", Note: "客户表示满意"})
				},
				func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
					return s.Close(ctx, who["manager"], c.ID, c.Version, "已退费")
				}}},
		{station: "SH", offset: 5, daysAgo: 1, hotline: "hotline",
			in: complaint.NewComplaint{Channel: "phone", Category: "other", Severity: "general", WhatHappened: "客户来电反映噪音大，后确认为误会。"},
			steps: []step{func(s *complaint.Service, c complaint.Complaint) (complaint.Complaint, error) {
				return s.Withdraw(ctx, who["hotline"], c.ID, c.Version, "客户确认为正常运行声音，撤回投诉")
			}}},
		{station: "SZ", offset: 0, daysAgo: 1, hotline: "sz.hotline",
			in: complaint.NewComplaint{Channel: "phone", Category: "timeliness", Severity: "important", WhatHappened: "预约上门时间临时取消，未提前通知。", CustomerAsks: "今天之内上门"}},
	}
	for _, p := range plans {
		o, err := concerned(p.station, p.offset)
		if err != nil {
			return err
		}
		in := p.in
		in.CustomerID, in.OrderIDs = o.customer, []int64{o.order}
		if o.unit != 0 {
			in.UnitID = o.unit
		}
		if p.withTech && o.tech != 0 {
			in.TechnicianID = o.tech
		}
		at := now.Add(-time.Duration(p.daysAgo) * 24 * time.Hour)
		c, err := svc(at).Create(ctx, who[p.hotline], in)
		if err != nil {
			return fmt.Errorf("demo complaint: %w", err)
		}
		for i, st := range p.steps {
			if c, err = st(svc(at.Add(time.Duration(i+1)*time.Hour)), c); err != nil {
				return fmt.Errorf("demo complaint %s step %d: %w", c.Number, i, err)
			}
		}
	}
	return nil
}
