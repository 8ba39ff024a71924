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

// The records of one call share the encoded values they repeat (see
// repeats in ledger.go): each still stores its own values, whichever it
// repeats or changes, NULL times included.
func TestRecordUsageStoresEachRecordsValues(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	at := time.Date(2025, time.March, 4, 10, 30, 0, 0, time.UTC)
	same := batchRecord("same", "k-same", "")
	otherHour := batchRecord("other-hour", "k-other-hour", "")
	otherHour.Timestamp, otherHour.Hour = at.Add(time.Hour), at.Add(time.Hour).Truncate(time.Hour)
	notReceived := batchRecord("not-received", "k-not-received", "")
	notReceived.ReceivedAt = time.Time{}
	received := batchRecord("received-again", "k-received-again", "")
	otherCaller := batchRecord("other-caller", "k-other-caller", "")
	otherCaller.Region, otherCaller.CallerAccountID, otherCaller.Dimension = "eu-west-1", "222222222222", "admins"
	otherCaller.ReceivedAt = at.In(time.FixedZone("UTC+2", 2*60*60)) // the same instant, elsewhere
	recs := []*meterd.MeteringRecord{batchRecord("first", "k-first", ""), same, otherHour, notReceived, received, otherCaller}
	_, err := db.RecordUsage(t.Context(), recs)
	must(t, err)
	stored, err := db.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	if len(stored) != len(recs) {
		t.Fatalf("%d records stored, want %d", len(stored), len(recs))
	}
	for i, got := range stored {
		want := *recs[i]
		want.ReceivedAt = want.ReceivedAt.UTC()
		if got.ID != want.ID || got.Region != want.Region || got.CallerAccountID != want.CallerAccountID ||
			got.Dimension != want.Dimension || !got.Timestamp.Equal(want.Timestamp) || !got.Hour.Equal(want.Hour) ||
			got.ReceivedAt != want.ReceivedAt {
			t.Errorf("record %d stored as %+v, want %+v", i, got, want)
		}
	}
}
