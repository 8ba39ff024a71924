package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
)

// TestPageCacheSizes pins each connection's page cache (cache_size, in
// KiB when negative): the caches are most of meterd's resident memory, and
// a pragma dropped from a DSN would silently give a pool SQLite's default.
func TestPageCacheSizes(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(t.Context(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	audit, err := OpenAudit(t.Context(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })

	cases := []struct {
		name string
		conn interface {
			QueryRowContext(context.Context, string, ...any) *sql.Row
		}
		want int
	}{
		// writeConn holds writeDB's only connection.
		{"ledger writer", db.writeConn, -4096},
		{"ledger reader", db.readDB, -1024},
		{"audit writer", audit.write, -1024},
		{"audit reader", audit.read, -1024},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got int
			if err := c.conn.QueryRowContext(t.Context(), "PRAGMA cache_size").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("cache_size = %d, want %d", got, c.want)
			}
		})
	}
}
