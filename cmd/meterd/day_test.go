package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/node"
)

// daySeed is the catalog of the "day with mistakes": a SaaS product with
// a priced and an unpriced dimension, and four customers: a and b
// subscribed all day, c unsubscribed (never metered), d whose license
// starts at noon.
const daySeed = `
accounts:
  - id: "111122223333"
    access_keys: [{id: test, secret: test}]
products:
  - code: day-saas
    seller: "111122223333"
    type: SaaS
    dimensions:
      - {name: api_calls, unit_price: 0.012}
      - {name: users}
customers:
  - {identifier: cust-a, aws_account_id: "444455556661"}
  - {identifier: cust-b, aws_account_id: "444455556662"}
  - {identifier: cust-c, aws_account_id: "444455556663"}
  - {identifier: cust-d, aws_account_id: "444455556664"}
subscriptions:
  - {product: day-saas, customer: cust-a, license_arn: "arn:aws:license-manager::444455556661:license:l-a"}
  - {product: day-saas, customer: cust-b, license_arn: "arn:aws:license-manager::444455556662:license:l-b"}
  - {product: day-saas, customer: cust-c, license_arn: "arn:aws:license-manager::444455556663:license:l-c", status: unsubscribed}
  - {product: day-saas, customer: cust-d, license_arn: "arn:aws:license-manager::444455556664:license:l-d", license_start: "2026-12-01T12:00:00Z"}
`

// dayStart is the first hour of the day metered.
var dayStart = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

// Quantities of every hourly record of the day.
const (
	dayAPICalls = 100
	dayUsers    = 3
)

// meterDay runs a day of hourly BatchMeterUsage calls through the real
// API with the simulated clock, each hour's records sent five minutes
// after the hour ends, with these mistakes:
//   - cust-a sends no api_calls record for 05:00, 06:00 and 07:00;
//   - cust-a's users record of 09:00 is sent with 13:00's, five hours after
//     its hour began (late);
//   - cust-b sends no users record for 12:00;
//   - cust-d meters from noon, when its license starts;
//
// and these calls AWS would reject (mistakes), besides the hourly ones:
//   - 16:05, cust-a resends api_calls of 14:00 with quantity 999
//     (DuplicateRecord);
//   - 17:05, cust-c, unsubscribed, sends api_calls of 16:00
//     (CustomerNotSubscribed);
//   - 19:05, cust-b sends an unknown dimension "storage"
//     (InvalidUsageDimensionException);
//   - 21:05, cust-b sends api_calls stamped 23:00, ahead of the clock
//     (TimestampOutOfBoundsException);
//   - 22:05, cust-b sends api_calls of 21:00 allocated 5 of 100
//     (InvalidUsageAllocationsException).
//
// The clock is left at 00:05 the next day, so the whole day is complete,
// and the test waits until the audit trail holds every call.
func meterDay(t *testing.T) *testServer {
	t.Helper()
	s := startDay(t)
	ctx := context.Background()
	for h := range 24 {
		hour := dayStart.Add(time.Duration(h) * time.Hour)
		if _, err := s.admin().SetClock(ctx, hour.Add(time.Hour+5*time.Minute), true); err != nil {
			t.Fatal(err)
		}
		s.meterHour(t, h, hour)
		if m, ok := dayMistakes()[h]; ok {
			s.sendMistake(t, h, m)
		}
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := s.admin().WaitCalls(waitCtx, audit.CallQuery{Filter: meterd.AuditFilter{EventName: meterd.OpBatchMeterUsage},
		Min: 24 + len(dayMistakes())}); err != nil {
		t.Fatal(err)
	}
	return s
}

// mistake is a call AWS would refuse, or a record of it.
type mistake struct {
	record  types.UsageRecord
	wantErr string // the error of the call; "" for a per-record status
	status  types.UsageRecordResultStatus
}

// dayMistakes are the mistakes by the hour of the loop that sends them
// (at the next hour and five minutes).
func dayMistakes() map[int]mistake {
	rec := func(customer, dimension string, at time.Time, qty int32, allocs ...types.UsageAllocation) types.UsageRecord {
		return types.UsageRecord{CustomerIdentifier: aws.String(customer), Dimension: aws.String(dimension),
			Quantity: aws.Int32(qty), Timestamp: aws.Time(at), UsageAllocations: allocs}
	}
	at := func(h int) time.Time { return dayStart.Add(time.Duration(h) * time.Hour) }
	return map[int]mistake{
		15: {record: rec("cust-a", "api_calls", at(14), 999), status: types.UsageRecordResultStatusDuplicateRecord},
		16: {record: rec("cust-c", "api_calls", at(16), dayAPICalls), status: types.UsageRecordResultStatusCustomerNotSubscribed},
		18: {record: rec("cust-b", "storage", at(18), 1), wantErr: meterd.EInvalidUsageDimension},
		20: {record: rec("cust-b", "api_calls", at(23), dayAPICalls), wantErr: meterd.ETimestampOutOfBounds},
		21: {record: rec("cust-b", "api_calls", at(21), dayAPICalls, types.UsageAllocation{AllocatedUsageQuantity: aws.Int32(5)}),
			wantErr: meterd.EInvalidUsageAllocations},
	}
}

// sendMistake sends m alone and checks that it is refused as planned.
func (s *testServer) sendMistake(t *testing.T, h int, m mistake) {
	t.Helper()
	out, err := s.metering(sellerKey, testRegion).BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("day-saas"), UsageRecords: []types.UsageRecord{m.record}})
	if m.wantErr != "" {
		if !strings.Contains(fmt.Sprint(err), m.wantErr) {
			t.Fatalf("hour %d: mistake answered %v, want %s", h, err, m.wantErr)
		}
		return
	}
	if err != nil || len(out.Results) != 1 || out.Results[0].Status != m.status {
		t.Fatalf("hour %d: mistake answered %+v, %v; want %s", h, out, err, m.status)
	}
}

// startDay starts a meterd with daySeed.
func startDay(t *testing.T) *testServer {
	t.Helper()
	// Quotas off: a day of calls in a second is not what they guard.
	return startServer(t, writeSeed(t, daySeed), func(c *node.Config) { c.Throttle = false })
}

// meterHour sends the hourly records of hour h, all of which must succeed.
func (s *testServer) meterHour(t *testing.T, h int, hour time.Time) {
	t.Helper()
	var recs []types.UsageRecord
	add := func(customer, dimension string, at time.Time, qty int32) {
		recs = append(recs, types.UsageRecord{CustomerIdentifier: aws.String(customer), Dimension: aws.String(dimension),
			Quantity: aws.Int32(qty), Timestamp: aws.Time(at)})
	}
	for _, c := range []string{"cust-a", "cust-b", "cust-d"} {
		if c == "cust-d" && h < 12 {
			continue
		}
		if !(c == "cust-a" && h >= 5 && h <= 7) {
			add(c, "api_calls", hour, dayAPICalls)
		}
		if !(c == "cust-b" && h == 12) && !(c == "cust-a" && h == 9) {
			add(c, "users", hour, dayUsers)
		}
	}
	if h == 13 {
		add("cust-a", "users", dayStart.Add(9*time.Hour), dayUsers)
	}
	out, err := s.metering(sellerKey, testRegion).BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("day-saas"), UsageRecords: recs})
	if err != nil {
		t.Fatalf("hour %d: %v", h, err)
	}
	for _, r := range out.Results {
		if r.Status != types.UsageRecordResultStatusSuccess {
			t.Fatalf("hour %d: record %s/%s: %s", h, *r.UsageRecord.CustomerIdentifier, *r.UsageRecord.Dimension, r.Status)
		}
	}
}
