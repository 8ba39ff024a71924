package sqlite

import (
	"context"
	"database/sql"

	"github.com/meterd/meterd/store/backend"
)

// catalogFinder answers the catalog's lookups from the catalog cache
// (backend.Cache) or from the database. The cache is coherent because this
// process is the only one using the data directory (see lockFileName) and
// every catalog write empties it after committing.
func (db *DB) catalogFinder() *backend.CatalogFinder {
	return backend.NewCatalogFinder(db.cache, backend.CatalogSource{
		Name: "sqlite", Dialect: dialect{}, IsClosed: db.isClosed, ErrClosed: ErrClosed,
		Keep: func() bool { return true },
		QueryRow: func(ctx context.Context, query string, args ...any) backend.Scanner {
			return db.queryRow(ctx, query, args...)
		},
		Subscriptions: db.loadSubscriptions,
	})
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
