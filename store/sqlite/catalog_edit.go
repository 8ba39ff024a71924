package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var (
	_ meterd.CatalogEditor      = (*DB)(nil)
	_ meterd.SubscriptionWriter = (*DB)(nil)
	_ meterd.Outbox             = (*DB)(nil)
)

// catalogEditor makes the admin API's catalog changes
// (backend.CatalogEditor), each as one operation of the writer, which is
// alone in writing: an entry cannot change between its read and its write.
func (db *DB) catalogEditor() *backend.CatalogEditor {
	return backend.NewCatalogEditor("sqlite", func(ctx context.Context, f func(backend.ChangeWriter) error) error {
		defer db.cache.Invalidate()
		return db.write(ctx, func(tx *writeTx) error { return f(&catalogWriter{tx: tx}) })
	}, "")
}

// ListCatalog reads every account, access key, product and customer.
func (db *DB) ListCatalog(ctx context.Context) (*meterd.Catalog, error) {
	var c meterd.Catalog
	if err := backend.ListCatalog(&c, db.rows(ctx), ""); err != nil {
		return nil, fmt.Errorf("sqlite: list catalog: %w", err)
	}
	return &c, nil
}

// rows is backend.RowsFunc on the reader pool.
func (db *DB) rows(ctx context.Context) backend.RowsFunc {
	return func(query string, scan func(backend.Scanner) error, args ...any) error {
		return listRows(ctx, db, query, func(r rowScanner) error { return scan(r) }, args...)
	}
}

// listRows runs query on the reader pool and calls scan for every row.
func listRows(ctx context.Context, db *DB, query string, scan func(rowScanner) error, args ...any) error {
	if db.isClosed() {
		return ErrClosed
	}
	rows, err := db.readDB.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return backend.EachRow(rows, func(r backend.Scanner) error { return scan(r) })
}

// SeedConflicts names, table by table, the entries of c whose key an
// admin-made entry holds.
func (db *DB) SeedConflicts(ctx context.Context, c *meterd.Catalog) ([]string, error) {
	out, err := backend.SeedConflicts(dialect{}, c, func(t *backend.CatalogTable, keys []string) ([]string, error) {
		text, err := json.Marshal(keys)
		if err != nil {
			return nil, err
		}
		q := "SELECT " + t.Key() + " FROM " + t.Name + " WHERE origin = 'admin' AND " + t.Key() +
			" IN (SELECT value FROM json_each(?)) ORDER BY 1"
		var taken []string
		err = listRows(ctx, db, q, func(r rowScanner) error {
			var key string
			err := r.Scan(&key)
			taken = append(taken, key)
			return err
		}, string(text))
		return taken, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: seed conflicts: %w", err)
	}
	return out, nil
}
