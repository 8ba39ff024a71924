package sqlite

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// TestCacheKeepsOnlySmallKeys: a lookup of a made-up, overlong key is
// answered but not kept, so such lookups cannot fill memory.
func TestCacheKeepsOnlySmallKeys(t *testing.T) {
	db, err := Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tt := range []struct {
		id   string
		kept bool
	}{
		{strings.Repeat("k", 255), true},
		{strings.Repeat("k", 100000), false},
	} {
		before := len(db.cache.entries)
		if _, err := db.FindAccessKey(t.Context(), tt.id); !meterd.IsNotFound(err) {
			t.Fatalf("FindAccessKey: %v", err)
		}
		if kept := len(db.cache.entries) == before+1; kept != tt.kept {
			t.Errorf("key of %d bytes kept: %v, want %v", len(tt.id), kept, tt.kept)
		}
	}
}

// TestCacheEvictsOneWhenFull: past maxCacheEntries each new entry takes
// the place of one old one, rather than the cache starting over empty.
func TestCacheEvictsOneWhenFull(t *testing.T) {
	c := newCatalogCache()
	key := func(i int) cacheKey { return cacheKey{kind: "customer", a: fmt.Sprint(i)} }
	for i := range maxCacheEntries + 10 {
		c.put(0, key(i), cacheEntry{value: i})
	}
	if n := len(c.entries); n != maxCacheEntries {
		t.Fatalf("%d entries after %d puts, want %d", n, maxCacheEntries+10, maxCacheEntries)
	}
	if _, _, ok := c.get(key(maxCacheEntries + 9)); !ok {
		t.Fatal("the newest entry is not kept")
	}
}
