package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
)

// EnsureSecret returns the secret named name, storing value first if there
// is none. Nodes starting together race on the primary key: the loser's
// insert does nothing, and both read the winner's value.
func (db *DB) EnsureSecret(ctx context.Context, name string, value []byte) ([]byte, error) {
	if len(value) == 0 {
		return nil, errors.New("postgres: ensure secret: empty value")
	}
	const q = `WITH ins AS (
			INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value)
		SELECT value FROM ins UNION ALL SELECT value FROM secrets WHERE name = $1`
	var stored []byte
	err := db.pool.QueryRow(ctx, q, name, value).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		// The winner committed after this statement's snapshot was taken:
		// its row made the insert do nothing but is visible only now.
		err = db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&stored)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: ensure secret %q: %w", name, err)
	}
	return stored, nil
}

var _ meterd.SecretStore = (*DB)(nil)
