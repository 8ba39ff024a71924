package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
)

// sampleRun is what testdata/container-sample/startup.py prints.
type sampleRun struct {
	State struct {
		Type    string   `json:"type"`
		Details []string `json:"details"`
	} `json:"state"`
	Pending map[string]int `json:"pending"`
	Calls   []struct {
		DryRun           bool    `json:"DryRun"`
		UsageQuantity    int     `json:"UsageQuantity"`
		Timestamp        float64 `json:"Timestamp"`
		Status           int     `json:"status"`
		Error            string  `json:"error"`
		MeteringRecordID string  `json:"MeteringRecordId"`
	} `json:"calls"`
}

// TestContainerSampleStartUp runs the start-up path of AWS's metered
// container sample (aws-samples/aws-marketplace-metered-container-product,
// app/marketplace.py, unmodified) against meterd with boto3. It needs the
// sample's app directory in METERD_CONTAINER_SAMPLE, since its code is not
// part of meterd, and is skipped without it.
func TestContainerSampleStartUp(t *testing.T) {
	dir := os.Getenv("METERD_CONTAINER_SAMPLE")
	if dir == "" {
		t.Skip("METERD_CONTAINER_SAMPLE (the sample's app/ directory) not set")
	}
	if _, err := os.Stat(filepath.Join(dir, "marketplace.py")); err != nil {
		t.Fatalf("METERD_CONTAINER_SAMPLE: %v", err)
	}
	requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t, "")

	first := runSample(t, s, dir, "demo-container", 5)
	wantSampleCalls(t, "first start", first, "", "DryRun 200", "MeterUsage 200")
	if first.Pending["requests"] != 0 || first.Calls[1].MeteringRecordID == "" {
		t.Errorf("first start: pending %v, record id %q: the usage was not metered", first.Pending, first.Calls[1].MeteringRecordID)
	}
	// A container restarted within the hour it metered starts again: its
	// DryRun (quantity 0) does not collide with the hour's record.
	restart := runSample(t, s, dir, "demo-container", 0)
	wantSampleCalls(t, "restart", restart, "", "DryRun 200")
	// The sample refuses to start when its DryRun fails.
	wrong := runSample(t, s, dir, "no-such-product", 0)
	wantSampleCalls(t, "unknown product", wrong, "init", "DryRun 400")
	if len(wrong.State.Details) != 1 || !strings.HasPrefix(wrong.State.Details[0], "InvalidProductCodeException: ") {
		t.Errorf("unknown product: details %q", wrong.State.Details)
	}

	// The record is in the ledger: the same hour with another quantity is a duplicate.
	at := time.Unix(int64(first.Calls[1].Timestamp), 0)
	_, err := s.metering(buyerKey, testRegion).MeterUsage(t.Context(), &marketplacemetering.MeterUsageInput{
		ProductCode: aws.String("demo-container"), UsageDimension: aws.String("requests"),
		UsageQuantity: aws.Int32(6), Timestamp: aws.Time(at)})
	var dup *types.DuplicateRequestException
	if !errors.As(err, &dup) {
		t.Errorf("other quantity for the sample's hour: %v, want DuplicateRequestException", err)
	}
}

// runSample runs the sample's start-up once, as a new container would.
func runSample(t *testing.T, s *testServer, dir, product string, pending int) sampleRun {
	t.Helper()
	cmd := exec.Command("python3", "testdata/container-sample/startup.py", dir, product, "requests", strconv.Itoa(pending))
	cmd.Env = append(isolatedAWSEnv("buyer", "buyer"), "AWS_ENDPOINT_URL_MARKETPLACE_METERING="+s.URL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var run sampleRun
	if err == nil {
		err = json.Unmarshal(out, &run)
	}
	if err != nil {
		t.Fatalf("sample: %v\n%s%s", err, out, stderr.String())
	}
	return run
}

// wantSampleCalls checks the sample's state type and its MeterUsage calls,
// each written "DryRun 200" or "MeterUsage 200".
func wantSampleCalls(t *testing.T, name string, run sampleRun, state string, calls ...string) {
	t.Helper()
	var got []string
	for _, c := range run.Calls {
		kind := "MeterUsage"
		if c.DryRun {
			kind = "DryRun"
		}
		got = append(got, kind+" "+strconv.Itoa(c.Status))
	}
	if run.State.Type != state || strings.Join(got, ", ") != strings.Join(calls, ", ") {
		t.Fatalf("%s: state %q %q, calls %v; want state %q, calls %v", name, run.State.Type, run.State.Details, got, state, calls)
	}
}
