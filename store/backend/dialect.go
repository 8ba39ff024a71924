package backend

import (
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// Dialect is what the shared store code needs to know of a backend's SQL:
// how its columns hold the values whose stored form differs between
// dialects (times, bools), and how its driver reports a broken constraint.
type Dialect interface {
	// EncodeTime is t's stored form, a value both the driver and JSON take:
	// nil for the zero time.
	EncodeTime(t time.Time) (any, error)
	// DecodeTime reads back a time column scanned into an any.
	DecodeTime(v any) (time.Time, error)
	// EncodeBool is b's stored form.
	EncodeBool(b bool) any
	// IsForeignKeyViolation reports whether err is a broken foreign key.
	IsForeignKeyViolation(err error) bool
	// IsDuplicateKey reports whether err is a taken primary or unique key.
	IsDuplicateKey(err error) bool
	// IsNoRows reports whether err means a query of one row found none.
	IsNoRows(err error) bool
}

// NotFound maps an err that means no row was found to ENotFound with the
// message of format and args; any other err is returned as is.
func NotFound(d Dialect, err error, format string, args ...any) error {
	if d.IsNoRows(err) {
		return meterd.Errorf(meterd.ENotFound, format, args...)
	}
	return err
}

// Scanner is a row of either driver (pgx.Row, *sql.Row, *sql.Rows).
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a result set of either driver (pgx.Rows, *sql.Rows).
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// EachRow calls scan for every row of rows, then reports rows' error; the
// caller closes rows.
func EachRow(rows Rows, scan func(Scanner) error) error {
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RowsFunc runs query (with ? parameters) with args and calls scan for
// every row, on its backend's connection or transaction.
type RowsFunc func(query string, scan func(Scanner) error, args ...any) error

// Where collects the conditions of a query, each with ? for its
// parameters, as SQLite writes them; PostgreSQL numbers them before it
// runs the query.
type Where struct {
	conds []string
	args  []any
}

// Add appends cond, whose ? marks stand for args in order.
func (w *Where) Add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// SQL is the WHERE clause, with a leading space; "" without conditions.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Limit appends a LIMIT of n to q when n > 0.
func (w *Where) Limit(q string, n int) string {
	if n <= 0 {
		return q
	}
	w.args = append(w.args, n)
	return q + " LIMIT ?"
}

// Args are the parameters, in the order of their ? marks.
func (w *Where) Args() []any { return w.args }

// TimeDecoder decodes several scanned times with a Dialect, keeping the
// first error, so that a caller checks once.
type TimeDecoder struct {
	Dialect Dialect
	Err     error
}

// Decode is the time v holds; the zero time after an error.
func (td *TimeDecoder) Decode(v any) time.Time {
	t, err := td.Dialect.DecodeTime(v)
	if err != nil && td.Err == nil {
		td.Err = err
	}
	return t
}
