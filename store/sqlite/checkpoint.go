package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/meterd/meterd"
)

// Checkpoints copy the WAL back into the database file. SQLite runs them by
// default inside the commit that takes the WAL past 1,000 pages: that
// commit's callers wait for the copy and its fsync of the database file,
// and the writer stops meanwhile. Here a checkpointer goroutine on its own
// connection does it beside the writer: a PASSIVE checkpoint (never waits
// for the writer, copies what is committed) every checkpointInterval while
// writes come, and one TRUNCATE when they stop, which empties the WAL file.
// The writer's wal_autocheckpoint stays as a backstop at
// walBackstopPages, so the WAL stays bounded if the checkpointer falls
// behind or fails.
const (
	checkpointInterval = 100 * time.Millisecond
	walBackstopPages   = 16384 // 64 MiB of 4 KiB pages
)

// checkpointPragmas: the checkpointer syncs the database file like the
// writer (synchronous=FULL) and waits for the writer's lock on TRUNCATE.
const checkpointPragmas = "_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)"

func (db *DB) openCheckpointer(ctx context.Context) error {
	var err error
	if db.checkpointDB, err = sql.Open("sqlite", db.dsn(checkpointPragmas)); err != nil {
		return fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	db.checkpointDB.SetMaxOpenConns(1)
	if err := db.checkpointDB.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	return nil
}

// runCheckpointer checkpoints until stop is closed. It tells new writes by
// the writer's group count. An interval of 0 leaves every checkpoint to the
// backstop (a test hook).
func (db *DB) runCheckpointer(stop <-chan struct{}) {
	defer close(db.checkpointsDone)
	if db.checkpointInterval <= 0 {
		return
	}
	t := time.NewTicker(db.checkpointInterval)
	defer t.Stop()
	var seen int64
	truncated, failing := true, false
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		var err error
		switch n := db.groups.Load(); {
		case n != seen:
			seen, truncated = n, false
			err = db.checkpoint("PASSIVE")
		case !truncated:
			err = db.checkpoint("TRUNCATE")
			truncated = err == nil
		default:
			continue
		}
		failing = db.noteCheckpoint(err, failing)
	}
}

// checkpoint runs one checkpoint in mode; a checkpoint blocked by readers
// or the writer is not an error, it copies what it can.
func (db *DB) checkpoint(mode string) error {
	var busy, log, done int
	err := db.checkpointDB.QueryRow("PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &log, &done)
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint %s: %w", mode, err)
	}
	return nil
}

// noteCheckpoint logs the first failure and the recovery, not every tick.
func (db *DB) noteCheckpoint(err error, failing bool) bool {
	switch {
	case err != nil && !failing:
		db.logger.Warn("sqlite checkpoints failing; commits checkpoint past the backstop", meterd.LogKeyError, err)
	case err == nil && failing:
		db.logger.Info("sqlite checkpoints succeed again")
	}
	return err != nil
}
