package metering

import (
	"context"
	"fmt"
	"time"

	"github.com/meterd/meterd"
)

// checkEntitled requires the buyer account to hold a subscription to the
// product that is metered now and whose license is active at time at (the
// usage's timestamp for MeterUsage, now for RegisterUsage). The seller's
// own calls skip it.
func (s *Service) checkEntitled(ctx context.Context, accountID, productCode string, at time.Time) error {
	customer, err := s.Store.SharedCustomer(ctx, meterd.CustomerFilter{AWSAccountID: accountID})
	if meterd.IsNotFound(err) {
		return notEntitled(productCode)
	}
	if err != nil {
		return fmt.Errorf("find customer: %w", err)
	}
	subs, err := s.Store.SharedSubscriptions(ctx, meterd.SubscriptionFilter{
		ProductCode: productCode, CustomerIdentifier: customer.Identifier,
	})
	if err != nil {
		return fmt.Errorf("find subscriptions: %w", err)
	}
	for _, sub := range subs {
		if sub.Status.Metered() && sub.Active(at) {
			return nil
		}
	}
	return notEntitled(productCode)
}

// notEntitled is made only when the check fails: formatting it up front
// cost every entitled call a Sprintf and its allocations.
func notEntitled(productCode string) error {
	return meterd.Errorf(meterd.ECustomerNotEntitled, "The customer is not entitled to product '%s'.", productCode)
}
