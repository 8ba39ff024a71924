package entitlement_test

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/regions"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

const (
	seller      = "111111111111"
	otherSeller = "444444444444"
	product     = "ent-prod"
	product2    = "ent-prod-2"
	productCA   = "ent-prod-ca" // Concurrent Agreements integration
	foreign     = "foreign-prod"
	region      = "us-east-1"
)

var epoch = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	svc   *entitlement.Service
	store *sqlite.DB
	now   time.Time
}

// newEnv returns a service over a fresh SQLite store holding catalog.
func newEnv(t testing.TB, catalog *meterd.Catalog) *env {
	t.Helper()
	db := sqlitetest.Open(t, catalog)
	e := &env{store: db, now: epoch}
	e.svc = &entitlement.Service{
		Store:    db,
		Clock:    meterd.ClockFunc(func() time.Time { return e.now }),
		Regions:  regions.Default(),
		TokenKey: []byte("0123456789abcdef0123456789abcdef"),
		Logger:   slog.New(slog.DiscardHandler),
	}
	return e
}

func (e *env) get(t *testing.T, in *meterd.GetEntitlementsRequest) (*meterd.GetEntitlementsResult, error) {
	t.Helper()
	return e.svc.GetEntitlements(t.Context(), meterd.Caller{AccountID: seller, Region: region, AccessKeyID: "AKIDSELLER"}, in)
}

func intValue(v int32) meterd.EntitlementValue      { return meterd.EntitlementValue{IntegerValue: &v} }
func doubleValue(v float64) meterd.EntitlementValue { return meterd.EntitlementValue{DoubleValue: &v} }
func boolValue(v bool) meterd.EntitlementValue      { return meterd.EntitlementValue{BooleanValue: &v} }
func stringValue(v string) meterd.EntitlementValue  { return meterd.EntitlementValue{StringValue: &v} }

func baseCatalog() *meterd.Catalog {
	return &meterd.Catalog{
		Accounts: []*meterd.Account{{ID: seller, Name: "seller"}, {ID: otherSeller, Name: "other"}},
		Products: []*meterd.Product{
			{Code: product, SellerAccountID: seller, Type: meterd.ProductSaaS},
			{Code: product2, SellerAccountID: seller, Type: meterd.ProductSaaS},
			{Code: foreign, SellerAccountID: otherSeller, Type: meterd.ProductSaaS},
		},
	}
}

// filterCatalog has three customers of product with typed entitlements,
// subscriptions in every state, and entitlements on either side of now.
func filterCatalog() *meterd.Catalog {
	c := baseCatalog()
	c.Customers = []*meterd.Customer{
		{Identifier: "cust-a", AWSAccountID: "100000000001"},
		{Identifier: "cust-b", AWSAccountID: "100000000002"},
		{Identifier: "cust-c", AWSAccountID: "100000000003"},
	}
	sub := func(customer, license string, status meterd.SubscriptionStatus, ents ...meterd.Entitlement) *meterd.Subscription {
		return &meterd.Subscription{ProductCode: product, CustomerIdentifier: customer, LicenseArn: "arn:aws:license-manager::1:license:" + license, Status: status, Entitlements: ents}
	}
	ent := func(dim string, v meterd.EntitlementValue) meterd.Entitlement {
		return meterd.Entitlement{Dimension: dim, Value: v}
	}
	c.Subscriptions = []*meterd.Subscription{
		sub("cust-a", "a1", meterd.SubscriptionActive,
			ent("users", intValue(10)), ent("storage", doubleValue(2.5)),
			meterd.Entitlement{Dimension: "sso", Value: boolValue(true), ExpirationDate: epoch.Add(24 * time.Hour)}),
		sub("cust-a", "a2", meterd.SubscriptionUnsubscribePending, ent("tier", stringValue("gold"))),
		sub("cust-b", "b1", meterd.SubscriptionActive,
			ent("users", intValue(5)),
			meterd.Entitlement{Dimension: "old", Value: intValue(1), ExpirationDate: epoch.Add(-time.Second)},
			meterd.Entitlement{Dimension: "edge", Value: intValue(2), ExpirationDate: epoch}),
		sub("cust-c", "c1", meterd.SubscriptionUnsubscribed, ent("users", intValue(1))),
		sub("cust-c", "c2", meterd.SubscriptionPending, ent("users", intValue(2))),
		sub("cust-c", "c3", meterd.SubscriptionFailed, ent("users", intValue(3))),
		licensed(sub("cust-c", "c4", meterd.SubscriptionActive, ent("users", intValue(4))), time.Time{}, epoch),                  // license ended
		licensed(sub("cust-c", "c5", meterd.SubscriptionActive, ent("users", intValue(5))), epoch.Add(time.Second), time.Time{}), // not yet
		{ProductCode: product2, CustomerIdentifier: "cust-c", LicenseArn: "arn:aws:license-manager::1:license:p2", Status: meterd.SubscriptionActive, Entitlements: []meterd.Entitlement{ent("users", intValue(7))}},
	}
	c.Products = append(c.Products, &meterd.Product{Code: productCA, SellerAccountID: seller, Type: meterd.ProductSaaS,
		Integration: meterd.IntegrationConcurrentAgreements})
	caSub := func(customer, license string, status meterd.SubscriptionStatus, ents ...meterd.Entitlement) *meterd.Subscription {
		s := sub(customer, license, status, ents...)
		s.ProductCode = productCA
		return s
	}
	// License x1 sorts before y1 although its customer sorts after.
	c.Subscriptions = append(c.Subscriptions,
		caSub("cust-b", "x1", meterd.SubscriptionActive, ent("users", intValue(3)), ent("tier", stringValue("silver"))),
		caSub("cust-a", "y1", meterd.SubscriptionActive, ent("users", intValue(4))),
		caSub("cust-a", "y2", meterd.SubscriptionPending, ent("users", intValue(5))),
	)
	return c
}

// licensed sets the license activation period of s.
func licensed(s *meterd.Subscription, start, end time.Time) *meterd.Subscription {
	s.LicenseStart, s.LicenseEnd = start, end
	return s
}

// ids names each entitlement customer/license/dimension.
func ids(ents []meterd.EntitlementOutput) []string {
	out := make([]string, len(ents))
	for i, e := range ents {
		out[i] = fmt.Sprintf("%s/%s/%s", e.CustomerIdentifier, e.LicenseArn[len(e.LicenseArn)-2:], e.Dimension)
	}
	return out
}

func TestGetEntitlementsFilters(t *testing.T) {
	e := newEnv(t, filterCatalog())
	all := []string{"cust-a/a1/sso", "cust-a/a1/storage", "cust-a/a1/users", "cust-a/a2/tier", "cust-b/b1/edge", "cust-b/b1/users"}
	tests := []struct {
		name   string
		filter map[string][]string
		want   []string
	}{
		{"OK no filter: active and unsubscribe-pending, unexpired, sorted", nil, all},
		{"OK customer", map[string][]string{meterd.FilterCustomerIdentifier: {"cust-b"}}, all[4:]},
		{"OK customers OR-ed", map[string][]string{meterd.FilterCustomerIdentifier: {"cust-b", "cust-a"}}, all},
		{"OK account", map[string][]string{meterd.FilterCustomerAWSAccountID: {"100000000002"}}, all[4:]},
		{"OK accounts OR-ed with unknown", map[string][]string{meterd.FilterCustomerAWSAccountID: {"100000000002", "999999999999"}}, all[4:]},
		{"OK unknown account", map[string][]string{meterd.FilterCustomerAWSAccountID: {"999999999999"}}, []string{}},
		{"OK dimension", map[string][]string{meterd.FilterDimension: {"users"}}, []string{"cust-a/a1/users", "cust-b/b1/users"}},
		{"OK dimensions OR-ed", map[string][]string{meterd.FilterDimension: {"users", "tier"}}, []string{"cust-a/a1/users", "cust-a/a2/tier", "cust-b/b1/users"}},
		{"OK license", map[string][]string{meterd.FilterLicenseArn: {"arn:aws:license-manager::1:license:a2"}}, []string{"cust-a/a2/tier"}},
		{"OK customer AND dimension", map[string][]string{meterd.FilterCustomerIdentifier: {"cust-a"}, meterd.FilterDimension: {"users"}}, []string{"cust-a/a1/users"}},
		{"OK account AND dimension", map[string][]string{meterd.FilterCustomerAWSAccountID: {"100000000001"}, meterd.FilterDimension: {"tier", "users"}}, []string{"cust-a/a1/users", "cust-a/a2/tier"}},
		{"OK license AND dimension without match", map[string][]string{meterd.FilterLicenseArn: {"arn:aws:license-manager::1:license:a2"}, meterd.FilterDimension: {"users"}}, []string{}},
		{"OK hidden subscriptions stay hidden when named", map[string][]string{meterd.FilterCustomerIdentifier: {"cust-c"}}, []string{}},
		{"OK expired entitlement hidden when named", map[string][]string{meterd.FilterDimension: {"old"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, Filter: tt.filter})
			if err != nil {
				t.Fatalf("GetEntitlements: %v", err)
			}
			if g := ids(got.Entitlements); !slices.Equal(g, tt.want) {
				t.Fatalf("got %v, want %v", g, tt.want)
			}
			if got.NextToken != "" {
				t.Fatalf("NextToken = %q on the only page", got.NextToken)
			}
		})
	}
}

// TestGetEntitlementsConcurrentAgreements checks the rules of a product with
// the Concurrent Agreements integration: no CustomerIdentifier in the output,
// which the CUSTOMER_IDENTIFIER filter therefore never matches.
func TestGetEntitlementsConcurrentAgreements(t *testing.T) {
	e := newEnv(t, filterCatalog())
	accounts := map[string]string{"x1": "100000000002", "y1": "100000000001"}
	tests := []struct {
		name   string
		filter map[string][]string
		want   []string
	}{
		{"OK CustomerIdentifier omitted, ordered by license", nil, []string{"/x1/tier", "/x1/users", "/y1/users"}},
		{"OK account filter", map[string][]string{meterd.FilterCustomerAWSAccountID: {"100000000001"}}, []string{"/y1/users"}},
		{"OK license filter", map[string][]string{meterd.FilterLicenseArn: {"arn:aws:license-manager::1:license:x1"}}, []string{"/x1/tier", "/x1/users"}},
		{"OK customer identifier filter matches nothing", map[string][]string{meterd.FilterCustomerIdentifier: {"cust-a", "cust-b"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: productCA, Filter: tt.filter})
			if err != nil {
				t.Fatalf("GetEntitlements: %v", err)
			}
			if g := ids(got.Entitlements); !slices.Equal(g, tt.want) {
				t.Fatalf("got %v, want %v", g, tt.want)
			}
			for _, ent := range got.Entitlements {
				if want := accounts[ent.LicenseArn[len(ent.LicenseArn)-2:]]; ent.CustomerAWSAccountId != want {
					t.Errorf("%s: CustomerAWSAccountId = %q, want %q", ent.LicenseArn, ent.CustomerAWSAccountId, want)
				}
			}
		})
	}
}

// TestGetEntitlementsConcurrentAgreementsTokens pages through a Concurrent
// Agreements product: the NextToken, whose position is readable, must not
// carry the CustomerIdentifier the output leaves out.
func TestGetEntitlementsConcurrentAgreementsTokens(t *testing.T) {
	e := newEnv(t, filterCatalog())
	in := &meterd.GetEntitlementsRequest{ProductCode: productCA, MaxResults: 1}
	var items []string
	for range 4 {
		got, err := e.get(t, in)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, ids(got.Entitlements)...)
		if in.NextToken = got.NextToken; in.NextToken == "" {
			break
		}
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			t.Fatalf("NextToken is not base64url: %v", err)
		}
		if strings.Contains(string(raw), "cust-") {
			t.Fatalf("NextToken %q carries a customer identifier", raw)
		}
	}
	if want := []string{"/x1/tier", "/x1/users", "/y1/users"}; !slices.Equal(items, want) {
		t.Fatalf("pages gave %v, want %v", items, want)
	}
}

func TestGetEntitlementsOutput(t *testing.T) {
	e := newEnv(t, filterCatalog())
	got, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, Filter: map[string][]string{meterd.FilterCustomerIdentifier: {"cust-a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Entitlements) != 4 {
		t.Fatalf("got %d entitlements, want 4", len(got.Entitlements))
	}
	sso, storage, users, tier := got.Entitlements[0], got.Entitlements[1], got.Entitlements[2], got.Entitlements[3]
	if sso.ProductCode != product || sso.CustomerAWSAccountId != "100000000001" ||
		sso.LicenseArn != "arn:aws:license-manager::1:license:a1" {
		t.Errorf("sso = %+v", sso)
	}
	if sso.Value == nil || sso.Value.BooleanValue == nil || !*sso.Value.BooleanValue || sso.Value.IntegerValue != nil {
		t.Errorf("sso value = %+v, want BooleanValue true only", sso.Value)
	}
	if sso.ExpirationDate == nil || !sso.ExpirationDate.Equal(epoch.Add(24*time.Hour)) {
		t.Errorf("sso expiration = %v", sso.ExpirationDate)
	}
	if storage.Value == nil || storage.Value.DoubleValue == nil || *storage.Value.DoubleValue != 2.5 || storage.ExpirationDate != nil {
		t.Errorf("storage = %+v", storage)
	}
	if users.Value == nil || users.Value.IntegerValue == nil || *users.Value.IntegerValue != 10 {
		t.Errorf("users = %+v", users)
	}
	if tier.Value == nil || tier.Value.StringValue == nil || *tier.Value.StringValue != "gold" {
		t.Errorf("tier = %+v", tier)
	}
}

func TestGetEntitlementsExpiry(t *testing.T) {
	e := newEnv(t, filterCatalog())
	filter := map[string][]string{meterd.FilterCustomerIdentifier: {"cust-b"}}
	tests := []struct {
		name string
		now  time.Time
		want []string
	}{
		{"OK past expiry date hidden, expiring now shown", epoch, []string{"cust-b/b1/edge", "cust-b/b1/users"}},
		{"OK both shown before", epoch.Add(-time.Second), []string{"cust-b/b1/edge", "cust-b/b1/old", "cust-b/b1/users"}},
		{"OK both hidden after", epoch.Add(time.Nanosecond), []string{"cust-b/b1/users"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.now = tt.now
			got, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, Filter: filter})
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got.Entitlements); !slices.Equal(g, tt.want) {
				t.Fatalf("got %v, want %v", g, tt.want)
			}
		})
	}
}

func TestGetEntitlementsErrors(t *testing.T) {
	e := newEnv(t, filterCatalog())
	first, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 2})
	if err != nil || first.NextToken == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	token := first.NextToken
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("NextToken is not base64url: %v", err)
	}
	raw[len(raw)/2] ^= 1 // a position or MAC byte: still well-formed base64url
	tampered := base64.RawURLEncoding.EncodeToString(raw)
	forger := *e.svc
	forger.TokenKey = []byte("another key, same layout, 32 byte")
	forged, err := forger.GetEntitlements(t.Context(), meterd.Caller{AccountID: seller, Region: region}, &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}

	sellerIn := func(r string) meterd.Caller { return meterd.Caller{AccountID: seller, Region: r} }
	tests := []struct {
		name     string
		caller   meterd.Caller
		in       meterd.GetEntitlementsRequest
		wantCode string
	}{
		{"ErrDisabledApi outside us-east-1", sellerIn("us-west-2"), meterd.GetEntitlementsRequest{ProductCode: product}, meterd.EDisabledAPI},
		{"ErrInvalidParameter unknown product", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: "no-such-product"}, meterd.EInvalidParameter},
		{"ErrInvalidParameter foreign product", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: foreign}, meterd.EInvalidParameter},
		{"ErrInvalidParameter buyer asks", meterd.Caller{AccountID: "100000000001", Region: region}, meterd.GetEntitlementsRequest{ProductCode: product}, meterd.EInvalidParameter},
		{"ErrInvalidParameter customer and account filters", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, Filter: map[string][]string{
			meterd.FilterCustomerIdentifier: {"cust-a"}, meterd.FilterCustomerAWSAccountID: {"100000000001"}}}, meterd.EInvalidParameter},
		{"ErrInvalidParameter unknown filter", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, Filter: map[string][]string{"COLOUR": {"red"}}}, meterd.EInvalidParameter},
		{"ErrInvalidParameter filter without values", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, Filter: map[string][]string{meterd.FilterDimension: {}}}, meterd.EInvalidParameter},
		{"ErrInvalidParameter garbled token", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, NextToken: "garbage!"}, meterd.EInvalidParameter},
		{"ErrInvalidParameter short token", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, NextToken: "AQID"}, meterd.EInvalidParameter},
		{"ErrInvalidParameter tampered token", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, NextToken: tampered}, meterd.EInvalidParameter},
		{"ErrInvalidParameter forged token", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, NextToken: forged.NextToken}, meterd.EInvalidParameter},
		{"ErrInvalidParameter token of another product", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product2, NextToken: token}, meterd.EInvalidParameter},
		{"ErrInvalidParameter token of another filter", sellerIn(region), meterd.GetEntitlementsRequest{ProductCode: product, NextToken: token, Filter: map[string][]string{meterd.FilterDimension: {"users"}}}, meterd.EInvalidParameter},
		{"ErrInvalidParameter token of another seller", meterd.Caller{AccountID: otherSeller, Region: region}, meterd.GetEntitlementsRequest{ProductCode: foreign, NextToken: token}, meterd.EInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.GetEntitlements(t.Context(), tt.caller, &tt.in)
			if got := meterd.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}

func TestGetEntitlementsForeignProductLooksUnknown(t *testing.T) {
	e := newEnv(t, filterCatalog())
	message := func(code string) string {
		t.Helper()
		_, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: code})
		if meterd.ErrorCode(err) != meterd.EInvalidParameter {
			t.Fatalf("%s: %v, want InvalidParameterException", code, err)
		}
		return meterd.ErrorMessage(err)
	}
	unknown, foreignMsg := message("x-prod"), message(foreign)
	if want := "Product code x-prod is invalid."; unknown != want {
		t.Fatalf("unknown product message = %q, want %q", unknown, want)
	}
	if want := "Product code " + foreign + " is invalid."; foreignMsg != want {
		t.Fatalf("foreign product message = %q, want %q (as for an unknown one)", foreignMsg, want)
	}
}

func TestGetEntitlementsTokenIgnoresFilterOrder(t *testing.T) {
	e := newEnv(t, filterCatalog())
	in := &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 1,
		Filter: map[string][]string{meterd.FilterDimension: {"users", "tier", "sso"}}}
	first, err := e.get(t, in)
	if err != nil || first.NextToken == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	in.Filter = map[string][]string{meterd.FilterDimension: {"sso", "users", "tier", "users"}}
	in.NextToken = first.NextToken
	second, err := e.get(t, in)
	if err != nil {
		t.Fatalf("same filter in another order: %v", err)
	}
	if g := ids(second.Entitlements); !slices.Equal(g, []string{"cust-a/a1/users"}) {
		t.Fatalf("second page = %v", g)
	}
}

// bigCatalog gives product 20 customers with 3 dimensions each: 60
// entitlements, listed in reverse so that the store's order is not the
// answer's.
func bigCatalog() *meterd.Catalog {
	c := baseCatalog()
	for i := 19; i >= 0; i-- {
		id := fmt.Sprintf("cust-%02d", i)
		c.Customers = append(c.Customers, &meterd.Customer{Identifier: id, AWSAccountID: fmt.Sprintf("2000000000%02d", i)})
		c.Subscriptions = append(c.Subscriptions, &meterd.Subscription{
			ProductCode: product, CustomerIdentifier: id, LicenseArn: "arn:aws:license-manager::1:license:" + id,
			Status: meterd.SubscriptionActive,
			Entitlements: []meterd.Entitlement{
				{Dimension: "z", Value: intValue(int32(i))},
				{Dimension: "m", Value: intValue(int32(i))},
				{Dimension: "a", Value: intValue(int32(i))},
			},
		})
	}
	return c
}

// pageThrough collects every page, failing on a repeated token.
func pageThrough(t *testing.T, e *env, in meterd.GetEntitlementsRequest) (items []string, pages []int) {
	t.Helper()
	tokens := make(map[string]bool)
	for {
		got, err := e.get(t, &in)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		items = append(items, ids(got.Entitlements)...)
		pages = append(pages, len(got.Entitlements))
		if got.NextToken == "" {
			return items, pages
		}
		if tokens[got.NextToken] {
			t.Fatalf("token %q repeated", got.NextToken)
		}
		tokens[got.NextToken] = true
		in.NextToken = got.NextToken
		if len(pages) > 100 {
			t.Fatal("pagination does not end")
		}
	}
}

func TestGetEntitlementsPagination(t *testing.T) {
	e := newEnv(t, bigCatalog())
	var want []string
	for i := range 20 {
		for _, d := range []string{"a", "m", "z"} {
			want = append(want, fmt.Sprintf("cust-%02d/%02d/%s", i, i, d))
		}
	}
	tests := []struct {
		name      string
		max       int32
		wantPages []int
	}{
		{"OK MaxResults 7", 7, []int{7, 7, 7, 7, 7, 7, 7, 7, 4}},
		{"OK default 25", 0, []int{25, 25, 10}},
		{"OK exact multiple", 20, []int{20, 20, 20}},
		{"OK MaxResults 1", 1, slices.Repeat([]int{1}, 60)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, pages := pageThrough(t, e, meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: tt.max})
			if !slices.Equal(items, want) {
				t.Fatalf("items = %v\nwant %v", items, want)
			}
			if !slices.Equal(pages, tt.wantPages) {
				t.Fatalf("page sizes = %v, want %v", pages, tt.wantPages)
			}
		})
	}
}

func TestGetEntitlementsReplay(t *testing.T) {
	e := newEnv(t, bigCatalog())
	first, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 7})
	if err != nil {
		t.Fatal(err)
	}
	in := &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 7, NextToken: first.NextToken}
	a, err := e.get(t, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.get(t, in)
	if err != nil {
		t.Fatalf("replayed token: %v", err)
	}
	if !slices.Equal(ids(a.Entitlements), ids(b.Entitlements)) {
		t.Fatalf("replay answered %v, first answer %v", ids(b.Entitlements), ids(a.Entitlements))
	}
	if a.NextToken == "" || a.NextToken == b.NextToken || a.NextToken == first.NextToken {
		t.Fatalf("tokens %q, %q after %q: want fresh ones", a.NextToken, b.NextToken, first.NextToken)
	}
	c, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 7, NextToken: b.NextToken})
	if err != nil || ids(c.Entitlements)[0] != "cust-04/04/z" {
		t.Fatalf("page after the replay: %v, %v", ids(c.Entitlements), err)
	}
}

func TestGetEntitlementsChangesBetweenPages(t *testing.T) {
	e := newEnv(t, bigCatalog())
	first, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 7})
	if err != nil {
		t.Fatal(err)
	}
	// The last entitlement returned (cust-02/a) disappears with its whole
	// subscription, and two customers sorting before the position appear:
	// the next page still starts right after cust-02/a (an offset would
	// repeat cust-01/z).
	c := bigCatalog()
	for _, s := range c.Subscriptions {
		if s.CustomerIdentifier == "cust-02" {
			s.Status = meterd.SubscriptionUnsubscribed
		}
	}
	for _, id := range []string{"cust-00a", "cust-00b"} {
		c.Customers = append(c.Customers, &meterd.Customer{Identifier: id, AWSAccountID: "3000000000" + id[len(id)-2:]})
		c.Subscriptions = append(c.Subscriptions, &meterd.Subscription{ProductCode: product, CustomerIdentifier: id,
			LicenseArn: "arn:aws:license-manager::1:license:" + id, Status: meterd.SubscriptionActive,
			Entitlements: []meterd.Entitlement{{Dimension: "a", Value: intValue(1)}}})
	}
	if err := e.store.ApplyCatalog(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if last := ids(first.Entitlements)[6]; last != "cust-02/02/a" {
		t.Fatalf("first page ends with %s; the test assumes cust-02/02/a", last)
	}
	second, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 7, NextToken: first.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cust-03/03/a", "cust-03/03/m", "cust-03/03/z", "cust-04/04/a", "cust-04/04/m", "cust-04/04/z", "cust-05/05/a"}
	if g := ids(second.Entitlements); !slices.Equal(g, want) {
		t.Fatalf("second page = %v, want %v", g, want)
	}
}

func TestGetEntitlementsDuplicateDimension(t *testing.T) {
	c := baseCatalog()
	c.Customers = []*meterd.Customer{{Identifier: "cust-dup", AWSAccountID: "500000000000"}}
	c.Subscriptions = []*meterd.Subscription{{ProductCode: product, CustomerIdentifier: "cust-dup",
		LicenseArn: "arn:aws:license-manager::1:license:dup", Status: meterd.SubscriptionActive,
		Entitlements: []meterd.Entitlement{
			{Dimension: "seats", Value: intValue(1)}, {Dimension: "seats", Value: intValue(2)}, {Dimension: "seats", Value: intValue(3)},
		}}}
	e := newEnv(t, c)
	var values []int32
	in := meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 1}
	for range 4 {
		got, err := e.get(t, &in)
		if err != nil {
			t.Fatal(err)
		}
		for _, ent := range got.Entitlements {
			values = append(values, *ent.Value.IntegerValue)
		}
		if in.NextToken = got.NextToken; in.NextToken == "" {
			break
		}
	}
	if !slices.Equal(values, []int32{1, 2, 3}) {
		t.Fatalf("values = %v, want each duplicate once in catalog order", values)
	}
}

func TestGetEntitlementsNeedsTokenKey(t *testing.T) {
	e := newEnv(t, bigCatalog())
	e.svc.TokenKey = nil
	_, err := e.get(t, &meterd.GetEntitlementsRequest{ProductCode: product, MaxResults: 7})
	if got := meterd.ErrorCode(err); got != meterd.EInternalServiceError {
		t.Fatalf("code = %q (%v), want an internal error without a key", got, err)
	}
}

func TestNewNeedsATokenKey(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  []byte
		ok   bool
	}{
		{"no key", nil, false},
		{"15 bytes", make([]byte, 15), false},
		{"16 bytes", make([]byte, 16), true},
	} {
		_, err := entitlement.New(nil, nil, regions.Default(), tt.key, nil)
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

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
