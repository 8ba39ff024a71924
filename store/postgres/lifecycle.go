package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
)

var _ meterd.SubscriptionWriter = (*DB)(nil)

// ChangeSubscription runs fn on the stored subscription, locked for the
// transaction, and writes what it returns (subscription, token, event and
// its deliveries) in that one transaction, so that a change is announced
// exactly when it happens and two nodes changing one subscription take
// turns. fn may run again when the transaction is retried.
func (db *DB) ChangeSubscription(ctx context.Context, licenseArn string, fn meterd.SubscriptionUpdater) (*meterd.SubscriptionChange, error) {
	var out *meterd.SubscriptionChange
	err := db.catalogTx(ctx, func(tx pgx.Tx) error {
		old, err := scanSubscriptionRow(tx.QueryRow(ctx, subscriptionColumns+` WHERE license_arn = $1 FOR UPDATE`, licenseArn))
		if errors.Is(err, pgx.ErrNoRows) || sqlState(err) == codeInvalidText {
			old, err = nil, nil
		}
		if err != nil {
			return err
		}
		ch, err := fn(old)
		if err != nil {
			return err
		}
		out = ch
		return writeChange(ctx, tx, ch)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: change subscription %q: %w", licenseArn, err)
	}
	return out, nil
}

// writeChange stores ch within tx.
func writeChange(ctx context.Context, tx pgx.Tx, ch *meterd.SubscriptionChange) error {
	if ch.Subscription != nil {
		s := *ch.Subscription
		s.Origin = meterd.OriginAdmin
		c := &meterd.Catalog{Subscriptions: []*meterd.Subscription{&s}}
		if err := subscriptionsTable.upsertRange(ctx, tx, c, 0, 1); err != nil {
			return err
		}
	}
	if ch.Token != nil {
		if err := insertToken(ctx, tx, ch.Token); err != nil {
			return err
		}
	}
	if ch.Event != nil {
		return insertLifecycleEvent(ctx, tx, ch.Event)
	}
	return nil
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
	at, err := encodeTime(now)
	if err != nil {
		return nil, fmt.Errorf("postgres: due unsubscribes: %w", err)
	}
	q := subscriptionColumns + ` WHERE unsubscribe_at IS NOT NULL AND unsubscribe_at <= $1 AND status = $2
		ORDER BY unsubscribe_at, license_arn LIMIT $3`
	var subs []*meterd.Subscription
	err = listRows(ctx, db.pool, q, func(r pgx.Row) error {
		s, err := scanSubscriptionRow(r)
		subs = append(subs, s)
		return err
	}, at, string(meterd.SubscriptionUnsubscribePending), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due unsubscribes: %w", err)
	}
	return subs, nil
}
