package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
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

// BenchmarkAppendAudit measures storing MeterUsage events in the writer's
// batches: CPU time (the whole process's) and bytes written (the WAL and
// its checkpoints) per event, the two that stay put on a shared machine.
func BenchmarkAppendAudit(b *testing.B) {
	for _, size := range []int{1, 32, 512} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db, err := sqlite.OpenAudit(b.Context(), b.TempDir(), discardLogger())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			batch := make([]*meterd.AuditEvent, size)
			for i := range batch {
				batch[i] = meterUsageEvent(i)
			}
			written, cpu := writtenBytes(), cpuTime()
			for b.Loop() {
				for _, e := range batch { // calls come in as time goes on
					e.EventTime = time.Now()
				}
				if err := db.AppendAudit(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
			}
			events := float64(b.N * size)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
			b.ReportMetric(float64(writtenBytes()-written)/events, "wB/event")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/events, "cpu-µs/event")
		})
	}
}

// meterUsageEvent is the event of an accepted MeterUsage call as the
// server records it.
func meterUsageEvent(i int) *meterd.AuditEvent {
	caller := meterd.Caller{AccessKeyID: "AKIAEXAMPLESELLER", AccountID: "111122223333", Region: "us-east-1"}
	e := &meterd.AuditEvent{EventVersion: meterd.AuditEventVersion, EventTime: time.Now(),
		EventSource: audit.SourceMetering, EventName: meterd.OpMeterUsage, AWSRegion: caller.Region,
		SourceIPAddress: "127.0.0.1", UserAgent: "aws-sdk-go-v2/1.36.3 os/linux lang/go#1.25 md/GOOS#linux api/marketplacemetering#1.26.0",
		RequestID: fmt.Sprintf("5f0c7a52-3c1e-4f8e-9a2b-%012d", i), EventID: fmt.Sprintf("0b7d1c3e-8f2a-4d6b-b1e9-%012d", i),
		EventType: meterd.AuditEventType, ManagementEvent: true, EventCategory: meterd.AuditCategory}
	e.UserIdentity = audit.Identity(caller, true)
	e.RecipientAccountID = e.UserIdentity.AccountID
	in := &meterd.MeterUsageRequest{ProductCode: "prod-bench", Timestamp: time.Now().Truncate(time.Second),
		UsageDimension: "requests", UsageQuantity: 1}
	audit.Describe(e, caller, in, &meterd.MeterUsageResult{MeteringRecordId: fmt.Sprintf("7c1f0e9a-%028d", i)})
	return e
}
