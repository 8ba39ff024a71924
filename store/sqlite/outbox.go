package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// deliveryColumns reads a delivery with its event; d is deliveries, e
// lifecycle_events.
const deliveryColumns = `SELECT d.id, d.target, d.attempts, d.next_attempt, d.delivered_at,
	e.id, e.action, e.product_code, e.customer_identifier, e.customer_aws_account_id, e.license_arn,
	e.offer_identifier, e.free_trial, e.time
	FROM deliveries d JOIN lifecycle_events e ON e.seq = d.event_seq`

func scanDelivery(r rowScanner) (*meterd.Delivery, error) {
	var (
		d                        meterd.Delivery
		target                   string
		next, delivered, evtTime sql.NullString
		e                        = &d.Event
	)
	err := r.Scan(&d.ID, &target, &d.Attempts, &next, &delivered, &e.ID, &e.Action, &e.ProductCode,
		&e.CustomerIdentifier, &e.CustomerAWSAccountID, &e.LicenseArn, &e.OfferIdentifier, &e.FreeTrial, &evtTime)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(target), &d.Target); err != nil {
		return nil, fmt.Errorf("delivery %d: target: %w", d.ID, err)
	}
	var td timeDecoder
	d.NextAttempt, d.DeliveredAt, e.Time = td.decode(next), td.decode(delivered), td.decode(evtTime)
	if td.err != nil {
		return nil, fmt.Errorf("delivery %d: %w", d.ID, td.err)
	}
	return &d, nil
}

// DueDeliveries returns the oldest undelivered delivery of each (product,
// customer, target) when it is due, soonest first. deliveries_order finds
// each group's oldest.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]meterd.Delivery, error) {
	at, err := encodeTime(now)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due deliveries: %w", err)
	}
	q := deliveryColumns + ` WHERE d.delivered_at IS NULL AND d.next_attempt <= ?
		AND d.id = (SELECT min(o.id) FROM deliveries o WHERE o.delivered_at IS NULL
			AND o.product_code = d.product_code AND o.customer_identifier = d.customer_identifier
			AND o.target = d.target)
		ORDER BY d.next_attempt, d.id LIMIT ?`
	out := []meterd.Delivery{}
	err = listRows(ctx, db, q, func(r rowScanner) error {
		d, err := scanDelivery(r)
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
	where, args := []string{"1 = 1"}, []any{}
	if f.ProductCode != "" {
		where, args = append(where, "d.product_code = ?"), append(args, f.ProductCode)
	}
	if f.CustomerIdentifier != "" {
		where, args = append(where, "d.customer_identifier = ?"), append(args, f.CustomerIdentifier)
	}
	if f.Pending {
		where = append(where, "d.delivered_at IS NULL")
	}
	q := deliveryColumns + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY d.id DESC`
	if f.Limit > 0 {
		q, args = q+` LIMIT ?`, append(args, f.Limit)
	}
	out := []meterd.DeliveryRecord{}
	err := listRows(ctx, db, q, func(r rowScanner) error {
		d, err := scanDelivery(r)
		if err == nil {
			out = append(out, meterd.DeliveryRecord{Delivery: *d})
		}
		return err
	}, args...)
	for i := range out {
		if err != nil {
			break
		}
		out[i].AttemptLog, err = db.attempts(ctx, out[i].ID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list deliveries: %w", err)
	}
	return out, nil
}

func (db *DB) attempts(ctx context.Context, delivery int64) ([]meterd.DeliveryAttempt, error) {
	const q = `SELECT delivery_id, at, latency_ns, status_code, error FROM delivery_attempts
		WHERE delivery_id = ? ORDER BY seq`
	var out []meterd.DeliveryAttempt
	err := listRows(ctx, db, q, func(r rowScanner) error {
		var (
			a  meterd.DeliveryAttempt
			at sql.NullString
			ns int64
		)
		if err := r.Scan(&a.DeliveryID, &at, &ns, &a.StatusCode, &a.Error); err != nil {
			return err
		}
		var td timeDecoder
		a.At, a.Latency = td.decode(at), time.Duration(ns)
		out = append(out, a)
		return td.err
	}, delivery)
	return out, err
}
