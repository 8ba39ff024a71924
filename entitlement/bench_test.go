package entitlement_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/meterd/meterd"
)

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
