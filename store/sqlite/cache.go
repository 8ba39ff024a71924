package sqlite

import (
	"context"
	"database/sql"

	"github.com/meterd/meterd/store/backend"
)

// The catalog cache (backend.Cache) is coherent because this process is the
// only one using the data directory (see lockFileName) and every catalog
// write empties it after committing.

// cachedLookup answers k from the catalog cache or from load.
func cachedLookup[T any](ctx context.Context, db *DB, k backend.CacheKey, load func(context.Context) (T, error), clone func(T) T) (T, error) {
	if db.isClosed() {
		var zero T
		return zero, ErrClosed
	}
	return backend.Lookup(ctx, db.cache, k, true, load, clone)
}

// readStmt returns query prepared on the reader pool, preparing it once.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.readStmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.readDB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, raced := db.readStmts.LoadOrStore(query, s); raced {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}
