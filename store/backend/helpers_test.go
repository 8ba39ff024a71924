package backend

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// Errors the fake driver reports.
var (
	errFK     = errors.New("fake: foreign key")
	errDup    = errors.New("fake: duplicate key")
	errNoRows = errors.New("fake: no rows")
)

// fakeDialect stores a time as its Unix nanoseconds and a bool as 0 or 1,
// so that a test tells the stored form from the Go value.
type fakeDialect struct{}

func (fakeDialect) EncodeTime(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Year() > 9999 {
		return nil, fmt.Errorf("time %v out of range", t)
	}
	return t.UnixNano(), nil
}

func (fakeDialect) DecodeTime(v any) (time.Time, error) {
	switch n := v.(type) {
	case nil:
		return time.Time{}, nil
	case int64:
		return time.Unix(0, n).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bad time %v", v)
}

func (fakeDialect) EncodeBool(b bool) any {
	if b {
		return 1
	}
	return 0
}

func (fakeDialect) IsForeignKeyViolation(err error) bool { return errors.Is(err, errFK) }
func (fakeDialect) IsDuplicateKey(err error) bool        { return errors.Is(err, errDup) }
func (fakeDialect) IsNoRows(err error) bool              { return errors.Is(err, errNoRows) }

// fakeWriter records a catalog write's statements; a row whose key is in
// missingParent breaks a foreign key, one in taken is a duplicate key.
type fakeWriter struct {
	fakeDialect
	missingParent, taken map[string]bool
	upserts              []string // one per statement: the batch's JSON
	inserts              [][]any
	pruned               map[string][]string
	pruneErr             error
}

func (w *fakeWriter) UpsertRows(t *CatalogTable, rows string) error {
	for key, missing := range w.missingParent {
		if missing && strings.Contains(rows, `"`+key+`"`) {
			return errFK
		}
	}
	w.upserts = append(w.upserts, t.Name+" "+rows)
	return nil
}

func (w *fakeWriter) InsertRow(t *CatalogTable, row []any) error {
	key := row[0].(string)
	switch {
	case w.taken[key]:
		return errDup
	case w.missingParent[key]:
		return errFK
	}
	w.inserts = append(w.inserts, row)
	return nil
}

func (w *fakeWriter) PruneSeed(t *CatalogTable, keep []string) error {
	if w.pruned == nil {
		w.pruned = map[string][]string{}
	}
	w.pruned[t.Name] = keep
	return w.pruneErr
}

func (w *fakeWriter) QueryRow(string, ...any) Scanner { return fakeRow{errNoRows} }

// fakeRow is a row of scanned values, or an error.
type fakeRow []any

func (r fakeRow) Scan(dest ...any) error {
	if len(r) == 1 {
		if err, ok := r[0].(error); ok {
			return err
		}
	}
	if len(dest) != len(r) {
		return fmt.Errorf("scan %d columns into %d", len(r), len(dest))
	}
	for i, v := range r {
		if d, ok := dest[i].(*any); ok {
			*d = v
			continue
		}
		to := reflect.ValueOf(dest[i]).Elem()
		to.Set(reflect.ValueOf(v).Convert(to.Type()))
	}
	return nil
}

// codeOf is err's meterd code, "" for none.
func codeOf(err error) string {
	var e *meterd.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// fakeRows is a RowsFunc that answers each query with rows chosen by
// answer, and records the queries.
type fakeRows struct {
	queries []string
	args    [][]any
	answer  func(query string) []fakeRow
}

func (f *fakeRows) run(query string, scan func(Scanner) error, args ...any) error {
	f.queries, f.args = append(f.queries, squash(query)), append(f.args, args)
	for _, r := range f.answer(query) {
		if err := scan(r); err != nil {
			return err
		}
	}
	return nil
}

// squash puts a query on one line, so that a test can compare it.
func squash(q string) string { return strings.Join(strings.Fields(q), " ") }
