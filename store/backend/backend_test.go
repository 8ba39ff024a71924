package backend

import (
	"fmt"
	"testing"
)

// TestCacheEvictsOneWhenFull: past MaxCacheEntries each new entry takes
// the place of one old one, rather than the cache starting over empty.
func TestCacheEvictsOneWhenFull(t *testing.T) {
	c := NewCache()
	key := func(i int) CacheKey { return CacheKey{Kind: "customer", A: fmt.Sprint(i)} }
	for i := range MaxCacheEntries + 10 {
		c.put(0, key(i), cacheEntry{value: i})
	}
	if n := c.Len(); n != MaxCacheEntries {
		t.Fatalf("%d entries after %d puts, want %d", n, MaxCacheEntries+10, MaxCacheEntries)
	}
	if _, _, ok := c.get(key(MaxCacheEntries + 9)); !ok {
		t.Fatal("the newest entry is not kept")
	}
}

// A generation moved by Invalidate keeps a lookup that raced it from
// storing what it read before.
func TestCachePutAfterInvalidate(t *testing.T) {
	c := NewCache()
	gen, _, _ := c.get(CacheKey{Kind: "product", A: "p"})
	c.Invalidate()
	c.put(gen, CacheKey{Kind: "product", A: "p"}, cacheEntry{value: 1})
	if c.Len() != 0 {
		t.Fatal("an entry read before Invalidate was kept")
	}
}
