package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// testRecordUsageTokenWindow checks meterd.ClientTokenWindow, one row per
// rule: a token, its own record's or one remembered for another record, is
// a conflict while its use is less than the window before the new record's
// ReceivedAt, and new from the window on; then it leads to the new record.
func testRecordUsageTokenWindow(t *testing.T, s meterd.Store) {
	const w = meterd.ClientTokenWindow
	tests := []struct {
		name       string
		remembered bool          // the token was answered with another call's record
		after      time.Duration // from the token's use to its reuse
		wantNew    bool
	}{
		{"OK own token inside the window is a conflict", false, w - time.Nanosecond, false},
		{"OK own token after the window is new", false, w, true},
		{"OK remembered token inside the window is a conflict", true, w - time.Nanosecond, false},
		{"OK remembered token after the window is new", true, w, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := func(s string) string { return fmt.Sprintf("w%d-%s", i, s) }
			tok := id("tok")
			first := with(record(id("r1")), func(r *meterd.MeteringRecord) { r.ClientToken = tok })
			usedAt := first.ReceivedAt
			if tc.remembered {
				first.ClientToken = id("other-tok")
				usedAt = usedAt.Add(time.Hour)
				same := with(first, func(r *meterd.MeteringRecord) { r.ID, r.ClientToken, r.ReceivedAt = id("r2"), tok, usedAt })
				recordOK(t, s, first)
				out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{same})
				must(t, err)
				wantConflict(t, out[0], meterd.DedupeKeyConflict, first)
			} else {
				recordOK(t, s, first)
			}
			reuse := func(n string, at time.Time) *meterd.MeteringRecord {
				return with(record(id(n)), func(r *meterd.MeteringRecord) { r.ClientToken, r.ReceivedAt = tok, at })
			}
			again := reuse("r3", usedAt.Add(tc.after))
			out, err := s.RecordUsage(t.Context(), []*meterd.MeteringRecord{again})
			must(t, err)
			if !tc.wantNew {
				wantConflict(t, out[0], meterd.ClientTokenConflict, first)
				return
			}
			if !out[0].Inserted {
				t.Fatalf("reuse after the window: outcome %+v, want inserted", out[0])
			}
			// From now on the token leads to the new record.
			out, err = s.RecordUsage(t.Context(), []*meterd.MeteringRecord{reuse("r4", again.ReceivedAt.Add(time.Second))})
			must(t, err)
			wantConflict(t, out[0], meterd.ClientTokenConflict, again)
		})
	}
}
