package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// randomCatalog is a seed's catalog of buyers customers with random
// identifiers, accounts and licenses (so that index writes land anywhere,
// as real ids do), each subscribed to one product with two entitlements.
// version changes every entitlement's value.
func randomCatalog(buyers, version int) *meterd.Catalog {
	c := &meterd.Catalog{
		Accounts: []*meterd.Account{{ID: "111122223333", Name: "seller"}},
		Products: []*meterd.Product{{Code: "bench-saas", SellerAccountID: "111122223333", Type: meterd.ProductSaaS,
			Dimensions: []meterd.Dimension{{Name: "users"}, {Name: "api_calls"}}}},
	}
	rng := rand.New(rand.NewPCG(uint64(buyers), 7))
	for i := range buyers {
		users, calls := int32(version+i%50), int32(1000*version)
		cu := &meterd.Customer{Identifier: fmt.Sprintf("c%016x", rng.Uint64()), AWSAccountID: fmt.Sprintf("%d%08d", 1000+rng.IntN(9000), i)}
		c.Customers = append(c.Customers, cu)
		c.Subscriptions = append(c.Subscriptions, &meterd.Subscription{ProductCode: "bench-saas", CustomerIdentifier: cu.Identifier,
			LicenseArn: fmt.Sprintf("arn:aws:license-manager::111122223333:license:l-%016x%016x", rng.Uint64(), rng.Uint64()),
			Status:     meterd.SubscriptionActive,
			Entitlements: []meterd.Entitlement{
				{Dimension: "users", Value: meterd.EntitlementValue{IntegerValue: &users}},
				{Dimension: "api_calls", Value: meterd.EntitlementValue{IntegerValue: &calls}},
			}})
	}
	return c
}

// BenchmarkReplaceCatalog applies a seed's catalog over the one stored:
// unchanged (every restart) and with every entitlement changed.
func BenchmarkReplaceCatalog(b *testing.B) {
	for _, buyers := range []int{2_000, 10_000, 50_000} {
		for _, changed := range []bool{false, true} {
			b.Run(fmt.Sprintf("buyers=%d/changed=%v", buyers, changed), func(b *testing.B) {
				db := sqlitetest.Open(b, randomCatalog(buyers, 0))
				versions := []*meterd.Catalog{randomCatalog(buyers, 0), randomCatalog(buyers, 1)}
				i := 0
				for b.Loop() {
					if changed {
						i++
					}
					if err := db.ReplaceCatalog(b.Context(), versions[i%2]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
