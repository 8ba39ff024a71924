package storetest

import (
	"fmt"
	"testing"

	"github.com/meterd/meterd"
)

// testRecordUsageNearKeys checks that keys are compared whole and exactly,
// one row per way a store could merge two of them (a hash of the fields
// run together, case folding, trimming, a NUL): each record is new beside
// base, and afterwards each key finds its own record, not another's.
func testRecordUsageNearKeys(t *testing.T, s meterd.Store) {
	base := with(record("base"), func(r *meterd.MeteringRecord) { r.DedupeKey, r.ClientToken = "dk", "tok" })
	recordOK(t, s, base)
	tests := []struct {
		name   string
		change func(*meterd.MeteringRecord)
	}{
		{"OK region and key run together", func(r *meterd.MeteringRecord) { r.Region, r.DedupeKey = "us-east-", "1dk" }},
		{"OK key with a trailing space", func(r *meterd.MeteringRecord) { r.DedupeKey = "dk " }},
		{"OK key with a NUL", func(r *meterd.MeteringRecord) { r.DedupeKey = "dk\x00" }},
		{"OK key in upper case", func(r *meterd.MeteringRecord) { r.DedupeKey = "DK" }},
		{"OK caller and token run together", func(r *meterd.MeteringRecord) {
			r.CallerAccountID, r.ClientToken = base.CallerAccountID[:11], base.CallerAccountID[11:]+"tok"
		}},
		{"OK token with a trailing space", func(r *meterd.MeteringRecord) { r.ClientToken = "tok " }},
	}
	recs := make([]*meterd.MeteringRecord, len(tests))
	for i, tc := range tests {
		recs[i] = with(record(fmt.Sprint("near-", i)), func(r *meterd.MeteringRecord) {
			r.DedupeKey, r.ClientToken = fmt.Sprint("dk-near-", i), "" // the token rows' own key
			tc.change(r)
		})
		out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{recs[i]})
		must(t, err)
		if !out[0].Inserted {
			t.Errorf("%s: outcome %+v, want inserted", tc.name, out[0])
		}
	}
	for i, tc := range tests {
		again := with(recs[i], func(r *meterd.MeteringRecord) { r.ID = fmt.Sprint("again-", i) })
		out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{again})
		must(t, err)
		if out[0].Inserted || out[0].Existing == nil || out[0].Existing.ID != recs[i].ID {
			t.Errorf("%s, sent again: outcome %+v, want a conflict with %s", tc.name, out[0], recs[i].ID)
		}
	}
}
