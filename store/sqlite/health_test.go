package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

func createKey(t *testing.T, db *sqlite.DB, version int32) error {
	t.Helper()
	return db.CreateSigningKey(t.Context(), &meterd.SigningKey{Version: version, PrivateKeyPEM: []byte("k")})
}

// replaceFile puts a new file at path, as a restore from backup would.
func replaceFile(t *testing.T, path string) {
	t.Helper()
	must(t, os.WriteFile(path+".new", []byte("restored"), 0o600))
	must(t, os.Rename(path+".new", path))
}

// Once the database file or its WAL is not the open one, the store
// acknowledges no write and Ping fails, for good: SQLite would go on
// committing into the unlinked file, and a restart would find none of it.
func TestFileReplaced(t *testing.T) {
	tests := []struct {
		name   string
		before func(t *testing.T, path string) // between two writes
		during func(path string)               // inside the second write's commit
	}{
		{name: "ErrDatabaseDeleted", before: func(t *testing.T, p string) { must(t, os.Remove(p)) }},
		{name: "ErrWALDeleted", before: func(t *testing.T, p string) { must(t, os.Remove(p+"-wal")) }},
		{name: "ErrDatabaseReplaced", before: func(t *testing.T, p string) { replaceFile(t, p) }},
		{name: "ErrWALReplaced", before: func(t *testing.T, p string) { replaceFile(t, p+"-wal") }},
		{name: "ErrDataDirDeleted", before: func(t *testing.T, p string) { must(t, os.RemoveAll(filepath.Dir(p))) }},
		{name: "ErrDeletedDuringCommit", during: func(p string) { os.Remove(p) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			path := filepath.Join(dir, sqlite.FileName)
			var armed atomic.Bool
			hook := sqlite.WithBeforeCommit(func() error {
				if armed.Load() && tc.during != nil {
					tc.during(path)
				}
				return nil
			})
			var log lockedBuffer
			db, err := sqlite.Open(t.Context(), dir, newTextLogger(&log), hook)
			must(t, err)
			t.Cleanup(func() { db.Close() })
			must(t, createKey(t, db, 1))
			must(t, db.Ping(t.Context()))

			if tc.before != nil {
				tc.before(t, path)
			}
			armed.Store(true)
			if err := createKey(t, db, 2); !errors.Is(err, sqlite.ErrFileReplaced) {
				t.Fatalf("write after the file went: err = %v, want ErrFileReplaced", err)
			}
			armed.Store(false)
			if err := createKey(t, db, 3); !errors.Is(err, sqlite.ErrFileReplaced) {
				t.Errorf("later write: err = %v, want ErrFileReplaced (refused until restart)", err)
			}
			if err := db.Ping(t.Context()); !errors.Is(err, sqlite.ErrFileReplaced) {
				t.Errorf("Ping: err = %v, want ErrFileReplaced", err)
			}
			if out := log.String(); strings.Count(out, "deleted or replaced") != 1 {
				t.Errorf("want the loss logged once; log:\n%s", out)
			}
		})
	}
}

// Ping notices the change without a write, for /readyz.
func TestFileReplacedPing(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	must(t, db.Ping(t.Context()))
	replaceFile(t, filepath.Join(dir, sqlite.FileName))
	if err := db.Ping(t.Context()); !errors.Is(err, sqlite.ErrFileReplaced) {
		t.Fatalf("Ping: err = %v, want ErrFileReplaced", err)
	}
}

// A restored WAL put in place while meterd runs survives its Close: SQLite
// deletes the WAL at its path on the last close, which must not take the
// restored one.
func TestFileReplacedCloseKeepsRestoredWAL(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	must(t, createKey(t, db, 1))
	wal := filepath.Join(dir, sqlite.FileName+"-wal")
	replaceFile(t, wal)
	must(t, db.Close())
	got, err := os.ReadFile(wal)
	if err != nil || string(got) != "restored" {
		t.Fatalf("restored WAL after Close: %q, %v", got, err)
	}
}

// Ping fails while commits fail and recovers, by a probe write, once they
// work again; the API's writes fail meanwhile.
func TestPingWhileWritesFail(t *testing.T) {
	var failing atomic.Bool
	hook := sqlite.WithBeforeCommit(func() error {
		if failing.Load() {
			return errors.New("injected I/O error")
		}
		return nil
	})
	db, err := sqlite.Open(t.Context(), t.TempDir(), discardLogger(), hook)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	must(t, db.Ping(t.Context()))

	failing.Store(true)
	if err := createKey(t, db, 1); err == nil {
		t.Fatal("write with failing commits: err = nil")
	}
	if err := db.Ping(t.Context()); err == nil {
		t.Fatal("Ping after a failed write: err = nil, want not ready")
	}
	if err := db.Ping(t.Context()); err == nil {
		t.Fatal("Ping while writes still fail: err = nil, want not ready")
	}
	failing.Store(false)
	must(t, db.Ping(t.Context())) // the probe write succeeds
	must(t, createKey(t, db, 2))
}

// A commit stuck on the disk answers its caller ErrWriteTimeout instead of
// hanging it, as do callers queued behind it. The stuck group may still
// commit later; a queued write that timed out never does. No timing is
// asserted: the test only needs the calls to return.
func TestWriteTimeout(t *testing.T) {
	release := make(chan struct{})
	var hang atomic.Bool
	hook := sqlite.WithBeforeCommit(func() error {
		if hang.Load() {
			<-release
		}
		return nil
	})
	db, err := sqlite.Open(t.Context(), t.TempDir(), discardLogger(), hook, sqlite.WithWriteTimeout(20*time.Millisecond))
	must(t, err)
	t.Cleanup(func() { db.Close() })

	hang.Store(true)
	if err := createKey(t, db, 1); !errors.Is(err, sqlite.ErrWriteTimeout) {
		t.Fatalf("write on a hung disk: err = %v, want ErrWriteTimeout", err)
	}
	if err := createKey(t, db, 2); !errors.Is(err, sqlite.ErrWriteTimeout) {
		t.Fatalf("write queued behind it: err = %v, want ErrWriteTimeout", err)
	}
	if err := db.Ping(t.Context()); err == nil {
		t.Fatal("Ping while the disk hangs: err = nil")
	}
	hang.Store(false)
	close(release)
	waitWritable(t, db)
	if got := storedVersions(t, db); len(got) != 1 || got[0] != 1 {
		t.Errorf("stored versions %v, want [1]: the stuck commit lands, the withdrawn write never", got)
	}
}

func storedVersions(t *testing.T, db *sqlite.DB) []int32 {
	t.Helper()
	keys, err := db.SigningKeys(t.Context())
	must(t, err)
	var vs []int32
	for _, k := range keys {
		vs = append(vs, k.Version)
	}
	return vs
}

// waitWritable pings until the stuck group has ended: until then each
// probe write fails fast with ErrWriteTimeout, as a client's retry would.
func waitWritable(t *testing.T, db *sqlite.DB) {
	t.Helper()
	for range 10000 {
		err := db.Ping(t.Context())
		if err == nil {
			return
		}
		if !errors.Is(err, sqlite.ErrWriteTimeout) {
			t.Fatalf("Ping after the disk came back: %v", err)
		}
	}
	t.Fatal("writes still time out after the disk came back")
}
