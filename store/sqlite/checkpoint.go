package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"github.com/meterd/meterd"
)

// Checkpoints copy the WAL back into the database file. SQLite runs them by
// default inside the commit that takes the WAL past 1,000 pages: that
// commit's callers wait for the copy and its fsync of the database file,
// and the writer stops meanwhile. Here a checkpointer goroutine on its own
// connection does it beside the writer: a PASSIVE checkpoint (never waits
// for the writer, copies what is committed) once writes have put
// walCheckpointFrames frames in the WAL that are not in the database file
// yet (it looks every checkpointInterval), and one TRUNCATE when writes
// stop, which empties the WAL file. The writer's wal_autocheckpoint stays
// as a backstop at walBackstopPages, so the WAL stays bounded if the
// checkpointer falls behind or fails.
//
// A checkpoint writes each page once however many commits changed it, so
// checkpointing by WAL growth rather than at every tick writes fewer
// pages: random dedupe hashes make every group dirty most leaves of their
// index, and a PASSIVE checkpoint after each group (every 100 ms) copied
// them all again each time, 13% of the process's CPU under BatchMeterUsage
// load and a third of the bytes written. 4,096 frames (16 MiB) is a few
// groups of that load, a quarter of the backstop.
const (
	checkpointInterval  = 100 * time.Millisecond
	walCheckpointFrames = 4096
	walBackstopPages    = 16384 // 64 MiB of 4 KiB pages
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
// the writer's group counts. An interval of 0 leaves every checkpoint to
// the backstop (a test hook).
func (db *DB) runCheckpointer(stop <-chan struct{}) {
	defer close(db.checkpointsDone)
	if db.checkpointInterval <= 0 {
		return
	}
	t := time.NewTicker(db.checkpointInterval)
	defer t.Stop()
	var seen writerActivity
	truncated, failing := true, false
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now := db.writerActivity()
		mode := nextCheckpoint(seen, now, truncated, db.walPending())
		// New groups leave the WAL to truncate once they stop, whether
		// or not it has grown enough for a PASSIVE one now.
		truncated = truncated && now == seen
		seen = now
		if mode == "" {
			continue
		}
		err := db.checkpoint(mode)
		truncated = mode == "TRUNCATE" && err == nil
		failing = db.noteCheckpoint(err, failing)
	}
}

// writerActivity is what the checkpointer sees of the writer at a tick:
// the groups it has started and those it has finished.
type writerActivity struct{ started, ended int64 }

// writerActivity reads the ended count first, so that a group finishing in
// between is seen as running rather than a running one as finished.
func (db *DB) writerActivity() writerActivity {
	ended := db.groupsEnded.Load()
	return writerActivity{started: db.groups.Load(), ended: ended}
}

// nextCheckpoint chooses a tick's checkpoint: PASSIVE while groups come
// and pending (the WAL's frames not checkpointed yet, -1 when unknown)
// reaches walCheckpointFrames, TRUNCATE once the writer has been idle for
// a whole interval, "" for none.
//
// Idle means no group started or ended since the last tick and none
// running. A group that outlasts a tick is not idleness: a TRUNCATE then
// waits for it, holds the write lock while it copies and syncs the whole
// WAL, and restarts the WAL, which makes the writer drop its page cache at
// its next BEGIN. Counting only group starts did that after every group
// longer than the interval (a loaded machine, a large catalog write), and
// the cache refills cost 10-15% of the writer's CPU under BatchMeterUsage
// load.
func nextCheckpoint(last, now writerActivity, truncated bool, pending int64) string {
	switch {
	case now != last && pending >= 0 && pending < walCheckpointFrames:
		return ""
	case now != last:
		return "PASSIVE"
	case now.started != now.ended, truncated:
		return ""
	default:
		return "TRUNCATE"
	}
}

// walPending returns how many frames of the WAL are not yet copied into
// the database file, or -1 when that cannot be read. It reads the
// wal-index header in the -shm file (https://www.sqlite.org/walformat.html:
// mxFrame at byte 16, the checkpoint's nBackfill at byte 96, both in the
// machine's byte order) without taking SQLite's locks, so a value may be a
// moment old or torn: it only decides when the next checkpoint runs, and
// the backstop bounds the WAL whatever it says.
func (db *DB) walPending() int64 {
	f, err := os.Open(db.path + "-shm")
	if err != nil {
		return -1
	}
	defer f.Close()
	var hdr [100]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return -1
	}
	mxFrame := binary.NativeEndian.Uint32(hdr[16:])
	backfilled := binary.NativeEndian.Uint32(hdr[96:])
	if backfilled > mxFrame {
		return 0 // the WAL restarted between the two reads
	}
	return int64(mxFrame - backfilled)
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
