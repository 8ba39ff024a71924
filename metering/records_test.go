package metering

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
)

// Ids are UUIDv7 strings, each sorting after the one before (the ledger's
// id index relies on it), even when many are made within a millisecond.
func TestNewMeteringRecordID(t *testing.T) {
	prev := ""
	for i := range 1000 {
		id, err := newMeteringRecordID()
		if err != nil {
			t.Fatal(err)
		}
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || u.String() != id {
			t.Fatalf("id %q is not a canonical UUIDv7 (%v)", id, err)
		}
		if id <= prev {
			t.Fatalf("id %d %q does not sort after %q", i, id, prev)
		}
		prev = id
	}
}

func TestUsageHour(t *testing.T) {
	ts := time.Date(2026, 5, 14, 14, 59, 59, 999, time.FixedZone("CEST", 2*3600))
	want := time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)
	if got := usageHour(ts); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("usageHour = %v, want %v", got, want)
	}
}

func TestMeterUsageDedupeKey(t *testing.T) {
	hour := time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)
	base := meterUsageDedupeKey("p", "acct", "res", "dim", hour)
	tests := []struct {
		name string
		key  string
	}{
		{"product", meterUsageDedupeKey("q", "acct", "res", "dim", hour)},
		{"account", meterUsageDedupeKey("p", "acct2", "res", "dim", hour)},
		{"resource", meterUsageDedupeKey("p", "acct", "res2", "dim", hour)},
		{"dimension", meterUsageDedupeKey("p", "acct", "res", "Dim", hour)},
		{"hour", meterUsageDedupeKey("p", "acct", "res", "dim", hour.Add(time.Hour))},
		{"field boundary", meterUsageDedupeKey("pa", "cct", "res", "dim", hour)},
		{"batch key of same fields", batchDedupeKey("p", "acct", "res", "dim", hour)},
	}
	for _, tt := range tests {
		if tt.key == base {
			t.Errorf("changing %s keeps key %s", tt.name, base)
		}
	}
	if again := meterUsageDedupeKey("p", "acct", "res", "dim", hour); again != base {
		t.Errorf("key not deterministic: %s != %s", again, base)
	}
}

func TestBatchDedupeKey(t *testing.T) {
	hour := time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)
	base := batchDedupeKey("p", "cust", "", "dim", hour)
	tests := []struct {
		name string
		key  string
	}{
		{"product", batchDedupeKey("q", "cust", "", "dim", hour)},
		{"customer", batchDedupeKey("p", "cust2", "", "dim", hour)},
		{"license", batchDedupeKey("p", "cust", "arn:aws:license-manager::1:license/l", "dim", hour)},
		{"dimension", batchDedupeKey("p", "cust", "", "dim2", hour)},
		{"hour", batchDedupeKey("p", "cust", "", "dim", hour.Add(-time.Hour))},
	}
	for _, tt := range tests {
		if tt.key == base {
			t.Errorf("changing %s keeps key %s", tt.name, base)
		}
	}
}

func TestRequestHashes(t *testing.T) {
	hour := time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)
	allocs := []meterd.UsageAllocation{{AllocatedUsageQuantity: 5}}
	base := meterUsageRequestHash("p", hour, "dim", 5, allocs)
	tests := []struct {
		name string
		hash string
	}{
		{"product", meterUsageRequestHash("q", hour, "dim", 5, allocs)},
		{"hour", meterUsageRequestHash("p", hour.Add(time.Hour), "dim", 5, allocs)},
		{"dimension", meterUsageRequestHash("p", hour, "dim2", 5, allocs)},
		{"quantity", meterUsageRequestHash("p", hour, "dim", 6, []meterd.UsageAllocation{{AllocatedUsageQuantity: 6}})},
		{"allocations absent", meterUsageRequestHash("p", hour, "dim", 5, nil)},
	}
	for _, tt := range tests {
		if tt.hash == base {
			t.Errorf("changing %s keeps hash %s", tt.name, base)
		}
	}
	if batchRequestHash(1, nil) == batchRequestHash(2, nil) {
		t.Error("batch hash ignores the quantity")
	}
}

// Dedupe keys and request hashes are stored in every ledger: a change in
// how they are computed would make a resend after an upgrade a new record
// (or a conflict). These values were computed before the digest stopped
// hashing through a hash.Hash, and must never change.
func TestDigestsAreStable(t *testing.T) {
	hour := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	allocs := []meterd.UsageAllocation{{AllocatedUsageQuantity: 3, Tags: []meterd.Tag{{Key: "k", Value: "v"}}},
		{AllocatedUsageQuantity: 2}}
	tests := []struct {
		name, got, want string
	}{
		{"meterUsageDedupeKey", meterUsageDedupeKey("prod", "123456789012", "", "users", hour),
			"MeterUsage:5f24cbdbe20ca75248cfc86e054ee4451043334de324bf4bb6b8f6d0270337cd"},
		{"batchDedupeKey", batchDedupeKey("prod", "cust-1", "arn:aws:license-manager::1:license:l-1", "users", hour),
			"BatchMeterUsage:c6a98153a07e1e86c4af5c8e0b46220c24f883b3cb0493716484baee9e2429e7"},
		{"meterUsageRequestHash", meterUsageRequestHash("prod", hour, "users", 5, allocs),
			"35d761ae04cdc7142d21be6121bb400be298fffff2528c0121a5738b7ee6e477"},
		{"batchRequestHash", batchRequestHash(5, nil),
			"a3bca93e7b1ec3fabc00934af22b56b1321457decbf0204be0a32f0b098f45ea"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func BenchmarkMeterUsageDigests(b *testing.B) {
	hour := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		meterUsageDedupeKey("prod", "123456789012", "", "users", hour)
		meterUsageRequestHash("prod", hour, "users", 5, nil)
	}
}
