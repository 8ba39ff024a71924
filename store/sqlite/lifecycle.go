package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

func (w *catalogWriter) InsertToken(t *meterd.RegistrationToken) error { return insertToken(w.tx, t) }

func (w *catalogWriter) InsertLifecycleEvent(e *meterd.LifecycleEvent) error {
	return insertLifecycleEvent(w.tx, e)
}

func insertToken(tx *writeTx, t *meterd.RegistrationToken) error {
	const q = `INSERT INTO registration_tokens (token, product_code, customer_identifier,
		customer_aws_account_id, license_arn, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`
	var te timeEncoder
	issued, expires := te.encode(t.IssuedAt), te.encode(t.ExpiresAt)
	if te.err != nil {
		return te.err
	}
	_, err := tx.exec(q, t.Token, t.ProductCode, t.CustomerIdentifier, t.CustomerAWSAccountID, t.LicenseArn, issued, expires)
	if isPrimaryKeyViolation(err) {
		return meterd.Errorf(meterd.EConflict, "registration token already exists")
	}
	return err
}

// insertLifecycleEvent stores e and one delivery per notification target of its
// product, due at e.Time.
func insertLifecycleEvent(tx *writeTx, e *meterd.LifecycleEvent) error {
	const q = `INSERT INTO lifecycle_events (id, action, product_code, customer_identifier,
		customer_aws_account_id, license_arn, offer_identifier, free_trial, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	at, err := encodeTime(e.Time)
	if err != nil {
		return err
	}
	res, err := tx.exec(q, e.ID, string(e.Action), e.ProductCode, e.CustomerIdentifier, e.CustomerAWSAccountID,
		e.LicenseArn, e.OfferIdentifier, boolInt(e.FreeTrial), at)
	if err != nil {
		return fmt.Errorf("insert lifecycle event: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return err
	}
	// Each target's JSON is its own text, so that json_each gives back
	// exactly what encodeJSON made (deliveries compare it for the order).
	const deliveries = `INSERT INTO deliveries (event_seq, product_code, customer_identifier, target, next_attempt)
		SELECT ?, code, ?, json(value), ? FROM products, json_each(products.notification_targets)
		WHERE code = ? ORDER BY key`
	_, err = tx.exec(deliveries, seq, e.CustomerIdentifier, at, e.ProductCode)
	if err != nil {
		return fmt.Errorf("insert deliveries: %w", err)
	}
	return nil
}

// DueUnsubscribes returns pending unsubscribes due at now, earliest first.
func (db *DB) DueUnsubscribes(ctx context.Context, now time.Time, limit int) ([]*meterd.Subscription, error) {
	subs, err := backend.DueUnsubscribes(dialect{}, db.rows(ctx), now, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due unsubscribes: %w", err)
	}
	return subs, nil
}
