package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/meterd/meterd"
)

// TestSumUsageRollup checks the rollup against the records: with half of
// a random ledger rolled up and half after the watermark, every period and
// grouping sums exactly what the records summed in Go give.
func TestSumUsageRollup(t *testing.T) {
	ctx := t.Context()
	db := mustOpen(t, t.TempDir())
	var seq atomic.Int64
	recs := benchRecords(&seq, 2000, false)
	for i, r := range recs {
		r.Test = i%7 == 0
		if i%3 == 0 {
			r.Quantity = 10
			r.Allocations = []meterd.UsageAllocation{
				{AllocatedUsageQuantity: 4, Tags: []meterd.Tag{{Key: "team", Value: fmt.Sprint("t", rand.IntN(3))}}},
				{AllocatedUsageQuantity: 6, Tags: []meterd.Tag{{Key: "team", Value: "x"}, {Key: "env", Value: "prod"}}}}
		}
	}
	half := len(recs) / 2
	if _, err := db.RecordUsage(ctx, recs[:half]); err != nil {
		t.Fatal(err)
	}
	if err := db.RollUsage(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordUsage(ctx, recs[half:]); err != nil {
		t.Fatal(err)
	}
	groupings := [][]string{nil, {meterd.GroupCustomer}, {meterd.GroupDimension, meterd.GroupProduct},
		{meterd.GroupTag}, {meterd.GroupLicense, meterd.GroupCustomer, meterd.GroupTag}}
	queries := []meterd.UsageQuery{{}, {ProductCode: "prod-1"}, {Customer: "cust-7"}, {Dimension: "dim-2"},
		{TagKey: "team"}, {TagKey: "team", TagValue: "x"}, {Test: new(bool)}, {UsageSince: recs[0].Hour},
		{UsageSince: meterd.PerDay.Start(recs[0].Hour)}}
	for _, per := range []meterd.UsagePeriod{meterd.PerHour, meterd.PerDay, meterd.PerMonth} {
		for _, by := range groupings {
			for i, q := range queries {
				sum := meterd.UsageSum{Query: q, Per: per, By: by}
				want := meterd.NewUsageAggregator(sum)
				for _, r := range recs {
					if s := r.Sent(); q.Matches(s) {
						want.Add(s)
					}
				}
				got, err := db.SumUsageUnrolled(ctx, sum)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want.Groups()) {
					t.Errorf("per %s by %v query %d: %d groups, want %d", per, by, i, len(got), len(want.Groups()))
				}
			}
		}
	}
}
