package onboard

import (
	"context"

	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
)

// querier is what both the pool and a transaction offer for reads.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// group is one customer of the file: the rows that share a phone.
type group struct {
	rows   []int
	phones []customer.Phone
	// target is the station's customer the group is already, 0 for a new customer; by
	// says how it was found (phone, or a unit's serial).
	target     int64
	targetName string
	by         string
}

// matches is a file's rows grouped into customers and held against the station's archive.
type matches struct {
	// group is each row's group index, -1 for a row without a phone.
	group  []int
	groups []group
	dups   []*Duplicate
}

func (m matches) dup(i int) *Duplicate { return m.dups[i] }

type hit struct {
	unit     int64
	customer int64
	name     string
}

// match groups the rows into customers by phone and finds, in one query each, the
// station's customers with the rows' phones, its units with their serials, and the
// serial-less units of the customers found (a row without a serial is that unit when the
// model is the same).
func match(ctx context.Context, q querier, stationID int64, rows []Row) (matches, error) {
	m := matches{group: make([]int, len(rows)), dups: make([]*Duplicate, len(rows))}
	byPhone := map[string]int{}
	var e164s, serials []string
	for i, r := range rows {
		m.group[i] = -1
		if r.Serial != "" {
			serials = append(serials, r.Serial)
		}
		if len(r.Phones) == 0 {
			continue
		}
		g := -1
		for _, p := range r.Phones {
			if gi, ok := byPhone[p.E164]; ok {
				g = gi
				break
			}
		}
		if g < 0 {
			g = len(m.groups)
			m.groups = append(m.groups, group{})
		}
		m.group[i] = g
		m.groups[g].rows = append(m.groups[g].rows, i)
		for _, p := range r.Phones {
			if _, ok := byPhone[p.E164]; !ok {
				byPhone[p.E164] = g
				m.groups[g].phones = append(m.groups[g].phones, p)
				e164s = append(e164s, p.E164)
			}
		}
	}

	phoneHits := map[string]hit{}
	if len(e164s) > 0 {
		rs, err := q.Query(ctx, `SELECT DISTINCT ON (p.e164) p.e164, c.id, c.name FROM customer_phones p JOIN customers c ON c.id = p.customer_id
			WHERE c.station_id = $1 AND p.e164 = ANY($2) ORDER BY p.e164, c.id`, stationID, e164s)
		if err != nil {
			return m, db.Translate(err, "match phones")
		}
		var e string
		var h hit
		_, err = pgx.ForEachRow(rs, []any{&e, &h.customer, &h.name}, func() error { phoneHits[e] = h; return nil })
		if err != nil {
			return m, db.Translate(err, "match phones")
		}
	}
	serialHits := map[string]hit{}
	if len(serials) > 0 {
		rs, err := q.Query(ctx, `SELECT DISTINCT ON (u.serial) u.serial, u.id, c.id, c.name FROM units u JOIN customers c ON c.id = u.customer_id
			WHERE c.station_id = $1 AND u.serial = ANY($2) ORDER BY u.serial, u.id`, stationID, serials)
		if err != nil {
			return m, db.Translate(err, "match serials")
		}
		var sn string
		var h hit
		_, err = pgx.ForEachRow(rs, []any{&sn, &h.unit, &h.customer, &h.name}, func() error { serialHits[sn] = h; return nil })
		if err != nil {
			return m, db.Translate(err, "match serials")
		}
	}

	var targets []int64
	for gi := range m.groups {
		g := &m.groups[gi]
		for _, p := range g.phones {
			if h, ok := phoneHits[p.E164]; ok {
				g.target, g.targetName, g.by = h.customer, h.name, "phone"
				break
			}
		}
		if g.target == 0 {
			for _, i := range g.rows {
				if h, ok := serialHits[rows[i].Serial]; ok && rows[i].Serial != "" {
					g.target, g.targetName, g.by = h.customer, h.name, "serial"
					break
				}
			}
		}
		if g.target != 0 {
			targets = append(targets, g.target)
		}
	}
	type key struct {
		customer int64
		model    string
	}
	modelHits := map[key]int64{}
	if len(targets) > 0 {
		rs, err := q.Query(ctx, `SELECT DISTINCT ON (customer_id, model) customer_id, model, id FROM units
			WHERE customer_id = ANY($1) AND serial = '' ORDER BY customer_id, model, id`, targets)
		if err != nil {
			return m, db.Translate(err, "match models")
		}
		var k key
		var id int64
		_, err = pgx.ForEachRow(rs, []any{&k.customer, &k.model, &id}, func() error { modelHits[k] = id; return nil })
		if err != nil {
			return m, db.Translate(err, "match models")
		}
	}

	for i, r := range rows {
		sh, serialHit := serialHits[r.Serial]
		serialHit = serialHit && r.Serial != ""
		g := m.group[i]
		if g < 0 {
			if serialHit {
				m.dups[i] = &Duplicate{CustomerID: sh.customer, CustomerName: sh.name, By: "serial", UnitID: sh.unit}
			}
			continue
		}
		t := m.groups[g]
		if t.target == 0 {
			continue
		}
		d := &Duplicate{CustomerID: t.target, CustomerName: t.targetName, By: t.by}
		switch {
		case serialHit:
			d.By, d.UnitID = "serial", sh.unit
		case r.Serial == "" && r.HasUnit:
			if id, ok := modelHits[key{t.target, r.Model}]; ok {
				d.By, d.UnitID = "model", id
			}
		}
		m.dups[i] = d
	}
	return m, nil
}
