package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/storetest"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// lockedBuffer collects log output written from any goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTextLogger(b *lockedBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// mustOpen opens a store in dir and closes it when the test ends.
func mustOpen(tb testing.TB, dir string, opts ...sqlite.Option) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), dir, discardLogger(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) meterd.Store { return mustOpen(t, t.TempDir()) })
}

// The hashed keys must behave like the keys themselves when every hash
// collides: the whole suite again, with one hash for all keys.
func TestConformanceKeysCollide(t *testing.T) {
	storetest.Run(t, func(t *testing.T) meterd.Store {
		return mustOpen(t, t.TempDir(), sqlite.WithKeyHash(func(...string) int64 { return 42 }))
	})
}

func TestOpen(t *testing.T) {
	t.Run("CreatesDirAndWAL", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		mustOpen(t, dir)
		if got := pragma(t, dir, "journal_mode"); got != "wal" {
			t.Errorf("journal_mode = %q, want wal", got)
		}
	})
	t.Run("NilLoggerDiscards", func(t *testing.T) {
		// A new directory: the migrations and the open are logged.
		db, err := sqlite.Open(t.Context(), t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyCatalog(t.Context(), &meterd.Catalog{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrLockedWhileOpen", func(t *testing.T) {
		dir := t.TempDir()
		first := mustOpen(t, dir)
		if _, err := sqlite.Open(t.Context(), dir, nil); !errors.Is(err, sqlite.ErrLocked) {
			t.Fatalf("second Open: %v, want ErrLocked", err)
		}
		must(t, first.Close())
		must(t, mustOpen(t, dir).Close()) // the lock goes with Close
	})
	t.Run("MigrationsRecordedOnce", func(t *testing.T) {
		dir := t.TempDir()
		must(t, mustOpen(t, dir).Close())
		must(t, mustOpen(t, dir).Close()) // reopening applies nothing twice
		if got := pragma(t, dir, "user_version"); got != "0" {
			t.Errorf("user_version = %q; migrations are tracked in schema_migrations", got)
		}
		want := migrationFiles(t)
		if got := query(t, dir, "SELECT group_concat(version || ':' || name) FROM schema_migrations"); got != want {
			t.Errorf("schema_migrations = %q, want %s", got, want)
		}
	})
	t.Run("ProductsBeforeIntegrationAreLegacy", func(t *testing.T) {
		dir := t.TempDir()
		must(t, mustOpen(t, dir).Close())
		// Take the file back to version 2 with a product in it.
		execSQL(t, dir, `ALTER TABLE products DROP COLUMN integration;
			DELETE FROM schema_migrations WHERE version = 3;
			INSERT INTO accounts (id, name) VALUES ('111111111111', 'seller');
			INSERT INTO products (code, seller_account_id, type, dimensions)
				VALUES ('old-saas', '111111111111', 'SaaS', '[]')`)
		got, err := mustOpen(t, dir).FindProduct(t.Context(), "old-saas")
		must(t, err)
		if got.Integration != meterd.IntegrationLegacy {
			t.Errorf("Integration after migration 3 = %q, want %q", got.Integration, meterd.IntegrationLegacy)
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		dir := t.TempDir()
		must(t, mustOpen(t, dir).Close())
		execSQL(t, dir, "INSERT INTO schema_migrations VALUES (999, 'future', '')")
		if db, err := sqlite.Open(t.Context(), dir, discardLogger()); err == nil {
			db.Close()
			t.Fatal("Open of a database from a newer build: err = nil")
		}
	})
	t.Run("ErrNotADirectory", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		must(t, os.WriteFile(file, nil, 0o600))
		if db, err := sqlite.Open(t.Context(), file, discardLogger()); err == nil {
			db.Close()
			t.Fatal("Open(a regular file): err = nil")
		}
	})
	t.Run("SpecialCharactersInPath", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "what?#%20x")
		db := mustOpen(t, dir)
		must(t, db.CreateSigningKey(t.Context(), &meterd.SigningKey{Version: 1, PrivateKeyPEM: []byte("k")}))
		if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
			t.Fatalf("database not at the escaped path: %v", err)
		}
	})
}

func TestClose(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	must(t, db.Close())
	must(t, db.Close()) // idempotent
	err := db.CreateSigningKey(t.Context(), &meterd.SigningKey{Version: 1})
	if !errors.Is(err, sqlite.ErrClosed) {
		t.Fatalf("write after Close: err = %v, want ErrClosed", err)
	}
}

// TestPersistsAcrossReopen checks that what a write returned is on disk.
func TestPersistsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	key := &meterd.SigningKey{Version: 7, PrivateKeyPEM: []byte("k")}
	must(t, db.CreateSigningKey(t.Context(), key))
	must(t, db.Close())
	keys, err := mustOpen(t, dir).SigningKeys(t.Context())
	must(t, err)
	if len(keys) != 1 || keys[0].Version != 7 {
		t.Fatalf("after reopen, keys = %v, want version 7", keys)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// rawDB opens the store's file directly, for inspection behind its back.
func rawDB(tb testing.TB, dir string) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	must(tb, err)
	tb.Cleanup(func() { raw.Close() })
	return raw
}

func query(tb testing.TB, dir, q string) string {
	tb.Helper()
	var s string
	must(tb, rawDB(tb, dir).QueryRow(q).Scan(&s))
	return s
}

func pragma(tb testing.TB, dir, name string) string {
	tb.Helper()
	return query(tb, dir, "PRAGMA "+name)
}

func execSQL(tb testing.TB, dir, q string) {
	tb.Helper()
	_, err := rawDB(tb, dir).Exec(q)
	must(tb, err)
}

// migrationFiles lists migrations/NNNN_name.sql as "N:name,...", the
// record every version applied once leaves in schema_migrations.
func migrationFiles(t *testing.T) string {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	must(t, err)
	var list []string
	for _, e := range entries {
		num, name, _ := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		n, err := strconv.Atoi(num)
		must(t, err)
		list = append(list, fmt.Sprintf("%d:%s", n, name))
	}
	return strings.Join(list, ",")
}
