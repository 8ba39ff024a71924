package sqlite_test

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meterd/meterd/store/sqlite"
)

var update = flag.Bool("update", false, "remake template/meterd.db, the new ledger's template")

// A ledger made from the embedded template is one migrated from nothing:
// the same schema, the same versions recorded, the same file settings and
// rows. With -update the template is remade from such a ledger first.
func TestFreshLedgerTemplate(t *testing.T) {
	migrated := t.TempDir()
	must(t, mustOpen(t, migrated, sqlite.WithoutTemplate()).Close())
	if *update {
		remakeTemplate(t, migrated, sqlite.FileName)
	}
	copied := t.TempDir()
	must(t, mustOpen(t, copied).Close())
	if !bytes.HasPrefix(readFile(t, filepath.Join(copied, sqlite.FileName)), sqlite.FreshLedger()[:100]) {
		t.Fatal("the new ledger was not made from the template")
	}
	record := "SELECT group_concat(version || ':' || name) FROM schema_migrations"
	if got, want := query(t, copied, record), migrationFiles(t); got != want {
		// A stale template is still correct (Open runs the migrations it
		// lacks), but slower: remake it.
		t.Fatalf("template records %s, want %s: run go test ./store/sqlite -run TestFreshLedgerTemplate -update", got, want)
	}
	for _, q := range fileFacts(t, migrated, sqlite.FileName) {
		if got, want := query(t, copied, q), query(t, migrated, q); got != want {
			t.Errorf("%s: from the template %q, migrated %q", q, got, want)
		}
	}
}

// fileFacts are queries whose answers describe a ledger file: its settings,
// schema and how many rows each table holds (schema_migrations is compared
// apart: its applied_at differs).
func fileFacts(t *testing.T, dir, file string) []string {
	t.Helper()
	facts := []string{
		"PRAGMA page_size", "PRAGMA auto_vacuum", "PRAGMA journal_mode", "PRAGMA user_version",
		"PRAGMA application_id", "PRAGMA encoding",
		`SELECT group_concat(type || ' ' || name || ' ON ' || tbl_name || ': ' || coalesce(sql, ''), char(10))
			FROM (SELECT * FROM sqlite_schema ORDER BY type, name)`,
	}
	tables := queryFile(t, dir, file, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name)")
	for _, table := range strings.Split(tables, ",") {
		facts = append(facts, fmt.Sprintf("SELECT count(*) FROM %q", table))
	}
	return facts
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	return data
}

// An audit trail made from its embedded template is one migrated from
// nothing (its version is PRAGMA user_version, among fileFacts). With
// -update the template is remade first.
func TestFreshAuditTemplate(t *testing.T) {
	migrated := t.TempDir()
	trail, err := sqlite.OpenAuditWithoutTemplate(t.Context(), migrated)
	must(t, err)
	must(t, trail.Close())
	if *update {
		remakeTemplate(t, migrated, sqlite.AuditFileName)
	}
	copied := t.TempDir()
	trail, err = sqlite.OpenAudit(t.Context(), copied, nil)
	must(t, err)
	must(t, trail.Close())
	if len(sqlite.FreshAudit()) < 100 || !bytes.HasPrefix(readFile(t, filepath.Join(copied, sqlite.AuditFileName)), sqlite.FreshAudit()[:100]) {
		t.Fatal("the new audit trail was not made from the template")
	}
	for _, q := range fileFacts(t, migrated, sqlite.AuditFileName) {
		if got, want := queryFile(t, copied, sqlite.AuditFileName, q), queryFile(t, migrated, sqlite.AuditFileName, q); got != want {
			t.Errorf("%s: from the template %q, migrated %q (go test ./store/sqlite -run TestFreshAuditTemplate -update remakes it)", q, got, want)
		}
	}
}

// queryFile is query on another file of dir than the ledger's.
func queryFile(t *testing.T, dir, file, q string) string {
	t.Helper()
	raw, err := sql.Open("sqlite", filepath.Join(dir, file))
	must(t, err)
	defer raw.Close()
	var s string
	must(t, raw.QueryRow(q).Scan(&s))
	return s
}

// remakeTemplate copies the file name migrated from nothing in dir over its
// template, and ends the test: the binary embeds the old one until rebuilt.
func remakeTemplate(t *testing.T, dir, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	must(t, err)
	must(t, os.WriteFile(filepath.Join("template", name), data, 0o644))
	t.Skip("template remade: rebuild to embed it")
}
