// Package sqlite is the meterd.Store on SQLite (modernc.org/sqlite, pure
// Go). Every write is committed with synchronous=FULL before it returns;
// concurrent writes share one transaction and one fsync (group commit, see
// writer.go).
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "meterd.db"

// writerPragmas make every commit durable when it returns (FULL syncs the
// WAL on each commit), let readers run beside the writer (WAL) and wait
// instead of failing when another process holds the lock. temp_store keeps
// the savepoint journal of a group commit (one savepoint per operation) in
// memory: it only serves rollbacks inside the transaction, and as a temp
// file it cost a write system call per changed page.
//
// cache_size holds a group's pages: the default 2 MiB overflowed with a few
// hundred records of random keys, and SQLite then spilled pages to the WAL
// mid-transaction and rewrote them (and their checksums) at commit. 4 MiB
// (1,024 pages) holds the ~800 records of a group of 32 BatchMeterUsage
// calls without a spill (the store benchmark's bytes written per record are
// those of 16 MiB; 2 MiB writes more); what a larger cache adds is clean
// pages of the random dedupe-hash index, which the OS's page cache serves
// as well. A cached page costs about twice its 4 KiB of resident memory:
// SQLite allocates a page with its headers (a little over 4 KiB) and
// modernc's allocator rounds that up to an 8 KiB slot, so 16 MiB cost
// meterd about 40 MB of RSS.
// The cache grows only as pages are used. wal_autocheckpoint is the
// backstop of the checkpointer (see checkpoint.go).
const writerPragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-4096)" +
	"&_pragma=wal_autocheckpoint(16384)"

// readerPragmas: readers never write, and query_only makes a stray write on
// the read pool fail instead of racing the writer for the lock. A reader
// drops its whole cache at the first read after another connection's
// commit (WAL mode), which under load is every read, so its cache only
// serves the pages one query revisits: 1 MiB rather than the default 2 MiB,
// which cost up to 4 MB of RSS a connection (see writerPragmas).
const readerPragmas = "_pragma=busy_timeout(5000)&_pragma=query_only(1)&_pragma=cache_size(-1024)"

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("sqlite: database is closed")

// DB is a meterd.Store backed by one SQLite file.
type DB struct {
	path   string
	lock   *os.File // see lockFileName
	logger *slog.Logger

	// writeDB holds exactly one connection, writeConn, owned by the writer
	// goroutine. SQLite allows one writer at a time: several writing
	// connections would only queue on the file lock (or fail with
	// SQLITE_BUSY once busy_timeout runs out), while one connection fed by a
	// queue never contends and can commit many callers' writes with a single
	// fsync.
	writeDB   *sql.DB
	writeConn *sql.Conn
	stmts     map[string]*sql.Stmt // prepared on writeConn; writer goroutine only
	// rawStmts and namedArgs are execAffected's: statements prepared on
	// writeConn's driver connection, and its argument buffer; writer
	// goroutine only.
	rawStmts  map[string]driver.Stmt
	namedArgs []driver.NamedValue
	// insertArgs is insertNew's buffer of its rows' values; writer
	// goroutine only.
	insertArgs []any
	keyHash    keyHashFunc // see keys.go
	// schemaVersion > 0 migrates only that far (a test hook; 0 in production).
	schemaVersion int
	// noTemplate makes a new ledger by migrating an empty file rather than
	// from freshLedger (a test hook; false in production).
	noTemplate bool

	// readDB is a pool of query_only connections; in WAL mode they read a
	// committed snapshot without blocking the writer.
	readDB *sql.DB
	cache  *backend.Cache
	// The catalog's lookups (FindProduct, ...) go through cache.
	*backend.CatalogFinder
	// The admin API's catalog changes (CreateEntries, ...).
	*backend.CatalogEditor
	// readStmts holds the catalog's read queries prepared on the reader
	// pool, query text → *sql.Stmt, so that a lookup the cache misses (a
	// page of a large product, one buyer among 50,000) costs its
	// execution, not the parsing of its SQL too. The queries are a small
	// fixed set (filters choose among a few WHERE clauses).
	readStmts sync.Map

	// checkpointDB holds the checkpointer's one connection (checkpoint.go).
	checkpointDB       *sql.DB
	checkpointInterval time.Duration
	stopCheckpoints    chan struct{}
	checkpointsDone    chan struct{}

	queue       *backend.WriteQueue[*writeOp]
	writerDone  chan struct{}
	groups      atomic.Int64 // see WriterStats
	groupedOps  atomic.Int64
	groupsEnded atomic.Int64 // groups committed or failed, for the checkpointer
	// commitObserver, when set, hears of every group commit (see
	// ObserveCommits).
	commitObserver atomic.Pointer[func(ops int, commit time.Duration)]

	// The watchdog fails callers of a group stuck longer than writeTimeout
	// (see stall.go); health and files let writes and Ping notice a failing
	// disk or a replaced file (see health.go).
	writeTimeout  time.Duration
	epoch         time.Time    // monotonic origin of groupStart
	groupStart    atomic.Int64 // see startGroup
	stallMu       sync.Mutex   // orders endGroup and the watchdog's verdict
	stall         atomic.Pointer[stallSignal]
	stopWatchdog  chan struct{}
	watchdogDone  chan struct{}
	health        health
	files         files
	beforeCommitF func() error // test hook: runs before COMMIT; nil in production
	onLocked      func()       // see WithLocked; nil when not set

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the database in dir, migrates it and
// starts the writer. A nil logger discards.
func Open(ctx context.Context, dir string, logger *slog.Logger, opts ...Option) (*DB, error) {
	logger = meterd.LoggerOrDiscard(logger)
	if err := makeDataDir(dir, logger); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	// Absolute and clean, so the file: URI never starts with "//" (which
	// would name a host) and the log shows where the data is.
	path, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db := &DB{
		path:       path,
		lock:       lock,
		logger:     logger,
		stmts:      make(map[string]*sql.Stmt),
		rawStmts:   make(map[string]driver.Stmt),
		keyHash:    keyHash,
		cache:      backend.NewCache(),
		queue:      backend.NewWriteQueue[*writeOp](maxGroupOps, ErrClosed, ErrWriteTimeout),
		writerDone: make(chan struct{}),

		writeTimeout: DefaultWriteTimeout,
		epoch:        time.Now(),
		stopWatchdog: make(chan struct{}),
		watchdogDone: make(chan struct{}),

		checkpointInterval: checkpointInterval,
		stopCheckpoints:    make(chan struct{}),
		checkpointsDone:    make(chan struct{}),
	}
	db.CatalogFinder, db.CatalogEditor = db.catalogFinder(), db.catalogEditor()
	for _, o := range opts {
		o(db)
	}
	db.stall.Store(newStallSignal())
	if db.onLocked != nil {
		db.onLocked()
	}
	if err := db.open(ctx); err != nil {
		db.closeConns()
		return nil, err
	}
	go db.runWriter()
	go db.runWatchdog(db.stopWatchdog)
	go db.runCheckpointer(db.stopCheckpoints)
	return db, nil
}

func (db *DB) open(ctx context.Context) error {
	// A test migrating only part of the way (schemaVersion) builds its
	// ledger from nothing.
	if db.schemaVersion == 0 && !db.noTemplate {
		if err := createFromTemplate(db.path, freshLedger); err != nil {
			return err
		}
	}
	if err := createDBFile(db.path, db.logger); err != nil {
		return err
	}
	var err error
	// The writer runs the migrations, which need the key hash function.
	db.writeDB = sql.OpenDB(connector{dsn: db.dsn(writerPragmas)})
	db.writeDB.SetMaxOpenConns(1)
	if db.writeConn, err = db.writeDB.Conn(ctx); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", db.path, err)
	}
	if err := db.checkPragmas(ctx); err != nil {
		return err
	}
	if err := migrateSchema(ctx, db.writeConn, db.logger, db.schemaVersion); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	// Readers open after the writer so the file is already in WAL mode.
	if db.readDB, err = sql.Open("sqlite", db.dsn(readerPragmas)); err != nil {
		return fmt.Errorf("sqlite: open readers: %w", err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	db.readDB.SetMaxOpenConns(readers)
	db.readDB.SetMaxIdleConns(readers)
	if err := db.readDB.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open readers: %w", err)
	}
	if err := db.openCheckpointer(ctx); err != nil {
		return err
	}
	if err := restrictSidecars(db.path, db.logger); err != nil {
		return err
	}
	if err := db.recordFiles(); err != nil {
		return err
	}
	db.logger.Info("sqlite store open", meterd.LogKeyFile, db.path)
	return nil
}

// dsn builds a file: URI; the path is escaped so '?' or '#' in a directory
// name cannot be taken for parameters.
func (db *DB) dsn(pragmas string) string {
	path := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(db.path)
	return "file:" + path + "?" + pragmas
}

// checkPragmas fails unless the writer connection really is in WAL mode
// with synchronous=FULL and foreign keys on. journal_mode silently stays as
// it was on file systems without shared memory support, and a pragma the
// driver dropped would quietly weaken durability.
func (db *DB) checkPragmas(ctx context.Context) error {
	var mode string
	var synchronous, foreignKeys int
	if err := db.writeConn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: read journal mode: %w", err)
	}
	if err := db.writeConn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&synchronous); err != nil {
		return fmt.Errorf("sqlite: read synchronous: %w", err)
	}
	if err := db.writeConn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil {
		return fmt.Errorf("sqlite: read foreign_keys: %w", err)
	}
	const synchronousFull = 2
	if !strings.EqualFold(mode, "wal") || synchronous != synchronousFull || foreignKeys != 1 {
		return fmt.Errorf("sqlite: journal_mode=%s synchronous=%d foreign_keys=%d, want wal, 2 (FULL), 1",
			mode, synchronous, foreignKeys)
	}
	return nil
}

// isClosed reports whether Close was called.
func (db *DB) isClosed() bool { return db.queue.Closed() }

// Close waits for every write already submitted to be committed and
// answered, then closes the database. Later writes fail with ErrClosed.
// Close is idempotent.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.queue.Close()
		<-db.writerDone
		close(db.stopWatchdog)
		<-db.watchdogDone
		close(db.stopCheckpoints)
		<-db.checkpointsDone
		db.closeErr = db.closeConns()
	})
	return db.closeErr
}

func (db *DB) closeConns() error {
	var errs []error
	for _, s := range db.stmts {
		errs = append(errs, s.Close())
	}
	errs = append(errs, db.closeRawStmts())
	if db.checkpointDB != nil {
		errs = append(errs, db.checkpointDB.Close())
	}
	if db.writeConn != nil {
		errs = append(errs, db.keepForeignWAL(), db.writeConn.Close())
	}
	if db.readDB != nil {
		errs = append(errs, db.readDB.Close())
	}
	if db.writeDB != nil {
		errs = append(errs, db.writeDB.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.Close()) // releases the flock
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// DB is a whole meterd.Store. The narrow interfaces the services take are
// listed too, although Store embeds them today, so that the promise holds if
// Store is ever split.
var (
	_ meterd.Store           = (*DB)(nil)
	_ meterd.CatalogStore    = (*DB)(nil)
	_ meterd.CatalogReader   = (*DB)(nil)
	_ meterd.AccessKeyFinder = (*DB)(nil)
	_ meterd.LedgerStore     = (*DB)(nil)
	_ meterd.Pinger          = (*DB)(nil)
)
