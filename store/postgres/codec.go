package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meterd/meterd/store/backend"
)

// Times are stored as nanoseconds since the Unix epoch (BIGINT), NULL for
// the zero time: exact to the nanosecond, as SQLite's text is, and ordered.
// int64 nanoseconds span the years 1678-2262.
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

// encodeTime returns the stored form of t: nil for the zero time.
func encodeTime(t time.Time) (*int64, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("time %v out of the storable range (years 1678-2262)", t)
	}
	n := t.UnixNano()
	return &n, nil
}

// decodeTime is the inverse of encodeTime.
func decodeTime(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

// timeEncoder encodes several times, keeping the first error.
type timeEncoder struct{ err error }

func (e *timeEncoder) encode(t time.Time) *int64 {
	n, err := encodeTime(t)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n
}

// encodeJSON returns v as JSON text, for the list columns.
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// nullBytes maps "" to NULL. The ledger's keys are BYTEA: a key is any
// string, and PostgreSQL's text cannot hold NUL.
func nullBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// SQLSTATE codes meterd reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// sqlState returns the SQLSTATE of a server error in err's chain, or "".
func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// retryable reports whether a transaction that failed with err may be run
// again from the start: the server chose it as a deadlock victim or could
// not serialise it (distributed engines report contention so).
func retryable(err error) bool {
	s := sqlState(err)
	return s == codeSerializationFailure || s == codeDeadlockDetected
}

// codeInvalidText is what PostgreSQL answers a text parameter holding NUL
// with ("invalid byte sequence for encoding"); a lookup of one finds
// nothing, since no stored text can hold it.
const codeInvalidText = "22021"

// notFound maps pgx.ErrNoRows, and a key no stored text can equal, to
// meterd's ENotFound.
func notFound(err error, format string, args ...any) error {
	return backend.NotFound(dialect{}, err, format, args...)
}

// dialect is backend.Dialect on PostgreSQL.
type dialect struct{}

func (dialect) EncodeTime(t time.Time) (any, error) {
	n, err := encodeTime(t)
	if n == nil || err != nil {
		return nil, err
	}
	return *n, nil
}

func (dialect) DecodeTime(v any) (time.Time, error) {
	switch n := v.(type) {
	case nil:
		return time.Time{}, nil
	case int64:
		return decodeTime(&n), nil
	}
	return time.Time{}, fmt.Errorf("stored time %v (%T) is not nanoseconds", v, v)
}

func (dialect) EncodeBool(b bool) any { return b }

func (dialect) IsForeignKeyViolation(err error) bool { return sqlState(err) == codeForeignKeyViolation }

func (dialect) IsDuplicateKey(err error) bool { return sqlState(err) == codeUniqueViolation }

// IsNoRows is also true of a key no stored text can equal (see notFound).
func (dialect) IsNoRows(err error) bool {
	return errors.Is(err, pgx.ErrNoRows) || sqlState(err) == codeInvalidText
}

// rebind numbers the ? parameters of a query that store/backend built
// ($1, $2, ...). Those queries hold no ? of their own.
func rebind(q string) string {
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(q, "?") {
		if !strings.HasSuffix(part, "?") {
			b.WriteString(part)
			continue
		}
		n++
		b.WriteString(part[:len(part)-1] + "$" + strconv.Itoa(n))
	}
	return b.String()
}
