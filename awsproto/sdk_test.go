package awsproto

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	credentialsv1 "github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"
	"github.com/aws/smithy-go"

	"github.com/meterd/meterd"
)

const testRequestID = "0f5b7a9e-request"

// handlerFunc answers a decoded input; the test server wraps it in the
// same decode / encode steps the real server uses.
type handlerFunc func(op *Operation, in any) (any, error)

func newSDKServer(t *testing.T, handle handlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		proto, op, ok := JSON, (*Operation)(nil), false
		if strings.HasPrefix(r.URL.Path, "/service/") {
			proto = CBOR
			op, ok = OperationByPath(r.URL.Path)
		} else {
			op, ok = OperationByTarget(r.Header.Get("X-Amz-Target"))
		}
		if !ok {
			WriteError(w, proto, testRequestID, meterd.Errorf(meterd.EUnknownOperation, ""))
			return
		}
		in := op.NewInput()
		if err := Decode(proto, op, body, in); err != nil {
			WriteError(w, proto, testRequestID, err)
			return
		}
		out, err := handle(op, in)
		if err != nil {
			WriteError(w, proto, testRequestID, err)
			return
		}
		WriteResult(w, proto, testRequestID, out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func meteringClient(url string) *marketplacemetering.Client {
	return marketplacemetering.New(marketplacemetering.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// TestSDKMeterUsage round-trips MeterUsage through aws-sdk-go-v2.
func TestSDKMeterUsage(t *testing.T) {
	ts := time.UnixMilli(1700000000123).UTC()
	var got *meterd.MeterUsageRequest
	srv := newSDKServer(t, func(op *Operation, in any) (any, error) {
		got = in.(*meterd.MeterUsageRequest)
		return &meterd.MeterUsageResult{MeteringRecordId: "rec-1"}, nil
	})
	out, err := meteringClient(srv.URL).MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
		ProductCode: aws.String("prod-1"), Timestamp: &ts, UsageDimension: aws.String("dim"),
		UsageQuantity: aws.Int32(4), DryRun: aws.Bool(true),
		UsageAllocations: []types.UsageAllocation{
			{AllocatedUsageQuantity: aws.Int32(4), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}},
		},
	})
	if err != nil {
		t.Fatalf("MeterUsage: %v", err)
	}
	if aws.ToString(out.MeteringRecordId) != "rec-1" {
		t.Errorf("MeteringRecordId = %q", aws.ToString(out.MeteringRecordId))
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != testRequestID {
		t.Errorf("request id = %q, want %q", id, testRequestID)
	}
	if len(got.ClientToken) == 0 || len(got.ClientToken) > 64 {
		t.Errorf("ClientToken = %q, want the SDK's generated token", got.ClientToken)
	}
	want := &meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: ts, UsageDimension: "dim", UsageQuantity: 4, DryRun: true,
		UsageAllocations: []meterd.UsageAllocation{{AllocatedUsageQuantity: 4, Tags: []meterd.Tag{{Key: "k", Value: "v"}}}},
		ClientToken:      got.ClientToken}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v\nwant %+v", got, want)
	}
}

// TestSDKBatchMeterUsage checks that the SDK reads echoed records,
// including fractional timestamps and a zero Quantity.
func TestSDKBatchMeterUsage(t *testing.T) {
	ts := time.UnixMilli(1700000000500).UTC()
	srv := newSDKServer(t, func(op *Operation, in any) (any, error) {
		req := in.(*meterd.BatchMeterUsageRequest)
		res := &meterd.BatchMeterUsageResult{UnprocessedRecords: []meterd.UsageRecord{}}
		for i := range req.UsageRecords {
			res.Results = append(res.Results, meterd.UsageRecordResult{
				UsageRecord: &req.UsageRecords[i], MeteringRecordId: "id", Status: meterd.StatusSuccess})
		}
		return res, nil
	})
	out, err := meteringClient(srv.URL).BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("prod-1"),
		UsageRecords: []types.UsageRecord{{
			Timestamp: &ts, Dimension: aws.String("dim"), Quantity: aws.Int32(0),
			CustomerIdentifier: aws.String("cust-1"), CustomerAWSAccountId: aws.String("123456789012"),
		}},
	})
	if err != nil {
		t.Fatalf("BatchMeterUsage: %v", err)
	}
	if len(out.Results) != 1 || out.UnprocessedRecords == nil {
		t.Fatalf("Results = %+v, UnprocessedRecords = %v", out.Results, out.UnprocessedRecords)
	}
	r := out.Results[0]
	if r.Status != types.UsageRecordResultStatusSuccess || !r.UsageRecord.Timestamp.Equal(ts) ||
		aws.ToInt32(r.UsageRecord.Quantity) != 0 || r.UsageRecord.Quantity == nil ||
		aws.ToString(r.UsageRecord.CustomerAWSAccountId) != "123456789012" {
		t.Errorf("result = %+v, record %+v", r, r.UsageRecord)
	}
}

// TestSDKRegisterAndResolve checks the remaining two metering outputs.
func TestSDKRegisterAndResolve(t *testing.T) {
	rotated := time.UnixMilli(1600000000250).UTC()
	srv := newSDKServer(t, func(op *Operation, in any) (any, error) {
		switch in := in.(type) {
		case *meterd.RegisterUsageRequest:
			return &meterd.RegisterUsageResult{PublicKeyRotationTimestamp: &rotated, Signature: in.Nonce + ".jwt"}, nil
		case *meterd.ResolveCustomerRequest:
			return &meterd.ResolveCustomerResult{CustomerIdentifier: in.RegistrationToken + "-c", ProductCode: "p", CustomerAWSAccountId: "1"}, nil
		}
		return nil, errors.New("unexpected input")
	})
	client := meteringClient(srv.URL)
	reg, err := client.RegisterUsage(context.Background(), &marketplacemetering.RegisterUsageInput{
		ProductCode: aws.String("p"), PublicKeyVersion: aws.Int32(1), Nonce: aws.String("n")})
	if err != nil {
		t.Fatalf("RegisterUsage: %v", err)
	}
	if !reg.PublicKeyRotationTimestamp.Equal(rotated) || aws.ToString(reg.Signature) != "n.jwt" {
		t.Errorf("RegisterUsage = %v %q", reg.PublicKeyRotationTimestamp, aws.ToString(reg.Signature))
	}
	res, err := client.ResolveCustomer(context.Background(), &marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String("tok")})
	if err != nil {
		t.Fatalf("ResolveCustomer: %v", err)
	}
	if aws.ToString(res.CustomerIdentifier) != "tok-c" || aws.ToString(res.CustomerAWSAccountId) != "1" {
		t.Errorf("ResolveCustomer = %+v", res)
	}
}

// TestSDKErrors checks that the SDK maps each error to its modeled type or
// a generic API error with the right code, message and request id.
func TestSDKErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		quantity  int32
		target    any // pointer to the modeled error type, nil for generic
		code, msg string
	}{
		{"duplicate request", meterd.Errorf(meterd.EDuplicateRequest, "dup"), 1, new(*types.DuplicateRequestException), meterd.EDuplicateRequest, "dup"},
		{"idempotency conflict 409", meterd.Errorf(meterd.EIdempotencyConflict, "conflict"), 1, new(*types.IdempotencyConflictException), meterd.EIdempotencyConflict, "conflict"},
		{"throttling", meterd.Errorf(meterd.EThrottling, "Rate exceeded"), 1, new(*types.ThrottlingException), meterd.EThrottling, "Rate exceeded"},
		{"internal 500", errors.New("secret detail"), 1, new(*types.InternalServiceErrorException), meterd.EInternalServiceError, genericMessage},
		{"validation", nil, -1, nil, meterd.EValidation,
			detected(violation("-1", "usageQuantity", minValue+"0"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newSDKServer(t, func(*Operation, any) (any, error) { return nil, tt.err })
			ts := time.Unix(1700000000, 0)
			_, err := meteringClient(srv.URL).MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{
				ProductCode: aws.String("p"), Timestamp: &ts, UsageDimension: aws.String("d"), UsageQuantity: aws.Int32(tt.quantity)})
			if tt.target != nil && !errors.As(err, tt.target) {
				t.Errorf("error %v (%T) is not a %T", err, err, tt.target)
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code || apiErr.ErrorMessage() != tt.msg {
				t.Errorf("API error = %v, want %s: %s", err, tt.code, tt.msg)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) || respErr.ServiceRequestID() != testRequestID {
				t.Errorf("request id of %v missing", err)
			}
		})
	}
}

// TestSDKv1GetEntitlements round-trips GetEntitlements (AWS JSON 1.1)
// through aws-sdk-go v1, the newest Go client with an entitlement service.
func TestSDKv1GetEntitlements(t *testing.T) {
	expires := time.UnixMilli(1900000000500).UTC()
	var got *meterd.GetEntitlementsRequest
	srv := newSDKServer(t, func(op *Operation, in any) (any, error) {
		got = in.(*meterd.GetEntitlementsRequest)
		return &meterd.GetEntitlementsResult{
			Entitlements: []meterd.EntitlementOutput{{
				ProductCode: "prod-1", Dimension: "seats", CustomerIdentifier: "c",
				Value: &meterd.EntitlementValue{IntegerValue: ptr[int32](10)}, ExpirationDate: &expires,
			}},
			NextToken: "next",
		}, nil
	})
	sess := session.Must(session.NewSession(&awsv1.Config{
		Region: awsv1.String("us-east-1"), Endpoint: awsv1.String(srv.URL), MaxRetries: awsv1.Int(0),
		Credentials: credentialsv1.NewStaticCredentials("AKIDEXAMPLE", "secret", ""),
	}))
	out, err := marketplaceentitlementservice.New(sess).GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("prod-1"), MaxResults: awsv1.Int64(5),
		Filter: map[string][]*string{"DIMENSION": {awsv1.String("seats")}},
	})
	if err != nil {
		t.Fatalf("GetEntitlements: %v", err)
	}
	want := &meterd.GetEntitlementsRequest{ProductCode: "prod-1", MaxResults: 5, Filter: map[string][]string{"DIMENSION": {"seats"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
	if len(out.Entitlements) != 1 || awsv1.StringValue(out.NextToken) != "next" {
		t.Fatalf("output = %v", out)
	}
	e := out.Entitlements[0]
	if awsv1.Int64Value(e.Value.IntegerValue) != 10 || !awsv1.TimeValue(e.ExpirationDate).Equal(expires) {
		t.Errorf("entitlement = %v", e)
	}
}
