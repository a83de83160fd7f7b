// Package demo loads demonstration data into an empty database, so that `make run`
// shows every screen with something on it.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	partsvc "github.com/aftersales/aftersales/internal/parts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Password is every demo user's password.
const Password = "demo1234"

// Usernames are the demo users: one per role at Shanghai (two technicians), a small
// Suzhou team with its own manager, and a manager at headquarters.
var Usernames = []string{"admin", "manager", "supervisor", "hotline", "tech1", "tech2", "storekeeper", "sz.supervisor", "sz.hotline", "sz.tech", "hq.manager", "sz.manager"}

// LoadIfEmpty loads the demo data when the database has no stations yet and reports
// whether it did.
func LoadIfEmpty(ctx context.Context, pool *pgxpool.Pool, authSvc *auth.Service, now time.Time) (bool, error) {
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM stations`).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	return true, Load(ctx, pool, authSvc, now)
}

// Load inserts the demo stations, users, customers, units, parts, orders, complaints, proposals, faults, week plans
// and a technical notice.
func Load(ctx context.Context, pool *pgxpool.Pool, authSvc *auth.Service, now time.Time) error {
	if err := loadBase(ctx, pool, authSvc, now); err != nil {
		return err
	}
	if err := demoStock(ctx, pool, now); err != nil {
		return err
	}
	if err := demoOrders(ctx, pool, authSvc, now); err != nil {
		return err
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("Asia/Shanghai", 8*3600)
	}
	users := func(username string) (auth.Actor, error) {
		var id int64
		if err := pool.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&id); err != nil {
			return auth.Actor{}, fmt.Errorf("demo user %s: %w", username, err)
		}
		return authSvc.ActorFor(ctx, id)
	}
	complaints := func(at time.Time) *complaint.Service {
		return complaint.NewService(pool, func() time.Time { return at }, loc)
	}
	if err := demoComplaints(ctx, users, complaints, pool, now); err != nil {
		return err
	}
	if err := demoDailyReports(ctx, pool, users, loc, now); err != nil {
		return err
	}
	if err := demoReconciliation(ctx, pool, users, loc, now); err != nil {
		return err
	}
	if err := loadProposals(ctx, pool, authSvc, now); err != nil {
		return err
	}
	if err := demoMaintenance(ctx, pool, loc, now); err != nil {
		return err
	}
	if err := loadFaults(ctx, pool, users, now, loc); err != nil {
		return err
	}
	if err := loadWeekPlans(ctx, pool, authSvc, now, loc); err != nil {
		return err
	}
	if err := demoSettings(ctx, pool, users, now, loc); err != nil {
		return err
	}
	if err := demoFieldKit(ctx, pool, users, now, loc); err != nil {
		return err
	}
	if err := demoAccessLog(ctx, pool, users, now, loc); err != nil {
		return err
	}
	if err := demoNotices(ctx, pool, users, now, loc); err != nil {
		return err
	}
	return demoOnline(ctx, pool, users, loc, now)
}

// loadBase inserts everything but the orders.
func loadBase(ctx context.Context, pool *pgxpool.Pool, authSvc *auth.Service, now time.Time) error {
	hq, err := authSvc.AddStation(ctx, "HQ", "总部", "hq", nil)
	if err != nil {
		return err
	}
	centre, err := authSvc.AddStation(ctx, "HD", "华东区域服务中心", "centre", &hq.ID)
	if err != nil {
		return err
	}
	sh, err := authSvc.AddStation(ctx, "SH", "上海浦东服务站", "outlet", &centre.ID)
	if err != nil {
		return err
	}
	sz, err := authSvc.AddStation(ctx, "SZ", "苏州服务站", "outlet", &centre.ID)
	if err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `UPDATE stations SET address = v.address, service_phone = v.phone
		FROM (VALUES ('HQ', '上海市浦东新区张江路 100 号', '400-820-0000'),
		             ('HD', '上海市浦东新区张江路 100 号', '400-820-0001'),
		             ('SH', '上海市浦东新区金桥路 58 号', '021-5888 1200'),
		             ('SZ', '苏州市工业园区星湖街 218 号', '0512-6288 3300')) AS v(code, address, phone)
		WHERE stations.code = v.code`); err != nil {
		return err
	}
	users := []auth.NewUser{
		{Username: "admin", DisplayName: "系统管理员", Role: auth.RoleAdmin, StationID: hq.ID},
		{Username: "manager", DisplayName: "王建国", Role: auth.RoleManager, StationID: centre.ID, Phone: "13900010001"},
		// Headquarters keeps the company's settings and fee schedule; an outlet manager
		// keeps only their own outlet's.
		{Username: "hq.manager", DisplayName: "黄志明", Role: auth.RoleManager, StationID: hq.ID, Phone: "13900010007"},
		{Username: "sz.manager", DisplayName: "钱丽", Role: auth.RoleManager, StationID: sz.ID},
		{Username: "supervisor", DisplayName: "李志强", Role: auth.RoleSupervisor, StationID: sh.ID, Phone: "13900010002"},
		{Username: "hotline", DisplayName: "陈晓燕", Role: auth.RoleHotline, StationID: sh.ID, Phone: "13900010003"},
		{Username: "tech1", DisplayName: "张伟", Role: auth.RoleTechnician, StationID: sh.ID, Phone: "13900010004"},
		{Username: "tech2", DisplayName: "刘洋", Role: auth.RoleTechnician, StationID: sh.ID, Phone: "13900010005"},
		{Username: "storekeeper", DisplayName: "赵敏", Role: auth.RoleStorekeeper, StationID: sh.ID, Phone: "13900010006"},
		// Suzhou has its own small team, to show that stations do not see each other.
		{Username: "sz.supervisor", DisplayName: "周斌", Role: auth.RoleSupervisor, StationID: sz.ID},
		{Username: "sz.hotline", DisplayName: "吴静", Role: auth.RoleHotline, StationID: sz.ID},
		{Username: "sz.tech", DisplayName: "孙磊", Role: auth.RoleTechnician, StationID: sz.ID},
	}
	for _, u := range users {
		u.Password = Password
		if _, err := authSvc.AddUser(ctx, u); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := customers(ctx, tx, sh.ID, sz.ID, now); err != nil {
			return err
		}
		if err := customer.RefreshSearch(ctx, tx, nil); err != nil {
			return err
		}
		return parts(ctx, tx)
	})
	return err
}

var (
	companyPrefix = []string{"浦东", "金桥", "张江", "外高桥", "川沙", "周浦", "康桥", "曹路", "高行", "北蔡", "洋泾", "陆家嘴", "三林", "惠南", "航头", "唐镇", "合庆", "祝桥", "新场", "宣桥", "泥城", "书院", "万祥", "老港", "大团"}
	companyKind   = []string{"机械制造有限公司", "精密五金厂", "食品有限公司", "纺织有限公司", "汽车配件有限公司", "电子科技有限公司", "塑料制品厂", "包装材料有限公司", "医药有限公司", "印刷有限公司"}
	surnames      = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡"}
	givenNames    = []string{"经理", "主任", "工", "师傅", "先生", "女士"}
	roads         = []string{"张杨路", "金海路", "川沙路", "龙东大道", "华夏东路", "申江路", "秀浦路", "康桥路", "沪南公路", "航头路"}
	brands        = []struct{ brand, model string }{
		{"阿特拉斯·科普柯", "GA37VSD+"}, {"阿特拉斯·科普柯", "GA22"}, {"英格索兰", "R55i"}, {"复盛", "SA-120A"},
		{"寿力", "LS20S-100"}, {"开山", "LG-10/8G"}, {"凯撒", "ASD 50"}, {"博莱特", "BLT-50A"},
	}
)

// customers inserts about 50 customers (40 for Shanghai, 10 for Suzhou), each with one
// or two phones, an address and one to three units.
func customers(ctx context.Context, tx pgx.Tx, sh, sz int64, now time.Time) error {
	for i := 0; i < 50; i++ {
		station := sh
		city := "上海市浦东新区"
		if i >= 40 {
			station, city = sz, "苏州市工业园区"
		}
		// Prefix and kind cycle with different periods, so every name is distinct.
		name := "上海" + companyPrefix[i%len(companyPrefix)] + companyKind[(i*7)%len(companyKind)]
		if i >= 40 {
			name = "苏州" + companyPrefix[i%len(companyPrefix)] + companyKind[i%len(companyKind)]
		}
		contact := surnames[i%len(surnames)] + givenNames[i%len(givenNames)]
		address := fmt.Sprintf("%s%s%d号", city, roads[i%len(roads)], 100+i*7)
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO customers (station_id, name, contact_person, notes, created_at, updated_at)
			VALUES ($1, $2, $3, '', $4, $4) RETURNING id`, station, name, contact, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("demo customer: %w", err)
		}
		phones := []string{fmt.Sprintf("138 %04d %04d", 1000+i, 2000+i*13)}
		if i%3 == 0 {
			phones = append(phones, fmt.Sprintf("021-5%03d %04d", 100+i, 3000+i))
		}
		for pos, raw := range phones {
			e164, ok := customer.NormalizePhone(raw)
			if !ok {
				return apperr.New(apperr.Invalid, "demo phone "+raw)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO customer_phones (customer_id, raw, e164, position) VALUES ($1, $2, $3, $4)`, id, raw, e164, pos); err != nil {
				return fmt.Errorf("demo phone: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO customer_addresses (customer_id, address) VALUES ($1, $2)`, id, address); err != nil {
			return fmt.Errorf("demo address: %w", err)
		}
		for u := 0; u <= i%3; u++ {
			b := brands[(i+u)%len(brands)]
			// Purchase dates spread over four years, so some units are in warranty and some not.
			purchase := now.AddDate(0, -((i*5+u*11)%48)-1, -(i % 27))
			manufacture := purchase.AddDate(0, -2, 0)
			_, err := tx.Exec(ctx, `INSERT INTO units (customer_id, brand, model, serial, purchase_date, manufacture_date, warranty_months, install_address, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				id, b.brand, b.model, fmt.Sprintf("SN%d%05d", 2020+(i%6), i*10+u), purchase, manufacture, 12+12*((i+u)%2), address, now)
			if err != nil {
				return fmt.Errorf("demo unit: %w", err)
			}
		}
	}
	return nil
}

// parts inserts about 30 air-compressor parts.
func parts(ctx context.Context, tx pgx.Tx) error {
	list := []struct {
		code, name, spec, uom string
		price                 float64
		reorder               int
		valuable, wear        bool
	}{
		{"P-AF-001", "空气滤芯", "GA37 适用", "个", 280, 10, false, true},
		{"P-AF-002", "空气滤芯", "R55i 适用", "个", 260, 10, false, true},
		{"P-OF-001", "油滤", "GA 系列", "个", 190, 10, false, true},
		{"P-OF-002", "油滤", "SA 系列", "个", 150, 10, false, true},
		{"P-OS-001", "油分芯", "GA37 适用", "个", 980, 5, false, true},
		{"P-OS-002", "油分芯", "LS20S 适用", "个", 860, 5, false, true},
		{"P-OIL-01", "螺杆压缩机油", "20L/桶", "桶", 1350, 6, false, false},
		{"P-OIL-02", "螺杆压缩机油", "5L/桶", "桶", 380, 10, false, false},
		{"P-IV-001", "进气阀", "DN65", "个", 2600, 2, true, false},
		{"P-MPV-01", "最小压力阀", "G1-1/2", "个", 1200, 2, false, false},
		{"P-TV-001", "温控阀", "71℃", "个", 680, 3, false, false},
		{"P-SV-001", "电磁阀", "AC220V", "个", 320, 4, false, true},
		{"P-PS-001", "压力传感器", "0–16 bar", "个", 760, 3, false, false},
		{"P-TS-001", "温度传感器", "PT1000", "个", 420, 3, false, false},
		{"P-BELT-1", "传动皮带", "SPB 2000", "条", 210, 6, false, true},
		{"P-BRG-01", "电机轴承", "6312-2Z", "个", 350, 4, false, true},
		{"P-BRG-02", "主机轴承组", "GA37", "套", 5800, 1, true, false},
		{"P-CPL-01", "联轴器弹性体", "GR38", "个", 160, 4, false, true},
		{"P-FAN-01", "冷却风扇", "Φ500", "个", 1500, 1, false, false},
		{"P-CTL-01", "控制器", "Elektronikon MK5", "台", 8800, 1, true, false},
		{"P-CTC-01", "交流接触器", "LC1D65", "个", 540, 3, false, false},
		{"P-FUSE-1", "熔断器", "RT18 32A", "个", 18, 20, false, true},
		{"P-GSK-01", "密封垫片组", "GA 系列", "套", 240, 5, false, true},
		{"P-HOS-01", "高压软管", "DN25 1m", "根", 300, 4, false, false},
		{"P-DRN-01", "自动排水阀", "EWD 50", "个", 1100, 2, false, false},
		{"P-COOL-1", "油冷却器", "GA37", "个", 4200, 1, true, false},
		{"P-AE-001", "主机", "GA37 主机总成", "台", 38000, 0, true, false},
		{"P-MTR-01", "主电机", "37kW IE3", "台", 16500, 0, true, false},
		{"P-GAU-01", "压力表", "0–1.6MPa", "个", 85, 6, false, false},
		{"P-VLV-01", "安全阀", "DN25 1.0MPa", "个", 460, 2, false, false},
	}
	for _, p := range list {
		if _, err := tx.Exec(ctx, `INSERT INTO parts (code, name, spec, uom, unit_price, reorder_point, valuable, wear)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.code, p.name, p.spec, p.uom, p.price, p.reorder, p.valuable, p.wear); err != nil {
			return fmt.Errorf("demo part %s: %w", p.code, err)
		}
	}
	return nil
}

// demoStock gives the Shanghai warehouse an opening balance: most parts comfortably
// above their reorder point, every fifth one at or under it (for the purchase plan).
func demoStock(ctx context.Context, pool *pgxpool.Pool, now time.Time) error {
	var keeper, station int64
	if err := pool.QueryRow(ctx, `SELECT u.id, u.station_id FROM users u WHERE u.username = 'storekeeper'`).Scan(&keeper, &station); err != nil {
		return err
	}
	rows, err := pool.Query(ctx, `SELECT id, reorder_point FROM parts ORDER BY id`)
	if err != nil {
		return err
	}
	qty := map[int64]int{}
	i := 0
	for rows.Next() {
		var id int64
		var reorder int
		if err := rows.Scan(&id, &reorder); err != nil {
			rows.Close()
			return err
		}
		if i%5 == 4 {
			qty[id] = reorder / 2
		} else {
			qty[id] = reorder*2 + 3
		}
		i++
	}
	rows.Close()
	return partsvc.NewService(pool, func() time.Time { return now }, time.UTC).OpeningStock(ctx, keeper, station, qty)
}

// Seed loads the demo data with the real clock; tests use it with testdb.Seeded.
func Seed(ctx context.Context, pool *pgxpool.Pool) error {
	return Load(ctx, pool, auth.NewService(pool, time.Now), time.Now())
}

// SeedBase loads the demo stations, users, customers and parts but no orders, for tests
// that count the orders they make.
func SeedBase(ctx context.Context, pool *pgxpool.Pool) error {
	return loadBase(ctx, pool, auth.NewService(pool, time.Now), time.Now())
}
