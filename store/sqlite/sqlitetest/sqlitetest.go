// Package sqlitetest opens throwaway SQLite stores for the tests of the
// packages above the store.
package sqlitetest

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// Open returns a store in a temporary directory holding catalog (nil for
// none), closed when tb ends.
func Open(tb testing.TB, catalog *meterd.Catalog) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(tb.Context(), tb.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	if catalog != nil {
		if err := db.ApplyCatalog(tb.Context(), catalog); err != nil {
			tb.Fatalf("apply catalog: %v", err)
		}
	}
	return db
}

// CountdownContext is cancelled by its own Err once armed and asked n more
// times: a cancellation at a chosen point of a long operation (a catalog
// written in batches checks Err between them), reached without timing.
// Done closes at the same moment.
type CountdownContext struct {
	context.Context
	cancel context.CancelFunc
	armed  atomic.Bool
	left   atomic.Int64
}

// NewCountdownContext returns a context that, once armed (now, or by Arm),
// cancels itself at the n+1th call of Err.
func NewCountdownContext(tb testing.TB, n int64, armed bool) *CountdownContext {
	ctx, cancel := context.WithCancel(tb.Context())
	c := &CountdownContext{Context: ctx, cancel: cancel}
	c.left.Store(n)
	c.armed.Store(armed)
	return c
}

// Arm starts the countdown.
func (c *CountdownContext) Arm() { c.armed.Store(true) }

// Err counts down once armed, and reports the cancellation.
func (c *CountdownContext) Err() error {
	if c.armed.Load() && c.left.Add(-1) < 0 {
		c.cancel()
	}
	return c.Context.Err()
}
