package customer_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db/testdb"
	"github.com/aftersales/aftersales/internal/testkit"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func day(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"138 1234 5678":     "+8613812345678",
		"13812345678":       "+8613812345678",
		"+86 138-1234-5678": "+8613812345678",
		"021-5012 3456":     "+862150123456",
		"(021) 50123456":    "+862150123456",
	} {
		if got, ok := customer.NormalizePhone(in); !ok || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "12", "1381234567890123", "12345x", "138 1002", "138 1234 567x", "+86 12345"} {
		if got, ok := customer.NormalizePhone(bad); ok {
			t.Errorf("NormalizePhone(%q) = %q, want refusal", bad, got)
		}
	}
}

// TestPhonesTypedThroughAnInputMethod: full-width digits and signs, as a Chinese input
// method types them, are the same numbers as ASCII ones, for storage and for search.
func TestPhonesTypedThroughAnInputMethod(t *testing.T) {
	for in, want := range map[string]string{
		"１３８１２３４５６７８":       "+8613812345678",
		"１３８　１２３４　５６７８":     "+8613812345678",
		"１３８－１２３４－５６７８":     "+8613812345678",
		"138—1234—5678":     "+8613812345678",
		"＋８６ １３８ １２３４ ５６７８": "+8613812345678",
		"（０２１）５０１２３４５６":     "+862150123456",
	} {
		if got, ok := customer.NormalizePhone(in); !ok || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"１３８", "１３８１２３４５６７ｘ", "１３８１２３４５６７８９０１２"} {
		if got, ok := customer.NormalizePhone(bad); ok {
			t.Errorf("NormalizePhone(%q) = %q, want refusal", bad, got)
		}
	}
	for in, want := range map[string]string{
		"１３８ １２３４": "1381234", "138-1234": "1381234", "＋８６１３８": "86138", "东方明珠": "东方明珠", "１２": "１２", "GA-90": "GA-90",
	} {
		if got := customer.SearchTerm(in); got != want {
			t.Errorf("SearchTerm(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFormatPhone: a number shows the same whichever way it was typed or stored.
func TestFormatPhone(t *testing.T) {
	for want, typed := range map[string][]string{
		"138 1016 2208":   {"13810162208", "138-1016-2208", "138 1016 2208", "+86 138 1016 2208", "+8613810162208", "１３８１０１６２２０８", "１３８－１０１６－２２０８"},
		"021 5888 1234":   {"02158881234", "021-5888 1234", "(021) 58881234", "+862158881234", "０２１－５８８８１２３４"},
		"0755 8888 1234":  {"075588881234", "+8675588881234"},
		"400 812 3456":    {"4008123456", "400-812-3456"},
		"+1 415-555-0123": {"+14155550123", "+1 (415) 555 0123"},
	} {
		for _, in := range typed {
			if got := customer.FormatPhone(in); got != want {
				t.Errorf("FormatPhone(%q) = %q, want %q", in, got, want)
			}
		}
	}
	// What is no number is shown as typed (folded).
	for in, want := range map[string]string{"分机 8012": "分机 8012", "１２": "12", " 12345 ": "12345"} {
		if got := customer.FormatPhone(in); got != want {
			t.Errorf("FormatPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFullWidthPhoneFindsTheCustomer: a customer saved with a full-width number is kept
// in ASCII, and searching with full-width digits finds customers however their number
// was typed.
func TestFullWidthPhoneFindsTheCustomer(t *testing.T) {
	t.Parallel()
	pool := testkit.DemoDB(t)
	ctx := context.Background()
	shanghai := testkit.Shanghai
	svc := customer.NewService(pool, time.Now, shanghai)
	hot := testkit.Actor(t, pool, "hotline")
	ascii, err := svc.CreateCustomer(ctx, hot, customer.NewCustomer{Name: "临港重工机械有限公司", Phones: []string{"186 5432 1098"}})
	if err != nil {
		t.Fatal(err)
	}
	wide, err := svc.CreateCustomer(ctx, hot, customer.NewCustomer{Name: "外高桥物流设备有限公司", Phones: []string{"１８６　５４３２　１０９９"}})
	if err != nil {
		t.Fatalf("a full-width number is refused: %v", err)
	}
	if len(wide.Phones) != 1 || wide.Phones[0].E164 != "+8618654321099" || wide.Phones[0].Raw != "186 5432 1099" {
		t.Errorf("stored as %+v", wide.Phones)
	}
	for q, want := range map[string]int64{
		"１８６５４３２１０９８": ascii.ID, "１８６ ５４３２ １０９８": ascii.ID, "１８６－５４３２－１０９９": wide.ID, "18654321099": wide.ID, "５４３２１０９９": wide.ID,
	} {
		m, err := svc.Search(ctx, hot, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(m, func(m customer.Match) bool { return m.ID == want }) {
			t.Errorf("search %q finds %+v, want customer %d", q, m, want)
		}
	}
}

func TestWarranty(t *testing.T) {
	shanghai := testkit.Shanghai
	u := customer.Unit{PurchaseDate: day("2025-11-22"), WarrantyMonths: 12}
	for _, tc := range []struct {
		on   time.Time
		want bool
	}{
		{time.Date(2026, 11, 22, 23, 59, 0, 0, shanghai), true},  // the last day is in warranty
		{time.Date(2026, 11, 23, 0, 0, 0, 0, shanghai), false},   // the day after is not
		{time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC), false}, // 00:30 on the 23rd in Shanghai
	} {
		if in, known := u.InWarranty(tc.on, shanghai); !known || in != tc.want {
			t.Errorf("on %s: in=%v known=%v, want %v", tc.on, in, known, tc.want)
		}
	}
	if end, _ := (customer.Unit{PurchaseDate: day("2026-01-31"), WarrantyMonths: 1}).WarrantyEnd(); end.Format("2006-01-02") != "2026-02-28" {
		t.Errorf("month-end clamp: %s", end)
	}
	if _, known := (customer.Unit{}).InWarranty(time.Now(), shanghai); known {
		t.Error("unknown purchase date reported as known")
	}
}

func TestCreateCustomerAndUnit(t *testing.T) {
	t.Parallel()
	pool := testkit.DemoDB(t)
	ctx := context.Background()
	shanghai := testkit.Shanghai
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, shanghai)
	svc := customer.NewService(pool, func() time.Time { return now }, shanghai)
	actorOf := func(name string) auth.Actor { return testkit.Actor(t, pool, name) }
	hotline, szHotline, tech := actorOf("hotline"), actorOf("sz.hotline"), actorOf("tech1")

	_, err := svc.CreateCustomer(ctx, hotline, customer.NewCustomer{Phones: []string{"12"}})
	e := apperr.As(err)
	if e.Fields["name"] != "field.required" || e.Fields["phones"] != "customer.field.phone_invalid" {
		t.Errorf("bad input: %v", err)
	}
	if _, err := svc.CreateCustomer(ctx, hotline, customer.NewCustomer{Name: "x"}); apperr.As(err).Fields["phones"] != "customer.field.phone_required" {
		t.Errorf("no phone: %v", err)
	}
	if _, err := svc.CreateCustomer(ctx, tech, customer.NewCustomer{Name: "x", Phones: []string{"13812345678"}}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("technician creating a customer: %v", err)
	}
	c, err := svc.CreateCustomer(ctx, hotline, customer.NewCustomer{Name: " 新客户 ", Phones: []string{"139 0000 1111", "13900001111", ""}, Addresses: []string{"上海市浦东新区张杨路1号"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "新客户" || len(c.Phones) != 1 || c.Phones[0].E164 != "+8613900001111" || c.Phones[0].Raw != "139 0000 1111" || c.StationID != hotline.StationID {
		t.Errorf("created %+v", c)
	}
	_, err = svc.AddUnit(ctx, hotline, c.ID, customer.NewUnit{PurchaseDate: day("2026-11-23"), ManufactureDate: day("2026-12-01")})
	e = apperr.As(err)
	if e.Fields["model"] == "" || e.Fields["purchase_date"] != "customer.field.date_future" || e.Fields["manufacture_date"] != "customer.field.date_future" {
		t.Errorf("bad unit: %v", err)
	}
	if _, err := svc.AddUnit(ctx, hotline, c.ID, customer.NewUnit{Model: "GA22", PurchaseDate: day("2026-01-01"), ManufactureDate: day("2026-02-01")}); apperr.As(err).Fields["manufacture_date"] != "customer.field.made_after_purchase" {
		t.Errorf("made after purchase: %v", err)
	}
	u, err := svc.AddUnit(ctx, hotline, c.ID, customer.NewUnit{Brand: "英格索兰", Model: "R55i", Serial: "SN-1", PurchaseDate: day("2026-11-22"), WarrantyMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := u.InWarranty(now, shanghai); !in {
		t.Error("a unit bought today is out of warranty")
	}
	// Another station's hotline sees neither the customer nor the unit.
	if _, err := svc.CustomerByID(ctx, szHotline, c.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Suzhou reads a Shanghai customer: %v", err)
	}
	if _, err := svc.UnitByID(ctx, szHotline, u.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Suzhou reads a Shanghai unit: %v", err)
	}
	if _, err := svc.AddUnit(ctx, szHotline, c.ID, customer.NewUnit{Model: "x"}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Suzhou adds a unit to a Shanghai customer: %v", err)
	}
	got, err := svc.CustomerByID(ctx, hotline, c.ID)
	if err != nil || len(got.Addresses) != 1 || len(got.Phones) != 1 {
		t.Errorf("read back %+v %v", got, err)
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	pool := testkit.DemoDB(t)
	ctx := context.Background()
	shanghai := testkit.Shanghai
	svc := customer.NewService(pool, time.Now, shanghai)
	actorOf := func(name string) auth.Actor { return testkit.Actor(t, pool, name) }
	hot, sz := actorOf("hotline"), actorOf("sz.hotline")
	c, err := svc.CreateCustomer(ctx, hot, customer.NewCustomer{Name: "东方明珠机电设备有限公司", ContactPerson: "钱工", Phones: []string{"186 2233 4455"}, Addresses: []string{"上海市浦东新区世纪大道88号"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUnit(ctx, hot, c.ID, customer.NewUnit{Model: "GA90", Serial: "AIF099887"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"18622334455", "186 2233 4455", "+86 186-2233-4455", "2233", "东方明珠", "世纪大道", "AIF0998", "钱工", "东方明株机电"} {
		m, err := svc.Search(ctx, hot, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 || m[0].ID != c.ID {
			t.Errorf("search %q: first match %v, want %d", q, m, c.ID)
			continue
		}
		if !slices.Equal(m[0].Phones, []string{"+8618622334455"}) || m[0].Units != 1 || m[0].Address != "上海市浦东新区世纪大道88号" {
			t.Errorf("search %q: %+v", q, m[0])
		}
	}
	if m, _ := svc.Search(ctx, sz, "东方明珠", 10); len(m) != 0 {
		t.Errorf("Suzhou finds a Shanghai customer: %v", m)
	}
	if m, _ := svc.Search(ctx, hot, "  ", 10); len(m) != 0 {
		t.Errorf("blank query: %v", m)
	}
	// Demo customers are searchable too (their search text is computed after loading).
	if m, _ := svc.Search(ctx, hot, "1381000", 10); len(m) == 0 {
		t.Error("no demo customer found by phone prefix")
	}
}
