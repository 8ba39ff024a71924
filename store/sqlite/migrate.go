package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"

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

// migrationTarget is a SQLite file as migrate.Run sees it. No lock is held
// around the run: each migration takes the write lock itself (BEGIN
// IMMEDIATE) before checking its record.
type migrationTarget struct{ conn *sql.Conn }

func (t migrationTarget) Applied(ctx context.Context) ([]int, error) {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`
	if _, err := t.conn.ExecContext(ctx, create); err != nil {
		return nil, err
	}
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

// Apply runs m unless it is recorded. BEGIN IMMEDIATE takes the write lock
// before the check, so two processes opening the same file cannot both
// apply it.
func (t migrationTarget) Apply(ctx context.Context, m migrate.Migration) (applied bool, err error) {
	conn := t.conn
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return false, err
	}
	defer func() {
		if err != nil || !applied {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	const record = `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
	if _, err := conn.ExecContext(ctx, record, m.Version, m.Name); err != nil {
		return false, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return false, err
	}
	return true, nil
}
