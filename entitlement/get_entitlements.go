package entitlement

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/meterd/meterd"
)

// defaultMaxResults is the page size when MaxResults is absent; the model
// allows 1..25 and documents no default, so the maximum is used.
const defaultMaxResults = 25

// GetEntitlements lists what customers bought of one of the caller's
// products, in a stable order, one page at a time.
//
// For a Concurrent Agreements product, whose customers are named by AWS
// account id and license, CustomerIdentifier is left out of every
// entitlement (AWS deprecates it for new integrations) and a
// CUSTOMER_IDENTIFIER filter matches nothing, as no entitlement carries one.
func (s *Service) GetEntitlements(ctx context.Context, caller meterd.Caller, in *meterd.GetEntitlementsRequest) (*meterd.GetEntitlementsResult, error) {
	if err := s.Regions.Check(meterd.OpGetEntitlements, caller.Region); err != nil {
		return nil, err
	}
	product, err := s.sellerProduct(ctx, caller, in.ProductCode)
	if err != nil {
		return nil, err
	}
	filter, err := parseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	binding := requestBinding(in.ProductCode, filter)
	var after *entitlementKey
	if in.NextToken != "" {
		pos, err := s.decodeNextToken(in.NextToken, binding)
		if err != nil {
			return nil, err
		}
		after = &pos
	}
	q := &pageQuery{s: s, product: product, f: filter, after: after, n: pageSize(in.MaxResults), now: s.Clock.Now()}
	page, more, err := q.find(ctx)
	if err != nil {
		return nil, err
	}
	return s.buildResult(ctx, page, more, binding)
}

// sellerProduct returns the product, which only its seller may read the
// entitlements of. An unknown product and a foreign one get the same
// answer, so that the catalog cannot be probed.
func (s *Service) sellerProduct(ctx context.Context, caller meterd.Caller, productCode string) (*meterd.Product, error) {
	product, err := s.Store.FindProduct(ctx, productCode)
	if err != nil && !meterd.IsNotFound(err) {
		return nil, fmt.Errorf("find product: %w", err)
	}
	if err != nil || product.SellerAccountID != caller.AccountID {
		return nil, meterd.Errorf(meterd.EInvalidParameter, "Product code %s is invalid.", productCode)
	}
	return product, nil
}

func pageSize(maxResults int32) int {
	if maxResults <= 0 {
		return defaultMaxResults
	}
	return int(maxResults)
}

// entitlementRow is one visible entitlement with its sort key and the
// identifier of its customer, which out may leave out.
type entitlementRow struct {
	key      entitlementKey
	customer string
	out      meterd.EntitlementOutput
}

// pageQuery finds one page: up to n rows after the position, and whether
// more follow.
type pageQuery struct {
	s       *Service
	product *meterd.Product
	f       entitlementFilter
	after   *entitlementKey // nil: from the start
	n       int
	now     time.Time
}

// find reads only what the filter can match, from the narrowest source: the
// subscriptions of the named customers (or of the customers of the named
// accounts), else those of the named licenses, each an index lookup; only
// without either does it page through the product, one index range at a
// time.
func (q *pageQuery) find(ctx context.Context) ([]entitlementRow, bool, error) {
	switch {
	case q.product.ConcurrentAgreements() && q.f.customers != nil:
		return nil, false, nil // no entitlement of the product has a CustomerIdentifier
	case q.f.customers != nil || q.f.accounts != nil:
		return q.fromCustomers(ctx)
	case q.f.licenses != nil:
		return q.fromLicenses(ctx)
	}
	return q.scan(ctx)
}

func (q *pageQuery) fromCustomers(ctx context.Context) ([]entitlementRow, bool, error) {
	customers := q.f.customers
	if q.f.accounts != nil {
		var err error
		if customers, err = q.s.customersOfAccounts(ctx, q.f.accounts); err != nil {
			return nil, false, err
		}
	}
	return q.fromSubscriptions(ctx, customers, func(c string) meterd.SubscriptionFilter {
		return meterd.SubscriptionFilter{ProductCode: q.product.Code, CustomerIdentifier: c}
	})
}

func (q *pageQuery) fromLicenses(ctx context.Context) ([]entitlementRow, bool, error) {
	return q.fromSubscriptions(ctx, q.f.licenses, func(l string) meterd.SubscriptionFilter {
		return meterd.SubscriptionFilter{ProductCode: q.product.Code, LicenseArn: l}
	})
}

// fromSubscriptions collects the rows of the subscriptions each key's
// filter finds (a few: the filter named them), sorts them and pages.
func (q *pageQuery) fromSubscriptions(ctx context.Context, keys []string, filter func(string) meterd.SubscriptionFilter) ([]entitlementRow, bool, error) {
	var rows []entitlementRow
	for _, k := range keys {
		subs, err := q.s.Store.FindSubscriptions(ctx, filter(k))
		if err != nil {
			return nil, false, fmt.Errorf("find subscriptions: %w", err)
		}
		rows = q.appendRows(rows, subs)
	}
	slices.SortFunc(rows, func(a, b entitlementRow) int { return a.key.compare(b.key) })
	start := 0
	if q.after != nil {
		start = sort.Search(len(rows), func(i int) bool { return rows[i].key.compare(*q.after) > 0 })
	}
	end := min(start+q.n, len(rows))
	return rows[start:end], end < len(rows), nil
}

// customersOfAccounts returns the identifiers of the customers of the
// accounts, sorted; accounts the catalog does not know match nothing.
func (s *Service) customersOfAccounts(ctx context.Context, accounts []string) ([]string, error) {
	ids := make([]string, 0, len(accounts))
	for _, account := range accounts {
		c, err := s.Store.FindCustomer(ctx, meterd.CustomerFilter{AWSAccountID: account})
		if meterd.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("find customer: %w", err)
		}
		ids = append(ids, c.Identifier)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
