package seed_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/seed"
)

// mustParseFile parses a file of the repository.
func mustParseFile(t *testing.T, path string) *meterd.Catalog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := seed.Parse(filepath.Base(path), f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return c
}

func TestParse_ExampleIsDemo(t *testing.T) {
	got := mustParseFile(t, "../examples/seed.yaml")
	if want := seed.Demo(); !reflect.DeepEqual(got, want) {
		t.Errorf("examples/seed.yaml differs from Demo():\n got %s\nwant %s", dump(got), dump(want))
	}
}

// licenseArnModel is the LicenseArn pattern of the metering model, written
// independently of the package's copy: Go caps repeat counts at 1000, so the
// last part's {0,1023} is a + here and matchesLicenseArnModel checks its
// length.
var licenseArnModel = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:([A-Za-z0-9][A-Za-z0-9:_/+=,@.-]*)$`)

func matchesLicenseArnModel(arn string) bool {
	m := licenseArnModel.FindStringSubmatch(arn)
	return m != nil && len(m[1]) <= 1024
}

func TestDemo_LicenseArnsMatchModel(t *testing.T) {
	subs := seed.Demo().Subscriptions
	if len(subs) != 3 {
		t.Fatalf("got %d subscriptions, want 3", len(subs))
	}
	for _, s := range subs {
		if !matchesLicenseArnModel(s.LicenseArn) {
			t.Errorf("%s: license ARN %q does not match the model pattern", s.ProductCode, s.LicenseArn)
		}
		if !strings.HasPrefix(s.LicenseArn, "arn:aws:license-manager::444455556666:license:l-") {
			t.Errorf("%s: license ARN %q is not in License Manager form", s.ProductCode, s.LicenseArn)
		}
	}
	if got, want := subs[0].LicenseArn, "arn:aws:license-manager::444455556666:license:l-demosaas0000000000000000000000"; got != want {
		t.Errorf("demo-saas license ARN = %q, want %q", got, want)
	}
}

func TestDemo_Contents(t *testing.T) {
	c := seed.Demo()
	keys := map[string]meterd.AccessKey{}
	for _, k := range c.AccessKeys {
		keys[k.ID] = *k
	}
	if k := keys["test"]; k.Secret != "test" || k.AccountID != "111122223333" {
		t.Errorf("key test belongs to %q, want secret test of account 111122223333", k.AccountID)
	}
	if k := keys["buyer"]; k.Secret != "buyer" || k.AccountID != "444455556666" {
		t.Errorf("key buyer belongs to %q, want secret buyer of account 444455556666", k.AccountID)
	}
	for _, s := range c.Subscriptions {
		if s.CustomerIdentifier != "demo-customer" || s.Status != meterd.SubscriptionActive {
			t.Errorf("%s: customer %q status %q, want demo-customer active", s.ProductCode, s.CustomerIdentifier, s.Status)
		}
	}
	users := c.Subscriptions[0].Entitlements
	if len(users) != 1 || users[0].Dimension != "users" || users[0].Value.IntegerValue == nil ||
		*users[0].Value.IntegerValue != 10 || !users[0].ExpirationDate.IsZero() {
		t.Errorf("demo-saas entitlements = %s, want users = 10 without expiration", dump(users))
	}
}

func TestDemo_ReturnsFreshCatalog(t *testing.T) {
	a := seed.Demo()
	a.Products[0].Dimensions[0].Name = "changed"
	*a.Subscriptions[0].Entitlements[0].Value.IntegerValue = 99
	if b := seed.Demo(); b.Products[0].Dimensions[0].Name != "users" || *b.Subscriptions[0].Entitlements[0].Value.IntegerValue != 10 {
		t.Error("changing one Demo() catalog changed the next")
	}
}

func TestParse_FullExample(t *testing.T) {
	c := mustParseFile(t, "../examples/seed-full.yaml")
	if len(c.Accounts) != 4 || len(c.AccessKeys) != 6 || len(c.Products) != 4 || len(c.Customers) != 2 || len(c.Subscriptions) != 7 {
		t.Fatalf("got %d accounts, %d keys, %d products, %d customers, %d subscriptions; want 4, 6, 4, 2, 7",
			len(c.Accounts), len(c.AccessKeys), len(c.Products), len(c.Customers), len(c.Subscriptions))
	}
	ecs := c.AccessKeys[3]
	if ecs.AccountID != "444455556666" || ecs.HomeRegion != "eu-west-1" || ecs.Platform != "ecs" {
		t.Errorf("ECS key = account %q region %q platform %q", ecs.AccountID, ecs.HomeRegion, ecs.Platform)
	}
	statuses := map[meterd.SubscriptionStatus]bool{}
	for _, s := range c.Subscriptions {
		statuses[s.Status] = true
	}
	if len(statuses) != 5 {
		t.Errorf("statuses used: %v, want all five", statuses)
	}
	for _, p := range c.Products {
		want := meterd.ProductIntegration("")
		if p.Code == "acme-pipelines" {
			want = meterd.IntegrationConcurrentAgreements
		}
		if p.Integration != want {
			t.Errorf("product %s: integration %q, want %q", p.Code, p.Integration, want)
		}
	}
	contract := c.Subscriptions[0]
	if want := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC); !contract.LicenseEnd.Equal(want) {
		t.Errorf("license_end = %v, want %v", contract.LicenseEnd, want)
	}
	if len(contract.Entitlements) != 4 {
		t.Fatalf("got %d entitlements, want one per value type", len(contract.Entitlements))
	}
	tier := contract.Entitlements[3]
	if want := time.Date(2030, 12, 31, 22, 59, 59, 5e8, time.UTC); tier.ExpirationDate != want || *tier.Value.StringValue != "enterprise" {
		t.Errorf("tier = %s, want enterprise expiring %v", dump(tier), want)
	}
}

// base declares one of everything subscriptions can refer to; product p has
// a dimension of each type. Rows append to it from line 16.
const base = `accounts:
  - id: "111122223333"
    access_keys:
      - {id: test, secret: test}
products:
  - code: p
    seller: "111122223333"
    type: SaaS
    dimensions:
      - {name: i}
      - {name: d, type: Double}
      - {name: b, type: Boolean}
      - {name: s, type: String}
customers:
  - {identifier: c, aws_account_id: "444455556666"}
`

const arn = "arn:aws:license-manager::444455556666:license:l-0123456789abcdef0123456789abcdef"

// withEntitlement is base plus a subscription with one entitlement (line 18).
func withEntitlement(fields string) string {
	return base + "subscriptions:\n  - {product: p, customer: c, license_arn: \"" + arn + "\",\n     entitlements: [{" + fields + "}]}\n"
}

func TestParse_OK(t *testing.T) {
	i32 := func(i int32) *int32 { return &i }
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, c *meterd.Catalog)
	}{
		{"EmptyFile", "", func(t *testing.T, c *meterd.Catalog) {
			if !reflect.DeepEqual(c, &meterd.Catalog{}) {
				t.Errorf("got %s, want an empty catalog", dump(c))
			}
		}},
		{"OnlyComments", "# nothing yet\n---\n", func(t *testing.T, c *meterd.Catalog) {
			if !reflect.DeepEqual(c, &meterd.Catalog{}) {
				t.Errorf("got %s, want an empty catalog", dump(c))
			}
		}},
		{"NullSections", "accounts:\nproducts: ~\n", func(t *testing.T, c *meterd.Catalog) {
			if len(c.Accounts)+len(c.Products) != 0 {
				t.Errorf("got %s, want an empty catalog", dump(c))
			}
		}},
		{"DefaultsIntegerAndActive", base + "subscriptions:\n  - {product: p, customer: c, license_arn: \"" + arn + "\"}\n",
			func(t *testing.T, c *meterd.Catalog) {
				if got := c.Products[0].Dimensions[0].Type; got != meterd.IntegerValue {
					t.Errorf("dimension type = %q, want Integer", got)
				}
				if got := c.Subscriptions[0].Status; got != meterd.SubscriptionActive {
					t.Errorf("status = %q, want active", got)
				}
			}},
		{"FulfillmentAndTargets", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    fulfillment_url: http://localhost:3000/register\n    notification_targets:\n      - {kind: sns-sqs, endpoint: \"http://localhost:5000/123456789012/mp\", region: eu-west-1}\n      - {kind: eventbridge-api, endpoint: \"http://localhost:5000\", event_bus: mp}\n",
			func(t *testing.T, c *meterd.Catalog) {
				p := c.Products[0]
				want := []meterd.NotificationTarget{{Kind: meterd.TargetSNSSQS, Endpoint: "http://localhost:5000/123456789012/mp", Region: "eu-west-1"},
					{Kind: meterd.TargetEventBridgeAPI, Endpoint: "http://localhost:5000", EventBus: "mp"}}
				if p.FulfillmentURL != "http://localhost:3000/register" || !slices.Equal(p.NotificationTargets, want) {
					t.Errorf("product %+v, want the fulfillment URL and both targets", p)
				}
			}},
		{"UnitPrices", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    dimensions:\n      - {name: a, unit_price: 0.1}\n      - {name: b, unit_price: \"12\"}\n      - {name: c}\n",
			func(t *testing.T, c *meterd.Catalog) {
				d := c.Products[0].Dimensions
				if d[0].UnitPrice == nil || d[0].UnitPrice.Micros() != 100_000 || d[1].UnitPrice == nil ||
					d[1].UnitPrice.Micros() != 12_000_000 || d[2].UnitPrice != nil {
					t.Errorf("dimensions %s, want prices 0.1, 12 and none", dump(d))
				}
			}},
		{"IntegrationDefaultsToLegacy", base, func(t *testing.T, c *meterd.Catalog) {
			if got := c.Products[0].Integration; got != "" || c.Products[0].ConcurrentAgreements() {
				t.Errorf("integration = %q, want \"\" (legacy)", got)
			}
		}},
		{"IntegrationLegacy", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"111122223333\", type: SaaS, integration: legacy}\n",
			func(t *testing.T, c *meterd.Catalog) {
				if got := c.Products[0].Integration; got != meterd.IntegrationLegacy {
					t.Errorf("integration = %q, want legacy", got)
				}
			}},
		{"IntegrationConcurrentAgreements", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"111122223333\", type: SaaS, integration: concurrent-agreements}\n",
			func(t *testing.T, c *meterd.Catalog) {
				if got := c.Products[0].Integration; got != meterd.IntegrationConcurrentAgreements {
					t.Errorf("integration = %q, want concurrent-agreements", got)
				}
			}},
		{"UnquotedAccountIDKeepsLeadingZero", "accounts:\n  - id: 012345678901\n", func(t *testing.T, c *meterd.Catalog) {
			if got := c.Accounts[0].ID; got != "012345678901" {
				t.Errorf("id = %q, want 012345678901", got)
			}
		}},
		{"SectionsInAnyOrder", "products: [{code: p, seller: \"111122223333\", type: AMI}]\naccounts: [{id: \"111122223333\"}]\n",
			func(t *testing.T, c *meterd.Catalog) {
				if len(c.Products) != 1 || c.Products[0].SellerAccountID != "111122223333" {
					t.Errorf("got %s, want product p of 111122223333", dump(c.Products))
				}
			}},
		{"Aliases", "accounts:\n  - id: \"111122223333\"\nproducts:\n  - {code: a, seller: \"111122223333\", type: SaaS, dimensions: &dims [{name: x}]}\n  - {code: b, seller: \"111122223333\", type: AMI, dimensions: *dims}\n",
			func(t *testing.T, c *meterd.Catalog) {
				if got := c.Products[1].Dimensions; len(got) != 1 || got[0].Name != "x" {
					t.Errorf("product b dimensions = %s, want [x]", dump(got))
				}
			}},
		{"IntegerForms", withEntitlement("dimension: i, integer: -2147483648"), func(t *testing.T, c *meterd.Catalog) {
			if got := c.Subscriptions[0].Entitlements[0].Value; !reflect.DeepEqual(got, meterd.EntitlementValue{IntegerValue: i32(-2147483648)}) {
				t.Errorf("value = %s", dump(got))
			}
		}},
		{"DoubleFromInteger", withEntitlement("dimension: d, double: 3"), func(t *testing.T, c *meterd.Catalog) {
			if got := c.Subscriptions[0].Entitlements[0].Value.DoubleValue; got == nil || *got != 3 {
				t.Errorf("value = %v, want 3", got)
			}
		}},
		{"BooleanFalse", withEntitlement("dimension: b, boolean: false"), func(t *testing.T, c *meterd.Catalog) {
			if got := c.Subscriptions[0].Entitlements[0].Value.BooleanValue; got == nil || *got {
				t.Errorf("value = %v, want false", got)
			}
		}},
		{"StringAsWritten", withEntitlement("dimension: s, string: 010"), func(t *testing.T, c *meterd.Catalog) {
			if got := c.Subscriptions[0].Entitlements[0].Value.StringValue; got == nil || *got != "010" {
				t.Errorf("value = %v, want 010", got)
			}
		}},
		{"EmptyString", withEntitlement(`dimension: s, string: ""`), func(t *testing.T, c *meterd.Catalog) {
			if got := c.Subscriptions[0].Entitlements[0].Value.StringValue; got == nil || *got != "" {
				t.Errorf("value = %v, want empty string", got)
			}
		}},
		{"ExpiresInUTC", withEntitlement("dimension: i, integer: 1, expires: 2026-03-01T02:00:00+02:00"), func(t *testing.T, c *meterd.Catalog) {
			got := c.Subscriptions[0].Entitlements[0].ExpirationDate
			if want := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); got != want {
				t.Errorf("expires = %v, want %v", got, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := seed.Parse("seed.yaml", strings.NewReader(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParse_Errors(t *testing.T) {
	long := strings.Repeat("x", 256)
	tests := []struct {
		name string
		yaml string
		want string
	}{
		// File structure.
		{"ErrSyntax", "accounts: []\nproducts: []\ncustomers\nsubscriptions: []\n", `seed.yaml:3: could not find expected ':'`},
		{"ErrTwoDocuments", "accounts: []\n---\nproducts: []\n", `seed.yaml:2: a seed file holds one YAML document`},
		{"ErrRootNotMapping", "- a\n", `seed.yaml:1: want a mapping, got a list`},
		{"ErrUnknownSection", "acounts: []\n", `seed.yaml:1: acounts: unknown field (want accounts, products, customers, subscriptions, clock, faults or quotas)`},
		{"ErrUnknownField", "accounts:\n  - id: \"111122223333\"\n    acces_keys: []\n", `seed.yaml:3: accounts[0].acces_keys: unknown field (want id, name or access_keys)`},
		{"ErrDuplicateField", "accounts:\n  - id: \"111122223333\"\n    id: \"111122223334\"\n", `seed.yaml:3: accounts[0].id: duplicate field (first at line 2)`},
		{"ErrMergeKeyInItem", "accounts:\n  - <<: {id: \"111122223333\"}\n", `seed.yaml:2: accounts[0].<<: merge keys are not supported`},
		{"ErrComplexKey", "? [a]\n: b\n", `seed.yaml:1: want a field name, got a list`},
		{"ErrSectionNotList", "accounts: {id: \"111122223333\"}\n", `seed.yaml:1: accounts: want a list, got a mapping`},
		{"ErrItemNotMapping", "accounts:\n  - \"111122223333\"\n", `seed.yaml:2: accounts[0]: want a mapping, got a scalar`},
		{"ErrItemNull", "accounts:\n  -\n", `seed.yaml:2: accounts[0]: want a mapping, got null`},
		{"ErrFieldNotString", "accounts:\n  - id: \"111122223333\"\n    name: [Demo]\n", `seed.yaml:3: accounts[0].name: want a string, got a list`},

		// Accounts and access keys.
		{"ErrAccountIDRequired", "accounts:\n  - name: Demo\n", `seed.yaml:2: accounts[0].id: required`},
		{"ErrAccountIDNot12Digits", "accounts:\n  - id: \"11112222333\"\n", `seed.yaml:2: accounts[0].id: "11112222333" is not a 12-digit AWS account id`},
		{"ErrAccountIDDuplicate", "accounts:\n  - id: \"111122223333\"\n  - id: \"111122223333\"\n", `seed.yaml:3: accounts[1].id: duplicate account "111122223333" (first at line 2)`},
		{"ErrAccessKeyIDRequired", "accounts:\n  - id: \"111122223333\"\n    access_keys:\n      - secret: s\n", `seed.yaml:4: accounts[0].access_keys[0].id: required`},
		{"ErrAccessKeyIDInvalid", "accounts:\n  - id: \"111122223333\"\n    access_keys:\n      - {id: a/b, secret: s}\n", `seed.yaml:4: accounts[0].access_keys[0].id: "a/b" is not an access key id (want 1 to 128 of A-Z a-z 0-9 _ . @ + = -)`},
		{"ErrAccessKeyIDTooLong", "accounts:\n  - id: \"111122223333\"\n    access_keys:\n      - {id: KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK, secret: s}\n", `seed.yaml:4: accounts[0].access_keys[0].id: "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK" is not an access key id (want 1 to 128 of A-Z a-z 0-9 _ . @ + = -)`},
		{"ErrAccessKeyDuplicate", "accounts:\n  - id: \"111122223333\"\n    access_keys: [{id: k, secret: s}]\n  - id: \"444455556666\"\n    access_keys: [{id: k, secret: t}]\n", `seed.yaml:5: accounts[1].access_keys[0].id: duplicate access key "k" (first at line 3)`},
		{"ErrSecretRequired", "accounts:\n  - id: \"111122223333\"\n    access_keys:\n      - id: k\n", `seed.yaml:4: accounts[0].access_keys[0].secret: required`},
		{"ErrHomeRegion", "accounts:\n  - id: \"111122223333\"\n    access_keys: [{id: k, secret: s, home_region: US-EAST-1}]\n", `seed.yaml:3: accounts[0].access_keys[0].home_region: "US-EAST-1" is not a region name (e.g. us-east-1)`},
		{"ErrPlatform", "accounts:\n  - id: \"111122223333\"\n    access_keys: [{id: k, secret: s, platform: lambda}]\n", `seed.yaml:3: accounts[0].access_keys[0].platform: unknown platform "lambda" (want ec2, ecs, eks or fargate)`},

		// Products and dimensions.
		{"ErrProductCodeRequired", "products:\n  - {seller: \"111122223333\", type: AMI}\n", `seed.yaml:2: products[0].code: required`},
		{"ErrProductCodePattern", "products:\n  - {code: \"a b\", seller: \"111122223333\", type: AMI}\n", `seed.yaml:2: products[0].code: "a b" does not match ^[-a-zA-Z0-9/=:_.@]*$`},
		{"ErrProductCodeTooLong", "products:\n  - {code: " + long + ", seller: \"111122223333\", type: AMI}\n", `seed.yaml:2: products[0].code: is 256 characters long (want at most 255)`},
		{"ErrProductCodeDuplicate", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"111122223333\", type: AMI}\n  - {code: p, seller: \"111122223333\", type: SaaS}\n", `seed.yaml:4: products[1].code: duplicate product "p" (first at line 3)`},
		{"ErrSellerRequired", "products:\n  - {code: p, type: AMI}\n", `seed.yaml:2: products[0].seller: required`},
		{"ErrSellerNotDeclared", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"999999999999\", type: AMI}\n", `seed.yaml:3: products[0].seller: "999999999999" is not a declared account`},
		{"ErrProductTypeRequired", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"111122223333\"}\n", `seed.yaml:3: products[0].type: required`},
		{"ErrProductTypeUnknown", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"111122223333\", type: saas}\n", `seed.yaml:3: products[0].type: unknown product type "saas" (want SaaS, AMI or Container)`},
		{"ErrIntegrationUnknown", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    integration: Concurrent-Agreements\n", `seed.yaml:6: products[0].integration: unknown integration "Concurrent-Agreements" (want legacy or concurrent-agreements)`},
		{"ErrIntegrationNotSaaS", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: AMI\n    integration: legacy\n", `seed.yaml:6: products[0].integration: only SaaS products have an integration (type is AMI)`},
		{"ErrIntegrationNotString", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"111122223333\", type: SaaS, integration: [legacy]}\n", `seed.yaml:3: products[0].integration: want a string, got a list`},
		{"ErrProductUnknownField", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - {code: p, seller: \"111122223333\", type: SaaS, integrations: legacy}\n", `seed.yaml:3: products[0].integrations: unknown field (want code, seller, type, integration, dimensions, fulfillment_url or notification_targets)`},
		{"ErrDimensionNameRequired", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: AMI\n    dimensions:\n      - type: Integer\n", `seed.yaml:7: products[0].dimensions[0].name: required`},
		{"ErrDimensionNameTooLong", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: AMI\n    dimensions: [{name: " + long + "}]\n", `seed.yaml:6: products[0].dimensions[0].name: is 256 characters long (want at most 255)`},
		{"ErrDimensionDuplicate", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: AMI\n    dimensions:\n      - name: users\n      - name: users\n", `seed.yaml:8: products[0].dimensions[1].name: duplicate dimension "users" (first at line 7)`},
		{"ErrDimensionType", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: AMI\n    dimensions: [{name: a}]\n  - code: q\n    seller: \"111122223333\"\n    type: SaaS\n    dimensions:\n      - name: users\n        type: Integer\n      - name: ratio\n        type: Float\n", `seed.yaml:14: products[1].dimensions[1].type: unknown value type "Float" (want Integer, Double, Boolean or String)`},

		{"ErrFulfillmentURL", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    fulfillment_url: localhost:3000\n", `seed.yaml:6: products[0].fulfillment_url: want an absolute http(s) URL, got "localhost:3000"`},
		{"ErrFulfillmentNotSaaS", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: AMI\n    fulfillment_url: http://x.example/\n", `seed.yaml:6: products[0].fulfillment_url: only SaaS products have a fulfillment URL (type is AMI)`},
		{"ErrTargetKind", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    notification_targets: [{kind: email, endpoint: \"http://x.example/\"}]\n", `seed.yaml:6: products[0].notification_targets[0].kind: unknown target kind "email" (want sns-http, sns-sqs, eventbridge-http or eventbridge-api)`},
		{"ErrTargetEndpointRequired", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    notification_targets: [{kind: sns-http}]\n", `seed.yaml:6: products[0].notification_targets[0].endpoint: required`},
		{"ErrTargetEndpoint", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    notification_targets: [{kind: sns-http, endpoint: /sns}]\n", `seed.yaml:6: products[0].notification_targets[0].endpoint: want an absolute http(s) URL (an SQS queue URL for sns-sqs), got "/sns"`},
		{"ErrTargetRegion", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    notification_targets: [{kind: sns-sqs, endpoint: \"http://q.example/1/q\", region: Mars}]\n", `seed.yaml:6: products[0].notification_targets[0].region: "Mars" is not a region name`},
		{"ErrTargetEventBus", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    notification_targets: [{kind: sns-http, endpoint: \"http://x.example/\", event_bus: b}]\n", `seed.yaml:6: products[0].notification_targets[0].event_bus: applies to eventbridge-api targets only`},
		{"ErrTargetUnknownField", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    notification_targets: [{kind: sns-http, endpoint: \"http://x.example/\", queue: q}]\n", `seed.yaml:6: products[0].notification_targets[0].queue: unknown field (want kind, endpoint, region or event_bus)`},
		{"ErrUnitPriceNegative", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    dimensions:\n      - name: a\n        unit_price: -0.5\n", `seed.yaml:8: products[0].dimensions[0].unit_price: price "-0.5": want a decimal number of US dollars such as 0.012 (digits and one point only)`},
		{"ErrUnitPriceExponent", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    dimensions:\n      - name: a\n        unit_price: 1e-3\n", `seed.yaml:8: products[0].dimensions[0].unit_price: price "1e-3": want a decimal number of US dollars such as 0.012 (digits and one point only)`},
		{"ErrUnitPriceTooPrecise", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    dimensions:\n      - name: a\n        unit_price: 0.0000001\n", `seed.yaml:8: products[0].dimensions[0].unit_price: price "0.0000001": at most 6 decimal places`},
		{"ErrUnitPriceNotScalar", "accounts: [{id: \"111122223333\"}]\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: SaaS\n    dimensions:\n      - name: a\n        unit_price: [1]\n", `seed.yaml:8: products[0].dimensions[0].unit_price: want a decimal number of US dollars, got a list`},

		// Customers.
		{"ErrCustomerIdentifierRequired", "customers:\n  - aws_account_id: \"444455556666\"\n", `seed.yaml:2: customers[0].identifier: required`},
		{"ErrCustomerIdentifierTooLong", "customers:\n  - {identifier: " + long + ", aws_account_id: \"444455556666\"}\n", `seed.yaml:2: customers[0].identifier: is 256 characters long (want at most 255)`},
		{"ErrCustomerDuplicate", "customers:\n  - {identifier: c, aws_account_id: \"444455556666\"}\n  - {identifier: c, aws_account_id: \"777788889999\"}\n", `seed.yaml:3: customers[1].identifier: duplicate customer "c" (first at line 2)`},
		{"ErrCustomerAccountRequired", "customers:\n  - identifier: c\n", `seed.yaml:2: customers[0].aws_account_id: required`},
		{"ErrCustomerAccountNotDigits", "customers:\n  - {identifier: c, aws_account_id: 4444-5555}\n", `seed.yaml:2: customers[0].aws_account_id: "4444-5555" is not an AWS account id (want digits)`},
		{"ErrCustomerAccountTooLong", "customers:\n  - {identifier: c, aws_account_id: \"" + strings.Repeat("1", 256) + "\"}\n", `seed.yaml:2: customers[0].aws_account_id: is 256 characters long (want at most 255)`},
		{"ErrCustomerAccountDuplicate", "customers:\n  - {identifier: c, aws_account_id: \"444455556666\"}\n  - {identifier: d, aws_account_id: \"444455556666\"}\n", `seed.yaml:3: customers[1].aws_account_id: duplicate customer account "444455556666" (first at line 2)`},

		// Subscriptions.
		{"ErrSubscriptionProductRequired", base + "subscriptions:\n  - {customer: c, license_arn: \"" + arn + "\"}\n", `seed.yaml:17: subscriptions[0].product: required`},
		{"ErrSubscriptionProductNotDeclared", base + "subscriptions:\n  - {product: q, customer: c, license_arn: \"" + arn + "\"}\n", `seed.yaml:17: subscriptions[0].product: "q" is not a declared product`},
		{"ErrSubscriptionCustomerRequired", base + "subscriptions:\n  - {product: p, license_arn: \"" + arn + "\"}\n", `seed.yaml:17: subscriptions[0].customer: required`},
		{"ErrSubscriptionCustomerNotDeclared", base + "subscriptions:\n  - {product: p, customer: x, license_arn: \"" + arn + "\"}\n", `seed.yaml:17: subscriptions[0].customer: "x" is not a declared customer`},
		{"ErrLicenseArnRequired", base + "subscriptions:\n  - {product: p, customer: c}\n", `seed.yaml:17: subscriptions[0].license_arn: required`},
		{"ErrLicenseArnPattern", base + "subscriptions:\n  - {product: p, customer: c, license_arn: \"license:l-0123\"}\n", `seed.yaml:17: subscriptions[0].license_arn: "license:l-0123" does not match the LicenseArn pattern ^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$`},
		{"ErrLicenseArnDuplicate", base + "subscriptions:\n  - {product: p, customer: c, license_arn: \"" + arn + "\"}\n  - {product: p, customer: c, license_arn: \"" + arn + "\"}\n", `seed.yaml:18: subscriptions[1].license_arn: duplicate license ARN "` + arn + `" (first at line 17)`},
		{"ErrStatus", base + "subscriptions:\n  - {product: p, customer: c, license_arn: \"" + arn + "\", status: Active}\n", `seed.yaml:17: subscriptions[0].status: unknown status "Active" (want pending, active, unsubscribe-pending, unsubscribed or failed)`},
		{"ErrLicenseStartNotRFC3339", base + "subscriptions:\n  - {product: p, customer: c, license_arn: \"" + arn + "\", license_start: 2026-01-01}\n", `seed.yaml:17: subscriptions[0].license_start: "2026-01-01" is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)`},
		{"ErrLicenseEndBeforeStart", base + "subscriptions:\n  - product: p\n    customer: c\n    license_arn: \"" + arn + "\"\n    license_start: 2026-01-01T00:00:00Z\n    license_end: 2026-01-01T00:00:00Z\n", `seed.yaml:21: subscriptions[0].license_end: must be after license_start`},

		// Entitlements.
		{"ErrEntitlementDimensionRequired", withEntitlement("integer: 1"), `seed.yaml:18: subscriptions[0].entitlements[0].dimension: required`},
		{"ErrEntitlementDimensionUnknown", withEntitlement("dimension: users, integer: 1"), `seed.yaml:18: subscriptions[0].entitlements[0].dimension: "users" is not a dimension of product "p"`},
		{"ErrEntitlementDuplicate", base + "subscriptions:\n  - product: p\n    customer: c\n    license_arn: \"" + arn + "\"\n    entitlements:\n      - {dimension: i, integer: 1}\n      - {dimension: i, integer: 2}\n", `seed.yaml:22: subscriptions[0].entitlements[1].dimension: duplicate entitlement for dimension "i" (first at line 21)`},
		{"ErrEntitlementNoValue", withEntitlement("dimension: i"), `seed.yaml:18: subscriptions[0].entitlements[0]: want exactly one of integer, double, boolean or string`},
		{"ErrEntitlementTwoValues", withEntitlement("dimension: i, integer: 1, string: one"), `seed.yaml:18: subscriptions[0].entitlements[0]: want exactly one of integer, double, boolean or string`},
		{"ErrEntitlementKindMismatch", withEntitlement("dimension: i, string: ten"), `seed.yaml:18: subscriptions[0].entitlements[0].string: dimension "i" is Integer (want integer)`},
		{"ErrEntitlementValueNotScalar", withEntitlement("dimension: i, integer: [1]"), `seed.yaml:18: subscriptions[0].entitlements[0].integer: want a scalar, got a list`},
		{"ErrIntegerNotInteger", withEntitlement("dimension: i, integer: 1.5"), `seed.yaml:18: subscriptions[0].entitlements[0].integer: "1.5" is not an integer`},
		{"ErrIntegerQuoted", withEntitlement(`dimension: i, integer: "1"`), `seed.yaml:18: subscriptions[0].entitlements[0].integer: "1" is not an integer`},
		{"ErrIntegerOutOfInt32", withEntitlement("dimension: i, integer: 2147483648"), `seed.yaml:18: subscriptions[0].entitlements[0].integer: 2147483648 is out of range (want -2147483648..2147483647)`},
		{"ErrDoubleNotNumber", withEntitlement("dimension: d, double: lots"), `seed.yaml:18: subscriptions[0].entitlements[0].double: "lots" is not a number`},
		{"ErrDoubleNaN", withEntitlement("dimension: d, double: .nan"), `seed.yaml:18: subscriptions[0].entitlements[0].double: ".nan" is not a finite number`},
		{"ErrDoubleInf", withEntitlement("dimension: d, double: -.inf"), `seed.yaml:18: subscriptions[0].entitlements[0].double: "-.inf" is not a finite number`},
		{"ErrBooleanYes", withEntitlement("dimension: b, boolean: yes"), `seed.yaml:18: subscriptions[0].entitlements[0].boolean: "yes" is not true or false`},
		{"ErrBooleanQuoted", withEntitlement(`dimension: b, boolean: "true"`), `seed.yaml:18: subscriptions[0].entitlements[0].boolean: "true" is not true or false`},
		{"ErrExpiresNotRFC3339", withEntitlement("dimension: s, string: x, expires: 2027-01-01 00:00:00"), `seed.yaml:18: subscriptions[0].entitlements[0].expires: "2027-01-01 00:00:00" is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := seed.Parse("seed.yaml", strings.NewReader(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded with %s, want error %s", dump(c), tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got %s\nwant %s", got, tt.want)
			}
			var serr *seed.Error
			if !errors.As(err, &serr) || serr.File != "seed.yaml" {
				t.Errorf("error %T is not a *seed.Error of seed.yaml", err)
			}
			if c != nil {
				t.Errorf("Parse returned a catalog with its error")
			}
		})
	}
}

// TestParse_ErrorsHideSecrets checks that a broken access key never shows
// its secret, wherever the error is.
func TestParse_ErrorsHideSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
	tests := []struct{ name, key string }{
		{"ErrSecretNotString", "{id: k, secret: [" + secret + "]}"},
		{"ErrSecretMapping", "{id: k, secret: {" + secret + ": 1}}"},
		{"ErrAfterSecret", "{id: k, secret: " + secret + ", platform: lambda}"},
		{"ErrUnknownFieldNextToSecret", "{id: k, secret: " + secret + ", secrt: " + secret + "}"},
		{"ErrDuplicateSecret", "{id: k, secret: " + secret + ", secret: " + secret + "}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "accounts:\n  - id: \"111122223333\"\n    access_keys: [" + tt.key + "]\n"
			_, err := seed.Parse("seed.yaml", strings.NewReader(yaml))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

func TestError_Format(t *testing.T) {
	tests := []struct {
		name string
		err  seed.Error
		want string
	}{
		{"OK", seed.Error{File: "s.yaml", Line: 3, Field: "accounts[0].id", Msg: "required"}, "s.yaml:3: accounts[0].id: required"},
		{"OKNoField", seed.Error{File: "s.yaml", Line: 1, Msg: "want a mapping, got a list"}, "s.yaml:1: want a mapping, got a list"},
		{"OKNoLine", seed.Error{File: "s.yaml", Msg: "invalid leading UTF-8 octet"}, "s.yaml: invalid leading UTF-8 octet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// dump shows v in failure messages, with access key secrets redacted.
func dump(v any) string {
	if c, ok := v.(*meterd.Catalog); ok && c != nil {
		redacted := *c
		redacted.AccessKeys = nil
		for _, k := range c.AccessKeys {
			k := *k
			k.Secret = "REDACTED"
			redacted.AccessKeys = append(redacted.AccessKeys, &k)
		}
		v = &redacted
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParse_ReadError(t *testing.T) {
	_, err := seed.Parse("seed.yaml", failingReader{})
	if err == nil || !strings.HasPrefix(err.Error(), "seed.yaml: ") || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("error = %v, want the read error of seed.yaml", err)
	}
}
