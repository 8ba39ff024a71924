package metering_test

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// TestMeterUsageClientTokenWindow: a ClientToken is idempotent for
// meterd.ClientTokenWindow after its use and new afterwards, one row per
// rule. Moving the clock moves the request's hour too (it is sent 10
// minutes before now), so a later call with the same token is a different
// request unless it stays in the same hour.
func TestMeterUsageClientTokenWindow(t *testing.T) {
	const w = meterd.ClientTokenWindow
	token := func(tok string) func(*meterd.MeterUsageRequest) {
		return func(r *meterd.MeterUsageRequest) { r.ClientToken = tok }
	}
	type step struct {
		advance time.Duration // the clock moves first
		call    meterCall
	}
	tests := []struct {
		name        string
		steps       []step
		wantRecords int
	}{
		{"OK same request inside the window returns the record", []step{
			{0, meterCall{edit: token("t1"), sameAs: -1}},
			{5 * time.Minute, meterCall{edit: token("t1"), sameAs: 0}}}, 1},
		{"ErrIdempotencyConflict other request just inside the window", []step{
			{0, meterCall{edit: token("t1"), sameAs: -1}},
			{w - time.Nanosecond, meterCall{edit: token("t1"), wantCode: meterd.EIdempotencyConflict}}}, 1},
		{"OK other request at the end of the window is new", []step{
			{0, meterCall{edit: token("t1"), sameAs: -1}},
			{w, meterCall{edit: token("t1"), sameAs: -1}},
			{time.Minute, meterCall{edit: token("t1"), sameAs: 1}}}, 2},
		{"ErrIdempotencyConflict token remembered by the hourly dedupe, inside the window", []step{
			{0, meterCall{edit: token("t1"), sameAs: -1}},
			{time.Minute, meterCall{edit: token("t2"), sameAs: 0}},
			{w - time.Nanosecond, meterCall{edit: token("t2"), wantCode: meterd.EIdempotencyConflict}}}, 1},
		{"OK token remembered by the hourly dedupe is new after the window", []step{
			{0, meterCall{edit: token("t1"), sameAs: -1}},
			{time.Minute, meterCall{edit: token("t2"), sameAs: 0}},
			{w, meterCall{edit: token("t2"), sameAs: -1}}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := meterNewEnv(t)
			ids := make([]string, len(tt.steps))
			for i, s := range tt.steps {
				e.now = e.now.Add(s.advance)
				ids[i] = meterRunCall(t, e, i, s.call, ids[:i])
			}
			if n := len(e.usage(t)); n != tt.wantRecords {
				t.Errorf("stored %d records, want %d", n, tt.wantRecords)
			}
		})
	}
}
