package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

const usageColumns = `id, region, operation, product_code, customer_identifier, customer_aws_account_id,
	license_arn, caller_account_id, resource_id, dimension, timestamp, hour, quantity, allocations,
	dedupe_key, client_token, request_hash, test, received_at`

// insertUsageSQL inserts a record, in one statement and one round trip,
// unless its client token or its dedupe key is taken.
//
// The token CTE claims the token ($16, NULL without one): a new row, or the
// row of an expired token ($20 is the cutoff, ReceivedAt less the token
// window; NULL when ReceivedAt is zero, which sees every token, as does a
// NULL used_at). The record is inserted only if the claim succeeded, and
// only if no record has its dedupe key. Both are unique keys: when another
// node (or group) holds the same key uncommitted, the statement waits for
// it and then sees its outcome, so a duplicate sent to two nodes at once is
// one record. It returns whether the token was claimed and the record
// inserted; the writer looks for the reason of a skipped insert only then.
const insertUsageSQL = `WITH token AS (
		INSERT INTO client_tokens (region, caller_account_id, client_token, record_id, used_at, remembered)
		SELECT $2, $8, $16, $1, $19, false WHERE $16::bytea IS NOT NULL
		ON CONFLICT (region, caller_account_id, client_token) DO UPDATE
			SET record_id = excluded.record_id, used_at = excluded.used_at, remembered = false
			WHERE $20::bigint IS NOT NULL AND client_tokens.used_at IS NOT NULL AND client_tokens.used_at <= $20
		RETURNING 1),
	rec AS (
		INSERT INTO metering_records (` + usageColumns + `)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19
		WHERE $16::bytea IS NULL OR EXISTS (SELECT 1 FROM token)
		ON CONFLICT (region, dedupe_key) DO NOTHING
		RETURNING 1)
	SELECT $16::bytea IS NULL OR EXISTS (SELECT 1 FROM token), EXISTS (SELECT 1 FROM rec)`

const (
	findByTokenSQL = `SELECT ` + usageColumns + ` FROM metering_records WHERE id = (
		SELECT record_id FROM client_tokens WHERE region = $1 AND caller_account_id = $2 AND client_token = $3)`
	findByDedupeKeySQL = `SELECT ` + usageColumns + ` FROM metering_records WHERE region = $1 AND dedupe_key = $2`
	// rememberTokenSQL points the token this call claimed at the stored
	// record it will be answered with.
	rememberTokenSQL = `UPDATE client_tokens SET record_id = $4, remembered = true
		WHERE region = $1 AND caller_account_id = $2 AND client_token = $3`
	// releaseTokenSQL gives up the token this call claimed for a record it
	// did not store (another request with the same dedupe key): the token
	// stays unused, as on SQLite.
	releaseTokenSQL = `DELETE FROM client_tokens
		WHERE region = $1 AND caller_account_id = $2 AND client_token = $3 AND record_id = $4`
)

// usageRow is a MeteringRecord encoded for insertUsageSQL.
type usageRow struct {
	rec  *meterd.MeteringRecord
	args []any
}

func encodeUsage(r *meterd.MeteringRecord) (usageRow, error) {
	var alloc *string
	if len(r.Allocations) > 0 {
		s, err := encodeJSON(r.Allocations)
		if err != nil {
			return usageRow{}, fmt.Errorf("record %q: allocations: %w", r.ID, err)
		}
		alloc = &s
	}
	var te timeEncoder
	ts, hour, received := te.encode(r.Timestamp), te.encode(r.Hour), te.encode(r.ReceivedAt)
	var cutoff *int64
	if r.ClientToken != "" && !r.ReceivedAt.IsZero() {
		cutoff = te.encode(r.ReceivedAt.Add(-meterd.ClientTokenWindow))
	}
	if te.err != nil {
		return usageRow{}, fmt.Errorf("record %q: %w", r.ID, te.err)
	}
	return usageRow{rec: r, args: []any{
		r.ID, r.Region, r.Operation, r.ProductCode, r.CustomerIdentifier, r.CustomerAWSAccountID,
		r.LicenseArn, r.CallerAccountID, r.ResourceID, r.Dimension, ts, hour, r.Quantity, alloc,
		[]byte(r.DedupeKey), nullBytes(r.ClientToken), r.RequestHash, r.Test, received, cutoff,
	}}, nil
}

func scanUsage(row pgx.Row) (*meterd.MeteringRecord, error) {
	var (
		m                  meterd.MeteringRecord
		ts, hour, received *int64
		alloc              *string
		key, token         []byte
	)
	err := row.Scan(&m.ID, &m.Region, &m.Operation, &m.ProductCode, &m.CustomerIdentifier,
		&m.CustomerAWSAccountID, &m.LicenseArn, &m.CallerAccountID, &m.ResourceID, &m.Dimension,
		&ts, &hour, &m.Quantity, &alloc, &key, &token, &m.RequestHash, &m.Test, &received)
	if err != nil {
		return nil, err
	}
	m.Timestamp, m.Hour, m.ReceivedAt = decodeTime(ts), decodeTime(hour), decodeTime(received)
	m.DedupeKey, m.ClientToken = string(key), string(token)
	if alloc != nil {
		if m.Allocations, err = backend.DecodeList[meterd.UsageAllocation](*alloc); err != nil {
			return nil, fmt.Errorf("record %q: allocations: %w", m.ID, err)
		}
	}
	return &m, nil
}

// RecordUsage inserts recs in order in one atomic operation of the next
// group commit, reporting for each record whether it was stored or which
// stored record it collides with (client token first, then dedupe key).
func (db *DB) RecordUsage(ctx context.Context, recs []*meterd.MeteringRecord) ([]meterd.RecordOutcome, error) {
	rows := make([]usageRow, len(recs))
	for i, r := range recs {
		var err error
		if rows[i], err = encodeUsage(r); err != nil {
			return nil, fmt.Errorf("postgres: record usage: %w", err)
		}
	}
	out := make([]meterd.RecordOutcome, len(recs))
	if len(recs) == 0 {
		return out, nil
	}
	// Rerunnable: a run assigns every outcome anew.
	err := db.writeOp(ctx, &writeOp{usage: rows, outcomes: out, fn: func(ctx context.Context, tx pgx.Tx) error {
		for i, row := range rows {
			var err error
			if out[i], err = insertUsage(ctx, tx, row); err != nil {
				return err
			}
		}
		return db.addRollup(ctx, tx, rollupOf(insertedRows(rows, out)))
	}})
	if err != nil {
		return nil, fmt.Errorf("postgres: record usage: %w", err)
	}
	return out, nil
}

// insertUsage inserts one record unless it collides.
func insertUsage(ctx context.Context, tx pgx.Tx, row usageRow) (meterd.RecordOutcome, error) {
	r := row.rec
	var claimed, inserted bool
	if err := tx.QueryRow(ctx, insertUsageSQL, row.args...).Scan(&claimed, &inserted); err != nil {
		return meterd.RecordOutcome{}, fmt.Errorf("record %q: %w", r.ID, err)
	}
	switch {
	case inserted:
		return meterd.RecordOutcome{Inserted: true}, nil
	case !claimed:
		existing, err := scanUsage(tx.QueryRow(ctx, findByTokenSQL, r.Region, r.CallerAccountID, []byte(r.ClientToken)))
		if err != nil {
			return meterd.RecordOutcome{}, fmt.Errorf("record %q: find by client token: %w", r.ID, err)
		}
		return meterd.RecordOutcome{Conflict: meterd.ClientTokenConflict, Existing: existing}, nil
	}
	existing, err := scanUsage(tx.QueryRow(ctx, findByDedupeKeySQL, r.Region, []byte(r.DedupeKey)))
	if errors.Is(err, pgx.ErrNoRows) {
		return meterd.RecordOutcome{}, fmt.Errorf("record %q: metering record id already used", r.ID)
	}
	if err != nil {
		return meterd.RecordOutcome{}, fmt.Errorf("record %q: find by dedupe key: %w", r.ID, err)
	}
	return meterd.RecordOutcome{Conflict: meterd.DedupeKeyConflict, Existing: existing}, settleToken(ctx, tx, r, existing)
}

// settleToken decides the token a call claimed for a record it did not
// store: it leads to existing when the call was the same request (same
// RequestHash) and so is answered with existing's id; else it is released.
func settleToken(ctx context.Context, tx pgx.Tx, r, existing *meterd.MeteringRecord) error {
	if r.ClientToken == "" {
		return nil
	}
	q, id := releaseTokenSQL, r.ID
	if r.RequestHash == existing.RequestHash {
		q, id = rememberTokenSQL, existing.ID
	}
	if _, err := tx.Exec(ctx, q, r.Region, r.CallerAccountID, []byte(r.ClientToken), id); err != nil {
		return fmt.Errorf("record %q: settle client token: %w", r.ID, err)
	}
	return nil
}

// FindUsage returns the records matching f in ledger order.
func (db *DB) FindUsage(ctx context.Context, f meterd.UsageFilter) ([]*meterd.MeteringRecord, error) {
	q, args, err := backend.UsageQuery(dialect{}, usageColumns, f)
	if err != nil {
		return nil, fmt.Errorf("postgres: find usage: %w", err)
	}
	rows, err := db.pool.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: find usage: %w", err)
	}
	recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*meterd.MeteringRecord, error) { return scanUsage(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: find usage: %w", err)
	}
	if recs == nil {
		recs = []*meterd.MeteringRecord{}
	}
	return recs, nil
}

// whereBuilder collects conditions with numbered parameters.
type whereBuilder struct {
	conds []string
	args  []any
}

// add appends cond, in which ? stands for the next parameter.
func (w *whereBuilder) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1))
}

// next returns the placeholder of one more parameter.
func (w *whereBuilder) next(arg any) string {
	w.args = append(w.args, arg)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *whereBuilder) where() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
