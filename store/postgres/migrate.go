package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meterd/meterd/store/migrate"
)

// migrationFS holds the ledger's schema under the numbers of
// store/sqlite/migrations: version N is the same change on both backends.
// A migration added to SQLite gets its twin here under the same number.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// auditMigrationFS is the audit trail's schema, numbered apart as SQLite
// keeps the trail in a file apart.
//
//go:embed audit_migrations/*.sql
var auditMigrationFS embed.FS

// migrationLock is the pg_advisory_lock key every meterd holds while it
// migrates: nodes starting together take turns, and each finds the
// versions the one before applied.
const migrationLock = 0x6d65746572640001 // "meterd" 1

func (db *DB) migrate(ctx context.Context) error {
	ledger, err := migrate.Load(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	audit, err := migrate.Load(auditMigrationFS, "audit_migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate audit: %w", err)
	}
	return withMigrationLock(ctx, db.pool, func(conn *pgx.Conn) error {
		if err := migrate.Run(ctx, migrationTarget{conn, "schema_migrations"}, ledger, db.schemaVersion, db.logger, "postgres"); err != nil {
			return err
		}
		return migrate.Run(ctx, migrationTarget{conn, "audit_schema_migrations"}, audit, 0, db.logger, "postgres audit")
	})
}

// withMigrationLock runs f on one connection holding the migration lock.
func withMigrationLock(ctx context.Context, pool *pgxpool.Pool, f func(*pgx.Conn) error) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", int64(migrationLock)); uerr != nil {
			conn.Conn().Close(context.Background()) // a session lock ends with its session
			err = errors.Join(err, fmt.Errorf("migrate: unlock: %w", uerr))
		}
	}()
	return f(conn.Conn())
}

// migrationTarget is one record table (schema_migrations, or the audit
// trail's) as migrate.Run sees it.
type migrationTarget struct {
	conn  *pgx.Conn
	table string
}

func (t migrationTarget) Applied(ctx context.Context) ([]int, error) {
	create := `CREATE TABLE IF NOT EXISTS ` + t.table + ` (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`
	if _, err := t.conn.Exec(ctx, create); err != nil {
		return nil, err
	}
	rows, err := t.conn.Query(ctx, "SELECT version FROM "+t.table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// Apply runs m and records it in one transaction. The advisory lock keeps
// other nodes out; the record's primary key would fail a second apply on
// an engine without the lock.
func (t migrationTarget) Apply(ctx context.Context, m migrate.Migration) (bool, error) {
	tx, err := t.conn.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.Background())
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+t.table+" WHERE version = $1", m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil { // no arguments: the simple protocol runs every statement
		return false, err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+t.table+" (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}
