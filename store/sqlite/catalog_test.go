package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// TestReplaceCatalogCancelled cancels a large ReplaceCatalog at several
// points of its batches (the first check is the queue's): every time it
// returns context.Canceled and the stored catalog stays the old one.
func TestReplaceCatalogCancelled(t *testing.T) {
	old := randomCatalog(3, 0)
	db := sqlitetest.Open(t, old)
	next := randomCatalog(5_000, 1) // 10 batches of customers, 10 of subscriptions
	for _, checks := range []int64{0, 1, 4, 12, 20} {
		t.Run(fmt.Sprintf("OK after %d checks", checks), func(t *testing.T) {
			err := db.ReplaceCatalog(sqlitetest.NewCountdownContext(t, checks, true), next)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("ReplaceCatalog = %v, want context.Canceled", err)
			}
			subs, err := db.FindSubscriptions(t.Context(), meterd.SubscriptionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(subs) != len(old.Subscriptions) {
				t.Fatalf("%d subscriptions stored, want the old catalog's %d", len(subs), len(old.Subscriptions))
			}
			for _, cu := range old.Customers {
				if _, err := db.FindCustomer(t.Context(), meterd.CustomerFilter{Identifier: cu.Identifier}); err != nil {
					t.Fatalf("old customer %s: %v", cu.Identifier, err)
				}
			}
		})
	}
	if err := db.ReplaceCatalog(t.Context(), next); err != nil {
		t.Fatalf("ReplaceCatalog after the cancelled ones: %v", err)
	}
}
