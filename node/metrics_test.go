package node

import (
	"bufio"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	credentialsv1 "github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"
)

func TestMetricsDisabledByDefault(t *testing.T) {
	n := mustRun(t, testConfig(t))
	resp, err := http.Get(n.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /metrics without --metrics: %s, want 404", resp.Status)
	}
}

// TestMetricsCountSDKCalls makes real SDK calls (aws-sdk-go-v2 metering,
// aws-sdk-go v1 entitlement) and checks that each moved its series, on a
// scrape without the admin token.
func TestMetricsCountSDKCalls(t *testing.T) {
	cfg := testConfig(t)
	cfg.Metrics = true
	n := mustRun(t, cfg)
	metering := marketplacemetering.New(marketplacemetering.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(n.URL()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	hour := time.Now().UTC().Truncate(time.Hour)
	meter := func(product string) error {
		_, err := metering.MeterUsage(t.Context(), &marketplacemetering.MeterUsageInput{
			ProductCode: aws.String(product), Timestamp: aws.Time(hour), UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1)})
		return err
	}
	for i, product := range []string{"demo-ami", "demo-ami"} { // the second is a duplicate
		if err := meter(product); err != nil {
			t.Fatalf("MeterUsage %d: %v", i, err)
		}
	}
	var invalid *types.InvalidProductCodeException
	if err := meter("no-such-product"); !errors.As(err, &invalid) {
		t.Fatalf("MeterUsage of an unknown product: %v, want InvalidProductCodeException", err)
	}
	sess := session.Must(session.NewSession(&awsv1.Config{
		Region: awsv1.String("us-east-1"), Endpoint: awsv1.String(n.URL()), MaxRetries: awsv1.Int(0),
		Credentials: credentialsv1.NewStaticCredentials("test", "test", ""),
	}))
	if _, err := marketplaceentitlementservice.New(sess).GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("demo-saas")}); err != nil {
		t.Fatalf("GetEntitlements: %v", err)
	}

	series, body := scrape(t, n.URL())
	tests := []struct {
		name   string
		series string
		want   float64 // -1: any positive value
	}{
		{"OK successes by operation", `meterd_api_requests_total{error_type="none",operation="MeterUsage",protocol="awsJson1_1"}`, 2},
		{"OK errors by type", `meterd_api_requests_total{error_type="InvalidProductCodeException",operation="MeterUsage",protocol="awsJson1_1"}`, 1},
		{"OK another service", `meterd_api_requests_total{error_type="none",operation="GetEntitlements",protocol="awsJson1_1"}`, 1},
		{"OK latency histogram", `meterd_api_request_duration_seconds_count{error_type="none",operation="MeterUsage"}`, 2},
		{"OK records written", `meterd_ledger_records_total{outcome="written"}`, 1},
		{"OK duplicate records", `meterd_ledger_records_total{outcome="duplicate"}`, 1},
		{"OK ledger writes timed", `meterd_ledger_write_duration_seconds_count`, 2},
		{"OK nothing left in flight", `meterd_ledger_writes_in_flight`, 0},
		{"OK group commits", `meterd_ledger_groups_total`, -1},
		{"OK operations in groups", `meterd_ledger_group_operations_total`, -1},
		{"OK queue empty", `meterd_ledger_queue_depth`, 0},
		{"OK group sizes observed", `meterd_ledger_group_size_count`, -1},
		{"OK commits timed", `meterd_ledger_commit_duration_seconds_count`, -1},
		{"OK seed load time", `meterd_seed_load_seconds{phase="apply"}`, -1},
		{"OK process memory", `process_resident_memory_bytes`, -1},
		{"OK connections", `meterd_http_connections`, -1},
		{"OK no audit event dropped", `meterd_audit_events_dropped_total`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := series[tt.series]
			switch {
			case !ok:
				t.Fatalf("no series %s", tt.series)
			case tt.want < 0 && got <= 0:
				t.Fatalf("%s = %v, want > 0", tt.series, got)
			case tt.want >= 0 && got != tt.want:
				t.Fatalf("%s = %v, want %v", tt.series, got, tt.want)
			}
		})
	}
	// No customer, account or key reaches a label.
	for _, secret := range []string{"demo-customer", "444455556666", "111122223333", `"test"`} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics shows %s", secret)
		}
	}
}

// scrape reads /metrics, without credentials, into series name{labels} →
// value, and returns the body too.
func scrape(t *testing.T, url string) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	series := make(map[string]float64)
	var body strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		body.WriteString(line + "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return series, body.String()
}
