package views_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
)

// shanghai is the service's configured time zone (config's default).
var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}()

// benchNow is a fixed "now" (a Tuesday morning), so every run renders the same page.
var benchNow = time.Date(2025, 3, 18, 10, 30, 0, 0, shanghai)

// benchCtx is the request context as the locale middleware leaves it.
func benchCtx() context.Context {
	ctx := i18n.WithLang(context.Background(), "zh-Hans")
	return i18n.WithLocation(ctx, shanghai)
}

var (
	surnames  = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "欧阳"}
	given     = []string{"建国", "秀英", "伟", "芳", "娜", "敏", "静", "丽华", "强", "磊", "军", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "晓燕", "桂兰", "志强"}
	streets   = []string{"文三路", "天目山路", "莫干山路", "凤起路", "延安路", "解放路", "学院路", "古墩路", "江南大道", "滨盛路", "秋涛北路", "东新路"}
	estates   = []string{"翠苑一区", "嘉绿苑", "西溪诚园", "金色海岸", "星洲花园", "和家园", "东方郡", "绿城桂花园", "万科良渚文化村", "春江花月"}
	districts = []string{"西湖区", "拱墅区", "上城区", "滨江区", "余杭区", "萧山区"}
	symptoms  = []string{
		"空调开机后不制冷，外机运转但出风口是常温风，已清洗过滤网",
		"滚筒洗衣机脱水时异响很大，机身晃动，显示E21故障码",
		"燃气热水器点火后几秒熄火，冬天洗澡中途变冷水",
		"冰箱冷藏室结冰，冷冻室温度偏高，压缩机频繁启动",
		"油烟机吸力变小，开机有嗡嗡声，挡板处滴油",
		"电热水器漏电保护器跳闸，无法加热",
		"新购空调需要安装，挂机，客厅墙面打孔约1.5米管路",
		"洗碗机排水不畅，洗完底部积水，有异味",
		"壁挂炉暖气片不热，压力表显示0.5bar以下",
		"净水器出水量明显变小，滤芯到期提醒灯常亮",
	}
	technicians = []string{"赵志刚", "钱海波", "孙立军", "李卫东", "周建华", "吴国庆", "郑晓峰", "冯家豪", "陈宇航", "褚俊杰", "卫东升", "蒋文斌"}
)

func person(i int) string { return surnames[i%len(surnames)] + given[(i*7+i/len(surnames))%len(given)] }

func address(i int) string {
	return fmt.Sprintf("浙江省杭州市%s%s%d号%s%d幢%d单元%d室", districts[i%len(districts)], streets[(i*5)%len(streets)], 10+i%290,
		estates[(i*3)%len(estates)], 1+i%24, 1+i%3, 101+(i%18)*100+i%4)
}

func ptr[T any](v T) *T { return &v }

// supervisorPage is what server.page builds for a supervisor on path (navFor(supervisor),
// the active entry being the exact URL, else the longest prefix).
func supervisorPage(titleKey, path, active string) views.Page {
	a := auth.Actor{UserID: 2, Username: "wangjg", Name: "王建国", Role: auth.RoleSupervisor, StationID: 1,
		StationName: "杭州西湖服务站", Stations: []int64{1}, Language: "zh-Hans"}
	p := views.Page{TitleKey: titleKey, Path: path, Actor: &a, StationName: a.StationName}
	for _, e := range [][2]string{{"/", "nav.home"}, {"/board", "nav.board"}, {"/orders?state=assessing", "nav.assessments"},
		{"/orders", "nav.orders"}, {"/parts/requisitions", "nav.requisitions"}, {"/customers", "nav.customers"}} {
		p.Nav = append(p.Nav, views.NavItem{Href: e[0], Key: e[1], Active: e[0] == active})
	}
	return p
}

// boardStateCounts spreads the open orders over the board's columns.
var boardStateCounts = []struct {
	s workorder.State
	n int
}{
	{workorder.AwaitingDispatch, 60}, {workorder.Dispatched, 70}, {workorder.Scheduled, 140}, {workorder.InProgress, 60},
	{workorder.AwaitingParts, 50}, {workorder.InWorkshop, 30}, {workorder.AwaitingCallback, 90},
}

// boardOrder is the i-th open order, in state s, as the board query returns it.
func boardOrder(i int, s workorder.State, dayStart time.Time) workorder.Order {
	created := benchNow.Add(-time.Duration(30+(i*97)%(6*24*60)) * time.Minute)
	o := workorder.Order{
		ID: int64(10000 + i), Number: fmt.Sprintf("GD%s-%04d", created.Format("20060102"), 1+i%400),
		StationID: 1, State: s, Version: 1 + i%6, Channel: workorder.Channels[i%len(workorder.Channels)],
		CustomerID: int64(5000 + i), CustomerName: person(i), ContactName: person(i + 3),
		ContactPhone: fmt.Sprintf("138%04d%04d", i%10000, (i*31)%10000), Address: address(i),
		Symptom: symptoms[i%len(symptoms)], Urgency: "normal", ServiceType: workorder.ServiceTypes[(i/3)%len(workorder.ServiceTypes)],
		Warranty: workorder.Warranties[i%len(workorder.Warranties)], CreatedAt: created, UpdatedAt: created.Add(time.Hour),
		ContactDueAt: created.Add(2 * time.Hour), ArriveDueAt: created.Add(48 * time.Hour), StationName: "杭州西湖服务站",
	}
	o.ContactE164 = "+86" + o.ContactPhone
	if i%7 == 0 {
		o.Urgency, o.ArriveDueAt = "urgent", created.Add(24*time.Hour)
	}
	if i%23 == 0 {
		o.RevisitCount = 1
	}
	if s == workorder.AwaitingDispatch {
		if i%2 == 0 {
			o.FirstContactAt = ptr(created.Add(40 * time.Minute))
		}
		return o
	}
	tech := i % len(technicians)
	o.AssigneeID, o.AssigneeName = ptr(int64(100+tech)), technicians[tech]
	o.AssignedAt = ptr(created.Add(time.Hour))
	o.FirstContactAt = ptr(created.Add(70 * time.Minute))
	switch s {
	case workorder.Dispatched:
		// no appointment yet: a pending card in the technician's lane
	case workorder.Scheduled:
		// today and the next days, 9:00 to 17:00
		start := dayStart.AddDate(0, 0, i%3).Add(time.Duration(9+i%8) * time.Hour)
		o.AppointmentStart, o.AppointmentEnd = ptr(start), ptr(start.Add(2*time.Hour))
		if i%11 == 0 {
			o.RescheduleCount = 1
		}
	default:
		start := created.Add(20 * time.Hour).Truncate(time.Hour)
		o.AppointmentStart, o.AppointmentEnd = ptr(start), ptr(start.Add(2*time.Hour))
		o.ArrivedAt = ptr(start.Add(15 * time.Minute))
		o.RepairDueAt = ptr(o.ArrivedAt.Add(72 * time.Hour))
		o.CauseAnalysis, o.RepairPlan = "疑似压缩机启动电容老化", "上门检测，必要时更换电容及清洗冷凝器"
		switch s {
		case workorder.AwaitingParts:
			o.MissingParts = "启动电容 35μF、排水泵"
		case workorder.InWorkshop:
			o.UnitInWorkshop, o.LoanerIssued = true, i%2 == 0
		case workorder.AwaitingCallback:
			o.CompletedAt = ptr(o.ArrivedAt.Add(3 * time.Hour))
			o.CallbackDueAt = ptr(o.CompletedAt.Add(48 * time.Hour))
			o.CallbackAttempts = i % 3
			o.FeesState = "settled"
		}
	}
	return o
}

// benchBoard fills a workorder.Board the way workorder.Service.Board does: columns by
// state, unassigned orders, and each technician's lane for the day, urgent first.
func benchBoard() workorder.Board {
	dayStart := time.Date(benchNow.Year(), benchNow.Month(), benchNow.Day(), 0, 0, 0, 0, shanghai)
	dayEnd := dayStart.AddDate(0, 0, 1)
	var orders []workorder.Card
	i := 0
	for _, c := range boardStateCounts {
		for range c.n {
			orders = append(orders, cardOf(boardOrder(i, c.s, dayStart)))
			i++
		}
	}
	// The query orders by created_at DESC.
	sort.SliceStable(orders, func(a, c int) bool { return orders[a].CreatedAt.After(orders[c].CreatedAt) })
	b := workorder.Board{Columns: map[workorder.State][]workorder.Card{}, Day: dayStart, Total: len(orders)}
	for t, name := range technicians {
		b.Lanes = append(b.Lanes, workorder.Lane{Technician: workorder.Person{ID: int64(100 + t), Name: name}})
	}
	lanes := map[int64]*workorder.Lane{}
	for i := range b.Lanes {
		lanes[b.Lanes[i].Technician.ID] = &b.Lanes[i]
	}
	for _, o := range orders {
		b.Columns[o.State] = append(b.Columns[o.State], o)
		if o.State == workorder.AwaitingDispatch {
			b.Unassigned = append(b.Unassigned, o)
			continue
		}
		lane := lanes[*o.AssigneeID]
		lane.Load++
		switch {
		case o.AppointmentStart != nil && !o.AppointmentStart.Before(dayStart) && o.AppointmentStart.Before(dayEnd):
			lane.Today = append(lane.Today, o)
		case o.AppointmentStart == nil:
			lane.Pending = append(lane.Pending, o)
		}
	}
	urgentFirst := func(list []workorder.Card) {
		sort.SliceStable(list, func(i, j int) bool {
			if (list[i].Urgency == "urgent") != (list[j].Urgency == "urgent") {
				return list[i].Urgency == "urgent"
			}
			return list[i].ArriveDueAt.Before(list[j].ArriveDueAt)
		})
	}
	for st := range b.Columns {
		urgentFirst(b.Columns[st])
	}
	urgentFirst(b.Unassigned)
	b.CountLists()
	for i := range b.Lanes {
		sort.SliceStable(b.Lanes[i].Today, func(a, c int) bool {
			return b.Lanes[i].Today[a].AppointmentStart.Before(*b.Lanes[i].Today[c].AppointmentStart)
		})
		urgentFirst(b.Lanes[i].Pending)
	}
	return b
}

// cardOf is the board card of o (the columns the board's query reads).
func cardOf(o workorder.Order) workorder.Card {
	return workorder.Card{ID: o.ID, Number: o.Number, Version: o.Version, State: o.State, Urgency: o.Urgency, ServiceType: o.ServiceType,
		Address: o.Address, CustomerName: o.CustomerName, AssigneeID: o.AssigneeID, AssigneeName: o.AssigneeName,
		RevisitCount: o.RevisitCount, Symptom: o.Symptom, CreatedAt: o.CreatedAt, AppointmentStart: o.AppointmentStart,
		FirstContactAt: o.FirstContactAt, ArrivedAt: o.ArrivedAt, ContactDueAt: o.ContactDueAt, ArriveDueAt: o.ArriveDueAt,
		RepairDueAt: o.RepairDueAt, CallbackDueAt: o.CallbackDueAt}
}

// rawKey matches element text that is a catalog key (i18n.T gives back a missing key).
var rawKey = regexp.MustCompile(`>\s*[a-z_]+(\.[a-z0-9_]+)+\s*<`)

// renderOnce renders c and fails unless the page contains every one of want and no
// untranslated catalog key.
func renderOnce(b *testing.B, ctx context.Context, c templ.Component, want ...string) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		b.Fatalf("render: %v", err)
	}
	out := buf.String()
	if k := rawKey.FindString(out); k != "" {
		b.Fatalf("rendered page has an untranslated catalog key: %s", k)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			b.Fatalf("rendered page (%d bytes) lacks %q", len(out), w)
		}
	}
	return buf.Bytes()
}

// benchRender times rendering c into io.Discard, reporting one page as the bytes of an op.
func benchRender(b *testing.B, ctx context.Context, c templ.Component, size int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBoardRender(b *testing.B) {
	ctx := benchCtx()
	board := benchBoard()
	if board.Total != 500 {
		b.Fatalf("board has %d orders, want 500", board.Total)
	}
	// Cards that must be on the page: one deep in a column for the state view, an
	// unassigned one and one of today's appointments for the technician view.
	var today workorder.Card
	for _, l := range board.Lanes {
		if len(l.Today) > 0 {
			today = l.Today[len(l.Today)-1]
			break
		}
	}
	if today.ID == 0 {
		b.Fatal("no technician has an appointment today")
	}
	// The last card each column shows (the rest are behind its "more" link).
	deep := workorder.FirstCards(board.Columns[workorder.InWorkshop])[len(workorder.FirstCards(board.Columns[workorder.InWorkshop]))-1]
	unassigned := workorder.FirstCards(board.Unassigned)[len(workorder.FirstCards(board.Unassigned))-1]
	for _, view := range []string{"state", "tech"} {
		q := url.Values{}
		path := "/board"
		if view == "tech" {
			q.Set("view", "tech")
			path += "?view=tech"
		}
		v := views.BoardView{Board: board, View: view, Query: q, Now: benchNow, Return: path}
		c := views.BoardPage(supervisorPage("board.title", path, "/board"), v)
		// Each column shows its first cards in the state view; in the technician view the
		// first unassigned ones, each lane's today and its first pending ones.
		cards := 0
		for _, list := range board.Columns {
			cards += len(workorder.FirstCards(list))
		}
		if view == "tech" {
			cards = len(workorder.FirstCards(board.Unassigned))
			for _, l := range board.Lanes {
				cards += len(l.Today) + len(workorder.FirstCards(l.Pending))
			}
		}
		must := []string{"<title>派工看板", "王建国", technicians[5], unassigned.CustomerName, unassigned.Address,
			fmt.Sprintf(`id="card-%d"`, unassigned.ID)}
		if view == "state" {
			must = append(must, deep.Address, fmt.Sprintf(`id="card-%d"`, deep.ID))
		} else {
			must = append(must, today.Address, fmt.Sprintf(`id="card-%d"`, today.ID))
		}
		out := renderOnce(b, ctx, c, must...)
		if n := bytes.Count(out, []byte(`id="card-`)); n != cards {
			b.Fatalf("%s view shows %d cards, want %d", view, n, cards)
		}
		b.Run(view, func(b *testing.B) { benchRender(b, ctx, c, len(out)) })
	}
}

// orderStep is one row of the benchmark order's history.
type orderStep struct {
	transition string
	to         workorder.State
	actor      string
	note       string
	data       map[string]any
}

// orderHistory is the timeline of a repair that needed parts and the workshop, failed
// its first callback, and was sent out again: 20 events.
var orderHistory = []orderStep{
	{"create", workorder.Received, "客服 林晓燕", "", map[string]any{"channel": "phone", "urgency": "normal"}},
	{"forward", workorder.Assessing, "客服 林晓燕", "客户称已自行清洗滤网，仍不制冷", nil},
	{"assess", workorder.AwaitingDispatch, "王建国", "", map[string]any{"service_mode": "onsite", "parts_needed": "启动电容"}},
	{"assign", workorder.Dispatched, "王建国", "客户要求上午上门", map[string]any{"technician_id": 103, "technician": "孙立军"}},
	{"make_appointment", workorder.Scheduled, "孙立军", "已电话联系客户，约定周三上午", map[string]any{"start": "2025-03-05T09:00", "end": "2025-03-05T11:00"}},
	{"reschedule", workorder.Scheduled, "孙立军", "客户临时出差，改约周五", map[string]any{"reason": "客户出差"}},
	{"check_in", workorder.InProgress, "孙立军", "", map[string]any{"lat": 30.2741, "lng": 120.1551}},
	{"await_parts", workorder.AwaitingParts, "孙立军", "压缩机启动电容鼓包，需更换", map[string]any{"missing_parts": "启动电容 35μF"}},
	{"parts_arrived", workorder.Scheduled, "王建国", "配件已到站，通知师傅重新预约", nil},
	{"check_in", workorder.InProgress, "孙立军", "", nil},
	{"take_to_workshop", workorder.InWorkshop, "孙立军", "更换电容后仍有异响，整机带回维修中心检测", map[string]any{"loaner_issued": true}},
	{"await_parts", workorder.AwaitingParts, "孙立军", "风扇电机轴承磨损，申请新电机", map[string]any{"missing_parts": "室外风扇电机"}},
	{"parts_arrived", workorder.InWorkshop, "王建国", "", nil},
	{"complete", workorder.AwaitingCallback, "孙立军", "更换风扇电机及启动电容，试机制冷正常", map[string]any{"test_run": "done", "signed": true, "rating": 4}},
	{"callback_attempt", workorder.AwaitingCallback, "客服 林晓燕", "无人接听", map[string]any{"outcome": "no_answer", "attempt": 1}},
	{"callback_attempt", workorder.AwaitingCallback, "客服 林晓燕", "关机", map[string]any{"outcome": "no_answer", "attempt": 2}},
	{"callback_unsatisfied", workorder.AwaitingDispatch, "客服 林晓燕", "客户反映使用两天后又不制冷，要求再次上门", map[string]any{"reason": "故障复发"}},
	{"assign", workorder.Dispatched, "王建国", "", map[string]any{"technician_id": 103, "technician": "孙立军"}},
	{"reassign", workorder.Dispatched, "王建国", "孙师傅请假，改派周建华", map[string]any{"technician_id": 105, "technician": "周建华", "reason": "原师傅请假"}},
	{"make_appointment", workorder.Scheduled, "周建华", "约定明天下午两点至四点", map[string]any{"start": "2025-03-19T14:00", "end": "2025-03-19T16:00"}},
}

// benchOrderView is the order page of an order with orderHistory behind it, as the
// server builds it for a (actor, state): Actions from the state machine, parts, files.
func benchOrderView(state workorder.State, a workorder.Actor) views.OrderView {
	created := benchNow.AddDate(0, 0, -14)
	o := boardOrder(42, workorder.Scheduled, created)
	o.ID, o.Number, o.State, o.Version = 4242, "GD20250304-0042", state, len(orderHistory)
	o.CustomerName, o.ContactName, o.ContactPhone, o.ContactE164 = "欧阳秀英", "欧阳建国", "139 5712 3456", "+8613957123456"
	o.Address = "浙江省杭州市西湖区文三路478号华星时代广场3幢2单元1501室"
	o.Symptom = symptoms[0]
	o.Request, o.Preliminary = "尽快上门，家中有老人", "可能缺冷媒或电容故障"
	o.UnitID, o.UnitLabel = ptr(int64(880)), "格力 KFR-35GW/(35592)FNhAa-B1 · SN 4E21F0349"
	o.RepeatOf = ptr(int64(3100))
	o.CreatedAt, o.ContactDueAt, o.ArriveDueAt = created, created.Add(2*time.Hour), created.Add(48*time.Hour)
	o.ServiceMode, o.PartsNeeded, o.ToolsNeeded = ptr("onsite"), "启动电容、风扇电机", "冷媒表、真空泵"
	o.AssigneeID, o.AssigneeName = ptr(int64(105)), "周建华"
	o.FirstContactAt, o.ArrivedAt = ptr(created.Add(50*time.Minute)), ptr(created.Add(40*time.Hour))
	o.RepairDueAt, o.CallbackAttempts, o.RevisitCount, o.RescheduleCount = ptr(created.Add(112*time.Hour)), 2, 1, 1
	o.Diagnosis, o.FaultCause, o.ActionsTaken = "室外风扇电机轴承磨损，启动电容鼓包", "元器件老化", "更换风扇电机、启动电容，清洗冷凝器"
	start := benchNow.Add(27*time.Hour + 30*time.Minute)
	o.AppointmentStart, o.AppointmentEnd = ptr(start), ptr(start.Add(2*time.Hour))
	if state == workorder.InProgress {
		o.ArrivedAt = ptr(benchNow.Add(-time.Hour))
		o.RepairDueAt = ptr(benchNow.Add(71 * time.Hour))
	}

	var p workorder.OrderPage
	p.Order, p.RepeatOfNumber = o, "GD20250211-0117"
	var from *workorder.State
	at := created
	for i, s := range orderHistory {
		at = at.Add(time.Duration(3+i*2) * time.Hour)
		p.Timeline = append(p.Timeline, workorder.Event{ID: int64(90000 + i), OrderID: o.ID, FromState: from, ToState: s.to,
			Transition: s.transition, ActorID: int64(100 + i%4), ActorName: s.actor, Version: i + 1,
			InputHash: fmt.Sprintf("%064x", i*7919), At: at, Note: s.note, Data: s.data})
		from = ptr(s.to)
	}
	facts := workorder.Facts{State: state, AssigneeID: *o.AssigneeID, FeesSettled: true, CallbackAttempts: o.CallbackAttempts, CallbackAttemptLimit: 3}
	for _, t := range workorder.Allowed(facts, a) {
		p.Actions = append(p.Actions, string(t))
	}
	for t, name := range technicians {
		p.Technicians = append(p.Technicians, workorder.Person{ID: int64(100 + t), Name: name})
	}
	for i, kind := range []string{attach.Photo, attach.Photo, attach.Photo, attach.Signature} {
		p.Files = append(p.Files, attach.File{ID: int64(7000 + i), OrderID: o.ID, Kind: kind, ContentType: "image/jpeg",
			Size: 180000 + i*1000, SHA256: fmt.Sprintf("%064x", i+1), CreatedAt: at})
	}
	v := views.OrderView{OrderPage: p, Now: benchNow, CanRequest: true}
	decided := created.AddDate(0, 0, 3)
	v.Requisitions = []parts.Requisition{
		{ID: 301, OrderID: o.ID, OrderNumber: o.Number, StationID: 1, State: "issued", Version: 3, RequestedBy: 103, RequesterName: "孙立军",
			RequestedAt: created.AddDate(0, 0, 2), Note: "急用", DeciderName: "王建国", DecidedAt: &decided, IssuedAt: &decided,
			Lines: []parts.ReqLine{
				{ID: 1, PartID: 11, Code: "GL-CAP-35", Name: "启动电容", Spec: "35μF 450V", UOM: "个", Quantity: 1, Issued: 1},
				{ID: 2, PartID: 12, Code: "GL-FAN-M60", Name: "室外风扇电机", Spec: "YDK60-6", UOM: "台", Valuable: true, Quantity: 1, Issued: 1},
			}},
		{ID: 302, OrderID: o.ID, OrderNumber: o.Number, StationID: 1, State: "rejected", Version: 2, RequestedBy: 103, RequesterName: "孙立军",
			RequestedAt: created.AddDate(0, 0, 4), DeciderName: "王建国", DecidedAt: &decided, RejectReason: "同型号电机已发，勿重复申请",
			Lines: []parts.ReqLine{{ID: 3, PartID: 12, Code: "GL-FAN-M60", Name: "室外风扇电机", Spec: "YDK60-6", UOM: "台", Quantity: 1}}},
		{ID: 303, OrderID: o.ID, OrderNumber: o.Number, StationID: 1, State: "requested", Version: 1, RequestedBy: 105, RequesterName: "周建华",
			RequestedAt: benchNow.Add(-2 * time.Hour), Note: "复修备用",
			Lines: []parts.ReqLine{{ID: 4, PartID: 13, Code: "R32-1KG", Name: "R32冷媒", Spec: "1kg", UOM: "瓶", Wear: true, Quantity: 2}}},
	}
	v.Issued = []parts.Available{
		{PartID: 11, Code: "GL-CAP-35", Name: "启动电容", UOM: "个", Quantity: 1},
		{PartID: 12, Code: "GL-FAN-M60", Name: "室外风扇电机", UOM: "台", Quantity: 1},
	}
	for i := range 120 {
		v.PartChoices = append(v.PartChoices, parts.Choice{ID: int64(10 + i), Code: fmt.Sprintf("GL-%03d", i), Name: "格力配件" + fmt.Sprint(i), Spec: "通用"})
	}
	return v
}

func BenchmarkOrderPageRender(b *testing.B) {
	ctx := benchCtx()

	// office: the supervisor's order page of a scheduled repeat repair.
	sup := workorder.Actor{UserID: 2, Role: workorder.RoleSupervisor}
	v := benchOrderView(workorder.Scheduled, sup)
	if len(v.Timeline) != 20 || len(v.Actions) == 0 {
		b.Fatalf("order view has %d events and actions %v", len(v.Timeline), v.Actions)
	}
	c := views.OrderDetail(supervisorPage("order.title", "/orders/4242", "/orders"), v)
	want := []string{"<title>工单", "欧阳秀英", "GD20250304-0042", "孙师傅请假，改派周建华", "客户反映使用两天后又不制冷", "室外风扇电机",
		"同型号电机已发", `id="order-parts"`}
	for _, a := range v.Actions {
		want = append(want, `id="action-`+a+`"`)
	}
	out := renderOnce(b, ctx, c, want...)
	notes := 0
	for _, e := range v.Timeline {
		if e.Note != "" {
			notes++
		}
	}
	if n := bytes.Count(out, []byte(`<p class="note">`)); n != notes {
		b.Fatalf("office timeline shows %d notes, want %d", n, notes)
	}
	b.Run("office", func(b *testing.B) { benchRender(b, ctx, c, len(out)) })

	// job: the same order on the assigned technician's tablet while under way.
	tech := workorder.Actor{UserID: 105, Role: workorder.RoleTechnician}
	jv := benchOrderView(workorder.InProgress, tech)
	a := auth.Actor{UserID: 105, Username: "zhoujh", Name: "周建华", Role: auth.RoleTechnician, StationID: 1,
		StationName: "杭州西湖服务站", Stations: []int64{1}, Language: "zh-Hans"}
	jp := views.Page{TitleKey: "order.title", Path: "/orders/4242", Actor: &a, StationName: a.StationName,
		Nav: []views.NavItem{{Href: "/", Key: "nav.home"}, {Href: "/jobs", Key: "nav.jobs"}}}
	jc := views.JobDetail(jp, jv)
	out = renderOnce(b, ctx, jc, "欧阳秀英", "周建华", `id="complete-form"`, `id="files"`, "/attachments/7003/thumb",
		"更换风扇电机及启动电容，试机制冷正常", `name="used_12"`)
	b.Run("job", func(b *testing.B) { benchRender(b, ctx, jc, len(out)) })
}
