package seed

import "github.com/meterd/meterd"

// The demo catalog's accounts, which cmd/meterd names in its banner and
// uses as the --no-auth fallback.
const (
	DemoSellerAccountID = "111122223333"
	DemoBuyerAccountID  = "444455556666"
	demoCustomer        = "demo-customer"
)

// Demo returns the built-in demo catalog used when no seed file is given;
// examples/seed.yaml declares the same catalog. Each call returns a new
// catalog, so callers may modify it.
func Demo() *meterd.Catalog {
	ten := int32(10)
	return &meterd.Catalog{
		Accounts: []*meterd.Account{
			{ID: DemoSellerAccountID, Name: "Demo Seller"},
			{ID: DemoBuyerAccountID, Name: "Demo Buyer"},
		},
		AccessKeys: []*meterd.AccessKey{
			{ID: "test", Secret: "test", AccountID: DemoSellerAccountID},
			{ID: "buyer", Secret: "buyer", AccountID: DemoBuyerAccountID},
		},
		Products: []*meterd.Product{
			demoProduct("demo-saas", meterd.ProductSaaS, "users", "api_calls"),
			demoProduct("demo-ami", meterd.ProductAMI, "vcpu_hours"),
			demoProduct("demo-container", meterd.ProductContainer, "requests"),
		},
		Customers: []*meterd.Customer{
			{Identifier: demoCustomer, AWSAccountID: DemoBuyerAccountID},
		},
		Subscriptions: []*meterd.Subscription{
			demoSubscription("demo-saas", "l-demosaas0000000000000000000000", meterd.Entitlement{
				Dimension: "users",
				Value:     meterd.EntitlementValue{IntegerValue: &ten},
			}),
			demoSubscription("demo-ami", "l-demoami00000000000000000000000"),
			demoSubscription("demo-container", "l-democontainer00000000000000000"),
		},
	}
}

// demoPrices are the demo dimensions' unit prices in US dollars, so that
// meterd bill has something to multiply on the demo data.
var demoPrices = map[string]string{"users": "1.25", "api_calls": "0.002", "vcpu_hours": "0.045", "requests": "0.0001"}

func demoProduct(code string, typ meterd.ProductType, dimensions ...string) *meterd.Product {
	p := &meterd.Product{Code: code, SellerAccountID: DemoSellerAccountID, Type: typ}
	for _, d := range dimensions {
		price, err := meterd.ParsePrice(demoPrices[d])
		if err != nil {
			panic("seed: demo price of " + d + ": " + err.Error())
		}
		p.Dimensions = append(p.Dimensions, meterd.Dimension{Name: d, Type: meterd.IntegerValue, UnitPrice: &price})
	}
	return p
}

// demoSubscription is an active subscription of the demo customer whose
// license id is licenseID, in License Manager's ARN form.
func demoSubscription(product, licenseID string, entitlements ...meterd.Entitlement) *meterd.Subscription {
	return &meterd.Subscription{
		ProductCode:        product,
		CustomerIdentifier: demoCustomer,
		LicenseArn:         "arn:aws:license-manager::" + DemoBuyerAccountID + ":license:" + licenseID,
		Status:             meterd.SubscriptionActive,
		Entitlements:       entitlements,
	}
}
