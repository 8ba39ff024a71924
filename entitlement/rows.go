package entitlement

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/meterd/meterd"
)

// scan pages through the whole product in key order, reading n+1
// subscriptions at a time from the index after the last one read, until
// the page is full (or the product ends): a page costs about one index
// range, however large the product, and nothing but the page is kept.
func (q *pageQuery) scan(ctx context.Context) ([]entitlementRow, bool, error) {
	rows, pos, err := q.rest(ctx)
	if err != nil {
		return nil, false, err
	}
	chunk := q.n + 1
	for len(rows) <= q.n {
		subs, err := q.s.Store.FindSubscriptions(ctx, meterd.SubscriptionFilter{
			ProductCode: q.product.Code, ByLicense: q.product.ConcurrentAgreements(), After: pos, Limit: chunk})
		if err != nil {
			return nil, false, fmt.Errorf("find subscriptions: %w", err)
		}
		rows = q.appendRows(rows, subs)
		if len(subs) < chunk {
			break
		}
		last := subs[len(subs)-1]
		pos = &meterd.SubscriptionPosition{CustomerIdentifier: last.CustomerIdentifier, LicenseArn: last.LicenseArn}
	}
	return rows[:min(q.n, len(rows))], len(rows) > q.n, nil
}

// rest returns the rows after the position that its own subscription still
// holds (a page may end inside a subscription), and the position from which
// the scan goes on. A subscription that moved to another customer since is
// left to the scan, which meets it in its new place.
func (q *pageQuery) rest(ctx context.Context) ([]entitlementRow, *meterd.SubscriptionPosition, error) {
	if q.after == nil {
		return nil, nil, nil
	}
	pos := &meterd.SubscriptionPosition{CustomerIdentifier: q.after.CustomerIdentifier, LicenseArn: q.after.LicenseArn}
	subs, err := q.s.Store.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: q.product.Code, LicenseArn: q.after.LicenseArn})
	if err != nil {
		return nil, nil, fmt.Errorf("find subscriptions: %w", err)
	}
	var rows []entitlementRow
	for _, row := range q.appendRows(nil, subs) {
		if row.key.compare(*q.after) > 0 {
			rows = append(rows, row)
		}
	}
	if len(rows) > 0 && rows[0].key.CustomerIdentifier != q.after.CustomerIdentifier {
		rows = nil
	}
	return rows, pos, nil
}

// appendRows appends the visible entitlements of subs, each subscription's
// in key order. Entitlements of one subscription equal in key (a catalog
// listing a dimension twice) are numbered in catalog order so that every
// key is unique.
func (q *pageQuery) appendRows(rows []entitlementRow, subs []*meterd.Subscription) []entitlementRow {
	for _, sub := range subs {
		if !q.visible(sub) {
			continue
		}
		start := len(rows)
		for _, e := range sub.Entitlements {
			if expired(e, q.now) || !allows(q.f.dimensions, e.Dimension) {
				continue
			}
			rows = append(rows, newEntitlementRow(sub, e, q.product.ConcurrentAgreements()))
		}
		own := rows[start:]
		slices.SortStableFunc(own, func(a, b entitlementRow) int { return a.key.compare(b.key) })
		for i := 1; i < len(own); i++ {
			if own[i].key.Dimension == own[i-1].key.Dimension {
				own[i].key.Ordinal = own[i-1].key.Ordinal + 1
			}
		}
	}
	return rows
}

// visible applies the subscription-level filters. Only the states in which
// a customer holds the product count: active, and unsubscribe-pending (the
// customer still has it until unsubscribe-success), with a license active
// now.
func (q *pageQuery) visible(sub *meterd.Subscription) bool {
	if !sub.Status.Metered() || !sub.Active(q.now) {
		return false
	}
	return allows(q.f.customers, sub.CustomerIdentifier) && allows(q.f.licenses, sub.LicenseArn)
}

// expired hides an entitlement whose ExpirationDate has passed. AWS
// describes the date as the one through which the entitlement stays valid,
// so it is still shown at that very instant.
func expired(e meterd.Entitlement, now time.Time) bool {
	return !e.ExpirationDate.IsZero() && e.ExpirationDate.Before(now)
}

// newEntitlementRow builds the output of e. Without CustomerIdentifier in
// the output (Concurrent Agreements), it is not in the sort key either: the
// key travels in the NextToken, which must not reveal the identifier. The
// license, unique per subscription, still orders the rows.
func newEntitlementRow(sub *meterd.Subscription, e meterd.Entitlement, withoutIdentifier bool) entitlementRow {
	out := meterd.EntitlementOutput{
		ProductCode:        sub.ProductCode,
		Dimension:          e.Dimension,
		CustomerIdentifier: sub.CustomerIdentifier,
		LicenseArn:         sub.LicenseArn,
	}
	if withoutIdentifier {
		out.CustomerIdentifier = ""
	}
	if e.Value != (meterd.EntitlementValue{}) {
		value := e.Value
		out.Value = &value
	}
	if !e.ExpirationDate.IsZero() {
		exp := e.ExpirationDate
		out.ExpirationDate = &exp
	}
	return entitlementRow{
		key:      entitlementKey{CustomerIdentifier: out.CustomerIdentifier, LicenseArn: sub.LicenseArn, Dimension: e.Dimension},
		customer: sub.CustomerIdentifier,
		out:      out,
	}
}

// buildResult fills in the customers' AWS account ids of the page and
// issues the NextToken.
func (s *Service) buildResult(ctx context.Context, page []entitlementRow, more bool, binding []byte) (*meterd.GetEntitlementsResult, error) {
	result := &meterd.GetEntitlementsResult{Entitlements: make([]meterd.EntitlementOutput, 0, len(page))}
	var last, account string // rows of one customer are mostly adjacent
	for i, row := range page {
		if i == 0 || row.customer != last {
			var err error
			if account, err = s.customerAccount(ctx, row.customer); err != nil {
				return nil, err
			}
			last = row.customer
		}
		row.out.CustomerAWSAccountId = account
		result.Entitlements = append(result.Entitlements, row.out)
	}
	if more {
		token, err := s.encodeNextToken(binding, page[len(page)-1].key)
		if err != nil {
			return nil, err
		}
		result.NextToken = token
	}
	return result, nil
}

// customerAccount returns the AWS account id of a customer ("" when the
// catalog does not know it).
func (s *Service) customerAccount(ctx context.Context, identifier string) (string, error) {
	c, err := s.Store.FindCustomer(ctx, meterd.CustomerFilter{Identifier: identifier})
	if meterd.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find customer: %w", err)
	}
	return c.AWSAccountID, nil
}
