package sqlite

// WithBeforeCommit installs a hook that runs in the writer just before each
// COMMIT: it can fail the commit or hang it like a stuck disk.
func WithBeforeCommit(f func() error) Option {
	return func(db *DB) { db.beforeCommitF = f }
}
