package entitlement

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
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
	rows, err := s.visibleEntitlements(ctx, product, filter)
	if err != nil {
		return nil, err
	}
	page, more := pageAfter(rows, after, pageSize(in.MaxResults))
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

// entitlementFilter maps a filter name to the set of values it accepts.
// Values of one name are alternatives; names must all match.
type entitlementFilter map[string]map[string]bool

func parseFilter(in map[string][]string) (entitlementFilter, error) {
	f := make(entitlementFilter, len(in))
	for name, values := range in {
		switch name {
		case meterd.FilterCustomerIdentifier, meterd.FilterCustomerAWSAccountID,
			meterd.FilterDimension, meterd.FilterLicenseArn:
		default:
			return nil, meterd.Errorf(meterd.EInvalidParameter, "Filter %s is not supported.", name)
		}
		if len(values) == 0 {
			return nil, meterd.Errorf(meterd.EInvalidParameter, "Filter %s needs at least one value.", name)
		}
		f[name] = make(map[string]bool, len(values))
		for _, v := range values {
			f[name][v] = true
		}
	}
	if f[meterd.FilterCustomerIdentifier] != nil && f[meterd.FilterCustomerAWSAccountID] != nil {
		return nil, meterd.Errorf(meterd.EInvalidParameter,
			"Filters %s and %s cannot be used together.", meterd.FilterCustomerIdentifier, meterd.FilterCustomerAWSAccountID)
	}
	return f, nil
}

// allows reports whether value passes the filter name (absent: anything).
func (f entitlementFilter) allows(name, value string) bool {
	values, ok := f[name]
	return !ok || values[value]
}

// requestBinding digests what a NextToken is valid for: the product and
// the filter, with names and values sorted since their order means nothing.
func requestBinding(productCode string, f entitlementFilter) []byte {
	canonical := [][]string{{productCode}}
	for _, name := range slices.Sorted(maps.Keys(f)) {
		canonical = append(canonical, append([]string{name}, slices.Sorted(maps.Keys(f[name]))...))
	}
	// json.Marshal of strings cannot fail.
	b, _ := json.Marshal(canonical)
	sum := sha256.Sum256(b)
	return sum[:]
}

// entitlementRow is one visible entitlement with its sort key and the
// identifier of its customer, which out may leave out.
type entitlementRow struct {
	key      entitlementKey
	customer string
	out      meterd.EntitlementOutput
}

// visibleEntitlements returns the product's entitlements that pass the
// filter, sorted by key. The customer's AWS account id is filled in later,
// for the returned page only, except that the account filter is turned
// into customer identifiers up front.
func (s *Service) visibleEntitlements(ctx context.Context, product *meterd.Product, f entitlementFilter) ([]entitlementRow, error) {
	if product.ConcurrentAgreements() && f[meterd.FilterCustomerIdentifier] != nil {
		return nil, nil // no entitlement of the product has a CustomerIdentifier
	}
	customers, err := s.customersOfAccounts(ctx, f[meterd.FilterCustomerAWSAccountID])
	if err != nil {
		return nil, err
	}
	subs, err := s.Store.FindSubscriptions(ctx, meterd.SubscriptionFilter{ProductCode: product.Code})
	if err != nil {
		return nil, fmt.Errorf("find subscriptions: %w", err)
	}
	now := s.Clock.Now()
	var rows []entitlementRow
	for _, sub := range subs {
		if !subscriptionVisible(sub, f, customers, now) {
			continue
		}
		for _, e := range sub.Entitlements {
			if expired(e, now) || !f.allows(meterd.FilterDimension, e.Dimension) {
				continue
			}
			rows = append(rows, newEntitlementRow(sub, e, product.ConcurrentAgreements()))
		}
	}
	sortRows(rows)
	return rows, nil
}

// subscriptionVisible applies the subscription-level filters. Only the
// states in which a customer holds the product count: active, and
// unsubscribe-pending (the customer still has it until unsubscribe-success),
// with a license active now.
func subscriptionVisible(sub *meterd.Subscription, f entitlementFilter, customersOfAccounts map[string]bool, now time.Time) bool {
	if !sub.Status.Metered() || !sub.Active(now) {
		return false
	}
	if customersOfAccounts != nil && !customersOfAccounts[sub.CustomerIdentifier] {
		return false
	}
	return f.allows(meterd.FilterCustomerIdentifier, sub.CustomerIdentifier) &&
		f.allows(meterd.FilterLicenseArn, sub.LicenseArn)
}

// expired hides an entitlement whose ExpirationDate has passed. AWS
// describes the date as the one through which the entitlement stays valid,
// so it is still shown at that very instant.
func expired(e meterd.Entitlement, now time.Time) bool {
	return !e.ExpirationDate.IsZero() && e.ExpirationDate.Before(now)
}

// customersOfAccounts maps the CUSTOMER_AWS_ACCOUNT_ID filter values to
// the set of customer identifiers they belong to; nil when the filter is
// absent.
func (s *Service) customersOfAccounts(ctx context.Context, accounts map[string]bool) (map[string]bool, error) {
	if accounts == nil {
		return nil, nil
	}
	ids := make(map[string]bool, len(accounts))
	for account := range accounts {
		c, err := s.Store.FindCustomer(ctx, meterd.CustomerFilter{AWSAccountID: account})
		if meterd.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("find customer: %w", err)
		}
		ids[c.Identifier] = true
	}
	return ids, nil
}

// newEntitlementRow builds the output of e. Without CustomerIdentifier in
// the output (Concurrent Agreements), it is not in the sort key either: the
// key travels in the NextToken, which must not reveal the identifier. The
// license, unique per subscription, still orders the rows.
func newEntitlementRow(sub *meterd.Subscription, e meterd.Entitlement, withoutIdentifier bool) entitlementRow {
	value := e.Value
	out := meterd.EntitlementOutput{
		ProductCode:        sub.ProductCode,
		Dimension:          e.Dimension,
		CustomerIdentifier: sub.CustomerIdentifier,
		Value:              &value,
		LicenseArn:         sub.LicenseArn,
	}
	if withoutIdentifier {
		out.CustomerIdentifier = ""
	}
	if value == (meterd.EntitlementValue{}) {
		out.Value = nil
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

// sortRows orders rows by key, numbering entitlements that are otherwise
// equal in catalog order so that every key is unique.
func sortRows(rows []entitlementRow) {
	slices.SortStableFunc(rows, func(a, b entitlementRow) int { return a.key.compare(b.key) })
	for i := 1; i < len(rows); i++ {
		prev, cur := rows[i-1].key, rows[i].key
		if prev.CustomerIdentifier == cur.CustomerIdentifier && prev.LicenseArn == cur.LicenseArn &&
			prev.Dimension == cur.Dimension {
			rows[i].key.Ordinal = prev.Ordinal + 1
		}
	}
}

// pageAfter returns up to n rows after the position (from the start when
// after is nil) and whether more follow.
func pageAfter(rows []entitlementRow, after *entitlementKey, n int) ([]entitlementRow, bool) {
	start := 0
	if after != nil {
		start = sort.Search(len(rows), func(i int) bool { return rows[i].key.compare(*after) > 0 })
	}
	end := min(start+n, len(rows))
	return rows[start:end], end < len(rows)
}

// buildResult fills in the customers' AWS account ids of the page and
// issues the NextToken.
func (s *Service) buildResult(ctx context.Context, page []entitlementRow, more bool, binding []byte) (*meterd.GetEntitlementsResult, error) {
	result := &meterd.GetEntitlementsResult{Entitlements: make([]meterd.EntitlementOutput, 0, len(page))}
	accounts := make(map[string]string)
	for _, row := range page {
		account, err := s.customerAccount(ctx, row.customer, accounts)
		if err != nil {
			return nil, err
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
// catalog does not know it), remembering answers in cache.
func (s *Service) customerAccount(ctx context.Context, identifier string, cache map[string]string) (string, error) {
	if account, ok := cache[identifier]; ok {
		return account, nil
	}
	c, err := s.Store.FindCustomer(ctx, meterd.CustomerFilter{Identifier: identifier})
	if err != nil && !meterd.IsNotFound(err) {
		return "", fmt.Errorf("find customer: %w", err)
	}
	account := ""
	if err == nil {
		account = c.AWSAccountID
	}
	cache[identifier] = account
	return account, nil
}
