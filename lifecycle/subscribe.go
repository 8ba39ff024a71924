package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/meterd/meterd"
)

// SubscribeInput is a buyer accepting an offer.
type SubscribeInput struct {
	ProductCode        string
	CustomerIdentifier string
	OfferType          meterd.OfferType // "" is public
	OfferID            string
	// LicenseArn names the new license; "" makes one.
	LicenseArn   string
	Entitlements []meterd.Entitlement
	// LicenseEnd, when set, ends the license (a contract's term).
	LicenseEnd time.Time
	// PaymentFails makes the subscription fail (subscribe-fail) instead of
	// succeeding, as when the buyer's payment is declined.
	PaymentFails bool
}

// Subscribe subscribes a customer to a product: a new license (active,
// subscribe-success; or failed, subscribe-fail), or, when the customer's
// unsubscribe is still pending (or a subscription is pending, as a seed
// may declare), the same license active again (subscribe-success, and no
// unsubscribe-success will follow). Either way a
// registration token is minted for a SaaS product. An active subscription
// is EConflict.
func (s *Service) Subscribe(ctx context.Context, in SubscribeInput) (*Result, error) {
	product, customer, err := s.lookup(ctx, in.ProductCode, in.CustomerIdentifier)
	if err != nil {
		return nil, err
	}
	if err := checkSubscribe(product, in); err != nil {
		return nil, err
	}
	subs, err := s.store.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: in.ProductCode,
		CustomerIdentifier: in.CustomerIdentifier})
	if err != nil {
		return nil, fmt.Errorf("find subscriptions: %w", err)
	}
	arn := in.LicenseArn
	for _, sub := range subs {
		switch sub.Status {
		case meterd.SubscriptionActive:
			return nil, meterd.Errorf(meterd.EConflict, "customer %q is already subscribed to %q (license %s)",
				in.CustomerIdentifier, in.ProductCode, sub.LicenseArn)
		case meterd.SubscriptionUnsubscribePending, meterd.SubscriptionPending:
			arn = sub.LicenseArn
		}
	}
	if arn == "" {
		if arn, err = newLicenseArn(); err != nil {
			return nil, err
		}
	}
	res := &Result{Product: product}
	ch, err := s.store.ChangeSubscription(ctx, arn, func(old *meterd.Subscription) (*meterd.SubscriptionChange, error) {
		return s.subscribeChange(old, in, customer, arn, product.Type == meterd.ProductSaaS)
	})
	if err != nil {
		return nil, err
	}
	res.Subscription, res.Token, res.Event = ch.Subscription, ch.Token, ch.Event
	return res, nil
}

func (s *Service) subscribeChange(old *meterd.Subscription, in SubscribeInput, customer *meterd.Customer, arn string, saas bool) (*meterd.SubscriptionChange, error) {
	now := s.clock.Now()
	sub := &meterd.Subscription{LicenseArn: arn, LicenseStart: now}
	switch {
	case old == nil:
	case old.ProductCode != in.ProductCode || old.CustomerIdentifier != in.CustomerIdentifier:
		return nil, meterd.Errorf(meterd.EConflict, "licenseArn %q belongs to another subscription", arn)
	case old.Status == meterd.SubscriptionUnsubscribePending || old.Status == meterd.SubscriptionPending:
		// Resubscribed in time, or a seeded subscription waiting for its
		// subscribe-success: the same license goes on.
		c := *old
		sub = &c
	case old.Status == meterd.SubscriptionActive:
		return nil, meterd.Errorf(meterd.EConflict, "license %s is already active", arn)
	}
	sub.ProductCode, sub.CustomerIdentifier = in.ProductCode, in.CustomerIdentifier
	sub.OfferType, sub.OfferID = in.OfferType, in.OfferID
	sub.Status, sub.UnsubscribeAt = meterd.SubscriptionActive, time.Time{}
	if in.Entitlements != nil {
		sub.Entitlements = in.Entitlements
	}
	if !in.LicenseEnd.IsZero() {
		sub.LicenseEnd = in.LicenseEnd
	}
	action := meterd.ActionSubscribeSuccess
	if in.PaymentFails {
		sub.Status, action = meterd.SubscriptionFailed, meterd.ActionSubscribeFail
	}
	ch := &meterd.SubscriptionChange{Subscription: sub, Event: s.event(action, sub, customer, now)}
	if saas {
		// Only SaaS listings send the buyer to a fulfillment URL.
		token, err := s.newToken(sub, customer, now)
		if err != nil {
			return nil, err
		}
		ch.Token = token
	}
	return ch, nil
}

// checkSubscribe validates the input against the product.
func checkSubscribe(p *meterd.Product, in SubscribeInput) error {
	if in.OfferType != "" && !slices.Contains(meterd.OfferTypes, in.OfferType) {
		return meterd.Errorf(meterd.EInvalid, "offerType %q: want one of %v", in.OfferType, meterd.OfferTypes)
	}
	return CheckEntitlements(p, in.Entitlements)
}

// CheckEntitlements reports the first entitlement that names no dimension
// of p, holds other than exactly one value, or a value of another type
// than its dimension's.
func CheckEntitlements(p *meterd.Product, ents []meterd.Entitlement) error {
	for i, e := range ents {
		d, ok := p.Dimension(e.Dimension)
		if !ok {
			return meterd.Errorf(meterd.EInvalid, "entitlements[%d].dimension: product %q has no dimension %q", i, p.Code, e.Dimension)
		}
		got, n := valueType(e.Value)
		want := d.Type
		if want == "" {
			want = meterd.IntegerValue
		}
		if n != 1 || got != want {
			return meterd.Errorf(meterd.EInvalid, "entitlements[%d].value: dimension %q takes exactly one %s value", i, d.Name, want)
		}
	}
	return nil
}

// valueType returns the type of v's value and how many values it sets.
func valueType(v meterd.EntitlementValue) (meterd.ValueType, int) {
	var (
		t meterd.ValueType
		n int
	)
	for _, c := range []struct {
		set bool
		t   meterd.ValueType
	}{
		{v.IntegerValue != nil, meterd.IntegerValue}, {v.DoubleValue != nil, meterd.DoubleValue},
		{v.BooleanValue != nil, meterd.BooleanValue}, {v.StringValue != nil, meterd.StringValue},
	} {
		if c.set {
			t, n = c.t, n+1
		}
	}
	return t, n
}
