package reporter

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxGroup caps how many Records share one commit, so that one commit's
// latency stays bounded under a flood.
const maxGroup = 1024

// writer commits Records in groups: the Records that arrive while a commit
// is running share the next one, so many goroutines pay for one fsync.
type writer struct {
	spool *spool
	ops   chan *writeOp

	mu     sync.RWMutex // guards closed against sends on ops
	closed bool
	done   chan struct{}
}

type writeOp struct {
	u    usage
	done chan error
}

func newWriter(sp *spool) *writer {
	w := &writer{spool: sp, ops: make(chan *writeOp, maxGroup), done: make(chan struct{})}
	go w.run()
	return w
}

// add queues u and waits until it is committed (or ctx ends: the usage may
// still be committed then, as with any write whose answer is lost).
func (w *writer) add(ctx context.Context, u usage) error {
	op := &writeOp{u: u, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.ops <- op:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) run() {
	defer close(w.done)
	for op := range w.ops {
		group := []*writeOp{op}
	drain:
		for len(group) < maxGroup {
			select {
			case next, ok := <-w.ops:
				if !ok {
					break drain
				}
				group = append(group, next)
			default:
				break drain
			}
		}
		w.commit(group)
	}
}

// commit applies a group in one transaction. A Record that breaks a rule
// (an hour over the quantity limit) fails alone; a database error fails
// the whole group, since nothing of it was committed.
func (w *writer) commit(group []*writeOp) {
	ctx := context.Background()
	results := make([]error, len(group))
	err := w.spool.inTx(ctx, func(tx *sql.Tx) error {
		for i, op := range group {
			err := add(ctx, tx, op.u)
			if errors.Is(err, ErrQuantityOverflow) {
				results[i] = err
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	for i, op := range group {
		if err != nil {
			op.done <- err
			continue
		}
		op.done <- results[i]
	}
}

// close stops accepting Records and waits for queued ones to commit.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ops)
	}
	w.mu.Unlock()
	<-w.done
}
