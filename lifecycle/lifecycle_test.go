package lifecycle_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/lifecycle"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

const (
	seller = "111111111111"
	buyer  = "222222222222"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable business clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func catalog() *meterd.Catalog {
	return &meterd.Catalog{
		Accounts: []*meterd.Account{{ID: seller, Name: "seller"}},
		Products: []*meterd.Product{{Code: "prod", SellerAccountID: seller, Type: meterd.ProductSaaS,
			Dimensions:          []meterd.Dimension{{Name: "users"}, {Name: "tier", Type: meterd.StringValue}},
			NotificationTargets: []meterd.NotificationTarget{{Kind: meterd.TargetSNSHTTP, Endpoint: "http://x.example/"}}}},
		Customers: []*meterd.Customer{{Identifier: "cust", AWSAccountID: buyer}},
	}
}

type env struct {
	svc   *lifecycle.Service
	clock *clock
	db    meterd.CatalogStore
	store interface {
		lifecycle.Store
		meterd.Outbox
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := sqlitetest.Open(t, catalog())
	c := &clock{now: start}
	return &env{svc: lifecycle.New(db, c, lifecycle.DefaultConfig(), nil), clock: c, store: db, db: db}
}

// actions lists the events written, oldest first.
func (e *env) actions(t *testing.T) []string {
	t.Helper()
	recs, err := e.store.ListDeliveries(context.Background(), meterd.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[len(recs)-1-i] = string(r.Event.Action)
	}
	return out
}

func (e *env) subscribe(t *testing.T, in lifecycle.SubscribeInput) *lifecycle.Result {
	t.Helper()
	in.ProductCode, in.CustomerIdentifier = "prod", "cust"
	res, err := e.svc.Subscribe(t.Context(), in)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return res
}

func ptr[T any](v T) *T { return &v }

// TestActions runs each buyer journey and checks the status it ends in and
// the events it wrote, in order.
func TestActions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     func(t *testing.T, e *env) string // returns the license
		status  meterd.SubscriptionStatus
		actions []string
	}{
		{"OK subscribe", func(t *testing.T, e *env) string {
			return e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
		}, meterd.SubscriptionActive, []string{"subscribe-success"}},
		{"OK payment failure", func(t *testing.T, e *env) string {
			return e.subscribe(t, lifecycle.SubscribeInput{PaymentFails: true}).Subscription.LicenseArn
		}, meterd.SubscriptionFailed, []string{"subscribe-fail"}},
		{"OK unsubscribe pending", func(t *testing.T, e *env) string {
			arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
			e.unsubscribe(t, arn)
			e.clock.now = e.clock.now.Add(time.Hour - time.Nanosecond)
			mustCount(t, e, 0)
			return arn
		}, meterd.SubscriptionUnsubscribePending, []string{"subscribe-success", "unsubscribe-pending"}},
		{"OK unsubscribe success after the delay", func(t *testing.T, e *env) string {
			arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
			e.unsubscribe(t, arn)
			e.clock.now = e.clock.now.Add(time.Hour)
			mustCount(t, e, 1)
			mustCount(t, e, 0) // once
			return arn
		}, meterd.SubscriptionUnsubscribed, []string{"subscribe-success", "unsubscribe-pending", "unsubscribe-success"}},
		{"OK resubscribe before completion", func(t *testing.T, e *env) string {
			arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
			e.unsubscribe(t, arn)
			again := e.subscribe(t, lifecycle.SubscribeInput{})
			if again.Subscription.LicenseArn != arn {
				t.Errorf("resubscribe license = %s, want the pending one %s", again.Subscription.LicenseArn, arn)
			}
			e.clock.now = e.clock.now.Add(2 * time.Hour)
			mustCount(t, e, 0)
			return arn
		}, meterd.SubscriptionActive, []string{"subscribe-success", "unsubscribe-pending", "subscribe-success"}},
		{"OK subscribe again after unsubscribed is a new license", func(t *testing.T, e *env) string {
			arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
			e.unsubscribe(t, arn)
			e.clock.now = e.clock.now.Add(time.Hour)
			mustCount(t, e, 1)
			next := e.subscribe(t, lifecycle.SubscribeInput{OfferType: meterd.OfferFreeTrial}).Subscription
			if next.LicenseArn == arn {
				t.Errorf("new subscription reused license %s", arn)
			}
			return next.LicenseArn
		}, meterd.SubscriptionActive, []string{"subscribe-success", "unsubscribe-pending", "unsubscribe-success", "subscribe-success"}},
		{"OK subscribe activates a pending subscription", func(t *testing.T, e *env) string {
			pending := &meterd.Subscription{ProductCode: "prod", CustomerIdentifier: "cust", LicenseArn: "arn:pending",
				Status: meterd.SubscriptionPending}
			if err := e.db.ApplyCatalog(t.Context(), &meterd.Catalog{Subscriptions: []*meterd.Subscription{pending}}); err != nil {
				t.Fatal(err)
			}
			if arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn; arn != "arn:pending" {
				t.Errorf("license = %s, want the pending one", arn)
			}
			return "arn:pending"
		}, meterd.SubscriptionActive, []string{"subscribe-success"}},
		{"OK entitlements updated", func(t *testing.T, e *env) string {
			arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
			res, err := e.svc.SetEntitlements(t.Context(), lifecycle.EntitlementsInput{LicenseArn: arn,
				Entitlements: []meterd.Entitlement{{Dimension: "users", Value: meterd.EntitlementValue{IntegerValue: ptr(int32(5))}}}})
			if err != nil || len(res.Subscription.Entitlements) != 1 {
				t.Fatalf("SetEntitlements = %+v, %v", res, err)
			}
			return arn
		}, meterd.SubscriptionActive, []string{"subscribe-success", "entitlement-updated"}},
		{"OK license expiry", func(t *testing.T, e *env) string {
			arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
			e.clock.now = e.clock.now.Add(time.Minute)
			res, err := e.svc.Expire(t.Context(), arn)
			if err != nil || res.Subscription.Active(e.clock.now) {
				t.Fatalf("Expire = %+v, %v; want a license ended now", res, err)
			}
			return arn
		}, meterd.SubscriptionActive, []string{"subscribe-success", "entitlement-updated"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			arn := tc.run(t, e)
			subs, err := e.store.FindSubscriptions(t.Context(), meterd.SubscriptionFilter{LicenseArn: arn})
			if err != nil || len(subs) != 1 {
				t.Fatalf("FindSubscriptions(%s) = %v, %v", arn, subs, err)
			}
			if subs[0].Status != tc.status {
				t.Errorf("status = %s, want %s", subs[0].Status, tc.status)
			}
			if got := strings.Join(e.actions(t), ","); got != strings.Join(tc.actions, ",") {
				t.Errorf("events = %s, want %s", got, strings.Join(tc.actions, ","))
			}
		})
	}
}

func (e *env) unsubscribe(t *testing.T, arn string) {
	t.Helper()
	if _, err := e.svc.Unsubscribe(t.Context(), arn); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
}

func mustCount(t *testing.T, e *env, want int) {
	t.Helper()
	n, err := e.svc.CompleteDue(t.Context())
	if err != nil || n != want {
		t.Fatalf("CompleteDue = %d, %v; want %d", n, err, want)
	}
}

// TestActionErrors has one row per refused action.
func TestActionErrors(t *testing.T) {
	users := func(v meterd.EntitlementValue) []meterd.Entitlement {
		return []meterd.Entitlement{{Dimension: "users", Value: v}}
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, e *env) error
		code string
		msg  string
	}{
		{"ErrUnknownProduct", func(t *testing.T, e *env) error {
			_, err := e.svc.Subscribe(t.Context(), lifecycle.SubscribeInput{ProductCode: "nope", CustomerIdentifier: "cust"})
			return err
		}, meterd.ENotFound, `product "nope" does not exist`},
		{"ErrUnknownCustomer", func(t *testing.T, e *env) error {
			_, err := e.svc.Subscribe(t.Context(), lifecycle.SubscribeInput{ProductCode: "prod", CustomerIdentifier: "nope"})
			return err
		}, meterd.ENotFound, `customer "nope" does not exist`},
		{"ErrOfferType", func(t *testing.T, e *env) error {
			_, err := e.svc.Subscribe(t.Context(), lifecycle.SubscribeInput{ProductCode: "prod", CustomerIdentifier: "cust", OfferType: "cheap"})
			return err
		}, meterd.EInvalid, `offerType "cheap"`},
		{"ErrUnknownDimension", func(t *testing.T, e *env) error {
			_, err := e.svc.Subscribe(t.Context(), lifecycle.SubscribeInput{ProductCode: "prod", CustomerIdentifier: "cust",
				Entitlements: []meterd.Entitlement{{Dimension: "seats", Value: meterd.EntitlementValue{IntegerValue: ptr(int32(1))}}}})
			return err
		}, meterd.EInvalid, `entitlements[0].dimension`},
		{"ErrValueType", func(t *testing.T, e *env) error {
			_, err := e.svc.Subscribe(t.Context(), lifecycle.SubscribeInput{ProductCode: "prod", CustomerIdentifier: "cust",
				Entitlements: users(meterd.EntitlementValue{StringValue: ptr("x")})})
			return err
		}, meterd.EInvalid, `entitlements[0].value: dimension "users" takes exactly one Integer value`},
		{"ErrTwoValues", func(t *testing.T, e *env) error {
			_, err := e.svc.Subscribe(t.Context(), lifecycle.SubscribeInput{ProductCode: "prod", CustomerIdentifier: "cust",
				Entitlements: users(meterd.EntitlementValue{IntegerValue: ptr(int32(1)), DoubleValue: ptr(1.0)})})
			return err
		}, meterd.EInvalid, `takes exactly one`},
		{"ErrAlreadySubscribed", func(t *testing.T, e *env) error {
			e.subscribe(t, lifecycle.SubscribeInput{})
			_, err := e.svc.Subscribe(t.Context(), lifecycle.SubscribeInput{ProductCode: "prod", CustomerIdentifier: "cust"})
			return err
		}, meterd.EConflict, `already subscribed`},
		{"ErrUnsubscribeTwice", func(t *testing.T, e *env) error {
			arn := e.subscribe(t, lifecycle.SubscribeInput{}).Subscription.LicenseArn
			e.unsubscribe(t, arn)
			_, err := e.svc.Unsubscribe(t.Context(), arn)
			return err
		}, meterd.EConflict, `it is unsubscribe-pending`},
		{"ErrEntitlementsOfFailed", func(t *testing.T, e *env) error {
			arn := e.subscribe(t, lifecycle.SubscribeInput{PaymentFails: true}).Subscription.LicenseArn
			_, err := e.svc.SetEntitlements(t.Context(), lifecycle.EntitlementsInput{LicenseArn: arn})
			return err
		}, meterd.EConflict, `it is failed`},
		{"ErrUnknownLicense", func(t *testing.T, e *env) error {
			_, err := e.svc.Unsubscribe(t.Context(), "arn:none")
			return err
		}, meterd.ENotFound, `license "arn:none" does not exist`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t, newEnv(t))
			if meterd.ErrorCode(err) != tc.code || !strings.Contains(meterd.ErrorMessage(err), tc.msg) {
				t.Errorf("error = %v (code %s), want code %s containing %q", err, meterd.ErrorCode(err), tc.code, tc.msg)
			}
		})
	}
}

// TestSubscribeWritesToken checks that the token minted resolves to the
// new license and the event carries the offer.
// licenseArnAsAWS is the form of the license ARNs AWS Marketplace grants.
var licenseArnAsAWS = regexp.MustCompile(`^arn:aws:license-manager::294406891311:license:l-[0-9a-f]{32}$`)

func TestSubscribeWritesToken(t *testing.T) {
	e := newEnv(t)
	res := e.subscribe(t, lifecycle.SubscribeInput{OfferType: meterd.OfferFreeTrial, OfferID: "offer-1"})
	tok, err := e.store.(interface {
		FindRegistrationToken(context.Context, string) (*meterd.RegistrationToken, error)
	}).FindRegistrationToken(t.Context(), res.Token.Token)
	if err != nil {
		t.Fatal(err)
	}
	if tok.LicenseArn != res.Subscription.LicenseArn || tok.CustomerAWSAccountID != buyer || !tok.ExpiresAt.Equal(start.Add(4*time.Hour)) {
		t.Errorf("token = %+v, want license %s, buyer %s, 4 hours", tok, res.Subscription.LicenseArn, buyer)
	}
	if !res.Event.FreeTrial || res.Event.OfferIdentifier != "offer-1" || !licenseArnAsAWS.MatchString(res.Subscription.LicenseArn) {
		t.Errorf("event = %+v, license %s", res.Event, res.Subscription.LicenseArn)
	}
}
