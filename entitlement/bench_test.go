package entitlement_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// randomCatalog has one product of buyers customers with random
// identifiers, accounts and licenses, each with one active subscription of
// three entitlements, as a load test's fixture has.
func randomCatalog(buyers int) (*meterd.Catalog, []*meterd.Customer) {
	c := baseCatalog()
	rng := rand.New(rand.NewPCG(uint64(buyers), 1))
	accounts := make(map[string]bool, buyers)
	for len(c.Customers) < buyers {
		account := fmt.Sprintf("%012d", rng.Int64N(1e12))
		if accounts[account] {
			continue
		}
		accounts[account] = true
		cu := &meterd.Customer{Identifier: fmt.Sprintf("%x", rng.Uint64()), AWSAccountID: account}
		c.Customers = append(c.Customers, cu)
		c.Subscriptions = append(c.Subscriptions, &meterd.Subscription{ProductCode: product, CustomerIdentifier: cu.Identifier,
			LicenseArn: fmt.Sprintf("arn:aws:license-manager::1:license:l-%016x%016x", rng.Uint64(), rng.Uint64()),
			Status:     meterd.SubscriptionActive,
			Entitlements: []meterd.Entitlement{
				{Dimension: "api_calls", Value: intValue(1000)},
				{Dimension: "tier", Value: stringValue("gold")},
				{Dimension: "users", Value: intValue(int32(len(c.Customers)))},
			}})
	}
	return c, c.Customers
}

// BenchmarkGetEntitlements measures the service over a real store with
// random ids: the first page, a later page, and one customer by identifier
// and by account, picked at random on each call.
func BenchmarkGetEntitlements(b *testing.B) {
	for _, buyers := range []int{2_000, 50_000} {
		catalog, customers := randomCatalog(buyers)
		e := newEnv(b, catalog)
		caller := meterd.Caller{AccountID: seller, Region: region}
		first, err := e.svc.GetEntitlements(b.Context(), caller, &meterd.GetEntitlementsRequest{ProductCode: product})
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(2, 3))
		cases := []struct {
			name string
			in   func() *meterd.GetEntitlementsRequest
		}{
			{"first page", func() *meterd.GetEntitlementsRequest {
				return &meterd.GetEntitlementsRequest{ProductCode: product}
			}},
			{"next page", func() *meterd.GetEntitlementsRequest {
				return &meterd.GetEntitlementsRequest{ProductCode: product, NextToken: first.NextToken}
			}},
			{"customer", func() *meterd.GetEntitlementsRequest {
				cu := customers[rng.IntN(len(customers))]
				return &meterd.GetEntitlementsRequest{ProductCode: product,
					Filter: map[string][]string{meterd.FilterCustomerIdentifier: {cu.Identifier}}}
			}},
			{"account", func() *meterd.GetEntitlementsRequest {
				cu := customers[rng.IntN(len(customers))]
				return &meterd.GetEntitlementsRequest{ProductCode: product,
					Filter: map[string][]string{meterd.FilterCustomerAWSAccountID: {cu.AWSAccountID}}}
			}},
		}
		for _, c := range cases {
			b.Run(fmt.Sprintf("buyers=%d/%s", buyers, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					out, err := e.svc.GetEntitlements(b.Context(), caller, c.in())
					if err != nil {
						b.Fatal(err)
					}
					if len(out.Entitlements) == 0 {
						b.Fatal("no entitlements")
					}
				}
			})
		}
	}
}

// TestGetEntitlementsPagesRandomProduct pages through a product of random
// ids in which every third subscription is hidden, so that pages end inside
// subscriptions and index ranges hold hidden ones, and checks that the pages
// together are exactly the visible entitlements in key order.
func TestGetEntitlementsPagesRandomProduct(t *testing.T) {
	catalog, _ := randomCatalog(300)
	for i, s := range catalog.Subscriptions {
		if i%3 == 0 {
			s.Status = meterd.SubscriptionUnsubscribed
		}
	}
	catalog.Products[0].Integration = meterd.IntegrationConcurrentAgreements
	catalog.Products = append(catalog.Products, &meterd.Product{Code: "legacy", SellerAccountID: seller, Type: meterd.ProductSaaS})
	for _, s := range slices.Clone(catalog.Subscriptions) {
		c := *s
		c.ProductCode, c.LicenseArn = "legacy", strings.Replace(s.LicenseArn, "license:l-", "license:m-", 1)
		catalog.Subscriptions = append(catalog.Subscriptions, &c)
	}
	e := newEnv(t, catalog)
	tests := []struct {
		name    string
		product string
		filter  map[string][]string
		max     int32
	}{
		{"OK legacy, 7 a page", "legacy", nil, 7},
		{"OK legacy, one dimension, 25 a page", "legacy", map[string][]string{meterd.FilterDimension: {"tier"}}, 0},
		{"OK concurrent agreements, 7 a page", product, nil, 7},
		{"OK concurrent agreements, two dimensions, 5 a page", product, map[string][]string{meterd.FilterDimension: {"tier", "users"}}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := pageThrough(t, e, meterd.GetEntitlementsRequest{ProductCode: tt.product, Filter: tt.filter, MaxResults: tt.max})
			if want := visibleIDs(catalog, tt.product, tt.filter[meterd.FilterDimension]); !slices.Equal(got, want) {
				t.Fatalf("pages gave %d entitlements, want %d:\n%v\nwant\n%v", len(got), len(want), got, want)
			}
		})
	}
}

// visibleIDs is the reference answer: the active subscriptions' entitlements
// of product, with the dimensions named (all when none), in key order.
func visibleIDs(c *meterd.Catalog, product string, dimensions []string) []string {
	ca := product != "legacy"
	var rows [][3]string
	for _, s := range c.Subscriptions {
		if s.ProductCode != product || s.Status != meterd.SubscriptionActive {
			continue
		}
		for _, e := range s.Entitlements {
			if dimensions == nil || slices.Contains(dimensions, e.Dimension) {
				customer := s.CustomerIdentifier
				if ca {
					customer = ""
				}
				rows = append(rows, [3]string{customer, s.LicenseArn, e.Dimension})
			}
		}
	}
	slices.SortFunc(rows, func(a, b [3]string) int { return slices.Compare(a[:], b[:]) })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%s/%s/%s", r[0], r[1][len(r[1])-2:], r[2])
	}
	return out
}
