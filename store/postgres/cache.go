package postgres

import (
	"context"

	"github.com/meterd/meterd/store/backend"
)

// catalogFinder answers the catalog's lookups from the catalog cache
// (backend.Cache) or from the database. Another node may change the
// catalog, so entries are kept only while this node listens for the
// catalog notification (see notify.go), which empties the cache on every
// node after each catalog commit.
func (db *DB) catalogFinder() *backend.CatalogFinder {
	return backend.NewCatalogFinder(db.cache, backend.CatalogSource{
		Name: "postgres", Dialect: dialect{}, IsClosed: db.isClosed, ErrClosed: ErrClosed,
		Keep: db.listening.Load,
		QueryRow: func(ctx context.Context, query string, args ...any) backend.Scanner {
			return db.pool.QueryRow(ctx, rebind(query), args...)
		},
		Subscriptions: db.loadSubscriptions,
	})
}
