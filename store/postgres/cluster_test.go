package postgres_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/postgres/pgtest"
)

// queryString runs a one-value query on the database at url.
func queryString(t *testing.T, url, q string) string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var s string
	if err := conn.QueryRow(t.Context(), q).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// migrationFiles lists migrations/NNNN_name.sql as "N:name,...".
func migrationFiles(t *testing.T) string {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, e := range entries {
		num, name, _ := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		n, err := strconv.Atoi(num)
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, fmt.Sprintf("%d:%s", n, name))
	}
	return strings.Join(list, ",")
}

// Nodes starting together on a new database take turns on the migration
// lock: every one opens, and each version is applied once.
func TestMigrateNodesStartingTogether(t *testing.T) {
	url := pgtest.URL(t)
	const nodes = 4
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Go(func() {
			db, err := postgres.Open(t.Context(), url, nil)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	got := queryString(t, url, "SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM schema_migrations")
	if want := migrationFiles(t); got != want {
		t.Errorf("schema_migrations = %q, want %q", got, want)
	}
}

func TestOpenErrNewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	must(t, mustOpen(t, url).Close())
	conn, err := pgx.Connect(t.Context(), url)
	must(t, err)
	_, err = conn.Exec(t.Context(), "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
	conn.Close(context.Background())
	must(t, err)
	if db, err := postgres.Open(t.Context(), url, nil); err == nil || !strings.Contains(err.Error(), "newer than this build") {
		if db != nil {
			db.Close()
		}
		t.Fatalf("Open of a database from a newer build: err = %v", err)
	}
}

// A catalog change made through one node reaches the cache of another:
// after a lookup cached the old product on node b, node a replaces it,
// and b answers the new one once the notification arrives.
func TestCatalogCacheInvalidatedOnEveryNode(t *testing.T) {
	url := pgtest.URL(t)
	a, b := mustOpen(t, url), mustOpen(t, url)
	catalog := func(dimension string) *meterd.Catalog {
		return &meterd.Catalog{
			Accounts: []*meterd.Account{{ID: "111122223333", Name: "seller"}},
			Products: []*meterd.Product{{Code: "p", SellerAccountID: "111122223333", Type: meterd.ProductSaaS,
				Dimensions: []meterd.Dimension{{Name: dimension}}}},
		}
	}
	must(t, a.ReplaceCatalog(t.Context(), catalog("old")))
	waitFor(t, func() bool { // the listener is up and the old product cached
		if !b.CacheListening() {
			return false
		}
		p, err := b.FindProduct(t.Context(), "p")
		return err == nil && p.Dimensions[0].Name == "old"
	})
	must(t, a.ReplaceCatalog(t.Context(), catalog("new")))
	waitFor(t, func() bool {
		p, err := b.FindProduct(t.Context(), "p")
		return err == nil && p.Dimensions[0].Name == "new"
	})
}

// waitFor polls cond until it holds, failing after a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Two nodes asking for due deliveries at once are handed disjoint sets
// that together hold every due one; a delivery one node holds goes to the
// other only after the first records its attempt.
func TestDueDeliveriesOneNodeEach(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	a, b := mustOpen(t, url), mustOpen(t, url)
	target := meterd.NotificationTarget{Kind: meterd.TargetSNSHTTP, Endpoint: "http://seller.example/sns"}
	must(t, a.ApplyCatalog(ctx, &meterd.Catalog{
		Accounts: []*meterd.Account{{ID: "111122223333", Name: "seller"}},
		Products: []*meterd.Product{{Code: "p", SellerAccountID: "111122223333", Type: meterd.ProductSaaS,
			NotificationTargets: []meterd.NotificationTarget{target}}},
	}))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const customers = 20 // one delivery each, all due
	for i := range customers {
		e := &meterd.LifecycleEvent{ID: fmt.Sprintf("evt-%d", i), Action: meterd.ActionSubscribeSuccess,
			ProductCode: "p", CustomerIdentifier: fmt.Sprintf("cust-%d", i), Time: now}
		_, err := a.ChangeSubscription(ctx, "arn:none", func(*meterd.Subscription) (*meterd.SubscriptionChange, error) {
			return &meterd.SubscriptionChange{Event: e}, nil
		})
		must(t, err)
	}
	var (
		wg  sync.WaitGroup
		got [2][]meterd.Delivery
	)
	for i, db := range []*postgres.DB{a, b} {
		wg.Go(func() {
			ds, err := db.DueDeliveries(ctx, now, customers)
			if err != nil {
				t.Error(err)
			}
			got[i] = ds
		})
	}
	wg.Wait()
	seen := map[int64]int{}
	for _, ds := range got {
		for _, d := range ds {
			seen[d.ID]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %d handed out %d times", id, n)
		}
	}
	if len(seen) != customers {
		t.Errorf("%d deliveries handed out, want %d", len(seen), customers)
	}

	// a asks again (nothing recorded yet): it gets its own back, b nothing new.
	held := got[0]
	if len(held) == 0 {
		held = got[1]
		a, b = b, a
	}
	again, err := a.DueDeliveries(ctx, now, customers)
	must(t, err)
	if len(again) != len(held) {
		t.Errorf("the holder asked again: %d deliveries, want its %d", len(again), len(held))
	}
	other, err := b.DueDeliveries(ctx, now, customers)
	must(t, err)
	for _, d := range other {
		if d.ID == held[0].ID {
			t.Errorf("delivery %d handed to the other node while held", d.ID)
		}
	}
	// A failed attempt ends the lease: due again at once, b may take it.
	must(t, a.RecordAttempt(ctx, meterd.DeliveryAttempt{DeliveryID: held[0].ID, At: now, StatusCode: 500,
		Error: "500"}, now))
	other, err = b.DueDeliveries(ctx, now, customers)
	must(t, err)
	if !slices.ContainsFunc(other, func(d meterd.Delivery) bool { return d.ID == held[0].ID }) {
		t.Errorf("delivery %d not handed to the other node after its attempt was recorded", held[0].ID)
	}
}
