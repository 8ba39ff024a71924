package main

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"
	"github.com/fxamacker/cbor/v2"
	"github.com/golang-jwt/jwt/v5"
)

// TestDemoMeterUsage is the README's first call: the buyer meters the demo
// AMI, an identical call returns the same id, another quantity in the same
// hour is a DuplicateRequestException.
func TestDemoMeterUsage(t *testing.T) {
	s := startServer(t, "")
	client := s.metering(buyerKey, testRegion)
	ctx := context.Background()
	ts := time.Now().Add(-time.Minute) // one timestamp for all three calls: they must fall in one hour
	in := func(quantity int32) *marketplacemetering.MeterUsageInput {
		return &marketplacemetering.MeterUsageInput{
			ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
			UsageQuantity: aws.Int32(quantity), Timestamp: aws.Time(ts),
		}
	}
	first, err := client.MeterUsage(ctx, in(3))
	if err != nil {
		t.Fatalf("MeterUsage: %v", err)
	}
	if first.MeteringRecordId == nil || *first.MeteringRecordId == "" {
		t.Fatal("no MeteringRecordId")
	}
	again, err := client.MeterUsage(ctx, in(3))
	if err != nil {
		t.Fatalf("identical MeterUsage: %v", err)
	}
	if *again.MeteringRecordId != *first.MeteringRecordId {
		t.Errorf("identical call: id %s, want %s", *again.MeteringRecordId, *first.MeteringRecordId)
	}
	_, err = client.MeterUsage(ctx, in(4))
	var dup *types.DuplicateRequestException
	if !errors.As(err, &dup) {
		t.Fatalf("other quantity: got %v, want DuplicateRequestException", err)
	}
}

// TestDemoBatchMeterUsage meters the demo SaaS product with the seller keys.
func TestDemoBatchMeterUsage(t *testing.T) {
	s := startServer(t, "")
	client := s.metering(sellerKey, testRegion)
	records := []types.UsageRecord{
		{CustomerIdentifier: aws.String("demo-customer"), Dimension: aws.String("users"), Quantity: aws.Int32(5), Timestamp: aws.Time(thisHour())},
		{CustomerAWSAccountId: aws.String("444455556666"), Dimension: aws.String("api_calls"), Quantity: aws.Int32(900), Timestamp: aws.Time(thisHour())},
		{CustomerIdentifier: aws.String("stranger"), Dimension: aws.String("users"), Quantity: aws.Int32(1), Timestamp: aws.Time(thisHour())},
	}
	out, err := client.BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("demo-saas"), UsageRecords: records[:2],
	})
	if err != nil {
		t.Fatalf("BatchMeterUsage: %v", err)
	}
	if len(out.Results) != 2 || len(out.UnprocessedRecords) != 0 {
		t.Fatalf("got %d results, %d unprocessed", len(out.Results), len(out.UnprocessedRecords))
	}
	for i, r := range out.Results {
		if r.Status != types.UsageRecordResultStatusSuccess || aws.ToString(r.MeteringRecordId) == "" {
			t.Errorf("result %d: status %s id %q", i, r.Status, aws.ToString(r.MeteringRecordId))
		}
		if aws.ToString(r.UsageRecord.Dimension) != aws.ToString(records[i].Dimension) {
			t.Errorf("result %d echoes dimension %q", i, aws.ToString(r.UsageRecord.Dimension))
		}
	}
	// The buyer's keys cannot meter the seller's SaaS product.
	_, err = s.metering(buyerKey, testRegion).BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String("demo-saas"), UsageRecords: records[:1],
	})
	var invalid *types.InvalidProductCodeException
	if !errors.As(err, &invalid) {
		t.Fatalf("buyer BatchMeterUsage: got %v, want InvalidProductCodeException", err)
	}
}

// TestResolveCustomer resolves a minted registration token, repeatedly, and
// only for the product's seller.
func TestResolveCustomer(t *testing.T) {
	s := startServer(t, "")
	token := s.mintToken(t, "demo-saas", "demo-customer", 0)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		out, err := s.metering(sellerKey, testRegion).ResolveCustomer(ctx, &marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String(token)})
		if err != nil {
			t.Fatalf("ResolveCustomer #%d: %v", i+1, err)
		}
		if aws.ToString(out.CustomerIdentifier) != "demo-customer" || aws.ToString(out.CustomerAWSAccountId) != "444455556666" ||
			aws.ToString(out.ProductCode) != "demo-saas" {
			t.Errorf("got %+v", out)
		}
	}
	_, err := s.metering(buyerKey, testRegion).ResolveCustomer(ctx, &marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String(token)})
	var invalid *types.InvalidTokenException
	if !errors.As(err, &invalid) {
		t.Fatalf("buyer resolving: got %v, want InvalidTokenException", err)
	}
}

// TestRegisterUsageSignature verifies the RegisterUsage JWT with the public
// key meterd serves as JWKS, as a seller's container would.
func TestRegisterUsageSignature(t *testing.T) {
	s := startServer(t, "")
	out, err := s.metering(buyerKey, testRegion).RegisterUsage(context.Background(), &marketplacemetering.RegisterUsageInput{
		ProductCode: aws.String("demo-container"), PublicKeyVersion: aws.Int32(1), Nonce: aws.String("n-123"),
	})
	if err != nil {
		t.Fatalf("RegisterUsage: %v", err)
	}
	key := fetchJWK(t, s.URL+"/meterd/keys/jwks.json", "1")
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(aws.ToString(out.Signature), claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"PS256"}))
	if err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	if claims["ProductCode"] != "demo-container" || claims["Nonce"] != "n-123" || claims["PublicKeyVersion"] != float64(1) {
		t.Errorf("claims %v", claims)
	}
}

func fetchJWK(t *testing.T, url, kid string) *rsa.PublicKey {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, N, E, Alg string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Kid != kid {
			continue
		}
		n, errN := base64.RawURLEncoding.DecodeString(k.N)
		e, errE := base64.RawURLEncoding.DecodeString(k.E)
		if errN != nil || errE != nil || k.Alg != "PS256" {
			t.Fatalf("bad JWK %+v", k)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	t.Fatalf("no key %s in JWKS", kid)
	return nil
}

// TestGetEntitlementsJSONAndCBOR asks for the demo entitlement over AWS JSON
// 1.1 (aws-sdk-go v1) and over RPC v2 CBOR, and gets the same answer.
func TestGetEntitlementsJSONAndCBOR(t *testing.T) {
	s := startServer(t, "")
	out, err := s.entitlement(t, sellerKey, testRegion).GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("demo-saas"),
		Filter:      map[string][]*string{"CUSTOMER_IDENTIFIER": {awsv1.String("demo-customer")}},
	})
	if err != nil {
		t.Fatalf("GetEntitlements (JSON): %v", err)
	}
	if len(out.Entitlements) != 1 {
		t.Fatalf("got %d entitlements, want 1", len(out.Entitlements))
	}
	e := out.Entitlements[0]
	if awsv1.StringValue(e.Dimension) != "users" || awsv1.Int64Value(e.Value.IntegerValue) != 10 ||
		awsv1.StringValue(e.CustomerIdentifier) != "demo-customer" {
		t.Errorf("JSON entitlement %v", e)
	}

	body, err := cbor.Marshal(map[string]any{"ProductCode": "demo-saas",
		"Filter": map[string][]string{"CUSTOMER_IDENTIFIER": {"demo-customer"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := s.do(t, rawRequest{Path: "/service/AWSMPEntitlementService/operation/GetEntitlements",
		ContentType: "application/cbor", Body: body, Creds: &sellerKey,
		Tamper: func(r *http.Request) { r.Header.Set("Smithy-Protocol", "rpc-v2-cbor") }})
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/cbor" ||
		r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		t.Fatalf("CBOR: %d %v", r.Status, r.Header)
	}
	var got struct {
		Entitlements []struct {
			Dimension, CustomerIdentifier string
			Value                         struct{ IntegerValue int32 }
		}
	}
	if err := cbor.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Entitlements) != 1 || got.Entitlements[0].Value.IntegerValue != 10 ||
		got.Entitlements[0].Dimension != "users" || got.Entitlements[0].CustomerIdentifier != "demo-customer" {
		t.Errorf("CBOR entitlements %+v", got)
	}
}

// TestHealthz answers 200 once meterd serves.
func TestHealthz(t *testing.T) {
	s := startServer(t, "")
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

// TestAdminNeedsToken refuses admin calls without the bearer token.
func TestAdminNeedsToken(t *testing.T) {
	s := startServer(t, "")
	for _, auth := range []string{"", "Bearer wrong", "Basic dGVzdDp0ZXN0", "Bearer " + strings.ToUpper(s.AdminToken)} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/admin/v1/registration-tokens", strings.NewReader(`{}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, resp.StatusCode)
		}
	}
}
