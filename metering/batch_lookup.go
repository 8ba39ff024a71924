package metering

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
)

// The catalog lookups of one BatchMeterUsage call, cached in batchCall
// because 25 records usually share a few customers and licenses. They are
// the store's shared values (meterd.SharedCatalogReader): the call only
// reads them, and its records copy what they keep.

// license returns the subscription of licenseArn, nil when there is none.
func (b *batchCall) license(ctx context.Context, licenseArn string) (*meterd.Subscription, error) {
	if sub, ok := b.licenses[licenseArn]; ok {
		return sub, nil
	}
	subs, err := b.s.Store.SharedSubscriptions(ctx, meterd.SubscriptionFilter{LicenseArn: licenseArn})
	if err != nil {
		return nil, fmt.Errorf("find subscriptions: %w", err)
	}
	var sub *meterd.Subscription
	if len(subs) > 0 {
		sub = subs[0]
	}
	b.licenses[licenseArn] = sub
	return sub, nil
}

// customer returns the customer f selects, nil when there is none.
func (b *batchCall) customer(ctx context.Context, f meterd.CustomerFilter) (*meterd.Customer, error) {
	if c, ok := b.customers[f]; ok {
		return c, nil
	}
	c, err := b.s.Store.SharedCustomer(ctx, f)
	if meterd.IsNotFound(err) {
		c, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find customer: %w", err)
	}
	b.customers[f] = c
	return c, nil
}

// licenseHeldBy compares the license's customer with the record's, by
// identifier or by AWS account id, whichever the record sent.
func (b *batchCall) licenseHeldBy(ctx context.Context, sub *meterd.Subscription, r meterd.UsageRecord) (bool, error) {
	if r.CustomerIdentifier != "" {
		return sub.CustomerIdentifier == r.CustomerIdentifier, nil
	}
	holder, err := b.customer(ctx, meterd.CustomerFilter{Identifier: sub.CustomerIdentifier})
	if err != nil {
		return false, err
	}
	return holder != nil && holder.AWSAccountID == r.CustomerAWSAccountId, nil
}
