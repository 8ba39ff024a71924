package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/meterd/meterd/store/migrate"
)

// The migrations ApplyAll runs together stand or fall together: one that
// fails rolls back those before it, so the schema stays at a whole version,
// and running them again applies them all.
func TestApplyAllIsOneTransaction(t *testing.T) {
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	target := migrationTarget{conn}
	if versions, err := target.Applied(t.Context()); err != nil || len(versions) != 0 {
		t.Fatalf("Applied on a new file = %v, %v; want none", versions, err)
	}
	good := migrate.Migration{Version: 1, Name: "good", SQL: "CREATE TABLE kept (x INTEGER)"}
	bad := migrate.Migration{Version: 2, Name: "bad", SQL: "CREATE TABLE kept (y INTEGER)"} // already exists
	if applied, err := target.ApplyAll(t.Context(), []migrate.Migration{good, bad}); err == nil || len(applied) != 0 {
		t.Fatalf("ApplyAll with a failing migration = %v, %v; want an error and nothing applied", applied, err)
	}
	if got := tableCount(t, conn, "kept") + tableCount(t, conn, "schema_migrations"); got != 0 {
		t.Fatalf("after the failed batch: %d tables of migration 1 or of the record, want none", got)
	}
	second := migrate.Migration{Version: 2, Name: "second", SQL: "CREATE TABLE other (y INTEGER)"}
	applied, err := target.ApplyAll(t.Context(), []migrate.Migration{good, second})
	if err != nil || len(applied) != 2 {
		t.Fatalf("ApplyAll = %v, %v; want both applied", applied, err)
	}
	if applied, err := target.ApplyAll(t.Context(), []migrate.Migration{good, second}); err != nil || len(applied) != 0 {
		t.Fatalf("ApplyAll again = %v, %v; want nothing applied twice", applied, err)
	}
	if got := tableRows(t, conn); got != 2 {
		t.Fatalf("%d versions recorded, want 2", got)
	}
}

func tableCount(t *testing.T, conn *sql.Conn, name string) int {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(t.Context(), "SELECT count(*) FROM sqlite_schema WHERE name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func tableRows(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
