package sqlite

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var _ meterd.LifecycleReader = (*DB)(nil)

// FindLifecycleEvents returns the events f selects, oldest first.
func (db *DB) FindLifecycleEvents(ctx context.Context, f meterd.LifecycleEventFilter) ([]meterd.LifecycleEvent, error) {
	out, err := backend.FindLifecycleEvents(dialect{}, db.rows(ctx), f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find lifecycle events: %w", err)
	}
	return out, nil
}
