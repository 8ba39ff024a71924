package lifecycle

import (
	"context"
	"time"

	"github.com/meterd/meterd"
)

// change is an action on an existing license: fn changes the subscription
// (a copy of the stored one) at now, or refuses with an error; the event
// of action goes with it.
func (s *Service) change(ctx context.Context, licenseArn string, action meterd.LifecycleAction,
	fn func(sub *meterd.Subscription, p *meterd.Product, now time.Time) error) (*Result, error) {
	subs, err := s.store.FindSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: licenseArn})
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, meterd.Errorf(meterd.ENotFound, "license %q does not exist", licenseArn)
	}
	product, customer, err := s.lookup(ctx, subs[0].ProductCode, subs[0].CustomerIdentifier)
	if err != nil {
		return nil, err
	}
	ch, err := s.store.ChangeSubscription(ctx, licenseArn, func(old *meterd.Subscription) (*meterd.SubscriptionChange, error) {
		if old == nil {
			return nil, meterd.Errorf(meterd.ENotFound, "license %q does not exist", licenseArn)
		}
		now := s.clock.Now()
		sub := *old
		if err := fn(&sub, product, now); err != nil {
			return nil, err
		}
		return &meterd.SubscriptionChange{Subscription: &sub, Event: s.event(action, &sub, customer, now)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Subscription: ch.Subscription, Event: ch.Event, Product: product}, nil
}

// wantStatus refuses an action on a subscription in another state.
func wantStatus(sub *meterd.Subscription, action string, ok ...meterd.SubscriptionStatus) error {
	for _, st := range ok {
		if sub.Status == st {
			return nil
		}
	}
	return meterd.Errorf(meterd.EConflict, "cannot %s license %s: it is %s", action, sub.LicenseArn, sub.Status)
}

// EntitlementsInput changes what a contract entitles (upgrade, renewal).
type EntitlementsInput struct {
	LicenseArn   string
	Entitlements []meterd.Entitlement
	// LicenseEnd, when set, moves the end of the license (a renewal).
	LicenseEnd time.Time
}

// SetEntitlements replaces a license's entitlements (entitlement-updated);
// GetEntitlements shows them at once.
func (s *Service) SetEntitlements(ctx context.Context, in EntitlementsInput) (*Result, error) {
	return s.change(ctx, in.LicenseArn, meterd.ActionEntitlementUpdated, func(sub *meterd.Subscription, p *meterd.Product, _ time.Time) error {
		if err := wantStatus(sub, "change the entitlements of", meterd.SubscriptionActive); err != nil {
			return err
		}
		if err := CheckEntitlements(p, in.Entitlements); err != nil {
			return err
		}
		sub.Entitlements = in.Entitlements
		if !in.LicenseEnd.IsZero() {
			sub.LicenseEnd = in.LicenseEnd
		}
		return nil
	})
}

// Expire ends a license now (a contract not renewed): entitlement-updated,
// which AWS sends for expiry too; GetEntitlements shows nothing for it and
// metering against it stops.
func (s *Service) Expire(ctx context.Context, licenseArn string) (*Result, error) {
	return s.change(ctx, licenseArn, meterd.ActionEntitlementUpdated, func(sub *meterd.Subscription, _ *meterd.Product, now time.Time) error {
		if err := wantStatus(sub, "expire", meterd.SubscriptionActive); err != nil {
			return err
		}
		sub.LicenseEnd = now
		return nil
	})
}

// Unsubscribe starts a cancellation: unsubscribe-pending now, and
// unsubscribe-success (by Run) after UnsubscribeDelay, during which the
// seller may still send final records.
func (s *Service) Unsubscribe(ctx context.Context, licenseArn string) (*Result, error) {
	return s.change(ctx, licenseArn, meterd.ActionUnsubscribePending, func(sub *meterd.Subscription, _ *meterd.Product, now time.Time) error {
		if err := wantStatus(sub, "unsubscribe", meterd.SubscriptionActive); err != nil {
			return err
		}
		sub.Status, sub.UnsubscribeAt = meterd.SubscriptionUnsubscribePending, now.Add(s.cfg.UnsubscribeDelay)
		return nil
	})
}

// complete ends one pending unsubscribe whose time has come.
func (s *Service) complete(ctx context.Context, licenseArn string) (*Result, error) {
	return s.change(ctx, licenseArn, meterd.ActionUnsubscribeSuccess, func(sub *meterd.Subscription, _ *meterd.Product, now time.Time) error {
		if sub.Status != meterd.SubscriptionUnsubscribePending || now.Before(sub.UnsubscribeAt) {
			return errNotDue
		}
		sub.Status, sub.UnsubscribeAt = meterd.SubscriptionUnsubscribed, time.Time{}
		return nil
	})
}
