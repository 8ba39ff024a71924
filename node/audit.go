package node

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

// auditTrail is the node's audit log and its writer goroutine. Its store
// is apart from the ledger's transactions (SQLite: its own file beside the
// ledger; PostgreSQL: its own table), so that recording a call never joins
// a ledger transaction.
type auditTrail struct {
	db  closingAuditStore
	log *audit.Log

	mu   sync.Mutex
	stop context.CancelFunc // nil until start
	done chan error
}

func newAuditTrail(db closingAuditStore, cfg Config, logger *slog.Logger) *auditTrail {
	log := audit.New(db, meterd.SystemClock{}, audit.Config{Retention: cfg.AuditRetention}, logger)
	return &auditTrail{db: db, log: log}
}

// start runs the writer until close; a trail closed first never starts.
func (a *auditTrail) start() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.stop, a.done = cancel, make(chan error, 1)
	go func() { a.done <- a.log.Run(ctx) }()
}

// close ends the long polls, lets the writer store what is queued, and
// closes the file. The HTTP server must be shut down first, so that no
// request records an event after the writer's last batch.
func (a *auditTrail) close() error {
	a.log.StopWaits()
	a.mu.Lock()
	if a.done == nil {
		a.done = make(chan error, 1) // start is now a no-op
		a.done <- nil
	} else {
		a.stop()
	}
	done := a.done
	a.mu.Unlock()
	return errors.Join(<-done, a.db.Close())
}
