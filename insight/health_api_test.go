package insight_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd/insight"
	"github.com/meterd/meterd/meterdtest"
)

// TestHealthAfterUnsubscribe: an SDK client meters demo-ami every hour but
// one, the buyer is unsubscribed midway and the job is cut off. Through
// the admin API, the skipped hour is missed and the hours after the
// cut-off are not: the subscription's history comes from its lifecycle
// events, not from its current status (unsubscribed).
func TestHealthAfterUnsubscribe(t *testing.T) {
	ctx := t.Context()
	s := meterdtest.Start(t)
	admin := s.Admin()
	day := time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)
	hour := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
	client := marketplacemetering.New(marketplacemetering.Options{BaseEndpoint: aws.String(s.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(s.Buyer.AccessKeyID, s.Buyer.SecretAccessKey, "")})
	meter := func(at time.Time) error {
		if _, err := admin.SetClock(ctx, at, true); err != nil {
			t.Fatal(err)
		}
		_, err := client.MeterUsage(ctx, &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"),
			UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1), Timestamp: aws.Time(at)})
		return err
	}
	for _, h := range []int{0, 1, 3, 4} { // hour 2 is skipped
		if err := meter(hour(h).Add(30 * time.Minute)); err != nil {
			t.Fatalf("MeterUsage at hour %d: %v", h, err)
		}
	}
	subs, err := admin.ListSubscriptions(ctx, "demo-ami", "demo-customer")
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions %+v, %v; want demo-customer's one", subs, err)
	}
	if _, err := admin.Unsubscribe(ctx, subs[0].LicenseArn); err != nil { // at 04:30: metered until 05:30
		t.Fatal(err)
	}
	if err := meter(hour(5).Add(10 * time.Minute)); err != nil {
		t.Fatalf("MeterUsage in the final hour: %v", err)
	}
	if err := meter(hour(9).Add(30 * time.Minute)); err == nil {
		t.Fatal("MeterUsage after the cut-off was accepted")
	}
	waitUnsubscribed(t, s, subs[0].LicenseArn)

	h, err := admin.Health(ctx, insight.HealthQuery{ProductCode: "demo-ami", Customer: "demo-customer", Since: hour(0), Until: hour(9)})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Products) != 1 || len(h.Products[0].Customers) != 1 || len(h.Products[0].Customers[0].Dimensions) != 1 {
		t.Fatalf("report %+v, want one customer of one product with one dimension", h)
	}
	c := h.Products[0].Customers[0]
	d := c.Dimensions[0]
	runs := func(from, until int) []insight.HourRange {
		return []insight.HourRange{{From: hour(from), Until: hour(until)}}
	}
	if c.MeteredHours != 5 || !reflect.DeepEqual(c.Subscribed, runs(0, 5)) {
		t.Errorf("metered %d hours %v, want 5: hours 0 to 5", c.MeteredHours, c.Subscribed)
	}
	if c.MissingHours != 1 || !reflect.DeepEqual(d.Missing, runs(2, 3)) {
		t.Errorf("missing %d hours %v, want hour 2 only (not the hours after the cut-off)", c.MissingHours, d.Missing)
	}
	wantRecorded := []insight.HourRange{{From: hour(0), Until: hour(2)}, {From: hour(3), Until: hour(6)}}
	if d.Records != 5 || !reflect.DeepEqual(d.Recorded, wantRecorded) || d.NotMeteredHours != 0 || c.OK {
		t.Errorf("dimension %+v, ok %v; want 5 records in hours 0-1 and 3-5, nothing not metered, not OK", d, c.OK)
	}
}

// waitUnsubscribed waits for the life cycle to complete the pending
// unsubscribe (it looks every second of wall time).
func waitUnsubscribed(t *testing.T, s *meterdtest.Server, licenseArn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		subs, err := s.Admin().ListSubscriptions(ctx, "demo-ami", "demo-customer")
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range subs {
			if sub.LicenseArn == licenseArn && sub.Status == "unsubscribed" {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("license %s is still %s", licenseArn, subs[0].Status)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
