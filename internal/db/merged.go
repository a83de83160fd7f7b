package db

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Merged is one SELECT made of several queries, each one JSON column holding its rows
// (an array of objects keyed by the query's column names), decoded after the statement
// into its destination by the `db` tags, as pgx.RowToStructByName reads rows. A page whose
// parts different modules read (the order page: the order, its timeline, parts, files,
// faults) costs one statement and one round trip this way; each module still writes its
// own SQL, with its own $1, $2… (renumbered here).
type Merged struct {
	withs  []string
	cols   []string
	args   []any
	decode []func([]byte) error
	then   []func() error
}

// Write adds the data-modifying statement sql (an INSERT, with its own args) that runs
// with the statement, as one of its WITH parts: a page's write (an access-log entry)
// costs no statement of its own.
func (m *Merged) Write(sql string, args []any) {
	sql = m.add(sql, args)
	m.withs = append(m.withs, "w"+strconv.Itoa(len(m.withs)+1)+" AS ("+sql+")")
}

// Then adds f to run once every part is decoded (to join parts read separately).
func (m *Merged) Then(f func() error) { m.then = append(m.then, f) }

var placeholder = regexp.MustCompile(`\$(\d+)`)

// add appends sql's arguments and returns sql with its placeholders renumbered after
// those already in m.
func (m *Merged) add(sql string, args []any) string {
	base := len(m.args)
	m.args = append(m.args, args...)
	if base == 0 {
		return sql
	}
	return placeholder.ReplaceAllStringFunc(sql, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(base+n)
	})
}

// Rows adds the query sql (with its own args) whose rows land in *dst when Run returns.
func Rows[T any](m *Merged, sql string, args []any, dst *[]T) {
	sql = m.add(sql, args)
	m.cols = append(m.cols, `(SELECT coalesce(json_agg(to_json(t)), '[]') FROM (`+sql+`) t)`)
	m.decode = append(m.decode, func(raw []byte) (err error) {
		*dst, err = DecodeRows[T](raw)
		return err
	})
}

// Row adds the query sql whose first row lands in *dst when Run returns; *found says
// whether there was one (found may be nil).
func Row[T any](m *Merged, sql string, args []any, dst *T, found *bool) {
	sql = m.add(sql, args)
	m.cols = append(m.cols, `(SELECT to_json(t) FROM (`+sql+`) t LIMIT 1)`)
	m.decode = append(m.decode, func(raw []byte) error {
		if found != nil {
			*found = raw != nil
		}
		if raw == nil {
			return nil
		}
		list, err := DecodeRows[T](append(append([]byte{'['}, raw...), ']'))
		if err == nil {
			*dst = list[0]
		}
		return err
	})
}

// Value adds the scalar query sql (one column, one row at most) whose value lands in
// *dst when Run returns (left as it is when the query has no row or a NULL).
func Value[T any](m *Merged, sql string, args []any, dst *T) {
	sql = m.add(sql, args)
	m.cols = append(m.cols, `to_json((`+sql+`))`)
	m.decode = append(m.decode, func(raw []byte) error {
		if raw == nil || bytes.Equal(raw, []byte("null")) {
			return nil
		}
		return json.Unmarshal(raw, dst)
	})
}

// Run sends the one statement and decodes every part.
func (m *Merged) Run(ctx context.Context, q Querier) error {
	if len(m.cols) == 0 {
		return nil
	}
	raws := make([][]byte, len(m.cols))
	dst := make([]any, len(m.cols))
	for i := range raws {
		dst[i] = &raws[i]
	}
	with := ""
	if len(m.withs) > 0 {
		with = "WITH " + strings.Join(m.withs, ", ") + "\n"
	}
	if err := q.QueryRow(ctx, with+`SELECT `+strings.Join(m.cols, ",\n"), m.args...).Scan(dst...); err != nil {
		return err
	}
	for i, dec := range m.decode {
		if err := dec(raws[i]); err != nil {
			return fmt.Errorf("merged query, part %d: %w", i+1, err)
		}
	}
	for _, f := range m.then {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// field is where one JSON key of a row goes in the struct: its index path and kind.
type field struct {
	index []int
	kind  fieldKind
}

type fieldKind int

const (
	plain fieldKind = iota
	timeValue
	timePointer
	byteSlice
)

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
	plans     sync.Map // reflect.Type → map[string]field
)

// planOf maps the column names of t (its `db` tags, else the lower-cased field names;
// embedded structs flattened; "-" skipped) to its fields.
func planOf(t reflect.Type) map[string]field {
	if p, ok := plans.Load(t); ok {
		return p.(map[string]field)
	}
	p := map[string]field{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(append([]int{}, prefix...), i)
			tag, hasTag := f.Tag.Lookup("db")
			if f.Anonymous && f.Type.Kind() == reflect.Struct && !hasTag {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() || tag == "-" {
				continue
			}
			name := tag
			if !hasTag {
				name = strings.ToLower(f.Name)
			}
			k := plain
			switch f.Type {
			case timeType:
				k = timeValue
			case reflect.PointerTo(timeType):
				k = timePointer
			case bytesType:
				k = byteSlice
			}
			p[name] = field{index: idx, kind: k}
		}
	}
	walk(t, nil)
	plans.Store(t, p)
	return p
}

// parseTime reads a timestamp as PostgreSQL writes it in JSON (timestamptz with its
// offset, timestamp without one, or a date).
func parseTime(raw []byte) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q does not parse", s)
}

// DecodeRows reads a JSON array of row objects (as to_json of a query's rows writes
// them) into structs of T by their `db` tags. A column T has no field for is ignored.
func DecodeRows[T any](raw []byte) ([]T, error) {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, err
	}
	out := make([]T, len(rows))
	plan := planOf(reflect.TypeFor[T]())
	for i, row := range rows {
		v := reflect.ValueOf(&out[i]).Elem()
		for name, val := range row {
			f, ok := plan[name]
			if !ok || bytes.Equal(val, []byte("null")) {
				continue
			}
			dst := v.FieldByIndex(f.index)
			switch f.kind {
			case timeValue, timePointer:
				t, err := parseTime(val)
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", name, err)
				}
				if f.kind == timeValue {
					dst.Set(reflect.ValueOf(t))
				} else {
					dst.Set(reflect.ValueOf(&t))
				}
			case byteSlice:
				var s string
				if err := json.Unmarshal(val, &s); err != nil {
					return nil, fmt.Errorf("column %s: %w", name, err)
				}
				b, err := hex.DecodeString(strings.TrimPrefix(s, `\x`))
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", name, err)
				}
				dst.SetBytes(b)
			default:
				if err := json.Unmarshal(val, dst.Addr().Interface()); err != nil {
					return nil, fmt.Errorf("column %s: %w", name, err)
				}
			}
		}
	}
	return out, nil
}
