package backend

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
)

// CatalogSource is how a backend reads the catalog, uncached.
type CatalogSource struct {
	// Name ("sqlite", "postgres") starts the messages of its errors.
	Name    string
	Dialect Dialect
	// IsClosed reports whether the backend is closed; then lookups fail
	// with ErrClosed.
	IsClosed  func() bool
	ErrClosed error
	// Keep reports whether what is read now may be cached: false while a
	// backend cannot tell when another process changes the catalog.
	Keep func() bool
	// QueryRow runs a query (with ? parameters) of one row.
	QueryRow func(ctx context.Context, query string, args ...any) Scanner
	// Subscriptions reads what FindSubscriptions returns.
	Subscriptions func(ctx context.Context, f meterd.SubscriptionFilter) ([]*meterd.Subscription, error)
}

// CatalogFinder is meterd.CatalogReader for a backend: its lookups go
// through the Cache. A backend embeds one, so its lookups are these.
type CatalogFinder struct {
	cache *Cache
	src   CatalogSource
}

// NewCatalogFinder reads from src through cache.
func NewCatalogFinder(cache *Cache, src CatalogSource) *CatalogFinder {
	return &CatalogFinder{cache: cache, src: src}
}

// lookup answers k from the cache or from load, once the store is open.
func lookup[T any](ctx context.Context, f *CatalogFinder, k CacheKey, load func(context.Context) (T, error), clone func(T) T) (T, error) {
	if f.src.IsClosed() {
		var zero T
		return zero, f.src.ErrClosed
	}
	return Lookup(ctx, f.cache, k, f.src.Keep(), load, clone)
}

// FindAccessKey returns the key with id, or ENotFound.
func (f *CatalogFinder) FindAccessKey(ctx context.Context, id string) (*meterd.AccessKey, error) {
	return lookup(ctx, f, CacheKey{Kind: "key", A: id},
		func(ctx context.Context) (*meterd.AccessKey, error) { return f.loadAccessKey(ctx, id) }, CloneAccessKey)
}

// FindProduct returns the product with code, or ENotFound.
func (f *CatalogFinder) FindProduct(ctx context.Context, code string) (*meterd.Product, error) {
	return lookup(ctx, f, CacheKey{Kind: "product", A: code},
		func(ctx context.Context) (*meterd.Product, error) { return f.loadProduct(ctx, code) }, CloneProduct)
}

// FindCustomer returns the customer matching every set field of cf, or
// ENotFound. When several customers share an AWS account, the one with the
// smallest identifier is returned.
func (f *CatalogFinder) FindCustomer(ctx context.Context, cf meterd.CustomerFilter) (*meterd.Customer, error) {
	return lookup(ctx, f, CacheKey{Kind: "customer", A: cf.Identifier, B: cf.AWSAccountID},
		func(ctx context.Context) (*meterd.Customer, error) { return f.loadCustomer(ctx, cf) }, CloneCustomer)
}

// FindSubscriptions returns the subscriptions matching sf ordered by
// product, customer identifier and license ARN (or by license ARN alone
// with sf.ByLicense), after sf.After and at most sf.Limit; none is an
// empty slice.
//
// Pages after a position are read every time rather than cached: each
// position is asked for about once, and caching every page of a large
// product would hold it all in memory. A first page is cached like any
// other lookup.
func (f *CatalogFinder) FindSubscriptions(ctx context.Context, sf meterd.SubscriptionFilter) ([]*meterd.Subscription, error) {
	return f.subscriptions(ctx, sf, CloneSubscriptions)
}

// subscriptions answers FindSubscriptions, handing out what clone makes
// of a cached answer.
func (f *CatalogFinder) subscriptions(ctx context.Context, sf meterd.SubscriptionFilter,
	clone func([]*meterd.Subscription) []*meterd.Subscription) ([]*meterd.Subscription, error) {
	load := func(ctx context.Context) ([]*meterd.Subscription, error) { return f.src.Subscriptions(ctx, sf) }
	if sf.After != nil {
		if f.src.IsClosed() {
			return nil, f.src.ErrClosed
		}
		return load(ctx)
	}
	kind := "subscriptions"
	if sf.ByLicense {
		kind = "subscriptions-by-license"
	}
	k := CacheKey{Kind: kind, A: sf.ProductCode, B: sf.CustomerIdentifier, C: sf.LicenseArn, Limit: sf.Limit}
	return lookup(ctx, f, k, load, clone)
}

// The Shared lookups are meterd.SharedCatalogReader: the Find lookups
// without the copy. What the cache holds is never changed in place (a
// catalog write empties the cache instead), so sharing it is safe for
// callers that only read.

// SharedAccessKey is FindAccessKey without the copy.
func (f *CatalogFinder) SharedAccessKey(ctx context.Context, id string) (*meterd.AccessKey, error) {
	return lookup(ctx, f, CacheKey{Kind: "key", A: id},
		func(ctx context.Context) (*meterd.AccessKey, error) { return f.loadAccessKey(ctx, id) }, shared)
}

// SharedProduct is FindProduct without the copy.
func (f *CatalogFinder) SharedProduct(ctx context.Context, code string) (*meterd.Product, error) {
	return lookup(ctx, f, CacheKey{Kind: "product", A: code},
		func(ctx context.Context) (*meterd.Product, error) { return f.loadProduct(ctx, code) }, shared)
}

// SharedCustomer is FindCustomer without the copy.
func (f *CatalogFinder) SharedCustomer(ctx context.Context, cf meterd.CustomerFilter) (*meterd.Customer, error) {
	return lookup(ctx, f, CacheKey{Kind: "customer", A: cf.Identifier, B: cf.AWSAccountID},
		func(ctx context.Context) (*meterd.Customer, error) { return f.loadCustomer(ctx, cf) }, shared)
}

// SharedSubscriptions is FindSubscriptions without the copy.
func (f *CatalogFinder) SharedSubscriptions(ctx context.Context, sf meterd.SubscriptionFilter) ([]*meterd.Subscription, error) {
	return f.subscriptions(ctx, sf, shared)
}

// shared is the clone of the Shared lookups: none.
func shared[T any](v T) T { return v }

// loadAccessKey reads the access key id, or ENotFound.
func (f *CatalogFinder) loadAccessKey(ctx context.Context, id string) (*meterd.AccessKey, error) {
	k, err := ScanAccessKey(f.src.QueryRow(ctx, AccessKeyColumns+` WHERE id = ?`, id))
	if err != nil {
		return nil, f.fail("find access key", NotFound(f.src.Dialect, err, "access key %q not found", id))
	}
	return k, nil
}

// loadProduct reads the product with code, or ENotFound.
func (f *CatalogFinder) loadProduct(ctx context.Context, code string) (*meterd.Product, error) {
	p, err := ScanProduct(f.src.QueryRow(ctx, ProductColumns+` WHERE code = ?`, code))
	if err != nil {
		return nil, f.fail("find product", NotFound(f.src.Dialect, err, "product %q not found", code))
	}
	return p, nil
}

// loadCustomer reads the customer FindCustomer returns.
func (f *CatalogFinder) loadCustomer(ctx context.Context, cf meterd.CustomerFilter) (*meterd.Customer, error) {
	q, args, err := CustomerQuery(cf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.src.Name, err)
	}
	c, err := ScanCustomer(f.src.QueryRow(ctx, q, args...))
	if err != nil {
		return nil, f.fail("find customer", NotFound(f.src.Dialect, err, "customer %+v not found", cf))
	}
	return c, nil
}

func (f *CatalogFinder) fail(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", f.src.Name, op, err)
}
