package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// rollupEdge is the last hours of March and the first of April: records
// on both sides of an hour, a day and a month boundary.
var rollupEdge = time.Date(2025, time.March, 31, 22, 0, 0, 0, time.UTC)

// rollupLedger stores records over rollupEdge's hours for two products,
// real and test customers, MeterUsage callers and allocation tags, in
// two batches, the second with duplicates (stored once, so counted once).
func rollupLedger(t *testing.T, s meterd.Store) {
	t.Helper()
	var recs []*meterd.MeteringRecord
	for i := range 48 {
		recs = append(recs, with(record(fmt.Sprintf("r%02d", i)), func(r *meterd.MeteringRecord) {
			r.Timestamp = rollupEdge.Add(time.Duration(i%5)*time.Hour - time.Duration(i)*time.Second)
			r.Hour = r.Timestamp.Truncate(time.Hour)
			r.ReceivedAt = r.Timestamp.Add(time.Duration(i) * time.Minute)
			r.Quantity = int64(i + 1)
			r.ProductCode = []string{"prod-saas", "prod-other"}[i%2]
			r.CustomerIdentifier = fmt.Sprintf("cust-%d", i%3)
			r.LicenseArn = fmt.Sprintf("arn:lic-%d", i%3)
			r.Dimension = []string{"users", "admins"}[i%4/2]
			r.Allocations = nil
			switch i % 6 {
			case 1:
				r.Allocations = []meterd.UsageAllocation{{AllocatedUsageQuantity: int32(i), Tags: []meterd.Tag{
					{Key: "team", Value: "a"}, {Key: "env", Value: ""}}}, {AllocatedUsageQuantity: 1}}
			case 3: // a buyer's MeterUsage, counted under the calling account
				r.Operation, r.CustomerIdentifier, r.CustomerAWSAccountID, r.LicenseArn = meterd.OpMeterUsage, "", "", ""
				r.CallerAccountID = fmt.Sprintf("44444444444%d", i%2)
			case 5: // the seller's test
				r.Operation, r.CustomerIdentifier, r.CustomerAWSAccountID, r.LicenseArn = meterd.OpMeterUsage, "", "", ""
				r.Test = true
			}
		}))
	}
	recordOK(t, s, recs[:20]...)
	// The second batch repeats two records of the first with other ids:
	// stored once, they count once.
	dups := []*meterd.MeteringRecord{
		with(recs[3], func(r *meterd.MeteringRecord) { r.ID = "dup-3" }),
		with(recs[8], func(r *meterd.MeteringRecord) { r.ID, r.Quantity = "dup-8", 1000 }),
	}
	batch := append(append(append([]*meterd.MeteringRecord{}, recs[20:30]...), dups...), recs[30:]...)
	out, err := s.RecordUsage(t.Context(), batch)
	must(t, err)
	for i, o := range out {
		if dup := batch[i].ID[:3] == "dup"; o.Inserted == dup {
			t.Fatalf("record %q: outcome %+v", batch[i].ID, o)
		}
	}
}

// Sums read from rollups equal the sums of the records themselves, for
// periods and bounds on and off hour, day and month boundaries.
func testSumUsageRollupMatchesRecords(t *testing.T, s meterd.Store) {
	rollupLedger(t, s)
	april := time.Date(2025, time.April, 1, 0, 0, 0, 0, time.UTC)
	all := []string{meterd.GroupProduct, meterd.GroupCustomer, meterd.GroupDimension, meterd.GroupLicense}
	sums := []struct {
		name string
		sum  meterd.UsageSum
	}{
		{"month", meterd.UsageSum{Per: meterd.PerMonth}},
		{"month by everything", meterd.UsageSum{Per: meterd.PerMonth, By: all}},
		{"day by product and dimension", meterd.UsageSum{Per: meterd.PerDay,
			By: []string{meterd.GroupProduct, meterd.GroupDimension}}},
		{"hour by customer", meterd.UsageSum{Per: meterd.PerHour, By: []string{meterd.GroupCustomer}}},
		{"month from a day", meterd.UsageSum{Per: meterd.PerMonth, Query: meterd.UsageQuery{UsageSince: april}}},
		{"month from an hour", meterd.UsageSum{Per: meterd.PerMonth,
			Query: meterd.UsageQuery{UsageSince: rollupEdge.Add(time.Hour), UsageUntil: april.Add(time.Hour)}}},
		{"day until an hour", meterd.UsageSum{Per: meterd.PerDay, By: []string{meterd.GroupLicense},
			Query: meterd.UsageQuery{UsageUntil: rollupEdge.Add(time.Hour)}}},
		{"one product's customer", meterd.UsageSum{Per: meterd.PerDay,
			Query: meterd.UsageQuery{ProductCode: "prod-saas", Customer: "cust-1"}}},
		{"a MeterUsage caller", meterd.UsageSum{Per: meterd.PerHour, By: all,
			Query: meterd.UsageQuery{Customer: "444444444441"}}},
		{"real records", meterd.UsageSum{Per: meterd.PerMonth, By: all, Query: meterd.UsageQuery{Test: ptr(false)}}},
		{"test records", meterd.UsageSum{Per: meterd.PerDay, Query: meterd.UsageQuery{Test: ptr(true)}}},
		{"a license and dimension", meterd.UsageSum{Per: meterd.PerMonth,
			Query: meterd.UsageQuery{LicenseArn: "arn:lic-2", Dimension: "admins"}}},
		{"by tag", meterd.UsageSum{Per: meterd.PerDay, By: []string{meterd.GroupTag, meterd.GroupProduct}}},
		{"tag key", meterd.UsageSum{Per: meterd.PerMonth, By: []string{meterd.GroupCustomer},
			Query: meterd.UsageQuery{TagKey: "env"}}},
		{"tag value", meterd.UsageSum{Per: meterd.PerHour, Query: meterd.UsageQuery{TagKey: "team", TagValue: "a"}}},
		{"receipt times", meterd.UsageSum{Per: meterd.PerDay,
			Query: meterd.UsageQuery{ReceivedSince: rollupEdge.Add(time.Hour)}}},
	}
	for _, tt := range sums {
		t.Run(tt.name, func(t *testing.T) {
			agg := meterd.NewUsageAggregator(tt.sum)
			must(t, meterd.EachUsage(t.Context(), s, tt.sum.Query, func(r *meterd.MeteringRecord) error {
				agg.Add(r.Sent())
				return nil
			}))
			want := agg.Groups()
			if len(want) == 0 {
				t.Fatal("the fixture has no records for this sum")
			}
			got, err := s.SumUsage(t.Context(), tt.sum)
			must(t, err)
			if d := diff(got, want); d != "" {
				t.Errorf("groups%s\ngot  %+v\nwant %+v", d, got, want)
			}
		})
	}
}
