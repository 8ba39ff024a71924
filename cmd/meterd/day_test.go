package main

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

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
//   - cust-d meters from noon, when its license starts.
//
// The clock is left at 00:05 the next day, so the whole day is complete.
func meterDay(t *testing.T) *testServer {
	t.Helper()
	// Quotas off: a day of calls in a second is not what they guard.
	s := startServer(t, writeSeed(t, daySeed), func(c *node.Config) { c.Throttle = false })
	ctx := context.Background()
	client := s.metering(sellerKey, testRegion)
	for h := range 24 {
		hour := dayStart.Add(time.Duration(h) * time.Hour)
		if _, err := s.admin().SetClock(ctx, hour.Add(time.Hour+5*time.Minute), true); err != nil {
			t.Fatal(err)
		}
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
		out, err := client.BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{
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
	return s
}
