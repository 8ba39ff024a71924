package metering

import (
	"context"
	"fmt"
	"time"

	"github.com/meterd/meterd"
)

// CreateRegistrationToken mints the token that AWS Marketplace would POST to
// the seller's fulfillment URL as x-amzn-marketplace-token after customer
// subscribed to productCode. It is an administrative operation, not an AWS
// API, so its errors carry admin codes: ENotFound for an unknown product or
// customer, EInvalid for a product that is not SaaS.
func (s *Service) CreateRegistrationToken(ctx context.Context, productCode, customerIdentifier string, ttl time.Duration) (*meterd.RegistrationToken, error) {
	product, err := s.Store.FindProduct(ctx, productCode)
	if err != nil {
		return nil, adminLookupError(err, "product", productCode)
	}
	if product.Type != meterd.ProductSaaS {
		// Only SaaS listings have a fulfillment URL to POST a token to.
		return nil, meterd.Errorf(meterd.EInvalid,
			"product %q is a %s product; registration tokens are for SaaS products", productCode, product.Type)
	}
	customer, err := s.Store.FindCustomer(ctx, meterd.CustomerFilter{Identifier: customerIdentifier})
	if err != nil {
		return nil, adminLookupError(err, "customer", customerIdentifier)
	}
	licenseArn, err := s.tokenLicense(ctx, productCode, customerIdentifier)
	if err != nil {
		return nil, err
	}
	token, err := meterd.NewRegistrationTokenValue()
	if err != nil {
		return nil, err
	}
	if ttl == 0 {
		ttl = s.Config.RegistrationTokenTTL
	}
	now := s.Clock.Now()
	t := &meterd.RegistrationToken{
		Token:                token,
		ProductCode:          productCode,
		CustomerIdentifier:   customer.Identifier,
		CustomerAWSAccountID: customer.AWSAccountID,
		LicenseArn:           licenseArn,
		IssuedAt:             now,
		ExpiresAt:            now.Add(ttl),
	}
	if err := s.Store.CreateRegistrationToken(ctx, t); err != nil {
		return nil, fmt.Errorf("create registration token: %w", err)
	}
	return t, nil
}

// tokenLicense picks the license a token reports: the customer's subscription
// that can be metered with a license active now, else one that can be
// metered, else any subscription, else none (a customer may have old,
// ended agreements next to the current one).
func (s *Service) tokenLicense(ctx context.Context, productCode, customerIdentifier string) (string, error) {
	subs, err := s.Store.FindSubscriptions(ctx, meterd.SubscriptionFilter{
		ProductCode:        productCode,
		CustomerIdentifier: customerIdentifier,
	})
	if err != nil {
		return "", fmt.Errorf("find subscriptions: %w", err)
	}
	now := s.Clock.Now()
	for _, sub := range subs {
		if sub.Status.Metered() && sub.Active(now) {
			return sub.LicenseArn, nil
		}
	}
	for _, sub := range subs {
		if sub.Status.Metered() {
			return sub.LicenseArn, nil
		}
	}
	if len(subs) > 0 {
		return subs[0].LicenseArn, nil
	}
	return "", nil
}

// adminLookupError gives a store ENotFound a message naming what is missing
// and wraps anything else.
func adminLookupError(err error, what, key string) error {
	if meterd.IsNotFound(err) {
		return meterd.Errorf(meterd.ENotFound, "%s %q does not exist", what, key)
	}
	return fmt.Errorf("find %s %q: %w", what, key, err)
}
