package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// concurrentAgreementsSeed has a SaaS product with the integration AWS
// requires of new SaaS products, and a buyer holding two agreements for it.
const concurrentAgreementsSeed = `
accounts:
  - id: "111122223333"
    access_keys: [{id: test, secret: test}]
products:
  - {code: pipelines, seller: "111122223333", type: SaaS, integration: concurrent-agreements, dimensions: [{name: runs}]}
customers:
  - {identifier: cust-a, aws_account_id: "444455556666"}
subscriptions:
  - product: pipelines
    customer: cust-a
    license_arn: "arn:aws:license-manager::444455556666:license:l-pipelines1"
    entitlements: [{dimension: runs, integer: 5}]
  - {product: pipelines, customer: cust-a, license_arn: "arn:aws:license-manager::444455556666:license:l-pipelines2"}
`

// TestConcurrentAgreementsProduct drives a Concurrent Agreements product the
// way a new integration does: the customer is its AWS account id and
// license, never a CustomerIdentifier.
func TestConcurrentAgreementsProduct(t *testing.T) {
	s := startServer(t, writeSeed(t, concurrentAgreementsSeed))
	const license = "arn:aws:license-manager::444455556666:license:l-pipelines1"

	t.Run("ResolveCustomer leaves out CustomerIdentifier", func(t *testing.T) {
		token := s.mintToken(t, "pipelines", "cust-a", 0)
		r := s.jsonCall(t, sellerKey, testRegion, meteringTarget+"ResolveCustomer", map[string]any{"RegistrationToken": token})
		got := decodeObject(t, r)
		want := map[string]any{"CustomerAWSAccountId": "444455556666", "ProductCode": "pipelines", "LicenseArn": license}
		if len(got) != len(want) || got["CustomerAWSAccountId"] != want["CustomerAWSAccountId"] ||
			got["ProductCode"] != want["ProductCode"] || got["LicenseArn"] != want["LicenseArn"] {
			t.Fatalf("got %s, want exactly %v", r.Body, want)
		}
	})
	t.Run("BatchMeterUsage by account id and license without ProductCode", func(t *testing.T) {
		record := map[string]any{"CustomerAWSAccountId": "444455556666", "LicenseArn": license,
			"Dimension": "runs", "Quantity": 2, "Timestamp": time.Now().Unix()}
		r := s.jsonCall(t, sellerKey, testRegion, meteringTarget+"BatchMeterUsage", map[string]any{"UsageRecords": []any{record}})
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"Status":"Success"`) {
			t.Fatalf("got %d %s, want Success", r.Status, r.Body)
		}
	})
	t.Run("BatchMeterUsage with CustomerIdentifier is rejected", func(t *testing.T) {
		record := map[string]any{"CustomerIdentifier": "cust-a", "LicenseArn": license,
			"Dimension": "runs", "Quantity": 2, "Timestamp": time.Now().Unix()}
		r := s.jsonCall(t, sellerKey, testRegion, meteringTarget+"BatchMeterUsage",
			map[string]any{"ProductCode": "pipelines", "UsageRecords": []any{record}})
		assertAWSError(t, r, http.StatusBadRequest, "InvalidCustomerIdentifierException")
	})
	t.Run("GetEntitlements leaves out CustomerIdentifier", func(t *testing.T) {
		r := s.jsonCall(t, sellerKey, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "pipelines"})
		ents, _ := decodeObject(t, r)["Entitlements"].([]any)
		if len(ents) != 1 {
			t.Fatalf("got %s, want one entitlement", r.Body)
		}
		ent := ents[0].(map[string]any)
		if _, has := ent["CustomerIdentifier"]; has || ent["CustomerAWSAccountId"] != "444455556666" || ent["LicenseArn"] != license {
			t.Fatalf("entitlement = %v, want the account id and license without CustomerIdentifier", ent)
		}
	})
}

// decodeObject decodes a successful JSON answer.
func decodeObject(t *testing.T, r rawResponse) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", r.Status, r.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return out
}
