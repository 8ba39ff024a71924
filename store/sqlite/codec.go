package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// timeLayout is RFC 3339 in UTC with a fixed nine-digit fraction: every
// value has the same width, so text order is time order (the hour filters
// compare text) and nanoseconds survive the round trip.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// encodeTime returns the stored form of t: NULL for the zero time, else UTC
// text. Years outside 0-9999 do not fit the fixed width.
func encodeTime(t time.Time) (sql.NullString, error) {
	if t.IsZero() {
		return sql.NullString{}, nil
	}
	u := t.UTC()
	if u.Year() < 0 || u.Year() > 9999 {
		return sql.NullString{}, fmt.Errorf("time %v out of the storable range (years 0-9999)", t)
	}
	return sql.NullString{String: u.Format(timeLayout), Valid: true}, nil
}

// decodeTime is the inverse of encodeTime.
func decodeTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s.String, err)
	}
	return t, nil
}

// timeEncoder encodes several times, keeping the first error, so callers
// check once instead of after every field.
type timeEncoder struct{ err error }

func (e *timeEncoder) encode(t time.Time) sql.NullString {
	s, err := encodeTime(t)
	if err != nil && e.err == nil {
		e.err = err
	}
	return s
}

// timeDecoder is the reading counterpart of timeEncoder.
type timeDecoder struct{ err error }

func (d *timeDecoder) decode(s sql.NullString) time.Time {
	t, err := decodeTime(s)
	if err != nil && d.err == nil {
		d.err = err
	}
	return t
}

// encodeJSON returns v as JSON text, for the list columns (dimensions,
// entitlements, allocations).
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// nullString maps "" to NULL, for columns where absence must not collide in
// a unique index.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// driverValue is v's value as the driver takes it (nil when NULL), for the
// sql.Null types, whose Value never fails.
func driverValue(v driver.Valuer) driver.Value {
	x, _ := v.Value()
	return x
}

// sqliteCode returns the extended result code of a driver error in err's
// chain, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isPrimaryKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// boolInt is how STRICT tables store a bool.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// dialect is backend.Dialect on SQLite.
type dialect struct{}

func (dialect) EncodeTime(t time.Time) (any, error) {
	s, err := encodeTime(t)
	if !s.Valid || err != nil {
		return nil, err
	}
	return s.String, nil
}

func (dialect) DecodeTime(v any) (time.Time, error) {
	switch s := v.(type) {
	case nil:
		return time.Time{}, nil
	case string:
		return decodeTime(sql.NullString{String: s, Valid: true})
	case []byte:
		return decodeTime(sql.NullString{String: string(s), Valid: true})
	}
	return time.Time{}, fmt.Errorf("stored time %v (%T) is not text", v, v)
}

func (dialect) EncodeBool(b bool) any { return boolInt(b) }

func (dialect) IsForeignKeyViolation(err error) bool { return isForeignKeyViolation(err) }

func (dialect) IsDuplicateKey(err error) bool { return isPrimaryKeyViolation(err) }

func (dialect) IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
