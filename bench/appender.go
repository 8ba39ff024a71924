package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// maxGroup bounds how many appends share one fsync, as meterd's writer
// bounds its groups.
const maxGroup = 1024

// appender appends to a file with group commit: one goroutine writes every
// append that queued while the previous fsync ran, then fsyncs once and
// answers them all. It is the cheapest durable ledger there is, so it is
// what meterd's durability is measured against.
type appender struct {
	f       *os.File
	queue   chan appendReq
	stopped chan struct{} // closed by close
	exited  chan struct{} // closed when run returns
	once    sync.Once
}

type appendReq struct {
	data []byte
	done chan error
}

func openAppender(path string) (*appender, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("floor: open append file: %w", err)
	}
	a := &appender{f: f, queue: make(chan appendReq, maxGroup), stopped: make(chan struct{}), exited: make(chan struct{})}
	go a.run()
	return a, nil
}

var errAppenderClosed = errors.New("floor: append file closed")

// append returns once data is written and synced.
func (a *appender) append(ctx context.Context, data []byte) error {
	req := appendReq{data: data, done: make(chan error, 1)}
	select {
	case a.queue <- req:
	case <-a.stopped:
		return errAppenderClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-a.stopped:
		return errAppenderClosed
	}
}

func (a *appender) run() {
	defer close(a.exited)
	group := make([]appendReq, 0, maxGroup)
	buf := make([]byte, 0, 1<<16)
	for {
		select {
		case req := <-a.queue:
			group, buf = append(group[:0], req), append(buf[:0], req.data...)
		case <-a.stopped:
			return
		}
		// Take what queued meanwhile, without waiting for more.
		for len(group) < maxGroup && len(a.queue) > 0 {
			req := <-a.queue
			group, buf = append(group, req), append(buf, req.data...)
		}
		err := a.commit(buf)
		for _, req := range group {
			req.done <- err
		}
	}
}

func (a *appender) commit(buf []byte) error {
	if _, err := a.f.Write(buf); err != nil {
		return fmt.Errorf("floor: append: %w", err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("floor: fsync: %w", err)
	}
	return nil
}

// close stops the writer after its current group; appends still waiting
// fail.
func (a *appender) close() error {
	var err error
	a.once.Do(func() {
		close(a.stopped)
		<-a.exited
		err = a.f.Close()
	})
	return err
}
