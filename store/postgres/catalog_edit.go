package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var _ meterd.CatalogEditor = (*DB)(nil)

// ListCatalog reads every account, access key, product and customer in
// one read-only transaction.
func (db *DB) ListCatalog(ctx context.Context) (*meterd.Catalog, error) {
	if db.isClosed() {
		return nil, ErrClosed
	}
	var c meterd.Catalog
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead},
		func(tx pgx.Tx) error {
			return backend.ListCatalog(&c, rowsOn(ctx, tx), ` COLLATE "C"`)
		})
	if err != nil {
		return nil, fmt.Errorf("postgres: list catalog: %w", err)
	}
	return &c, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// listRows runs query and calls scan for every row.
func listRows(ctx context.Context, q querier, query string, scan func(pgx.Row) error, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return backend.EachRow(rows, func(r backend.Scanner) error { return scan(r) })
}

// rowsOn is backend.RowsFunc on q.
func rowsOn(ctx context.Context, q querier) backend.RowsFunc {
	return func(query string, scan func(backend.Scanner) error, args ...any) error {
		return listRows(ctx, q, rebind(query), func(r pgx.Row) error { return scan(r) }, args...)
	}
}

// SeedConflicts names, table by table, the entries of c whose key an
// admin-made entry holds.
func (db *DB) SeedConflicts(ctx context.Context, c *meterd.Catalog) ([]string, error) {
	if db.isClosed() {
		return nil, ErrClosed
	}
	out, err := backend.SeedConflicts(dialect{}, c, func(t *backend.CatalogTable, keys []string) ([]string, error) {
		q := "SELECT " + t.Key() + " FROM " + t.Name + " WHERE origin = 'admin' AND " + t.Key() +
			" = ANY ($1::text[]) ORDER BY 1"
		rows, err := db.pool.Query(ctx, q, keys)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: seed conflicts: %w", err)
	}
	return out, nil
}
