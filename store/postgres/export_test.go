package postgres

import (
	"context"

	"github.com/meterd/meterd"
)

// CacheListening reports whether the catalog listener is up (so lookups are
// being cached).
func (db *DB) CacheListening() bool { return db.listening.Load() }

// WithSchemaVersion migrates only up to version v.
func WithSchemaVersion(v int) Option { return func(db *DB) { db.schemaVersion = v } }

// WithRollupShard makes the DB add to the usage rollups under shard s.
func WithRollupShard(s int16) Option { return func(db *DB) { db.shard = s } }

// SumUsageFromRecords sums as SumUsage did before the rollups: from the
// records, whatever the sum.
func (db *DB) SumUsageFromRecords(ctx context.Context, s meterd.UsageSum) ([]meterd.UsageGroup, error) {
	agg := meterd.NewUsageAggregator(s)
	if err := db.sumRecords(ctx, s, agg); err != nil {
		return nil, err
	}
	return agg.Groups(), nil
}
