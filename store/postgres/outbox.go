package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var _ meterd.Outbox = (*DB)(nil)

// deliveryLease is how long a node holds the deliveries DueDeliveries
// handed it before another node may take them: longer than a delivery
// attempt (the notifier's timeout), so that a node that died mid-attempt
// delays its deliveries by at most this. Measured on the database's clock,
// so nodes' clocks need not agree.
const deliveryLease = "2 minutes"

// DueDeliveries returns the oldest undelivered delivery of each (product,
// customer, target) when it is due, soonest first, and leases them to this
// node: in one transaction it locks the due rows with FOR UPDATE SKIP
// LOCKED (a node claiming at the same moment skips them rather than waits)
// and marks them leased by this DB until deliveryLease from now. Other
// nodes skip a leased delivery until RecordAttempt ends the lease or it
// expires; this node gets its own leased deliveries again, so a caller
// that asks twice before recording sees the same answer, as on SQLite.
// A group's later deliveries wait behind its leased oldest one, so the
// order per target holds across nodes.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]meterd.Delivery, error) {
	if db.isClosed() {
		return nil, ErrClosed
	}
	at, err := encodeTime(now)
	if err != nil {
		return nil, fmt.Errorf("postgres: due deliveries: %w", err)
	}
	const claim = `SELECT d.id FROM deliveries d WHERE d.delivered_at IS NULL AND d.next_attempt <= $1
		AND (d.lease_owner IS NULL OR d.lease_owner = $2 OR d.leased_until < now())
		AND d.id = (SELECT min(o.id) FROM deliveries o WHERE o.delivered_at IS NULL
			AND o.product_code = d.product_code AND o.customer_identifier = d.customer_identifier
			AND o.target = d.target)
		ORDER BY d.next_attempt, d.id LIMIT $3
		FOR UPDATE OF d SKIP LOCKED`
	out := []meterd.Delivery{}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, claim, at, db.owner, limit)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE deliveries SET lease_owner = $1, leased_until = now() + interval '`+
			deliveryLease+`' WHERE id = ANY ($2)`, db.owner, ids)
		if err != nil {
			return err
		}
		return listRows(ctx, tx, backend.DeliveryColumns+` WHERE d.id = ANY ($1) ORDER BY d.next_attempt, d.id`,
			func(r pgx.Row) error {
				d, err := backend.ScanDelivery(dialect{}, r)
				if err == nil {
					out = append(out, *d)
				}
				return err
			}, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: due deliveries: %w", err)
	}
	return out, nil
}

// RecordAttempt stores a and updates its delivery in one transaction:
// delivered when a.Error is "", else due again at next; either way the
// lease ends.
func (db *DB) RecordAttempt(ctx context.Context, a meterd.DeliveryAttempt, next time.Time) error {
	if db.isClosed() {
		return ErrClosed
	}
	var te timeEncoder
	at, nextAt := te.encode(a.At), te.encode(next)
	if te.err != nil {
		return fmt.Errorf("postgres: record attempt: %w", te.err)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		const attempt = `INSERT INTO delivery_attempts (delivery_id, at, latency_ns, status_code, error)
			VALUES ($1, $2, $3, $4, $5)`
		if _, err := tx.Exec(ctx, attempt, a.DeliveryID, at, int64(a.Latency), a.StatusCode, a.Error); err != nil {
			if sqlState(err) == codeForeignKeyViolation {
				return meterd.Errorf(meterd.ENotFound, "delivery %d does not exist", a.DeliveryID)
			}
			return err
		}
		update := `UPDATE deliveries SET attempts = attempts + 1, next_attempt = $1,
			lease_owner = NULL, leased_until = NULL WHERE id = $2`
		args := []any{nextAt, a.DeliveryID}
		if a.Error == "" {
			update = `UPDATE deliveries SET attempts = attempts + 1, delivered_at = $1,
				lease_owner = NULL, leased_until = NULL WHERE id = $2`
			args[0] = at
		}
		_, err := tx.Exec(ctx, update, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: record attempt: %w", err)
	}
	return nil
}

// ListDeliveries returns the deliveries f selects, newest first, each with
// its attempts, oldest first.
func (db *DB) ListDeliveries(ctx context.Context, f meterd.DeliveryFilter) ([]meterd.DeliveryRecord, error) {
	if db.isClosed() {
		return nil, ErrClosed
	}
	out, err := backend.ListDeliveries(dialect{}, rowsOn(ctx, db.pool), f)
	if err != nil {
		return nil, fmt.Errorf("postgres: list deliveries: %w", err)
	}
	return out, nil
}
