package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

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
