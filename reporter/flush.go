package reporter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// heartbeatMeta is the meta key of the first hour without heartbeats yet.
const heartbeatMeta = "heartbeat_from"

// Flush seals the hours that are due and sends every unanswered batch. It
// returns the first error that stopped sending (a throttle, a network
// error); what was not sent stays in the spool for the next Flush.
func (r *Reporter) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if err := r.seal(ctx); err != nil {
		return fmt.Errorf("reporter: seal: %w", err)
	}
	return r.sendPending(ctx)
}

// seal turns the open usage of due hours into batches, in one transaction:
// heartbeats first, then expiry of hours AWS would refuse, then batches of
// up to 25 records (one record per batch for MeterUsage).
func (r *Reporter) seal(ctx context.Context) error {
	now := r.cfg.Now().UTC()
	before := now.Truncate(time.Hour)
	if r.cfg.SendOpenHour {
		before = before.Add(time.Hour)
	}
	return r.spool.inTx(ctx, func(tx *sql.Tx) error {
		if err := r.addHeartbeats(ctx, tx, now, before); err != nil {
			return err
		}
		keys, err := openRecords(ctx, tx, before.Unix())
		if err != nil {
			return err
		}
		live, err := r.expire(ctx, tx, now, keys)
		if err != nil {
			return err
		}
		return r.batch(ctx, tx, now, live)
	})
}

// addHeartbeats gives every heartbeat pair a zero row in each due hour
// that has no usage yet, from the last hour done (or the last closed hour
// on first use) up to before.
func (r *Reporter) addHeartbeats(ctx context.Context, tx *sql.Tx, now, before time.Time) error {
	if len(r.cfg.Heartbeats) == 0 {
		return nil
	}
	from, ok, err := getMeta(ctx, tx, heartbeatMeta)
	if err != nil {
		return err
	}
	first := before.Add(-time.Hour)
	if ok && time.Unix(from, 0).After(now.Add(-r.cfg.Window)) {
		first = time.Unix(from, 0)
	}
	for h := first; h.Before(before); h = h.Add(time.Hour) {
		for _, hb := range r.cfg.Heartbeats {
			c := hb.Customer
			if r.cfg.Kind == Container {
				c = Customer{}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO usage (customer_id, account_id, dimension, hour, tags, quantity)
				SELECT ?, ?, ?, ?, '', 0 WHERE NOT EXISTS (SELECT 1 FROM usage
					WHERE customer_id = ? AND account_id = ? AND dimension = ? AND hour = ?)`,
				c.Identifier, c.AWSAccountID, hb.Dimension, h.Unix(),
				c.Identifier, c.AWSAccountID, hb.Dimension, h.Unix())
			if err != nil {
				return err
			}
		}
	}
	return setMeta(ctx, tx, heartbeatMeta, before.Unix())
}

// expire marks the records AWS would refuse as expired and returns the
// others.
func (r *Reporter) expire(ctx context.Context, tx *sql.Tx, now time.Time, keys []recordKey) ([]recordKey, error) {
	live := keys[:0]
	for _, k := range keys {
		if r.sendable(now, time.Unix(k.hour, 0)) {
			live = append(live, k)
			continue
		}
		if err := assign(ctx, tx, k, expiredBatch); err != nil {
			return nil, err
		}
		if err := r.saveExpired(ctx, tx, now, k); err != nil {
			return nil, err
		}
	}
	return live, nil
}

func (r *Reporter) saveExpired(ctx context.Context, tx *sql.Tx, now time.Time, k recordKey) error {
	var quantity int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM usage
		WHERE customer_id = ? AND account_id = ? AND dimension = ? AND hour = ?`,
		k.customer.Identifier, k.customer.AWSAccountID, k.dimension, k.hour).Scan(&quantity)
	if err != nil {
		return err
	}
	r.logger.Warn("reporter: usage can no longer be sent; AWS's time window has passed",
		"customer", k.customer.String(), "dimension", k.dimension,
		"hour", time.Unix(k.hour, 0).UTC().Format(time.RFC3339), "quantity", quantity)
	return saveResult(ctx, tx, expiredBatch, quantity, result{key: k, status: StatusExpired,
		err: "the time window closed before the hour was sent"}, now)
}

// sendable says whether AWS still accepts a record of hour: within Window
// of the hour's start, and, for a previous month, before MonthEndGrace into
// the new one.
func (r *Reporter) sendable(now, hour time.Time) bool {
	if now.Sub(hour) >= r.cfg.Window {
		return false
	}
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return !hour.Before(monthStart) || now.Before(monthStart.Add(r.cfg.MonthEndGrace))
}

// batch seals the records into batches.
func (r *Reporter) batch(ctx context.Context, tx *sql.Tx, now time.Time, keys []recordKey) error {
	size := batchSize
	if r.cfg.Kind == Container {
		size = 1
	}
	for start := 0; start < len(keys); start += size {
		id, err := newBatch(ctx, tx, uuid.NewString(), now)
		if err != nil {
			return err
		}
		for _, k := range keys[start:min(start+size, len(keys))] {
			if err := assign(ctx, tx, k, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxSendPasses bounds the passes over pending batches in one Flush: a
// pass may create batches (UnprocessedRecords, split batches) that the
// next pass sends, and a service that keeps answering UnprocessedRecords
// must not keep Flush from returning.
const maxSendPasses = 3

// sendPending sends every pending batch, oldest first, and stops at the
// first failure that a later attempt may cure.
func (r *Reporter) sendPending(ctx context.Context) error {
	var after int64
	for range maxSendPasses {
		batches, err := r.spool.pendingBatches(ctx, after)
		if err != nil || len(batches) == 0 {
			return err
		}
		for _, b := range batches {
			if err := r.limiter.wait(ctx); err != nil {
				return err
			}
			if err := r.send(ctx, b); err != nil {
				return err
			}
			after = b.id
		}
	}
	return nil
}

// send sends one batch and stores the answer. A retryable failure is noted
// on the batch and returned; the batch stays pending and is resent as the
// identical request.
func (r *Reporter) send(ctx context.Context, b pendingBatch) error {
	recs, err := batchRecords(ctx, r.spool.db, b.id)
	if err != nil {
		return err
	}
	if len(recs) == 0 { // every record moved on to other batches
		return r.spool.inTx(ctx, func(tx *sql.Tx) error { return finishBatch(ctx, tx, b.id) })
	}
	var ans answer
	if r.cfg.Kind == Container {
		ans = r.sendMeterUsage(ctx, b, recs[0])
	} else {
		ans = r.sendBatch(ctx, recs)
	}
	return r.apply(ctx, b, recs, ans)
}

// apply stores an answer.
func (r *Reporter) apply(ctx context.Context, b pendingBatch, recs []sealedRecord, ans answer) error {
	switch ans.kind {
	case answerRetry:
		if ans.throttled {
			r.limiter.throttled()
		}
		if ctx.Err() == nil {
			if err := r.spool.noteAttempt(ctx, b.id, ans.err.Error()); err != nil {
				return errors.Join(ans.err, err)
			}
		}
		return ans.err
	case answerSplit:
		return r.split(ctx, b, recs)
	case answerExpire:
		return r.expireBatch(ctx, b, recs[0])
	}
	r.limiter.succeeded()
	now := r.cfg.Now()
	return r.spool.inTx(ctx, func(tx *sql.Tx) error {
		byKey := make(map[recordKey]int64, len(recs))
		for _, rec := range recs {
			byKey[rec.key] = rec.quantity
		}
		for _, res := range ans.results {
			if err := saveResult(ctx, tx, b.id, byKey[res.key], res, now); err != nil {
				return err
			}
			if res.status != StatusSuccess {
				r.logger.Warn("reporter: record not billed", "customer", res.key.customer.String(),
					"dimension", res.key.dimension, "hour", time.Unix(res.key.hour, 0).UTC().Format(time.RFC3339),
					"status", res.status, "error", res.err)
			}
		}
		if err := r.requeue(ctx, tx, ans.unprocessed, now); err != nil {
			return err
		}
		return finishBatch(ctx, tx, b.id)
	})
}

// requeue puts records AWS left unprocessed into a new batch of their own.
func (r *Reporter) requeue(ctx context.Context, tx *sql.Tx, keys []recordKey, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	id, err := newBatch(ctx, tx, uuid.NewString(), now)
	if err != nil {
		return err
	}
	for _, k := range keys {
		_, err := tx.ExecContext(ctx, `UPDATE usage SET batch = ?
			WHERE customer_id = ? AND account_id = ? AND dimension = ? AND hour = ?`,
			id, k.customer.Identifier, k.customer.AWSAccountID, k.dimension, k.hour)
		if err != nil {
			return err
		}
	}
	return nil
}

// split answers an error that fails a whole batch for one record: the
// batch becomes one batch per record, so the others still go through.
func (r *Reporter) split(ctx context.Context, b pendingBatch, recs []sealedRecord) error {
	now := r.cfg.Now()
	return r.spool.inTx(ctx, func(tx *sql.Tx) error {
		for _, rec := range recs {
			if err := r.requeue(ctx, tx, []recordKey{rec.key}, now); err != nil {
				return err
			}
		}
		return finishBatch(ctx, tx, b.id)
	})
}

// expireBatch gives up on a single record AWS called out of its window.
func (r *Reporter) expireBatch(ctx context.Context, b pendingBatch, rec sealedRecord) error {
	now := r.cfg.Now()
	return r.spool.inTx(ctx, func(tx *sql.Tx) error {
		if err := r.saveExpired(ctx, tx, now, rec.key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE usage SET batch = ? WHERE batch = ?`, expiredBatch, b.id); err != nil {
			return err
		}
		return finishBatch(ctx, tx, b.id)
	})
}
