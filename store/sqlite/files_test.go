//go:build unix

package sqlite_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// withUmask sets the process umask for the rest of the test. Not parallel:
// the umask is process-wide.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantPerm(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	must(t, err)
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, want)
	}
}

// The ledger holds secret keys: whatever the umask, a new data directory is
// 0700 and the database, its WAL and shared-memory file 0600.
func TestFilesPrivate(t *testing.T) {
	for _, mask := range []int{0, 0o022, 0o077} {
		t.Run("OK umask "+fs.FileMode(mask).String(), func(t *testing.T) {
			withUmask(t, mask)
			dir := filepath.Join(t.TempDir(), "data")
			db := mustOpen(t, dir)
			must(t, db.CreateSigningKey(t.Context(), &meterd.SigningKey{Version: 1, PrivateKeyPEM: []byte("secret")}))
			wantPerm(t, dir, 0o700)
			for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm"} {
				wantPerm(t, filepath.Join(dir, name), 0o600)
			}
		})
	}
}

// Existing files keep the operator's mode but are reported; the -wal and
// -shm files (SQLite's, not the operator's) are made private.
func TestFilesOpenToOthersWarn(t *testing.T) {
	withUmask(t, 0)
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o755))
	must(t, mustOpen(t, dir).Close())
	path := filepath.Join(dir, sqlite.FileName)
	must(t, os.Chmod(path, 0o644))
	must(t, os.WriteFile(path+"-wal", nil, 0o644))

	var log lockedBuffer
	db, err := sqlite.Open(t.Context(), dir, newTextLogger(&log))
	must(t, err)
	defer db.Close()
	out := log.String()
	for _, p := range []string{dir, path, path + "-wal"} {
		if !strings.Contains(out, "file="+p+" ") {
			t.Errorf("no warning names %s; log:\n%s", p, out)
		}
	}
	wantPerm(t, path, 0o644)
	wantPerm(t, path+"-wal", 0o600)
	wantPerm(t, path+"-shm", 0o600)
}

// A private data directory gives no warning.
func TestFilesPrivateNoWarning(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Chmod(dir, 0o700))
	must(t, mustOpen(t, dir).Close())
	var log lockedBuffer
	db, err := sqlite.Open(t.Context(), dir, newTextLogger(&log))
	must(t, err)
	defer db.Close()
	if out := log.String(); strings.Contains(out, "WARN") {
		t.Errorf("warning for a private data dir:\n%s", out)
	}
}
