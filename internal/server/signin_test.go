package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/demo"
)

func TestSignInRightAndWrongPassword(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)

	r := c.get("/")
	if r.Status != http.StatusSeeOther || r.Location != "/signin" {
		t.Fatalf("anonymous home: %d %q", r.Status, r.Location)
	}
	r = c.post("/signin", url.Values{"username": {"hotline"}, "password": {"wrong"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.Status)
	}
	mustContain(t, r.Body, "用户名或密码错误", `value="hotline"`)

	r = c.post("/signin", url.Values{"username": {"hotline"}, "password": {demo.Password}, "next": {"/admin/users"}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/users" {
		t.Fatalf("right password: %d %q", r.Status, r.Location)
	}
	r = c.get("/")
	if r.Status != http.StatusOK {
		t.Fatalf("home: %d", r.Status)
	}
	mustContain(t, r.Body, "陈晓燕", "客服专员", "上海浦东服务站", "退出登录")
}

func TestSignInRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	// Each of these is a path to the browser only until it strips tabs and newlines and
	// reads backslashes as slashes: then it names another host.
	hostile := []string{"//evil.example/x", "/\t/evil.example", "/\\evil.example", "/\t\\evil.example", "/\n/evil.example",
		"\\evil.example", "https://evil.example", "/%2F/evil.example", "/%5Cevil.example", "javascript:alert(1)", " /x"}
	for _, next := range hostile {
		c := a.client(t)
		r := c.post("/signin", url.Values{"username": {"hotline"}, "password": {demo.Password}, "next": {next}})
		if r.Location != "/" {
			t.Errorf("next=%q redirected to %q", next, r.Location)
		}
		// The same check guards the language switch and the board's return address.
		if r := c.post("/lang", url.Values{"lang": {"en"}, "next": {next}}); r.Location != "/" {
			t.Errorf("lang next=%q redirected to %q", next, r.Location)
		}
	}
	// The query string of /signin?next= is decoded first: %09 is a tab.
	c := a.client(t)
	c.signIn("hotline")
	if r := c.get("/signin?next=/%09/evil.example"); r.Location != "/" {
		t.Errorf("GET /signin?next=/%%09/evil.example redirected to %q", r.Location)
	}
	if r := c.get("/signin?next=/orders%3Fstate%3Dopen"); r.Location != "/orders?state=open" {
		t.Errorf("an own path with a query: %q", r.Location)
	}
	s := a.client(t)
	s.signIn("supervisor")
	if r := s.post("/board/move", url.Values{"order_id": {"0"}, "return": {"/\t/evil.example"}}); strings.Contains(r.Location, "evil") {
		t.Errorf("board return redirected to %q", r.Location)
	}
}

func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	for i := 0; i < auth.MaxFailuresPerPair; i++ {
		c.post("/signin", url.Values{"username": {"tech1"}, "password": {"nope"}})
	}
	r := c.post("/signin", url.Values{"username": {"tech1"}, "password": {demo.Password}})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", r.Status)
	}
	mustContain(t, r.Body, "登录失败次数过多", "1 分钟", "系统管理员")
}

func TestSessionRenewedOnSignInAndDestroyedOnSignOut(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	// Choosing a language before signing in creates a session.
	c.post("/lang", url.Values{"lang": {"en"}, "next": {"/signin"}})
	before := c.sessionToken()
	if before == "" {
		t.Fatal("no session before sign-in")
	}
	c.signIn("supervisor")
	after := c.sessionToken()
	if after == "" || after == before {
		t.Fatalf("session token not renewed on sign-in: %q → %q", before, after)
	}
	// The language chosen before signing in is kept.
	mustContain(t, c.get("/").Body, "Supervisor", "Sign out")

	// The pre-sign-in token does not carry the sign-in.
	old := a.client(t)
	u, _ := url.Parse(a.URL)
	old.http.Jar.SetCookies(u, []*http.Cookie{{Name: "aftersales_session", Value: before, Path: "/"}})
	if r := old.get("/"); r.Status != http.StatusSeeOther {
		t.Errorf("old token still signed in: %d", r.Status)
	}

	r := c.post("/signout", nil)
	if r.Status != http.StatusSeeOther || r.Location != "/signin" {
		t.Fatalf("sign out: %d %q", r.Status, r.Location)
	}
	// The signed-in token is dead even if someone kept it.
	stolen := a.client(t)
	stolen.http.Jar.SetCookies(u, []*http.Cookie{{Name: "aftersales_session", Value: after, Path: "/"}})
	if r := stolen.get("/"); r.Status != http.StatusSeeOther {
		t.Errorf("token works after sign-out: %d", r.Status)
	}
	if r := c.get("/"); r.Status != http.StatusSeeOther {
		t.Errorf("signed out client still signed in: %d", r.Status)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("admin")
	form := url.Values{"username": {"evil"}, "display_name": {"Evil"}, "role": {"admin"}, "station_id": {"1"}, "password": {"Long-enough9"}}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "http://evil.example"},
	} {
		r := c.post("/admin/users", form, h...)
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", h, r.Status)
		}
		mustContain(t, r.Body, "已拒绝来自其他网站的表单提交")
	}
	// Signing out from another site is refused too.
	if r := c.post("/signout", nil, "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden {
		t.Errorf("cross-site sign-out: %d", r.Status)
	}
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM users WHERE username = 'evil'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("cross-site post created %d users (err %v)", n, err)
	}
	// The same post from this site works.
	if r := c.post("/admin/users", form, "Sec-Fetch-Site", "same-origin"); r.Status != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d\n%s", r.Status, r.Body)
	}
}

func TestRoleGuardAndErrorPages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("hotline")
	r := c.get("/admin/users")
	if r.Status != http.StatusForbidden {
		t.Fatalf("hotline on /admin/users: %d", r.Status)
	}
	mustContain(t, r.Body, "此页面需要以下角色：系统管理员")
	r = c.get("/no/such/page")
	if r.Status != http.StatusNotFound {
		t.Fatalf("404: %d", r.Status)
	}
	mustContain(t, r.Body, "页面不存在")

	c.Header.Set("Accept-Language", "en-US,en;q=0.9")
	// The user's stored language wins over Accept-Language once set; hotline has none.
	r = c.get("/admin/users")
	mustContain(t, r.Body, "This page needs one of these roles: Administrator")
}

func TestLanguageSwitchIsStoredOnTheUser(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("tech1")
	if r := c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("switch: %d", r.Status)
	}
	mustContain(t, c.get("/").Body, "Technician", "Workbench")
	// A new session (another device) uses the stored setting despite a Chinese browser.
	d := a.client(t)
	d.signIn("tech1")
	mustContain(t, d.get("/").Body, "Technician")
	if r := c.post("/lang", url.Values{"lang": {"fr"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: %d", r.Status)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	c.signIn("admin")
	r := c.get("/admin/users")
	mustContain(t, r.Body, "用户管理", "tech1", "维修工程师", "苏州服务站")

	r = c.post("/admin/users", url.Values{"username": {"Bad Name"}, "display_name": {"新人"}, "role": {"hotline"}, "station_id": {"3"}, "password": {"short"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", r.Status)
	}
	mustContain(t, r.Body, "用户名须为", "密码至少 8 位", `value="新人"`)

	var shID string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM stations WHERE code = 'SH'`).Scan(&shID)
	r = c.post("/admin/users", url.Values{"username": {"hotline2"}, "display_name": {"新客服"}, "role": {"hotline"}, "station_id": {shID}, "password": {"Long-enough9"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, c.get("/admin/users").Body, "用户已创建", "新客服")

	var id string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM users WHERE username = 'hotline2'`).Scan(&id)
	r = c.get("/admin/users/" + id + "?confirm=deactivate")
	mustContain(t, r.Body, "确定停用 新客服 的账号吗")
	if r := c.post("/admin/users/"+id+"/deactivate", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	mustContain(t, c.get("/admin/users/"+id).Body, "账号已停用", "已停用")

	h := a.client(t)
	r = h.post("/signin", url.Values{"username": {"hotline2"}, "password": {"Long-enough9"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("deactivated user signed in: %d", r.Status)
	}
	if r := c.get("/admin/users/999999"); r.Status != http.StatusNotFound {
		t.Errorf("unknown user: %d", r.Status)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	if r := c.get("/healthz"); r.Status != 200 {
		t.Errorf("healthz %d", r.Status)
	}
	if r := c.get("/readyz"); r.Status != 200 || !strings.Contains(r.Body, "ready") {
		t.Errorf("readyz %d %q", r.Status, r.Body)
	}
	c.get("/signin")
	r := c.get("/metrics")
	mustContain(t, r.Body, `http_request_duration_seconds_bucket{method="GET",route="/signin",status="200"`)
	if r := c.get("/static/js/htmx.min.js"); r.Status != 200 || !strings.Contains(r.Body, "htmx") {
		t.Errorf("htmx not served: %d", r.Status)
	}
	if id := c.get("/signin").Header.Get("X-Request-Id"); len(id) != 16 {
		t.Errorf("request id %q", id)
	}
}

func TestReadyzFailsWithoutDatabase(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.Pool.Close()
	if r := a.client(t).get("/readyz"); r.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed pool: %d", r.Status)
	}
}

// TestPasswordResetEndsSessions: when an admin resets a password, the user's open
// sessions end (whoever knew the old password is out); the new password works.
func TestPasswordResetEndsSessions(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	user := a.client(t)
	user.signIn("hotline")
	if r := user.get("/intake"); r.Status != http.StatusOK {
		t.Fatalf("before the reset: %d", r.Status)
	}
	admin := a.client(t)
	admin.signIn("admin")
	id := userID(t, a, "hotline")
	if r := admin.post("/admin/users/"+id+"/password", url.Values{"password": {"12345678"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a common password: %d", r.Status)
	} else {
		mustContain(t, r.Body, "常见密码")
	}
	if r := admin.post("/admin/users/"+id+"/password", url.Values{"password": {"Xin-mima-2026"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	if r := user.get("/intake"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/signin") {
		t.Fatalf("the old session after a reset: %d %q", r.Status, r.Location)
	}
	fresh := a.client(t)
	if r := fresh.post("/signin", url.Values{"username": {"hotline"}, "password": {"Xin-mima-2026"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", r.Status)
	}
	if r := fresh.get("/intake"); r.Status != http.StatusOK {
		t.Fatalf("new session: %d", r.Status)
	}
}

// TestAdminUnlocksAnAccount: the user page says the account is held back and the
// admin's button clears it.
func TestAdminUnlocksAnAccount(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	for i := 0; i < auth.MaxFailuresPerPair; i++ {
		c.post("/signin", url.Values{"username": {"tech2"}, "password": {"nope"}})
	}
	admin := a.client(t)
	admin.signIn("admin")
	id := userID(t, a, "tech2")
	mustContain(t, admin.get("/admin/users/"+id).Body, "解除登录锁定")
	if r := admin.post("/admin/users/"+id+"/unlock", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlock: %d", r.Status)
	}
	if r := c.post("/signin", url.Values{"username": {"tech2"}, "password": {demo.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in after unlock: %d", r.Status)
	}
}
