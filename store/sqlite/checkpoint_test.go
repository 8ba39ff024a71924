package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Commits leave the WAL to the checkpointer, which empties it once writes
// stop; every record is then in the database file.
func TestCheckpointerEmptiesIdleWAL(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	for n := range 20 {
		if out := recordOne(t, db, fmt.Sprint("dk-", n), ""); !out.Inserted {
			t.Fatalf("record %d: outcome %+v, want inserted", n, out)
		}
	}
	wal := filepath.Join(dir, "meterd.db-wal")
	deadline := time.Now().Add(30 * time.Second) // a bound for a loaded machine, not a figure
	for {
		fi, err := os.Stat(wal)
		must(t, err)
		if fi.Size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WAL still %d bytes long after writes stopped", fi.Size())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := query(t, dir, "SELECT count(*) FROM metering_records"); got != "20" {
		t.Fatalf("%s records after the checkpoint, want 20", got)
	}
}
