package workorder

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/jackc/pgx/v5"
)

// Receivable is an order closed with its fees still owed (应收款).
type Receivable struct {
	Order   Order
	OwedFen int64
}

// ReceivableList is the receivables page: the list and whether the actor may write off.
type ReceivableList struct {
	Items       []Receivable
	CanWriteOff bool
}

// Receivables lists the receivables of the actor's stations, oldest closure first: the
// manager's list until each is settled or written off. Managers and hotline (who record
// payments); Forbidden for others.
func (s *Service) Receivables(ctx context.Context, actor auth.Actor) (ReceivableList, error) {
	items, err := s.receivables(ctx, actor)
	return ReceivableList{Items: items, CanWriteOff: actor.Is(auth.RoleManager)}, err
}

func (s *Service) receivables(ctx context.Context, actor auth.Actor) ([]Receivable, error) {
	if !actor.Is(auth.RoleManager, auth.RoleHotline) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager,hotline")
	}
	args := []any{}
	scope := workflow.Scope(actor, "o", db.Args(&args))
	rows, err := s.pool.Query(ctx, `SELECT o.id, coalesce((SELECT sum(l.amount_fen) FROM order_fee_lines l WHERE l.order_id = o.id AND l.deleted_at IS NULL), 0)::bigint
		FROM work_orders o WHERE o.fees_state = 'receivable' AND `+scope+` ORDER BY o.closed_at, o.id LIMIT 500`, args...)
	if err != nil {
		return nil, db.Translate(err, "receivables")
	}
	owed := map[int64]int64{}
	var ids []int64
	for rows.Next() {
		var id, fen int64
		if err := rows.Scan(&id, &fen); err != nil {
			rows.Close()
			return nil, db.Translate(err, "receivables")
		}
		ids, owed[id] = append(ids, id), fen
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.Translate(err, "receivables")
	}
	orders, err := collectOrders(s.pool.Query(ctx, selectOrder+` WHERE o.id = ANY($1) ORDER BY o.closed_at, o.id`, ids))
	if err != nil {
		return nil, err
	}
	out := make([]Receivable, 0, len(orders))
	for _, o := range orders {
		out = append(out, Receivable{Order: o, OwedFen: owed[o.ID]})
	}
	return out, nil
}

// WriteOff writes a receivable off (manager): the customer will not be asked to pay.
// Required: reason. Errors: Forbidden, NotFound, Conflict (stale version),
// IllegalTransition (not a receivable), Invalid (reason).
func (s *Service) WriteOff(ctx context.Context, actor auth.Actor, id int64, version int, reason string) (Order, error) {
	reason = strings.TrimSpace(reason)
	return s.record(ctx, actor, id, version, "write_off", reason, func(tx pgx.Tx, o *Order, _ Settings, _ time.Time) (string, map[string]any, error) {
		if !actor.Is(auth.RoleManager) {
			return "", nil, apperr.New(apperr.Forbidden, "error.transition.role", "State", string(o.State), "Transition", "write_off", "Role", string(actor.Role))
		}
		if o.FeesState != "receivable" {
			return "", nil, apperr.New(apperr.IllegalTransition, "receivable.error.not_receivable")
		}
		if err := invalid(checkLengths(required("reason", reason), "reason", reason)); err != nil {
			return "", nil, err
		}
		owed, err := fee.OwedFen(ctx, tx, o.ID)
		if err != nil {
			return "", nil, err
		}
		o.FeesState = "written_off"
		return reason, map[string]any{"amount_fen": owed}, nil
	})
}

// record runs one change that is not a step of the workflow (the state stays): the same
// transaction, version check, retry recognition, event row and NOTIFY as transition,
// without asking the machine. apply checks the actor and the order's facts itself.
func (s *Service) record(ctx context.Context, actor auth.Actor, id int64, version int, name string, input any, apply change) (Order, error) {
	return s.run(ctx, actor, id, version, name, input, func(tx pgx.Tx, o *Order, st Settings) (State, error) {
		return o.State, nil
	}, apply)
}
