package workorder

import (
	"context"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// NoticeOrder is the input of CreateNoticeOrderTx: one unit of a technical notice.
type NoticeOrder struct {
	CustomerID int64
	UnitID     int64
	// Symptom names the notice (number and title); Request is its content.
	Symptom string
	Request string
	// PartsNeeded are the notice's parts, written on the order's assessment.
	PartsNeeded string
}

// CreateNoticeOrderTx logs an order of type 技术通知执行 (notice) for one unit inside
// the caller's transaction, with the notice's parts as the parts needed. Supervisors and
// managers (Forbidden otherwise); Invalid with field keys for a customer or unit the
// actor cannot see.
func (s *Service) CreateNoticeOrderTx(ctx context.Context, tx pgx.Tx, actor auth.Actor, in NoticeOrder) (Order, error) {
	if !actor.Is(auth.RoleSupervisor, auth.RoleManager) {
		return Order{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
	}
	n := NewOrder{CustomerID: in.CustomerID, UnitID: in.UnitID, Channel: "visit", Urgency: "normal", ServiceType: "notice",
		Symptom: truncate(in.Symptom, MaxLongText), Request: truncate(in.Request, limits.Of("request"))}
	if f := n.Valid(); len(f) > 0 {
		return Order{}, apperr.Fields(f)
	}
	if n.UnitID == 0 {
		return Order{}, apperr.Fields(map[string]string{"unit_id": "field.required"})
	}
	o, err := s.CreateTx(ctx, tx, actor, n)
	if err != nil {
		return Order{}, err
	}
	o.PartsNeeded = truncate(strings.TrimSpace(in.PartsNeeded), MaxShortText)
	if _, err := tx.Exec(ctx, `UPDATE work_orders SET parts_needed = $2 WHERE id = $1`, o.ID, o.PartsNeeded); err != nil {
		return Order{}, db.Translate(err, "notice order parts")
	}
	return o, nil
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
