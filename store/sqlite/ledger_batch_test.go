package sqlite_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// batchRecord is a BatchMeterUsage-like record of one call, with its id,
// dedupe key and client token.
func batchRecord(id, key, token string) *meterd.MeteringRecord {
	at := time.Date(2025, time.March, 4, 10, 30, 0, 0, time.UTC)
	return &meterd.MeteringRecord{
		ID: id, Region: "us-east-1", Operation: meterd.OpBatchMeterUsage, ProductCode: "prod",
		CustomerIdentifier: "cust", CallerAccountID: "111111111111", ResourceID: "AKID", Dimension: "users",
		Timestamp: at, Hour: at.Truncate(time.Hour), Quantity: 1, DedupeKey: key, ClientToken: token,
		RequestHash: "h-" + id, ReceivedAt: at,
	}
}

// A call mixing plainly new records (written together) with records that
// must be checked one by one keeps every outcome and the call's order in
// the ledger.
func TestRecordUsageMixedCall(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	_, err := db.RecordUsage(t.Context(), []*meterd.MeteringRecord{batchRecord("stored", "k-stored", "")})
	must(t, err)
	out, err := db.RecordUsage(t.Context(), []*meterd.MeteringRecord{
		batchRecord("a", "k-a", ""),
		batchRecord("b", "k-b", ""),
		batchRecord("dup-stored", "k-stored", ""),
		batchRecord("c", "k-c", ""),
		batchRecord("dup-a", "k-a", ""),
		batchRecord("tok", "k-tok", "token-1"),
		batchRecord("d", "k-d", ""),
	})
	must(t, err)
	want := []struct {
		inserted bool
		existing string
	}{{true, ""}, {true, ""}, {false, "stored"}, {true, ""}, {false, "a"}, {true, ""}, {true, ""}}
	for i, w := range want {
		got := out[i]
		if got.Inserted != w.inserted || (w.existing != "" &&
			(got.Conflict != meterd.DedupeKeyConflict || got.Existing == nil || got.Existing.ID != w.existing)) {
			t.Errorf("record %d: outcome %+v, want inserted %v, existing %q", i, got, w.inserted, w.existing)
		}
	}
	recs, err := db.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if wantIDs := []string{"stored", "a", "b", "c", "tok", "d"}; !slices.Equal(ids, wantIDs) {
		t.Errorf("ledger order %v, want %v", ids, wantIDs)
	}
}

// A record whose id is taken fails its whole call, also when it is
// written with others in one statement, and leaves nothing of the call.
func TestRecordUsageTakenIDFailsCall(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	_, err := db.RecordUsage(t.Context(), []*meterd.MeteringRecord{batchRecord("taken", "k-1", "")})
	must(t, err)
	_, err = db.RecordUsage(t.Context(), []*meterd.MeteringRecord{
		batchRecord("new", "k-2", ""), batchRecord("taken", "k-3", ""), batchRecord("new-2", "k-4", ""),
	})
	if err == nil || !strings.Contains(err.Error(), "id already used") {
		t.Fatalf("err = %v, want the taken id reported", err)
	}
	recs, err := db.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	if len(recs) != 1 || recs[0].ID != "taken" {
		t.Errorf("ledger holds %d records after the failed call, want only the first", len(recs))
	}
}
