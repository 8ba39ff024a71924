package awsproto

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/meterd/meterd"
)

var (
	y2k    = time.Unix(946684800, 0).UTC()
	withMs = time.UnixMilli(1700000000123).UTC()
)

// TestWriteResultJSON checks the exact JSON of each output shape.
func TestWriteResultJSON(t *testing.T) {
	record := meterd.UsageRecord{
		Timestamp: y2k, CustomerIdentifier: "cust-1", Dimension: "dim", Quantity: ptr[int32](0),
		UsageAllocations:     []meterd.UsageAllocation{{AllocatedUsageQuantity: 0, Tags: []meterd.Tag{{Key: "k", Value: "v"}}}},
		CustomerAWSAccountId: "123456789012", LicenseArn: "arn:aws:license-manager::1:l",
	}
	const recordJSON = `{"Timestamp":946684800,"CustomerIdentifier":"cust-1","Dimension":"dim","Quantity":0,` +
		`"UsageAllocations":[{"AllocatedUsageQuantity":0,"Tags":[{"Key":"k","Value":"v"}]}],` +
		`"CustomerAWSAccountId":"123456789012","LicenseArn":"arn:aws:license-manager::1:l"}`
	tests := []struct {
		name string
		out  any
		want string
	}{
		{"MeterUsage", &meterd.MeterUsageResult{MeteringRecordId: "id-1"}, `{"MeteringRecordId":"id-1"}`},
		{"MeterUsage by value", meterd.MeterUsageResult{MeteringRecordId: "id-1"}, `{"MeteringRecordId":"id-1"}`},
		{"empty result", &meterd.MeterUsageResult{}, `{}`},
		{"nil result", (*meterd.MeterUsageResult)(nil), `{}`},
		{"untyped nil", nil, `{}`},
		{"BatchMeterUsage", &meterd.BatchMeterUsageResult{
			Results: []meterd.UsageRecordResult{
				{UsageRecord: &record, MeteringRecordId: "id-1", Status: meterd.StatusSuccess},
				{UsageRecord: &meterd.UsageRecord{Timestamp: withMs, Dimension: "d"}, Status: meterd.StatusCustomerNotSubscribed},
			},
			UnprocessedRecords: []meterd.UsageRecord{},
		}, `{"Results":[{"UsageRecord":` + recordJSON + `,"MeteringRecordId":"id-1","Status":"Success"},` +
			`{"UsageRecord":{"Timestamp":1700000000.123,"Dimension":"d"},"Status":"CustomerNotSubscribed"}],"UnprocessedRecords":[]}`},
		{"BatchMeterUsage nil lists", &meterd.BatchMeterUsageResult{}, `{}`},
		{"RegisterUsage", &meterd.RegisterUsageResult{PublicKeyRotationTimestamp: &withMs, Signature: "jwt"},
			`{"PublicKeyRotationTimestamp":1700000000.123,"Signature":"jwt"}`},
		{"RegisterUsage truncates to milliseconds",
			&meterd.RegisterUsageResult{PublicKeyRotationTimestamp: ptr(time.Unix(1700000000, 120999999))},
			`{"PublicKeyRotationTimestamp":1700000000.12}`},
		{"RegisterUsage negative fraction",
			&meterd.RegisterUsageResult{PublicKeyRotationTimestamp: ptr(time.UnixMilli(-1500))},
			`{"PublicKeyRotationTimestamp":-1.5}`},
		{"ResolveCustomer", &meterd.ResolveCustomerResult{CustomerIdentifier: "c", ProductCode: "p", CustomerAWSAccountId: "1", LicenseArn: "arn"},
			`{"CustomerIdentifier":"c","ProductCode":"p","CustomerAWSAccountId":"1","LicenseArn":"arn"}`},
		{"GetEntitlements", &meterd.GetEntitlementsResult{
			Entitlements: []meterd.EntitlementOutput{
				{ProductCode: "p", Dimension: "d", CustomerIdentifier: "c", CustomerAWSAccountId: "1",
					Value: &meterd.EntitlementValue{IntegerValue: ptr[int32](0)}, ExpirationDate: &y2k, LicenseArn: "arn"},
				{Value: &meterd.EntitlementValue{DoubleValue: ptr(1.5)}},
				{Value: &meterd.EntitlementValue{BooleanValue: ptr(false)}},
				{Value: &meterd.EntitlementValue{StringValue: ptr("")}},
			},
			NextToken: "nt",
		}, `{"Entitlements":[{"ProductCode":"p","Dimension":"d","CustomerIdentifier":"c","CustomerAWSAccountId":"1",` +
			`"Value":{"IntegerValue":0},"ExpirationDate":946684800,"LicenseArn":"arn"},{"Value":{"DoubleValue":1.5}},` +
			`{"Value":{"BooleanValue":false}},{"Value":{"StringValue":""}}],"NextToken":"nt"}`},
		{"GetEntitlements empty list", &meterd.GetEntitlementsResult{Entitlements: []meterd.EntitlementOutput{}}, `{"Entitlements":[]}`},
		{"string escaping", &meterd.MeterUsageResult{MeteringRecordId: "\"\\<>&\n\r\t\x01é\xff"},
			`{"MeteringRecordId":"\"\\<>&\n\r\t\u0001é\ufffd"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteResult(rec, JSON, "req-1", tt.out)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			if got := rec.Body.String(); got != tt.want {
				t.Errorf("body =\n%s\nwant\n%s", got, tt.want)
			}
			assertHeaders(t, rec, map[string]string{
				"Content-Type": "application/x-amz-json-1.1", "X-Amzn-RequestId": "req-1",
				"Content-Length": strconv.Itoa(len(tt.want)), "Smithy-Protocol": "",
			})
		})
	}
}

// TestWriteResultCBOR decodes CBOR results the way aws-sdk-go-v2 does:
// timestamps must carry tag 1.
func TestWriteResultCBOR(t *testing.T) {
	out := &meterd.GetEntitlementsResult{
		Entitlements: []meterd.EntitlementOutput{
			{ProductCode: "p", Dimension: "d", Value: &meterd.EntitlementValue{DoubleValue: ptr(2.5)}, ExpirationDate: &y2k},
			{Value: &meterd.EntitlementValue{IntegerValue: ptr[int32](-3)}, ExpirationDate: &withMs},
		},
		NextToken: "nt",
	}
	rec := httptest.NewRecorder()
	WriteResult(rec, CBOR, "req-2", out)
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	assertHeaders(t, rec, map[string]string{
		"Content-Type": "application/cbor", "Smithy-Protocol": "rpc-v2-cbor", "X-Amzn-RequestId": "req-2",
		"Content-Length": strconv.Itoa(rec.Body.Len()),
	})
	doc, err := smithycbor.Decode(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	body := doc.(smithycbor.Map)
	if got := body["NextToken"]; got != smithycbor.String("nt") {
		t.Errorf("NextToken = %#v", got)
	}
	list := body["Entitlements"].(smithycbor.List)
	if len(list) != 2 {
		t.Fatalf("Entitlements has %d entries, want 2", len(list))
	}
	first, second := list[0].(smithycbor.Map), list[1].(smithycbor.Map)
	assertCBORTime(t, first["ExpirationDate"], y2k, smithycbor.Uint(946684800))
	assertCBORTime(t, second["ExpirationDate"], withMs, smithycbor.Float64(1700000000.123))
	if got := first["Value"].(smithycbor.Map)["DoubleValue"]; got != smithycbor.Float64(2.5) {
		t.Errorf("DoubleValue = %#v, want 2.5", got)
	}
	if got := second["Value"].(smithycbor.Map)["IntegerValue"]; got != smithycbor.NegInt(3) {
		t.Errorf("IntegerValue = %#v, want -3", got)
	}
	if _, ok := second["ProductCode"]; ok {
		t.Error("empty ProductCode was written")
	}
}

// TestWriteResultCBORKeepsMemberOrder checks the exact bytes: members in
// model order, like the JSON encoding.
func TestWriteResultCBORKeepsMemberOrder(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteResult(rec, CBOR, "", &meterd.ResolveCustomerResult{CustomerIdentifier: "c", ProductCode: "p"})
	want := cat(cborHead(5, 2), cborText("CustomerIdentifier"), cborText("c"), cborText("ProductCode"), cborText("p"))
	if got := rec.Body.Bytes(); string(got) != string(want) {
		t.Errorf("body = %x, want %x", got, want)
	}
	if got := rec.Header().Get("X-Amzn-RequestId"); got != "" {
		t.Errorf("request id header = %q for an empty id", got)
	}
}

func assertCBORTime(t *testing.T, v smithycbor.Value, want time.Time, content smithycbor.Value) {
	t.Helper()
	tag, ok := v.(*smithycbor.Tag)
	if !ok || tag.ID != 1 || tag.Value != content {
		t.Errorf("timestamp = %#v, want tag 1 around %#v", v, content)
	}
	got, err := smithycbor.AsTime(v)
	if err != nil || !got.Equal(want) {
		t.Errorf("AsTime = %v, %v; want %v", got, err, want)
	}
}

// TestWriteResultUnknownType answers a programming error with a 500.
func TestWriteResultUnknownType(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteResult(rec, JSON, "req-3", &meterd.MeterUsageRequest{})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	want := `{"__type":"InternalServiceErrorException","message":"An internal error has occurred. Retry your request."}`
	if got := rec.Body.String(); got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func assertHeaders(t *testing.T, rec *httptest.ResponseRecorder, want map[string]string) {
	t.Helper()
	for name, value := range want {
		if got := rec.Header().Get(name); got != value {
			t.Errorf("header %s = %q, want %q", name, got, value)
		}
	}
}
