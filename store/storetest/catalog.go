package storetest

import (
	"fmt"
	"testing"

	"github.com/meterd/meterd"
)

const (
	sellerAccount      = "111111111111"
	buyerAccount       = "222222222222"
	otherSellerAccount = "333333333333"
	undeclaredAccount  = "444444444444"
)

func ptr[T any](v T) *T { return &v }

// fixtureCatalog returns a catalog that uses every field, including
// zero-valued times and each entitlement value type.
func fixtureCatalog() *meterd.Catalog {
	return seedMade(&meterd.Catalog{
		Accounts: []*meterd.Account{
			{ID: sellerAccount, Name: "Seller"},
			{ID: buyerAccount, Name: "Buyer"},
			{ID: otherSellerAccount, Name: "Other seller"},
		},
		AccessKeys: []*meterd.AccessKey{
			{ID: "AKIDSELLER", Secret: "seller-secret", AccountID: sellerAccount},
			{ID: "AKIDBUYER", Secret: "buyer-secret", AccountID: buyerAccount, HomeRegion: "us-west-2", Platform: "ecs"},
		},
		Products: []*meterd.Product{
			{Code: "prod-saas", SellerAccountID: sellerAccount, Type: meterd.ProductSaaS, Dimensions: []meterd.Dimension{
				{Name: "users", Type: meterd.IntegerValue}, {Name: "Data.GB", Type: ""},
			}, Integration: meterd.IntegrationConcurrentAgreements},
			{Code: "prod-saas-legacy", SellerAccountID: sellerAccount, Type: meterd.ProductSaaS, Integration: meterd.IntegrationLegacy},
			{Code: "prod-ami", SellerAccountID: sellerAccount, Type: meterd.ProductAMI},
			{Code: "prod-other", SellerAccountID: otherSellerAccount, Type: meterd.ProductContainer,
				Dimensions: []meterd.Dimension{{Name: "tier", Type: meterd.StringValue}}},
		},
		Customers: []*meterd.Customer{
			{Identifier: "cust-a", AWSAccountID: buyerAccount},
			{Identifier: "cust-b", AWSAccountID: undeclaredAccount},
		},
		Subscriptions: []*meterd.Subscription{
			{ProductCode: "prod-saas", CustomerIdentifier: "cust-b", LicenseArn: "arn:lic-3", Status: meterd.SubscriptionActive},
			{ProductCode: "prod-saas", CustomerIdentifier: "cust-a", LicenseArn: "arn:lic-1", Status: meterd.SubscriptionActive,
				LicenseStart: at(1, 1), LicenseEnd: at(9, 999999999),
				Entitlements: []meterd.Entitlement{
					{Dimension: "users", Value: meterd.EntitlementValue{IntegerValue: ptr(int32(-7))}, ExpirationDate: at(3, 5)},
					{Dimension: "ratio", Value: meterd.EntitlementValue{DoubleValue: ptr(0.1)}},
					{Dimension: "sso", Value: meterd.EntitlementValue{BooleanValue: ptr(false)}},
					{Dimension: "tier", Value: meterd.EntitlementValue{StringValue: ptr("gold ✓")}},
				}},
			{ProductCode: "prod-ami", CustomerIdentifier: "cust-a", LicenseArn: "arn:lic-2", Status: meterd.SubscriptionPending},
		},
	})
}

// seedMade marks every entry of c OriginSeed, as a store reads them back.
func seedMade(c *meterd.Catalog) *meterd.Catalog {
	for _, a := range c.Accounts {
		a.Origin = meterd.OriginSeed
	}
	for _, k := range c.AccessKeys {
		k.Origin = meterd.OriginSeed
	}
	for _, p := range c.Products {
		p.Origin = meterd.OriginSeed
	}
	for _, cu := range c.Customers {
		cu.Origin = meterd.OriginSeed
	}
	for _, s := range c.Subscriptions {
		s.Origin = meterd.OriginSeed
	}
	return c
}

func catalogTests() []test {
	return []test{
		{"ApplyCatalog/OK", testApplyCatalog},
		{"ApplyCatalog/Empty", testApplyCatalogEmpty},
		{"ApplyCatalog/ReplaceByPrimaryKey", testApplyCatalogReplace},
		{"ReplaceCatalog/DeletesUnlisted", testReplaceCatalog},
		{"Find/SeesLatestCatalog", testFindSeesLatestCatalog},
		{"Find/ResultsBelongToCaller", testFindResultsBelongToCaller},
		{"Shared/AnswersAsFind", testSharedAnswersAsFind},
		{"Shared/UnchangedByCatalogWrite", testSharedUnchangedByCatalogWrite},
		{"ApplyCatalog/ErrDanglingReference", testApplyCatalogDangling},
		{"FindAccessKey/ErrNotFound", testFindAccessKeyNotFound},
		{"FindProduct/ErrNotFound", testFindProductNotFound},
		{"FindCustomer/OK", testFindCustomer},
		{"FindCustomer/ErrNotFound", testFindCustomerNotFound},
		{"FindCustomer/ErrEmptyFilter", testFindCustomerEmptyFilter},
		{"FindSubscriptions/Filters", testFindSubscriptions},
		{"Ping/OK", testPing},
		{"Ping/ErrClosed", testPingClosed},
	}
}

func testApplyCatalog(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	c := fixtureCatalog()
	must(t, s.ApplyCatalog(ctx, c))

	for _, want := range c.AccessKeys {
		got, err := s.FindAccessKey(ctx, want.ID)
		must(t, err)
		if d := diff(got, want); d != "" {
			t.Errorf("FindAccessKey(%q)%s", want.ID, d)
		}
	}
	for _, want := range c.Products {
		got, err := s.FindProduct(ctx, want.Code)
		must(t, err)
		if d := diff(got, want); d != "" {
			t.Errorf("FindProduct(%q)%s", want.Code, d)
		}
	}
	subs, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{})
	must(t, err)
	want := []*meterd.Subscription{c.Subscriptions[2], c.Subscriptions[1], c.Subscriptions[0]}
	if d := diff(subs, want); d != "" {
		t.Errorf("FindSubscriptions()%s", d)
	}
}

func testApplyCatalogEmpty(t *testing.T, s meterd.Store) {
	must(t, s.ApplyCatalog(t.Context(), &meterd.Catalog{}))
	subs, err := s.FindSubscriptions(t.Context(), meterd.SubscriptionFilter{})
	must(t, err)
	if len(subs) != 0 {
		t.Errorf("FindSubscriptions on an empty store = %d entries, want 0", len(subs))
	}
}

func testApplyCatalogReplace(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	key := &meterd.AccessKey{ID: "AKIDSELLER", Secret: "rotated", AccountID: otherSellerAccount, HomeRegion: "eu-west-1", Platform: "eks"}
	product := &meterd.Product{Code: "prod-saas", SellerAccountID: otherSellerAccount, Type: meterd.ProductContainer}
	customer := &meterd.Customer{Identifier: "cust-a", AWSAccountID: otherSellerAccount}
	sub := &meterd.Subscription{ProductCode: "prod-ami", CustomerIdentifier: "cust-b", LicenseArn: "arn:lic-1",
		Status: meterd.SubscriptionUnsubscribed, LicenseEnd: at(2, 0)}
	must(t, s.ApplyCatalog(ctx, seedMade(&meterd.Catalog{
		AccessKeys: []*meterd.AccessKey{key}, Products: []*meterd.Product{product},
		Customers: []*meterd.Customer{customer}, Subscriptions: []*meterd.Subscription{sub},
	})))

	gotKey, err := s.FindAccessKey(ctx, key.ID)
	must(t, err)
	gotProduct, err := s.FindProduct(ctx, product.Code)
	must(t, err)
	gotCustomer, err := s.FindCustomer(ctx, meterd.CustomerFilter{Identifier: "cust-a"})
	must(t, err)
	gotSubs, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: "arn:lic-1"})
	must(t, err)
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"access key", gotKey, key},
		{"product", gotProduct, product},
		{"customer", gotCustomer, customer},
		{"subscription", gotSubs, []*meterd.Subscription{sub}},
	} {
		if d := diff(c.got, c.want); d != "" {
			t.Errorf("replaced %s%s", c.what, d)
		}
	}
	all, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{})
	must(t, err)
	if len(all) != 3 {
		t.Errorf("after replacing, %d subscriptions, want 3", len(all))
	}
}

// A catalog that references an undeclared parent fails as a whole with
// ValidationException: nothing of it is stored.
func testApplyCatalogDangling(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	cases := []struct {
		name string
		c    *meterd.Catalog
	}{
		{"access key without account", &meterd.Catalog{
			AccessKeys: []*meterd.AccessKey{{ID: "AKIDX", Secret: "x", AccountID: undeclaredAccount}}}},
		{"product without seller", &meterd.Catalog{
			Products: []*meterd.Product{{Code: "prod-x", SellerAccountID: undeclaredAccount, Type: meterd.ProductSaaS}}}},
		{"subscription without product", &meterd.Catalog{
			Customers:     []*meterd.Customer{{Identifier: "cust-x", AWSAccountID: buyerAccount}},
			Subscriptions: []*meterd.Subscription{{ProductCode: "prod-x", CustomerIdentifier: "cust-x", LicenseArn: "arn:x"}}}},
		{"subscription without customer", &meterd.Catalog{
			Accounts:      []*meterd.Account{{ID: sellerAccount}},
			Products:      []*meterd.Product{{Code: "prod-x", SellerAccountID: sellerAccount, Type: meterd.ProductSaaS}},
			Subscriptions: []*meterd.Subscription{{ProductCode: "prod-x", CustomerIdentifier: "cust-x", LicenseArn: "arn:x"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, s.ApplyCatalog(ctx, c.c), meterd.EValidation)
			if _, err := s.FindProduct(ctx, "prod-x"); !meterd.IsNotFound(err) {
				t.Errorf("FindProduct after failed ApplyCatalog: err = %v, want NotFound", err)
			}
			if _, err := s.FindCustomer(ctx, meterd.CustomerFilter{Identifier: "cust-x"}); !meterd.IsNotFound(err) {
				t.Errorf("FindCustomer after failed ApplyCatalog: err = %v, want NotFound", err)
			}
			if _, err := s.FindAccessKey(ctx, "AKIDX"); !meterd.IsNotFound(err) {
				t.Errorf("FindAccessKey after failed ApplyCatalog: err = %v, want NotFound", err)
			}
		})
	}
}

func testFindAccessKeyNotFound(t *testing.T, s meterd.Store) {
	must(t, s.ApplyCatalog(t.Context(), fixtureCatalog()))
	_, err := s.FindAccessKey(t.Context(), "AKIDNONE")
	wantCode(t, err, meterd.ENotFound)
}

func testFindProductNotFound(t *testing.T, s meterd.Store) {
	must(t, s.ApplyCatalog(t.Context(), fixtureCatalog()))
	_, err := s.FindProduct(t.Context(), "PROD-SAAS") // codes are case-sensitive
	wantCode(t, err, meterd.ENotFound)
}

func testFindCustomer(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	c := fixtureCatalog()
	// A second identifier for the buyer's account: lookups by account
	// return the smallest identifier.
	c.Customers = append(c.Customers, &meterd.Customer{Identifier: "cust-0", AWSAccountID: buyerAccount})
	must(t, s.ApplyCatalog(ctx, c))
	cases := []struct {
		name   string
		filter meterd.CustomerFilter
		want   string
	}{
		{"by identifier", meterd.CustomerFilter{Identifier: "cust-a"}, "cust-a"},
		{"by account", meterd.CustomerFilter{AWSAccountID: undeclaredAccount}, "cust-b"},
		{"by shared account", meterd.CustomerFilter{AWSAccountID: buyerAccount}, "cust-0"},
		{"by both", meterd.CustomerFilter{Identifier: "cust-a", AWSAccountID: buyerAccount}, "cust-a"},
	}
	for _, tc := range cases {
		got, err := s.FindCustomer(ctx, tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.Identifier != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got.Identifier, tc.want)
		}
	}
}

func testFindCustomerNotFound(t *testing.T, s meterd.Store) {
	must(t, s.ApplyCatalog(t.Context(), fixtureCatalog()))
	for _, f := range []meterd.CustomerFilter{
		{Identifier: "cust-none"},
		{AWSAccountID: sellerAccount},
		{Identifier: "cust-a", AWSAccountID: undeclaredAccount},
	} {
		_, err := s.FindCustomer(t.Context(), f)
		if !meterd.IsNotFound(err) {
			t.Errorf("FindCustomer(%+v): err = %v, want NotFound", f, err)
		}
	}
}

// An empty filter is a programming error, not an absent customer.
func testFindCustomerEmptyFilter(t *testing.T, s meterd.Store) {
	must(t, s.ApplyCatalog(t.Context(), fixtureCatalog()))
	_, err := s.FindCustomer(t.Context(), meterd.CustomerFilter{})
	if err == nil || meterd.IsNotFound(err) {
		t.Fatalf("FindCustomer(empty filter): err = %v, want a non-NotFound error", err)
	}
}

func testFindSubscriptions(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	cases := []struct {
		name   string
		filter meterd.SubscriptionFilter
		want   []string // license ARNs, in order
	}{
		{"all, by product then customer then license", meterd.SubscriptionFilter{}, []string{"arn:lic-2", "arn:lic-1", "arn:lic-3"}},
		{"product", meterd.SubscriptionFilter{ProductCode: "prod-saas"}, []string{"arn:lic-1", "arn:lic-3"}},
		{"customer", meterd.SubscriptionFilter{CustomerIdentifier: "cust-a"}, []string{"arn:lic-2", "arn:lic-1"}},
		{"license", meterd.SubscriptionFilter{LicenseArn: "arn:lic-3"}, []string{"arn:lic-3"}},
		{"product and customer", meterd.SubscriptionFilter{ProductCode: "prod-saas", CustomerIdentifier: "cust-b"}, []string{"arn:lic-3"}},
		{"no match", meterd.SubscriptionFilter{ProductCode: "prod-other"}, nil},
		{"mismatched license", meterd.SubscriptionFilter{ProductCode: "prod-ami", LicenseArn: "arn:lic-1"}, nil},
		{"limit", meterd.SubscriptionFilter{Limit: 2}, []string{"arn:lic-2", "arn:lic-1"}},
		{"after a position, by customer then license", meterd.SubscriptionFilter{ProductCode: "prod-saas", After: &meterd.SubscriptionPosition{CustomerIdentifier: "cust-b", LicenseArn: "arn:lic-0"}}, []string{"arn:lic-3"}},
		{"after a position, by license alone", meterd.SubscriptionFilter{ProductCode: "prod-saas", ByLicense: true, After: &meterd.SubscriptionPosition{CustomerIdentifier: "cust-b", LicenseArn: "arn:lic-0"}}, []string{"arn:lic-1", "arn:lic-3"}},
		{"after a subscription, exclusive", meterd.SubscriptionFilter{ProductCode: "prod-saas", After: &meterd.SubscriptionPosition{CustomerIdentifier: "cust-a", LicenseArn: "arn:lic-1"}}, []string{"arn:lic-3"}},
		{"after the last", meterd.SubscriptionFilter{ProductCode: "prod-saas", ByLicense: true, After: &meterd.SubscriptionPosition{LicenseArn: "arn:lic-3"}}, nil},
		{"after a position, limit", meterd.SubscriptionFilter{ProductCode: "prod-saas", After: &meterd.SubscriptionPosition{CustomerIdentifier: "cust-a"}, Limit: 1}, []string{"arn:lic-1"}},
	}
	for _, tc := range cases {
		subs, err := s.FindSubscriptions(ctx, tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for _, sub := range subs {
			got = append(got, sub.LicenseArn)
		}
		if d := diff(got, tc.want); d != "" {
			t.Errorf("%s: licenses%s", tc.name, d)
		}
	}
}

func testPing(t *testing.T, s meterd.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testPingClosed(t *testing.T, s meterd.Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping after Close: got nil, want an error")
	}
}

// ReplaceCatalog leaves exactly the new catalog: a key dropped from the seed
// no longer signs, and a customer or subscription dropped is gone.
func testReplaceCatalog(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	old := fixtureCatalog()
	must(t, s.ApplyCatalog(ctx, old))
	next := fixtureCatalog()
	next.AccessKeys = next.AccessKeys[:1]
	next.Subscriptions = next.Subscriptions[:1]
	next.Customers = customersOf(next.Customers, next.Subscriptions[0].CustomerIdentifier)
	must(t, s.ReplaceCatalog(ctx, next))

	for _, k := range old.AccessKeys[1:] {
		if _, err := s.FindAccessKey(ctx, k.ID); !meterd.IsNotFound(err) {
			t.Errorf("FindAccessKey(%q) after replace: %v, want NotFound", k.ID, err)
		}
	}
	if _, err := s.FindAccessKey(ctx, next.AccessKeys[0].ID); err != nil {
		t.Errorf("kept key: %v", err)
	}
	subs, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{})
	must(t, err)
	if d := diff(subs, next.Subscriptions); d != "" {
		t.Errorf("subscriptions after replace%s", d)
	}
	for _, cu := range old.Customers {
		_, err := s.FindCustomer(ctx, meterd.CustomerFilter{Identifier: cu.Identifier})
		if listed := len(customersOf(next.Customers, cu.Identifier)) == 1; listed != (err == nil) {
			t.Errorf("customer %q: listed %v, FindCustomer error %v", cu.Identifier, listed, err)
		}
	}
}

func customersOf(all []*meterd.Customer, identifier string) []*meterd.Customer {
	for _, c := range all {
		if c.Identifier == identifier {
			return []*meterd.Customer{c}
		}
	}
	return nil
}

// A backend may cache lookups, but a lookup after a catalog write sees the
// write, including an entry that was missing before.
func testFindSeesLatestCatalog(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	if _, err := s.FindProduct(ctx, "prod-new"); !meterd.IsNotFound(err) {
		t.Fatalf("FindProduct before it exists: %v", err)
	}
	before, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: "prod-saas"})
	must(t, err)
	_, err = s.FindAccessKey(ctx, "AKIDSELLER")
	must(t, err)

	next := fixtureCatalog()
	next.Products = append(next.Products, &meterd.Product{Code: "prod-new", SellerAccountID: sellerAccount, Type: meterd.ProductAMI})
	next.Subscriptions[0].Status = meterd.SubscriptionUnsubscribed
	next.AccessKeys[0].Secret = "rotated"
	must(t, s.ApplyCatalog(ctx, next))

	if _, err := s.FindProduct(ctx, "prod-new"); err != nil {
		t.Errorf("FindProduct after it was added: %v", err)
	}
	after, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: "prod-saas"})
	must(t, err)
	if d := diff(after, []*meterd.Subscription{next.Subscriptions[1], next.Subscriptions[0]}); d != "" || len(before) != len(after) {
		t.Errorf("FindSubscriptions after the status changed%s", d)
	}
	key, err := s.FindAccessKey(ctx, "AKIDSELLER")
	must(t, err)
	if key.Secret != "rotated" {
		t.Errorf("FindAccessKey after the secret changed: %q", key.Secret)
	}
}

// What a Find returns is the caller's to change: the store's next answer is
// unaffected.
func testFindResultsBelongToCaller(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	p, err := s.FindProduct(ctx, "prod-saas")
	must(t, err)
	p.Dimensions[0].Name = "changed"
	subs, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: "arn:lic-1"})
	must(t, err)
	*subs[0].Entitlements[0].Value.IntegerValue = 99
	subs[0].Status = "changed"

	p, err = s.FindProduct(ctx, "prod-saas")
	must(t, err)
	subs, err = s.FindSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: "arn:lic-1"})
	must(t, err)
	if p.Dimensions[0].Name != "users" || subs[0].Status != meterd.SubscriptionActive || *subs[0].Entitlements[0].Value.IntegerValue != -7 {
		t.Errorf("a caller's change leaked into the store: %v %v %d", p.Dimensions[0].Name, subs[0].Status, *subs[0].Entitlements[0].Value.IntegerValue)
	}
}

// The Shared lookups answer what the Find lookups answer, found or not,
// asked once (a cache miss) or twice (a hit).
func testSharedAnswersAsFind(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	lookups := []struct {
		name         string
		find, shared func() (any, error)
	}{
		{"access key", func() (any, error) { return s.FindAccessKey(ctx, "AKIDBUYER") },
			func() (any, error) { return s.SharedAccessKey(ctx, "AKIDBUYER") }},
		{"missing access key", func() (any, error) { return s.FindAccessKey(ctx, "AKIDNONE") },
			func() (any, error) { return s.SharedAccessKey(ctx, "AKIDNONE") }},
		{"product", func() (any, error) { return s.FindProduct(ctx, "prod-saas") },
			func() (any, error) { return s.SharedProduct(ctx, "prod-saas") }},
		{"missing product", func() (any, error) { return s.FindProduct(ctx, "prod-none") },
			func() (any, error) { return s.SharedProduct(ctx, "prod-none") }},
		{"customer", func() (any, error) { return s.FindCustomer(ctx, meterd.CustomerFilter{AWSAccountID: buyerAccount}) },
			func() (any, error) { return s.SharedCustomer(ctx, meterd.CustomerFilter{AWSAccountID: buyerAccount}) }},
		{"subscriptions", func() (any, error) {
			return s.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: "prod-saas", CustomerIdentifier: "cust-a"})
		}, func() (any, error) {
			return s.SharedSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: "prod-saas", CustomerIdentifier: "cust-a"})
		}},
	}
	for _, l := range lookups {
		for _, order := range []string{"shared first", "find first"} {
			must(t, s.ApplyCatalog(ctx, fixtureCatalog())) // empties the cache
			first, second := l.shared, l.find
			if order == "find first" {
				first, second = l.find, l.shared
			}
			got1, err1 := first()
			got2, err2 := second()
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Errorf("%s, %s: errors %v and %v", l.name, order, err1, err2)
			}
			if d := diff(got1, got2); d != "" {
				t.Errorf("%s, %s:%s", l.name, order, d)
			}
		}
	}
}

// A catalog write replaces what the cache holds rather than changing it:
// a value a Shared lookup handed out before stays as it was read.
func testSharedUnchangedByCatalogWrite(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	before, err := s.SharedProduct(ctx, "prod-saas")
	must(t, err)
	kept := before.SellerAccountID
	must(t, s.ApplyCatalog(ctx, seedMade(&meterd.Catalog{Products: []*meterd.Product{
		{Code: "prod-saas", SellerAccountID: otherSellerAccount, Type: meterd.ProductSaaS},
	}})))
	after, err := s.SharedProduct(ctx, "prod-saas")
	must(t, err)
	if before.SellerAccountID != kept || after.SellerAccountID != otherSellerAccount {
		t.Errorf("seller before the write %q (read as %q), after %q", before.SellerAccountID, kept, after.SellerAccountID)
	}
}
