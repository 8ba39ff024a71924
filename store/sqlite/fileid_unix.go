//go:build unix

package sqlite

import (
	"errors"
	"io/fs"
	"syscall"
)

// fileID is a file's identity: the same path names another file after a
// delete and re-create or a rename over it.
type fileID struct{ dev, ino uint64 }

// statID stats path without the allocations of os.Stat (it runs twice per
// group commit).
func statID(path string) (fileID, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Stat(path, &st)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fileID{}, &fs.PathError{Op: "stat", Path: path, Err: err}
		}
		return fileID{dev: uint64(st.Dev), ino: st.Ino}, nil // Dev is 32-bit on some systems
	}
}
