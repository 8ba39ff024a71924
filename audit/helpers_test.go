package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// startLog runs a Log on a real store until the test ends.
func startLog(t *testing.T, cfg audit.Config) (*audit.Log, meterd.AuditStore) {
	t.Helper()
	store := sqlitetest.OpenAudit(t)
	return runLog(t, store, cfg), store
}

// runLog runs a Log on store until the test ends.
func runLog(t *testing.T, store meterd.AuditStore, cfg audit.Config) *audit.Log {
	t.Helper()
	l := audit.New(store, meterd.ClockFunc(func() time.Time { return epoch }), cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return l
}

// signalStore tells each FindAuditEvents call, so that a test knows a
// Wait has looked (and is now waiting) without sleeping.
type signalStore struct {
	meterd.AuditStore
	found chan struct{}
}

func (s *signalStore) FindAuditEvents(ctx context.Context, f meterd.AuditFilter) ([]*meterd.AuditEvent, string, error) {
	defer func() { s.found <- struct{}{} }()
	return s.AuditStore.FindAuditEvents(ctx, f)
}

// batch is a BatchMeterUsage event at epoch plus seconds, about records
// of (customer, dimension) pairs.
func batch(id string, seconds int, subjects ...meterd.AuditSubject) *meterd.AuditEvent {
	return &meterd.AuditEvent{EventID: id, EventName: "BatchMeterUsage", ProductCode: "p",
		EventTime: epoch.Add(time.Duration(seconds) * time.Second), Subjects: subjects}
}

func subject(customer, dimension string) meterd.AuditSubject {
	return meterd.AuditSubject{Customer: customer, Dimension: dimension}
}
