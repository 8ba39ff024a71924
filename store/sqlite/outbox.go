package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// DueDeliveries returns the oldest undelivered delivery of each (product,
// customer, target) when it is due, soonest first. deliveries_order finds
// each group's oldest.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]meterd.Delivery, error) {
	at, err := encodeTime(now)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due deliveries: %w", err)
	}
	q := backend.DeliveryColumns + ` WHERE d.delivered_at IS NULL AND d.next_attempt <= ?
		AND d.id = (SELECT min(o.id) FROM deliveries o WHERE o.delivered_at IS NULL
			AND o.product_code = d.product_code AND o.customer_identifier = d.customer_identifier
			AND o.target = d.target)
		ORDER BY d.next_attempt, d.id LIMIT ?`
	out := []meterd.Delivery{}
	err = listRows(ctx, db, q, func(r rowScanner) error {
		d, err := backend.ScanDelivery(dialect{}, r)
		if err == nil {
			out = append(out, *d)
		}
		return err
	}, at, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due deliveries: %w", err)
	}
	return out, nil
}

// RecordAttempt stores a and updates its delivery in one operation:
// delivered when a.Error is "", else due again at next.
func (db *DB) RecordAttempt(ctx context.Context, a meterd.DeliveryAttempt, next time.Time) error {
	var te timeEncoder
	at, nextAt := te.encode(a.At), te.encode(next)
	if te.err != nil {
		return fmt.Errorf("sqlite: record attempt: %w", te.err)
	}
	err := db.write(ctx, func(tx *writeTx) error {
		const attempt = `INSERT INTO delivery_attempts (delivery_id, at, latency_ns, status_code, error)
			VALUES (?, ?, ?, ?, ?)`
		if _, err := tx.exec(attempt, a.DeliveryID, at, int64(a.Latency), a.StatusCode, a.Error); err != nil {
			if isForeignKeyViolation(err) {
				return meterd.Errorf(meterd.ENotFound, "delivery %d does not exist", a.DeliveryID)
			}
			return err
		}
		update := `UPDATE deliveries SET attempts = attempts + 1, next_attempt = ? WHERE id = ?`
		args := []any{nextAt, a.DeliveryID}
		if a.Error == "" {
			update = `UPDATE deliveries SET attempts = attempts + 1, delivered_at = ? WHERE id = ?`
			args[0] = at
		}
		_, err := tx.exec(update, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: record attempt: %w", err)
	}
	return nil
}

// ListDeliveries returns the deliveries f selects, newest first, each with
// its attempts, oldest first.
func (db *DB) ListDeliveries(ctx context.Context, f meterd.DeliveryFilter) ([]meterd.DeliveryRecord, error) {
	out, err := backend.ListDeliveries(dialect{}, db.rows(ctx), f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list deliveries: %w", err)
	}
	return out, nil
}
