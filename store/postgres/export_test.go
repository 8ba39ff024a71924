package postgres

// CacheListening reports whether the catalog listener is up (so lookups are
// being cached).
func (db *DB) CacheListening() bool { return db.listening.Load() }
