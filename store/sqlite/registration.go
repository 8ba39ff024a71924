package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// CreateRegistrationToken stores t; EConflict if the token exists.
func (db *DB) CreateRegistrationToken(ctx context.Context, t *meterd.RegistrationToken) error {
	const q = `INSERT INTO registration_tokens (token, product_code, customer_identifier,
		customer_aws_account_id, license_arn, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`
	var te timeEncoder
	issued, expires := te.encode(t.IssuedAt), te.encode(t.ExpiresAt)
	if te.err != nil {
		return fmt.Errorf("sqlite: create registration token: %w", te.err)
	}
	err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(q, t.Token, t.ProductCode, t.CustomerIdentifier, t.CustomerAWSAccountID,
			t.LicenseArn, issued, expires)
		if isPrimaryKeyViolation(err) {
			return meterd.Errorf(meterd.EConflict, "registration token already exists")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: create registration token: %w", err)
	}
	return nil
}

// FindRegistrationToken returns the stored token, or ENotFound.
func (db *DB) FindRegistrationToken(ctx context.Context, token string) (*meterd.RegistrationToken, error) {
	const q = `SELECT token, product_code, customer_identifier, customer_aws_account_id, license_arn,
		issued_at, expires_at FROM registration_tokens WHERE token = ?`
	var (
		t               meterd.RegistrationToken
		issued, expires sql.NullString
	)
	err := db.readDB.QueryRowContext(ctx, q, token).Scan(&t.Token, &t.ProductCode, &t.CustomerIdentifier,
		&t.CustomerAWSAccountID, &t.LicenseArn, &issued, &expires)
	if err != nil {
		// The token is a credential: keep it out of the message.
		return nil, fmt.Errorf("sqlite: find registration token: %w", notFound(err, "registration token not found"))
	}
	var td timeDecoder
	t.IssuedAt, t.ExpiresAt = td.decode(issued), td.decode(expires)
	if td.err != nil {
		return nil, fmt.Errorf("sqlite: find registration token: %w", td.err)
	}
	return &t, nil
}

// RegisterTask stores r unless the same task is registered, in which case
// it returns the stored registration with existing == true.
func (db *DB) RegisterTask(ctx context.Context, r *meterd.TaskRegistration) (*meterd.TaskRegistration, bool, error) {
	const insert = `INSERT INTO task_registrations (region, product_code, account_id, resource_id, test,
		registered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	registered, err := encodeTime(r.RegisteredAt)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: register task: %w", err)
	}
	var (
		stored   *meterd.TaskRegistration
		existing bool
	)
	err = db.write(ctx, func(tx *writeTx) error {
		n, err := tx.execAffected(insert, r.Region, r.ProductCode, r.AccountID, r.ResourceID, boolInt(r.Test), registered)
		if err != nil || n == 1 {
			return err
		}
		existing = true
		stored, err = scanTask(tx.queryRow(findTaskSQL, r.Region, r.ProductCode, r.AccountID, r.ResourceID))
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: register task: %w", err)
	}
	if !existing {
		copied := *r
		stored = &copied
	}
	return stored, existing, nil
}

const findTaskSQL = `SELECT region, product_code, account_id, resource_id, test, registered_at
	FROM task_registrations WHERE region = ? AND product_code = ? AND account_id = ? AND resource_id = ?`

// FindTaskRegistration returns the registration of the task, or ENotFound.
func (db *DB) FindTaskRegistration(ctx context.Context, region, productCode, accountID, resourceID string) (*meterd.TaskRegistration, error) {
	t, err := scanTask(db.readDB.QueryRowContext(ctx, findTaskSQL, region, productCode, accountID, resourceID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find task registration: %w", notFound(err,
			"task %q of account %q for product %q in %s not registered", resourceID, accountID, productCode, region))
	}
	return t, nil
}

func scanTask(row rowScanner) (*meterd.TaskRegistration, error) {
	var (
		t          meterd.TaskRegistration
		registered sql.NullString
	)
	if err := row.Scan(&t.Region, &t.ProductCode, &t.AccountID, &t.ResourceID, &t.Test, &registered); err != nil {
		return nil, err
	}
	var err error
	t.RegisteredAt, err = decodeTime(registered)
	return &t, err
}

// SigningKeys returns every signing key ordered by version.
func (db *DB) SigningKeys(ctx context.Context) ([]*meterd.SigningKey, error) {
	const q = `SELECT version, private_key_pem, created_at, rotated_at FROM signing_keys ORDER BY version`
	rows, err := db.readDB.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: signing keys: %w", err)
	}
	defer rows.Close()
	keys := []*meterd.SigningKey{}
	for rows.Next() {
		var (
			k                meterd.SigningKey
			created, rotated sql.NullString
		)
		if err := rows.Scan(&k.Version, &k.PrivateKeyPEM, &created, &rotated); err != nil {
			return nil, fmt.Errorf("sqlite: signing keys: %w", err)
		}
		var td timeDecoder
		k.CreatedAt, k.RotatedAt = td.decode(created), td.decode(rotated)
		if td.err != nil {
			return nil, fmt.Errorf("sqlite: signing key %d: %w", k.Version, td.err)
		}
		keys = append(keys, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: signing keys: %w", err)
	}
	return keys, nil
}

// CreateSigningKey inserts k; EConflict when the version exists.
func (db *DB) CreateSigningKey(ctx context.Context, k *meterd.SigningKey) error {
	const q = `INSERT INTO signing_keys (version, private_key_pem, created_at, rotated_at) VALUES (?, ?, ?, ?)`
	var te timeEncoder
	created, rotated := te.encode(k.CreatedAt), te.encode(k.RotatedAt)
	if te.err != nil {
		return fmt.Errorf("sqlite: create signing key: %w", te.err)
	}
	err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(q, k.Version, backend.NonNil(k.PrivateKeyPEM), created, rotated)
		if isPrimaryKeyViolation(err) {
			return meterd.Errorf(meterd.EConflict, "signing key version %d already exists", k.Version)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: create signing key: %w", err)
	}
	return nil
}

// UpdateSigningKey replaces the key with k.Version; ENotFound if absent.
func (db *DB) UpdateSigningKey(ctx context.Context, k *meterd.SigningKey) error {
	const q = `UPDATE signing_keys SET private_key_pem = ?, created_at = ?, rotated_at = ? WHERE version = ?`
	var te timeEncoder
	created, rotated := te.encode(k.CreatedAt), te.encode(k.RotatedAt)
	if te.err != nil {
		return fmt.Errorf("sqlite: update signing key: %w", te.err)
	}
	err := db.write(ctx, func(tx *writeTx) error {
		n, err := tx.execAffected(q, backend.NonNil(k.PrivateKeyPEM), created, rotated, k.Version)
		if err == nil && n == 0 {
			return meterd.Errorf(meterd.ENotFound, "signing key version %d not found", k.Version)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: update signing key: %w", err)
	}
	return nil
}
