package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// openHeld opens a store whose writer is busy with an operation until the
// returned release is called, so operations enqueued meanwhile are
// committed together, as one group, once it is released.
func openHeld(t *testing.T, dir string) (db *DB, release func()) {
	t.Helper()
	db, err := Open(t.Context(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, holdWriter(t, db)
}

// holdWriter makes db's writer busy with an operation until the returned
// release is called.
func holdWriter(t testing.TB, db *DB) (release func()) {
	t.Helper()
	running, released := make(chan struct{}), make(chan struct{})
	if _, err := enqueueFn(t.Context(), db, func(*writeTx) error {
		close(running)
		<-released
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	<-running
	return func() { close(released) }
}

// createKey is the write CreateSigningKey makes, as a writeFunc.
func createKey(version int32) writeFunc {
	return func(tx *writeTx) error {
		_, err := tx.exec(`INSERT INTO signing_keys (version, private_key_pem) VALUES (?, x'00')`, version)
		if isPrimaryKeyViolation(err) {
			return meterd.Errorf(meterd.EConflict, "version %d exists", version)
		}
		return err
	}
}

// enqueueFn queues fn as a write without waiting for its outcome.
func enqueueFn(ctx context.Context, db *DB, fn writeFunc) (*writeOp, error) {
	op := &writeOp{fn: fn}
	if err := db.enqueue(ctx, op); err != nil {
		return nil, err
	}
	return op, nil
}

func enqueueAll(t *testing.T, db *DB, fns ...writeFunc) []*writeOp {
	t.Helper()
	var ops []*writeOp
	for _, fn := range fns {
		op, err := enqueueFn(t.Context(), db, fn)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	return ops
}

func storedVersions(t *testing.T, db *DB) []int32 {
	t.Helper()
	keys, err := db.SigningKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var vs []int32
	for _, k := range keys {
		vs = append(vs, k.Version)
	}
	return vs
}

func equalVersions(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// One operation's failure is rolled back to its savepoint; the others of
// the group commit. A group of rerunnable operations runs without
// savepoints first, and again with them when one fails (the operations up
// to the failing one run twice), with the same outcome.
func TestGroupSavepointIsolatesFailure(t *testing.T) {
	tests := []struct {
		name       string
		rerunnable bool
		fail       bool
		wantRuns   int32 // of the three operations together
	}{
		{"OK savepoints", false, false, 3},
		{"ErrSavepoints", false, true, 3},
		{"OK rerunnable without savepoints", true, false, 3},
		{"ErrRerunnable again with savepoints", true, true, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, release := openHeld(t, t.TempDir())
			second := int32(2)
			if tc.fail {
				second = 1
			}
			var runs atomic.Int32
			var ops []*writeOp
			for _, v := range []int32{1, second, 3} {
				op := &writeOp{fn: counted(&runs, createKey(v)), rerunnable: tc.rerunnable}
				if err := db.enqueue(t.Context(), op); err != nil {
					t.Fatal(err)
				}
				ops = append(ops, op)
			}
			release()
			wantCodes, wantStored := []string{"", "", ""}, []int32{1, 2, 3}
			if tc.fail {
				wantCodes[1], wantStored = meterd.EConflict, []int32{1, 3}
			}
			for i, op := range ops {
				if got := meterd.ErrorCode(db.queue.Wait(t.Context(), op)); got != wantCodes[i] {
					t.Errorf("op %d: code %q, want %q", i, got, wantCodes[i])
				}
			}
			if got := storedVersions(t, db); !equalVersions(got, wantStored) {
				t.Errorf("stored versions %v, want %v", got, wantStored)
			}
			if got := runs.Load(); got != tc.wantRuns {
				t.Errorf("%d runs of the 3 operations, want %d", got, tc.wantRuns)
			}
		})
	}
}

// counted counts the runs of fn.
func counted(runs *atomic.Int32, fn writeFunc) writeFunc {
	return func(tx *writeTx) error {
		runs.Add(1)
		return fn(tx)
	}
}

// When the commit fails, every operation of the group fails and none is
// stored. A deferred foreign key violation is the one failure that only
// COMMIT reports.
func TestGroupCommitFailureFailsAll(t *testing.T) {
	db, release := openHeld(t, t.TempDir())
	danglingAtCommit := func(tx *writeTx) error {
		if _, err := tx.exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO products (code, seller_account_id, type, dimensions)
			VALUES ('p', 'no-such-account', 'SaaS', '[]')`)
		return err
	}
	ops := enqueueAll(t, db, createKey(1), danglingAtCommit, createKey(2))
	release()
	for i, op := range ops {
		if err := db.queue.Wait(t.Context(), op); !isForeignKeyViolation(err) {
			t.Errorf("op %d: err = %v, want the commit's foreign key error", i, err)
		}
	}
	if got := storedVersions(t, db); len(got) != 0 {
		t.Errorf("stored versions %v after a failed commit, want none", got)
	}
	// The writer recovers: the next group commits.
	if err := db.write(t.Context(), createKey(3)); err != nil {
		t.Fatal(err)
	}
	if got := storedVersions(t, db); !equalVersions(got, []int32{3}) {
		t.Errorf("stored versions %v, want [3]", got)
	}
}

// A caller that gives up before the writer claims its operation gets its
// context's error and the operation never runs.
func TestAbandonedOperationSkipped(t *testing.T) {
	db, release := openHeld(t, t.TempDir())
	ctx, cancel := context.WithCancel(t.Context())
	op, err := enqueueFn(ctx, db, createKey(1))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := db.queue.Wait(ctx, op); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait after cancel: err = %v, want context.Canceled", err)
	}
	release()
	if err := db.write(t.Context(), createKey(2)); err != nil {
		t.Fatal(err)
	}
	if got := storedVersions(t, db); !equalVersions(got, []int32{2}) {
		t.Errorf("stored versions %v, want [2]: the abandoned op ran", got)
	}
}

// Once the writer has claimed an operation, canceling the caller's context
// no longer withdraws it: the caller learns the real, committed outcome.
func TestClaimedOperationReportsCommit(t *testing.T) {
	db, release := openHeld(t, t.TempDir())
	release()
	ctx, cancel := context.WithCancel(t.Context())
	err := db.write(ctx, func(tx *writeTx) error {
		cancel() // the op is running, hence claimed
		return createKey(1)(tx)
	})
	if err != nil {
		t.Fatalf("write canceled after its claim: err = %v, want nil (it committed)", err)
	}
	if got := storedVersions(t, db); !equalVersions(got, []int32{1}) {
		t.Errorf("stored versions %v, want [1]", got)
	}
}

// Close answers every operation already queued before it returns.
func TestCloseDrainsQueue(t *testing.T) {
	dir := t.TempDir()
	db, release := openHeld(t, dir)
	ops := enqueueAll(t, db, createKey(1), createKey(2), createKey(3))
	closed := make(chan error)
	go func() { closed <- db.Close() }()
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		if err := db.queue.Wait(t.Context(), op); err != nil {
			t.Errorf("queued op %d: %v", i, err)
		}
	}
	reopened, err := Open(t.Context(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if got := storedVersions(t, reopened); !equalVersions(got, []int32{1, 2, 3}) {
		t.Errorf("stored versions after Close %v, want [1 2 3]", got)
	}
}

func TestWriterStatsCountGroups(t *testing.T) {
	db, release := openHeld(t, t.TempDir())
	ops := enqueueAll(t, db, createKey(1), createKey(2), createKey(3))
	release()
	for _, op := range ops {
		if err := db.queue.Wait(t.Context(), op); err != nil {
			t.Fatal(err)
		}
	}
	// The held operation committed alone, then the three queued together.
	if got, want := db.WriterStats(), (WriterStats{Groups: 2, Operations: 4}); got != want {
		t.Errorf("WriterStats = %+v, want %+v", got, want)
	}
}

// The metrics hooks: QueueDepth counts what waits behind the running
// group, and the commit observer hears of each group with its size before
// its callers are answered.
func TestQueueDepthAndCommitObserver(t *testing.T) {
	db, release := openHeld(t, t.TempDir())
	var mu sync.Mutex
	var sizes []int
	db.ObserveCommits(func(ops int, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, ops)
	})
	if got := db.QueueDepth(); got != 0 {
		t.Errorf("QueueDepth with only the running group = %d, want 0", got)
	}
	ops := enqueueAll(t, db, createKey(1), createKey(2), createKey(3))
	if got := db.QueueDepth(); got != 3 {
		t.Errorf("QueueDepth = %d, want 3", got)
	}
	release()
	for _, op := range ops {
		if err := db.queue.Wait(t.Context(), op); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	got := slices.Clone(sizes)
	mu.Unlock()
	if want := []int{1, 3}; !slices.Equal(got, want) {
		t.Errorf("observed group sizes %v, want %v", got, want)
	}
	if got := db.QueueDepth(); got != 0 {
		t.Errorf("QueueDepth after the commits = %d, want 0", got)
	}
}

// A panicking operation fails alone; the rest of its group commits.
func TestGroupSurvivesPanic(t *testing.T) {
	db, release := openHeld(t, t.TempDir())
	panics := func(tx *writeTx) error {
		if err := createKey(9)(tx); err != nil {
			return err
		}
		panic("bug")
	}
	ops := enqueueAll(t, db, createKey(1), panics, createKey(2))
	release()
	for i, op := range ops {
		if err := db.queue.Wait(t.Context(), op); (err != nil) != (i == 1) {
			t.Errorf("op %d: err = %v", i, err)
		}
	}
	if got := storedVersions(t, db); !equalVersions(got, []int32{1, 2}) {
		t.Errorf("stored versions %v, want [1 2]: the panicking op's insert must be rolled back", got)
	}
}

// TestExecAffectedConvertsArguments: execAffected, which skips
// database/sql's argument conversion, converts as it would (Valuers, ints,
// NULL), stores what database/sql stores and counts the rows changed.
func TestExecAffectedConvertsArguments(t *testing.T) {
	db, err := Open(t.Context(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	type row struct {
		Text  sql.NullString
		Count int64
	}
	for _, tc := range []struct {
		name string
		args []any
		want row
	}{
		{"driver values", []any{"a", int64(2)}, row{sql.NullString{String: "a", Valid: true}, 2}},
		{"a valuer and an int", []any{sql.NullString{String: "b", Valid: true}, 3}, row{sql.NullString{String: "b", Valid: true}, 3}},
		{"null", []any{sql.NullString{}, int32(4)}, row{sql.NullString{}, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n int64
			err := db.write(t.Context(), func(tx *writeTx) error {
				if _, err := tx.exec(`CREATE TABLE IF NOT EXISTS exec_test (text TEXT, count INTEGER NOT NULL)`); err != nil {
					return err
				}
				if _, err := tx.exec(`DELETE FROM exec_test`); err != nil {
					return err
				}
				var err error
				n, err = tx.execAffected(`INSERT INTO exec_test VALUES (?, ?), (?, ?)`, append(tc.args, tc.args...)...)
				return err
			})
			if err != nil || n != 2 {
				t.Fatalf("execAffected = %d, %v; want 2 rows", n, err)
			}
			var got row
			if err := db.readDB.QueryRowContext(t.Context(), `SELECT text, count FROM exec_test LIMIT 1`).Scan(&got.Text, &got.Count); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("stored %+v, want %+v", got, tc.want)
			}
		})
	}
	err = db.write(t.Context(), func(tx *writeTx) error {
		_, err := tx.execAffected(`INSERT INTO exec_test VALUES (?, ?)`, "x", struct{}{})
		return err
	})
	if err == nil {
		t.Fatal("execAffected took a value no driver can store")
	}
}
