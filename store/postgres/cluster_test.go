package postgres_test

import (
	"context"
	"fmt"
	"os"
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

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
