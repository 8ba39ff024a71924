package sim

import (
	"sync"
	"testing"
	"time"
)

// wallClock is a settable stand-in for the wall clock.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func newWall(t time.Time) *wallClock { return &wallClock{t: t} }

func (w *wallClock) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.t
}

func (w *wallClock) add(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t = w.t.Add(d)
}

var t0 = time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func mustAdd(tb testing.TB, f *Faults, r Rule) Rule {
	tb.Helper()
	added, err := f.Add(r)
	if err != nil {
		tb.Fatalf("Add(%+v): %v", r, err)
	}
	return added
}
