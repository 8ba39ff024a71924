package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var _ meterd.SubscriptionWriter = (*DB)(nil)

func (w *catalogWriter) InsertToken(t *meterd.RegistrationToken) error {
	return insertToken(w.ctx, w.tx, t)
}

func (w *catalogWriter) InsertLifecycleEvent(e *meterd.LifecycleEvent) error {
	return insertLifecycleEvent(w.ctx, w.tx, e)
}

// insertLifecycleEvent stores e and one delivery per notification target
// of its product, in the targets' order, due at e.Time. json (not jsonb)
// keeps each target's text as stored.
func insertLifecycleEvent(ctx context.Context, tx pgx.Tx, e *meterd.LifecycleEvent) error {
	const q = `INSERT INTO lifecycle_events (id, action, product_code, customer_identifier,
		customer_aws_account_id, license_arn, offer_identifier, free_trial, time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`
	at, err := encodeTime(e.Time)
	if err != nil {
		return err
	}
	var seq int64
	err = tx.QueryRow(ctx, q, e.ID, string(e.Action), e.ProductCode, e.CustomerIdentifier, e.CustomerAWSAccountID,
		e.LicenseArn, e.OfferIdentifier, e.FreeTrial, at).Scan(&seq)
	if err != nil {
		return fmt.Errorf("insert lifecycle event: %w", err)
	}
	const deliveries = `INSERT INTO deliveries (event_seq, product_code, customer_identifier, target, next_attempt)
		SELECT $1, p.code, $2, t.value::text, $3
		FROM products p, json_array_elements(p.notification_targets::json) WITH ORDINALITY AS t (value, n)
		WHERE p.code = $4 ORDER BY t.n`
	if _, err := tx.Exec(ctx, deliveries, seq, e.CustomerIdentifier, at, e.ProductCode); err != nil {
		return fmt.Errorf("insert deliveries: %w", err)
	}
	return nil
}

// DueUnsubscribes returns pending unsubscribes due at now, earliest first.
func (db *DB) DueUnsubscribes(ctx context.Context, now time.Time, limit int) ([]*meterd.Subscription, error) {
	subs, err := backend.DueUnsubscribes(dialect{}, rowsOn(ctx, db.pool), now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due unsubscribes: %w", err)
	}
	return subs, nil
}
