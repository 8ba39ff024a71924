package sqlite

import (
	"log/slog"
	"testing"
)

// One row per rule of nextCheckpoint.
func TestNextCheckpoint(t *testing.T) {
	idle := writerActivity{started: 5, ended: 5}
	running := writerActivity{started: 6, ended: 5}
	tests := []struct {
		name      string
		last, now writerActivity
		truncated bool
		pending   int64
		want      string
	}{
		{"a group started since the last tick, WAL grown: passive", idle, running, false, walCheckpointFrames, "PASSIVE"},
		{"a group ended since the last tick, WAL grown: passive", running, writerActivity{6, 6}, false, walCheckpointFrames + 1, "PASSIVE"},
		{"groups came after a truncate, WAL grown: passive", idle, writerActivity{7, 7}, true, walCheckpointFrames, "PASSIVE"},
		{"groups came, WAL size unknown: passive", idle, running, false, -1, "PASSIVE"},
		{"groups came, WAL still small: nothing", idle, running, false, walCheckpointFrames - 1, ""},
		{"one group outlasts a tick: no truncate under it", running, running, false, 0, ""},
		{"idle a whole interval: truncate", idle, idle, false, 10, "TRUNCATE"},
		{"idle and already truncated: nothing", idle, idle, true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextCheckpoint(tt.last, tt.now, tt.truncated, tt.pending); got != tt.want {
				t.Errorf("nextCheckpoint(%+v, %+v, %v, %d) = %q, want %q",
					tt.last, tt.now, tt.truncated, tt.pending, got, tt.want)
			}
		})
	}
}

// walPending reads from the wal-index what a checkpoint then reports: the
// frames it finds in the WAL, and none once they are copied.
func TestWALPendingMatchesCheckpoint(t *testing.T) {
	db, err := Open(t.Context(), t.TempDir(), slog.New(slog.DiscardHandler), func(db *DB) { db.checkpointInterval = 0 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for v := range int32(20) {
		if err := db.write(t.Context(), createKey(v+1)); err != nil {
			t.Fatal(err)
		}
	}
	pending := db.walPending()
	var busy, frames, copied int64
	if err := db.checkpointDB.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		t.Fatal(err)
	}
	if pending <= 0 || pending != frames || copied != frames {
		t.Fatalf("walPending() = %d before a checkpoint that found %d frames and copied %d", pending, frames, copied)
	}
	if after := db.walPending(); after != 0 {
		t.Errorf("walPending() = %d after a complete checkpoint, want 0", after)
	}
}
