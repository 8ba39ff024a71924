package postgres

import (
	"context"
	"slices"
	"sync"

	"github.com/meterd/meterd"
)

// catalogCache keeps catalog lookups in memory, as on SQLite: every API
// call reads the catalog several times and it changes only when a seed is
// applied. Here another node may change it, so entries are kept only while
// this node listens for the catalog notification (see notify.go), which
// empties the cache on every node after each catalog commit; a lookup that
// raced a change (the generation moved) is not stored.
type catalogCache struct {
	mu      sync.RWMutex
	gen     uint64
	entries map[cacheKey]cacheEntry
}

// maxCacheEntries bounds the cache; maxCacheKeyBytes keeps lookups of long
// made-up keys out of it.
const (
	maxCacheEntries  = 1 << 15
	maxCacheKeyBytes = 3 * 256
)

type cacheKey struct {
	kind    string
	a, b, c string
	limit   int
}

func (k cacheKey) size() int { return len(k.kind) + len(k.a) + len(k.b) + len(k.c) }

type cacheEntry struct {
	value any
	err   error
}

func newCatalogCache() *catalogCache {
	return &catalogCache{entries: make(map[cacheKey]cacheEntry)}
}

func (c *catalogCache) get(k cacheKey) (uint64, cacheEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[k]
	return c.gen, e, ok
}

func (c *catalogCache) put(gen uint64, k cacheKey, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxCacheEntries {
		for old := range c.entries { // evict one, at random
			delete(c.entries, old)
			break
		}
	}
	c.entries[k] = e
}

func (c *catalogCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// cachedLookup answers k from the cache or from load and hands the caller
// its own copy. Values and NotFound errors are kept, and only while the
// node listens for catalog changes.
func cachedLookup[T any](ctx context.Context, db *DB, k cacheKey, load func(context.Context) (T, error), clone func(T) T) (T, error) {
	var zero T
	if db.isClosed() {
		return zero, ErrClosed
	}
	gen, e, ok := db.cache.get(k)
	if ok {
		if e.err != nil {
			return zero, e.err
		}
		return clone(e.value.(T)), nil
	}
	v, err := load(ctx)
	if (err == nil || meterd.IsNotFound(err)) && k.size() <= maxCacheKeyBytes && db.listening.Load() {
		db.cache.put(gen, k, cacheEntry{value: v, err: err})
	}
	if err != nil {
		return zero, err
	}
	return clone(v), nil
}

func cloneAccessKey(k *meterd.AccessKey) *meterd.AccessKey {
	c := *k
	return &c
}

func cloneProduct(p *meterd.Product) *meterd.Product {
	c := *p
	c.Dimensions = slices.Clone(p.Dimensions)
	return &c
}

func cloneCustomer(cu *meterd.Customer) *meterd.Customer {
	c := *cu
	return &c
}

func cloneSubscriptions(subs []*meterd.Subscription) []*meterd.Subscription {
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
