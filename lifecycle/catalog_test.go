package lifecycle_test

import (
	"strings"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/lifecycle"
)

// TestCatalogRules has one row per rule of an admin-made entry.
func TestCatalogRules(t *testing.T) {
	product := func(f func(p *meterd.Product)) func() error {
		p := &meterd.Product{Code: "prod-1", SellerAccountID: seller, Type: meterd.ProductSaaS,
			FulfillmentURL: "https://seller.example/register", Dimensions: []meterd.Dimension{{Name: "users"}},
			NotificationTargets: []meterd.NotificationTarget{{Kind: meterd.TargetSNSSQS, Endpoint: "http://localhost:4566/q", Region: "us-east-1"}}}
		f(p)
		return func() error { return lifecycle.CheckProduct(p) }
	}
	key := func(f func(k *meterd.AccessKey)) func() error {
		k := &meterd.AccessKey{ID: "AKID1", Secret: "s", AccountID: seller, HomeRegion: "eu-west-1", Platform: meterd.PlatformECS}
		f(k)
		return func() error { return lifecycle.CheckAccessKey(k) }
	}
	for _, tc := range []struct {
		name  string
		check func() error
		field string // "" means valid
	}{
		{"OK product", product(func(*meterd.Product) {}), ""},
		{"OK account", func() error { return lifecycle.CheckAccount(&meterd.Account{ID: seller}) }, ""},
		{"OK key", key(func(*meterd.AccessKey) {}), ""},
		{"OK customer", func() error { return lifecycle.CheckCustomer(&meterd.Customer{Identifier: "c-1", AWSAccountID: buyer}) }, ""},
		{"ErrAccountID", func() error { return lifecycle.CheckAccount(&meterd.Account{ID: "12"}) }, "id"},
		{"ErrKeyID", key(func(k *meterd.AccessKey) { k.ID = "a/b" }), "id"},
		{"ErrKeySecret", key(func(k *meterd.AccessKey) { k.Secret = "" }), "secret"},
		{"ErrKeyAccount", key(func(k *meterd.AccessKey) { k.AccountID = "x" }), "accountId"},
		{"ErrKeyRegion", key(func(k *meterd.AccessKey) { k.HomeRegion = "Mars" }), "homeRegion"},
		{"ErrKeyPlatform", key(func(k *meterd.AccessKey) { k.Platform = "lambda" }), "platform"},
		{"ErrCustomerIdentifier", func() error { return lifecycle.CheckCustomer(&meterd.Customer{Identifier: "a b", AWSAccountID: buyer}) }, "identifier"},
		{"ErrCustomerAccount", func() error { return lifecycle.CheckCustomer(&meterd.Customer{Identifier: "c", AWSAccountID: "1"}) }, "awsAccountId"},
		{"ErrProductCode", product(func(p *meterd.Product) { p.Code = "bad code" }), "code"},
		{"ErrSeller", product(func(p *meterd.Product) { p.SellerAccountID = "" }), "sellerAccountId"},
		{"ErrType", product(func(p *meterd.Product) { p.Type = "Lambda" }), "type"},
		{"ErrIntegration", product(func(p *meterd.Product) { p.Integration = "new" }), "integration"},
		{"ErrIntegrationNotSaaS", product(func(p *meterd.Product) {
			p.Type, p.Integration = meterd.ProductAMI, meterd.IntegrationLegacy
		}), "integration"},
		{"ErrFulfillmentURL", product(func(p *meterd.Product) { p.FulfillmentURL = "/register" }), "fulfillmentUrl"},
		{"ErrFulfillmentURLNotSaaS", product(func(p *meterd.Product) { p.Type = meterd.ProductAMI }), "fulfillmentUrl"},
		{"ErrDimensionName", product(func(p *meterd.Product) { p.Dimensions[0].Name = "" }), "dimensions[0].name"},
		{"ErrDimensionTwice", product(func(p *meterd.Product) {
			p.Dimensions = append(p.Dimensions, meterd.Dimension{Name: "users"})
		}), "dimensions[1].name"},
		{"ErrDimensionType", product(func(p *meterd.Product) { p.Dimensions[0].Type = "Float" }), "dimensions[0].type"},
		{"ErrTargetKind", product(func(p *meterd.Product) { p.NotificationTargets[0].Kind = "email" }), "notificationTargets[0].kind"},
		{"ErrTargetEndpoint", product(func(p *meterd.Product) { p.NotificationTargets[0].Endpoint = "ftp://x" }), "notificationTargets[0].endpoint"},
		{"ErrTargetRegion", product(func(p *meterd.Product) { p.NotificationTargets[0].Region = "east" }), "notificationTargets[0].region"},
		{"ErrTargetEventBus", product(func(p *meterd.Product) { p.NotificationTargets[0].EventBus = "bus" }), "notificationTargets[0].eventBus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.check()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if meterd.ErrorCode(err) != meterd.EInvalid || !strings.HasPrefix(meterd.ErrorMessage(err), tc.field+": ") {
				t.Errorf("err = %v, want Invalid naming %s", err, tc.field)
			}
		})
	}
}
