// Package lifecycle decides the buyer actions of AWS Marketplace: subscribe
// (with an offer), payment failure, entitlement changes, unsubscribe and its
// completion an hour later, resubscribe, license expiry. Each action is one
// store transaction that changes the subscription and writes the
// LifecycleEvent the seller is told about (meterd.SubscriptionWriter); the
// notifier delivers it from the outbox. No HTTP, no SQL.
package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/meterd/meterd"
)

// Store is what the actions read and write.
type Store interface {
	meterd.CatalogReader
	meterd.SubscriptionWriter
}

// Config holds the timing of the life cycle.
type Config struct {
	// UnsubscribeDelay is how long an unsubscribe stays pending (the
	// seller's time for final records) before unsubscribe-success. AWS: 1h.
	UnsubscribeDelay time.Duration
	// TokenTTL is how long a minted registration token resolves. AWS: 4h.
	TokenTTL time.Duration
	// Poll is how often Run looks for due unsubscribes, on the wall clock.
	Poll time.Duration
}

// DefaultConfig is AWS's timing.
func DefaultConfig() Config {
	return Config{UnsubscribeDelay: time.Hour, TokenTTL: 4 * time.Hour, Poll: time.Second}
}

// Service applies buyer actions. Time comes from the business clock.
type Service struct {
	store  Store
	clock  meterd.Clock
	cfg    Config
	logger *slog.Logger
}

// New returns a Service; a nil logger discards.
func New(store Store, clock meterd.Clock, cfg Config, logger *slog.Logger) *Service {
	return &Service{store: store, clock: clock, cfg: cfg, logger: meterd.LoggerOrDiscard(logger)}
}

// Result is what an action changed.
type Result struct {
	Subscription *meterd.Subscription
	// Token is set by Subscribe: the registration token minted for it.
	Token *meterd.RegistrationToken
	Event *meterd.LifecycleEvent
	// Product is the subscription's product, for the registration POST.
	Product *meterd.Product
}

// event returns a new event of action about sub.
func (s *Service) event(action meterd.LifecycleAction, sub *meterd.Subscription, customer *meterd.Customer, now time.Time) *meterd.LifecycleEvent {
	return &meterd.LifecycleEvent{
		ID:                   uuid.NewString(),
		Action:               action,
		ProductCode:          sub.ProductCode,
		CustomerIdentifier:   sub.CustomerIdentifier,
		CustomerAWSAccountID: customer.AWSAccountID,
		LicenseArn:           sub.LicenseArn,
		OfferIdentifier:      sub.OfferID,
		FreeTrial:            sub.OfferType == meterd.OfferFreeTrial,
		Time:                 now,
	}
}

// lookup finds the product and customer of an action, with admin codes.
func (s *Service) lookup(ctx context.Context, productCode, customerID string) (*meterd.Product, *meterd.Customer, error) {
	p, err := s.store.FindProduct(ctx, productCode)
	if err != nil {
		return nil, nil, notFound(err, "product", productCode)
	}
	c, err := s.store.FindCustomer(ctx, meterd.CustomerFilter{Identifier: customerID})
	if err != nil {
		return nil, nil, notFound(err, "customer", customerID)
	}
	return p, c, nil
}

// notFound names what is missing in an ENotFound and wraps anything else.
func notFound(err error, what, key string) error {
	if meterd.IsNotFound(err) {
		return meterd.Errorf(meterd.ENotFound, "%s %q does not exist", what, key)
	}
	return fmt.Errorf("find %s %q: %w", what, key, err)
}

// MarketplaceLicenseIssuer is the account in the ARN of every license AWS
// Marketplace grants through License Manager (issuer "AWS/Marketplace"):
// AWS's container licensing guide and sellers' code show
// arn:aws:license-manager::294406891311:license:l-<32 hex>, whoever the
// seller and the buyer are.
const MarketplaceLicenseIssuer = "294406891311"

// newLicenseArn makes a License Manager ARN as AWS Marketplace issues them.
func newLicenseArn() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random license id: %w", err)
	}
	return "arn:aws:license-manager::" + MarketplaceLicenseIssuer + ":license:l-" + hex.EncodeToString(b), nil
}

// newToken mints a registration token for sub, as
// metering.Service.CreateRegistrationToken does.
func (s *Service) newToken(sub *meterd.Subscription, customer *meterd.Customer, now time.Time) (*meterd.RegistrationToken, error) {
	token, err := meterd.NewRegistrationTokenValue()
	if err != nil {
		return nil, err
	}
	return &meterd.RegistrationToken{
		Token:                token,
		ProductCode:          sub.ProductCode,
		CustomerIdentifier:   sub.CustomerIdentifier,
		CustomerAWSAccountID: customer.AWSAccountID,
		LicenseArn:           sub.LicenseArn,
		IssuedAt:             now,
		ExpiresAt:            now.Add(s.cfg.TokenTTL),
	}, nil
}
