package awsproto

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/meterd/meterd"
)

const genericMessage = "An internal error has occurred. Retry your request."

func TestHTTPStatus(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{meterd.ECustomerNotEntitled, 400},
		{meterd.EDisabledAPI, 400},
		{meterd.EDuplicateRequest, 400},
		{meterd.EExpiredToken, 400},
		{meterd.EIdempotencyConflict, 409},
		{meterd.EInternalServiceError, 500},
		{meterd.EInvalidCustomerIdentifier, 400},
		{meterd.EInvalidEndpointRegion, 400},
		{meterd.EInvalidLicense, 400},
		{meterd.EInvalidProductCode, 400},
		{meterd.EInvalidPublicKeyVersion, 400},
		{meterd.EInvalidRegion, 400},
		{meterd.EInvalidTag, 400},
		{meterd.EInvalidToken, 400},
		{meterd.EInvalidUsageAllocations, 400},
		{meterd.EInvalidUsageDimension, 400},
		{meterd.EPlatformNotSupported, 400},
		{meterd.EThrottling, 400},
		{meterd.ETimestampOutOfBounds, 400},
		{meterd.EInvalidParameter, 400},
		{meterd.EValidation, 400},
		{meterd.ESerialization, 400},
		{meterd.EUnknownOperation, 400},
		{meterd.EMissingAuthenticationToken, 403},
		{meterd.EIncompleteSignature, 400},
		{meterd.EInvalidSignature, 400},
		{meterd.EUnrecognizedClient, 400},
		{meterd.EAccessDenied, 400},
		{meterd.ENotFound, 500},
		{"", 500},
	}
	for _, tt := range tests {
		if got := HTTPStatus(tt.code); got != tt.want {
			t.Errorf("HTTPStatus(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestModeledErrors(t *testing.T) {
	tests := []struct {
		service string
		want    []string
	}{
		{"AWSMPMeteringService", []string{
			meterd.ECustomerNotEntitled, meterd.EDisabledAPI, meterd.EDuplicateRequest, meterd.EExpiredToken,
			meterd.EIdempotencyConflict, meterd.EInternalServiceError, meterd.EInvalidCustomerIdentifier,
			meterd.EInvalidEndpointRegion, meterd.EInvalidLicense, meterd.EInvalidProductCode,
			meterd.EInvalidPublicKeyVersion, meterd.EInvalidRegion, meterd.EInvalidTag, meterd.EInvalidToken,
			meterd.EInvalidUsageAllocations, meterd.EInvalidUsageDimension, meterd.EPlatformNotSupported,
			meterd.EThrottling, meterd.ETimestampOutOfBounds,
		}},
		{"AWSMPEntitlementService", []string{meterd.EInternalServiceError, meterd.EInvalidParameter, meterd.EThrottling}},
		{"NoSuchService", nil},
	}
	for _, tt := range tests {
		got := ModeledErrors(tt.service)
		if !slices.Equal(got, tt.want) {
			t.Errorf("ModeledErrors(%s) = %v, want %v", tt.service, got, tt.want)
		}
	}
	ModeledErrors("AWSMPEntitlementService")[0] = "changed"
	if ModeledErrors("AWSMPEntitlementService")[0] == "changed" {
		t.Error("ModeledErrors returns the registry's own slice")
	}
}

// TestWriteErrorJSON checks status, headers and body of JSON errors.
func TestWriteErrorJSON(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		status   int
		code     string
		wantBody string
	}{
		{"throttling", meterd.Errorf(meterd.EThrottling, "Rate exceeded"), 400, meterd.EThrottling,
			`{"__type":"ThrottlingException","message":"Rate exceeded"}`},
		{"idempotency conflict", meterd.Errorf(meterd.EIdempotencyConflict, "token reused"), 409, meterd.EIdempotencyConflict,
			`{"__type":"IdempotencyConflictException","message":"token reused"}`},
		{"wrapped modeled error", fmt.Errorf("meter: %w", meterd.Errorf(meterd.EInvalidTag, "bad tag")), 400, meterd.EInvalidTag,
			`{"__type":"InvalidTagException","message":"bad tag"}`},
		{"missing token", meterd.Errorf(meterd.EMissingAuthenticationToken, "Missing Authentication Token"), 403, meterd.EMissingAuthenticationToken,
			`{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}`},
		// A successful MeterUsage DryRun answers 200; the EC2-style code is
		// no longer one meterd sends.
		{"retired DryRunOperation code", meterd.Errorf("DryRunOperation", "would have succeeded"), 500, meterd.EInternalServiceError,
			`{"__type":"InternalServiceErrorException","message":"` + genericMessage + `"}`},
		{"internal with message", meterd.Errorf(meterd.EInternalServiceError, "try again"), 500, meterd.EInternalServiceError,
			`{"__type":"InternalServiceErrorException","message":"try again"}`},
		{"plain error", errors.New("disk on fire at /var/lib"), 500, meterd.EInternalServiceError,
			`{"__type":"InternalServiceErrorException","message":"` + genericMessage + `"}`},
		{"store code", meterd.Errorf(meterd.ENotFound, "row 7 missing"), 500, meterd.EInternalServiceError,
			`{"__type":"InternalServiceErrorException","message":"` + genericMessage + `"}`},
		{"message escaping", meterd.Errorf(meterd.EValidation, `Value 'a"b' at 'x'`), 400, meterd.EValidation,
			`{"__type":"ValidationException","message":"Value 'a\"b' at 'x'"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, JSON, "req-9", tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
			assertHeaders(t, rec, map[string]string{
				"Content-Type": "application/x-amz-json-1.1", "X-Amzn-ErrorType": tt.code, "X-Amzn-RequestId": "req-9",
			})
		})
	}
}

// TestWriteErrorCBOR checks the CBOR error map the Go SDK reads.
func TestWriteErrorCBOR(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, CBOR, "req-10", meterd.Errorf(meterd.EInvalidParameter, "bad filter"))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", rec.Code)
	}
	assertHeaders(t, rec, map[string]string{
		"Content-Type": "application/cbor", "Smithy-Protocol": "rpc-v2-cbor", "X-Amzn-RequestId": "req-10", "X-Amzn-ErrorType": "",
	})
	doc, err := smithycbor.Decode(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := smithycbor.Map{"__type": smithycbor.String("InvalidParameterException"), "message": smithycbor.String("bad filter")}
	if fmt.Sprint(doc) != fmt.Sprint(want) {
		t.Errorf("body = %v, want %v", doc, want)
	}
}

// TestCBORInternalErrorBody checks the hand-encoded fallback body.
func TestCBORInternalErrorBody(t *testing.T) {
	doc, err := smithycbor.Decode(cborInternalError)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	m := doc.(smithycbor.Map)
	if m["__type"] != smithycbor.String(meterd.EInternalServiceError) || m["message"] != smithycbor.String("Internal failure.") {
		t.Errorf("body = %v", m)
	}
}
