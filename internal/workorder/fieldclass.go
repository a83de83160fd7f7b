package workorder

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/jackc/pgx/v5"
)

// reclassifyEvent names a class correction's event in the order's log: no state change.
const reclassifyEvent = "reclassify"

// reclassifyRefusal says why actor may not correct o's field class now, or nil when they
// may: a supervisor or manager, on an order whose job is completed (awaiting callback or
// closed after a completion). The order page offers the action exactly when it is nil.
func reclassifyRefusal(o Order, actor auth.Actor) error {
	if !actor.Is(auth.RoleSupervisor, auth.RoleManager) {
		return apperr.New(apperr.Forbidden, "error.transition.role", "State", string(o.State), "Transition", reclassifyEvent, "Role", string(actor.Role))
	}
	if (o.State != AwaitingCallback && o.State != Closed) || o.CompletedAt == nil {
		return apperr.New(apperr.IllegalTransition, "workorder.error.reclassify_not_completed", "State", string(o.State))
	}
	return nil
}

// Reclassify corrects the field class of a completed order (更正分类): a supervisor or
// manager, while the order awaits its callback or is closed. The event records the class
// before and after; the state stays. note is optional. Errors: Forbidden (role),
// NotFound, Conflict (stale version), IllegalTransition (not a completed order), Invalid
// (field_class not one of FieldClasses or unchanged; note too long).
func (s *Service) Reclassify(ctx context.Context, actor auth.Actor, id int64, version int, class, note string) (Order, error) {
	note = strings.TrimSpace(note)
	return s.record(ctx, actor, id, version, reclassifyEvent, []string{class, note}, func(tx pgx.Tx, o *Order, _ Settings, _ time.Time) (string, map[string]any, error) {
		if err := reclassifyRefusal(*o, actor); err != nil {
			return "", nil, err
		}
		f := checkLengths(map[string]string{}, "note", note)
		switch {
		case !oneOf(class, FieldClasses):
			f["field_class"] = "workorder.field.field_class_required"
		case o.FieldClass != nil && *o.FieldClass == class:
			f["field_class"] = "workorder.field.field_class_same"
		}
		if err := invalid(f); err != nil {
			return "", nil, err
		}
		data := map[string]any{"to": class}
		if o.FieldClass != nil {
			data["from"] = *o.FieldClass
		}
		o.FieldClass = ptr(class)
		return note, data, nil
	})
}
