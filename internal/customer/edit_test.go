package customer_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/testkit"
	"github.com/jackc/pgx/v5/pgxpool"
)

// editFixture is a demo database with a customer service on a fixed clock.
type editFixture struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	svc  *customer.Service
	now  time.Time
}

func newEditFixture(t *testing.T) *editFixture {
	t.Helper()
	shanghai := testkit.Shanghai
	f := &editFixture{t: t, ctx: context.Background(), pool: testkit.DemoDB(t),
		// After the demo data was loaded (with the real clock), in PostgreSQL's precision.
		now: time.Now().In(shanghai).Truncate(time.Microsecond)}
	f.svc = customer.NewService(f.pool, func() time.Time { return f.now }, shanghai)
	return f
}

func (f *editFixture) actor(username string) auth.Actor {
	f.t.Helper()
	return testkit.Actor(f.t, f.pool, username)
}

// newCustomer creates a Shanghai customer to edit.
func (f *editFixture) newCustomer() customer.Customer {
	f.t.Helper()
	c, err := f.svc.CreateCustomer(f.ctx, f.actor("hotline"), customer.NewCustomer{Name: "浦江精工机械有限公司", ContactPerson: "马工",
		Phones: []string{"137 0000 1111"}, Addresses: []string{"上海市浦东新区川沙路1号"}, Notes: "周末不上班"})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// updates counts the customer's "updated" history rows.
func (f *editFixture) updates(id int64) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM customer_events WHERE customer_id = $1 AND kind = 'updated'`, id).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *editFixture) found(q string, id int64) bool {
	f.t.Helper()
	m, err := f.svc.Search(f.ctx, f.actor("hotline"), q, 50)
	if err != nil {
		f.t.Fatal(err)
	}
	return slices.ContainsFunc(m, func(m customer.Match) bool { return m.ID == id })
}

func TestUpdateCustomerRecordsWhatChanged(t *testing.T) {
	t.Parallel()
	f := newEditFixture(t)
	c := f.newCustomer()
	if !f.found("13700001111", c.ID) {
		t.Fatal("the new customer is not found by its phone")
	}
	supervisor := f.actor("supervisor")
	got, err := f.svc.UpdateCustomer(f.ctx, supervisor, c.ID, c.Version, customer.EditCustomer{
		Name: " 浦江精工机械有限公司 ", ContactPerson: "牛经理",
		Phones:    []string{"139 2222 3333", "", "13922223333", "021-5888 6666"},
		Addresses: []string{"上海市浦东新区川沙路1号", "  ", "上海市浦东新区川沙路2号仓库"},
		Notes:     "周末不上班\r\n进厂需登记",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != c.Version+1 || got.ContactPerson != "牛经理" || got.Notes != "周末不上班\n进厂需登记" ||
		len(got.Phones) != 2 || got.Phones[0].Raw != "139 2222 3333" || got.Phones[0].E164 != "+8613922223333" || got.Phones[1].E164 != "+862158886666" ||
		len(got.Addresses) != 2 || got.Addresses[1].Address != "上海市浦东新区川沙路2号仓库" {
		t.Errorf("after the edit: %+v", got)
	}
	if again, err := f.svc.CustomerByID(f.ctx, supervisor, c.ID); err != nil || again.ContactPerson != "牛经理" || len(again.Phones) != 2 || again.Version != got.Version {
		t.Errorf("read back %+v %v", again, err)
	}

	// One history row, with only the changed fields and their old and new values.
	if n := f.updates(c.ID); n != 1 {
		t.Fatalf("%d updated rows, want 1", n)
	}
	h, err := f.svc.History(f.ctx, f.actor("hotline"), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Kind != "updated" || h[1].Kind != "created" {
		t.Fatalf("history (newest first): %+v", h)
	}
	if h[0].ActorName != "李志强" || !h[0].At.Equal(f.now) {
		t.Errorf("who and when: %q %s", h[0].ActorName, h[0].At)
	}
	want := []customer.Change{
		{Field: "contact_person", From: []string{"马工"}, To: []string{"牛经理"}},
		{Field: "phones", From: []string{"137 0000 1111"}, To: []string{"139 2222 3333", "021-5888 6666"}},
		{Field: "addresses", From: []string{"上海市浦东新区川沙路1号"}, To: []string{"上海市浦东新区川沙路1号", "上海市浦东新区川沙路2号仓库"}},
		{Field: "notes", From: []string{"周末不上班"}, To: []string{"周末不上班\n进厂需登记"}},
	}
	if !slices.EqualFunc(h[0].Changes, want, func(a, b customer.Change) bool {
		return a.Field == b.Field && slices.Equal(a.From, b.From) && slices.Equal(a.To, b.To)
	}) {
		t.Errorf("changes\n got %+v\nwant %+v", h[0].Changes, want)
	}

	// The search box finds the new numbers, not the old one.
	if !f.found("139 2222 3333", c.ID) || !f.found("58886666", c.ID) || !f.found("牛经理", c.ID) {
		t.Error("search misses the new phone or contact")
	}
	if f.found("13700001111", c.ID) {
		t.Error("search still finds the old phone")
	}

	// Saving the same content again changes nothing and writes nothing.
	same, err := f.svc.UpdateCustomer(f.ctx, supervisor, c.ID, got.Version, customer.EditCustomer{
		Name: got.Name, ContactPerson: got.ContactPerson, Phones: []string{"139 2222 3333", "021-5888 6666"},
		Addresses: []string{"上海市浦东新区川沙路1号", "上海市浦东新区川沙路2号仓库"}, Notes: got.Notes,
	})
	if err != nil || same.Version != got.Version || f.updates(c.ID) != 1 {
		t.Errorf("a no-op edit: version %d, %d updated rows, %v", same.Version, f.updates(c.ID), err)
	}

	// The same numbers typed another way (full width through an input method, no
	// spaces) show the same, so they are no change either.
	same, err = f.svc.UpdateCustomer(f.ctx, supervisor, c.ID, got.Version, customer.EditCustomer{
		Name: got.Name, ContactPerson: got.ContactPerson, Phones: []string{"１３９２２２２３３３３", "02158886666"},
		Addresses: []string{"上海市浦东新区川沙路1号", "上海市浦东新区川沙路2号仓库"}, Notes: got.Notes,
	})
	if err != nil || same.Version != got.Version || f.updates(c.ID) != 1 {
		t.Errorf("the same numbers retyped: version %d, %d updated rows, %v", same.Version, f.updates(c.ID), err)
	}
	// A new number typed in full width is accepted and found.
	wide, err := f.svc.UpdateCustomer(f.ctx, supervisor, c.ID, got.Version, customer.EditCustomer{
		Name: got.Name, ContactPerson: got.ContactPerson, Phones: []string{"１５０ ６６６６ ７７７７"},
		Addresses: []string{"上海市浦东新区川沙路1号"}, Notes: got.Notes,
	})
	if err != nil || len(wide.Phones) != 1 || wide.Phones[0].E164 != "+8615066667777" || !f.found("１５０６６６６７７７７", c.ID) {
		t.Errorf("a full-width number in an edit: %+v, %v", wide.Phones, err)
	}
}

func TestUpdateCustomerRefusals(t *testing.T) {
	t.Parallel()
	f := newEditFixture(t)
	c := f.newCustomer()
	hotline := f.actor("hotline")
	unchanged := func(what string) {
		t.Helper()
		got, err := f.svc.CustomerByID(f.ctx, hotline, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.updates(c.ID) != 0 || got.Version != c.Version || got.Name != c.Name || got.ContactPerson != c.ContactPerson ||
			len(got.Phones) != 1 || got.Phones[0].Raw != "137 0000 1111" {
			t.Errorf("%s wrote: %+v, %d updated rows", what, got, f.updates(c.ID))
		}
		if !f.found("13700001111", c.ID) {
			t.Errorf("%s changed the search text", what)
		}
	}
	edit := customer.EditCustomer{Name: c.Name, ContactPerson: "新联系人", Phones: []string{"13700001111"}}

	// A stale version (someone saved in between) is a Conflict that names them.
	_, err := f.svc.UpdateCustomer(f.ctx, hotline, c.ID, c.Version+1, edit)
	if e := apperr.As(err); e.Code != apperr.Conflict || e.Key != "customer.stale" {
		t.Errorf("stale version: %v", err)
	}
	unchanged("a stale edit")
	first, err := f.svc.UpdateCustomer(f.ctx, f.actor("supervisor"), c.ID, c.Version, customer.EditCustomer{Name: c.Name, ContactPerson: "主管改的", Phones: []string{"13700001111"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.UpdateCustomer(f.ctx, hotline, c.ID, c.Version, edit)
	if e := apperr.As(err); e.Code != apperr.Conflict || e.Key != "customer.stale" || e.Data["Name"] != "李志强" || e.Data["At"] != f.now.Format("2006-01-02 15:04") {
		t.Errorf("edit over someone else's: %v", err)
	}
	if got, _ := f.svc.CustomerByID(f.ctx, hotline, c.ID); got.ContactPerson != "主管改的" || got.Version != first.Version || f.updates(c.ID) != 1 {
		t.Errorf("the stale edit overwrote: %+v", got)
	}

	// Fresh fixture state for the remaining refusals.
	c = f.newCustomer()
	edit.Phones = []string{"13700001111", "12"}
	_, err = f.svc.UpdateCustomer(f.ctx, hotline, c.ID, c.Version, edit)
	if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["phones"] != "customer.field.phone_invalid" {
		t.Errorf("bad phone: %v", err)
	}
	unchanged("a bad phone")
	_, err = f.svc.UpdateCustomer(f.ctx, hotline, c.ID, c.Version, customer.EditCustomer{Name: "  ", Phones: []string{" "}})
	if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["name"] != "field.required" || e.Fields["phones"] != "customer.field.phone_required" {
		t.Errorf("no name, no phone: %v", err)
	}
	unchanged("an empty form")

	// Another station's hotline does not see the customer at all; a technician may not edit.
	edit.Phones = []string{"13700001111"}
	if _, err := f.svc.UpdateCustomer(f.ctx, f.actor("sz.hotline"), c.ID, c.Version, edit); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Suzhou edits a Shanghai customer: %v", err)
	}
	if _, err := f.svc.History(f.ctx, f.actor("sz.hotline"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Suzhou reads a Shanghai customer's history: %v", err)
	}
	if _, err := f.svc.UpdateCustomer(f.ctx, f.actor("tech1"), c.ID, c.Version, edit); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a technician edits: %v", err)
	}
	if _, err := f.svc.UpdateCustomer(f.ctx, hotline, 1<<40, 1, edit); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("no such customer: %v", err)
	}
	unchanged("refused edits")
}

func TestRecent(t *testing.T) {
	t.Parallel()
	f := newEditFixture(t)
	c := f.newCustomer()
	m, err := f.svc.Recent(f.ctx, f.actor("hotline"), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 10 || m[0].ID != c.ID || !slices.Equal(m[0].Phones, []string{"+8613700001111"}) || m[0].Address != "上海市浦东新区川沙路1号" {
		t.Errorf("newest first: %+v", m)
	}
	sz, err := f.svc.Recent(f.ctx, f.actor("sz.hotline"), 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(sz) != 10 || slices.ContainsFunc(sz, func(m customer.Match) bool { return m.ID == c.ID }) {
		t.Errorf("Suzhou sees %d customers, or a Shanghai one", len(sz))
	}
	// The centre's manager sees both stations.
	if all, _ := f.svc.Recent(f.ctx, f.actor("manager"), 100); len(all) != 51 {
		t.Errorf("manager sees %d customers, want 51", len(all))
	}
}
