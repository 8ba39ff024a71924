package sqlite

import (
	"errors"
	"time"

	"github.com/meterd/meterd"
)

// ErrWriteTimeout answers a write whose commit took longer than the write
// timeout (see WithWriteTimeout), typically because the disk hangs. Its
// fate: a write still queued when the timeout struck is withdrawn and never
// committed; one whose group was already committing may still be committed
// when the disk comes back. Either way the client got an error and retries,
// and a retry is deduplicated (MeterUsage: same ClientToken or same hour;
// BatchMeterUsage: same customer, dimension and hour), so nothing is billed
// twice.
var ErrWriteTimeout = errors.New("sqlite: write not committed within the write timeout (disk hung?); it may still be committed later")

// stallSignal is closed when the writer has spent longer than the write
// timeout on one group. Waiting callers select on it, so a hung disk costs
// no timer per write: the watchdog is one ticker per DB.
type stallSignal struct{ c chan struct{} }

func newStallSignal() *stallSignal { return &stallSignal{c: make(chan struct{})} }

// startGroup and endGroup bracket the writer's work on a group, for the
// watchdog. Times are monotonic, relative to db.epoch; 0 means idle.
func (db *DB) startGroup() { db.groupStart.Store(int64(time.Since(db.epoch)) + 1) }

// endGroup holds stallMu so that the watchdog never times a group out once
// it has ended (its callers are being answered).
func (db *DB) endGroup() {
	db.stallMu.Lock()
	db.groupStart.Store(0)
	db.stallMu.Unlock()
}

// untimed wraps a bulk operation (a catalog replacement) so that the
// watchdog does not time it: 50,000 buyers legitimately take seconds, and
// no caller is left waiting on a hung disk meanwhile. The rest of the
// group, its commit included, is timed again.
func (db *DB) untimed(fn writeFunc) writeFunc {
	return func(tx *writeTx) error {
		db.endGroup()
		defer db.startGroup()
		return fn(tx)
	}
}

// runWatchdog checks the writer a few times per write timeout until stop
// is closed, so a stuck group is noticed between one and 1.25 timeouts.
func (db *DB) runWatchdog(stop <-chan struct{}) {
	defer close(db.watchdogDone)
	t := time.NewTicker(max(db.writeTimeout/4, time.Millisecond))
	defer t.Stop()
	var reported int64
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			reported = db.checkStall(reported)
		}
	}
}

// checkStall fails every caller waiting on the writer when its current
// group started more than the write timeout ago. While the group stays
// stuck, later callers fail at the next tick. reported is the group last
// logged, so a stuck group is logged once.
func (db *DB) checkStall(reported int64) int64 {
	db.stallMu.Lock()
	defer db.stallMu.Unlock()
	start := db.groupStart.Load()
	if start == 0 || time.Since(db.epoch)-time.Duration(start-1) < db.writeTimeout {
		return reported
	}
	close(db.stall.Swap(newStallSignal()).c)
	if start != reported {
		db.noteGroup(ErrWriteTimeout, nil)
		db.logger.Error("sqlite commit exceeds the write timeout; answering its callers with an error",
			meterd.LogKeyWriteTimeout, db.writeTimeout)
	}
	return start
}
