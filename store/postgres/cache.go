package postgres

import (
	"context"

	"github.com/meterd/meterd/store/backend"
)

// cachedLookup answers k from the catalog cache (backend.Cache) or from
// load. Another node may change the catalog, so entries are kept only
// while this node listens for the catalog notification (see notify.go),
// which empties the cache on every node after each catalog commit.
func cachedLookup[T any](ctx context.Context, db *DB, k backend.CacheKey, load func(context.Context) (T, error), clone func(T) T) (T, error) {
	if db.isClosed() {
		var zero T
		return zero, ErrClosed
	}
	return backend.Lookup(ctx, db.cache, k, db.listening.Load(), load, clone)
}
