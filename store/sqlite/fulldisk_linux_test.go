package sqlite_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/meterd/meterd"
)

// mountTmpfs mounts a tmpfs of size on a new directory, or skips: it needs
// root (CI runs as root) and a kernel that lets this process mount.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	chunk := make([]byte, 16<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill disk: %v", err)
			}
			return
		}
	}
}

// On a really full disk, writes fail and Ping says not ready; once space is
// free again, Ping's probe write succeeds and writes work.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, "4m")
	db := mustOpen(t, dir) // closed before the unmount (cleanups run last first)
	key := func(v int32, size int) *meterd.SigningKey {
		return &meterd.SigningKey{Version: v, PrivateKeyPEM: bytes.Repeat([]byte("k"), size)}
	}
	must(t, db.CreateSigningKey(t.Context(), key(1, 256<<10)))
	must(t, db.Ping(t.Context()))

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	// Larger than the WAL the first key left behind, so that the write
	// needs new space whether or not a checkpoint has truncated the WAL.
	if err := db.CreateSigningKey(t.Context(), key(2, 1<<20)); err == nil {
		t.Fatal("write on a full disk: err = nil")
	}
	if err := db.Ping(t.Context()); err == nil {
		t.Fatal("Ping on a full disk after a failed write: err = nil, want not ready")
	}

	must(t, os.Remove(filler))
	must(t, db.Ping(t.Context()))
	must(t, db.CreateSigningKey(t.Context(), key(2, 1<<20)))
}
