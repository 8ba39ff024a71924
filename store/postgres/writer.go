package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// Group commit, as on SQLite (store/sqlite/writer.go): one writer goroutine
// per node runs whatever RecordUsage calls are queued in one transaction,
// so concurrent calls share one commit (one WAL flush) instead of paying a
// round trip and a flush each. Other nodes run their own writers; the
// unique constraints, not the writer, keep the ledger exact across them.
//
// An operation is rerunnable: it only assigns results. A group first runs
// without savepoints; in PostgreSQL a failed statement aborts the whole
// transaction, so when one operation fails the group runs again with a
// savepoint around each operation, and the failing one fails alone. A
// deadlock with another node's group, or a serialisation failure, reruns
// the whole group (the other transaction went through).

// maxGroupOps bounds how many operations share one transaction.
const maxGroupOps = 256

// maxGroupRuns bounds the reruns of a group after deadlocks.
const maxGroupRuns = 5

// writeFunc is one write operation inside the group transaction.
type writeFunc func(ctx context.Context, tx pgx.Tx) error

type writeOp struct {
	backend.Ticket
	fn writeFunc
	// usage, when set, are the rows of a RecordUsage call that fn inserts
	// one statement at a time; a group of such calls is first sent as one
	// pipeline (see runPipelined), and outcomes get the result.
	usage    []usageRow
	outcomes []meterd.RecordOutcome
}

// write runs fn in the next group commit and returns once that group is
// committed or failed. If ctx ends before the writer claims the operation
// it is dropped; once claimed, write waits for the outcome, which the
// write timeout bounds: nil means committed, an error that it was rolled
// back or, when the connection broke during COMMIT, that its fate is
// unknown (never reported as stored).
func (db *DB) write(ctx context.Context, fn writeFunc) error {
	return db.writeOp(ctx, &writeOp{fn: fn})
}

// writeOp queues op; no watchdog here: the write timeout bounds the
// group's context instead (commitGroup), so the stall signal is nil.
func (db *DB) writeOp(ctx context.Context, op *writeOp) error {
	return db.queue.Do(ctx, op, nil)
}

// runWriter commits queued operations in groups until Close.
func (db *DB) runWriter() {
	defer close(db.writerDone)
	db.queue.Run(db.commitGroup)
}

func (db *DB) commitGroup(claimed []*writeOp) {
	db.groups.Add(1)
	db.groupedOps.Add(int64(len(claimed)))
	ctx, cancel := context.WithTimeout(context.Background(), db.writeTimeout)
	results, err := db.runGroup(ctx, claimed)
	cancel()
	if err != nil {
		db.logger.Error("postgres group commit failed", meterd.LogKeyOps, len(claimed), meterd.LogKeyError, err)
	}
	for i, op := range claimed {
		if err != nil {
			db.queue.Answer(op, err)
		} else {
			db.queue.Answer(op, results[i])
		}
	}
}

// errRerun aborts a run without savepoints in which an operation failed.
var errRerun = errors.New("postgres: an operation failed without a savepoint")

// errConflict aborts a pipelined run in which a record was not inserted.
var errConflict = errors.New("postgres: a pipelined record collided")

// runGroup returns each operation's own error, or one error for the group.
// Each run is one transaction, in the cheapest mode that may succeed:
// pipelined (RecordUsage calls whose records are all new), then one
// statement at a time (RecordUsage calls: one record at a time, in
// lockOrder), then with a savepoint per operation.
func (db *DB) runGroup(ctx context.Context, ops []*writeOp) ([]error, error) {
	usage := allUsage(ops)
	pipelined, savepoints := usage, false
	for run := 1; ; run++ {
		var results []error
		var err error
		switch {
		case pipelined:
			results, err = db.runPipelined(ctx, ops)
		case usage && !savepoints:
			results, err = db.runUsage(ctx, ops)
		default:
			results, err = db.runOps(ctx, ops, savepoints)
		}
		switch {
		case err == nil:
			return results, nil
		case pipelined && (errors.Is(err, errConflict) || errors.Is(err, errRerun)):
			pipelined = false
		case errors.Is(err, errRerun) && !savepoints:
			savepoints = true
		case retryable(err) && run < maxGroupRuns:
			db.logger.Debug("postgres group rerun", meterd.LogKeyError, err)
		default:
			return nil, err
		}
	}
}

func allUsage(ops []*writeOp) bool {
	for _, op := range ops {
		if op.usage == nil {
			return false
		}
	}
	return true
}

// runPipelined sends the inserts of every record of ops in one pipeline
// (one round trip for the whole group instead of one per record) and
// commits when every record was inserted: the common case, new usage. A
// record that collided needs its conflict looked up, and in order with the
// records after it, so the run is rolled back with errConflict and the
// group runs one statement at a time.
func (db *DB) runPipelined(ctx context.Context, ops []*writeOp) ([]error, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.Background())
	var b pgx.Batch
	sums := rollupSums{}
	for _, g := range lockOrder(ops) {
		b.Queue(insertUsageSQL, g.row().args...)
		sums.add(g.row().rec)
	}
	inserts := b.Len()
	// The rollups of every record, which the commit needs all inserted.
	rollup, ok, err := rollupArgs(db.shard, sums)
	if err != nil {
		return nil, errRerun // a record's time: rerun to find its call
	}
	if ok {
		b.Queue(addRollupSQL, rollup...)
	}
	if err := readPipeline(ctx, tx.SendBatch(ctx, &b), inserts, ok); err != nil {
		if retryable(err) || tx.Conn().IsClosed() || errors.Is(err, errConflict) {
			return nil, err
		}
		return nil, errRerun // an error of one record: rerun to find its call
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: commit: %w", err)
	}
	for _, op := range ops {
		for i := range op.outcomes {
			op.outcomes[i] = meterd.RecordOutcome{Inserted: true}
		}
	}
	return make([]error, len(ops)), nil
}

// groupRow is the i-th record of a RecordUsage call in a group.
type groupRow struct {
	op *writeOp
	i  int
}

func (g groupRow) row() usageRow { return g.op.usage[g.i] }

// lockOrder is the records of ops, call by call in the order of each
// call's least dedupe key, each call's records in its own order (which is
// the ledger's). A record's insert waits for another node's uncommitted
// record with the same key, holding the keys it inserted before: two
// nodes whose groups hold the same calls (a client retrying a batch on
// another node) in different orders would each wait for the other until
// PostgreSQL broke the deadlock (after deadlock_timeout, 1 s by default)
// and the group ran again. In one order, no cycle forms between copies of
// the same calls; calls that share some keys in different orders still
// can, and rerun. (Calls of a group are concurrent: any order between
// them is theirs.)
func lockOrder(ops []*writeOp) []groupRow {
	type call struct {
		op  *writeOp
		min string // region and dedupe key
	}
	calls := make([]call, 0, len(ops))
	for _, op := range ops {
		c := call{op: op}
		for i, row := range op.usage {
			if k := row.rec.Region + "\x00" + row.rec.DedupeKey; i == 0 || k < c.min {
				c.min = k
			}
		}
		calls = append(calls, c)
	}
	slices.SortStableFunc(calls, func(a, b call) int { return strings.Compare(a.min, b.min) })
	var rows []groupRow
	for _, c := range calls {
		for i := range c.op.usage {
			rows = append(rows, groupRow{c.op, i})
		}
	}
	return rows
}

// runUsage runs a group of RecordUsage calls one record at a time, in
// lockOrder, looking up each collision's reason, then adds the stored
// records to the rollups and commits.
func (db *DB) runUsage(ctx context.Context, ops []*writeOp) ([]error, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.Background()) // after Commit, a no-op
	sums := rollupSums{}
	for _, g := range lockOrder(ops) {
		out, err := insertUsage(ctx, tx, g.row())
		if err != nil {
			if retryable(err) || tx.Conn().IsClosed() {
				return nil, err
			}
			return nil, errRerun
		}
		g.op.outcomes[g.i] = out
		if out.Inserted {
			sums.add(g.row().rec)
		}
	}
	if err := db.addRollup(ctx, tx, sums); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: commit: %w", err)
	}
	return make([]error, len(ops)), nil
}

// readPipeline reads n results of insertUsageSQL, then addRollupSQL's
// when rollup; errConflict when a record was not inserted.
func readPipeline(ctx context.Context, br pgx.BatchResults, n int, rollup bool) (err error) {
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	for range n {
		var claimed, inserted bool
		if err := br.QueryRow().Scan(&claimed, &inserted); err != nil {
			return err
		}
		if !inserted {
			return errConflict
		}
	}
	if rollup {
		_, err = br.Exec()
	}
	return err
}

// runOps runs ops in one transaction and commits it.
func (db *DB) runOps(ctx context.Context, ops []*writeOp, savepoints bool) ([]error, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.Background()) // after Commit, a no-op
	results := make([]error, len(ops))
	for i, op := range ops {
		if !savepoints {
			if err := callOp(ctx, op.fn, tx); err != nil {
				if retryable(err) || tx.Conn().IsClosed() {
					return nil, err
				}
				return nil, errRerun
			}
			continue
		}
		if results[i], err = runSavepoint(ctx, tx, op.fn); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: commit: %w", err)
	}
	return results, nil
}

// runSavepoint runs fn in a savepoint (a nested pgx transaction). opErr is
// fn's own failure, rolled back; err means the transaction is broken (the
// connection is gone, or a deadlock to rerun the group for).
func runSavepoint(ctx context.Context, tx pgx.Tx, fn writeFunc) (opErr, err error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: savepoint: %w", err)
	}
	if opErr = callOp(ctx, fn, sp); opErr != nil {
		if retryable(opErr) || tx.Conn().IsClosed() {
			return nil, opErr
		}
		if err := sp.Rollback(ctx); err != nil {
			return nil, fmt.Errorf("postgres: rollback to savepoint: %w (after %w)", err, opErr)
		}
		return opErr, nil
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: release savepoint: %w", err)
	}
	return nil, nil
}

// callOp runs fn, turning a panic (a bug) into the operation's error.
func callOp(ctx context.Context, fn writeFunc, tx pgx.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("postgres: write operation panicked: %v", r)
		}
	}()
	return fn(ctx, tx)
}
