//go:build !unix

package sqlite

import (
	"errors"
	"os"
)

// ErrLocked is returned by Open when another process has the data
// directory open (Unix only; elsewhere the directory is not locked).
var ErrLocked = errors.New("sqlite: the data directory is in use by another meterd process")

// lockDir does nothing where flock is not available: one meterd per data
// directory is then the operator's to ensure.
func lockDir(string) (*os.File, error) { return nil, nil }
