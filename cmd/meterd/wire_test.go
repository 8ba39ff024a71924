package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/meterd/meterd/node"
)

// TestSignatureErrors sends requests with missing, broken or wrong SigV4
// signatures; each gets AWS's error.
func TestSignatureErrors(t *testing.T) {
	s := startServer(t, "")
	body := []byte(`{"RegistrationToken":"x"}`)
	wrongSecret := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "not-test"}
	unknown := aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}
	mismatch := "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	tests := []struct {
		name    string
		req     rawRequest
		status  int
		code    string
		message string // prefix of the message, when set
	}{
		{"no Authorization header", rawRequest{}, http.StatusForbidden, "MissingAuthenticationTokenException",
			"Request is missing Authentication Token"},
		{"wrong secret", rawRequest{Creds: &wrongSecret}, http.StatusBadRequest, "InvalidSignatureException", mismatch},
		{"unknown access key", rawRequest{Creds: &unknown}, http.StatusBadRequest, "UnrecognizedClientException",
			"The security token included in the request is invalid."},
		{"signed 20 minutes ago", rawRequest{Creds: &sellerKey, SignTime: time.Now().Add(-20 * time.Minute)},
			http.StatusBadRequest, "InvalidSignatureException", "Signature expired: "},
		{"signed 20 minutes ahead", rawRequest{Creds: &sellerKey, SignTime: time.Now().Add(20 * time.Minute)},
			http.StatusBadRequest, "InvalidSignatureException", "Signature not yet current: "},
		{"body changed after signing", rawRequest{Creds: &sellerKey, Tamper: func(r *http.Request) {
			r.Body = http.NoBody
			r.ContentLength = 0
		}}, http.StatusBadRequest, "InvalidSignatureException", mismatch},
		{"signed header changed", rawRequest{Creds: &sellerKey, Tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "AWSMPMeteringService.MeterUsage")
		}}, http.StatusBadRequest, "InvalidSignatureException", mismatch},
		{"Authorization without Signature", rawRequest{Creds: &sellerKey, Tamper: func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		}}, http.StatusBadRequest, "IncompleteSignatureException", "Authorization header requires 'Signature' parameter."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Target = meteringTarget + "ResolveCustomer"
			tt.req.Body = body
			r := s.do(t, tt.req)
			assertAWSError(t, r, tt.status, tt.code)
			if _, msg := r.errorType(t); !strings.HasPrefix(msg, tt.message) {
				t.Errorf("message %q, want it to start with %q", msg, tt.message)
			}
		})
	}
}

// TestProtocolErrors sends well-signed requests that are not valid AWS JSON
// 1.1 or RPC v2 CBOR calls.
func TestProtocolErrors(t *testing.T) {
	s := startServer(t, "")
	tests := []struct {
		name    string
		req     rawRequest
		code    string
		message string // exact, when set
	}{
		{name: "unknown target", req: rawRequest{Target: meteringTarget + "DeleteUsage", Body: []byte(`{}`)},
			code: "UnknownOperationException"},
		{name: "target of another service", req: rawRequest{Target: "AmazonSQS.SendMessage", Body: []byte(`{}`)},
			code: "UnknownOperationException"},
		{name: "no target", req: rawRequest{Body: []byte(`{}`)}, code: "UnknownOperationException"},
		{name: "wrong content type", req: rawRequest{Target: meteringTarget + "ResolveCustomer", ContentType: "text/plain",
			Body: []byte(`{"RegistrationToken":"x"}`)}, code: "UnknownOperationException"},
		{name: "unknown CBOR operation", req: rawRequest{Path: "/service/AWSMPEntitlementService/operation/Nope",
			ContentType: "application/cbor", Body: []byte{0xa0}}, code: "UnknownOperationException"},
		{name: "malformed JSON", req: rawRequest{Target: meteringTarget + "ResolveCustomer", Body: []byte(`{"RegistrationToken":`)},
			code: "SerializationException"},
		{name: "JSON array body", req: rawRequest{Target: meteringTarget + "ResolveCustomer", Body: []byte(`[]`)},
			code: "SerializationException"},
		{name: "string for an integer", req: rawRequest{Target: meteringTarget + "RegisterUsage",
			Body: []byte(`{"ProductCode":"demo-container","PublicKeyVersion":"1"}`)}, code: "SerializationException"},
		{name: "malformed CBOR", req: rawRequest{Path: "/service/AWSMPEntitlementService/operation/GetEntitlements",
			ContentType: "application/cbor", Body: []byte{0xbf, 0x61}}, code: "SerializationException"},
		{name: "negative quantity", req: rawRequest{Target: meteringTarget + "MeterUsage",
			Body: []byte(`{"ProductCode":"demo-ami","UsageDimension":"vcpu_hours","UsageQuantity":-1,"Timestamp":1700000000}`)},
			code:    "ValidationException",
			message: "1 validation error detected: Value '-1' at 'usageQuantity' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{name: "missing required member", req: rawRequest{Target: meteringTarget + "ResolveCustomer", Body: []byte(`{}`)},
			code:    "ValidationException",
			message: "1 validation error detected: Value null at 'registrationToken' failed to satisfy constraint: Member must not be null"},
		{name: "26 usage records", req: rawRequest{Target: meteringTarget + "BatchMeterUsage",
			Body: []byte(`{"ProductCode":"demo-saas","UsageRecords":[` + strings.Repeat(`{"CustomerIdentifier":"demo-customer","Dimension":"users","Timestamp":1700000000},`, 25) +
				`{"CustomerIdentifier":"demo-customer","Dimension":"users","Timestamp":1700000000}]}`)},
			code: "ValidationException"},
		{name: "body over 1 MB", req: rawRequest{Target: meteringTarget + "BatchMeterUsage",
			Body: []byte(`{"ProductCode":"` + strings.Repeat("a", 1<<20) + `"}`)}, code: "ValidationException"},
		{name: "MaxResults 26 is an InvalidParameterException", req: rawRequest{Target: entitlementTarget + "GetEntitlements",
			Body: []byte(`{"ProductCode":"demo-saas","MaxResults":26}`)}, code: "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Creds = &sellerKey
			r := s.do(t, tt.req)
			if tt.req.ContentType == "application/cbor" {
				if r.Status != http.StatusBadRequest || r.Header.Get("X-Amzn-Errortype") == "" && !strings.Contains(string(r.Body), tt.code) {
					t.Fatalf("got %d %q, want 400 %s", r.Status, r.Body, tt.code)
				}
				return
			}
			assertAWSError(t, r, http.StatusBadRequest, tt.code)
			if _, msg := r.errorType(t); tt.message != "" && msg != tt.message {
				t.Errorf("message\n got %q\nwant %q", msg, tt.message)
			}
		})
	}
}

// TestRegionsAreSeparate: the same record in two regions is two records,
// and GetEntitlements answers only in us-east-1.
func TestRegionsAreSeparate(t *testing.T) {
	s := startServer(t, "")
	now := time.Now().UTC()
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		r := s.jsonCall(t, buyerKey, region, meteringTarget+"MeterUsage", meterUsageBody("demo-ami", "vcpu_hours", 1, now))
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", region, r.Status, r.Body)
		}
		r = s.jsonCall(t, buyerKey, region, meteringTarget+"MeterUsage", meterUsageBody("demo-ami", "vcpu_hours", 2, now))
		assertAWSError(t, r, http.StatusBadRequest, "DuplicateRequestException")
	}
	r := s.jsonCall(t, sellerKey, "eu-west-1", entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	assertAWSError(t, r, http.StatusBadRequest, "DisabledApiException")
}

// TestLicenseArnRecords meters with CustomerAWSAccountId + LicenseArn, which
// the pinned Go SDK cannot express.
func TestLicenseArnRecords(t *testing.T) {
	s := startServer(t, errorsSeed)
	record := map[string]any{"CustomerAWSAccountId": "444455556666", "LicenseArn": "arn:aws:license-manager::444455556666:license:l-saasa",
		"Dimension": "users", "Quantity": 3, "Timestamp": time.Now().Unix()}
	for _, body := range []map[string]any{
		{"ProductCode": "saas", "UsageRecords": []any{record}},
		{"UsageRecords": []any{record}}, // new integrations send no ProductCode
	} {
		r := s.jsonCall(t, sellerKey, testRegion, meteringTarget+"BatchMeterUsage", body)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"Status":"Success"`) {
			t.Fatalf("%v: %d %s", body, r.Status, r.Body)
		}
	}
}

// TestNoAuth serves unsigned requests only when the operator says so: an
// unsigned request acts as the demo seller, while a known key, even with a
// wrong secret, still acts as its own account.
func TestNoAuth(t *testing.T) {
	s := startServer(t, "", func(c *node.Config) { c.NoAuth = true })
	r := s.do(t, rawRequest{Target: entitlementTarget + "GetEntitlements", Body: []byte(`{"ProductCode":"demo-saas"}`)})
	if r.Status != http.StatusOK {
		t.Fatalf("unsigned with --no-auth: %d %s", r.Status, r.Body)
	}
	badBuyer := aws.Credentials{AccessKeyID: "buyer", SecretAccessKey: "wrong"}
	r = s.jsonCall(t, badBuyer, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	assertAWSError(t, r, http.StatusBadRequest, "InvalidParameterException") // the buyer sells nothing
	r = s.jsonCall(t, badBuyer, testRegion, meteringTarget+"MeterUsage", meterUsageBody("demo-ami", "vcpu_hours", 1, time.Now()))
	if r.Status != http.StatusOK {
		t.Fatalf("buyer MeterUsage with --no-auth: %d %s", r.Status, r.Body)
	}
}

// TestConcurrentDuplicates races 16 clients over one hour of one dimension:
// identical calls all get the one id; calls with different quantities
// leave exactly one winner and DuplicateRequestException for the rest.
func TestConcurrentDuplicates(t *testing.T) {
	s := startServer(t, "", func(c *node.Config) { c.Throttle = false })
	now := time.Now().UTC()
	race := func(body func(i int) map[string]any) []rawResponse {
		out := make([]rawResponse, 16)
		errs := make([]error, len(out))
		var wg sync.WaitGroup
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i], errs[i] = s.send(jsonRequest(buyerKey, testRegion, meteringTarget+"MeterUsage", body(i)))
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		return out
	}
	ids := map[string]bool{}
	for _, r := range race(func(int) map[string]any { return meterUsageBody("demo-ami", "vcpu_hours", 1, now) }) {
		var out struct{ MeteringRecordId string }
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &out) != nil {
			t.Fatalf("identical call: %d %s", r.Status, r.Body)
		}
		ids[out.MeteringRecordId] = true
	}
	if len(ids) != 1 {
		t.Fatalf("identical concurrent calls got %d ids, want 1", len(ids))
	}
	winners := 0
	for _, r := range race(func(i int) map[string]any { return meterUsageBody("demo-container", "requests", i, now) }) {
		switch typ, _ := r.errorType(t); {
		case r.Status == http.StatusOK:
			winners++
		case typ != "DuplicateRequestException":
			t.Fatalf("loser got %d %s", r.Status, r.Body)
		}
	}
	if winners != 1 {
		t.Fatalf("%d calls with different quantities were accepted, want 1", winners)
	}
}
