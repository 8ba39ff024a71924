// Package audit keeps meterd's audit trail: every API and admin call as a
// CloudTrail event, written to a meterd.AuditStore in batches by one
// goroutine away from the request path, swept after a retention period,
// and watched by the call log's long polls (Wait).
package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterd/meterd"
)

// Defaults of Config.
const (
	DefaultRetention = 7 * 24 * time.Hour
	DefaultBuffer    = 8192
	// maxBatch bounds one AppendAudit transaction, and flushDelay how long
	// the writer gathers events for it: one commit per flushDelay at most
	// under load, rather than one per event, is what keeps the trail's
	// cost small beside the metering path's (each commit writes WAL frames
	// with system calls). A long poll sees a call at most this much later.
	maxBatch   = 1024
	flushDelay = 10 * time.Millisecond
	// sweepEvery and sweepLimit bound the retention sweeper's work: at
	// most sweepLimit deletions per tick, so a long backlog is removed in
	// small transactions that never hold the writer for long; while it is
	// behind, it ticks every sweepBehind.
	sweepEvery  = time.Minute
	sweepBehind = time.Second
	sweepLimit  = 5000
)

// Config tunes a Log.
type Config struct {
	// Retention is how long events are kept; 0 keeps them forever.
	Retention time.Duration
	// Buffer is how many events may wait for the writer; more are dropped
	// (and counted) rather than slow requests down.
	Buffer int
}

// Log is the audit trail. Record never blocks; Run writes.
type Log struct {
	store  meterd.AuditStore
	clock  meterd.Clock
	cfg    Config
	logger *slog.Logger

	events  chan pending
	dropped atomic.Int64
	resets  chan chan resetResult
	ended   chan struct{} // closed when Run returns

	mu      sync.Mutex
	written chan struct{} // closed and replaced after each batch is stored
	stopped chan struct{} // closed by StopWaits
	stop    sync.Once
}

// New returns a Log over store. The clock drives the retention sweeper (the
// wall clock: events carry the wall time calls came in). A nil logger
// discards.
func New(store meterd.AuditStore, clock meterd.Clock, cfg Config, logger *slog.Logger) *Log {
	if cfg.Buffer <= 0 {
		cfg.Buffer = DefaultBuffer
	}
	return &Log{store: store, clock: clock, cfg: cfg, logger: meterd.LoggerOrDiscard(logger),
		events: make(chan pending, cfg.Buffer), written: make(chan struct{}), stopped: make(chan struct{}),
		resets: make(chan chan resetResult), ended: make(chan struct{})}
}

// pending is a queued event and what completes it.
type pending struct {
	event *meterd.AuditEvent
	fill  func(*meterd.AuditEvent)
}

// Record queues e for the writer. When the queue is full, e is dropped and
// counted: the audit trail must never hold up a metering call.
//
// fill, when not nil, completes e in the writer's goroutine before it is
// stored (Describe's JSON work, say), off the request's path; it must not
// touch anything the request goes on using.
func (l *Log) Record(e *meterd.AuditEvent, fill func(*meterd.AuditEvent)) {
	select {
	case l.events <- pending{e, fill}:
	default:
		if n := l.dropped.Add(1); n&(n-1) == 0 { // log the 1st, 2nd, 4th... drop
			l.logger.Warn("audit: queue full, events dropped", meterd.LogKeyDropped, n)
		}
	}
}

// Dropped is how many events were lost: dropped by Record, or in a batch
// that failed to be stored.
func (l *Log) Dropped() int64 { return l.dropped.Load() }

// Queued is how many events wait for the writer.
func (l *Log) Queued() int { return len(l.events) }

// Run writes queued events until ctx is done, then writes what is still
// queued and returns. It also sweeps events older than the retention.
func (l *Log) Run(ctx context.Context) error {
	// Writes and sweeps are bounded, so they finish even once ctx is done:
	// a batch is not half lost at shutdown.
	bg := context.WithoutCancel(ctx)
	defer close(l.ended)
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	l.sweep(bg)
	for {
		select {
		case p := <-l.events:
			l.write(bg, p)
		case reply := <-l.resets:
			reply <- l.reset(bg)
		case <-sweep.C:
			if l.sweep(bg) {
				sweep.Reset(sweepBehind)
			} else {
				sweep.Reset(sweepEvery)
			}
		case <-ctx.Done():
			l.drain(bg)
			return nil
		}
	}
}

// write stores first and what else arrives within flushDelay, up to
// maxBatch, in one transaction, then wakes the waiters.
func (l *Log) write(ctx context.Context, first pending) {
	batch := []*meterd.AuditEvent{first.complete()}
	timer := time.NewTimer(flushDelay)
	defer timer.Stop()
gather:
	for len(batch) < maxBatch {
		select {
		case p := <-l.events:
			batch = append(batch, p.complete())
		case <-timer.C:
			break gather
		}
	}
	if err := l.store.AppendAudit(ctx, batch); err != nil {
		l.dropped.Add(int64(len(batch)))
		l.logger.Error("audit: write failed, events lost", meterd.LogKeyRecords, len(batch), meterd.LogKeyError, err)
	}
	l.wake()
}

// wake tells every Wait that the stored events changed.
func (l *Log) wake() {
	l.mu.Lock()
	close(l.written)
	l.written = make(chan struct{})
	l.mu.Unlock()
}

func (p pending) complete() *meterd.AuditEvent {
	if p.fill != nil {
		p.fill(p.event)
	}
	return p.event
}

func (l *Log) drain(ctx context.Context) {
	for {
		select {
		case p := <-l.events:
			l.write(ctx, p)
		default:
			return
		}
	}
}

// sweep deletes up to sweepLimit expired events and reports whether more
// may be left.
func (l *Log) sweep(ctx context.Context) (behind bool) {
	if l.cfg.Retention <= 0 {
		return false
	}
	n, err := l.store.DeleteAuditBefore(ctx, l.clock.Now().Add(-l.cfg.Retention), sweepLimit)
	if err != nil {
		l.logger.Error("audit: retention sweep failed", meterd.LogKeyError, err)
	}
	if n > 0 {
		l.logger.Debug("audit: retention sweep", meterd.LogKeyRecords, n)
	}
	return n == sweepLimit
}

// resetResult is the answer of the writer to Reset.
type resetResult struct {
	n   int
	err error
}

// Reset deletes every event (meterd reset) and returns how many it
// deleted. It runs in the writer's goroutine, after the events already
// queued are stored, so that no call made before the reset lands in the
// trail after it. Waits are woken and from then on see only later calls.
// It fails with ctx's error, or once Run has returned.
func (l *Log) Reset(ctx context.Context) (int, error) {
	reply := make(chan resetResult, 1)
	select {
	case l.resets <- reply:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-l.ended:
		return 0, errors.New("audit: reset: the trail is closed")
	}
	res := <-reply // the writer always answers a claimed reset
	return res.n, res.err
}

func (l *Log) reset(ctx context.Context) resetResult {
	l.drain(ctx)
	n, err := l.store.DeleteAllAudit(ctx)
	l.wake()
	if err != nil {
		return resetResult{err: fmt.Errorf("audit: reset: %w", err)}
	}
	return resetResult{n: n}
}

// Find returns a page of events, newest first.
func (l *Log) Find(ctx context.Context, f meterd.AuditFilter) ([]*meterd.AuditEvent, string, error) {
	return l.store.FindAuditEvents(ctx, f)
}

// StopWaits ends every Wait now and every later one at once: a server
// shutting down must not wait for long polls.
func (l *Log) StopWaits() { l.stop.Do(func() { close(l.stopped) }) }

// changed is closed after the next batch is stored.
func (l *Log) changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.written
}
