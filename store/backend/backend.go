// Package backend holds what every store backend (store/sqlite,
// store/postgres) shares apart from its driver calls and dialect-specific
// SQL: the catalog cache and lookups, the catalog's tables, rows and write
// plans, lifecycle changes, the outbox's listing, row scanners with their
// SELECT lists and the queries both dialects run alike (with ? parameters,
// which PostgreSQL numbers), the JSON list columns, and the audit trail's
// index columns and page cursors. A Dialect tells it how a backend stores
// times and bools and what its driver's errors mean. A backend wraps these;
// it does not copy them. No SQL driver is imported here.
package backend

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/meterd/meterd"
)

// Cache keeps catalog lookups in memory: every API call reads the catalog
// several times (a BatchMeterUsage of 25 customers up to 50 times) and it
// changes only when a catalog is applied. A backend empties it
// (Invalidate) after every catalog write commits, and whenever another
// process may have changed the catalog unseen.
//
// A generation counter keeps a lookup that raced a catalog write from
// storing what it read before the write.
type Cache struct {
	mu      sync.RWMutex
	gen     uint64
	entries map[CacheKey]cacheEntry
}

// MaxCacheEntries bounds the cache, so that lookups of made-up keys cannot
// grow it for ever; past it each new entry evicts one. maxCacheKeyBytes
// keeps each entry small: catalog keys are at most 255 characters (the
// model's limit), and a lookup of a longer made-up key is answered but not
// kept.
const (
	MaxCacheEntries  = 1 << 15
	maxCacheKeyBytes = 3 * 256
)

// CacheKey names one lookup: its kind and arguments.
type CacheKey struct {
	Kind    string
	A, B, C string
	Limit   int
}

func (k CacheKey) size() int { return len(k.Kind) + len(k.A) + len(k.B) + len(k.C) }

// cacheEntry is a found value or a NotFound error.
type cacheEntry struct {
	value any
	err   error
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: make(map[CacheKey]cacheEntry)} }

// Len is the number of entries kept.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

func (c *Cache) get(k CacheKey) (uint64, cacheEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[k]
	return c.gen, e, ok
}

// put stores e unless the catalog changed since generation gen was read.
func (c *Cache) put(gen uint64, k CacheKey, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= MaxCacheEntries {
		c.evictOne()
	}
	c.entries[k] = e
}

// evictOne drops the entry the map's randomised iteration order gives
// first. When the catalog has more buyers than the cache has room (50,000
// buyers need about 100,000 entries), emptying the whole cache made every
// lookup miss after each refill; evicting one keeps the hit rate near
// room/working set.
func (c *Cache) evictOne() {
	for k := range c.entries {
		delete(c.entries, k)
		return
	}
}

// Invalidate forgets everything.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// Lookup answers k from c or from load, and hands the caller its own copy.
// Only values and NotFound errors are kept, and only when keep is true (a
// backend that cannot tell when another process changes the catalog passes
// false meanwhile).
func Lookup[T any](ctx context.Context, c *Cache, k CacheKey, keep bool, load func(context.Context) (T, error), clone func(T) T) (T, error) {
	var zero T
	gen, e, ok := c.get(k)
	if ok {
		if e.err != nil {
			return zero, e.err
		}
		return clone(e.value.(T)), nil
	}
	v, err := load(ctx)
	if keep && (err == nil || meterd.IsNotFound(err)) && k.size() <= maxCacheKeyBytes {
		c.put(gen, k, cacheEntry{value: v, err: err})
	}
	if err != nil {
		return zero, err
	}
	return clone(v), nil
}

// CloneAccessKey and the other clones give each caller of Lookup a value
// of its own.
func CloneAccessKey(k *meterd.AccessKey) *meterd.AccessKey {
	c := *k
	return &c
}

func CloneProduct(p *meterd.Product) *meterd.Product {
	c := *p
	c.Dimensions = slices.Clone(p.Dimensions)
	c.NotificationTargets = slices.Clone(p.NotificationTargets)
	return &c
}

func CloneCustomer(cu *meterd.Customer) *meterd.Customer {
	c := *cu
	return &c
}

func CloneSubscriptions(subs []*meterd.Subscription) []*meterd.Subscription {
	out := make([]*meterd.Subscription, len(subs))
	for i, s := range subs {
		c := *s
		c.Entitlements = make([]meterd.Entitlement, len(s.Entitlements))
		for j, e := range s.Entitlements {
			c.Entitlements[j] = e
			c.Entitlements[j].Value = meterd.EntitlementValue{
				IntegerValue: clonePtr(e.Value.IntegerValue),
				DoubleValue:  clonePtr(e.Value.DoubleValue),
				BooleanValue: clonePtr(e.Value.BooleanValue),
				StringValue:  clonePtr(e.Value.StringValue),
			}
		}
		out[i] = &c
	}
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// NonNil stores a nil slice as [] rather than null.
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// DecodeList reads a JSON array column, giving nil for an empty array.
func DecodeList[T any](text string) ([]T, error) {
	var v []T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// EntryKinds names each catalog table's entries in messages.
var EntryKinds = map[string]string{
	"accounts": "account", "access_keys": "access key", "products": "product",
	"customers": "customer", "subscriptions": "subscription",
}

// AdminMade returns a copy of c whose entries are all OriginAdmin.
func AdminMade(c *meterd.Catalog) *meterd.Catalog {
	out := &meterd.Catalog{}
	for _, a := range c.Accounts {
		v := *a
		v.Origin = meterd.OriginAdmin
		out.Accounts = append(out.Accounts, &v)
	}
	for _, k := range c.AccessKeys {
		v := *k
		v.Origin = meterd.OriginAdmin
		out.AccessKeys = append(out.AccessKeys, &v)
	}
	for _, p := range c.Products {
		v := *p
		v.Origin = meterd.OriginAdmin
		out.Products = append(out.Products, &v)
	}
	for _, cu := range c.Customers {
		v := *cu
		v.Origin = meterd.OriginAdmin
		out.Customers = append(out.Customers, &v)
	}
	for _, s := range c.Subscriptions {
		v := *s
		v.Origin = meterd.OriginAdmin
		out.Subscriptions = append(out.Subscriptions, &v)
	}
	return out
}
