package audit_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

// TestRecords turns the event of each kind of metering call, built as the
// server builds it, into its per-record outcomes.
func TestRecords(t *testing.T) {
	hour := epoch.Truncate(time.Hour)
	buyer := meterd.Caller{AccessKeyID: "AKIABUYER", AccountID: "444455556666", Region: "us-east-1"}
	seller := meterd.Caller{AccessKeyID: "AKIASELLER", AccountID: "111122223333", Region: "us-east-1"}
	q := func(n int32) *int32 { return &n }
	alloc := []meterd.UsageAllocation{{AllocatedUsageQuantity: 2, Tags: []meterd.Tag{{Key: "team", Value: "a"}}}}
	rec := func(c, d string, n int32) meterd.UsageRecord {
		return meterd.UsageRecord{Timestamp: hour, CustomerIdentifier: c, Dimension: d, Quantity: q(n)}
	}
	batchIn := &meterd.BatchMeterUsageRequest{ProductCode: "prod-1",
		UsageRecords: []meterd.UsageRecord{rec("c1", "users", 3), rec("c2", "users", 4), rec("c3", "users", 5)}}
	meter := &meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: hour, UsageDimension: "users",
		UsageQuantity: 2, UsageAllocations: alloc}
	type want struct {
		outcome  meterd.Outcome
		status   string
		id       string
		customer string
		quantity int64
	}
	tests := []struct {
		name    string
		op      string
		caller  meterd.Caller
		in, out any
		errCode string
		want    []want
		test    bool
		dryRun  bool
	}{
		{"OK MeterUsage accepted", meterd.OpMeterUsage, buyer, meter,
			&meterd.MeterUsageResult{MeteringRecordId: "rec-1"}, "",
			[]want{{meterd.OutcomeAccepted, "Success", "rec-1", "444455556666", 2}}, false, false},
		{"OK MeterUsage by the seller is a test", meterd.OpMeterUsage, seller, meter,
			&meterd.MeterUsageResult{MeteringRecordId: "rec-1"}, "",
			[]want{{meterd.OutcomeAccepted, "Success", "rec-1", "111122223333", 2}}, true, false},
		{"OK MeterUsage DryRun", meterd.OpMeterUsage, buyer,
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: hour, UsageDimension: "users", DryRun: true},
			&meterd.MeterUsageResult{}, "",
			[]want{{meterd.OutcomeAccepted, "Success", "", "444455556666", 0}}, false, true},
		{"OK MeterUsage duplicate", meterd.OpMeterUsage, buyer, meter, nil, meterd.EDuplicateRequest,
			[]want{{meterd.OutcomeDuplicate, meterd.EDuplicateRequest, "", "444455556666", 2}}, false, false},
		{"OK MeterUsage late", meterd.OpMeterUsage, buyer, meter, nil, meterd.ETimestampOutOfBounds,
			[]want{{meterd.OutcomeRejected, meterd.ETimestampOutOfBounds, "", "444455556666", 2}}, false, false},
		{"OK BatchMeterUsage statuses", meterd.OpBatchMeterUsage, seller, batchIn,
			&meterd.BatchMeterUsageResult{Results: []meterd.UsageRecordResult{
				{UsageRecord: &batchIn.UsageRecords[0], MeteringRecordId: "rec-1", Status: meterd.StatusSuccess},
				{UsageRecord: &batchIn.UsageRecords[1], MeteringRecordId: "rec-0", Status: meterd.StatusDuplicateRecord},
				{UsageRecord: &batchIn.UsageRecords[2], Status: meterd.StatusCustomerNotSubscribed}}}, "",
			[]want{{meterd.OutcomeAccepted, "Success", "rec-1", "c1", 3},
				{meterd.OutcomeDuplicate, "DuplicateRecord", "rec-0", "c2", 4},
				{meterd.OutcomeRejected, "CustomerNotSubscribed", "", "c3", 5}}, false, false},
		{"OK BatchMeterUsage unprocessed", meterd.OpBatchMeterUsage, seller, batchIn,
			&meterd.BatchMeterUsageResult{UnprocessedRecords: batchIn.UsageRecords[:1]}, "",
			[]want{{meterd.OutcomeRejected, audit.StatusUnprocessed, "", "c1", 3}}, false, false},
		{"OK BatchMeterUsage failed as a whole", meterd.OpBatchMeterUsage, seller, batchIn, nil,
			meterd.EInvalidUsageDimension,
			[]want{{meterd.OutcomeRejected, meterd.EInvalidUsageDimension, "", "c1", 3},
				{meterd.OutcomeRejected, meterd.EInvalidUsageDimension, "", "c2", 4},
				{meterd.OutcomeRejected, meterd.EInvalidUsageDimension, "", "c3", 5}}, false, false},
		{"OK a call that did not decode names no record", meterd.OpBatchMeterUsage, seller, nil, nil,
			meterd.ESerialization, nil, false, false},
		{"OK another operation names no record", meterd.OpRegisterUsage, seller,
			&meterd.RegisterUsageRequest{ProductCode: "prod-1"}, &meterd.RegisterUsageResult{}, "", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &meterd.AuditEvent{EventName: tt.op, EventTime: epoch, EventID: "evt-1", RequestID: "req-1",
				AWSRegion: "us-east-1", ErrorCode: tt.errCode, UserIdentity: audit.Identity(tt.caller, true)}
			audit.Describe(e, tt.caller, tt.in, tt.out)
			recs, err := audit.Records(e, seller.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for i, r := range recs {
				got = append(got, want{r.Outcome, r.Status, r.MeteringRecordID, r.Customer(), r.Quantity})
				if r.Index != i || r.EventID != "evt-1" || r.RequestID != "req-1" || r.ProductCode != "prod-1" ||
					r.Dimension != "users" || !r.Timestamp.Equal(hour) || !r.CallTime.Equal(epoch) ||
					r.Operation != tt.op || r.ErrorCode != tt.errCode || r.Test != tt.test || r.DryRun != tt.dryRun {
					t.Errorf("record %d: %+v", i, r)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("outcomes:\ngot  %+v\nwant %+v", got, tt.want)
			}
			if tt.op == meterd.OpMeterUsage && !tt.dryRun && !reflect.DeepEqual(recs[0].Allocations, alloc) {
				t.Errorf("allocations %+v, want %+v", recs[0].Allocations, alloc)
			}
		})
	}
}

// TestEachSent lists the records of one product's calls in a time range
// from a real audit store, newest call first, across pages.
func TestEachSent(t *testing.T) {
	ctx := context.Background()
	_, store := startLog(t, audit.Config{})
	caller := meterd.Caller{AccessKeyID: "AKIASELLER", AccountID: "111122223333", Region: "us-east-1"}
	var events []*meterd.AuditEvent
	for i := range 1500 { // more than one page of FindAuditEvents
		product := "prod-1"
		if i%3 == 0 {
			product = "prod-2"
		}
		n := int32(i)
		in := &meterd.BatchMeterUsageRequest{ProductCode: product, UsageRecords: []meterd.UsageRecord{
			{Timestamp: epoch, CustomerIdentifier: "c1", Dimension: "users", Quantity: &n}}}
		e := &meterd.AuditEvent{EventName: meterd.OpBatchMeterUsage, EventTime: epoch.Add(time.Duration(i) * time.Second),
			EventID: "evt", ErrorCode: meterd.EThrottling}
		audit.Describe(e, caller, in, nil)
		events = append(events, e)
	}
	events = append(events, &meterd.AuditEvent{EventName: meterd.OpGetEntitlements, ProductCode: "prod-1", EventTime: epoch})
	if err := store.AppendAudit(ctx, events); err != nil {
		t.Fatal(err)
	}
	var quantities []int64
	err := audit.EachSent(ctx, store, nil, meterd.SentFilter{ProductCode: "prod-1", Since: epoch.Add(10 * time.Second),
		Until: epoch.Add(1400 * time.Second)}, func(r *meterd.SentRecord) error {
		quantities = append(quantities, r.Quantity)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for i := 1399; i >= 10; i-- {
		if i%3 != 0 {
			want = append(want, int64(i))
		}
	}
	if !reflect.DeepEqual(quantities, want) {
		t.Errorf("got %d records %v..., want %d", len(quantities), quantities[:min(5, len(quantities))], len(want))
	}
}
