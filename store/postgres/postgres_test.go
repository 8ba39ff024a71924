package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/postgres/pgtest"
	"github.com/meterd/meterd/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// mustOpen opens a store on a new database and closes it when tb ends.
func mustOpen(tb testing.TB, url string, opts ...postgres.Option) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), url, nil, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) meterd.Store { return mustOpen(t, pgtest.URL(t)) })
}

func TestAuditStore(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) meterd.AuditStore { return mustOpen(t, pgtest.URL(t)).Audit() })
}
