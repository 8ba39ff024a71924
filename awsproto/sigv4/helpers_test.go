package sigv4

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/meterd/meterd"
)

const (
	testKeyID   = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testAccount = "111122223333"
	testHost    = "metering.marketplace.us-east-1.amazonaws.com"
	jsonBody    = `{"ProductCode":"prod-1234","Timestamp":1704067200,"UsageDimension":"users","UsageQuantity":3}`
)

// testNow is the server's clock in the table tests.
var testNow = time.Date(2024, 1, 1, 0, 25, 0, 0, time.UTC)

func testKey() *meterd.AccessKey {
	return &meterd.AccessKey{ID: testKeyID, Secret: testSecret, AccountID: testAccount, HomeRegion: "us-east-1"}
}

// lookupKeys returns a KeyLookup over keys.
func lookupKeys(keys ...*meterd.AccessKey) KeyLookup {
	return func(_ context.Context, id string) (*meterd.AccessKey, error) {
		for _, k := range keys {
			if k.ID == id {
				copied := *k
				return &copied, nil
			}
		}
		return nil, nil
	}
}

func newVerifier(now time.Time) *Verifier {
	return &Verifier{Lookup: lookupKeys(testKey()), Clock: meterd.ClockFunc(func() time.Time { return now })}
}

// newJSONRequest is a MeterUsage call as an AWS JSON 1.1 client sends it.
func newJSONRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://"+testHost+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSMPMeteringService.MeterUsage")
	return r
}

// cborBody is {"ProductCode": "prod-1234"} in CBOR.
const cborBody = "\xa1\x6bProductCode\x69prod-1234"

// newCBORRequest is a GetEntitlements call in Smithy RPC v2 CBOR.
func newCBORRequest() *http.Request {
	r := httptest.NewRequest(http.MethodPost,
		"http://"+testHost+"/service/AWSMPEntitlementService/operation/GetEntitlements", strings.NewReader(cborBody))
	r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	r.Header.Set("Accept", "application/cbor")
	r.Header.Set("Content-Type", "application/cbor")
	return r
}

// signing describes how a test client signs; zero fields take defaults.
type signing struct {
	secret, region, service, sessionToken string
	at                                    time.Time
}

func (s signing) withDefaults() signing {
	if s.secret == "" {
		s.secret = testSecret
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.service == "" {
		s.service = SigningName
	}
	if s.at.IsZero() {
		s.at = testNow
	}
	return s
}

func (s signing) credentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: s.secret, SessionToken: s.sessionToken}
}

// signHeader signs r in place the way the Go SDK does.
func signHeader(t testing.TB, r *http.Request, body string, s signing) {
	t.Helper()
	s = s.withDefaults()
	err := v4.NewSigner().SignHTTP(context.Background(), s.credentials(), r, sha256Hex([]byte(body)),
		s.service, s.region, s.at)
	if err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
}

// presign returns the request a client would send with a presigned URL.
func presign(t testing.TB, r *http.Request, body string, s signing, hoist bool) *http.Request {
	t.Helper()
	s = s.withDefaults()
	signedURL, headers, err := v4.NewSigner().PresignHTTP(context.Background(), s.credentials(), r,
		sha256Hex([]byte(body)), s.service, s.region, s.at,
		func(o *v4.SignerOptions) { o.DisableHeaderHoisting = !hoist })
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	out := httptest.NewRequest(r.Method, signedURL, strings.NewReader(body))
	for name, values := range headers {
		if !strings.EqualFold(name, "Host") {
			out.Header[name] = values
		}
	}
	return out
}

// editAuthorization rewrites the Authorization header of a signed request.
func editAuthorization(r *http.Request, old, replacement string) {
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, replacement, 1))
}

// editQuery rewrites the query string of a presigned request.
func editQuery(r *http.Request, edit func(q map[string][]string)) {
	q := r.URL.Query()
	edit(q)
	r.URL.RawQuery = q.Encode()
}

// repeatHeader returns an after step that sends header name twice.
func repeatHeader(name string) func(r *http.Request) {
	return func(r *http.Request) { r.Header.Add(name, r.Header.Get(name)) }
}

// addHeader returns an after step that adds values to header name.
func addHeader(name string, values ...string) func(r *http.Request) {
	return func(r *http.Request) {
		for _, v := range values {
			r.Header.Add(name, v)
		}
	}
}

// addQuery returns an after step that adds value to the query parameter
// name of a presigned request.
func addQuery(name, value string) func(r *http.Request) {
	return func(r *http.Request) {
		editQuery(r, func(q map[string][]string) { q[name] = append(q[name], value) })
	}
}

// assertVerifyError checks that err is a *meterd.Error with code and msg.
func assertVerifyError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var me *meterd.Error
	if !errors.As(err, &me) {
		t.Fatalf("err = %v (%T), want *meterd.Error %s", err, err, code)
	}
	if me.Code != code {
		t.Errorf("code = %q, want %q", me.Code, code)
	}
	if me.Message != msg {
		t.Errorf("message:\n got %q\nwant %q", me.Message, msg)
	}
	if strings.Contains(me.Message, testSecret) {
		t.Errorf("message leaks the secret: %q", me.Message)
	}
}
