package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/meterd/meterd"
)

// EnsureSecret returns the secret named name, storing value first if there
// is none, in one operation of the writer.
func (db *DB) EnsureSecret(ctx context.Context, name string, value []byte) ([]byte, error) {
	if len(value) == 0 {
		return nil, errors.New("sqlite: ensure secret: empty value")
	}
	var stored []byte
	// Rerunnable: a run assigns stored anew.
	err := db.writeRerunnable(ctx, func(tx *writeTx) error {
		if _, err := tx.exec(`INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, value); err != nil {
			return err
		}
		return tx.queryRow(`SELECT value FROM secrets WHERE name = ?`, name).Scan(&stored)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: ensure secret %q: %w", name, err)
	}
	return stored, nil
}

var _ meterd.SecretStore = (*DB)(nil)
