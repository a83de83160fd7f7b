package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestStockPagesAndRoles(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for user, want := range map[string]int{"storekeeper": 200, "manager": 200, "supervisor": 200, "hotline": 403, "tech1": 403} {
		c := a.client(t)
		c.signIn(user)
		if r := c.get("/parts"); r.Status != want {
			t.Errorf("%s /parts: %d, want %d", user, r.Status, want)
		}
	}
	c := a.client(t)
	c.signIn("storekeeper")
	r := c.get("/parts")
	mustContain(t, r.Body, "配件台账", "P-AF-001", "空气滤芯", "仓库库存", "需补货")
	// Search and the below-reorder filter.
	if r := c.get("/parts?q=" + url.QueryEscape("油分")); !strings.Contains(r.Body, "P-OS-001") || strings.Contains(r.Body, "P-AF-001") {
		t.Error("search by name does not filter")
	}
	below := c.get("/parts?below=1").Body
	if strings.Count(below, `id="stock-P-`) == 0 || strings.Count(below, `id="stock-P-`) != strings.Count(below, "需补货") {
		t.Errorf("below filter: %d rows, %d marked", strings.Count(below, `id="stock-P-`), strings.Count(below, "需补货"))
	}
	var partID string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text FROM parts WHERE code = 'P-AF-001'`).Scan(&partID)
	mustContain(t, c.get("/parts/ledger/"+partID).Body, "期初库存", "入库")
	if r := c.get("/parts/ledger/999999"); r.Status != http.StatusNotFound {
		t.Errorf("unknown part: %d", r.Status)
	}
}

func TestRequestFromTheOrderPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	id, _ := techOrder(t, a, "in_progress")
	c := a.client(t)
	c.signIn("tech1")
	mustContain(t, c.get("/orders/"+id).Body, `id="action-request"`, `list="part-codes"`)
	// An unknown code: the form comes back with what was typed.
	r := c.post("/orders/"+id+"/requisitions", url.Values{"part": {"XX-404", ""}, "quantity": {"2", ""}, "note": {"急用"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown code: %d", r.Status)
	}
	mustContain(t, r.Body, "找不到这个配件编码", `value="XX-404"`, `value="急用"`)
	r = c.post("/orders/"+id+"/requisitions", url.Values{"part": {"P-AF-001 空气滤芯"}, "quantity": {"2"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("request: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, c.get("/orders/"+id).Body, "领料申请已提交", "待审批", "P-AF-001")
	// tech2 cannot ask for parts on tech1's order.
	t2 := a.client(t)
	t2.signIn("tech2")
	if r := t2.post("/orders/"+id+"/requisitions", url.Values{"part": {"P-AF-001"}, "quantity": {"1"}}); r.Status != http.StatusNotFound {
		t.Errorf("tech2: %d", r.Status)
	}
	// The storekeeper cannot approve what the supervisor approves? Both may: the storekeeper
	// approves, then issues; a hotline user may not see the queue.
	h := a.client(t)
	h.signIn("hotline")
	if r := h.get("/parts/requisitions"); r.Status != http.StatusForbidden {
		t.Errorf("hotline queue: %d", r.Status)
	}
	k := a.client(t)
	k.signIn("storekeeper")
	q := k.get("/parts/requisitions?state=requested").Body
	mustContain(t, q, "领料审批", "张伟", "P-AF-001")
	var reqID, version string
	_ = a.Pool.QueryRow(t.Context(), `SELECT id::text, version::text FROM requisitions WHERE order_id = $1`, id).Scan(&reqID, &version)
	if r := k.post("/parts/requisitions/"+reqID+"/reject", url.Values{"version": {version}, "reason": {""}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reject without reason: %d", r.Status)
	}
	mustContain(t, k.get("/parts/requisitions?state=requested").Body, "flash-error", "此项必填")
	if r := k.post("/parts/requisitions/"+reqID+"/approve", url.Values{"version": {version}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	// A second approval of the same version is refused with a message, not an error page.
	r = k.post("/parts/requisitions/"+reqID+"/approve", url.Values{"version": {version}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("stale approve: %d", r.Status)
	}
	mustContain(t, k.get(r.Location).Body, "已被他人处理")
}
