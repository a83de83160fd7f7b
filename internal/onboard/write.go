package onboard

import (
	"context"
	"slices"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
)

// nextIDs takes n ids of a table's sequence in one statement.
func nextIDs(ctx context.Context, tx pgx.Tx, seq string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, seq, n)
	if err != nil {
		return nil, db.Translate(err, "ids")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, db.Translate(err, "ids")
}

// copyRows writes rows into table's columns in one COPY.
func copyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return db.Translate(err, "copy "+table)
}

// write stores the rows as matched and chosen, in batches (ids taken in one statement,
// rows written by COPY), then logs the open orders through the work-order intake.
func (s *Service) write(ctx context.Context, tx pgx.Tx, actor auth.Actor, rec Record, rows []Row, m matches, ch Choices) (Record, error) {
	now := s.now()
	res := rec
	var fresh, merged []int
	take := make([][]int, len(m.groups))
	for gi, g := range m.groups {
		if g.target == 0 {
			fresh = append(fresh, gi)
			take[gi] = g.rows
			continue
		}
		for _, i := range g.rows {
			if ch.skip(rows[i].No) {
				res.RowsSkipped++
			} else {
				take[gi] = append(take[gi], i)
			}
		}
		if len(take[gi]) > 0 {
			merged = append(merged, gi)
		}
	}

	// What the merged customers already hold, so nothing is added twice.
	var targets []int64
	for _, gi := range merged {
		targets = append(targets, m.groups[gi].target)
	}
	slices.Sort(targets)
	hasPhone, hasAddress := map[int64]map[string]bool{}, map[int64]map[string]bool{}
	phonePos, addrPos := map[int64]int{}, map[int64]int{}
	if len(targets) > 0 {
		// Lock the customers in id order and move their version on: an edit form open on one
		// must not save its old phones over the imported ones.
		if _, err := tx.Exec(ctx, `UPDATE customers SET version = version + 1, updated_at = $2 WHERE id = ANY($1)`, targets, now); err != nil {
			return res, db.Translate(err, "lock customers")
		}
		for _, t := range targets {
			hasPhone[t], hasAddress[t] = map[string]bool{}, map[string]bool{}
		}
		q, err := tx.Query(ctx, `SELECT customer_id, e164, position FROM customer_phones WHERE customer_id = ANY($1)`, targets)
		if err != nil {
			return res, db.Translate(err, "phones")
		}
		var cid int64
		var v string
		var pos int
		if _, err := pgx.ForEachRow(q, []any{&cid, &v, &pos}, func() error {
			hasPhone[cid][v] = true
			phonePos[cid] = max(phonePos[cid], pos+1)
			return nil
		}); err != nil {
			return res, db.Translate(err, "phones")
		}
		q, err = tx.Query(ctx, `SELECT customer_id, address, position FROM customer_addresses WHERE customer_id = ANY($1)`, targets)
		if err != nil {
			return res, db.Translate(err, "addresses")
		}
		if _, err := pgx.ForEachRow(q, []any{&cid, &v, &pos}, func() error {
			hasAddress[cid][v] = true
			addrPos[cid] = max(addrPos[cid], pos+1)
			return nil
		}); err != nil {
			return res, db.Translate(err, "addresses")
		}
	}

	// Ids for the new customers and the new units.
	newUnit := func(i int) bool {
		return rows[i].HasUnit && (m.dups[i] == nil || m.dups[i].UnitID == 0)
	}
	nUnits := 0
	for gi := range m.groups {
		for _, i := range take[gi] {
			if newUnit(i) {
				nUnits++
			}
		}
	}
	custIDs, err := nextIDs(ctx, tx, "customers_id_seq", len(fresh))
	if err != nil {
		return res, err
	}
	unitIDs, err := nextIDs(ctx, tx, "units_id_seq", nUnits)
	if err != nil {
		return res, err
	}

	var customers, phones, addresses, units, events [][]any
	unitOf := make([]int64, len(rows))
	custOf := make([]int64, len(m.groups))
	touched := make([]int64, 0, len(fresh)+len(merged))
	event := map[string]any{"import_id": rec.ID, "file": rec.FileName}
	addGroup := func(gi int, cid int64, kind string) {
		custOf[gi] = cid
		touched = append(touched, cid)
		seenPhone, seenAddr := hasPhone[cid], hasAddress[cid]
		if seenPhone == nil {
			seenPhone, seenAddr = map[string]bool{}, map[string]bool{}
		}
		nextPhone, nextAddr := phonePos[cid], addrPos[cid]
		nPhones, nUnits := 0, 0
		for _, i := range take[gi] {
			r := rows[i]
			for _, p := range r.Phones {
				if !seenPhone[p.E164] {
					seenPhone[p.E164] = true
					phones = append(phones, []any{cid, p.Raw, p.E164, nextPhone})
					nextPhone++
					nPhones++
				}
			}
			if r.Address != "" && !seenAddr[r.Address] {
				seenAddr[r.Address] = true
				addresses = append(addresses, []any{cid, r.Address, nextAddr})
				nextAddr++
			}
			if newUnit(i) {
				id := unitIDs[0]
				unitIDs = unitIDs[1:]
				unitOf[i] = id
				units = append(units, []any{id, cid, r.Brand, r.Model, r.Serial, r.Purchase, r.WarrantyMonths, "", now})
				nUnits++
			} else if m.dups[i] != nil {
				unitOf[i] = m.dups[i].UnitID
			}
		}
		data := map[string]any{"units": nUnits, "phones": nPhones}
		for k, v := range event {
			data[k] = v
		}
		events = append(events, []any{cid, actor.UserID, now, kind, data})
		res.UnitsCreated += nUnits
	}
	for n, gi := range fresh {
		g := m.groups[gi]
		first := rows[g.rows[0]]
		contact := ""
		for _, i := range g.rows {
			if contact = rows[i].Contact; contact != "" {
				break
			}
		}
		customers = append(customers, []any{custIDs[n], rec.StationID, first.Name, contact, now, now})
		addGroup(gi, custIDs[n], "imported")
	}
	for _, gi := range merged {
		addGroup(gi, m.groups[gi].target, "import_merged")
	}
	res.CustomersCreated, res.CustomersMerged = len(fresh), len(merged)

	if err := copyRows(ctx, tx, "customers", []string{"id", "station_id", "name", "contact_person", "created_at", "updated_at"}, customers); err != nil {
		return res, err
	}
	if err := copyRows(ctx, tx, "customer_phones", []string{"customer_id", "raw", "e164", "position"}, phones); err != nil {
		return res, err
	}
	if err := copyRows(ctx, tx, "customer_addresses", []string{"customer_id", "address", "position"}, addresses); err != nil {
		return res, err
	}
	if err := copyRows(ctx, tx, "units", []string{"id", "customer_id", "brand", "model", "serial", "purchase_date", "warranty_months", "install_address", "created_at"}, units); err != nil {
		return res, err
	}
	if err := copyRows(ctx, tx, "customer_events", []string{"customer_id", "actor_id", "at", "kind", "changes"}, events); err != nil {
		return res, err
	}
	if err := customer.RefreshSearch(ctx, tx, touched); err != nil {
		return res, err
	}

	// Open orders, one per row with a symptom, through the intake's own path (numbers,
	// due times, warranty, events).
	for gi := range m.groups {
		for _, i := range take[gi] {
			r := rows[i]
			if r.Symptom == "" {
				continue
			}
			in := workorder.NewOrder{CustomerID: custOf[gi], UnitID: unitOf[i], Channel: "phone", Symptom: r.Symptom,
				Urgency: r.Urgency, ServiceType: "repair"}
			if f := in.Valid(); len(f) > 0 {
				return res, apperr.New(apperr.Invalid, "import.row.order_invalid", "Row", r.No)
			}
			if _, err := s.orders.CreateTx(ctx, tx, actor, in); err != nil {
				return res, err
			}
			res.OrdersCreated++
		}
	}
	return res, nil
}
