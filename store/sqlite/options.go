package sqlite

import "time"

// DefaultWriteTimeout bounds how long a write waits for its commit. A
// healthy commit takes milliseconds; ten seconds is far past any fsync that
// is merely slow, yet shorter than the SDKs' and load balancers' timeouts,
// so the client hears a 500 from meterd rather than a timeout.
const DefaultWriteTimeout = 10 * time.Second

// Option changes a setting of Open.
type Option func(*DB)

// WithWriteTimeout sets how long a write may wait for its commit (queued
// and committing) before it fails with ErrWriteTimeout; d <= 0 keeps
// DefaultWriteTimeout.
func WithWriteTimeout(d time.Duration) Option {
	return func(db *DB) {
		if d > 0 {
			db.writeTimeout = d
		}
	}
}

// WithLocked runs f once Open holds the data directory's lock, before the
// ledger is migrated: meterd opens the audit trail's file beside the ledger
// from there, so that the two open side by side (each waits mostly on its
// own fsyncs) and a directory another meterd holds is never touched.
func WithLocked(f func()) Option {
	return func(db *DB) { db.onLocked = f }
}
