// Package postgres is the meterd.Store on PostgreSQL (pgx v5), shared by
// any number of meterd nodes: every uniqueness the ledger promises is a
// unique constraint (INSERT ... ON CONFLICT), never a check made by one
// process; concurrent RecordUsage calls of a node share one transaction
// (group commit, see writer.go); the catalog cache of every node is emptied
// when any node changes the catalog (LISTEN/NOTIFY, see notify.go).
//
// The SQL avoids what Postgres-compatible distributed engines lack:
// deferrable constraints, triggers, sequences read for ordering, LOCK TABLE.
// pg_advisory_lock (migrations) and LISTEN/NOTIFY (cache) are the two
// PostgreSQL-only features; README "Running several nodes on PostgreSQL"
// says what changes without them.
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// DefaultWriteTimeout bounds how long a write waits for its commit, as on
// SQLite: past it the caller gets an error (an InternalServiceError) rather
// than a hang while the database is unreachable.
const DefaultWriteTimeout = 10 * time.Second

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("postgres: database is closed")

// IsURL reports whether s names a PostgreSQL database (postgres:// or
// postgresql://), as --store takes it.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns u without its password, for logs and errors.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return p.Redacted()
}

// DB is a meterd.Store on one PostgreSQL database.
type DB struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	url    string

	writeTimeout  time.Duration
	schemaVersion int // > 0 migrates only that far (a test hook)

	cache *backend.Cache
	// The catalog's lookups (FindProduct, ...) go through cache.
	*backend.CatalogFinder
	// The admin API's catalog changes (CreateEntries, ...).
	*backend.CatalogEditor
	// owner names this DB's leases of outbox deliveries (outbox.go).
	owner string
	// shard is where this DB adds to the usage rollups (rollup.go).
	shard int16
	// listening is true while the LISTEN connection is up: only then is a
	// cached catalog entry known to be invalidated when another node
	// changes the catalog, so only then does the cache keep entries.
	listening  atomic.Bool
	stopListen context.CancelFunc
	listenDone chan struct{}

	queue      *backend.WriteQueue[*writeOp]
	writerDone chan struct{}
	groups     atomic.Int64
	groupedOps atomic.Int64

	closeOnce sync.Once
	closeErr  error
}

// Option changes a setting of Open.
type Option func(*DB)

// WithWriteTimeout sets how long a write may wait for its commit; d <= 0
// keeps DefaultWriteTimeout.
func WithWriteTimeout(d time.Duration) Option {
	return func(db *DB) {
		if d > 0 {
			db.writeTimeout = d
		}
	}
}

// Open connects to the database at rawURL, migrates it (under an advisory
// lock, so nodes starting together apply each migration once) and starts
// the writer and the catalog listener. A nil logger discards.
//
// pgx reads the usual connection settings from the URL (host, port,
// sslmode, connect_timeout, pool_max_conns, ...) and the PG* variables.
func Open(ctx context.Context, rawURL string, logger *slog.Logger, opts ...Option) (*DB, error) {
	logger = meterd.LoggerOrDiscard(logger)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", Redact(rawURL), err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	db := &DB{
		logger:       logger,
		url:          rawURL,
		writeTimeout: DefaultWriteTimeout,
		cache:        backend.NewCache(),
		owner:        rand.Text(),
		shard:        randomShard(),
		// No stall signal here (see writeOp), so the queue never answers its
		// stall error.
		queue:      backend.NewWriteQueue[*writeOp](maxGroupOps, ErrClosed, context.DeadlineExceeded),
		writerDone: make(chan struct{}),
		listenDone: make(chan struct{}),
	}
	db.CatalogFinder, db.CatalogEditor = db.catalogFinder(), db.catalogEditor()
	for _, o := range opts {
		o(db)
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", Redact(rawURL), err)
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", Redact(rawURL), err)
	}
	listenCtx, stop := context.WithCancel(context.Background())
	db.stopListen = stop
	go db.runWriter()
	go db.listen(listenCtx)
	logger.Info("postgres store open", meterd.LogKeyStore, Redact(rawURL))
	return db, nil
}

// Ping checks that the database takes a write: it rewrites the probe row.
// /readyz calls it, so a node whose database is unreachable, read-only or
// out of space is not ready.
func (db *DB) Ping(ctx context.Context) error {
	if db.isClosed() {
		return ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	const probe = `INSERT INTO write_probe (id, n) VALUES (1, 1)
		ON CONFLICT (id) DO UPDATE SET n = write_probe.n + 1`
	if _, err := db.pool.Exec(ctx, probe); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

func (db *DB) isClosed() bool { return db.queue.Closed() }

// Close waits for every write already submitted to be answered, then stops
// the writer and the listener and closes the pool. Close is idempotent.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.queue.Close()
		<-db.writerDone
		db.stopListen()
		<-db.listenDone
		db.pool.Close()
	})
	return db.closeErr
}

// WriterStats counts group commits since Open.
type WriterStats struct {
	Groups     int64
	Operations int64
}

// WriterStats reports how well writes are being grouped.
func (db *DB) WriterStats() WriterStats {
	return WriterStats{Groups: db.groups.Load(), Operations: db.groupedOps.Load()}
}

var (
	_ meterd.Store           = (*DB)(nil)
	_ meterd.CatalogStore    = (*DB)(nil)
	_ meterd.CatalogReader   = (*DB)(nil)
	_ meterd.AccessKeyFinder = (*DB)(nil)
	_ meterd.LedgerStore     = (*DB)(nil)
	_ meterd.Pinger          = (*DB)(nil)
)
