package sqlite_test

import (
	"errors"
	"testing"

	"github.com/meterd/meterd/store/sqlite"
)

// WithLocked's function runs only once the directory's lock is held: never
// for a directory another store has open.
func TestWithLockedRunsOnlyUnderTheLock(t *testing.T) {
	dir := t.TempDir()
	first := mustOpen(t, dir)
	ran := 0
	if _, err := sqlite.Open(t.Context(), dir, nil, sqlite.WithLocked(func() { ran++ })); !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("Open of a locked directory: %v, want ErrLocked", err)
	}
	if ran != 0 {
		t.Fatalf("WithLocked ran %d times for a directory it could not lock", ran)
	}
	must(t, first.Close())
	mustOpen(t, dir, sqlite.WithLocked(func() { ran++ }))
	if ran != 1 {
		t.Fatalf("WithLocked ran %d times, want once", ran)
	}
}
