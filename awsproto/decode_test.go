package awsproto

import (
	"strings"
	"testing"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/meterd/meterd"
)

func ptr[T any](v T) *T { return &v }

// TestDecodeJSONBinds checks that valid requests bind every member.
func TestDecodeJSONBinds(t *testing.T) {
	ts := time.Unix(946684800, 0).UTC()
	longArn := "arn:aws:license-manager::123456789012:l" + strings.Repeat("a", 1023)
	tests := []struct {
		name, op, body string
		want           any
	}{
		{"MeterUsage/SDK snapshot", "MeterUsage",
			`{"ClientToken":"tok-1","DryRun":true,"ProductCode":"prod-1","Timestamp":946684800,` +
				`"UsageAllocations":[{"AllocatedUsageQuantity":1,"Tags":[{"Key":"k1","Value":"v1"}]},{"AllocatedUsageQuantity":2}],` +
				`"UsageDimension":"dim","UsageQuantity":3}`,
			&meterd.MeterUsageRequest{
				ProductCode: "prod-1", Timestamp: ts, UsageDimension: "dim", UsageQuantity: 3, DryRun: true,
				UsageAllocations: []meterd.UsageAllocation{
					{AllocatedUsageQuantity: 1, Tags: []meterd.Tag{{Key: "k1", Value: "v1"}}},
					{AllocatedUsageQuantity: 2},
				},
				ClientToken: "tok-1",
			}},
		{"MeterUsage/fractional timestamp rounds to milliseconds", "MeterUsage", obj("MeterUsage", "Timestamp", "1700000000.1234"),
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: time.UnixMilli(1700000000123).UTC(), UsageDimension: "dim"}},
		{"MeterUsage/millisecond timestamp", "MeterUsage", obj("MeterUsage", "Timestamp", "1700000000.999"),
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: time.UnixMilli(1700000000999).UTC(), UsageDimension: "dim"}},
		{"MeterUsage/exponent timestamp", "MeterUsage", obj("MeterUsage", "Timestamp", "1.7e9"),
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: time.Unix(1700000000, 0).UTC(), UsageDimension: "dim"}},
		{"MeterUsage/empty productCode is valid", "MeterUsage", obj("MeterUsage", "ProductCode", `""`),
			&meterd.MeterUsageRequest{Timestamp: time.Unix(1700000000, 0).UTC(), UsageDimension: "dim"}},
		{"MeterUsage/unknown and null members are absent", "MeterUsage",
			obj("MeterUsage", "Unknown", `{"x":[1,"y",null]}`, "DryRun", "null", "UsageAllocations", "null"),
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: time.Unix(1700000000, 0).UTC(), UsageDimension: "dim"}},
		{"MeterUsage/integral float quantity", "MeterUsage", obj("MeterUsage", "UsageQuantity", "1e2"),
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: time.Unix(1700000000, 0).UTC(), UsageDimension: "dim", UsageQuantity: 100}},
		{"MeterUsage/int32 max quantity", "MeterUsage", obj("MeterUsage", "UsageQuantity", "2147483647"),
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: time.Unix(1700000000, 0).UTC(), UsageDimension: "dim", UsageQuantity: 2147483647}},
		{"MeterUsage/tag characters in the space-to-equals range", "MeterUsage",
			obj("MeterUsage", "UsageAllocations", `[{"AllocatedUsageQuantity":0,"Tags":[{"Key":"a!<#;b","Value":"x y/z@1"}]}]`),
			&meterd.MeterUsageRequest{ProductCode: "prod-1", Timestamp: time.Unix(1700000000, 0).UTC(), UsageDimension: "dim",
				UsageAllocations: []meterd.UsageAllocation{{Tags: []meterd.Tag{{Key: "a!<#;b", Value: "x y/z@1"}}}}}},
		{"BatchMeterUsage/SDK snapshot", "BatchMeterUsage",
			`{"ProductCode":"prod-1","UsageRecords":[{"CustomerAWSAccountId":"123456789012","CustomerIdentifier":"cust-1",` +
				`"Dimension":"dim","LicenseArn":"arn:aws:license-manager::123456789012:license/lic-1","Quantity":0,"Timestamp":946684800,` +
				`"UsageAllocations":[{"AllocatedUsageQuantity":0}]},{"Dimension":"d2","Timestamp":946684800.5}]}`,
			&meterd.BatchMeterUsageRequest{ProductCode: "prod-1", UsageRecords: []meterd.UsageRecord{
				{Timestamp: ts, CustomerIdentifier: "cust-1", Dimension: "dim", Quantity: ptr[int32](0),
					UsageAllocations:     []meterd.UsageAllocation{{}},
					CustomerAWSAccountId: "123456789012", LicenseArn: "arn:aws:license-manager::123456789012:license/lic-1"},
				{Timestamp: ts.Add(500 * time.Millisecond), Dimension: "d2"},
			}}},
		{"BatchMeterUsage/empty list", "BatchMeterUsage", `{"UsageRecords":[]}`,
			&meterd.BatchMeterUsageRequest{UsageRecords: []meterd.UsageRecord{}}},
		{"BatchMeterUsage/licenseArn resource of 1024 chars", "BatchMeterUsage",
			obj("BatchMeterUsage", "UsageRecords", "["+obj("Record", "LicenseArn", js(longArn))+"]"),
			&meterd.BatchMeterUsageRequest{UsageRecords: []meterd.UsageRecord{
				{Timestamp: time.Unix(1700000000, 0).UTC(), Dimension: "dim", LicenseArn: longArn}}}},
		{"RegisterUsage", "RegisterUsage", `{"Nonce":"n-1","ProductCode":"prod-1","PublicKeyVersion":1}`,
			&meterd.RegisterUsageRequest{ProductCode: "prod-1", PublicKeyVersion: 1, Nonce: "n-1"}},
		{"ResolveCustomer", "ResolveCustomer", `{"RegistrationToken":"tok en\n"}`,
			&meterd.ResolveCustomerRequest{RegistrationToken: "tok en\n"}},
		{"GetEntitlements", "GetEntitlements",
			`{"ProductCode":"prod-1","Filter":{"CUSTOMER_IDENTIFIER":["c1","c2"],"DIMENSION":["d"]},"NextToken":"nt","MaxResults":25}`,
			&meterd.GetEntitlementsRequest{ProductCode: "prod-1", NextToken: "nt", MaxResults: 25,
				Filter: map[string][]string{"CUSTOMER_IDENTIFIER": {"c1", "c2"}, "DIMENSION": {"d"}}}},
		{"GetEntitlements/duplicate key keeps the last", "GetEntitlements", `{"ProductCode":"a","ProductCode":"b"}`,
			&meterd.GetEntitlementsRequest{ProductCode: "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustOp(t, tt.op)
			in := op.NewInput()
			assertDecoded(t, Decode(JSON, op, []byte(tt.body), in), in, tt.want)
		})
	}
}

// TestDecodeJSONSerialization checks malformed bodies and wrong types.
func TestDecodeJSONSerialization(t *testing.T) {
	const (
		number   = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an "
		str      = "class java.lang.String can not be converted to an "
		boolean  = "class java.lang.Boolean can not be converted to an "
		startMap = "Start of structure or map found where not expected."
		startLst = "Start of list found where not expected"
	)
	tests := []struct {
		name, op, body, msg string
	}{
		{"string for integer", "MeterUsage", obj("MeterUsage", "UsageQuantity", `"5"`), str + "Integer"},
		{"boolean for integer", "RegisterUsage", obj("RegisterUsage", "PublicKeyVersion", `true`), boolean + "Integer"},
		{"number for string", "MeterUsage", obj("MeterUsage", "ProductCode", `1`), number + "String"},
		{"boolean for string", "ResolveCustomer", `{"RegistrationToken":false}`, boolean + "String"},
		{"number for boolean", "MeterUsage", obj("MeterUsage", "DryRun", `1`), number + "Boolean"},
		{"string for boolean", "MeterUsage", obj("MeterUsage", "DryRun", `"yes"`), "'YES' can not be converted to an Boolean"},
		{"object for string", "MeterUsage", obj("MeterUsage", "ProductCode", `{}`), startMap},
		{"list for string", "MeterUsage", obj("MeterUsage", "UsageDimension", `["d"]`), startLst},
		{"string for list", "MeterUsage", obj("MeterUsage", "UsageAllocations", `"x"`), "Expected list or null"},
		{"object for list", "BatchMeterUsage", `{"UsageRecords":{}}`, startMap},
		{"string for structure", "MeterUsage", obj("MeterUsage", "UsageAllocations", `["x"]`), "Expected null"},
		{"list for structure", "BatchMeterUsage", `{"UsageRecords":[[]]}`, startLst},
		{"string for map", "GetEntitlements", obj("GetEntitlements", "Filter", `"x"`), "Expected map or null"},
		{"list for map", "GetEntitlements", obj("GetEntitlements", "Filter", `[]`), startLst},
		{"number in filter values", "GetEntitlements", obj("GetEntitlements", "Filter", `{"DIMENSION":[1]}`), number + "String"},
		{"fraction for integer", "MeterUsage", obj("MeterUsage", "UsageQuantity", `1.5`), "Numeric value (1.5) is not an integer"},
		{"integer above int32", "MeterUsage", obj("MeterUsage", "UsageQuantity", `2147483648`), "Numeric value (2147483648) out of range of int"},
		{"integer below int32", "GetEntitlements", obj("GetEntitlements", "MaxResults", `-2147483649`), "Numeric value (-2147483649) out of range of int"},
		{"integer above int64", "MeterUsage", obj("MeterUsage", "UsageQuantity", `99999999999999999999`), "Numeric value (99999999999999999999) out of range of int"},
		{"number above float64", "MeterUsage", obj("MeterUsage", "UsageQuantity", `1e400`), "Numeric value (1e400) out of range"},
		{"string timestamp", "MeterUsage", obj("MeterUsage", "Timestamp", `"2023-11-14T22:13:20Z"`), str + "Date"},
		{"boolean timestamp", "BatchMeterUsage", obj("BatchMeterUsage", "UsageRecords", "["+obj("Record", "Timestamp", "true")+"]"), boolean + "Date"},
		{"timestamp after year 9999", "MeterUsage", obj("MeterUsage", "Timestamp", `253402300800`), "Timestamp value (253402300800) out of range"},
		{"timestamp before year 1", "MeterUsage", obj("MeterUsage", "Timestamp", `-62135596800.5`), "Timestamp value (-62135596800.5) out of range"},
		{"null in list", "MeterUsage", obj("MeterUsage", "UsageAllocations", `[null]`), "Null values are not allowed in lists"},
		{"null map value", "GetEntitlements", obj("GetEntitlements", "Filter", `{"DIMENSION":null}`), "Null values are not allowed in maps"},
		{"null in map value list", "GetEntitlements", obj("GetEntitlements", "Filter", `{"DIMENSION":[null]}`), "Null values are not allowed in lists"},
		{"type errors before validation", "MeterUsage", `{"UsageQuantity":"x"}`, str + "Integer"},
		{"truncated", "MeterUsage", `{"ProductCode":`, "Malformed JSON request body: unexpected end of input"},
		{"invalid character", "MeterUsage", `{x}`, "Malformed JSON request body: invalid character 'x' looking for beginning of object key string at offset 2"},
		{"trailing data", "MeterUsage", `{} {}`, "Malformed JSON request body: unexpected data after the top-level object"},
		{"trailing garbage", "MeterUsage", `{}x`, "Malformed JSON request body: unexpected data after the top-level object"},
		{"top-level list", "ResolveCustomer", `[]`, startLst},
		{"top-level string", "ResolveCustomer", `"x"`, "Expected null"},
		{"top-level number", "ResolveCustomer", `1`, "Expected null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustOp(t, tt.op)
			assertError(t, Decode(JSON, op, []byte(tt.body), op.NewInput()), meterd.ESerialization, tt.msg)
		})
	}
}

// TestDecodeRejectsWrongInput checks that a programming error is reported,
// not panicked on.
func TestDecodeRejectsWrongInput(t *testing.T) {
	op := mustOp(t, "MeterUsage")
	for _, in := range []any{nil, meterd.MeterUsageRequest{}, &meterd.RegisterUsageRequest{}} {
		err := Decode(JSON, op, []byte(`{}`), in)
		if err == nil || meterd.ErrorCode(err) != meterd.EInternalServiceError {
			t.Errorf("Decode into %T = %v, want an internal error", in, err)
		}
	}
	if err := Decode(JSON, nil, []byte(`{}`), &meterd.MeterUsageRequest{}); meterd.ErrorCode(err) != meterd.EInternalServiceError {
		t.Errorf("Decode with nil operation = %v, want an internal error", err)
	}
}

func BenchmarkDecodeJSONMeterUsage(b *testing.B) {
	op := mustOp(b, "MeterUsage")
	body := []byte(`{"ClientToken":"8c1d7c9e-2f4b-4a53-9f0e-3c7a6b1d2e4f","ProductCode":"prod-1","Timestamp":1700000000.123,` +
		`"UsageAllocations":[{"AllocatedUsageQuantity":1,"Tags":[{"Key":"k","Value":"v"}]}],"UsageDimension":"dim","UsageQuantity":1}`)
	for b.Loop() {
		if err := Decode(JSON, op, body, op.NewInput()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCBORGetEntitlements(b *testing.B) {
	op := mustOp(b, "GetEntitlements")
	body := entitlementsRequest(smithycbor.Map{
		"Filter":     smithycbor.Map{"DIMENSION": smithycbor.List{smithycbor.String("seats")}},
		"MaxResults": smithycbor.Uint(25),
	})
	for b.Loop() {
		if err := Decode(CBOR, op, body, op.NewInput()); err != nil {
			b.Fatal(err)
		}
	}
}
