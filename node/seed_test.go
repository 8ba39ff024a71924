package node

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// TestOpenCancelledDuringSeed cancels Open's context (as SIGTERM does) in
// the middle of applying a large seed over a small one: Open returns
// context.Canceled and the data directory keeps the small seed's catalog.
func TestOpenCancelledDuringSeed(t *testing.T) {
	cfg := testConfig(t)
	cfg.SeedFile = writeSeed(t, t.TempDir(), 3)
	n, err := Open(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := n.Catalog()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	cfg.SeedFile = writeSeed(t, t.TempDir(), 5_000)
	// 12 checks after the seed starts: in the middle of its customers.
	ctx := sqlitetest.NewCountdownContext(t, 12, false)
	_, err = Open(ctx, cfg, slog.New(armOn{slog.DiscardHandler, "applying seed", ctx}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Open = %v, want context.Canceled", err)
	}

	store, err := sqlite.Open(t.Context(), cfg.DataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	subs, err := store.FindSubscriptions(t.Context(), meterd.SubscriptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != len(old.Subscriptions) {
		t.Fatalf("%d subscriptions stored, want the old seed's %d", len(subs), len(old.Subscriptions))
	}
	for _, s := range old.Subscriptions {
		if got, err := store.FindSubscriptions(t.Context(), meterd.SubscriptionFilter{LicenseArn: s.LicenseArn}); err != nil || len(got) != 1 {
			t.Fatalf("old subscription %s: %d found, %v", s.LicenseArn, len(got), err)
		}
	}
}
