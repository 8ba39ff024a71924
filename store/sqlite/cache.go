package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"sync"

	"github.com/meterd/meterd"
)

// catalogCache keeps catalog lookups in memory: every API call reads the
// catalog several times (a BatchMeterUsage of 25 customers up to 50 times)
// and it changes only when a seed is applied. It is coherent because this
// process is the only one using the data directory (see lockFileName) and
// every catalog write empties it after committing.
//
// A generation counter keeps a lookup that raced a catalog write from
// storing what it read before the write.
type catalogCache struct {
	mu      sync.RWMutex
	gen     uint64
	entries map[cacheKey]cacheEntry

	// stmts holds the catalog's read queries prepared on the reader pool,
	// query text → *sql.Stmt, so that a lookup the cache misses (a page of
	// a large product, one buyer among 50,000) costs its execution, not
	// the parsing of its SQL too. The queries are a small fixed set
	// (filters choose among a few WHERE clauses): it stays a few dozen.
	stmts sync.Map
}

// maxCacheEntries bounds the cache, so that lookups of made-up keys cannot
// grow it for ever; past it each new entry evicts one. maxCacheKeyBytes keeps
// each entry small: catalog keys are at most 255 characters (the model's
// limit), and a lookup of a longer made-up key is answered but not kept.
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

// cacheEntry is a found value or a NotFound error.
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

// put stores e unless the catalog changed since generation gen was read.
func (c *catalogCache) put(gen uint64, k cacheKey, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxCacheEntries {
		c.evictOne()
	}
	c.entries[k] = e
}

// evictOne drops the entry the map's randomised iteration order gives
// first. When the catalog has more buyers than the cache has room (50,000
// buyers need about 100,000 entries), emptying the whole cache made every
// lookup miss after each refill; evicting one keeps the hit rate near
// room/working set.
func (c *catalogCache) evictOne() {
	for k := range c.entries {
		delete(c.entries, k)
		return
	}
}

// invalidate forgets everything; catalog writes call it after committing.
func (c *catalogCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// cachedLookup answers k from the cache or from load, and hands the caller
// its own copy. Only values and NotFound errors are kept.
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
	if (err == nil || meterd.IsNotFound(err)) && k.size() <= maxCacheKeyBytes {
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
	c.NotificationTargets = slices.Clone(p.NotificationTargets)
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
			c.Entitlements[j].Value = cloneValue(e.Value)
		}
		out[i] = &c
	}
	return out
}

func cloneValue(v meterd.EntitlementValue) meterd.EntitlementValue {
	return meterd.EntitlementValue{
		IntegerValue: clonePtr(v.IntegerValue),
		DoubleValue:  clonePtr(v.DoubleValue),
		BooleanValue: clonePtr(v.BooleanValue),
		StringValue:  clonePtr(v.StringValue),
	}
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// readStmt returns query prepared on the reader pool, preparing it once.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.cache.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.readDB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, raced := db.cache.stmts.LoadOrStore(query, s); raced {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}
