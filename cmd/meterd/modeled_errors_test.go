package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/server"
)

const (
	meteringTarget    = "AWSMPMeteringService."
	entitlementTarget = "AWSMPEntitlementService."
	errorsSeed        = "testdata/errors-seed.yaml"
)

var (
	lapsedKey   = aws.Credentials{AccessKeyID: "lapsed", SecretAccessKey: "lapsed"}
	euTaskKey   = aws.Credentials{AccessKeyID: "buyer-eu-task", SecretAccessKey: "buyer-eu-task"}
	ec2Key      = aws.Credentials{AccessKeyID: "buyer-ec2", SecretAccessKey: "buyer-ec2"}
	otherKey    = aws.Credentials{AccessKeyID: "other", SecretAccessKey: "other"}
	custALicAMI = "arn:aws:license-manager::444455556666:license:l-amia"
)

// apiCall is one signed AWS JSON 1.1 call.
type apiCall struct {
	creds  aws.Credentials
	region string
	op     string // e.g. "AWSMPMeteringService.MeterUsage"
	body   map[string]any
}

func (c apiCall) send(t *testing.T, s *testServer) rawResponse {
	t.Helper()
	region := c.region
	if region == "" {
		region = testRegion
	}
	return s.jsonCall(t, c.creds, region, c.op, c.body)
}

func meterUsageBody(product, dimension string, quantity int, ts time.Time) map[string]any {
	return map[string]any{"ProductCode": product, "UsageDimension": dimension,
		"UsageQuantity": quantity, "Timestamp": ts.Unix()}
}

// modeledErrorCase is a call that gets a modeled exception, after setup.
type modeledErrorCase struct {
	name   string
	setup  []apiCall
	call   apiCall
	want   string
	status int
}

// TestModeledErrors reaches every modeled exception of both services over
// the wire with the status, headers and body AWS sends.
func TestModeledErrors(t *testing.T) {
	s := startServer(t, errorsSeed)
	expired := s.mintToken(t, "saas", "cust-a", -time.Second)
	for _, tt := range modeledErrorCases(time.Now().UTC(), expired) {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range tt.setup {
				if r := c.send(t, s); r.Status != http.StatusOK {
					t.Fatalf("setup %s: %d %s", c.op, r.Status, r.Body)
				}
			}
			r := tt.call.send(t, s)
			assertAWSError(t, r, tt.status, tt.want)
		})
	}
}

// modeledErrorCases needs the time and an expired registration token.
func modeledErrorCases(now time.Time, expiredToken string) []modeledErrorCase {
	expired := expiredToken
	return []modeledErrorCase{
		{
			name: "CustomerNotEntitledException: lapsed buyer meters an AMI",
			call: apiCall{creds: lapsedKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "hours", 1, now)},
			want: "CustomerNotEntitledException", status: http.StatusBadRequest,
		},
		{
			name: "DisabledApiException: BatchMeterUsage in GovCloud",
			call: apiCall{creds: sellerKey, region: "us-gov-west-1", op: meteringTarget + "BatchMeterUsage",
				body: map[string]any{"ProductCode": "saas", "UsageRecords": []any{}}},
			want: "DisabledApiException", status: http.StatusBadRequest,
		},
		{
			name:  "DuplicateRequestException: same hour, other quantity",
			setup: []apiCall{{creds: buyerKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "hours", 1, now)}},
			call:  apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "hours", 2, now)},
			want:  "DuplicateRequestException", status: http.StatusBadRequest,
		},
		{
			name: "ExpiredTokenException: registration token past its 4 hours",
			call: apiCall{creds: sellerKey, op: meteringTarget + "ResolveCustomer", body: map[string]any{"RegistrationToken": expired}},
			want: "ExpiredTokenException", status: http.StatusBadRequest,
		},
		{
			name: "IdempotencyConflictException: ClientToken reused with other parameters",
			setup: []apiCall{{creds: buyerKey, op: meteringTarget + "MeterUsage",
				body: withToken(meterUsageBody("box", "requests", 1, now), "token-1")}},
			call: apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage",
				body: withToken(meterUsageBody("box", "requests", 7, now.Add(-2*time.Hour)), "token-1")},
			want: "IdempotencyConflictException", status: http.StatusConflict,
		},
		{
			name: "InvalidCustomerIdentifierException: unknown customer",
			call: apiCall{creds: sellerKey, op: meteringTarget + "BatchMeterUsage", body: map[string]any{"ProductCode": "saas",
				"UsageRecords": []any{map[string]any{"CustomerIdentifier": "nobody", "Dimension": "users", "Quantity": 1, "Timestamp": now.Unix()}}}},
			want: "InvalidCustomerIdentifierException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidEndpointRegionException: task in eu-west-1 meters in us-east-1",
			call: apiCall{creds: euTaskKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("box", "requests", 1, now)},
			want: "InvalidEndpointRegionException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidLicenseException: license of another product",
			call: apiCall{creds: sellerKey, op: meteringTarget + "BatchMeterUsage", body: map[string]any{"ProductCode": "saas",
				"UsageRecords": []any{map[string]any{"CustomerAWSAccountId": "444455556666", "LicenseArn": custALicAMI,
					"Dimension": "users", "Quantity": 1, "Timestamp": now.Unix()}}}},
			want: "InvalidLicenseException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidProductCodeException: unknown product",
			call: apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("nope", "hours", 1, now)},
			want: "InvalidProductCodeException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidPublicKeyVersionException: version 99",
			call: apiCall{creds: buyerKey, op: meteringTarget + "RegisterUsage",
				body: map[string]any{"ProductCode": "box", "PublicKeyVersion": 99}},
			want: "InvalidPublicKeyVersionException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidRegionException: task in eu-west-1 registers in us-east-1",
			call: apiCall{creds: euTaskKey, op: meteringTarget + "RegisterUsage",
				body: map[string]any{"ProductCode": "box", "PublicKeyVersion": 1}},
			want: "InvalidRegionException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidTagException: six tag keys",
			call: apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage", body: withAllocations(meterUsageBody("ami", "hours", 6, now),
				allocation(1, "k1"), allocation(1, "k2"), allocation(1, "k3"), allocation(1, "k4"), allocation(1, "k5"), allocation(1, "k6"))},
			want: "InvalidTagException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidTokenException: garbage token",
			call: apiCall{creds: sellerKey, op: meteringTarget + "ResolveCustomer", body: map[string]any{"RegistrationToken": "garbage"}},
			want: "InvalidTokenException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidUsageAllocationsException: allocations do not add up",
			call: apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage", body: withAllocations(meterUsageBody("ami", "hours", 5, now),
				allocation(3, "team"))},
			want: "InvalidUsageAllocationsException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidUsageDimensionException: unknown dimension",
			call: apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "Hours", 1, now)},
			want: "InvalidUsageDimensionException", status: http.StatusBadRequest,
		},
		{
			name: "PlatformNotSupportedException: RegisterUsage from EC2",
			call: apiCall{creds: ec2Key, op: meteringTarget + "RegisterUsage",
				body: map[string]any{"ProductCode": "box", "PublicKeyVersion": 1}},
			want: "PlatformNotSupportedException", status: http.StatusBadRequest,
		},
		{
			name: "TimestampOutOfBoundsException: seven hours old",
			call: apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "hours", 1, now.Add(-7*time.Hour))},
			want: "TimestampOutOfBoundsException", status: http.StatusBadRequest,
		},
		{
			name: "InvalidParameterException: another seller's product",
			call: apiCall{creds: sellerKey, op: entitlementTarget + "GetEntitlements", body: map[string]any{"ProductCode": "other-saas"}},
			want: "InvalidParameterException", status: http.StatusBadRequest,
		},
	}
}

// assertAWSError checks an AWS JSON error answer: status, __type, the
// X-Amzn-ErrorType header and a request id.
func assertAWSError(t *testing.T, r rawResponse, status int, code string) {
	t.Helper()
	got, msg := r.errorType(t)
	if r.Status != status || got != code {
		t.Fatalf("got %d %s (%s), want %d %s", r.Status, got, msg, status, code)
	}
	if h := r.Header.Get("X-Amzn-ErrorType"); h != code {
		t.Errorf("X-Amzn-ErrorType = %q, want %q", h, code)
	}
	if r.Header.Get("X-Amzn-Requestid") == "" {
		t.Error("no x-amzn-RequestId header")
	}
	if msg == "" {
		t.Error("empty message")
	}
}

func withToken(body map[string]any, token string) map[string]any {
	body["ClientToken"] = token
	return body
}

func withAllocations(body map[string]any, allocations ...map[string]any) map[string]any {
	body["UsageAllocations"] = allocations
	return body
}

func allocation(quantity int, tagKeys ...string) map[string]any {
	tags := make([]any, len(tagKeys))
	for i, k := range tagKeys {
		tags[i] = map[string]any{"Key": k, "Value": fmt.Sprint("v", i)}
	}
	return map[string]any{"AllocatedUsageQuantity": quantity, "Tags": tags}
}

// TestEveryModeledErrorIsTested fails when the model gains an exception no
// test above reaches.
func TestEveryModeledErrorIsTested(t *testing.T) {
	reached := map[string]bool{
		// TestThrottling and TestInternalServiceError reach these.
		meterd.EThrottling: true, meterd.EInternalServiceError: true,
	}
	for _, c := range modeledErrorCases(time.Now(), "") {
		reached[c.want] = true
	}
	for _, service := range []string{"AWSMPMeteringService", "AWSMPEntitlementService"} {
		for _, name := range awsproto.ModeledErrors(service) {
			if !reached[name] {
				t.Errorf("%s: modeled error %s is reached by no test", service, name)
			}
		}
	}
}

// TestThrottling shows ThrottlingException on both services once an
// account's quota is used up, and that accounts have separate quotas.
func TestThrottling(t *testing.T) {
	oneCall := server.Quota{Rate: 1e-9, Burst: 1}
	s := startServer(t, errorsSeed, func(c *node.Config) {
		c.Quotas = map[string]server.Quota{"MeterUsage": oneCall, "GetEntitlements": oneCall}
	})
	now := time.Now().UTC()
	meter := apiCall{creds: buyerKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "hours", 1, now)}
	entitlements := apiCall{creds: sellerKey, op: entitlementTarget + "GetEntitlements", body: map[string]any{"ProductCode": "saas"}}
	for _, c := range []apiCall{meter, entitlements} {
		if r := c.send(t, s); r.Status != http.StatusOK {
			t.Fatalf("first %s: %d %s", c.op, r.Status, r.Body)
		}
		assertAWSError(t, c.send(t, s), http.StatusBadRequest, meterd.EThrottling)
	}
	other := apiCall{creds: lapsedKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "hours", 1, now)}
	assertAWSError(t, other.send(t, s), http.StatusBadRequest, meterd.ECustomerNotEntitled)
}

// TestInternalServiceError shows that a ledger failure is a 500
// InternalServiceErrorException on both services, without details.
func TestInternalServiceError(t *testing.T) {
	s := startServer(t, errorsSeed)
	if err := s.Node.Store().Close(); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, c := range []apiCall{
		{creds: buyerKey, op: meteringTarget + "MeterUsage", body: meterUsageBody("ami", "hours", 1, now)},
		{creds: sellerKey, op: entitlementTarget + "GetEntitlements", body: map[string]any{"ProductCode": "saas"}},
	} {
		r := c.send(t, s)
		assertAWSError(t, r, http.StatusInternalServerError, meterd.EInternalServiceError)
	}
	resp, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed ledger: %d, want 503", resp.StatusCode)
	}
}
