package main

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
)

// TestMeterUsageDryRunOverHTTP drives DryRun through aws-sdk-go-v2: a DryRun
// that would succeed is a 200 with an empty MeterUsageResult, one that would
// fail gets its modeled error, and none of them touches the ledger. The
// steps share one server and run in order.
func TestMeterUsageDryRunOverHTTP(t *testing.T) {
	s := startServer(t, "")
	client := s.metering(buyerKey, testRegion)
	ts := time.Now().UTC()
	in := func(dimension string, quantity int32, dryRun bool) *marketplacemetering.MeterUsageInput {
		return &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-container"),
			UsageDimension: aws.String(dimension), UsageQuantity: aws.Int32(quantity), Timestamp: aws.Time(ts),
			DryRun: aws.Bool(dryRun), ClientToken: aws.String("dry-run-token")}
	}
	var dimensionErr *types.InvalidUsageDimensionException
	var duplicateErr *types.DuplicateRequestException
	steps := []struct {
		name    string
		in      *marketplacemetering.MeterUsageInput
		wantErr any // nil: success; a pointer to the modeled error type otherwise
		wantID  bool
	}{
		{"OK DryRun that would succeed", in("requests", 0, true), nil, false},
		{"ErrInvalidUsageDimension DryRun that would fail", in("nope", 0, true), &dimensionErr, false},
		{"OK real call after DryRuns, with the DryRun's token and another quantity", in("requests", 5, false), nil, true},
		{"OK DryRun of the hour already metered, same quantity", in("requests", 5, true), nil, false},
		{"OK DryRun of the hour already metered, another quantity", in("requests", 0, true), nil, false},
		{"ErrDuplicateRequest real call with another quantity", withNewToken(in("requests", 6, false)), &duplicateErr, false},
	}
	for _, st := range steps {
		out, err := client.MeterUsage(t.Context(), st.in)
		switch {
		case st.wantErr != nil:
			if err == nil || !errors.As(err, st.wantErr) {
				t.Fatalf("%s: err %v, want %T", st.name, err, st.wantErr)
			}
		case err != nil:
			t.Fatalf("%s: %v", st.name, err)
		case st.wantID != (out.MeteringRecordId != nil):
			t.Fatalf("%s: MeteringRecordId %v, want present=%v", st.name, aws.ToString(out.MeteringRecordId), st.wantID)
		}
	}
}

func withNewToken(in *marketplacemetering.MeterUsageInput) *marketplacemetering.MeterUsageInput {
	in.ClientToken = aws.String("another-token")
	return in
}

// TestMeterUsageDryRunWire pins the bytes: 200, body {}, the JSON content
// type and a request id; DryRunOperation/412 is gone.
func TestMeterUsageDryRunWire(t *testing.T) {
	s := startServer(t, "")
	body := meterUsageBody("demo-ami", "vcpu_hours", 1, time.Now().UTC())
	body["DryRun"] = true
	r := s.jsonCall(t, buyerKey, testRegion, meteringTarget+"MeterUsage", body)
	if r.Status != http.StatusOK || string(r.Body) != "{}" {
		t.Fatalf("DryRun answered %d %s, want 200 {}", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type %q", ct)
	}
	if r.Header.Get("X-Amzn-Requestid") == "" || r.Header.Get("X-Amzn-ErrorType") != "" {
		t.Errorf("headers %v: want a request id and no error type", r.Header)
	}
}
