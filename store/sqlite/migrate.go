package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/meterd/meterd"
)

// migrationFS holds the schema as numbered files, NNNN_name.sql. A later
// PostgreSQL backend keeps its own SQL under the same numbers.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in order and checks that
// they are numbered 1, 2, 3... without gaps or duplicates.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		m, err := parseMigration(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %d %q: want version %d", m.version, m.name, i+1)
		}
	}
	return ms, nil
}

func parseMigration(file string) (migration, error) {
	base := strings.TrimSuffix(path.Base(file), ".sql")
	num, name, ok := strings.Cut(base, "_")
	version, err := strconv.Atoi(num)
	if !ok || err != nil || version <= 0 {
		return migration{}, fmt.Errorf("migration file %q: want NNNN_name.sql", file)
	}
	body, err := migrationFS.ReadFile(file)
	if err != nil {
		return migration{}, err
	}
	return migration{version: version, name: name, sql: string(body)}, nil
}

// migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction together with its record, so a crash leaves
// the schema at a whole version. upTo > 0 stops after that version (tests
// make the data directories of earlier builds with it).
func migrate(ctx context.Context, conn *sql.Conn, logger *slog.Logger, upTo int) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if upTo > 0 && upTo < len(ms) {
		ms = ms[:upTo]
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := checkSchemaNotNewer(ctx, conn, len(ms)); err != nil {
		return err
	}
	for _, m := range ms {
		applied, err := applyMigration(ctx, conn, m)
		if err != nil {
			return fmt.Errorf("migrate %04d_%s: %w", m.version, m.name, err)
		}
		if applied {
			logger.Info("sqlite migration applied", meterd.LogKeyMigrationVersion, m.version, meterd.LogKeyMigration, m.name)
		}
	}
	return nil
}

// checkSchemaNotNewer refuses a database written by a newer build, whose
// schema this code does not know.
func checkSchemaNotNewer(ctx context.Context, conn *sql.Conn, known int) error {
	var newest sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&newest); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if newest.Valid && int(newest.Int64) > known {
		return fmt.Errorf("migrate: database schema version %d is newer than this build's %d", newest.Int64, known)
	}
	return nil
}

// applyMigration runs m unless it is recorded. BEGIN IMMEDIATE takes the
// write lock before the check, so two processes opening the same file
// cannot both apply it.
func applyMigration(ctx context.Context, conn *sql.Conn, m migration) (applied bool, err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return false, err
	}
	defer func() {
		if err != nil || !applied {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := conn.ExecContext(ctx, m.sql); err != nil {
		return false, err
	}
	const record = `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
	if _, err := conn.ExecContext(ctx, record, m.version, m.name); err != nil {
		return false, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return false, err
	}
	return true, nil
}
