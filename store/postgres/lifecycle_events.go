package postgres

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var _ meterd.LifecycleReader = (*DB)(nil)

// FindLifecycleEvents returns the events f selects, oldest first.
func (db *DB) FindLifecycleEvents(ctx context.Context, f meterd.LifecycleEventFilter) ([]meterd.LifecycleEvent, error) {
	if db.isClosed() {
		return nil, ErrClosed
	}
	out, err := backend.FindLifecycleEvents(dialect{}, rowsOn(ctx, db.pool), f)
	if err != nil {
		return nil, fmt.Errorf("postgres: find lifecycle events: %w", err)
	}
	return out, nil
}
