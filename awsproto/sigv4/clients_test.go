package sigv4

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	credentialsv2 "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	credentialsv1 "github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"

	"github.com/meterd/meterd"
)

// verifyingServer runs Verify on every request it receives, as meterd's
// server will, and answers 200 so that SDKs do not retry.
type verifyingServer struct {
	*httptest.Server
	mu      sync.Mutex
	auths   []string
	callers []meterd.Caller
	errs    []error
}

func newVerifyingServer(t *testing.T, v *Verifier, response string) *verifyingServer {
	t.Helper()
	s := &verifyingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		body, err := io.ReadAll(r.Body)
		if err == nil {
			var caller meterd.Caller
			caller, err = v.Verify(r.Context(), r, body)
			s.mu.Lock()
			s.callers = append(s.callers, caller)
			s.mu.Unlock()
		}
		s.mu.Lock()
		s.errs = append(s.errs, err)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, response)
	}))
	t.Cleanup(s.Close)
	return s
}

// signedHeaders returns the SignedHeaders of the first request received.
func (s *verifyingServer) signedHeaders(t *testing.T) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := ParseAuthorization(s.auths[0])
	if err != nil {
		t.Fatalf("ParseAuthorization: %v", err)
	}
	return a.SignedHeaders
}

// only returns the outcome of the single request the server received.
func (s *verifyingServer) only(t *testing.T) (meterd.Caller, error) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) != 1 {
		t.Fatalf("server received %d requests, want 1", len(s.errs))
	}
	if len(s.callers) == 0 {
		return meterd.Caller{}, s.errs[0]
	}
	return s.callers[0], s.errs[0]
}

func systemVerifier() *Verifier {
	return &Verifier{Lookup: lookupKeys(testKey()), Clock: meterd.SystemClock{}}
}

// TestVerifyGoV2MeteringClient signs through the real marketplacemetering
// client (aws-sdk-go-v2), headers, retries middleware and all.
func TestVerifyGoV2MeteringClient(t *testing.T) {
	cases := []struct {
		name         string
		secret       string
		sessionToken string
		code, msg    string
	}{
		{name: "OK", secret: testSecret},
		{name: "OK/session credentials", secret: testSecret, sessionToken: "FwoGZXIvYXdzEJr//session"},
		{name: "ErrInvalidSignature/wrong secret", secret: "wrong", code: meterd.EInvalidSignature, msg: mismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newVerifyingServer(t, systemVerifier(), `{"MeteringRecordId":"r-1"}`)
			client := marketplacemetering.New(marketplacemetering.Options{
				Region:       "eu-west-1",
				BaseEndpoint: awsv2.String(srv.URL),
				Credentials:  credentialsv2.NewStaticCredentialsProvider(testKeyID, c.secret, c.sessionToken),
				HTTPClient:   srv.Client(),
			})
			_, err := client.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
				ProductCode:    awsv2.String("prod-1234"),
				Timestamp:      awsv2.Time(time.Now().Truncate(time.Hour)),
				UsageDimension: awsv2.String("users"),
				UsageQuantity:  awsv2.Int32(3),
			})
			if err != nil {
				t.Fatalf("MeterUsage: %v", err)
			}
			caller, err := srv.only(t)
			if c.code != "" {
				assertVerifyError(t, err, c.code, c.msg)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if caller.Region != "eu-west-1" || caller.AccountID != testAccount {
				t.Errorf("caller = %+v, want region eu-west-1 and account %s", caller, testAccount)
			}
		})
	}
}

// TestVerifyGoV1EntitlementClient uses aws-sdk-go v1, whose signer signs
// the Content-Length header.
func TestVerifyGoV1EntitlementClient(t *testing.T) {
	srv := newVerifyingServer(t, systemVerifier(), `{"Entitlements":[]}`)
	sess, err := session.NewSession(&awsv1.Config{
		Region:      awsv1.String("us-east-1"),
		Endpoint:    awsv1.String(srv.URL),
		Credentials: credentialsv1.NewStaticCredentials(testKeyID, testSecret, ""),
		HTTPClient:  srv.Client(),
	})
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	client := marketplaceentitlementservice.New(sess)
	_, err = client.GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("prod-1234"),
	})
	if err != nil {
		t.Fatalf("GetEntitlements: %v", err)
	}
	caller, err := srv.only(t)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if caller.Region != "us-east-1" || caller.AccessKeyID != testKeyID {
		t.Errorf("caller = %+v", caller)
	}
	if signed := srv.signedHeaders(t); !slices.Contains(signed, "content-length") {
		t.Errorf("SignedHeaders = %v, want the v1 SDK to sign content-length", signed)
	}
}

// capturedRequest is a request recorded from a client that does not run in
// Go (see testdata/clients/botocore_vector.py).
type capturedRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// TestVerifyCapturedClients replays requests signed by clients that do not
// run in Go: botocore (which does not sign Content-Length, and once made to
// sign User-Agent) and the JS v3 signer (default, User-Agent and Expect
// signed, query string, presigned). Each must verify, and fail once its body
// or a signed User-Agent changes.
func TestVerifyCapturedClients(t *testing.T) {
	files, err := filepath.Glob("testdata/clients/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captured requests: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			captured := readCaptured(t, file)
			r := captured.request()
			signed, amzDate := capturedClaim(t, r)
			if slices.Contains(signed, "content-length") {
				t.Fatalf("SignedHeaders = %v: the capture no longer covers an unsigned Content-Length", signed)
			}
			signedAt, err := time.Parse(amzDateLayout, amzDate)
			if err != nil {
				t.Fatalf("X-Amz-Date: %v", err)
			}
			v := newVerifier(signedAt.Add(time.Minute))
			if _, err := v.Verify(context.Background(), r, []byte(captured.Body)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			msg := mismatch
			if r.Header.Get("X-Amz-Content-Sha256") != "" {
				msg = "The provided 'x-amz-content-sha256' header does not match what was computed."
			}
			_, err = v.Verify(context.Background(), captured.request(), []byte(captured.Body+" "))
			assertVerifyError(t, err, meterd.EInvalidSignature, msg)
			if slices.Contains(signed, "user-agent") {
				changed := captured.request()
				changed.Header.Set("User-Agent", "changed")
				_, err = v.Verify(context.Background(), changed, []byte(captured.Body))
				assertVerifyError(t, err, meterd.EInvalidSignature, mismatch)
			}
		})
	}
}

func (c capturedRequest) request() *http.Request {
	r := httptest.NewRequest(c.Method, c.URL, strings.NewReader(c.Body))
	for name, value := range c.Headers {
		r.Header.Set(name, value)
	}
	return r
}

// capturedClaim reads SignedHeaders and X-Amz-Date from the header or, for a
// presigned request, from the query string.
func capturedClaim(t *testing.T, r *http.Request) (signed []string, amzDate string) {
	t.Helper()
	if q := r.URL.Query(); q.Has(queryAlgorithm) {
		return strings.Split(q.Get(querySignedHeaders), ";"), q.Get(queryDate)
	}
	a, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatalf("ParseAuthorization: %v", err)
	}
	return a.SignedHeaders, r.Header.Get("X-Amz-Date")
}

func readCaptured(t *testing.T, file string) capturedRequest {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var c capturedRequest
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c
}
