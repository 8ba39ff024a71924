package node

import (
	"context"
	"sync"
)

// worker runs one background task, a Run(ctx) error, from Node.Run until
// shutdown, which cancels it and waits (before the ledger closes).
type worker struct {
	run func(ctx context.Context) error

	mu     sync.Mutex
	cancel context.CancelFunc // nil until start
	done   chan error
}

func newWorker(run func(ctx context.Context) error) *worker { return &worker{run: run} }

// start runs the task; a worker stopped first never starts.
func (w *worker) start() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan error, 1)
	go func() { w.done <- w.run(ctx) }()
}

// stop cancels the task and returns its error; it is safe before start and
// more than once (later calls return nil).
func (w *worker) stop() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	if w.done == nil {
		w.done = make(chan error) // start is now a no-op
		w.mu.Unlock()
		return nil
	}
	cancel, done := w.cancel, w.done
	w.cancel = nil
	w.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	return <-done
}
