package notice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/workflow"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Service owns technical notices: every change goes through it, in one transaction with
// its event row.
type Service struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	loc    *time.Location
	orders *workorder.Service
}

// NewService returns the notice service; orders creates the notices' work orders.
func NewService(pool *pgxpool.Pool, now func() time.Time, loc *time.Location, orders *workorder.Service) *Service {
	return &Service{pool: pool, now: now, loc: loc, orders: orders}
}

// matches is the SQL condition that unit u is covered by notice n.
const matches = `u.model = n.model AND (n.brand = '' OR u.brand = n.brand) AND CASE WHEN cardinality(n.serials) > 0
	THEN u.serial = ANY(n.serials)
	ELSE (n.serial_from = '' OR u.serial COLLATE "C" >= n.serial_from COLLATE "C")
		AND (n.serial_to = '' OR u.serial COLLATE "C" <= n.serial_to COLLATE "C")
		AND (n.made_from IS NULL OR u.manufacture_date >= n.made_from)
		AND (n.made_to IS NULL OR u.manufacture_date <= n.made_to) END`

// unitState is a unit's state on a notice: a completed order executes it, a cancelled
// one leaves it waiting.
var unitState = `CASE WHEN nu.state = 'unable' THEN 'unable'
	WHEN nu.state = 'ordered' AND o.completed_at IS NOT NULL THEN 'executed'
	WHEN nu.state = 'ordered' AND ` + workflow.StateIsNot("o", workflow.Cancelled) + ` THEN 'executing'
	ELSE 'pending' END`

// coveredUnits selects the units of notice $1 in the stations $2.
var coveredUnits = `SELECT u.id AS unit_id, u.brand, u.model, u.serial, u.manufacture_date, c.id AS customer_id,
		c.name AS customer_name, c.station_id, s.name AS station_name, ` + unitState + ` AS unit_state,
		nu.order_id, o.number AS order_number, nu.reason, COALESCE(nu.note, '') AS note
	FROM notices n JOIN units u ON ` + matches + `
	JOIN customers c ON c.id = u.customer_id JOIN stations s ON s.id = c.station_id
	LEFT JOIN notice_units nu ON nu.notice_id = n.id AND nu.unit_id = u.id
	LEFT JOIN work_orders o ON o.id = nu.order_id
	WHERE n.id = $1 AND c.station_id = ANY($2)`

const selectNotice = `SELECT n.id, n.number, n.station_id, n.state, n.version, n.title, n.content, n.parts, n.brand, n.model,
	n.serial_from, n.serial_to, n.made_from, n.made_to, n.serials, n.deadline, n.issued_by, iu.display_name AS issuer_name,
	n.created_at, n.closed_at, cu.display_name AS closer_name, n.close_note
	FROM notices n JOIN users iu ON iu.id = n.issued_by LEFT JOIN users cu ON cu.id = n.closed_by`

func (s *Service) today() time.Time {
	l := s.now().In(s.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// CanIssue says whether actor may issue notices: a manager or admin of the top station.
func (s *Service) CanIssue(ctx context.Context, actor auth.Actor) (bool, error) {
	if !actor.Is(auth.RoleManager, auth.RoleAdmin) {
		return false, nil
	}
	top, err := topStation(ctx, s.pool, actor.StationID)
	return isHQ(actor, top), err
}

func topStation(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, stationID int64) (bool, error) {
	var top bool
	err := q.QueryRow(ctx, `SELECT parent_id IS NULL FROM stations WHERE id = $1`, stationID).Scan(&top)
	return top, db.Translate(err, "station")
}

func event(ctx context.Context, tx pgx.Tx, noticeID int64, unitID *int64, step string, actorID int64, at time.Time, note string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	raw, _ := json.Marshal(data)
	_, err := tx.Exec(ctx, `INSERT INTO notice_events (notice_id, unit_id, step, actor_id, at, note, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		noticeID, unitID, step, actorID, at, note, raw)
	return db.Translate(err, "notice event")
}

// Issue issues a notice with its documents (headquarters' managers and admins:
// Forbidden otherwise). Invalid with field keys for bad input or documents that are not
// PDF or images or are too big. A form sent again returns the notice it issued.
func (s *Service) Issue(ctx context.Context, actor auth.Actor, in NewNotice, files []Upload) (Notice, error) {
	f := in.Valid()
	if len(files) > MaxFiles {
		f["files"] = "notice.field.too_many_files"
	}
	types := make([]string, len(files))
	for i, u := range files {
		ct, err := fileType(u)
		if err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) {
				for k, v := range ae.Fields {
					f[k] = v
				}
			}
			continue
		}
		types[i] = ct
		limits.Check(f, "file_name", u.Name)
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		top, err := topStation(ctx, tx, actor.StationID)
		if err != nil {
			return err
		}
		if !isHQ(actor, top) {
			return apperr.New(apperr.Forbidden, "notice.error.hq_only")
		}
		if len(f) > 0 {
			return apperr.Fields(f)
		}
		now := s.now()
		fresh, ref, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil {
			return err
		}
		if !fresh {
			id = ref
			return nil
		}
		year := now.In(s.loc).Year()
		var n int
		if err := tx.QueryRow(ctx, `INSERT INTO notice_counters (year, last) VALUES ($1, 1)
			ON CONFLICT (year) DO UPDATE SET last = notice_counters.last + 1 RETURNING last`, year).Scan(&n); err != nil {
			return db.Translate(err, "notice number")
		}
		var madeFrom, madeTo *time.Time
		if !in.MadeFrom.IsZero() {
			madeFrom = &in.MadeFrom
		}
		if !in.MadeTo.IsZero() {
			madeTo = &in.MadeTo
		}
		serials := SerialList(in.Serials)
		if serials == nil {
			serials = []string{}
		}
		err = tx.QueryRow(ctx, `INSERT INTO notices (number, station_id, state, title, content, parts, brand, model, serial_from, serial_to,
			made_from, made_to, serials, deadline, issued_by, created_at, updated_at)
			VALUES ($1, $2, 'issued', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
			fmt.Sprintf("JT%d-%03d", year, n), actor.StationID, strings.TrimSpace(in.Title), strings.TrimSpace(in.Content),
			strings.TrimSpace(in.Parts), strings.TrimSpace(in.Brand), strings.TrimSpace(in.Model), strings.TrimSpace(in.SerialFrom),
			strings.TrimSpace(in.SerialTo), madeFrom, madeTo, serials, in.Deadline, actor.UserID, now).Scan(&id)
		if err != nil {
			return db.Translate(err, "insert notice")
		}
		for i, u := range files {
			sum := sha256.Sum256(u.Data)
			if _, err := tx.Exec(ctx, `INSERT INTO notice_files (notice_id, name, content_type, size, sha256, data, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, u.Name, types[i], len(u.Data), hex.EncodeToString(sum[:]), u.Data, actor.UserID, now); err != nil {
				return db.Translate(err, "notice file")
			}
		}
		if err := event(ctx, tx, id, nil, "issue", actor.UserID, now, "", map[string]any{"files": len(files)}); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, id)
	})
	if err != nil {
		return Notice{}, err
	}
	return s.byID(ctx, id)
}

func (s *Service) byID(ctx context.Context, id int64) (Notice, error) {
	rows, err := s.pool.Query(ctx, selectNotice+` WHERE n.id = $1`, id)
	if err != nil {
		return Notice{}, db.Translate(err, "notice")
	}
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Notice])
	if errors.Is(err, pgx.ErrNoRows) {
		return Notice{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	return n, db.Translate(err, "notice")
}

// lock loads notice id FOR UPDATE; a closed notice is a Conflict.
func lock(ctx context.Context, tx pgx.Tx, id int64) (Notice, error) {
	rows, err := tx.Query(ctx, selectNotice+` WHERE n.id = $1 FOR UPDATE OF n`, id)
	if err != nil {
		return Notice{}, db.Translate(err, "notice")
	}
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Notice])
	if errors.Is(err, pgx.ErrNoRows) {
		return Notice{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return Notice{}, db.Translate(err, "notice")
	}
	if n.State == Closed {
		return Notice{}, apperr.New(apperr.Conflict, "notice.error.closed", "Number", n.Number)
	}
	return n, nil
}

// unitsOf reads the covered units of notice id in stations; ids narrows to those units.
func unitsOf(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, id int64, stations []int64, ids []int64, forUpdate bool) ([]Unit, error) {
	sql := coveredUnits
	args := []any{id, stations}
	if ids != nil {
		sql += ` AND u.id = ANY($3)`
		args = append(args, ids)
	}
	sql += ` ORDER BY s.id, u.serial, u.id`
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.Translate(err, "notice units")
	}
	units, err := pgx.CollectRows(rows, pgx.RowToStructByName[Unit])
	return units, db.Translate(err, "notice units")
}

// CreateOrders logs one 技术通知执行 order for each of unitIDs, each linked to the
// notice with its parts; a unit that cannot be executed may be tried again this way.
// Supervisors and managers of the units' stations (Forbidden, NotFound for a unit the
// actor does not see on the notice); Conflict for a unit already ordered or executed or a
// closed notice. All or none. Returns the orders' numbers.
func (s *Service) CreateOrders(ctx context.Context, actor auth.Actor, noticeID int64, unitIDs []int64) ([]string, error) {
	if !mayAct(actor) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
	}
	if len(unitIDs) == 0 {
		return nil, apperr.Fields(map[string]string{"units": "notice.field.units_required"})
	}
	ids := slices.Clone(unitIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var numbers []string
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		n, err := lock(ctx, tx, noticeID)
		if err != nil {
			return err
		}
		units, err := unitsOf(ctx, tx, noticeID, actor.Stations, ids, true)
		if err != nil {
			return err
		}
		if len(units) != len(ids) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		for _, u := range units {
			if u.State == Executing || u.State == Executed {
				return apperr.New(apperr.Conflict, "notice.error.unit_taken", "Serial", u.Serial)
			}
			o, err := s.orders.CreateNoticeOrderTx(ctx, tx, actor, workorder.NoticeOrder{CustomerID: u.CustomerID, UnitID: u.UnitID,
				Symptom: "技术通知 " + n.Number + " " + n.Title, Request: n.Content, PartsNeeded: n.Parts})
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO notice_units (notice_id, unit_id, state, order_id, updated_by, updated_at)
				VALUES ($1, $2, 'ordered', $3, $4, $5)
				ON CONFLICT (notice_id, unit_id) DO UPDATE SET state = 'ordered', order_id = $3, reason = NULL, note = '',
					version = notice_units.version + 1, updated_by = $4, updated_at = $5`, noticeID, u.UnitID, o.ID, actor.UserID, now); err != nil {
				return db.Translate(err, "notice unit")
			}
			if err := event(ctx, tx, noticeID, &u.UnitID, "order", actor.UserID, now, "", map[string]any{"order_id": o.ID, "number": o.Number}); err != nil {
				return err
			}
			numbers = append(numbers, o.Number)
		}
		return db.SetFormResult(ctx, tx, actor.UserID, noticeID)
	})
	return numbers, err
}

// MarkUnable records that a unit cannot be executed for now, with a reason category
// (人、机、料、法、环) and a note; ordering it later retries it. Supervisors and managers
// (Forbidden); Invalid without a reason or note; NotFound for a unit the actor does not
// see on the notice; Conflict when the unit has an open or completed order.
func (s *Service) MarkUnable(ctx context.Context, actor auth.Actor, noticeID, unitID int64, reason, note string) error {
	if !mayAct(actor) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager")
	}
	f := map[string]string{}
	if !slices.Contains(Reasons, reason) {
		f["reason"] = "notice.field.reason_required"
	}
	note = strings.TrimSpace(note)
	if note == "" {
		f["note"] = "field.required"
	}
	if limits.Check(f, "note", note); len(f) > 0 {
		return apperr.Fields(f)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		if _, err := lock(ctx, tx, noticeID); err != nil {
			return err
		}
		units, err := unitsOf(ctx, tx, noticeID, actor.Stations, []int64{unitID}, true)
		if err != nil {
			return err
		}
		if len(units) != 1 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if u := units[0]; u.State == Executing || u.State == Executed {
			return apperr.New(apperr.Conflict, "notice.error.unit_taken", "Serial", u.Serial)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notice_units (notice_id, unit_id, state, reason, note, updated_by, updated_at)
			VALUES ($1, $2, 'unable', $3, $4, $5, $6)
			ON CONFLICT (notice_id, unit_id) DO UPDATE SET state = 'unable', order_id = NULL, reason = $3, note = $4,
				version = notice_units.version + 1, updated_by = $5, updated_at = $6`, noticeID, unitID, reason, note, actor.UserID, now); err != nil {
			return db.Translate(err, "notice unit")
		}
		if err := event(ctx, tx, noticeID, &unitID, "unable", actor.UserID, now, note, map[string]any{"reason": reason}); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, noticeID)
	})
}

// Close closes a notice whose every unit is executed or cannot be executed, and records
// who closed it and the counts. Headquarters' managers and admins (Forbidden); Conflict
// on a stale version, a closed notice, or units still open.
func (s *Service) Close(ctx context.Context, actor auth.Actor, noticeID int64, version int, note string) error {
	note = strings.TrimSpace(note)
	if f := limits.Check(map[string]string{}, "note", note); len(f) > 0 {
		return apperr.Fields(f)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		top, err := topStation(ctx, tx, actor.StationID)
		if err != nil {
			return err
		}
		if !isHQ(actor, top) {
			return apperr.New(apperr.Forbidden, "notice.error.hq_only")
		}
		now := s.now()
		fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, now)
		if err != nil || !fresh {
			return err
		}
		n, err := lock(ctx, tx, noticeID)
		if err != nil {
			return err
		}
		if n.Version != version {
			return apperr.New(apperr.Conflict, "notice.error.stale", "Number", n.Number)
		}
		units, err := unitsOf(ctx, tx, noticeID, actor.Stations, nil, false)
		if err != nil {
			return err
		}
		p := count(units)
		if p.Open() > 0 {
			return apperr.New(apperr.Conflict, "notice.error.units_open", "Open", p.Open())
		}
		if _, err := tx.Exec(ctx, `UPDATE notices SET state = 'closed', version = version + 1, closed_at = $2, closed_by = $3,
			close_note = $4, updated_at = $2 WHERE id = $1`, noticeID, now, actor.UserID, note); err != nil {
			return db.Translate(err, "close notice")
		}
		if err := event(ctx, tx, noticeID, nil, "close", actor.UserID, now, note,
			map[string]any{"total": p.Total, "executed": p.Executed, "unable": p.Unable}); err != nil {
			return err
		}
		return db.SetFormResult(ctx, tx, actor.UserID, noticeID)
	})
}

func count(units []Unit) Progress {
	var p Progress
	for _, u := range units {
		p.add(u.State, 1)
	}
	return p
}

// add counts n units in state.
func (p *Progress) add(state string, n int) {
	p.Total += n
	switch state {
	case Executed:
		p.Executed += n
	case Executing:
		p.Executing += n
	case Unable:
		p.Unable += n
	}
}

// progressOf counts the covered units of each of the notices ids in stations, by state,
// in one statement.
func progressOf(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, ids, stations []int64) (map[int64]*Progress, error) {
	rows, err := q.Query(ctx, `SELECT n.id, `+unitState+`, count(*)
		FROM notices n JOIN units u ON `+matches+` JOIN customers c ON c.id = u.customer_id
		LEFT JOIN notice_units nu ON nu.notice_id = n.id AND nu.unit_id = u.id
		LEFT JOIN work_orders o ON o.id = nu.order_id
		WHERE n.id = ANY($1) AND c.station_id = ANY($2) GROUP BY 1, 2`, ids, stations)
	if err != nil {
		return nil, db.Translate(err, "notice progress")
	}
	out := map[int64]*Progress{}
	var id int64
	var state string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&id, &state, &n}, func() error {
		if out[id] == nil {
			out[id] = &Progress{}
		}
		out[id].add(state, n)
		return nil
	}); err != nil {
		return nil, db.Translate(err, "notice progress")
	}
	return out, nil
}

// List is the notices, newest first, each with its progress over the actor's stations.
// Supervisors, managers and admins (Forbidden).
func (s *Service) List(ctx context.Context, actor auth.Actor) ([]Summary, error) {
	if !mayRead(actor) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager,admin")
	}
	rows, err := s.pool.Query(ctx, selectNotice+` ORDER BY n.created_at DESC, n.id DESC LIMIT 200`)
	if err != nil {
		return nil, db.Translate(err, "notices")
	}
	notices, err := pgx.CollectRows(rows, pgx.RowToStructByName[Notice])
	if err != nil {
		return nil, db.Translate(err, "notices")
	}
	ids := make([]int64, len(notices))
	for i, n := range notices {
		ids[i] = n.ID
	}
	progress, err := progressOf(ctx, s.pool, ids, actor.Stations)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(notices))
	today := s.today()
	for _, n := range notices {
		var p Progress
		if got := progress[n.ID]; got != nil {
			p = *got
		}
		p.Overdue = n.State == Issued && today.After(n.Deadline) && p.Open() > 0
		out = append(out, Summary{Notice: n, Progress: p})
	}
	return out, nil
}

// Detail is the notice page for the actor; stationID narrows the units to one station
// (0: all the actor sees). Forbidden for roles that do not see notices; NotFound.
func (s *Service) Detail(ctx context.Context, actor auth.Actor, id, stationID int64) (Detail, error) {
	if !mayRead(actor) {
		return Detail{}, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager,admin")
	}
	n, err := s.byID(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	stations := actor.Stations
	if stationID != 0 {
		if !actor.Sees(stationID) {
			return Detail{}, apperr.New(apperr.NotFound, "error.not_found")
		}
		stations = []int64{stationID}
	}
	units, err := unitsOf(ctx, s.pool, id, stations, nil, false)
	if err != nil {
		return Detail{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, name, content_type, size FROM notice_files WHERE notice_id = $1 ORDER BY id`, id)
	if err != nil {
		return Detail{}, db.Translate(err, "notice files")
	}
	files, err := pgx.CollectRows(rows, pgx.RowToStructByName[File])
	if err != nil {
		return Detail{}, db.Translate(err, "notice files")
	}
	top, err := topStation(ctx, s.pool, actor.StationID)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Notice: n, Files: files, Units: units, CanAct: mayAct(actor) && n.State == Issued,
		CanClose: isHQ(actor, top) && n.State == Issued}
	overdue := n.State == Issued && s.today().After(n.Deadline)
	for _, u := range units {
		if len(d.Stations) == 0 || d.Stations[len(d.Stations)-1].StationID != u.StationID {
			d.Stations = append(d.Stations, Progress{StationID: u.StationID, StationName: u.StationName})
		}
		p := &d.Stations[len(d.Stations)-1]
		one := count([]Unit{u})
		p.Total, p.Executed, p.Executing, p.Unable = p.Total+1, p.Executed+one.Executed, p.Executing+one.Executing, p.Unable+one.Unable
	}
	for i := range d.Stations {
		d.Stations[i].Overdue = overdue && d.Stations[i].Open() > 0
	}
	d.Total = count(units)
	d.Total.Overdue = overdue && d.Total.Open() > 0
	d.Closeable = d.CanClose && d.Total.Open() == 0
	return d, nil
}

// Overdue reports whether a unit in state is past the notice's deadline.
func (s *Service) Overdue(n Notice, state string) bool {
	return n.State == Issued && (state == Pending || state == Executing) && s.today().After(n.Deadline)
}

// OpenFile returns a notice's document to anyone who sees notices (Forbidden, NotFound).
func (s *Service) OpenFile(ctx context.Context, actor auth.Actor, noticeID, fileID int64) (File, []byte, error) {
	if !mayRead(actor) {
		return File{}, nil, apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "supervisor,manager,admin")
	}
	var f File
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT id, name, content_type, size, data FROM notice_files WHERE notice_id = $1 AND id = $2`, noticeID, fileID).
		Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return File{}, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return f, data, db.Translate(err, "notice file")
}
