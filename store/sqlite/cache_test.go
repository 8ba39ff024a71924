package sqlite

import (
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
		before := db.cache.Len()
		if _, err := db.FindAccessKey(t.Context(), tt.id); !meterd.IsNotFound(err) {
			t.Fatalf("FindAccessKey: %v", err)
		}
		if kept := db.cache.Len() == before+1; kept != tt.kept {
			t.Errorf("key of %d bytes kept: %v, want %v", len(tt.id), kept, tt.kept)
		}
	}
}
