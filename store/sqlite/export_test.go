package sqlite

import (
	"context"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// WithBeforeCommit installs a hook that runs in the writer just before each
// COMMIT: it can fail the commit or hang it like a stuck disk.
func WithBeforeCommit(f func() error) Option {
	return func(db *DB) { db.beforeCommitF = f }
}

// WithKeyHash replaces the hash of dedupe keys and client tokens, so that a
// test can make every key collide.
func WithKeyHash(f func(parts ...string) int64) Option {
	return func(db *DB) { db.keyHash = f }
}

// WithSchemaVersion migrates a new data directory only up to version v, as
// an earlier build left it.
func WithSchemaVersion(v int) Option {
	return func(db *DB) { db.schemaVersion = v }
}

// WithoutTemplate makes a new ledger by running every migration on an
// empty file, not from the embedded template.
func WithoutTemplate() Option {
	return func(db *DB) { db.noTemplate = true }
}

// FreshLedger is the embedded template of a new ledger.
func FreshLedger() []byte { return freshLedger }

// FreshAudit is the embedded template of a new audit trail.
func FreshAudit() []byte { return freshAudit }

// OpenAuditWithoutTemplate is OpenAudit making a new file by migrating an
// empty one.
func OpenAuditWithoutTemplate(ctx context.Context, dir string) (*AuditDB, error) {
	return openAudit(ctx, dir, nil, nil)
}

// The ledger's lookups, for their query plans.
const (
	FindByDedupeKeySQL = findByDedupeKeySQL
	FindByTokenSQL     = findByTokenSQL
	InsertUsageSQL     = insertUsageSQL
)

// WithoutCheckpointer leaves checkpoints to the commits (the backstop), so
// that a test sees the WAL change only by its own writes.
func WithoutCheckpointer() Option {
	return func(db *DB) { db.checkpointInterval = 0 }
}

// SumUsageUnrolled sums as SumUsage does without rolling up first, so that
// a test sees the records after the watermark summed in Go.
func (db *DB) SumUsageUnrolled(ctx context.Context, s meterd.UsageSum) ([]meterd.UsageGroup, error) {
	return db.sumRolled(ctx, s, backend.PlanSum(s, backend.RollupPeriods), meterd.NewUsageAggregator(s))
}
