package server_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/smithy-go"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/server"
)

// meterAMI sends one MeterUsage for the demo AMI product.
func meterAMI(t *testing.T, c *marketplacemetering.Client) error {
	t.Helper()
	_, err := c.MeterUsage(t.Context(), &marketplacemetering.MeterUsageInput{
		ProductCode:    aws.String("demo-ami"),
		UsageDimension: aws.String("vcpu_hours"),
		UsageQuantity:  aws.Int32(1),
		Timestamp:      aws.Time(time.Now().UTC().Truncate(time.Hour)),
	})
	return err
}

// wantAPIError fails unless err is the AWS error code with msg ("" for
// success), as the Go SDK reads it.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || apiErr.ErrorMessage() != msg {
		t.Fatalf("error %v, want %s %q", err, code, msg)
	}
}

// TestServeAPIAuth: the SigV4 outcomes, through the Go SDK.
func TestServeAPIAuth(t *testing.T) {
	url := serve(t, newServer(t, nil))
	tests := []struct {
		name     string
		creds    aws.CredentialsProvider
		wantCode string
		wantMsg  string
	}{
		{"OK signed by a known key", staticCreds(buyerCreds), "", ""},
		{"ErrMissingAuthenticationToken unsigned", aws.AnonymousCredentials{}, meterd.EMissingAuthenticationToken,
			"Request is missing Authentication Token"},
		{"ErrUnrecognizedClient unknown key", staticCreds(aws.Credentials{AccessKeyID: "nobody", SecretAccessKey: "x"}),
			meterd.EUnrecognizedClient, "The security token included in the request is invalid."},
		{"ErrInvalidSignature wrong secret", staticCreds(aws.Credentials{AccessKeyID: "buyer", SecretAccessKey: "wrong"}),
			meterd.EInvalidSignature, "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := marketplacemetering.New(marketplacemetering.Options{
				Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: tt.creds, RetryMaxAttempts: 1,
			})
			wantAPIError(t, meterAMI(t, c), tt.wantCode, tt.wantMsg)
		})
	}
}

// TestServeAPIThrottling: a caller over its quota is throttled, alone.
func TestServeAPIThrottling(t *testing.T) {
	s := newServer(t, nil)
	now := time.Now()
	// The clock stands still: no token is earned back during the test.
	s.Limiter = server.NewLimiter(map[string]server.Quota{meterd.OpMeterUsage: {Rate: 1, Burst: 1}},
		meterd.ClockFunc(func() time.Time { return now }))
	url := serve(t, s)
	steps := []struct {
		name     string
		creds    aws.Credentials
		wantCode string
		wantMsg  string
	}{
		{"OK first call", buyerCreds, "", ""},
		{"ErrThrottling over the quota", buyerCreds, meterd.EThrottling, "Rate exceeded"},
		{"OK other account has its own quota", sellerCreds, "", ""},
	}
	for _, st := range steps {
		wantAPIError(t, meterAMI(t, meteringClient(url, st.creds)), st.wantCode, st.wantMsg)
	}
}

// TestHealth: liveness never looks at the store; readiness does.
func TestHealth(t *testing.T) {
	tests := []struct {
		name       string
		down       bool
		path       string
		wantStatus int
		wantBody   string
	}{
		{"OK healthz", false, "/healthz", 200, `{"status":"ok"}`},
		{"OK healthz store down", true, "/healthz", 200, `{"status":"ok"}`},
		{"OK readyz", false, "/readyz", 200, `{"status":"ready"}`},
		{"ErrUnavailable readyz store down", true, "/readyz", 503, `{"status":"unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, nil)
			if tt.down {
				s.Store = downStore{s.Store}
			}
			status, body := send(t, http.MethodGet, serve(t, s)+tt.path, "", "")
			if status != tt.wantStatus || strings.TrimSpace(string(body)) != tt.wantBody {
				t.Fatalf("%d %s, want %d %s", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestPublicKeys: the RegisterUsage keys, as sellers' containers fetch them.
func TestPublicKeys(t *testing.T) {
	tests := []struct {
		name       string
		wrap       func(metering.Store) metering.Store
		path       string
		wantStatus int
		wantBody   string // a part of the body
	}{
		{"OK JWKS", nil, "/meterd/keys/jwks.json", 200, `"kid":"1"`},
		{"OK PEM", nil, "/meterd/keys/1.pem", 200, "-----BEGIN PUBLIC KEY-----"},
		{"ErrNotFound PEM unknown version", nil, "/meterd/keys/9.pem", 404, "404 page not found"},
		{"ErrNotFound PEM not a version", nil, "/meterd/keys/latest.pem", 404, "404 page not found"},
		{"ErrInternalServiceError JWKS store fails", broken, "/meterd/keys/jwks.json", 500, meterd.InternalErrorMessage},
		{"ErrInternalServiceError PEM store fails", broken, "/meterd/keys/1.pem", 500, meterd.InternalErrorMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, http.MethodGet, serve(t, newServer(t, tt.wrap))+tt.path, "", "")
			if status != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("%d %s, want %d with %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if strings.Contains(string(body), errDisk.Error()) {
				t.Fatalf("the answer leaks the store's error: %s", body)
			}
		})
	}
}
