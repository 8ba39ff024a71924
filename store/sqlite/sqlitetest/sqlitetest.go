// Package sqlitetest opens throwaway SQLite stores for the tests of the
// packages above the store.
package sqlitetest

import (
	"log/slog"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// Open returns a store in a temporary directory holding catalog (nil for
// none), closed when tb ends.
func Open(tb testing.TB, catalog *meterd.Catalog) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(tb.Context(), tb.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	if catalog != nil {
		if err := db.ApplyCatalog(tb.Context(), catalog); err != nil {
			tb.Fatalf("apply catalog: %v", err)
		}
	}
	return db
}
