package server_test

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestBrowserEachRoleSeesItsNavigationInChinese signs in through the form as every demo
// role in headless Chromium (zh-CN) and checks the header shows that role's navigation
// and labels in Chinese. Screenshots go to test-artifacts/screenshots/.
func TestBrowserEachRoleSeesItsNavigationInChinese(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	cases := []struct {
		user, name, role string
		nav              []string
		notNav           []string
	}{
		{"admin", "系统管理员", "系统管理员", []string{"工作台", "用户管理"}, []string{"报修登记", "工单列表"}},
		{"manager", "王建国", "站长/经理", []string{"工作台", "工单列表", "客户档案"}, []string{"用户管理", "报修登记"}},
		{"supervisor", "李志强", "主管", []string{"工作台", "工单列表", "客户档案"}, []string{"用户管理", "报修登记"}},
		{"hotline", "陈晓燕", "客服专员", []string{"工作台", "报修登记", "工单列表", "客户档案"}, []string{"用户管理"}},
		{"tech1", "张伟", "维修工程师", []string{"工作台"}, []string{"用户管理", "报修登记", "工单列表"}},
		{"storekeeper", "赵敏", "库管", []string{"工作台"}, []string{"用户管理", "报修登记", "工单列表"}},
	}
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			ctx := browser(t)
			uiSignIn(t, ctx, a.URL, tc.user, demo.Password)
			if got := text(t, ctx, "#current-user"); got != tc.name {
				t.Errorf("user %q, want %q", got, tc.name)
			}
			if got := text(t, ctx, ".who .role"); got != tc.role {
				t.Errorf("role label %q, want %q", got, tc.role)
			}
			nav := text(t, ctx, "nav.mainnav")
			for _, n := range tc.nav {
				if !strings.Contains(nav, n) {
					t.Errorf("navigation %q lacks %q", nav, n)
				}
			}
			for _, n := range tc.notNav {
				if strings.Contains(nav, n) {
					t.Errorf("navigation %q shows %q to %s", nav, n, tc.user)
				}
			}
			lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil || lang != "zh-Hans" {
				t.Errorf("page language %q (%v)", lang, err)
			}
			screenshot(t, ctx, "signin-"+tc.user)
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.ID("username"))); err != nil {
				t.Fatalf("sign out: %v", err)
			}
		})
	}
}

// TestBrowserTabletLayout checks the technician's pages on a 10-inch tablet in both
// orientations: no horizontal scrolling, and touch targets at least 44 px high (for a
// radio button or checkbox, the label around it is the target).
func TestBrowserTabletLayout(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var job string
	if err := a.Pool.QueryRow(t.Context(), `SELECT o.id::text FROM work_orders o JOIN users u ON u.id = o.assignee_id
		WHERE u.username = 'tech1' AND o.state = 'in_progress' LIMIT 1`).Scan(&job); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "tech1", demo.Password)
	for _, page := range []struct{ name, path, ready string }{
		{"home", "/", "#current-user"}, {"jobs", "/jobs", ".job"}, {"job", "/orders/" + job, "#complete-form"},
	} {
		for _, vp := range []struct {
			name string
			w, h int64
		}{{"landscape", 1024, 768}, {"portrait", 768, 1024}} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(a.URL+page.path), chromedp.WaitVisible(chromedp.CSS(page.ready))); err != nil {
				t.Fatal(err)
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			if err != nil || overflow {
				t.Errorf("%s %s: horizontal scrolling (%v)", page.name, vp.name, err)
			}
			small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a, button, input, select, textarea, summary')]
				.filter(e => e.offsetParent !== null && e.type !== 'hidden')
				.map(e => (e.type === 'radio' || e.type === 'checkbox') ? e.closest('label') || e : e)
				.filter(e => e.getBoundingClientRect().height < 44)
				.map(e => e.outerHTML.slice(0, 80))`))
			if err != nil || len(small) > 0 {
				t.Errorf("%s %s: touch targets under 44 px: %v (%v)", page.name, vp.name, small, err)
			}
			screenshot(t, ctx, "tablet-"+page.name+"-"+vp.name)
		}
	}
}

// TestBrowserLanguageSwitch switches to English in the header and back.
func TestBrowserLanguageSwitch(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := browser(t)
	uiSignIn(t, ctx, a.URL, "supervisor", demo.Password)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".langswitch button")), chromedp.WaitVisible(chromedp.CSS(`.langswitch button[lang="zh-Hans"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".who .role"); got != "Supervisor" {
		t.Errorf("after switching to English: %q", got)
	}
	screenshot(t, ctx, "supervisor-en")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".langswitch button")), chromedp.WaitVisible(chromedp.CSS(`.langswitch button[lang="en"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".who .role"); got != "主管" {
		t.Errorf("after switching back: %q", got)
	}
}
