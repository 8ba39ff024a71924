package storetest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// record returns a record that uses every field; its keys derive from id.
func record(id string) *meterd.MeteringRecord {
	return &meterd.MeteringRecord{
		ID:                   id,
		Region:               "us-east-1",
		Operation:            "BatchMeterUsage",
		ProductCode:          "prod-saas",
		CustomerIdentifier:   "cust-a",
		CustomerAWSAccountID: buyerAccount,
		LicenseArn:           "arn:lic-1",
		CallerAccountID:      sellerAccount,
		ResourceID:           "AKIDSELLER",
		Dimension:            "users",
		Timestamp:            at(4, 123456789),
		Hour:                 at(4, 0).Truncate(time.Hour),
		Quantity:             1 << 40,
		Allocations: []meterd.UsageAllocation{
			{AllocatedUsageQuantity: 3, Tags: []meterd.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: ""}}},
			{AllocatedUsageQuantity: 4},
		},
		DedupeKey:   "dk-" + id,
		RequestHash: "hash-" + id,
		ReceivedAt:  at(5, 987654321),
	}
}

// with returns a copy of r changed by f.
func with(r *meterd.MeteringRecord, f func(*meterd.MeteringRecord)) *meterd.MeteringRecord {
	c := *r
	f(&c)
	return &c
}

func ledgerTests() []test {
	return []test{
		{"RecordUsage/OK", testRecordUsage},
		{"RecordUsage/RoundTrip", testRecordUsageRoundTrip},
		{"RecordUsage/Empty", testRecordUsageEmpty},
		{"RecordUsage/ConflictDedupeKey", testRecordUsageDedupeKey},
		{"RecordUsage/ConflictClientToken", testRecordUsageClientToken},
		{"RecordUsage/ClientTokenCheckedFirst", testRecordUsageTokenFirst},
		{"RecordUsage/TokenRememberedForSameRequest", testRecordUsageTokenRemembered},
		{"RecordUsage/ClientTokenWindow", testRecordUsageTokenWindow},
		{"RecordUsage/ConflictScope", testRecordUsageScope},
		{"RecordUsage/DuplicatesInOneCall", testRecordUsageDuplicatesInCall},
		{"RecordUsage/ErrDuplicateIDRollsBackCall", testRecordUsageDuplicateID},
		{"FindUsage/Filters", testFindUsage},
		{"Write/ErrCanceledContext", testWriteCanceled},
	}
}

// recordOK records recs and fails t unless every one is inserted.
func recordOK(t *testing.T, s meterd.Store, recs ...*meterd.MeteringRecord) {
	t.Helper()
	out, err := s.RecordUsage(t.Context(), recs)
	must(t, err)
	if len(out) != len(recs) {
		t.Fatalf("RecordUsage returned %d outcomes for %d records", len(out), len(recs))
	}
	for i, o := range out {
		if !o.Inserted || o.Conflict != meterd.NoConflict || o.Existing != nil {
			t.Fatalf("record %q: outcome %+v, want inserted", recs[i].ID, o)
		}
	}
}

// usageIDs returns the ids of the records FindUsage(f) returns, in order.
func usageIDs(t *testing.T, s meterd.Store, f meterd.UsageFilter) []string {
	t.Helper()
	recs, err := s.FindUsage(t.Context(), f)
	must(t, err)
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids
}

// wantConflict fails t unless o is a conflict of kind with the stored want.
func wantConflict(t *testing.T, o meterd.RecordOutcome, kind meterd.ConflictKind, want *meterd.MeteringRecord) {
	t.Helper()
	if o.Inserted || o.Conflict != kind {
		t.Fatalf("outcome Inserted=%v Conflict=%v, want conflict %v", o.Inserted, o.Conflict, kind)
	}
	if d := diff(o.Existing, want); d != "" {
		t.Fatalf("Existing%s", d)
	}
}

func testRecordUsage(t *testing.T, s meterd.Store) {
	want := []*meterd.MeteringRecord{record("r1"), record("r2")}
	recordOK(t, s, want...)
	got, err := s.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	if d := diff(got, want); d != "" {
		t.Fatalf("FindUsage%s", d)
	}
}

func testRecordUsageRoundTrip(t *testing.T, s meterd.Store) {
	cases := []struct {
		name   string
		change func(*meterd.MeteringRecord)
	}{
		{"every field", func(*meterd.MeteringRecord) {}},
		{"client token and test", func(r *meterd.MeteringRecord) { r.ClientToken, r.Test = "tok-"+r.ID, true }},
		{"MeterUsage without customer", func(r *meterd.MeteringRecord) {
			r.Operation, r.CustomerIdentifier, r.CustomerAWSAccountID, r.LicenseArn = "MeterUsage", "", "", ""
		}},
		{"no allocations", func(r *meterd.MeteringRecord) { r.Allocations = nil }},
		{"allocation without tags", func(r *meterd.MeteringRecord) {
			r.Allocations = []meterd.UsageAllocation{{AllocatedUsageQuantity: math.MaxInt32}}
		}},
		{"extreme quantity", func(r *meterd.MeteringRecord) { r.Quantity = math.MinInt64 }},
		{"zero times", func(r *meterd.MeteringRecord) {
			r.Timestamp, r.Hour, r.ReceivedAt = time.Time{}, time.Time{}, time.Time{}
		}},
		{"unicode and quotes", func(r *meterd.MeteringRecord) { r.Dimension, r.ResourceID = `dim "x" ✓`, "it's" }},
	}
	var want []*meterd.MeteringRecord
	for i, c := range cases {
		r := with(record(string(rune('a'+i))), c.change)
		recordOK(t, s, r)
		want = append(want, r)
	}
	got, err := s.FindUsage(t.Context(), meterd.UsageFilter{})
	must(t, err)
	if len(got) != len(want) {
		t.Fatalf("FindUsage returned %d records, want %d", len(got), len(want))
	}
	for i, c := range cases {
		if d := diff(got[i], want[i]); d != "" {
			t.Errorf("%s: record%s", c.name, d)
		}
	}
}

func testRecordUsageEmpty(t *testing.T, s meterd.Store) {
	out, err := s.RecordUsage(t.Context(), nil)
	must(t, err)
	if len(out) != 0 {
		t.Fatalf("RecordUsage(nil) = %d outcomes, want 0", len(out))
	}
}

func testRecordUsageDedupeKey(t *testing.T, s meterd.Store) {
	first := record("r1")
	recordOK(t, s, first)
	dup := with(record("r2"), func(r *meterd.MeteringRecord) { r.DedupeKey = first.DedupeKey; r.Quantity = 1 })
	out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{dup})
	must(t, err)
	wantConflict(t, out[0], meterd.DedupeKeyConflict, first)
	if d := diff(usageIDs(t, s, meterd.UsageFilter{}), []string{"r1"}); d != "" {
		t.Fatalf("stored ids%s", d)
	}
}

func testRecordUsageClientToken(t *testing.T, s meterd.Store) {
	first := with(record("r1"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok" })
	recordOK(t, s, first)
	dup := with(record("r2"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok"; r.RequestHash = "other" })
	out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{dup})
	must(t, err)
	wantConflict(t, out[0], meterd.ClientTokenConflict, first)
	if d := diff(usageIDs(t, s, meterd.UsageFilter{}), []string{"r1"}); d != "" {
		t.Fatalf("stored ids%s", d)
	}
}

// A record colliding with one stored record by token and another by dedupe
// key reports the token's.
func testRecordUsageTokenFirst(t *testing.T, s meterd.Store) {
	byToken := with(record("r1"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok" })
	byKey := record("r2")
	recordOK(t, s, byKey, byToken)
	both := with(record("r3"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok"; r.DedupeKey = byKey.DedupeKey })
	out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{both})
	must(t, err)
	wantConflict(t, out[0], meterd.ClientTokenConflict, byToken)
}

// A token answered with another record's id (same dedupe key, same request
// hash) leads to that record afterwards; a token whose record was refused
// (same key, other hash) is not remembered.
func testRecordUsageTokenRemembered(t *testing.T, s meterd.Store) {
	first := with(record("r1"), func(r *meterd.MeteringRecord) { r.ClientToken = "t1" })
	recordOK(t, s, first)
	same := with(record("r2"), func(r *meterd.MeteringRecord) {
		r.ClientToken, r.DedupeKey, r.RequestHash = "t2", first.DedupeKey, first.RequestHash
	})
	refused := with(record("r3"), func(r *meterd.MeteringRecord) {
		r.ClientToken, r.DedupeKey, r.RequestHash = "t3", first.DedupeKey, "other"
	})
	out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{same, refused})
	must(t, err)
	wantConflict(t, out[0], meterd.DedupeKeyConflict, first)
	wantConflict(t, out[1], meterd.DedupeKeyConflict, first)

	reuseSame := with(record("r4"), func(r *meterd.MeteringRecord) { r.ClientToken = "t2"; r.DedupeKey = "elsewhere" })
	reuseRefused := with(record("r5"), func(r *meterd.MeteringRecord) { r.ClientToken = "t3"; r.DedupeKey = "elsewhere-too" })
	out, err = s.RecordUsage(t.Context(), []*meterd.MeteringRecord{reuseSame, reuseRefused})
	must(t, err)
	wantConflict(t, out[0], meterd.ClientTokenConflict, first)
	if !out[1].Inserted {
		t.Fatalf("token of a refused record: outcome %+v, want inserted", out[1])
	}
}

// Which fields make two records the same: dedupe keys are per region,
// client tokens per region and caller account, and an empty token is no key.
func testRecordUsageScope(t *testing.T, s meterd.Store) {
	base := with(record("base"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok" })
	noToken := record("no-token")
	recordOK(t, s, base, noToken)
	cases := []struct {
		name   string
		change func(*meterd.MeteringRecord)
		want   meterd.ConflictKind // NoConflict: inserted
		stored *meterd.MeteringRecord
	}{
		{"same dedupe key, other region", func(r *meterd.MeteringRecord) {
			r.Region, r.DedupeKey = "us-west-2", base.DedupeKey
		}, meterd.NoConflict, nil},
		{"same dedupe key, other caller", func(r *meterd.MeteringRecord) {
			r.CallerAccountID, r.DedupeKey = otherSellerAccount, base.DedupeKey
		}, meterd.DedupeKeyConflict, base},
		{"same token, other region", func(r *meterd.MeteringRecord) {
			r.Region, r.ClientToken = "eu-west-1", "tok"
		}, meterd.NoConflict, nil},
		{"same token, other caller account", func(r *meterd.MeteringRecord) {
			r.CallerAccountID, r.ClientToken = otherSellerAccount, "tok"
		}, meterd.NoConflict, nil},
		{"same token, other resource", func(r *meterd.MeteringRecord) {
			r.ResourceID, r.ClientToken = "AKIDOTHER", "tok"
		}, meterd.ClientTokenConflict, base},
		{"token case differs", func(r *meterd.MeteringRecord) { r.ClientToken = "TOK" }, meterd.NoConflict, nil},
		{"empty token, like a stored record's", func(r *meterd.MeteringRecord) {}, meterd.NoConflict, nil},
		{"dedupe key case differs", func(r *meterd.MeteringRecord) {
			r.DedupeKey = "DK-BASE"
		}, meterd.NoConflict, nil},
	}
	for i, c := range cases {
		r := with(record(string(rune('a'+i))), c.change)
		out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{r})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.want == meterd.NoConflict {
			if !out[0].Inserted {
				t.Errorf("%s: outcome %+v, want inserted", c.name, out[0])
			}
			continue
		}
		if out[0].Inserted || out[0].Conflict != c.want || out[0].Existing == nil || out[0].Existing.ID != c.stored.ID {
			t.Errorf("%s: outcome %+v, want conflict %v with %q", c.name, out[0], c.want, c.stored.ID)
		}
	}
}

// Records of one call see the earlier ones.
func testRecordUsageDuplicatesInCall(t *testing.T, s meterd.Store) {
	r1 := record("r1")
	r2 := with(record("r2"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok" })
	r3 := record("r3")
	call := []*meterd.MeteringRecord{
		r1,
		with(record("r1-again"), func(r *meterd.MeteringRecord) { r.DedupeKey = r1.DedupeKey }),
		r2,
		with(record("r2-again"), func(r *meterd.MeteringRecord) { r.ClientToken = "tok" }),
		r3,
	}
	out, err := s.RecordUsage(t.Context(), call)
	must(t, err)
	if len(out) != len(call) {
		t.Fatalf("%d outcomes, want %d", len(out), len(call))
	}
	for _, i := range []int{0, 2, 4} {
		if !out[i].Inserted {
			t.Errorf("record %d: outcome %+v, want inserted", i, out[i])
		}
	}
	wantConflict(t, out[1], meterd.DedupeKeyConflict, r1)
	wantConflict(t, out[3], meterd.ClientTokenConflict, r2)
	if d := diff(usageIDs(t, s, meterd.UsageFilter{}), []string{"r1", "r2", "r3"}); d != "" {
		t.Fatalf("stored ids%s", d)
	}
}

// A record whose ID is taken while no business key matches is a bug
// upstream: the call fails and none of its records is stored.
func testRecordUsageDuplicateID(t *testing.T, s meterd.Store) {
	recordOK(t, s, record("taken"))
	call := []*meterd.MeteringRecord{
		record("fresh"),
		with(record("other"), func(r *meterd.MeteringRecord) { r.ID = "taken" }),
	}
	if _, err := s.RecordUsage(t.Context(), call); err == nil {
		t.Fatal("RecordUsage with a taken id: err = nil, want an error")
	}
	if d := diff(usageIDs(t, s, meterd.UsageFilter{}), []string{"taken"}); d != "" {
		t.Fatalf("stored ids%s", d)
	}
}

func testFindUsage(t *testing.T, s meterd.Store) {
	must(t, s.ApplyCatalog(t.Context(), fixtureCatalog()))
	h0 := time.Date(2025, time.March, 4, 10, 0, 0, 0, time.UTC)
	h1, h2 := h0.Add(time.Hour), h0.Add(2*time.Hour)
	rec := func(id, region, product string, hour time.Time) *meterd.MeteringRecord {
		return with(record(id), func(r *meterd.MeteringRecord) {
			r.Region, r.ProductCode, r.Hour, r.Timestamp = region, product, hour, hour.Add(59*time.Minute)
		})
	}
	recordOK(t, s, rec("u1", "us-east-1", "prod-saas", h0), rec("u2", "us-east-1", "prod-ami", h1),
		rec("u3", "us-west-2", "prod-saas", h1))
	recordOK(t, s, rec("u4", "us-east-1", "prod-other", h2), rec("u5", "us-east-1", "prod-saas", h2))

	zone := time.FixedZone("UTC-5", -5*3600)
	cases := []struct {
		name   string
		filter meterd.UsageFilter
		want   []string
	}{
		{"all, in ledger order", meterd.UsageFilter{}, []string{"u1", "u2", "u3", "u4", "u5"}},
		{"region", meterd.UsageFilter{Region: "us-east-1"}, []string{"u1", "u2", "u4", "u5"}},
		{"product", meterd.UsageFilter{ProductCode: "prod-saas"}, []string{"u1", "u3", "u5"}},
		{"seller", meterd.UsageFilter{SellerAccountID: sellerAccount}, []string{"u1", "u2", "u3", "u5"}},
		{"other seller", meterd.UsageFilter{SellerAccountID: otherSellerAccount}, []string{"u4"}},
		{"since, inclusive", meterd.UsageFilter{Since: h1}, []string{"u2", "u3", "u4", "u5"}},
		{"until, exclusive", meterd.UsageFilter{Until: h1}, []string{"u1"}},
		{"since and until in another zone", meterd.UsageFilter{Since: h1.In(zone), Until: h2.In(zone)}, []string{"u2", "u3"}},
		{"since between hours", meterd.UsageFilter{Since: h1.Add(time.Nanosecond)}, []string{"u4", "u5"}},
		{"region, product and since", meterd.UsageFilter{Region: "us-east-1", ProductCode: "prod-saas", Since: h1}, []string{"u5"}},
		{"limit", meterd.UsageFilter{Limit: 2}, []string{"u1", "u2"}},
		{"limit after filter", meterd.UsageFilter{Region: "us-east-1", Limit: 3}, []string{"u1", "u2", "u4"}},
		{"no match", meterd.UsageFilter{Region: "eu-west-1"}, nil},
	}
	for _, c := range cases {
		if d := diff(usageIDs(t, s, c.filter), c.want); d != "" {
			t.Errorf("%s: ids%s", c.name, d)
		}
	}
}

// A write whose context is already canceled fails with the context's error
// and stores nothing.
func testWriteCanceled(t *testing.T, s meterd.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	key := &meterd.SigningKey{Version: 1, PrivateKeyPEM: []byte("pem")}
	token := &meterd.RegistrationToken{Token: "tok"}
	task := &meterd.TaskRegistration{Region: "us-east-1", ProductCode: "p", AccountID: "a", ResourceID: "r"}
	cases := []struct {
		name   string
		write  func() error
		absent func() bool
	}{
		{"RecordUsage", func() error {
			_, err := s.RecordUsage(ctx, []*meterd.MeteringRecord{record("r1")})
			return err
		}, func() bool { return len(usageIDs(t, s, meterd.UsageFilter{})) == 0 }},
		{"ApplyCatalog", func() error { return s.ApplyCatalog(ctx, fixtureCatalog()) }, func() bool {
			_, err := s.FindProduct(t.Context(), "prod-saas")
			return meterd.IsNotFound(err)
		}},
		{"CreateRegistrationToken", func() error { return s.CreateRegistrationToken(ctx, token) }, func() bool {
			_, err := s.FindRegistrationToken(t.Context(), token.Token)
			return meterd.IsNotFound(err)
		}},
		{"RegisterTask", func() error { _, _, err := s.RegisterTask(ctx, task); return err }, func() bool {
			_, err := s.FindTaskRegistration(t.Context(), task.Region, task.ProductCode, task.AccountID, task.ResourceID)
			return meterd.IsNotFound(err)
		}},
		{"CreateSigningKey", func() error { return s.CreateSigningKey(ctx, key) }, func() bool {
			keys, err := s.SigningKeys(t.Context())
			must(t, err)
			return len(keys) == 0
		}},
	}
	for _, c := range cases {
		if err := c.write(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", c.name, err)
		}
		if !c.absent() {
			t.Errorf("%s: data stored despite the canceled context", c.name)
		}
	}
}
