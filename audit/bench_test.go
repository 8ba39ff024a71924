package audit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

// BenchmarkDescribe measures the audit writer's JSON work for the largest
// common call, a BatchMeterUsage of 25 records and its answer.
func BenchmarkDescribe(b *testing.B) {
	hour := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	q := int32(1)
	in := &meterd.BatchMeterUsageRequest{ProductCode: "prod-1"}
	out := &meterd.BatchMeterUsageResult{}
	for i := range 25 {
		r := meterd.UsageRecord{Timestamp: hour, CustomerIdentifier: fmt.Sprintf("cust-%d", i), Dimension: "users", Quantity: &q}
		in.UsageRecords = append(in.UsageRecords, r)
		out.Results = append(out.Results, meterd.UsageRecordResult{UsageRecord: &r, MeteringRecordId: "id", Status: meterd.StatusSuccess})
	}
	caller := meterd.Caller{AccessKeyID: "AKIA1", AccountID: "111122223333", Region: "us-east-1"}
	for b.Loop() {
		e := &meterd.AuditEvent{EventName: "BatchMeterUsage"}
		e.UserIdentity = audit.Identity(caller, true)
		audit.Describe(e, caller, in, out)
	}
}
