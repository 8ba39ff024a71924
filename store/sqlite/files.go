package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/meterd/meterd"
)

// The ledger holds secret access keys and RSA private keys, so the data
// directory and every database file are for the owner alone.
const (
	dirPerm  fs.FileMode = 0o700
	filePerm fs.FileMode = 0o600
	// notOwner are the permission bits that give someone else access.
	notOwner fs.FileMode = 0o077
)

// SQLite's own files beside FileName: the write-ahead log and the
// shared-memory index of it. Both hold recent writes in the clear.
const (
	walSuffix = "-wal"
	shmSuffix = "-shm"
)

// makeDataDir creates dir with dirPerm, or warns when an existing dir is
// open to others. The mode is set with Chmod after MkdirAll because
// MkdirAll's is filtered by the umask (a umask can only clear bits, but
// one such as 0o277 would leave the owner without write access).
func makeDataDir(dir string, logger *slog.Logger) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("sqlite: data dir %s: not a directory", dir)
		}
		warnIfOpen(logger, dir, fi)
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: data dir: %w", err)
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("sqlite: create data dir: %w", err)
	}
	if err := os.Chmod(dir, dirPerm); err != nil {
		return fmt.Errorf("sqlite: create data dir: %w", err)
	}
	return nil
}

// createDBFile creates the database file with filePerm before SQLite opens
// it: SQLite would create it 0644 (less the umask), and it gives its -wal
// and -shm files the mode of the database file. An existing file keeps its
// mode (the operator's choice) but is reported when others can read it.
func createDBFile(path string, logger *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
	if errors.Is(err, fs.ErrExist) {
		if fi, err := os.Stat(path); err == nil {
			warnIfOpen(logger, path, fi)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	err = f.Chmod(filePerm) // the umask may have cleared owner bits
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return nil
}

// restrictSidecars makes the -wal and -shm files private after SQLite has
// opened them. SQLite copies the database file's mode, so this matters for
// files left by an older meterd (created 0644) or a database file the
// operator made readable: the WAL holds the newest secrets.
func restrictSidecars(path string, logger *slog.Logger) error {
	for _, p := range []string{path + walSuffix, path + shmSuffix} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if fi.Mode().Perm()&notOwner == 0 {
			continue
		}
		if err := os.Chmod(p, filePerm); err != nil {
			return fmt.Errorf("sqlite: restrict %s: %w", p, err)
		}
		logger.Warn("sqlite file was readable by others; made it owner-only",
			meterd.LogKeyFile, p, meterd.LogKeyFileMode, fi.Mode().Perm().String())
	}
	return nil
}

// warnIfOpen logs when group or others have any access to path: it holds
// (or leads to) secret keys.
func warnIfOpen(logger *slog.Logger, path string, fi fs.FileInfo) {
	if fi.Mode().Perm()&notOwner != 0 {
		logger.Warn("sqlite data holds secret keys but is accessible by group or others; chmod it to owner-only",
			meterd.LogKeyFile, path, meterd.LogKeyFileMode, fi.Mode().Perm().String())
	}
}
