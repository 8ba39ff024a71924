package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/meterd/meterd/node"
)

// TestGetEntitlementsSameOverJSONAndCBOR sends the same GetEntitlements
// requests over AWS JSON 1.1 and RPC v2 CBOR and compares the answers:
// status, error type, and every entitlement (NextToken aside, which is
// never the same twice).
func TestGetEntitlementsSameOverJSONAndCBOR(t *testing.T) {
	// 22 requests in a row are over GetEntitlements' burst of 10: quotas
	// would answer some with ThrottlingException, whichever protocol.
	s := startServer(t, errorsSeed, func(c *node.Config) { c.Throttle = false })
	tests := []struct {
		name string
		in   map[string]any
	}{
		{"everything", map[string]any{"ProductCode": "saas"}},
		{"customer filter", map[string]any{"ProductCode": "saas", "Filter": map[string][]string{"CUSTOMER_IDENTIFIER": {"cust-a"}}}},
		{"account filter", map[string]any{"ProductCode": "saas", "Filter": map[string][]string{"CUSTOMER_AWS_ACCOUNT_ID": {"444455556666"}}}},
		{"no match", map[string]any{"ProductCode": "saas", "Filter": map[string][]string{"DIMENSION": {"nope"}}}},
		{"first page", map[string]any{"ProductCode": "saas", "MaxResults": 1}},
		{"both customer filters", map[string]any{"ProductCode": "saas",
			"Filter": map[string][]string{"CUSTOMER_IDENTIFIER": {"cust-a"}, "CUSTOMER_AWS_ACCOUNT_ID": {"444455556666"}}}},
		{"unknown filter", map[string]any{"ProductCode": "saas", "Filter": map[string][]string{"COLOUR": {"red"}}}},
		{"MaxResults 0", map[string]any{"ProductCode": "saas", "MaxResults": 0}},
		{"missing ProductCode", map[string]any{}},
		{"another seller's product", map[string]any{"ProductCode": "other-saas"}},
		{"garbled NextToken", map[string]any{"ProductCode": "saas", "NextToken": "bm9wZQ"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jsonBody, _ := json.Marshal(tt.in)
			viaJSON := s.do(t, rawRequest{Target: entitlementTarget + "GetEntitlements", Body: jsonBody, Creds: &sellerKey})
			cborBody, err := cbor.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			viaCBOR := s.do(t, rawRequest{Path: "/service/AWSMPEntitlementService/operation/GetEntitlements",
				ContentType: "application/cbor", Body: cborBody, Creds: &sellerKey,
				Tamper: func(r *http.Request) { r.Header.Set("Smithy-Protocol", "rpc-v2-cbor") }})
			if viaJSON.Status != viaCBOR.Status {
				t.Fatalf("status: JSON %d, CBOR %d (%s / %x)", viaJSON.Status, viaCBOR.Status, viaJSON.Body, viaCBOR.Body)
			}
			var fromJSON, fromCBOR map[string]any
			if err := json.Unmarshal(viaJSON.Body, &fromJSON); err != nil {
				t.Fatal(err)
			}
			if err := cbor.Unmarshal(viaCBOR.Body, &fromCBOR); err != nil {
				t.Fatal(err)
			}
			delete(fromJSON, "NextToken")
			delete(fromCBOR, "NextToken")
			if a, b := normalize(t, fromJSON), normalize(t, fromCBOR); !reflect.DeepEqual(a, b) {
				t.Fatalf("answers differ:\n JSON %v\n CBOR %v", a, b)
			}
		})
	}
}

// normalize puts a decoded answer into JSON's types (CBOR decodes integers
// as uint64 and maps with interface keys), so the two compare.
func normalize(t *testing.T, v map[string]any) any {
	t.Helper()
	b, err := json.Marshal(toJSONable(v))
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func toJSONable(v any) any {
	switch v := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k.(string)] = toJSONable(e)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = toJSONable(e)
		}
		return m
	case []any:
		for i := range v {
			v[i] = toJSONable(v[i])
		}
		return v
	case time.Time: // a CBOR timestamp (tag 1); JSON sends epoch seconds
		return float64(v.UnixMilli()) / 1000
	}
	return v
}
