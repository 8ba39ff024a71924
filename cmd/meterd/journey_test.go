package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"
	"github.com/golang-jwt/jwt/v5"

	"github.com/meterd/meterd/node"
)

// TestGetEntitlementsPagination pages through 40 entitlements with the v1
// SDK's paginator, 7 at a time: every entitlement exactly once, no token
// twice.
func TestGetEntitlementsPagination(t *testing.T) {
	var seed strings.Builder
	seed.WriteString(`accounts:
  - {id: "111122223333", name: Seller, access_keys: [{id: test, secret: test}]}
products:
  - {code: seats, seller: "111122223333", type: SaaS, dimensions: [{name: seats}, {name: admins}]}
customers:
`)
	for c := 0; c < 20; c++ {
		fmt.Fprintf(&seed, "  - {identifier: c%02d, aws_account_id: \"%012d\"}\n", c, 300000000000+c)
	}
	seed.WriteString("subscriptions:\n")
	for c := 0; c < 20; c++ {
		fmt.Fprintf(&seed, "  - {product: seats, customer: c%02d, license_arn: \"arn:aws:license-manager::%012d:license:l-%02d\", "+
			"entitlements: [{dimension: seats, integer: %d}, {dimension: admins, integer: 1}]}\n", c, 300000000000+c, c, c)
	}
	s := startServer(t, writeSeed(t, seed.String()))
	client := s.entitlement(t, sellerKey, testRegion)
	seen := map[string]bool{}
	tokens := map[string]bool{}
	pages := 0
	err := client.GetEntitlementsPages(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("seats"), MaxResults: awsv1.Int64(7),
	}, func(out *marketplaceentitlementservice.GetEntitlementsOutput, last bool) bool {
		pages++
		for _, e := range out.Entitlements {
			key := awsv1.StringValue(e.CustomerIdentifier) + "/" + awsv1.StringValue(e.Dimension)
			if seen[key] {
				t.Errorf("entitlement %s returned twice", key)
			}
			seen[key] = true
		}
		if tok := awsv1.StringValue(out.NextToken); tok != "" {
			if tokens[tok] {
				t.Errorf("NextToken %q repeated", tok)
			}
			tokens[tok] = true
		}
		return true
	})
	if err != nil {
		t.Fatalf("GetEntitlementsPages: %v", err)
	}
	if len(seen) != 40 || pages != 6 {
		t.Fatalf("got %d entitlements in %d pages, want 40 in 6", len(seen), pages)
	}

	// Filters: values OR-ed within a key, keys AND-ed.
	out, err := client.GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("seats"),
		Filter: map[string][]*string{
			"CUSTOMER_IDENTIFIER": {awsv1.String("c03"), awsv1.String("c07")},
			"DIMENSION":           {awsv1.String("seats")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Entitlements) != 2 || awsv1.Int64Value(out.Entitlements[1].Value.IntegerValue) != 7 {
		t.Fatalf("filtered: %v", out.Entitlements)
	}
	_, err = client.GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("seats"),
		Filter: map[string][]*string{
			"CUSTOMER_IDENTIFIER":     {awsv1.String("c03")},
			"CUSTOMER_AWS_ACCOUNT_ID": {awsv1.String("300000000003")},
		},
	})
	if !strings.HasPrefix(fmt.Sprint(err), marketplaceentitlementservice.ErrCodeInvalidParameterException) {
		t.Fatalf("both customer filters: got %v, want InvalidParameterException", err)
	}
}

// TestAdminCommands mints a token and rotates the signing key with the
// meterd admin subcommands, against a running server, as the README shows.
func TestAdminCommands(t *testing.T) {
	s := startServer(t, "")
	env := map[string]string{"METERD_URL": s.URL, "METERD_DATA": s.DataDir}
	getenv := func(k string) string { return env[k] }
	// The admin token comes from --token here; without it the
	// command reads DATA/admin-token, which `serve` writes when no token is
	// configured (TestAdminTokenFile).
	var out bytes.Buffer
	err := run(context.Background(), []string{"admin", "token", "create", "--json", "--token", s.AdminToken,
		"--product", "demo-saas", "--customer", "demo-customer"}, &out, io.Discard, getenv)
	if err != nil {
		t.Fatalf("admin token create: %v", err)
	}
	var tok tokenResult
	if err := json.Unmarshal(out.Bytes(), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token answer %q: %v", out.String(), err)
	}
	res, err := s.metering(sellerKey, testRegion).ResolveCustomer(context.Background(),
		&marketplacemetering.ResolveCustomerInput{RegistrationToken: aws.String(tok.Token)})
	if err != nil || aws.ToString(res.CustomerIdentifier) != "demo-customer" {
		t.Fatalf("ResolveCustomer of a CLI token: %v %v", res, err)
	}

	out.Reset()
	if err := run(context.Background(), []string{"admin", "keys", "rotate", "--json", "--token", s.AdminToken}, &out, io.Discard, getenv); err != nil {
		t.Fatalf("admin keys rotate: %v", err)
	}
	client := s.metering(buyerKey, testRegion)
	old, err := client.RegisterUsage(context.Background(), &marketplacemetering.RegisterUsageInput{
		ProductCode: aws.String("demo-container"), PublicKeyVersion: aws.Int32(1)})
	if err != nil || old.PublicKeyRotationTimestamp == nil {
		t.Fatalf("RegisterUsage with the rotated version: %v, rotation %v", err, old)
	}
	current, err := client.RegisterUsage(context.Background(), &marketplacemetering.RegisterUsageInput{
		ProductCode: aws.String("demo-container"), PublicKeyVersion: aws.Int32(2)})
	if err != nil || current.PublicKeyRotationTimestamp != nil {
		t.Fatalf("RegisterUsage with version 2: %v %v", err, current)
	}
	key := fetchJWK(t, s.URL+"/meterd/keys/jwks.json", "2")
	if _, err := jwt.Parse(aws.ToString(current.Signature), func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"PS256"})); err != nil {
		t.Fatalf("version 2 signature: %v", err)
	}
	pem := httpGet(t, s.URL+"/meterd/keys/2.pem")
	if !strings.HasPrefix(pem, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("2.pem: %q", pem)
	}
}

// TestAdminTokenFile: without a configured token, serve writes one into the
// data directory (mode 0600) and the admin command reads it from there.
func TestAdminTokenFile(t *testing.T) {
	s := startServer(t, "", func(c *node.Config) { c.AdminToken = "" })
	env := map[string]string{"METERD_URL": s.URL, "METERD_DATA": s.DataDir}
	var out bytes.Buffer
	err := run(context.Background(), []string{"admin", "token", "create", "--json", "--product", "demo-saas", "--customer", "demo-customer"},
		&out, io.Discard, func(k string) string { return env[k] })
	if err != nil || !strings.Contains(out.String(), `"token"`) {
		t.Fatalf("admin token create with the token file: %v %s", err, out.String())
	}
	info, err := os.Stat(filepath.Join(s.DataDir, node.AdminTokenFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("admin token file: %v %v, want mode 0600", info.Mode(), err)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// TestAdminTokenValidation: the admin API refuses tokens it could not
// honour, with 400 and a reason.
func TestAdminTokenValidation(t *testing.T) {
	s := startServer(t, "")
	tests := []struct {
		name string
		body string
		want int
	}{
		{"OK", `{"productCode":"demo-saas","customerIdentifier":"demo-customer","ttlSeconds":60}`, http.StatusCreated},
		{"lifetime over a year", `{"productCode":"demo-saas","customerIdentifier":"demo-customer","ttlSeconds":40000000}`, http.StatusBadRequest},
		{"fractional lifetime", `{"productCode":"demo-saas","customerIdentifier":"demo-customer","ttlSeconds":0.5}`, http.StatusBadRequest},
		{"not a SaaS product", `{"productCode":"demo-ami","customerIdentifier":"demo-customer"}`, http.StatusBadRequest},
		{"unknown customer", `{"productCode":"demo-saas","customerIdentifier":"nobody"}`, http.StatusNotFound},
		{"not JSON", `productCode=demo-saas`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/admin/v1/registration-tokens", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+s.AdminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
		})
	}
}
