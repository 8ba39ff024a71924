package backend

import (
	"context"
	"sync"
	"sync/atomic"
)

// Group commit, the part both ledgers share: callers queue write
// operations, one writer goroutine takes whatever is queued as a group,
// runs it in one transaction and answers every caller. The backends differ
// in how a group runs (store/sqlite/writer.go, store/postgres/writer.go),
// not in this handshake.
//
// A caller may give up (its context ends) only while its operation is
// still queued: once the writer claims it, the caller waits for the real
// outcome, so an operation is never reported as dropped when it was
// committed. Close waits for every queued operation to be answered.

// Ticket is an operation's side of the handshake. Embed it in the
// backend's operation type; the zero value is ready to queue.
type Ticket struct {
	state atomic.Int32
	done  chan error      // buffered: the writer never waits for a caller
	stall <-chan struct{} // closed by a watchdog when the writer is stuck; nil: none
}

// Ticket states: the writer claims a queued op before running it; a caller
// whose context ends first abandons it, and the writer skips it.
const (
	opQueued int32 = iota
	opClaimed
	opAbandoned
)

func (t *Ticket) ticket() *Ticket { return t }

// Queued is an operation type that embeds Ticket (by pointer receiver).
type Queued interface{ ticket() *Ticket }

// WriteQueue hands operations of type O to one writer goroutine.
type WriteQueue[O Queued] struct {
	ops      chan O
	maxGroup int
	// errClosed answers writes after Close; errStalled a write that the
	// stall signal ended.
	errClosed, errStalled error

	closeMu sync.RWMutex // guards closed against Enqueue
	closed  bool
	pending sync.WaitGroup // ops enqueued but not answered yet
}

// NewWriteQueue returns a queue whose groups hold at most maxGroup
// operations. Writes answer errClosed after Close and errStalled when the
// stall signal given to Do fires first.
func NewWriteQueue[O Queued](maxGroup int, errClosed, errStalled error) *WriteQueue[O] {
	return &WriteQueue[O]{
		ops: make(chan O, maxGroup), maxGroup: maxGroup,
		errClosed: errClosed, errStalled: errStalled,
	}
}

// Do queues op and returns its outcome: nil once its group committed, the
// group's or op's error, ctx's error if ctx ended before the writer
// claimed op, or errStalled if stall closed first (a writer stuck past its
// deadline; the op's fate is then the backend's to document). A nil stall
// never fires.
func (q *WriteQueue[O]) Do(ctx context.Context, op O, stall <-chan struct{}) error {
	if err := q.Enqueue(ctx, op, stall); err != nil {
		return err
	}
	return q.Wait(ctx, op)
}

// Enqueue hands op to the writer without waiting for its outcome (Do's
// first half; Wait is the second). The pending count lets Close wait until
// every enqueued operation has been answered.
func (q *WriteQueue[O]) Enqueue(ctx context.Context, op O, stall <-chan struct{}) error {
	// A select with a free queue slot and a done context picks either, so
	// check first: a call with a dead context must never write.
	if err := ctx.Err(); err != nil {
		return err
	}
	q.closeMu.RLock()
	if q.closed {
		q.closeMu.RUnlock()
		return q.errClosed
	}
	q.pending.Add(1)
	q.closeMu.RUnlock()
	t := op.ticket()
	t.done, t.stall = make(chan error, 1), stall
	select {
	case q.ops <- op:
		return nil
	case <-ctx.Done():
		q.pending.Done()
		return ctx.Err()
	case <-stall: // the queue is full behind a stuck group
		q.pending.Done()
		return q.errStalled
	}
}

// Wait returns the outcome of an enqueued op; see Do.
func (q *WriteQueue[O]) Wait(ctx context.Context, op O) error {
	t := op.ticket()
	select {
	case err := <-t.done:
		return err
	case <-ctx.Done():
		if t.state.CompareAndSwap(opQueued, opAbandoned) {
			return ctx.Err()
		}
		return q.waitClaimed(t)
	case <-t.stall:
		t.state.CompareAndSwap(opQueued, opAbandoned) // a queued op must never run late
		return q.stalled(t)
	}
}

// waitClaimed waits for the commit of a claimed op, or for the stall.
func (q *WriteQueue[O]) waitClaimed(t *Ticket) error {
	select {
	case err := <-t.done:
		return err
	case <-t.stall:
		return q.stalled(t)
	}
}

// stalled prefers an outcome that arrived together with the stall signal.
func (q *WriteQueue[O]) stalled(t *Ticket) error {
	select {
	case err := <-t.done:
		return err
	default:
		return q.errStalled
	}
}

// Run is the writer: until Close, it takes the queued operations in groups
// of at most maxGroup, claims those whose callers still wait and passes
// them to commit, which must answer each one with Answer.
func (q *WriteQueue[O]) Run(commit func(claimed []O)) {
	group := make([]O, 0, q.maxGroup)
	for op := range q.ops {
		group = append(group[:0], op)
	collect:
		for len(group) < q.maxGroup {
			select {
			case op, ok := <-q.ops:
				if !ok {
					break collect
				}
				group = append(group, op)
			default:
				break collect
			}
		}
		if claimed := q.claim(group); len(claimed) > 0 {
			commit(claimed)
		}
	}
}

// claim returns the operations of group whose callers have not given up;
// the others are answered already.
func (q *WriteQueue[O]) claim(group []O) []O {
	claimed := group[:0:0]
	for _, op := range group {
		if op.ticket().state.CompareAndSwap(opQueued, opClaimed) {
			claimed = append(claimed, op)
		} else {
			q.pending.Done()
		}
	}
	return claimed
}

// Answer gives a claimed op its outcome.
func (q *WriteQueue[O]) Answer(op O, err error) {
	op.ticket().done <- err
	q.pending.Done()
}

// Depth is the number of operations queued, not counting the group the
// writer is committing.
func (q *WriteQueue[O]) Depth() int { return len(q.ops) }

// Closed reports whether Close was called.
func (q *WriteQueue[O]) Closed() bool {
	q.closeMu.RLock()
	defer q.closeMu.RUnlock()
	return q.closed
}

// Close refuses new writes, waits until every queued one is answered and
// ends Run. Call it once.
func (q *WriteQueue[O]) Close() {
	q.closeMu.Lock()
	q.closed = true
	q.closeMu.Unlock()
	q.pending.Wait()
	close(q.ops)
}
