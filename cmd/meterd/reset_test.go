package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/node"
)

// TestResetCommand: `meterd reset` against a whole meterd, with and
// without --allow-reset.
func TestResetCommand(t *testing.T) {
	tests := []struct {
		name     string
		allow    bool
		wantCode string
		wantText string
	}{
		{"OK with --allow-reset", true, "",
			"METERING RECORDS  CLIENT TOKENS  REGISTRATION TOKENS  TASK REGISTRATIONS  EVENTS  DELIVERIES  ATTEMPTS  AUDIT EVENTS\n1 "},
		{"ErrConflict without --allow-reset", false, meterd.EConflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, "", func(c *node.Config) { c.AllowReset = tt.allow })
			_, err := s.metering(buyerKey, testRegion).MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
				ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
				UsageQuantity: aws.Int32(1), Timestamp: aws.Time(time.Now().Add(-time.Minute)),
			})
			if err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
			var out bytes.Buffer
			err = run(context.Background(), []string{"reset"}, &out, io.Discard, func(k string) string { return env[k] })
			if code := meterd.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("reset: %v (code %q), want code %q", err, code, tt.wantCode)
			}
			if !strings.HasPrefix(out.String(), tt.wantText) {
				t.Errorf("output %q, want it to start with %q", out.String(), tt.wantText)
			}
		})
	}
}
