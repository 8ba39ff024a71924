package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"slices"

	"github.com/meterd/meterd/store/migrate"
)

// migrationFS holds the schema as numbered files, NNNN_name.sql; the
// PostgreSQL backend keeps its own SQL under the same numbers.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateSchema applies every migration not yet recorded in
// schema_migrations (see migrate.Run). upTo > 0 stops after that version.
func migrateSchema(ctx context.Context, conn *sql.Conn, logger *slog.Logger, upTo int) error {
	ms, err := migrate.Load(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return migrate.Run(ctx, migrationTarget{conn}, ms, upTo, logger, "sqlite")
}

// migrationTarget is a SQLite file as migrate.Run sees it: a BatchTarget,
// so that a new ledger gets its whole schema in one transaction and one
// fsync (eleven commits took about 25 ms of a cold start). No lock is held
// around the run: the transaction takes the write lock itself (BEGIN
// IMMEDIATE) before checking the records.
type migrationTarget struct{ conn *sql.Conn }

var _ migrate.BatchTarget = migrationTarget{}

// createRecord makes the table of applied versions. It runs inside
// ApplyAll's transaction: on its own it would be one more commit, and one
// more fsync, for every new ledger.
const createRecord = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
) STRICT`

// Applied lists the recorded versions: none before the record table
// exists.
func (t migrationTarget) Applied(ctx context.Context) ([]int, error) {
	var tables int
	const exists = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
	if err := t.conn.QueryRowContext(ctx, exists).Scan(&tables); err != nil || tables == 0 {
		return nil, err
	}
	return t.recorded(ctx)
}

func (t migrationTarget) recorded(ctx context.Context) ([]int, error) {
	rows, err := t.conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var versions []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		versions = append(versions, v)
	}
	return versions, rows.Err()
}

// Apply runs m unless it is recorded.
func (t migrationTarget) Apply(ctx context.Context, m migrate.Migration) (bool, error) {
	applied, err := t.ApplyAll(ctx, []migrate.Migration{m})
	return len(applied) > 0, err
}

// ApplyAll runs the migrations of ms not recorded, in one transaction.
// BEGIN IMMEDIATE takes the write lock before the check, so two processes
// opening the same file cannot both apply one.
func (t migrationTarget) ApplyAll(ctx context.Context, ms []migrate.Migration) (applied []migrate.Migration, err error) {
	conn := t.conn
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil || len(applied) == 0 {
			applied = nil
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, createRecord); err != nil {
		return nil, err
	}
	versions, err := t.recorded(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if slices.Contains(versions, m.Version) {
			continue
		}
		if err := t.run(ctx, m); err != nil {
			return nil, fmt.Errorf("%04d_%s: %w", m.Version, m.Name, err)
		}
		applied = append(applied, m)
	}
	if len(applied) == 0 {
		return nil, nil
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	return applied, nil
}

// run executes m's SQL and records it, inside ApplyAll's transaction.
func (t migrationTarget) run(ctx context.Context, m migrate.Migration) error {
	if _, err := t.conn.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	const record = `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
	_, err := t.conn.ExecContext(ctx, record, m.Version, m.Name)
	return err
}
