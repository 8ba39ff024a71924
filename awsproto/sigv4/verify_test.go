package sigv4

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// verifyCase is one rule of Verify: a client request, how it is signed,
// what happens to it on the way, and the outcome.
type verifyCase struct {
	name string
	// request builds the unsigned request; a JSON MeterUsage call with
	// body if nil.
	request func() *http.Request
	// body is what the client signs; jsonBody if empty.
	body string
	// before runs before signing, after on the signed request.
	before, after func(r *http.Request)
	sign          signing
	// presigned signs the URL instead of the header; hoist moves X-Amz-*
	// headers to the query string as the SDK does by default.
	presigned, hoist bool
	// sentBody replaces the body the server receives, when set.
	sentBody string
	verifier *Verifier // newVerifier(testNow) if nil
	code     string    // "" for success
	msg      string
}

func (c verifyCase) run(t *testing.T) (meterd.Caller, error) {
	t.Helper()
	body := jsonBody
	if c.body != "" {
		body = c.body
	}
	r := newJSONRequest(body)
	if c.request != nil {
		r = c.request()
	}
	if c.before != nil {
		c.before(r)
	}
	if c.presigned {
		r = presign(t, r, body, c.sign, c.hoist)
	} else {
		signHeader(t, r, body, c.sign)
	}
	if c.after != nil {
		c.after(r)
	}
	if c.sentBody != "" {
		body = c.sentBody
	}
	v := c.verifier
	if v == nil {
		v = newVerifier(testNow)
	}
	return v.Verify(context.Background(), r, []byte(body))
}

const mismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

func TestVerify(t *testing.T) {
	cases := []verifyCase{
		// Accepted requests.
		{name: "OK/JSON POST / with signed Content-Length"},
		{name: "OK/Content-Length not signed (botocore)", before: func(r *http.Request) { r.ContentLength = 0 }},
		{name: "OK/CBOR GetEntitlements path", request: newCBORRequest, body: cborBody},
		{name: "OK/empty JSON object body", body: "{}"},
		{name: "OK/unsigned headers added after signing are ignored", after: func(r *http.Request) {
			r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0")
			r.Header.Set("Amz-Sdk-Request", "attempt=2; max=3")
			r.Header.Set("X-Forwarded-For", "10.0.0.1")
			r.Header.Add("Accept-Encoding", "gzip")
		}},
		{name: "OK/Authorization parts in another order and spacing", after: func(r *http.Request) {
			a, _ := ParseAuthorization(r.Header.Get("Authorization"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Signature="+a.Signature+" ,SignedHeaders="+
				strings.Join(a.SignedHeaders, ";")+",Credential="+testKeyID+"/20240101/us-east-1/aws-marketplace/aws4_request")
		}},
		{name: "OK/repeated signed header values", before: func(r *http.Request) {
			r.Header.Add("X-Amz-Meta-Tag", "a")
			r.Header.Add("X-Amz-Meta-Tag", "b  c")
		}},
		{name: "OK/base endpoint with a path", request: func() *http.Request {
			r := newJSONRequest(jsonBody)
			r.URL.Path = "/meterd/"
			return r
		}},
		{name: "OK/host with a non-default port", before: func(r *http.Request) { r.Host = "127.0.0.1:8443" }},
		{name: "OK/signed session token is accepted and ignored", sign: signing{sessionToken: "FwoGZXIvYXdzEJr//token"}},
		{name: "OK/unsigned session token is accepted and ignored", after: func(r *http.Request) {
			r.Header.Set("X-Amz-Security-Token", "FwoGZXIvYXdzEJr//token")
		}},
		{name: "OK/X-Amz-Content-Sha256 equal to the body hash", before: func(r *http.Request) {
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(jsonBody)))
		}},
		{name: "OK/X-Amz-Content-Sha256 UNSIGNED-PAYLOAD, body still hashed", before: func(r *http.Request) {
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		}},
		{name: "OK/signed exactly 15 minutes ago", sign: signing{at: testNow.Add(-15 * time.Minute)}},
		{name: "OK/signed exactly 15 minutes ahead", sign: signing{at: testNow.Add(15 * time.Minute)}},
		{name: "OK/server clock with sub-second precision", sign: signing{at: testNow.Add(-15 * time.Minute)},
			verifier: newVerifier(testNow.Add(900 * time.Millisecond))},
		{name: "OK/presigned URL", presigned: true},
		{name: "OK/presigned URL with X-Amz-* headers hoisted", presigned: true, hoist: true},

		// Missing or malformed authentication.
		{name: "ErrMissingAuthenticationToken", after: func(r *http.Request) { r.Header.Del("Authorization") },
			code: meterd.EMissingAuthenticationToken, msg: "Request is missing Authentication Token"},
		{name: "ErrMissingAuthenticationToken/X-Amz-Signature without X-Amz-Algorithm", presigned: true,
			after: func(r *http.Request) { editQuery(r, func(q map[string][]string) { delete(q, "X-Amz-Algorithm") }) },
			code:  meterd.EMissingAuthenticationToken, msg: "Request is missing Authentication Token"},
		{name: "ErrMissingAuthenticationToken/presigned with another algorithm", presigned: true,
			after: func(r *http.Request) {
				editQuery(r, func(q map[string][]string) { q["X-Amz-Algorithm"] = []string{"AWS4-ECDSA-P256-SHA256"} })
			},
			code: meterd.EMissingAuthenticationToken, msg: "Request is missing Authentication Token"},
		{name: "ErrIncompleteSignature/unsupported algorithm",
			after: func(r *http.Request) { editAuthorization(r, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512") },
			code:  meterd.EIncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
		{name: "ErrIncompleteSignature/not a key=value pair",
			after: func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE, Signature")
			},
			code: meterd.EIncompleteSignature,
			msg: "'Signature' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE, Signature'"},
		{name: "ErrIncompleteSignature/missing Signature and SignedHeaders",
			after: func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/aws-marketplace/aws4_request")
			},
			code: meterd.EIncompleteSignature,
			msg: "Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"},
		{name: "ErrIncompleteSignature/missing X-Amz-Date", after: func(r *http.Request) { r.Header.Del("X-Amz-Date") },
			code: meterd.EIncompleteSignature,
			msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256"},
		{name: "ErrIncompleteSignature/Date header is not a substitute", after: func(r *http.Request) {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", "Mon, 01 Jan 2024 00:25:00 GMT")
		},
			code: meterd.EIncompleteSignature,
			msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256"},
		{name: "ErrIncompleteSignature/every part missing", after: func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 ")
			r.Header.Del("X-Amz-Date")
		},
			code: meterd.EIncompleteSignature,
			msg: "Authorization header requires 'Credential' parameter. " +
				"Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256"},
		{name: "ErrIncompleteSignature/presigned without credential and date", presigned: true,
			after: func(r *http.Request) {
				editQuery(r, func(q map[string][]string) {
					delete(q, "X-Amz-Credential")
					delete(q, "X-Amz-Date")
				})
			},
			code: meterd.EIncompleteSignature,
			msg: "AWS query-string parameters must include 'X-Amz-Credential'. " +
				"AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "ErrIncompleteSignature/X-Amz-Date not in basic format",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2024-01-01T00:25:00Z") },
			code:  meterd.EIncompleteSignature,
			msg:   "Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:25:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "ErrIncompleteSignature/credential with four elements",
			after: func(r *http.Request) { editAuthorization(r, "/aws4_request", "") },
			code:  meterd.EIncompleteSignature,
			msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, " +
				"got 'AKIDEXAMPLE/20240101/us-east-1/aws-marketplace'"},
		{name: "ErrIncompleteSignature/signed header absent from the request",
			before: func(r *http.Request) { r.Header.Set("X-Custom", "1") },
			after:  func(r *http.Request) { r.Header.Del("X-Custom") },
			code:   meterd.EIncompleteSignature,
			msg:    "'x-custom' is named as a SignedHeader, but it does not exist in the HTTP request."},

		// Authentication given twice is refused, not resolved to the first.
		{name: "ErrIncompleteSignature/Authorization header twice, same value",
			after: repeatHeader("Authorization"),
			code:  meterd.EIncompleteSignature, msg: "Only one 'Authorization' header is allowed in the request, found 2."},
		{name: "ErrIncompleteSignature/Authorization header twice, second forged",
			after: addHeader("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20240101/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host, Signature=00"),
			code:  meterd.EIncompleteSignature, msg: "Only one 'Authorization' header is allowed in the request, found 2."},
		{name: "ErrIncompleteSignature/X-Amz-Date header twice, same value",
			after: repeatHeader("X-Amz-Date"),
			code:  meterd.EIncompleteSignature, msg: "Only one 'X-Amz-Date' header is allowed in the request, found 2."},
		{name: "ErrIncompleteSignature/X-Amz-Date header three times, later ones different",
			after: addHeader("X-Amz-Date", "20991231T000000Z", "garbage"),
			code:  meterd.EIncompleteSignature, msg: "Only one 'X-Amz-Date' header is allowed in the request, found 3."},
		{name: "ErrIncompleteSignature/presigned X-Amz-Date twice", presigned: true,
			after: addQuery("X-Amz-Date", "20991231T000000Z"),
			code:  meterd.EIncompleteSignature, msg: "Only one 'X-Amz-Date' query-string parameter is allowed in the request, found 2."},
		{name: "ErrIncompleteSignature/presigned X-Amz-Signature twice", presigned: true,
			after: addQuery("X-Amz-Signature", "00"),
			code:  meterd.EIncompleteSignature, msg: "Only one 'X-Amz-Signature' query-string parameter is allowed in the request, found 2."},
		{name: "ErrIncompleteSignature/presigned X-Amz-Algorithm twice", presigned: true,
			after: addQuery("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
			code:  meterd.EIncompleteSignature, msg: "Only one 'X-Amz-Algorithm' query-string parameter is allowed in the request, found 2."},

		// Host must be signed.
		{name: "ErrInvalidSignature/host not signed",
			after: func(r *http.Request) {
				editAuthorization(r, "SignedHeaders=content-length;content-type;host;", "SignedHeaders=content-length;content-type;")
			},
			code: meterd.EInvalidSignature, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "ErrInvalidSignature/empty SignedHeaders",
			after: func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/aws-marketplace/aws4_request, SignedHeaders=, Signature=00")
			},
			code: meterd.EInvalidSignature, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},

		// Clock.
		{name: "ErrInvalidSignature/signature expired", sign: signing{at: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
			code: meterd.EInvalidSignature,
			msg:  "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)"},
		{name: "ErrInvalidSignature/signature not yet current", sign: signing{at: testNow.Add(15*time.Minute + time.Second)},
			code: meterd.EInvalidSignature,
			msg:  "Signature not yet current: 20240101T004001Z is still later than 20240101T004000Z (20240101T002500Z + 15 min.)"},
		{name: "ErrInvalidSignature/expired with a custom skew", sign: signing{at: testNow.Add(-91 * time.Second)},
			verifier: &Verifier{Lookup: lookupKeys(testKey()), Clock: meterd.ClockFunc(func() time.Time { return testNow }), MaxSkew: 90 * time.Second},
			code:     meterd.EInvalidSignature,
			msg:      "Signature expired: 20240101T002329Z is now earlier than 20240101T002330Z (20240101T002500Z - 90 sec.)"},
		{name: "ErrInvalidSignature/presigned URL expired", presigned: true, sign: signing{at: testNow.Add(-time.Hour)},
			code: meterd.EInvalidSignature,
			msg:  "Signature expired: 20231231T232500Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)"},

		// Credential scope.
		{name: "ErrInvalidSignature/wrong service", sign: signing{service: "metering.marketplace"},
			code: meterd.EInvalidSignature, msg: "Credential should be scoped to correct service: 'aws-marketplace'. "},
		{name: "ErrInvalidSignature/wrong terminator",
			after: func(r *http.Request) { editAuthorization(r, "/aws4_request", "/aws5_request") },
			code:  meterd.EInvalidSignature,
			msg:   "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
		{name: "ErrInvalidSignature/scope date differs from X-Amz-Date",
			after: func(r *http.Request) { editAuthorization(r, "/20240101/", "/20231231/") },
			code:  meterd.EInvalidSignature,
			msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20231231' != '20240101', from '20240101T002500Z'. "},
		{name: "ErrInvalidSignature/empty region", after: func(r *http.Request) { editAuthorization(r, "/us-east-1/", "//") },
			code: meterd.EInvalidSignature, msg: "Credential should be scoped to a valid region, not ''. "},
		{name: "ErrInvalidSignature/every scope element wrong",
			after: func(r *http.Request) {
				editAuthorization(r, "20240101/us-east-1/aws-marketplace/aws4_request", "20231231/US_EAST_1/sts/aws5_request")
			},
			code: meterd.EInvalidSignature,
			msg: "Credential should be scoped to a valid region, not 'US_EAST_1'. " +
				"Credential should be scoped to correct service: 'aws-marketplace'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20231231' != '20240101', from '20240101T002500Z'. "},

		// Key.
		{name: "ErrUnrecognizedClient/unknown access key",
			verifier: &Verifier{Lookup: lookupKeys(), Clock: meterd.ClockFunc(func() time.Time { return testNow })},
			code:     meterd.EUnrecognizedClient, msg: "The security token included in the request is invalid."},
		{name: "ErrUnrecognizedClient/lookup says not found",
			verifier: &Verifier{Clock: meterd.ClockFunc(func() time.Time { return testNow }),
				Lookup: func(context.Context, string) (*meterd.AccessKey, error) {
					return nil, &meterd.Error{Code: meterd.ENotFound, Message: "access key not found"}
				}},
			code: meterd.EUnrecognizedClient, msg: "The security token included in the request is invalid."},
		{name: "ErrUnrecognizedClient/key without a secret",
			verifier: &Verifier{Clock: meterd.ClockFunc(func() time.Time { return testNow }),
				Lookup: lookupKeys(&meterd.AccessKey{ID: testKeyID, AccountID: testAccount})},
			code: meterd.EUnrecognizedClient, msg: "The security token included in the request is invalid."},

		// Signature mismatch: anything signed that changes.
		{name: "ErrInvalidSignature/wrong secret", sign: signing{secret: "not-the-secret"},
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/body tampered", sentBody: strings.Replace(jsonBody, `"UsageQuantity":3`, `"UsageQuantity":30`, 1),
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/CBOR body tampered", request: newCBORRequest, body: cborBody, sentBody: strings.Replace(cborBody, "1234", "9999", 1),
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/Content-Length not signed, body tampered", before: func(r *http.Request) { r.ContentLength = 0 },
			sentBody: jsonBody + " ", code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/signed header changed",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Target", "AWSMPMeteringService.BatchMeterUsage") },
			code:  meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/host changed", after: func(r *http.Request) { r.Host = "evil.example" },
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/path changed", after: func(r *http.Request) { r.URL.Path = "/other" },
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/query added", after: func(r *http.Request) { r.URL.RawQuery = "a=b" },
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/empty signature",
			after: func(r *http.Request) {
				a, _ := ParseAuthorization(r.Header.Get("Authorization"))
				editAuthorization(r, "Signature="+a.Signature, "Signature=")
			},
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/upper-case signature",
			after: func(r *http.Request) {
				a, _ := ParseAuthorization(r.Header.Get("Authorization"))
				editAuthorization(r, a.Signature, strings.ToUpper(a.Signature))
			},
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/presigned body tampered", presigned: true, sentBody: "{}",
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/presigned query changed", presigned: true,
			after: func(r *http.Request) { editQuery(r, func(q map[string][]string) { q["extra"] = []string{"1"} }) },
			code:  meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/both header and query authentication", presigned: true,
			after: func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host, Signature=00")
			},
			code: meterd.EInvalidSignature, msg: mismatch},
		{name: "ErrInvalidSignature/X-Amz-Content-Sha256 differs from the body",
			before: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte("{}"))) },
			code:   meterd.EInvalidSignature, msg: "The provided 'x-amz-content-sha256' header does not match what was computed."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			caller, err := c.run(t)
			if c.code != "" {
				assertVerifyError(t, err, c.code, c.msg)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := meterd.Caller{AccessKeyID: testKeyID, AccountID: testAccount, Region: "us-east-1", Key: *testKey()}
			if caller != want {
				t.Errorf("caller = %+v, want %+v", caller, want)
			}
		})
	}
}

func TestVerifyRegionFromScope(t *testing.T) {
	for _, region := range []string{"us-east-1", "eu-central-1", "ap-southeast-3", "cn-north-1", "us-gov-west-1"} {
		t.Run(region, func(t *testing.T) {
			r := newJSONRequest(jsonBody)
			signHeader(t, r, jsonBody, signing{region: region})
			caller, err := newVerifier(testNow).Verify(context.Background(), r, []byte(jsonBody))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if caller.Region != region {
				t.Errorf("Region = %q, want %q", caller.Region, region)
			}
		})
	}
}

func TestVerifyLookupFailureIsInternal(t *testing.T) {
	storeErr := errors.New("database is locked")
	v := &Verifier{
		Clock:  meterd.ClockFunc(func() time.Time { return testNow }),
		Lookup: func(context.Context, string) (*meterd.AccessKey, error) { return nil, storeErr },
	}
	r := newJSONRequest(jsonBody)
	signHeader(t, r, jsonBody, signing{})
	_, err := v.Verify(context.Background(), r, []byte(jsonBody))
	if !errors.Is(err, storeErr) {
		t.Fatalf("err = %v, want it to wrap %v", err, storeErr)
	}
	if got := meterd.ErrorCode(err); got != meterd.EInternalServiceError {
		t.Errorf("ErrorCode = %q, want %q", got, meterd.EInternalServiceError)
	}
}

func TestVerifyPicksUpReseededSecret(t *testing.T) {
	key := testKey()
	v := &Verifier{
		Clock:  meterd.ClockFunc(func() time.Time { return testNow }),
		Lookup: func(context.Context, string) (*meterd.AccessKey, error) { copied := *key; return &copied, nil },
	}
	first := newJSONRequest(jsonBody)
	signHeader(t, first, jsonBody, signing{})
	if _, err := v.Verify(context.Background(), first, []byte(jsonBody)); err != nil {
		t.Fatalf("Verify with the first secret: %v", err)
	}
	key.Secret = "rotated-secret"
	old := newJSONRequest(jsonBody)
	signHeader(t, old, jsonBody, signing{})
	_, err := v.Verify(context.Background(), old, []byte(jsonBody))
	assertVerifyError(t, err, meterd.EInvalidSignature, mismatch)
}

func TestVerifyDefaultsToSystemClock(t *testing.T) {
	v := &Verifier{Lookup: lookupKeys(testKey())}
	r := newJSONRequest(jsonBody)
	signHeader(t, r, jsonBody, signing{at: time.Now()})
	if _, err := v.Verify(context.Background(), r, []byte(jsonBody)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func BenchmarkVerify(b *testing.B) {
	r := newJSONRequest(jsonBody)
	signHeader(b, r, jsonBody, signing{})
	v := newVerifier(testNow)
	body := []byte(jsonBody)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzVerify feeds Verify arbitrary authentication parameters: it must never
// panic, and every refusal must be a *meterd.Error.
func FuzzVerify(f *testing.F) {
	r := newJSONRequest(jsonBody)
	signHeader(f, r, jsonBody, signing{})
	f.Add(r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), "/", "", jsonBody)
	p := presign(f, newJSONRequest(jsonBody), jsonBody, signing{}, true)
	f.Add("", "", p.URL.Path, p.URL.RawQuery, jsonBody)
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101//aws-marketplace/aws4_request, SignedHeaders=host;;x, Signature=",
		"20240101T002500Z", "/%zz", "X-Amz-Algorithm=AWS4-HMAC-SHA256", "")
	v := newVerifier(testNow)
	f.Fuzz(func(t *testing.T, authorization, amzDate, path, rawQuery, body string) {
		r := &http.Request{
			Method: http.MethodPost,
			URL:    &url.URL{Path: path, RawQuery: rawQuery},
			Host:   testHost,
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		_, err := v.Verify(context.Background(), r, []byte(body))
		var me *meterd.Error
		if err != nil && !errors.As(err, &me) {
			t.Fatalf("Verify error = %#v, want a *meterd.Error", err)
		}
	})
}

// An access key id longer than AWS's is unknown without a lookup, so that
// made-up huge ids reach neither the store nor its cache.
func TestVerifyOverlongKeyIDIsNotLookedUp(t *testing.T) {
	for _, tt := range []struct {
		name       string
		id         string
		wantLookup bool
	}{
		{"128 characters", strings.Repeat("A", MaxAccessKeyIDLength), true},
		{"129 characters", strings.Repeat("A", MaxAccessKeyIDLength+1), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			looked := false
			v := &Verifier{
				Clock: meterd.ClockFunc(func() time.Time { return testNow }),
				Lookup: func(context.Context, string) (*meterd.AccessKey, error) {
					looked = true
					return nil, nil
				},
			}
			r := newJSONRequest(jsonBody)
			signHeader(t, r, jsonBody, signing{})
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Credential="+testKeyID, "Credential="+tt.id, 1))
			_, err := v.Verify(context.Background(), r, []byte(jsonBody))
			if got := meterd.ErrorCode(err); got != meterd.EUnrecognizedClient {
				t.Fatalf("code %q, want %q", got, meterd.EUnrecognizedClient)
			}
			if looked != tt.wantLookup {
				t.Fatalf("looked up: %v, want %v", looked, tt.wantLookup)
			}
		})
	}
}

func TestHasDuplicate(t *testing.T) {
	for _, tt := range []struct {
		names []string
		want  bool
	}{
		{nil, false},
		{[]string{"host"}, false},
		{[]string{"content-type", "host", "x-amz-date"}, false},
		{[]string{"x-amz-date", "host", "content-type"}, false},
		{[]string{"content-type", "host", "host"}, true},
		{[]string{"host", "x-amz-date", "host"}, true},
	} {
		if got := hasDuplicate(tt.names); got != tt.want {
			t.Errorf("hasDuplicate(%q) = %v, want %v", tt.names, got, tt.want)
		}
	}
}

// The derived-key cache stays bounded when a client makes up regions, and
// keeps verifying.
func TestVerifySigningKeyCacheIsBounded(t *testing.T) {
	v := newVerifier(testNow)
	v.keys.max = 32 // the real bound takes 65,536 requests to reach
	for i := range v.keys.max + 20 {
		region := fmt.Sprintf("xx-made-up-%d", i)
		r := newJSONRequest(jsonBody)
		signHeader(t, r, jsonBody, signing{region: region})
		if _, err := v.Verify(context.Background(), r, []byte(jsonBody)); err != nil {
			t.Fatalf("Verify in %s: %v", region, err)
		}
	}
	if n := len(v.keys.keys); n > v.keys.max {
		t.Errorf("%d cached keys, want at most %d", n, v.keys.max)
	}
}

// Verify is called from every connection's goroutine; the race detector
// checks the shared key cache.
func TestVerifyConcurrent(t *testing.T) {
	v := newVerifier(testNow)
	var wg sync.WaitGroup
	for i := range 8 {
		r := newJSONRequest(jsonBody)
		signHeader(t, r, jsonBody, signing{region: fmt.Sprintf("eu-west-%d", i%3)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Verify(context.Background(), r, []byte(jsonBody)); err != nil {
				t.Errorf("Verify: %v", err)
			}
		}()
	}
	wg.Wait()
}
