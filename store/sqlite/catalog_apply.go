package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// ApplyCatalog upserts every entry of c, parents first so the foreign keys
// hold, as one operation of a group commit. If ctx ends before the last
// batch, nothing of c is applied and ctx's error is returned.
func (db *DB) ApplyCatalog(ctx context.Context, c *meterd.Catalog) error {
	defer db.cache.Invalidate()
	err := db.write(ctx, db.untimed(func(tx *writeTx) error {
		return backend.UpsertCatalog(ctx, &catalogWriter{tx: tx}, c)
	}))
	if err != nil {
		return fmt.Errorf("sqlite: apply catalog: %w", err)
	}
	return nil
}

// ReplaceCatalog upserts c and deletes, children first, every catalog entry
// c does not list, in one operation; cancelled as ApplyCatalog is.
func (db *DB) ReplaceCatalog(ctx context.Context, c *meterd.Catalog) error {
	defer db.cache.Invalidate()
	err := db.write(ctx, db.untimed(func(tx *writeTx) error {
		return backend.ReplaceCatalog(ctx, &catalogWriter{tx: tx}, c)
	}))
	if err != nil {
		return fmt.Errorf("sqlite: replace catalog: %w", err)
	}
	return nil
}

// catalogWriter is backend.CatalogWriter on the writer's transaction. A
// catalog is written as one operation, inside the writer's savepoint; a
// failed statement changes nothing, so a batch needs no savepoint of its
// own.
type catalogWriter struct {
	dialect
	tx *writeTx
}

// UpsertRows passes the batch to SQLite as JSON text, which json_each
// reads row by row.
func (w *catalogWriter) UpsertRows(t *backend.CatalogTable, rows string) error {
	_, err := w.tx.exec(upsertQuery(t), rows)
	return err
}

func (w *catalogWriter) InsertRow(t *backend.CatalogTable, row []any) error {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ")
	q := "INSERT INTO " + t.Name + " (" + strings.Join(t.ColumnNames(), ", ") + ") VALUES (" + marks + ")"
	_, err := w.tx.exec(q, row...)
	return err
}

func (w *catalogWriter) QueryRow(query string, args ...any) backend.Scanner {
	return w.tx.queryRow(query, args...)
}

// PruneSeed deletes in one statement, with keep as one JSON array.
func (w *catalogWriter) PruneSeed(t *backend.CatalogTable, keep []string) error {
	keys, err := json.Marshal(keep)
	if err != nil {
		return err
	}
	q := "DELETE FROM " + t.Name + " WHERE origin = 'seed' AND " + t.Key() + " NOT IN (SELECT value FROM json_each(?))"
	_, err = w.tx.exec(q, string(keys))
	return err
}

// upsertQuery inserts the rows of a JSON batch (see
// backend.CatalogWriter.UpsertRows for what it leaves alone; SeedConflicts
// names the admin-made entries a seed does not replace, for the start-up
// log). Leaving equal entries alone means that re-applying an unchanged
// seed (every restart) writes no page at all. The SELECT needs its WHERE:
// without it SQLite would read ON CONFLICT as a join constraint.
func upsertQuery(t *backend.CatalogTable) string {
	names := t.ColumnNames()
	values := make([]string, len(names))
	for i := range names {
		values[i] = fmt.Sprintf("value->>%d", i)
	}
	rest := names[1:]
	set := make([]string, len(rest))
	excluded := make([]string, len(rest))
	for i, col := range rest {
		set[i] = col + " = excluded." + col
		excluded[i] = "excluded." + col
	}
	return "INSERT INTO " + t.Name + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(values, ", ") +
		" FROM json_each(?) WHERE true ON CONFLICT (" + t.Key() + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" WHERE (" + strings.Join(rest, ", ") + ") IS NOT (" + strings.Join(excluded, ", ") + ")" +
		" AND (excluded.origin = 'admin' OR " + t.Name + ".origin = 'seed')"
}
