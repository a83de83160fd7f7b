package fee

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/jackc/pgx/v5"
)

// The fee schedule belongs to headquarters: its items, names and prices. A centre or an
// outlet may set its own price of an item or take it off its own schedule; the stations
// below it inherit that, and the nearest override wins (station_fee_items).

// Item is one item of the fee schedule as a station uses it.
type Item struct {
	ID       int64  `db:"id"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	Kind     string `db:"kind"`
	PriceFen int64  `db:"price_fen"`
	Active   bool   `db:"active"`
	// BasePriceFen is headquarters' price.
	BasePriceFen int64 `db:"base_price_fen"`
	// PriceFrom and ActiveFrom are the stations whose override sets the price and the
	// active flag (nil: headquarters' item).
	PriceFrom     *int64    `db:"price_from"`
	ActiveFrom    *int64    `db:"active_from"`
	UpdatedAt     time.Time `db:"updated_at"`
	UpdatedByName string    `db:"updated_by_name"`
}

const itemColumns = `i.id, i.code, i.name, i.kind, i.price_fen, i.active, i.base_price_fen, i.price_from, i.active_from,
	i.updated_at, coalesce(u.display_name, '') AS updated_by_name`

// Schedule is a station's fee schedule page.
type Schedule struct {
	// Chain is the station and the stations above it, nearest first: where the items'
	// values come from.
	Chain []settings.Station
	// HQ says the station is headquarters: it keeps the items themselves.
	HQ       bool
	Items    []Item
	Stations []settings.Choice
	History  []settings.Event
	// Subtree names the station and the stations below it: the stations a change here
	// reaches unless one has its own value of the item.
	Subtree []string
}

// Station is the station the schedule is for.
func (s Schedule) Station() settings.Station { return s.Chain[0] }

// From returns the station of the chain with id, or headquarters for nil.
func (s Schedule) From(id *int64) settings.Station {
	for _, st := range s.Chain {
		if id != nil && st.ID == *id {
			return st
		}
	}
	return s.Chain[len(s.Chain)-1]
}

// ScheduleOf lists a station's fee schedule, active items first, with where each price
// and active flag comes from, the stations the actor may pick, and the schedule's
// history at the station. Forbidden unless the actor may change the station's settings.
func (s *Service) ScheduleOf(ctx context.Context, actor auth.Actor, stationID int64) (Schedule, error) {
	if !settings.MayChange(actor, stationID) {
		return Schedule{}, settings.Refusal()
	}
	var sc Schedule
	var res settings.Resolved
	b := &pgx.Batch{}
	b.Queue(`SELECT `+itemColumns+` FROM station_fee_items($1) i LEFT JOIN users u ON u.id = i.updated_by
		ORDER BY NOT i.active, i.kind = 'labour', i.code`, stationID).Query(func(rows pgx.Rows) (err error) {
		sc.Items, err = pgx.CollectRows(rows, pgx.RowToStructByName[Item])
		return err
	})
	settings.QueueLoad(b, &res, "$1", stationID)
	settings.QueueChoices(b, actor, &sc.Stations)
	settings.QueueHistory(b, stationID, true, &sc.History)
	b.Queue(`WITH RECURSIVE down(id, name, depth) AS (SELECT id, name, 0 FROM stations WHERE id = $1
			UNION ALL SELECT s.id, s.name, d.depth + 1 FROM stations s JOIN down d ON s.parent_id = d.id)
		SELECT name FROM down ORDER BY depth, id`, stationID).Query(func(rows pgx.Rows) (err error) {
		sc.Subtree, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return Schedule{}, db.Translate(err, "fee schedule")
	}
	if len(res.Chain) == 0 {
		return Schedule{}, notFound()
	}
	for _, l := range res.Chain {
		sc.Chain = append(sc.Chain, l.Station)
	}
	sc.HQ = len(sc.Chain) == 1
	return sc, nil
}

// ValidateItem checks an item's fields; it returns field messages (empty when fine).
func ValidateItem(in ItemInput) map[string]string {
	f := map[string]string{}
	switch {
	case in.Code == "":
		f["code"] = "field.required"
	case utf8.RuneCountInString(in.Code) > 32 || strings.ContainsAny(in.Code, " \t/"):
		f["code"] = "fee.field.code"
	}
	switch {
	case in.Name == "":
		f["name"] = "field.required"
	case utf8.RuneCountInString(in.Name) > maxText:
		f["name"] = "fee.field.too_long"
	}
	if in.Kind != "visit" && in.Kind != "labour" {
		f["kind"] = "fee.field.kind"
	}
	if in.PriceFen < 0 || in.PriceFen > MaxPriceFen {
		f["price"] = "fee.field.price"
	}
	return f
}

// hq returns headquarters' id, refused unless the actor may change headquarters'
// settings.
func hq(ctx context.Context, tx pgx.Tx, actor auth.Actor) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM stations WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		return 0, db.Translate(err, "headquarters")
	}
	if !settings.MayChange(actor, id) {
		return 0, settings.Refusal()
	}
	return id, nil
}

// eventValue is how a change of the schedule records an item's state: its price in
// yuan, " off" when it is off the schedule.
func eventValue(priceFen int64, active bool) string {
	if active {
		return FenInput(priceFen)
	}
	return FenInput(priceFen) + " off"
}

// SaveItem adds an item to headquarters' schedule or, when its code exists, updates and
// reactivates it; the stations without their own price use the new price. Lines already
// on orders keep their price. Errors: Forbidden (only a manager of headquarters keeps the
// items), Invalid.
func (s *Service) SaveItem(ctx context.Context, actor auth.Actor, in ItemInput) (Item, error) {
	if !actor.Is(auth.RoleManager, auth.RoleAdmin) {
		return Item{}, forbidden("manager")
	}
	in.Code, in.Name = strings.ToUpper(strings.TrimSpace(in.Code)), strings.TrimSpace(in.Name)
	if f := ValidateItem(in); len(f) > 0 {
		return Item{}, apperr.Fields(f)
	}
	var id, station int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if station, err = hq(ctx, tx, actor); err != nil {
			return err
		}
		// The same form posted again returns the item the first run saved.
		fresh, ref, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now())
		if err != nil || !fresh {
			id = ref
			return err
		}
		old := ""
		var oldPrice int64
		var oldActive bool
		err = tx.QueryRow(ctx, `SELECT price_fen, active FROM fee_items WHERE code = $1 FOR UPDATE`, in.Code).Scan(&oldPrice, &oldActive)
		switch {
		case err == nil:
			old = eventValue(oldPrice, oldActive)
		case !errors.Is(err, pgx.ErrNoRows):
			return db.Translate(err, "fee item")
		}
		err = tx.QueryRow(ctx, `INSERT INTO fee_items (code, name, kind, price_fen, active, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, true, $5, $6)
			ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, price_fen = EXCLUDED.price_fen,
				active = true, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
			RETURNING id`, in.Code, in.Name, in.Kind, in.PriceFen, actor.UserID, s.now()).Scan(&id)
		if err != nil {
			return db.Translate(err, "save fee item")
		}
		if next := eventValue(in.PriceFen, true); next != old {
			if err := settings.RecordEvent(ctx, tx, station, actor.UserID, s.now(), "fee:"+in.Code, old, next, false); err != nil {
				return err
			}
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Item{}, err
	}
	return s.item(ctx, station, id)
}

// DeactivateItem takes an item off headquarters' schedule, and so off every station's;
// lines using it stay. Errors: Forbidden (only a manager of headquarters), NotFound.
func (s *Service) DeactivateItem(ctx context.Context, actor auth.Actor, id int64) error {
	if !actor.Is(auth.RoleManager, auth.RoleAdmin) {
		return forbidden("manager")
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		station, err := hq(ctx, tx, actor)
		if err != nil {
			return err
		}
		// The same form posted again changes nothing more.
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now()); err != nil || !fresh {
			return err
		}
		var code string
		var price int64
		var active bool
		err = tx.QueryRow(ctx, `SELECT code, price_fen, active FROM fee_items WHERE id = $1 FOR UPDATE`, id).Scan(&code, &price, &active)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return db.Translate(err, "fee item")
		}
		if !active {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE fee_items SET active = false, updated_by = $2, updated_at = $3 WHERE id = $1`, id, actor.UserID, s.now()); err != nil {
			return db.Translate(err, "deactivate fee item")
		}
		return settings.RecordEvent(ctx, tx, station, actor.UserID, s.now(), "fee:"+code, eventValue(price, true), eventValue(price, false), false)
	})
}

// SetOverride sets a centre's or an outlet's own price of an item and whether it offers
// it. A value equal to the one the station would inherit is not kept as its own, so the
// form can always send both. Errors: Forbidden unless the actor may change the station,
// Invalid ("price"), NotFound for an unknown item, Conflict at headquarters (which keeps
// the items themselves).
func (s *Service) SetOverride(ctx context.Context, actor auth.Actor, stationID, itemID, priceFen int64, active bool) error {
	if !settings.MayChange(actor, stationID) {
		return settings.Refusal()
	}
	if priceFen < 0 || priceFen > MaxPriceFen {
		return apperr.Fields(map[string]string{"price": "fee.field.price"})
	}
	return s.override(ctx, actor, stationID, itemID, func(inherited Item) (*int64, *bool) {
		var p *int64
		var a *bool
		if priceFen != inherited.PriceFen {
			p = &priceFen
		}
		if active != inherited.Active {
			a = &active
		}
		return p, a
	})
}

// ResetOverride removes a station's own price and active flag of an item: it uses the
// schedule above it again. Errors as SetOverride.
func (s *Service) ResetOverride(ctx context.Context, actor auth.Actor, stationID, itemID int64) error {
	if !settings.MayChange(actor, stationID) {
		return settings.Refusal()
	}
	return s.override(ctx, actor, stationID, itemID, func(Item) (*int64, *bool) { return nil, nil })
}

// override runs one change of a station's override of an item in one transaction, with
// its event: next decides the station's own price and active flag from the inherited item.
func (s *Service) override(ctx context.Context, actor auth.Actor, stationID, itemID int64, next func(inherited Item) (*int64, *bool)) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		// The same form posted again changes nothing more.
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now); err != nil || !fresh {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(29, $1::integer)`, stationID); err != nil {
			return db.Translate(err, "settings lock")
		}
		var parent *int64
		if err := tx.QueryRow(ctx, `SELECT parent_id FROM stations WHERE id = $1`, stationID).Scan(&parent); errors.Is(err, pgx.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return db.Translate(err, "station")
		}
		if parent == nil {
			return apperr.New(apperr.Conflict, "stset.error.fee_hq")
		}
		var cur, inherited Item
		err := tx.QueryRow(ctx, `SELECT i.code, i.price_fen, i.active, p.price_fen, p.active
			FROM station_fee_items($1) i JOIN station_fee_items($2) p ON p.id = i.id WHERE i.id = $3`, stationID, *parent, itemID).
			Scan(&cur.Code, &cur.PriceFen, &cur.Active, &inherited.PriceFen, &inherited.Active)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return db.Translate(err, "fee item")
		}
		price, active := next(inherited)
		if price == nil && active == nil {
			_, err = tx.Exec(ctx, `DELETE FROM fee_item_overrides WHERE station_id = $1 AND fee_item_id = $2`, stationID, itemID)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO fee_item_overrides (station_id, fee_item_id, price_fen, active, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (station_id, fee_item_id) DO UPDATE SET price_fen = $3, active = $4,
				updated_by = $5, updated_at = $6`, stationID, itemID, price, active, actor.UserID, now)
		}
		if err != nil {
			return db.Translate(err, "fee override")
		}
		after := inherited
		if price != nil {
			after.PriceFen = *price
		}
		if active != nil {
			after.Active = *active
		}
		old, nextValue := eventValue(cur.PriceFen, cur.Active), eventValue(after.PriceFen, after.Active)
		if old == nextValue {
			return nil
		}
		return settings.RecordEvent(ctx, tx, stationID, actor.UserID, now, "fee:"+cur.Code, old, nextValue, price == nil && active == nil)
	})
}

func (s *Service) item(ctx context.Context, station, id int64) (Item, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+itemColumns+` FROM station_fee_items($1) i LEFT JOIN users u ON u.id = i.updated_by
		WHERE i.id = $2`, station, id)
	if err != nil {
		return Item{}, db.Translate(err, "fee item")
	}
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Item])
	return it, db.Translate(err, "fee item")
}
