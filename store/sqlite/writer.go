package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// maxGroupOps bounds how many operations share one transaction, so one
// commit (and the wait of its first caller) stays short.
const maxGroupOps = 256

// writeFunc is one write operation. It runs on the writer connection
// inside the group transaction, within its own savepoint: when it returns
// an error its changes are rolled back and the rest of the group commits.
type writeFunc func(tx *writeTx) error

type writeOp struct {
	backend.Ticket
	fn writeFunc
	// rerunnable: fn may run again from the start of a new transaction
	// (its only effects outside tx are results it assigns anew), so it can
	// go without a savepoint (see runGroup).
	rerunnable bool
	// usage, when set, is the RecordUsage call that fn runs (it is then
	// rerunnable): a run without savepoints inserts the records of
	// consecutive such calls together instead (see runUnsaved).
	usage *usageCall
}

// write runs fn in the next group commit and returns once that group is
// committed (and synced) or failed.
//
// If ctx ends before the writer claims the operation, it is dropped and
// ctx's error returned. Once claimed it cannot be withdrawn, so write waits
// for the commit (bounded by one group's work and fsync) and returns the
// real outcome: nil means the write is on disk; an error means it was
// rolled back, except after an I/O error in COMMIT itself, whose effect on
// the file SQLite cannot know either. If the writer is stuck past the write
// timeout, write returns ErrWriteTimeout (see it for the fate of the op).
func (db *DB) write(ctx context.Context, fn writeFunc) error {
	return db.writeOp(ctx, &writeOp{fn: fn})
}

// writeRerunnable is write for an fn that may run more than once (see
// writeOp.rerunnable); only its last run counts.
func (db *DB) writeRerunnable(ctx context.Context, fn writeFunc) error {
	return db.writeOp(ctx, &writeOp{fn: fn, rerunnable: true})
}

func (db *DB) writeOp(ctx context.Context, op *writeOp) error {
	return db.queue.Do(ctx, op, db.stall.Load().c)
}

// enqueue queues op without waiting for its outcome (for tests).
func (db *DB) enqueue(ctx context.Context, op *writeOp) error {
	return db.queue.Enqueue(ctx, op, db.stall.Load().c)
}

// runWriter commits queued operations in groups until Close closes the
// queue.
func (db *DB) runWriter() {
	defer close(db.writerDone)
	db.queue.Run(db.commitGroup)
}

// commitGroup runs the claimed operations in one transaction, commits it
// and answers every caller.
func (db *DB) commitGroup(claimed []*writeOp) {
	db.groups.Add(1)
	db.groupedOps.Add(int64(len(claimed)))
	db.startGroup()
	start := time.Now()
	results, err := db.runGroup(claimed)
	elapsed := time.Since(start)
	db.groupsEnded.Add(1)
	db.endGroup()
	if observe := db.commitObserver.Load(); observe != nil {
		(*observe)(len(claimed), elapsed)
	}
	if !errors.Is(err, ErrFileReplaced) { // logged once when found, reported by Ping
		if err != nil {
			db.logger.Error("sqlite group commit failed", meterd.LogKeyOps, len(claimed), meterd.LogKeyError, err)
		}
		db.noteGroup(err, results)
	}
	for i, op := range claimed {
		if err != nil {
			db.queue.Answer(op, err)
		} else {
			db.queue.Answer(op, results[i])
		}
	}
}

// runGroup returns each operation's own error, or one error for the whole
// group when the transaction cannot be committed or the database file is
// not the one at its path (checked before and after, so a group that
// committed into a deleted file is not acknowledged).
//
// A savepoint per operation lets one fail alone, but costs SQLite a copy of
// every page the operation changes (the savepoint journal) and, with the
// in-memory journal, a walk of that journal at the end of each statement:
// half the writer's CPU. So a group of rerunnable operations first runs
// without savepoints; if one fails, that transaction is rolled back and the
// group runs again with them.
func (db *DB) runGroup(ops []*writeOp) ([]error, error) {
	if err := db.checkFiles(); err != nil {
		return nil, err
	}
	tx := &writeTx{db: db, ctx: context.Background()}
	results, err := tx.runOps(ops, !allRerunnable(ops))
	if errors.Is(err, errRerun) {
		results, err = tx.runOps(ops, true)
	}
	if err != nil {
		return nil, err
	}
	if err := db.checkFiles(); err != nil {
		return nil, err
	}
	return results, nil
}

// errRerun aborts a group run without savepoints in which an operation
// failed.
var errRerun = errors.New("sqlite: an operation failed without a savepoint")

func allRerunnable(ops []*writeOp) bool {
	for _, op := range ops {
		if !op.rerunnable {
			return false
		}
	}
	return true
}

// runOps runs ops in one transaction and commits it, each operation in a
// savepoint if savepoints is set; without, an operation's failure aborts
// the transaction with errRerun.
func (tx *writeTx) runOps(ops []*writeOp, savepoints bool) ([]error, error) {
	if _, err := tx.exec("BEGIN IMMEDIATE"); err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	var results []error
	var err error
	if savepoints {
		results, err = tx.runSaved(ops)
	} else {
		results, err = make([]error, len(ops)), tx.runUnsaved(ops)
	}
	if err != nil {
		return nil, tx.abort(err)
	}
	db := tx.db
	if err := db.beforeCommit(); err != nil {
		return nil, tx.abort(fmt.Errorf("sqlite: commit: %w", err))
	}
	if _, err := tx.exec("COMMIT"); err != nil {
		return nil, tx.abort(fmt.Errorf("sqlite: commit: %w", err))
	}
	return results, nil
}

// runSaved runs each of ops in its own savepoint and returns their own
// errors; err means the transaction is broken (see runSavepoint).
func (tx *writeTx) runSaved(ops []*writeOp) (results []error, err error) {
	results = make([]error, len(ops))
	for i, op := range ops {
		if results[i], err = tx.runSavepoint(op.fn); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// runUnsaved runs ops in order without savepoints; any failure is
// errRerun. The records of consecutive RecordUsage calls are inserted
// together, as one call's would be (insertUsageCalls): under concurrent
// MeterUsage a group is mostly single-record calls, each of which would
// otherwise cost a statement of its own.
func (tx *writeTx) runUnsaved(ops []*writeOp) error {
	for len(ops) > 0 {
		calls := leadingUsageCalls(ops)
		if len(calls) < 2 {
			if callOp(ops[0].fn, tx) != nil {
				return errRerun
			}
			ops = ops[1:]
			continue
		}
		if callOp(func(tx *writeTx) error { return insertUsageCalls(tx, calls) }, tx) != nil {
			return errRerun
		}
		ops = ops[len(calls):]
	}
	return nil
}

// leadingUsageCalls returns the RecordUsage calls of the ops that start
// ops, up to the first other operation.
func leadingUsageCalls(ops []*writeOp) []*usageCall {
	var calls []*usageCall
	for _, op := range ops {
		if op.usage == nil {
			break
		}
		calls = append(calls, op.usage)
	}
	return calls
}

// beforeCommit runs the test hook, which can hang or fail a commit.
func (db *DB) beforeCommit() error {
	if db.beforeCommitF == nil {
		return nil
	}
	return db.beforeCommitF()
}

// WriterStats counts group commits since Open.
type WriterStats struct {
	Groups     int64 // transactions committed or attempted
	Operations int64 // operations run in them
}

// WriterStats reports how well writes are being grouped: Operations/Groups
// is the mean number of callers sharing one fsync.
func (db *DB) WriterStats() WriterStats {
	return WriterStats{Groups: db.groups.Load(), Operations: db.groupedOps.Load()}
}

// QueueDepth is the number of write operations queued for the writer,
// not counting the group it is committing.
func (db *DB) QueueDepth() int { return db.queue.Depth() }

// ObserveCommits makes the writer call f after each group commit (or
// failed attempt) with the number of operations in it and the time from
// BEGIN to the end of COMMIT, fsync included. f runs on the writer
// goroutine, so it must be quick; a later call replaces f, nil removes it.
func (db *DB) ObserveCommits(f func(ops int, commit time.Duration)) {
	if f == nil {
		db.commitObserver.Store(nil)
		return
	}
	db.commitObserver.Store(&f)
}

// writeTx is the group transaction as an operation sees it.
type writeTx struct {
	db  *DB
	ctx context.Context
}

func (tx *writeTx) conn() *sql.Conn { return tx.db.writeConn }

// runSavepoint runs fn in a savepoint. opErr is fn's own failure, already
// rolled back; err means the transaction itself is broken (SQLite may roll
// the whole transaction back on I/O or out-of-memory errors, which makes the
// savepoint disappear) and the group must fail.
func (tx *writeTx) runSavepoint(fn writeFunc) (opErr, err error) {
	if _, err := tx.exec("SAVEPOINT op"); err != nil {
		return nil, fmt.Errorf("sqlite: savepoint: %w", err)
	}
	opErr = callOp(fn, tx)
	if opErr != nil {
		if _, err := tx.exec("ROLLBACK TO op"); err != nil {
			return nil, fmt.Errorf("sqlite: rollback to savepoint: %w (after %w)", err, opErr)
		}
	}
	if _, err := tx.exec("RELEASE op"); err != nil {
		return nil, fmt.Errorf("sqlite: release savepoint: %w", err)
	}
	return opErr, nil
}

// callOp runs fn, turning a panic (a bug) into the operation's error so
// that it fails one caller instead of the writer and the whole process.
func callOp(fn writeFunc, tx *writeTx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sqlite: write operation panicked: %v", r)
		}
	}()
	return fn(tx)
}

// abort rolls the transaction back after err. The rollback may fail because
// SQLite already rolled back; that is the state we want, so only err counts.
func (tx *writeTx) abort(err error) error {
	if _, rbErr := tx.exec("ROLLBACK"); rbErr != nil {
		tx.db.logger.Debug("sqlite rollback after failure", meterd.LogKeyError, rbErr)
	}
	return err
}

// stmt returns query prepared on the writer connection, preparing it once.
func (tx *writeTx) stmt(query string) (*sql.Stmt, error) {
	if s, ok := tx.db.stmts[query]; ok {
		return s, nil
	}
	s, err := tx.conn().PrepareContext(tx.ctx, query)
	if err != nil {
		return nil, err
	}
	tx.db.stmts[query] = s
	return s, nil
}

func (tx *writeTx) exec(query string, args ...any) (sql.Result, error) {
	s, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(tx.ctx, args...)
}

// execAffected runs query and returns the number of rows it changed. It
// is the writer's hot statement (every record's insert), so it goes to
// the driver connection directly: database/sql's Stmt.ExecContext copies
// the arguments into a new []driver.NamedValue on every call (1,344 of
// them, 54 KB, for a 64-row insert) and takes four locks; here one buffer
// is reused, and the values, already the driver's types, are converted as
// database/sql would only when they are not.
func (tx *writeTx) execAffected(query string, args ...any) (int64, error) {
	var n int64
	err := tx.conn().Raw(func(dc any) error {
		s, err := tx.db.rawStmt(dc, query)
		if err != nil {
			return err
		}
		nv := tx.db.namedArgs[:0]
		defer func() { tx.db.namedArgs = nv[:0]; clear(nv) }() // keeps no record alive
		for i, a := range args {
			if !driver.IsValue(a) {
				if a, err = driver.DefaultParameterConverter.ConvertValue(a); err != nil {
					return fmt.Errorf("argument $%d: %w", i+1, err)
				}
			}
			nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: a})
		}
		res, err := s.(driver.StmtExecContext).ExecContext(tx.ctx, nv)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// rawStmt returns query prepared on the driver connection dc (writeConn's),
// preparing it once.
func (db *DB) rawStmt(dc any, query string) (driver.Stmt, error) {
	if s, ok := db.rawStmts[query]; ok {
		return s, nil
	}
	s, err := dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	db.rawStmts[query] = s
	return s, nil
}

// closeRawStmts closes rawStmts before their connection closes.
func (db *DB) closeRawStmts() error {
	if len(db.rawStmts) == 0 {
		return nil
	}
	return db.writeConn.Raw(func(any) error {
		var errs []error
		for q, s := range db.rawStmts {
			errs = append(errs, s.Close())
			delete(db.rawStmts, q)
		}
		return errors.Join(errs...)
	})
}

// queryRow runs a single-row query; a prepare error surfaces from Scan.
func (tx *writeTx) queryRow(query string, args ...any) rowScanner {
	s, err := tx.stmt(query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(tx.ctx, args...)
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errNoRows reports whether err means the query found nothing.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// queryStrings runs a query of one text column and returns every value.
func (tx *writeTx) queryStrings(query string, args ...any) ([]string, error) {
	return queryColumn[string](tx, query, args...)
}

// queryInt64s runs a query of one integer column and returns every value.
func (tx *writeTx) queryInt64s(query string, args ...any) ([]int64, error) {
	return queryColumn[int64](tx, query, args...)
}

// queryColumn runs a query of one column and returns every value.
func queryColumn[T any](tx *writeTx, query string, args ...any) ([]T, error) {
	s, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(tx.ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
