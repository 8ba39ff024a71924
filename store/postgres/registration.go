package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// These writes are rare, one statement each, and run on their own
// connection from the pool rather than in the group commit: they need no
// ordering with RecordUsage, and a unique key keeps each exact across nodes.

// CreateRegistrationToken stores t; EConflict if the token exists.
func (db *DB) CreateRegistrationToken(ctx context.Context, t *meterd.RegistrationToken) error {
	if err := insertToken(ctx, db.pool, t); err != nil {
		return fmt.Errorf("postgres: create registration token: %w", err)
	}
	return nil
}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// insertToken stores t through e; EConflict if the token exists.
func insertToken(ctx context.Context, e execer, t *meterd.RegistrationToken) error {
	const q = `INSERT INTO registration_tokens (token, product_code, customer_identifier,
		customer_aws_account_id, license_arn, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	var te timeEncoder
	issued, expires := te.encode(t.IssuedAt), te.encode(t.ExpiresAt)
	if te.err != nil {
		return te.err
	}
	_, err := e.Exec(ctx, q, t.Token, t.ProductCode, t.CustomerIdentifier, t.CustomerAWSAccountID,
		t.LicenseArn, issued, expires)
	if sqlState(err) == codeUniqueViolation {
		return meterd.Errorf(meterd.EConflict, "registration token already exists")
	}
	return err
}

// FindRegistrationToken returns the stored token, or ENotFound.
func (db *DB) FindRegistrationToken(ctx context.Context, token string) (*meterd.RegistrationToken, error) {
	const q = `SELECT token, product_code, customer_identifier, customer_aws_account_id, license_arn,
		issued_at, expires_at FROM registration_tokens WHERE token = $1`
	var (
		t               meterd.RegistrationToken
		issued, expires *int64
	)
	err := db.pool.QueryRow(ctx, q, token).Scan(&t.Token, &t.ProductCode, &t.CustomerIdentifier,
		&t.CustomerAWSAccountID, &t.LicenseArn, &issued, &expires)
	if err != nil {
		// The token is a credential: keep it out of the message.
		return nil, fmt.Errorf("postgres: find registration token: %w", notFound(err, "registration token not found"))
	}
	t.IssuedAt, t.ExpiresAt = decodeTime(issued), decodeTime(expires)
	return &t, nil
}

const findTaskSQL = `SELECT region, product_code, account_id, resource_id, test, registered_at
	FROM task_registrations WHERE region = $1 AND product_code = $2 AND account_id = $3 AND resource_id = $4`

// RegisterTask stores r unless the same task is registered, in which case
// it returns the stored registration with existing == true. Two nodes
// registering the same task at once store one: the second insert waits for
// the first and then does nothing.
func (db *DB) RegisterTask(ctx context.Context, r *meterd.TaskRegistration) (*meterd.TaskRegistration, bool, error) {
	const insert = `INSERT INTO task_registrations (region, product_code, account_id, resource_id, test,
		registered_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`
	registered, err := encodeTime(r.RegisteredAt)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: register task: %w", err)
	}
	tag, err := db.pool.Exec(ctx, insert, r.Region, r.ProductCode, r.AccountID, r.ResourceID, r.Test, registered)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: register task: %w", err)
	}
	if tag.RowsAffected() == 1 {
		copied := *r
		return &copied, false, nil
	}
	stored, err := scanTask(db.pool.QueryRow(ctx, findTaskSQL, r.Region, r.ProductCode, r.AccountID, r.ResourceID))
	if err != nil {
		return nil, false, fmt.Errorf("postgres: register task: %w", err)
	}
	return stored, true, nil
}

// FindTaskRegistration returns the registration of the task, or ENotFound.
func (db *DB) FindTaskRegistration(ctx context.Context, region, productCode, accountID, resourceID string) (*meterd.TaskRegistration, error) {
	t, err := scanTask(db.pool.QueryRow(ctx, findTaskSQL, region, productCode, accountID, resourceID))
	if err != nil {
		return nil, fmt.Errorf("postgres: find task registration: %w", notFound(err,
			"task %q of account %q for product %q in %s not registered", resourceID, accountID, productCode, region))
	}
	return t, nil
}

func scanTask(row pgx.Row) (*meterd.TaskRegistration, error) {
	var (
		t          meterd.TaskRegistration
		registered *int64
	)
	if err := row.Scan(&t.Region, &t.ProductCode, &t.AccountID, &t.ResourceID, &t.Test, &registered); err != nil {
		return nil, err
	}
	t.RegisteredAt = decodeTime(registered)
	return &t, nil
}

// SigningKeys returns every signing key ordered by version. Every node
// reads the same keys, so a RegisterUsage signature from any node verifies
// with the public keys any node serves.
func (db *DB) SigningKeys(ctx context.Context) ([]*meterd.SigningKey, error) {
	const q = `SELECT version, private_key_pem, created_at, rotated_at FROM signing_keys ORDER BY version`
	rows, err := db.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: signing keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*meterd.SigningKey, error) {
		var (
			k                meterd.SigningKey
			created, rotated *int64
		)
		if err := r.Scan(&k.Version, &k.PrivateKeyPEM, &created, &rotated); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RotatedAt = decodeTime(created), decodeTime(rotated)
		return &k, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: signing keys: %w", err)
	}
	if keys == nil {
		keys = []*meterd.SigningKey{}
	}
	return keys, nil
}

// CreateSigningKey inserts k; EConflict when the version exists (another
// node made it first: the caller reads the keys again).
func (db *DB) CreateSigningKey(ctx context.Context, k *meterd.SigningKey) error {
	const q = `INSERT INTO signing_keys (version, private_key_pem, created_at, rotated_at) VALUES ($1, $2, $3, $4)`
	var te timeEncoder
	created, rotated := te.encode(k.CreatedAt), te.encode(k.RotatedAt)
	if te.err != nil {
		return fmt.Errorf("postgres: create signing key: %w", te.err)
	}
	_, err := db.pool.Exec(ctx, q, k.Version, backend.NonNil(k.PrivateKeyPEM), created, rotated)
	if sqlState(err) == codeUniqueViolation {
		return meterd.Errorf(meterd.EConflict, "signing key version %d already exists", k.Version)
	}
	if err != nil {
		return fmt.Errorf("postgres: create signing key: %w", err)
	}
	return nil
}

// UpdateSigningKey replaces the key with k.Version; ENotFound if absent.
func (db *DB) UpdateSigningKey(ctx context.Context, k *meterd.SigningKey) error {
	const q = `UPDATE signing_keys SET private_key_pem = $1, created_at = $2, rotated_at = $3 WHERE version = $4`
	var te timeEncoder
	created, rotated := te.encode(k.CreatedAt), te.encode(k.RotatedAt)
	if te.err != nil {
		return fmt.Errorf("postgres: update signing key: %w", te.err)
	}
	tag, err := db.pool.Exec(ctx, q, backend.NonNil(k.PrivateKeyPEM), created, rotated, k.Version)
	if err != nil {
		return fmt.Errorf("postgres: update signing key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return meterd.Errorf(meterd.ENotFound, "signing key version %d not found", k.Version)
	}
	return nil
}

// ResetLedger empties the ledger's tables in one transaction of the group
// commit, so that no RecordUsage of this node interleaves with it. It
// counts only the remembered client tokens, as SQLite does (a record's own
// token goes with its record).
func (db *DB) ResetLedger(ctx context.Context) (meterd.LedgerReset, error) {
	var out meterd.LedgerReset
	err := db.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		steps := []struct {
			q string
			n *int64
		}{
			{"DELETE FROM client_tokens WHERE remembered", &out.ClientTokens},
			{"DELETE FROM client_tokens", nil},
			{"DELETE FROM metering_records", &out.MeteringRecords},
			{"DELETE FROM usage_rollup", nil},
			{"DELETE FROM usage_totals", nil},
			{"DELETE FROM registration_tokens", &out.RegistrationTokens},
			{"DELETE FROM task_registrations", &out.TaskRegistrations},
			// The outbox, children first (attempts reference deliveries,
			// deliveries reference events).
			{"DELETE FROM delivery_attempts", &out.DeliveryAttempts},
			{"DELETE FROM deliveries", &out.Deliveries},
			{"DELETE FROM lifecycle_events", &out.LifecycleEvents},
		}
		for _, s := range steps {
			tag, err := tx.Exec(ctx, s.q)
			if err != nil {
				return err
			}
			if s.n != nil {
				*s.n = tag.RowsAffected()
			}
		}
		return nil
	})
	if err != nil {
		return meterd.LedgerReset{}, fmt.Errorf("postgres: reset ledger: %w", err)
	}
	return out, nil
}
