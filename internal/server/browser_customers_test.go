package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserCustomerArchive: the hotline opens 客户档案 from the navigation, finds a
// customer by part of a phone number, opens the customer, changes the contact person,
// and sees the change and its history line. Screenshots: customers-list, customer-page.
func TestBrowserCustomerArchive(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	d := custDemoCustomer(t, a)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "hotline", demo.Password)

	follow(t, ctx, `nav.mainnav a[data-nav="nav.customers"]`)
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "1002 2026\r"),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	// The results may be swapped in as the search is typed and again when it is sent: wait
	// on the live document for the answer to the whole search, not on a node that may go.
	waitFor(t, ctx, "the search result", `(() => {
		const row = document.querySelector("#customers tbody tr:first-child");
		return !!document.getElementById("clear-search") && !!row && row.textContent.includes(`+strconv.Quote(d.Name)+`) && row.textContent.includes(`+strconv.Quote(custDemoPhone)+`);
	})()`, 15*time.Second)
	screenshot(t, ctx, "customers-list")

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#customers tbody tr:first-child a.customer-link`)),
		chromedp.WaitVisible(chromedp.ID("customer-name")),
	)
	if err != nil {
		t.Fatalf("open the customer: %v", err)
	}
	if got := text(t, ctx, "#customer-name"); got != d.Name {
		t.Errorf("customer page for %q, want %q", got, d.Name)
	}
	if got := text(t, ctx, "#units"); !strings.Contains(got, "保内") || !strings.Contains(got, "保外") {
		t.Errorf("units without warranty labels: %q", got)
	}

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("edit-customer")),
		chromedp.WaitVisible(chromedp.ID("contact_person")),
		chromedp.Clear(chromedp.ID("contact_person")),
		chromedp.SendKeys(chromedp.ID("contact_person"), "钱主任"),
		chromedp.Click(chromedp.ID("save-customer")),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")),
		chromedp.WaitVisible(chromedp.CSS(`#history tr[data-kind="updated"]`)),
	)
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	if got := text(t, ctx, ".flash-ok"); got != "客户档案已保存。" {
		t.Errorf("flash %q", got)
	}
	if got := text(t, ctx, "#customer-contact"); got != "钱主任" {
		t.Errorf("contact person %q after the edit", got)
	}
	entry := text(t, ctx, `#history tr[data-kind="updated"]`)
	for _, want := range []string{"陈晓燕", "联系人", d.Contact + " → 钱主任"} {
		if !strings.Contains(entry, want) {
			t.Errorf("history line %q lacks %q", entry, want)
		}
	}
	screenshot(t, ctx, "customer-page")
}
