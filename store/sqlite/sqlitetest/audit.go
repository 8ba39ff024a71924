package sqlitetest

import (
	"log/slog"
	"testing"

	"github.com/meterd/meterd/store/sqlite"
)

// OpenAudit returns an empty audit store in a temporary directory, closed
// when tb ends.
func OpenAudit(tb testing.TB) *sqlite.AuditDB {
	tb.Helper()
	db, err := sqlite.OpenAudit(tb.Context(), tb.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open audit store: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close audit store: %v", err)
		}
	})
	return db
}
