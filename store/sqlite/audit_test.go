package sqlite_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/storetest"
)

func openAudit(t *testing.T, dir string) *sqlite.AuditDB {
	t.Helper()
	db, err := sqlite.OpenAudit(t.Context(), dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close audit: %v", err)
		}
	})
	return db
}

func TestAuditStore(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) meterd.AuditStore { return openAudit(t, t.TempDir()) })
}

// TestAuditFile: the audit trail is its own file, private like the ledger,
// and reopening it keeps its events.
func TestAuditFile(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.OpenAudit(t.Context(), dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	e := &meterd.AuditEvent{EventID: "x", EventName: "MeterUsage"}
	if err := db.AppendAudit(t.Context(), []*meterd.AuditEvent{e}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wantPerm(t, filepath.Join(dir, sqlite.AuditFileName), 0o600)
	got, _, err := openAudit(t, dir).FindAuditEvents(t.Context(), meterd.AuditFilter{})
	if err != nil || len(got) != 1 || got[0].EventID != "x" {
		t.Fatalf("after reopening: %v %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err == nil {
		t.Error("OpenAudit created the ledger file")
	}
}

// BenchmarkAppendAudit measures storing events in the writer's batches
// (one event per operation reported).
func BenchmarkAppendAudit(b *testing.B) {
	for _, size := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db, err := sqlite.OpenAudit(b.Context(), b.TempDir(), discardLogger())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			params := json.RawMessage(`{"usageRecords":[{"timestamp":"2026-03-01T12:00:00Z","customerIdentifier":"c","dimension":"users","quantity":1}],"productCode":"p"}`)
			batch := make([]*meterd.AuditEvent, size)
			for i := range batch {
				batch[i] = &meterd.AuditEvent{EventVersion: meterd.AuditEventVersion, EventName: "BatchMeterUsage", EventID: "e",
					EventTime: time.Now(), ProductCode: "p", RequestParameters: params, ResponseElements: params,
					Subjects: []meterd.AuditSubject{{Customer: "c", Dimension: "users"}}}
			}
			for b.Loop() {
				if err := db.AppendAudit(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/event")
		})
	}
}
