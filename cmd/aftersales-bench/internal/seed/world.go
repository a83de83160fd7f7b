package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/customer"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// seed is the fixed seed of every random choice: the same Scale gives the same data
// (relative to the time it is seeded).
const seed = 20240601

// Indexes of the fee schedule rows the migration inserts (VISIT, MAINT, REPAIR, MAJOR).
const (
	feeVisit  = 1
	feeMaint  = 2
	feeRepair = 3
	feeMajor  = 4
)

type station struct {
	id                  int64
	code, name, kind    string
	parent              int64
	city                *city
	district            string
	weight              float64
	hotlines, sups      []int32 // user indexes
	techs               []int32
	storekeeper         int32
	manager             int32 // -1 when none
	wh, qu              int64 // location ids, filled after insert
	stocked             bool
	custs               []int32
	openGeneral, closed int // planned general orders
}

type user struct {
	id                    int64
	username, name, phone string
	role                  string
	station               int32
}

type phone struct{ raw, e164 string }

type cust struct {
	id                 int64
	station            int32
	name, contact      string
	phones             []phone
	address            string
	brand, model       string
	serial             string
	purchase, made     time.Time // dates (UTC midnight)
	months             int
	install            string
	createdAt          time.Time
	creator            int32
	search             string
	firstOrder         time.Time
	openOrders, orders int32
}

type part struct {
	id               int64
	code, name, spec string
	uom              string
	priceFen         int64 // unit_price × 100
	reorder          int
	valuable, wear   bool
	rank             int // popularity rank, 0 = most popular
	createdAt        time.Time
}

// world is everything generated before the orders.
type world struct {
	sc        Scale
	now       time.Time
	loc       *time.Location
	st        wo.Settings // the workflow settings of the database being seeded
	stations  []*station
	users     []*user
	custs     []*cust
	parts     []*part
	byRank    []int32 // part indexes by popularity rank
	custByID  []int   // customer index of id i+1
	stocked   []int32 // the outlets that keep parts
	hot, tech int32   // station indexes
	techUser  int32   // the Technician
	manager   int32
	hash      string
	// special sizes
	nHotOpen, nHotOrders, nIssue int
}

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("Asia/Shanghai", 8*3600)
	}
	return loc
}

// specialSizes are the fixed sets of orders the benchmarks use; at very small scales
// they shrink so that most orders stay history.
func specialSizes(orders int) (hotOpen, hotOrders, issue int) {
	hotOpen, hotOrders, issue = 500, 1000, 200
	const need = 2 * (500 + 1000 + 200 + 1)
	if orders < need {
		f := float64(orders) / need
		hotOpen, hotOrders, issue = max(1, int(500*f)), max(1, int(1000*f)), max(1, int(200*f))
	}
	return
}

func newWorld(sc Scale, now time.Time, passwordHash string, st wo.Settings) (*world, error) {
	if sc.Customers < 1 || sc.Orders < 10 || sc.Parts < 1 || sc.Movements < 0 || sc.Events < sc.Orders {
		return nil, fmt.Errorf("seed: scale %+v is too small", sc)
	}
	w := &world{sc: sc, now: now, loc: shanghai(), hash: passwordHash, st: st}
	w.nHotOpen, w.nHotOrders, w.nIssue = specialSizes(sc.Orders)
	r := rand.New(rand.NewPCG(seed, 1))
	w.buildStations(r)
	w.buildUsers(r)
	if err := w.buildCustomers(rand.New(rand.NewPCG(seed, 2))); err != nil {
		return nil, err
	}
	w.buildParts(rand.New(rand.NewPCG(seed, 3)))
	w.stocked = w.stockedStations()
	return w, nil
}

func (w *world) buildStations(r *rand.Rand) {
	id := int64(0)
	add := func(s *station) int32 {
		id++
		s.id = id
		s.manager = -1
		w.stations = append(w.stations, s)
		return int32(len(w.stations) - 1)
	}
	add(&station{code: "HQ", name: "总部", kind: "hq"})
	for ri := range regions {
		rg := &regions[ri]
		add(&station{code: rg.code, name: rg.name, kind: "centre", parent: 1})
	}
	for ri := range regions {
		rg := &regions[ri]
		for ci := range rg.cities {
			c := &rg.cities[ci]
			districts := c.districts
			if len(districts) == 0 {
				districts = []string{""}
			}
			for di, d := range districts {
				s := &station{code: fmt.Sprintf("%s%02d", c.code, di+1), name: c.name + d + "服务站", kind: "outlet", parent: int64(2 + ri), city: c, district: d}
				// Big cities are busier; every outlet differs.
				s.weight = math.Exp(r.NormFloat64()*0.45) * (1 + 0.15*float64(len(c.districts)))
				idx := add(s)
				switch s.code {
				case "SH01":
					w.hot = idx
				case "SH02":
					w.tech = idx
				}
			}
		}
	}
	// The hot station and the technician's station are busy ones.
	w.stations[w.hot].weight = max(w.stations[w.hot].weight, 1.6)
	w.stations[w.tech].weight = max(w.stations[w.tech].weight, 1.5)
}

func (w *world) outlets() []int32 {
	var out []int32
	for i, s := range w.stations {
		if s.kind == "outlet" {
			out = append(out, int32(i))
		}
	}
	return out
}

func (w *world) addUser(r *rand.Rand, st int32, role, username string) int32 {
	u := &user{id: int64(len(w.users) + 1), username: username, name: personName(r), role: role, station: st}
	u.phone, _ = mobile(r)
	u.phone = strings.NewReplacer(" ", "", "-", "").Replace(u.phone)
	w.users = append(w.users, u)
	return int32(len(w.users) - 1)
}

func (w *world) buildUsers(r *rand.Rand) {
	w.addUser(r, 0, "admin", "admin")
	w.users[0].name = "系统管理员"
	w.manager = w.addUser(r, 0, "manager", "hq.manager")
	w.stations[0].manager = w.manager
	for i, s := range w.stations {
		st := int32(i)
		lc := strings.ToLower(s.code)
		switch s.kind {
		case "centre":
			s.manager = w.addUser(r, st, "manager", lc+".manager")
		case "outlet":
			s.manager = w.addUser(r, st, "manager", lc+".manager")
			nSup, nHot := 1, 1+int(s.weight)
			if s.weight > 1.5 {
				nSup = 2
			}
			nTech := min(12, max(3, int(math.Round(4*s.weight))))
			if st == w.hot {
				nTech, nHot = 12, 3
			}
			for k := 1; k <= nSup; k++ {
				s.sups = append(s.sups, w.addUser(r, st, "supervisor", fmt.Sprintf("%s.sup%d", lc, k)))
			}
			for k := 1; k <= nHot; k++ {
				s.hotlines = append(s.hotlines, w.addUser(r, st, "hotline", fmt.Sprintf("%s.hot%d", lc, k)))
			}
			for k := 1; k <= nTech; k++ {
				s.techs = append(s.techs, w.addUser(r, st, "technician", fmt.Sprintf("%s.tech%02d", lc, k)))
			}
			s.storekeeper = w.addUser(r, st, "storekeeper", lc+".store")
		}
	}
	w.techUser = w.stations[w.tech].techs[0]
}

// buildCustomers makes the customers, each with one unit, spread over the outlets by
// their weight. Creation and purchase dates are set by finishCustomers once the orders
// are planned (a customer is created at the intake of their first order).
func (w *world) buildCustomers(r *rand.Rand) error {
	outlets := w.outlets()
	weights := make([]float64, len(outlets))
	for i, o := range outlets {
		weights[i] = w.stations[o].weight
	}
	cum := cumulative(weights)
	serials := make(map[string]bool, w.sc.Customers)
	w.custs = make([]*cust, w.sc.Customers)
	indWeight := func(x struct {
		name   string
		weight float64
	}) float64 {
		return x.weight
	}
	for i := range w.custs {
		var st int32
		if i < len(outlets) {
			st = outlets[i] // every outlet has customers
		} else {
			st = outlets[searchCum(cum, r.Float64())]
		}
		s := w.stations[st]
		c := &cust{station: st}
		company := r.IntN(4) > 0
		if company {
			place := s.city.name
			if s.district != "" && r.IntN(2) == 0 {
				place = s.district
			}
			c.name = place + pick(r, tradeNames) + industries[pickWeighted(r, industries, indWeight)].name + pick(r, companySuffix)
			if t := pick(r, contactTitles); t != "" {
				c.contact = surnames[skewIndex(r, len(surnames))] + t
			} else {
				c.contact = personName(r)
			}
		} else {
			c.name = personName(r)
		}
		// Every prefix is a mobile range libphonenumber accepts (the tests check each
		// number with customer.NormalizePhone), so E.164 is +86 and the digits.
		raw, d := mobile(r)
		c.phones = append(c.phones, phone{raw, "+86" + d})
		if company && r.IntN(10) < 3 {
			raw := landline(r, s.city.area)
			if e, ok := customer.NormalizePhone(raw); ok && e != c.phones[0].e164 {
				c.phones = append(c.phones, phone{raw, e})
			}
		}
		c.address = address(r, s, company)
		c.install = c.address
		if company && r.IntN(5) == 0 {
			c.install = address(r, s, true)
		}
		m := pick(r, unitModels)
		c.brand, c.model = m.brand, m.model
		for {
			c.serial = fmt.Sprintf("%s%07d", m.serialPrefix, r.IntN(10_000_000))
			if !serials[c.serial] {
				serials[c.serial] = true
				break
			}
		}
		c.months = []int{12, 12, 12, 12, 24, 24, 24, 36, 36, 0}[r.IntN(10)]
		hot := w.stations[st].hotlines
		c.creator = hot[r.IntN(len(hot))]
		s.custs = append(s.custs, int32(i))
		w.custs[i] = c
	}
	return nil
}

// countyCities are districts that are county-level cities (…市, not …区); districtName
// spells the others that are not simply …区.
var (
	countyCities = map[string]bool{"昆山": true, "常熟": true, "张家港": true, "江阴": true, "慈溪": true, "余姚": true}
	districtName = map[string]string{"浦东": "浦东新区", "两江": "两江新区", "长安": "长安镇", "虎门": "虎门镇", "松山湖": "松山湖园区",
		"亦庄": "经济技术开发区", "工业园区": "工业园区", "滨海新区": "滨海新区"}
)

func address(r *rand.Rand, s *station, company bool) string {
	c := s.city
	var b strings.Builder
	if c.province != c.name+"市" {
		b.WriteString(c.province)
	}
	b.WriteString(c.name + "市")
	if d := s.district; d != "" {
		switch {
		case countyCities[d]:
			b.WriteString(d + "市")
		case districtName[d] != "":
			b.WriteString(districtName[d])
		default:
			b.WriteString(d + "区")
		}
	}
	if company && r.IntN(3) == 0 && !strings.Contains(districtName[s.district], "区") {
		place := s.district
		if place == "" || countyCities[place] {
			place = c.name
		}
		b.WriteString(place + pick(r, parks))
	}
	fmt.Fprintf(&b, "%s%d号", pick(r, c.roads), 1+r.IntN(1200))
	switch {
	case company && r.IntN(2) == 0:
		fmt.Fprintf(&b, "%d号厂房", 1+r.IntN(8))
	case !company:
		fmt.Fprintf(&b, "%d栋%d室", 1+r.IntN(30), 101+r.IntN(20)*100+r.IntN(6))
	}
	return b.String()
}

// finishCustomers sets each customer's creation time (at the intake of their first order,
// or some time in the past) and the unit's purchase and manufacture dates, then the
// search text as customer.RefreshSearch computes it.
func (w *world) finishCustomers() {
	for i, c := range w.custs {
		r := rand.New(rand.NewPCG(seed, uint64(1_000_000+i)))
		if c.firstOrder.IsZero() {
			c.createdAt = w.now.Add(-time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(time.Second)
		} else {
			c.createdAt = c.firstOrder.Add(-time.Duration(5+r.IntN(120)) * time.Second)
		}
		y, m, d := c.createdAt.In(w.loc).Date()
		created := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		switch {
		case r.IntN(7) == 0: // a new machine: installed just before the first call
			c.purchase = created.AddDate(0, 0, -r.IntN(30))
		default:
			c.purchase = created.AddDate(0, 0, -r.IntN(6*365))
		}
		c.made = c.purchase.AddDate(0, -1-r.IntN(6), -r.IntN(28))
		c.search = customerSearch(c)
	}
	// Ids in the order the customers were created.
	order := make([]int, len(w.custs))
	for i := range order {
		order[i] = i
	}
	sortStable(order, func(a, b *int) int { return w.custs[*a].createdAt.Compare(w.custs[*b].createdAt) })
	for k, i := range order {
		w.custs[i].id = int64(k + 1)
	}
	w.custByID = order
}

// customerSearch is what customer.RefreshSearch stores: concat_ws(' ', name, contact,
// phones (digits as typed and E.164 without +), addresses, serial and model).
//
// The phones come in the order of the index the subquery reads, (customer_id, e164).
func customerSearch(c *cust) string {
	phones := slices.Clone(c.phones)
	slices.SortFunc(phones, func(a, b phone) int { return strings.Compare(a.e164, b.e164) })
	ph := make([]string, len(phones))
	for i, p := range phones {
		ph[i] = digits(p.raw) + " " + p.e164[1:]
	}
	return strings.Join([]string{c.name, c.contact, strings.Join(ph, " "), c.address, c.serial + " " + c.model}, " ")
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func (w *world) buildParts(r *rand.Rand) {
	w.parts = make([]*part, w.sc.Parts)
	seq := map[string]int{}
	catWeight := func(c partCategory) float64 { return c.popularity }
	keys := make([]float64, len(w.parts))
	created := w.now.AddDate(-3, -6, 0).Truncate(time.Hour)
	for i := range w.parts {
		c := partCategories[pickWeighted(r, partCategories, catWeight)]
		seq[c.code]++
		spec := pick(r, c.specs)
		if r.IntN(3) == 0 {
			spec += pick(r, []string{"（原厂）", "（国产）", "（加强型）", "（进口）", " 新款", " 旧款"})
		}
		yuan := c.priceLo + r.IntN(c.priceHi-c.priceLo+1)
		fen := int64(yuan) * 100
		if r.IntN(2) == 0 {
			fen += 50
		}
		p := &part{id: int64(i + 1), code: fmt.Sprintf("%s-%05d", c.code, seq[c.code]), name: c.name, spec: spec, uom: c.uom, priceFen: fen,
			reorder: c.reorder, valuable: yuan >= 2000, wear: c.wear, createdAt: created.Add(time.Duration(i) * time.Second)}
		w.parts[i] = p
		// Exponential race: popular categories come first, with chance mixed in.
		keys[i] = -math.Log(1-r.Float64()) / c.popularity
	}
	w.byRank = make([]int32, len(w.parts))
	for i := range w.byRank {
		w.byRank[i] = int32(i)
	}
	sortStable(w.byRank, func(a, b *int32) int {
		switch {
		case keys[*a] < keys[*b]:
			return -1
		case keys[*a] > keys[*b]:
			return 1
		}
		return 0
	})
	for rank, pi := range w.byRank {
		w.parts[pi].rank = rank
	}
}

func cumulative(ws []float64) []float64 {
	out := make([]float64, len(ws))
	t := 0.0
	for i, x := range ws {
		t += x
		out[i] = t
	}
	for i := range out {
		out[i] /= t
	}
	return out
}

// searchCum returns the index whose cumulative share covers u.
func searchCum(cum []float64, u float64) int {
	i := sort.SearchFloat64s(cum, u)
	return min(i, len(cum)-1)
}
