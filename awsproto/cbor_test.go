package awsproto

import (
	"bytes"
	"testing"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/meterd/meterd"
)

// cborText encodes a definite-length text string.
func cborText(s string) []byte { return append(cborHead(3, uint64(len(s))), s...) }

// cborMap encodes a definite-length map of alternating keys and values.
func cborMap(kv ...[]byte) []byte {
	return bytes.Join(append([][]byte{cborHead(5, uint64(len(kv)/2))}, kv...), nil)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// entitlementsRequest is a GetEntitlements body as aws-sdk-go-v2 encodes it.
func entitlementsRequest(extra smithycbor.Map) []byte {
	m := smithycbor.Map{"ProductCode": smithycbor.String("prod-1")}
	for k, v := range extra {
		m[k] = v
	}
	return smithycbor.Encode(m)
}

// TestDecodeCBOR covers GetEntitlements over RPC v2 CBOR: the encodings
// clients send, the constraints and the decoder's safety limits.
func TestDecodeCBOR(t *testing.T) {
	pc := cborText("ProductCode")
	prod := cborText("prod-1")
	maxResults := cborText("MaxResults")
	unknown := cborText("Unknown")
	indefinite := cat(
		[]byte{0xbf},
		[]byte{0x7f, 0x64}, []byte("Prod"), []byte{0x67}, []byte("uctCode"), []byte{0xff},
		[]byte{0x7f, 0x63}, []byte("pro"), []byte{0x63}, []byte("d-1"), []byte{0xff},
		cborText("Filter"), []byte{0xbf}, cborText("DIMENSION"), []byte{0x9f}, cborText("d"), []byte{0xff}, []byte{0xff},
		maxResults, []byte{0x05},
		[]byte{0xff},
	)
	tooMany := cat(cborHead(4, 5000), bytes.Repeat([]byte{0}, 5000))
	const malformed = "Malformed CBOR request body: <cut>"

	tests := []struct {
		name      string
		body      []byte
		want      *meterd.GetEntitlementsRequest
		code, msg string
	}{
		{name: "Go SDK encoding", body: entitlementsRequest(smithycbor.Map{
			"Filter": smithycbor.Map{
				"CUSTOMER_AWS_ACCOUNT_ID": smithycbor.List{smithycbor.String("123456789012")},
				"LICENSE_ARN":             smithycbor.List{smithycbor.String("arn:1"), smithycbor.String("arn:2")},
			},
			"NextToken":  smithycbor.String("nt"),
			"MaxResults": smithycbor.Uint(10),
		}), want: &meterd.GetEntitlementsRequest{ProductCode: "prod-1", NextToken: "nt", MaxResults: 10,
			Filter: map[string][]string{"CUSTOMER_AWS_ACCOUNT_ID": {"123456789012"}, "LICENSE_ARN": {"arn:1", "arn:2"}}}},
		{name: "indefinite-length map, strings and list", body: indefinite,
			want: &meterd.GetEntitlementsRequest{ProductCode: "prod-1", MaxResults: 5, Filter: map[string][]string{"DIMENSION": {"d"}}}},
		{name: "float64 integer", body: entitlementsRequest(smithycbor.Map{"MaxResults": smithycbor.Float64(7)}),
			want: &meterd.GetEntitlementsRequest{ProductCode: "prod-1", MaxResults: 7}},
		{name: "float16 integer", body: cborMap(pc, prod, maxResults, []byte{0xf9, 0x45, 0x00}),
			want: &meterd.GetEntitlementsRequest{ProductCode: "prod-1", MaxResults: 5}},
		{name: "null and undefined are absent", body: cborMap(pc, prod, cborText("NextToken"), []byte{0xf6}, maxResults, []byte{0xf7}),
			want: &meterd.GetEntitlementsRequest{ProductCode: "prod-1"}},
		{name: "unknown members are ignored", body: cborMap(pc, prod, unknown, cat(cborHead(6, 42), []byte{0x43, 1, 2, 3})),
			want: &meterd.GetEntitlementsRequest{ProductCode: "prod-1"}},

		{name: "empty body", body: nil, code: meterd.EInvalidParameter,
			msg: detected(violation("null", "productCode", notNull))},
		{name: "productCode min length", body: smithycbor.Encode(smithycbor.Map{"ProductCode": smithycbor.String("")}),
			code: meterd.EInvalidParameter, msg: detected(violation("", "productCode", minLen1))},
		{name: "filter key enum", body: entitlementsRequest(smithycbor.Map{"Filter": smithycbor.Map{"FOO": smithycbor.List{smithycbor.String("x")}}}),
			code: meterd.EInvalidParameter,
			msg:  detected(violation("{FOO=[x]}", "filter", "Map keys must satisfy constraint: [Member must satisfy enum value set: "+filterNames+"]"))},
		{name: "filter value min length", body: entitlementsRequest(smithycbor.Map{"Filter": smithycbor.Map{"DIMENSION": smithycbor.List{}}}),
			code: meterd.EInvalidParameter,
			msg:  detected(violation("{DIMENSION=[]}", "filter", "Map value must satisfy constraint: ["+minLen1+"]"))},
		{name: "nextToken pattern", body: entitlementsRequest(smithycbor.Map{"NextToken": smithycbor.String("a\tb")}),
			code: meterd.EInvalidParameter, msg: detected(violation("a\tb", "nextToken", mustMatch+noSpacePattern))},
		{name: "maxResults max", body: entitlementsRequest(smithycbor.Map{"MaxResults": smithycbor.Uint(26)}),
			code: meterd.EInvalidParameter, msg: detected(violation("26", "maxResults", maxValue+"25"))},
		{name: "maxResults min", body: entitlementsRequest(smithycbor.Map{"MaxResults": smithycbor.NegInt(1)}),
			code: meterd.EInvalidParameter, msg: detected(violation("-1", "maxResults", minValue+"1"))},

		{name: "byte string for string", body: cborMap(pc, []byte{0x43, 'a', 'b', 'c'}),
			code: meterd.ESerialization, msg: "class java.nio.ByteBuffer can not be converted to an String"},
		{name: "tagged time for string", body: cborMap(pc, []byte{0xc1, 0x01}),
			code: meterd.ESerialization, msg: "class java.util.Date can not be converted to an String"},
		{name: "simple value for string", body: cborMap(pc, []byte{0xf0}),
			code: meterd.ESerialization, msg: "class java.lang.Object can not be converted to an String"},
		{name: "string for integer", body: cborMap(pc, prod, maxResults, cborText("5")),
			code: meterd.ESerialization, msg: "class java.lang.String can not be converted to an Integer"},
		{name: "fraction for integer", body: entitlementsRequest(smithycbor.Map{"MaxResults": smithycbor.Float64(5.5)}),
			code: meterd.ESerialization, msg: "Numeric value (5.5) is not an integer"},
		{name: "integer above int32", body: entitlementsRequest(smithycbor.Map{"MaxResults": smithycbor.Uint(1 << 40)}),
			code: meterd.ESerialization, msg: "Numeric value (1099511627776) out of range of int"},
		{name: "list for map", body: entitlementsRequest(smithycbor.Map{"Filter": smithycbor.List{}}),
			code: meterd.ESerialization, msg: "Start of list found where not expected"},
		{name: "top-level list", body: []byte{0x80},
			code: meterd.ESerialization, msg: "Start of list found where not expected"},
		{name: "truncated", body: cat([]byte{0xa1}, pc), code: meterd.ESerialization, msg: malformed},
		{name: "trailing bytes", body: cat(cborMap(pc, prod), []byte{0x00}), code: meterd.ESerialization, msg: malformed},
		{name: "integer map key", body: cborMap([]byte{0x01}, prod), code: meterd.ESerialization, msg: malformed},
		{name: "duplicate map key", body: cborMap(pc, prod, pc, prod), code: meterd.ESerialization, msg: malformed},
		{name: "invalid UTF-8", body: cborMap(pc, []byte{0x62, 0xff, 0xfe}), code: meterd.ESerialization, msg: malformed},
		{name: "NaN", body: cborMap(pc, prod, maxResults, []byte{0xf9, 0x7e, 0x00}), code: meterd.ESerialization, msg: malformed},
		{name: "infinity", body: cborMap(pc, prod, maxResults, []byte{0xf9, 0x7c, 0x00}), code: meterd.ESerialization, msg: malformed},
		{name: "bignum", body: cborMap(pc, prod, maxResults, []byte{0xc2, 0x41, 0x05}), code: meterd.ESerialization, msg: malformed},
		{name: "integer above int64", body: cborMap(pc, prod, maxResults, []byte{0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
			code: meterd.ESerialization, msg: malformed},
		{name: "nesting beyond the limit", body: cborMap(pc, prod, unknown, cat(bytes.Repeat([]byte{0x81}, 20), []byte{0x00})),
			code: meterd.ESerialization, msg: malformed},
		{name: "array beyond the element limit", body: cborMap(pc, prod, unknown, tooMany), code: meterd.ESerialization, msg: malformed},
		{name: "huge declared length without data", body: cborMap(pc, prod, unknown, []byte{0x9a, 0xff, 0xff, 0xff, 0xff}),
			code: meterd.ESerialization, msg: malformed},
	}
	op, ok := OperationByPath("/service/AWSMPEntitlementService/operation/GetEntitlements")
	if !ok {
		t.Fatal("GetEntitlements has no CBOR path")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := op.NewInput()
			err := Decode(CBOR, op, tt.body, in)
			if tt.want != nil {
				assertDecoded(t, err, in, tt.want)
				return
			}
			assertError(t, err, tt.code, tt.msg)
		})
	}
}

// TestDecodeCBORTimestamps checks the timestamp encodings through the
// (JSON-only, but protocol-independent) MeterUsage input.
func TestDecodeCBORTimestamps(t *testing.T) {
	base := time.Unix(1700000000, 0).UTC()
	tests := []struct {
		name      string
		value     smithycbor.Value
		want      time.Time
		code, msg string
	}{
		{name: "tag 1 integer", value: &smithycbor.Tag{ID: 1, Value: smithycbor.Uint(1700000000)}, want: base},
		{name: "tag 1 float64 as the Go SDK sends", value: &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(1700000000.25)}, want: base.Add(250 * time.Millisecond)},
		{name: "tag 1 float rounds to milliseconds", value: &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(1700000000.0006)}, want: base.Add(time.Millisecond)},
		{name: "tag 1 negative integer", value: &smithycbor.Tag{ID: 1, Value: smithycbor.NegInt(1)}, want: time.Unix(-1, 0).UTC()},
		{name: "bare integer", value: smithycbor.Uint(1700000000), want: base},
		{name: "bare float", value: smithycbor.Float64(1700000000.5), want: base.Add(500 * time.Millisecond)},
		{name: "tag 0 text is tolerated", value: &smithycbor.Tag{ID: 0, Value: smithycbor.String("2023-11-14T22:13:20Z")}, want: base},
		{name: "tag 1 after year 9999", value: &smithycbor.Tag{ID: 1, Value: smithycbor.Uint(1e15)},
			code: meterd.ESerialization, msg: "Timestamp value (1000000000000000) out of range"},
		{name: "tag 1 around text", value: &smithycbor.Tag{ID: 1, Value: smithycbor.String("x")},
			code: meterd.ESerialization, msg: "Malformed CBOR request body: <cut>"},
		{name: "text", value: smithycbor.String("2023-11-14T22:13:20Z"),
			code: meterd.ESerialization, msg: "class java.lang.String can not be converted to an Date"},
	}
	op := mustOp(t, "MeterUsage")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := smithycbor.Encode(smithycbor.Map{
				"ProductCode": smithycbor.String("p"), "UsageDimension": smithycbor.String("d"), "Timestamp": tt.value,
			})
			in := &meterd.MeterUsageRequest{}
			err := Decode(CBOR, op, body, in)
			if tt.code != "" {
				assertError(t, err, tt.code, tt.msg)
				return
			}
			assertDecoded(t, err, in, &meterd.MeterUsageRequest{ProductCode: "p", UsageDimension: "d", Timestamp: tt.want})
		})
	}
}
