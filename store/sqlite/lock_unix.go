//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFileName is held with an exclusive flock while a DB is open: the
// group-commit writer assumes it is the only writer of the file, so a
// second meterd on the same data directory must not start. The kernel
// drops the lock when the process dies, even by SIGKILL.
const lockFileName = "meterd.lock"

// ErrLocked is returned by Open when another process has the data
// directory open.
var ErrLocked = errors.New("sqlite: the data directory is in use by another meterd process")

func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, dir)
		}
		return nil, fmt.Errorf("sqlite: lock data dir: %w", err)
	}
	return f, nil
}
