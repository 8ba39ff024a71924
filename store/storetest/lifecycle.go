package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func lifecycleTests() []test {
	return []test{
		{"CreateEntries/OK", testCreateEntries},
		{"CreateEntries/ErrConflict", testCreateEntriesConflict},
		{"CreateEntries/ErrDanglingReference", testCreateEntriesDangling},
		{"UpdateProduct/OK", testUpdateProduct},
		{"UpdateAccessKey/ErrNotFound", testUpdateAccessKeyNotFound},
		{"ReplaceCatalog/KeepsAdminMade", testReplaceKeepsAdminMade},
		{"ReplaceCatalog/ErrSeedEntryInUse", testReplaceSeedEntryInUse},
		{"ChangeSubscription/WritesEventAndDeliveries", testChangeSubscription},
		{"ChangeSubscription/ErrWritesNothing", testChangeSubscriptionFails},
		{"DueUnsubscribes/OK", testDueUnsubscribes},
		{"DueDeliveries/OrderPerTarget", testDueDeliveriesOrder},
		{"RecordAttempt/ErrNotFound", testRecordAttemptNotFound},
	}
}

var (
	targetA = meterd.NotificationTarget{Kind: meterd.TargetSNSHTTP, Endpoint: "http://a.example/sns"}
	targetB = meterd.NotificationTarget{Kind: meterd.TargetSNSSQS, Endpoint: "http://b.example/q", Region: "eu-west-1"}
)

// withTargets stores the fixture catalog with prod-saas notifying both
// targets.
func withTargets(t *testing.T, s meterd.Store) {
	t.Helper()
	c := fixtureCatalog()
	c.Products[0].NotificationTargets = []meterd.NotificationTarget{targetA, targetB}
	must(t, s.ApplyCatalog(t.Context(), c))
}

func adminProduct(code string) *meterd.Product {
	return &meterd.Product{Code: code, SellerAccountID: sellerAccount, Type: meterd.ProductSaaS,
		FulfillmentURL: "https://seller.example/register", Origin: meterd.OriginAdmin,
		Dimensions:          []meterd.Dimension{{Name: "users", Type: meterd.IntegerValue}},
		NotificationTargets: []meterd.NotificationTarget{targetA}}
}

func testCreateEntries(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	p := adminProduct("prod-new")
	p.Origin = "" // the store marks it
	must(t, s.CreateEntries(ctx, &meterd.Catalog{Products: []*meterd.Product{p}}))
	got, err := s.FindProduct(ctx, "prod-new")
	must(t, err)
	if d := diff(got, adminProduct("prod-new")); d != "" {
		t.Errorf("FindProduct%s", d)
	}
	all, err := s.ListCatalog(ctx)
	must(t, err)
	if n := len(all.Products); n != len(fixtureCatalog().Products)+1 {
		t.Errorf("ListCatalog: %d products, want %d", n, len(fixtureCatalog().Products)+1)
	}
}

func testCreateEntriesConflict(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	// The new customer comes first (parents first), so the conflict on the
	// product must roll it back.
	err := s.CreateEntries(ctx, &meterd.Catalog{
		Products:  []*meterd.Product{adminProduct("prod-saas")},
		Customers: []*meterd.Customer{{Identifier: "cust-new", AWSAccountID: buyerAccount}},
	})
	wantCode(t, err, meterd.EConflict)
	if _, err := s.FindCustomer(ctx, meterd.CustomerFilter{Identifier: "cust-new"}); !meterd.IsNotFound(err) {
		t.Errorf("customer of a failed CreateEntries: err = %v, want NotFound", err)
	}
}

func testCreateEntriesDangling(t *testing.T, s meterd.Store) {
	err := s.CreateEntries(t.Context(), &meterd.Catalog{Products: []*meterd.Product{adminProduct("prod-new")}})
	wantCode(t, err, meterd.EValidation)
}

func testUpdateProduct(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ApplyCatalog(ctx, fixtureCatalog()))
	got, err := s.UpdateProduct(ctx, "prod-ami", func(p *meterd.Product) error {
		p.FulfillmentURL = "https://x.example/"
		return nil
	})
	must(t, err)
	found, err := s.FindProduct(ctx, "prod-ami")
	must(t, err)
	if d := diff(found, got); d != "" {
		t.Errorf("FindProduct after UpdateProduct%s", d)
	}
	if found.Origin != meterd.OriginAdmin || found.FulfillmentURL != "https://x.example/" {
		t.Errorf("updated product = %+v, want admin-made with the new URL", found)
	}
}

func testUpdateAccessKeyNotFound(t *testing.T, s meterd.Store) {
	_, err := s.UpdateAccessKey(t.Context(), "AKIDNONE", func(*meterd.AccessKey) error { return nil })
	wantCode(t, err, meterd.ENotFound)
}

func testReplaceKeepsAdminMade(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ReplaceCatalog(ctx, fixtureCatalog()))
	must(t, s.CreateEntries(ctx, &meterd.Catalog{Products: []*meterd.Product{adminProduct("prod-admin")}}))
	_, err := s.UpdateProduct(ctx, "prod-ami", func(p *meterd.Product) error { p.FulfillmentURL = "https://x.example/"; return nil })
	must(t, err)

	next := fixtureCatalog() // still lists prod-ami, as the seed
	conflicts, err := s.SeedConflicts(ctx, next)
	must(t, err)
	if d := diff(conflicts, []string{`product "prod-ami"`}); d != "" {
		t.Errorf("SeedConflicts%s", d)
	}
	must(t, s.ReplaceCatalog(ctx, next))
	for code, url := range map[string]string{"prod-admin": "https://seller.example/register", "prod-ami": "https://x.example/"} {
		p, err := s.FindProduct(ctx, code)
		must(t, err)
		if p.Origin != meterd.OriginAdmin || p.FulfillmentURL != url {
			t.Errorf("product %q after ReplaceCatalog = origin %q, URL %q; want the admin-made one", code, p.Origin, p.FulfillmentURL)
		}
	}
}

func testReplaceSeedEntryInUse(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	must(t, s.ReplaceCatalog(ctx, fixtureCatalog()))
	sub := &meterd.Subscription{ProductCode: "prod-ami", CustomerIdentifier: "cust-b", LicenseArn: "arn:admin",
		Status: meterd.SubscriptionActive}
	must(t, s.CreateEntries(ctx, &meterd.Catalog{Subscriptions: []*meterd.Subscription{sub}}))
	next := fixtureCatalog()
	next.Products = next.Products[:2] // drops prod-ami, which arn:admin uses
	next.Subscriptions = next.Subscriptions[:2]
	wantCode(t, s.ReplaceCatalog(ctx, next), meterd.EConflict)
	if _, err := s.FindProduct(ctx, "prod-ami"); err != nil {
		t.Errorf("product of a failed ReplaceCatalog: %v", err)
	}
}

func lifecycleEvent(id string, action meterd.LifecycleAction, customer string, minute int) *meterd.LifecycleEvent {
	return &meterd.LifecycleEvent{ID: id, Action: action, ProductCode: "prod-saas", CustomerIdentifier: customer,
		CustomerAWSAccountID: buyerAccount, LicenseArn: "arn:lic-1", OfferIdentifier: "offer-1", FreeTrial: true,
		Time: at(1, 0).Add(time.Duration(minute) * time.Minute)}
}

// change stores an event for customer at minute (and sets arn:lic-1's
// status), failing t on error.
func change(t *testing.T, s meterd.Store, e *meterd.LifecycleEvent) {
	t.Helper()
	_, err := s.ChangeSubscription(t.Context(), "arn:lic-1", func(old *meterd.Subscription) (*meterd.SubscriptionChange, error) {
		old.Status = meterd.SubscriptionActive
		return &meterd.SubscriptionChange{Subscription: old, Event: e}, nil
	})
	must(t, err)
}

func testChangeSubscription(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	withTargets(t, s)
	tok := &meterd.RegistrationToken{Token: "tok-1", ProductCode: "prod-saas", CustomerIdentifier: "cust-a",
		LicenseArn: "arn:new", IssuedAt: at(1, 0), ExpiresAt: at(5, 0)}
	sub := &meterd.Subscription{ProductCode: "prod-saas", CustomerIdentifier: "cust-a", LicenseArn: "arn:new",
		Status: meterd.SubscriptionActive, OfferType: meterd.OfferFreeTrial, OfferID: "offer-1", UnsubscribeAt: at(2, 0)}
	e := lifecycleEvent("evt-1", meterd.ActionSubscribeSuccess, "cust-a", 0)
	_, err := s.ChangeSubscription(ctx, "arn:new", func(old *meterd.Subscription) (*meterd.SubscriptionChange, error) {
		if old != nil {
			return nil, fmt.Errorf("old = %+v, want nil", old)
		}
		return &meterd.SubscriptionChange{Subscription: sub, Token: tok, Event: e}, nil
	})
	must(t, err)
	subs, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: "arn:new"})
	must(t, err)
	want := *sub
	want.Origin = meterd.OriginAdmin
	if d := diff(subs, []*meterd.Subscription{&want}); d != "" {
		t.Errorf("FindSubscriptions%s", d)
	}
	if _, err := s.FindRegistrationToken(ctx, "tok-1"); err != nil {
		t.Errorf("FindRegistrationToken: %v", err)
	}
	recs, err := s.ListDeliveries(ctx, meterd.DeliveryFilter{ProductCode: "prod-saas"})
	must(t, err)
	if len(recs) != 2 || recs[0].Event.ID != "evt-1" || recs[1].Event.ID != "evt-1" {
		t.Fatalf("ListDeliveries = %+v, want evt-1 to two targets", recs)
	}
	if d := diff(recs[1].Event, *e); d != "" {
		t.Errorf("delivered event%s", d)
	}
	if d := diff([]meterd.NotificationTarget{recs[1].Target, recs[0].Target}, []meterd.NotificationTarget{targetA, targetB}); d != "" {
		t.Errorf("targets%s", d)
	}
}

func testChangeSubscriptionFails(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	withTargets(t, s)
	boom := errors.New("boom")
	_, err := s.ChangeSubscription(ctx, "arn:lic-1", func(old *meterd.Subscription) (*meterd.SubscriptionChange, error) {
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("ChangeSubscription = %v, want the updater's error", err)
	}
	// A token that collides fails the change after the subscription
	// was written: nothing of it stays.
	tok := &meterd.RegistrationToken{Token: "dup", ProductCode: "prod-saas", IssuedAt: at(1, 0)}
	must(t, s.CreateRegistrationToken(ctx, tok))
	_, err = s.ChangeSubscription(ctx, "arn:lic-1", func(old *meterd.Subscription) (*meterd.SubscriptionChange, error) {
		old.Status = meterd.SubscriptionFailed
		return &meterd.SubscriptionChange{Subscription: old, Token: tok,
			Event: lifecycleEvent("evt-x", meterd.ActionSubscribeFail, "cust-a", 0)}, nil
	})
	wantCode(t, err, meterd.EConflict)
	subs, err := s.FindSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: "arn:lic-1"})
	must(t, err)
	if subs[0].Status != meterd.SubscriptionActive {
		t.Errorf("status after a failed change = %q, want active", subs[0].Status)
	}
	recs, err := s.ListDeliveries(ctx, meterd.DeliveryFilter{})
	must(t, err)
	if len(recs) != 0 {
		t.Errorf("deliveries after a failed change = %d, want 0", len(recs))
	}
}

func testDueUnsubscribes(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	c := fixtureCatalog()
	c.Subscriptions[0].Status, c.Subscriptions[0].UnsubscribeAt = meterd.SubscriptionUnsubscribePending, at(2, 0)
	c.Subscriptions[1].Status, c.Subscriptions[1].UnsubscribeAt = meterd.SubscriptionUnsubscribePending, at(3, 0)
	must(t, s.ApplyCatalog(ctx, c))
	for _, tc := range []struct {
		now  time.Time
		want []*meterd.Subscription
	}{
		{at(1, 0), nil},
		{at(2, 0), c.Subscriptions[:1]},
		{at(4, 0), c.Subscriptions[:2]},
	} {
		got, err := s.DueUnsubscribes(ctx, tc.now, 10)
		must(t, err)
		if d := diff(got, tc.want); d != "" {
			t.Errorf("DueUnsubscribes(%v)%s", tc.now, d)
		}
	}
}

func dueIDs(t *testing.T, s meterd.Store, now time.Time) []string {
	t.Helper()
	ds, err := s.DueDeliveries(t.Context(), now, 100)
	must(t, err)
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = fmt.Sprintf("%s>%s", d.Event.ID, d.Target.Endpoint)
	}
	return ids
}

func testDueDeliveriesOrder(t *testing.T, s meterd.Store) {
	ctx := t.Context()
	withTargets(t, s)
	change(t, s, lifecycleEvent("a1", meterd.ActionSubscribeSuccess, "cust-a", 0))
	change(t, s, lifecycleEvent("a2", meterd.ActionEntitlementUpdated, "cust-a", 1))
	change(t, s, lifecycleEvent("b1", meterd.ActionSubscribeSuccess, "cust-b", 2))
	a, b := targetA.Endpoint, targetB.Endpoint
	now := at(2, 0)
	want := []string{"a1>" + a, "a1>" + b, "b1>" + a, "b1>" + b}
	if d := diff(dueIDs(t, s, now), want); d != "" {
		t.Fatalf("due at first%s", d)
	}
	first, err := s.DueDeliveries(ctx, now, 1)
	must(t, err)
	// a1 fails to target A, due again later: a2 waits behind it.
	must(t, s.RecordAttempt(ctx, meterd.DeliveryAttempt{DeliveryID: first[0].ID, At: now, Latency: time.Millisecond,
		StatusCode: 500, Error: "500 Internal Server Error"}, now.Add(time.Minute)))
	if d := diff(dueIDs(t, s, now), want[1:]); d != "" {
		t.Errorf("due after a failure%s", d)
	}
	// At the retry it succeeds; a2 to A is due next.
	must(t, s.RecordAttempt(ctx, meterd.DeliveryAttempt{DeliveryID: first[0].ID, At: now.Add(time.Minute),
		StatusCode: 200}, time.Time{}))
	if d := diff(dueIDs(t, s, now.Add(time.Minute)), []string{"a1>" + b, "a2>" + a, "b1>" + a, "b1>" + b}); d != "" {
		t.Errorf("due after the retry%s", d)
	}
	recs, err := s.ListDeliveries(ctx, meterd.DeliveryFilter{CustomerIdentifier: "cust-a", Pending: false})
	must(t, err)
	var got *meterd.DeliveryRecord
	for i := range recs {
		if recs[i].ID == first[0].ID {
			got = &recs[i]
		}
	}
	if got == nil || got.Attempts != 2 || len(got.AttemptLog) != 2 || got.DeliveredAt.IsZero() ||
		got.AttemptLog[0].StatusCode != 500 || got.AttemptLog[0].Latency != time.Millisecond || got.AttemptLog[1].Error != "" {
		t.Errorf("delivered record = %+v, want 2 attempts (500, then 200) and a delivery time", got)
	}
	pending, err := s.ListDeliveries(ctx, meterd.DeliveryFilter{Pending: true, Limit: 2})
	must(t, err)
	if len(pending) != 2 || pending[0].Event.ID != "b1" {
		t.Errorf("pending, newest first, limit 2 = %+v", pending)
	}
}

func testRecordAttemptNotFound(t *testing.T, s meterd.Store) {
	err := s.RecordAttempt(t.Context(), meterd.DeliveryAttempt{DeliveryID: 99, At: at(1, 0)}, at(2, 0))
	wantCode(t, err, meterd.ENotFound)
}
