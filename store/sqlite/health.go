package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/meterd/meterd"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrFileReplaced is returned by every write (and Ping) once the database
// file or its WAL no longer is the file at its path: deleted, or replaced
// (a restored backup, a stray rm). SQLite would keep committing into the
// open, unlinked file, and a restart would find none of those writes, so
// nothing more is acknowledged until meterd is restarted on the file that
// is there now.
var ErrFileReplaced = errors.New("sqlite: the database file or its WAL was deleted or replaced while open; writes refused until restart")

// health is what the writer has learnt about the disk. Ping reports it, so
// /readyz says "not ready" while writes fail, not only when reads do.
type health struct {
	mu sync.Mutex
	// lost is sticky: set once the files at the paths are not the open
	// ones (ErrFileReplaced).
	lost error
	// writeErr is the last write failure (I/O error, full disk, corrupt
	// page, write timeout), cleared by the next group that commits cleanly.
	writeErr error
}

func (h *health) state() (lost, writeErr error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lost, h.writeErr
}

// setWriteErr records a failed write and reports whether it is news.
func (h *health) setWriteErr(err error) (changed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	changed = h.writeErr == nil
	h.writeErr = err
	return changed
}

// clearWriteErr forgets a failure after a clean commit and reports whether
// there was one.
func (h *health) clearWriteErr() (cleared bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cleared = h.writeErr != nil
	h.writeErr = nil
	return cleared
}

// setLost records that the files were replaced; it reports whether this is
// the first time.
func (h *health) setLost(err error) (first bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	first = h.lost == nil
	if first {
		h.lost = err
	}
	return first
}

// files is the identity of the database file and its WAL when Open had
// them open.
type files struct {
	db, wal fileID
	hasWAL  bool
}

// recordFiles notes which files the connections have open. The stat
// follows SQLite's open, so it names the same files unless someone swapped
// them in between (a window of microseconds at start).
func (db *DB) recordFiles() error {
	var err error
	if db.files.db, err = statID(db.path); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	// SQLite keeps the WAL while any connection is open; the writer's stays
	// open until Close, so a missing WAL later means someone removed it.
	wal, err := statID(db.path + walSuffix)
	if err == nil {
		db.files.wal, db.files.hasWAL = wal, true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// checkFiles fails when the files at the paths are not the open ones. A
// missing or different file is ErrFileReplaced for good; another stat
// error (I/O) fails this check only.
func (db *DB) checkFiles() error {
	if lost, _ := db.health.state(); lost != nil {
		return lost
	}
	if err := db.sameFile(db.path, db.files.db); err != nil {
		return err
	}
	if db.files.hasWAL {
		return db.sameFile(db.path+walSuffix, db.files.wal)
	}
	return nil
}

func (db *DB) sameFile(path string, open fileID) error {
	id, err := statID(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: check database file: %w", err)
	}
	if err == nil && id == open {
		return nil
	}
	if db.health.setLost(ErrFileReplaced) {
		db.logger.Error("sqlite database file deleted or replaced while open: refusing every write until restart",
			meterd.LogKeyFile, path, meterd.LogKeyError, err)
	}
	return ErrFileReplaced
}

// noteGroup updates the write health after a group: err is the group's
// own failure, results each operation's. An operation failing with a
// storage error (the disk, not the request) counts as a write failure too.
func (db *DB) noteGroup(err error, results []error) {
	if err == nil {
		for _, r := range results {
			if r != nil && isStorageError(r) { // errors.As allocates even for nil
				err = r
				break
			}
		}
	}
	if err != nil {
		if db.health.setWriteErr(err) {
			db.logger.Error("sqlite writes failing: not ready until a write succeeds", meterd.LogKeyError, err)
		}
		return
	}
	if db.health.clearWriteErr() {
		db.logger.Info("sqlite writes succeed again")
	}
}

// isStorageError reports whether err is SQLite's word that the file or the
// disk failed, not the statement.
func isStorageError(err error) bool {
	switch sqliteCode(err) & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_READONLY:
		return true
	}
	return false
}

// probeSQL changes a page, so the probe goes through the WAL and an fsync
// like any write; a transaction that changes nothing writes nothing.
const probeSQL = `INSERT INTO write_probe (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1`

// Ping fails when the store is closed, its files were replaced, writes are
// failing (a probe write is retried on each Ping, so it recovers once the
// disk does) or it cannot be read.
func (db *DB) Ping(ctx context.Context) error {
	if db.isClosed() {
		return ErrClosed
	}
	if err := db.checkFiles(); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if _, writeErr := db.health.state(); writeErr != nil {
		if err := db.write(ctx, func(tx *writeTx) error { _, err := tx.exec(probeSQL); return err }); err != nil {
			return fmt.Errorf("sqlite: ping: writes failing: %w", err)
		}
	}
	if err := db.readDB.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// keepForeignWAL stops SQLite from deleting the WAL at its path when the
// last connection closes if that file is no longer the open WAL: it is
// someone else's (a restored backup's). The writer's connection is the last
// one closed (closeConns), so setting it there is enough.
func (db *DB) keepForeignWAL() error {
	if !db.files.hasWAL {
		return nil
	}
	id, err := statID(db.path + walSuffix)
	if err != nil || id == db.files.wal {
		return nil // gone, or ours: SQLite may checkpoint and delete it
	}
	return db.writeConn.Raw(func(c any) error {
		fc, ok := c.(sqlite.FileControl)
		if !ok {
			return errors.New("sqlite: driver cannot keep the WAL file")
		}
		_, err := fc.FileControlPersistWAL("main", 1)
		return err
	})
}
