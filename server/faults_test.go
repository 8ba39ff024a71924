package server_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/smithy-go"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// TestFaultErrors: a matching rule answers its error, as the Go SDK reads
// it, for as many calls as its count; a rule for another product, account
// or region leaves the call alone.
func TestFaultErrors(t *testing.T) {
	tests := []struct {
		name     string
		rule     sim.Rule
		wantCode string
		wantMsg  string
	}{
		{"ErrThrottling", sim.Rule{Error: meterd.EThrottling, Count: 1}, meterd.EThrottling, "Rate exceeded"},
		{"ErrInternalServiceError", sim.Rule{Operation: "MeterUsage", Error: meterd.EInternalServiceError, Count: 1},
			meterd.EInternalServiceError, meterd.InternalErrorMessage},
		{"ErrModeledErrorWithMessage", sim.Rule{Operation: "MeterUsage", Product: "demo-ami", Error: meterd.ECustomerNotEntitled,
			Message: "not today", Count: 1}, meterd.ECustomerNotEntitled, "not today"},
		{"ErrAccountAndRegion", sim.Rule{Account: "444455556666", Region: "us-east-1", Error: meterd.EThrottling, Count: 1},
			meterd.EThrottling, "Rate exceeded"},
		{"OK other product", sim.Rule{Product: "demo-saas", Error: meterd.EThrottling}, "", ""},
		{"OK other account", sim.Rule{Account: "111122223333", Error: meterd.EThrottling}, "", ""},
		{"OK other region", sim.Rule{Region: "eu-west-1", Error: meterd.EThrottling}, "", ""},
		{"OK probability never met", sim.Rule{Error: meterd.EThrottling, Probability: 1e-12}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSimServer(t)
			if _, err := s.Faults.Add(tt.rule); err != nil {
				t.Fatal(err)
			}
			c := meteringClient(serve(t, s), buyerCreds)
			wantAPIError(t, meterAMI(t, c), tt.wantCode, tt.wantMsg)
			// The rule fired once (or never): the next call is served.
			wantAPIError(t, meterAMI(t, c), "", "")
		})
	}
}

// TestFaultUnprocessed: the share a rule holds back comes back as
// UnprocessedRecords and is not stored, so sending it again stores it.
func TestFaultUnprocessed(t *testing.T) {
	s := newSimServer(t)
	if _, err := s.Faults.Add(sim.Rule{Operation: "BatchMeterUsage", Unprocessed: 0.5, Count: 1}); err != nil {
		t.Fatal(err)
	}
	c := meteringClient(serve(t, s), sellerCreds)
	hour := time.Now().UTC().Truncate(time.Hour)
	records := []types.UsageRecord{
		{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("users"), Quantity: aws.Int32(1), Timestamp: aws.Time(hour)},
		{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("users"), Quantity: aws.Int32(2), Timestamp: aws.Time(hour.Add(-time.Hour))},
	}
	out, err := c.BatchMeterUsage(t.Context(), &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String("demo-saas"), UsageRecords: records})
	if err != nil || len(out.Results) != 1 || len(out.UnprocessedRecords) != 1 {
		t.Fatalf("first batch: %+v, %v", out, err)
	}
	again, err := c.BatchMeterUsage(t.Context(), &marketplacemetering.BatchMeterUsageInput{ProductCode: aws.String("demo-saas"),
		UsageRecords: out.UnprocessedRecords})
	if err != nil || len(again.Results) != 1 || again.Results[0].Status != types.UsageRecordResultStatusSuccess ||
		aws.ToString(again.Results[0].MeteringRecordId) == aws.ToString(out.Results[0].MeteringRecordId) {
		t.Fatalf("unprocessed record sent again: %+v, %v", again, err)
	}
}

// TestFaultDrop: the client loses the answer, but the record is stored:
// the same call again gets the same MeteringRecordId.
func TestFaultDrop(t *testing.T) {
	s := newSimServer(t)
	if _, err := s.Faults.Add(sim.Rule{Operation: "MeterUsage", Drop: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	c := meteringClient(serve(t, s), buyerCreds)
	in := &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
		UsageQuantity: aws.Int32(3), Timestamp: aws.Time(time.Now().UTC().Truncate(time.Hour))}
	_, err := c.MeterUsage(t.Context(), in)
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("dropped call: %v, want a transport error", err)
	}
	first, err := c.MeterUsage(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.MeterUsage(t.Context(), in)
	if err != nil || aws.ToString(second.MeteringRecordId) != aws.ToString(first.MeteringRecordId) {
		t.Fatalf("ids %v and %v (%v)", first.MeteringRecordId, second.MeteringRecordId, err)
	}
}

// TestFaultLatency: an injected delay holds the answer back; a client
// that gives up first sees its own timeout.
func TestFaultLatency(t *testing.T) {
	s := newSimServer(t)
	if _, err := s.Faults.Add(sim.Rule{Operation: "MeterUsage", Latency: sim.Duration(sim.MaxLatency)}); err != nil {
		t.Fatal(err)
	}
	c := marketplacemetering.New(marketplacemetering.Options{Region: "us-east-1", BaseEndpoint: aws.String(serve(t, s)),
		Credentials: staticCreds(buyerCreds), RetryMaxAttempts: 1, HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}})
	err := meterAMI(t, c)
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("delayed call: %v, want the client's timeout", err)
	}
}
