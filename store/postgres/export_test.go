package postgres

// CacheListening reports whether the catalog listener is up (so lookups are
// being cached).
func (db *DB) CacheListening() bool { return db.listening.Load() }

// WithSchemaVersion migrates only up to version v.
func WithSchemaVersion(v int) Option { return func(db *DB) { db.schemaVersion = v } }

// WithRollupShard makes the DB add to the usage rollups under shard s.
func WithRollupShard(s int16) Option { return func(db *DB) { db.shard = s } }
