package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

const usageColumns = `id, region, operation, product_code, customer_identifier, customer_aws_account_id,
	license_arn, caller_account_id, resource_id, dimension, timestamp, hour, quantity, allocations,
	dedupe_key, client_token, request_hash, test, received_at`

// insertUsageSQL inserts a record unless it conflicts: by dedupe key, by
// its client token (?21, NULL without one) as a record's own or as a
// remembered token used after the cutoff ?22 (see findByTokenSQL), or by
// id. New usage, the common case, so costs one statement; the writer looks
// for the reason of a skipped insert only then. ?1-?19 are usageColumns,
// ?20 the dedupe hash.
//
// OR IGNORE spares SQLite the statement journal that an INSERT … SELECT
// keeps otherwise (a copy of every page the statement changes, in case a
// NOT NULL or type check aborts it halfway): 5% of the writer's CPU. A row
// such a check would refuse (encodeUsage never makes one) is skipped
// instead, and findConflict reports it as not inserted.
const insertUsageSQL = `INSERT OR IGNORE INTO metering_records (` + usageColumns + `, dedupe_hash, token_hash)
	SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21
	WHERE NOT EXISTS (SELECT 1 FROM metering_records WHERE dedupe_hash = ?20 AND region = ?2 AND dedupe_key = ?15)
		AND (?21 IS NULL OR NOT EXISTS (SELECT 1 FROM metering_records
			WHERE token_hash = ?21 AND region = ?2 AND caller_account_id = ?8 AND client_token = ?16
				AND (?22 IS NULL OR received_at IS NULL OR received_at > ?22)))
		AND (?21 IS NULL OR NOT EXISTS (SELECT 1 FROM client_tokens
			WHERE region = ?2 AND caller_account_id = ?8 AND client_token = ?16
				AND (?22 IS NULL OR used_at IS NULL OR used_at > ?22)))
	ON CONFLICT DO NOTHING`

// findByTokenSQL finds the record a client token leads to: a token
// remembered for a record first, else a record's own (the newest). It sees
// only tokens used after the cutoff ?4, ReceivedAt less
// meterd.ClientTokenWindow; a NULL cutoff (no ReceivedAt) or use time sees
// every token. One statement, not two lookups, because it runs before every
// MeterUsage insert.
const (
	findByTokenSQL = `SELECT ` + usageColumns + ` FROM metering_records WHERE id = coalesce(
		(SELECT record_id FROM client_tokens
			WHERE region = ?1 AND caller_account_id = ?2 AND client_token = ?3
				AND (?4 IS NULL OR used_at IS NULL OR used_at > ?4)),
		(SELECT id FROM metering_records
			WHERE token_hash = ?5 AND region = ?1 AND caller_account_id = ?2 AND client_token = ?3
				AND (?4 IS NULL OR received_at IS NULL OR received_at > ?4)
			ORDER BY received_at DESC LIMIT 1))`
	// rememberTokenSQL replaces an expired row of the same token: a live
	// one would have been found first.
	rememberTokenSQL = `INSERT INTO client_tokens (region, caller_account_id, client_token, record_id, used_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET record_id = excluded.record_id, used_at = excluded.used_at`
	// expireTokensSQL deletes a few of the oldest expired tokens: each
	// remembered token pays for up to two expired ones, so the table stays
	// about one window's worth of rows at a bounded cost per write.
	expireTokensSQL = `DELETE FROM client_tokens WHERE (region, caller_account_id, client_token) IN (
		SELECT region, caller_account_id, client_token FROM client_tokens
		WHERE used_at <= ? ORDER BY used_at LIMIT 2)`
	findByDedupeKeySQL = `SELECT ` + usageColumns + ` FROM metering_records
		WHERE dedupe_hash = ? AND region = ? AND dedupe_key = ?`
)

// usageRow is a MeteringRecord in column order, encoded before it reaches
// the writer so the shared transaction does no avoidable work.
type usageRow struct {
	rec  *meterd.MeteringRecord
	args []any
	// usedAt and cutoff are ReceivedAt and ReceivedAt less the token
	// window, encoded (NULL when ReceivedAt is zero).
	usedAt, cutoff sql.NullString
	// dedupeHash and tokenHash are the index keys of the dedupe key and
	// the client token (NULL without one).
	dedupeHash int64
	tokenHash  sql.NullInt64
}

// encodeUsage encodes r; prev, when not nil, is the encoded record before
// it in the same call, whose encoded values r shares where it repeats them
// (see repeats).
func encodeUsage(r *meterd.MeteringRecord, hash keyHashFunc, prev *usageRow) (usageRow, error) {
	var alloc sql.NullString
	if len(r.Allocations) > 0 {
		s, err := encodeJSON(r.Allocations)
		if err != nil {
			return usageRow{}, fmt.Errorf("record %q: allocations: %w", r.ID, err)
		}
		alloc = sql.NullString{String: s, Valid: true}
	}
	rp := repeats{prev: prev}
	var te timeEncoder
	_, ts := rp.time(&te, colTimestamp, r.Timestamp, func(p *meterd.MeteringRecord) time.Time { return p.Timestamp })
	_, hour := rp.time(&te, colHour, r.Hour, func(p *meterd.MeteringRecord) time.Time { return p.Hour })
	received, receivedValue := rp.time(&te, colReceivedAt, r.ReceivedAt,
		func(p *meterd.MeteringRecord) time.Time { return p.ReceivedAt })
	var cutoff sql.NullString // only token lookups need it
	if r.ClientToken != "" && !r.ReceivedAt.IsZero() {
		cutoff = te.encode(r.ReceivedAt.Add(-meterd.ClientTokenWindow))
	}
	if te.err != nil {
		return usageRow{}, fmt.Errorf("record %q: %w", r.ID, te.err)
	}
	row := usageRow{rec: r, usedAt: received, cutoff: cutoff, dedupeHash: hash(r.Region, r.DedupeKey)}
	if r.ClientToken != "" {
		row.tokenHash = sql.NullInt64{Int64: hash(r.Region, r.CallerAccountID, r.ClientToken), Valid: true}
	}
	// Values of the driver's own types (string, int64, nil), which
	// database/sql passes on as they are, where a Valuer would cost the
	// writer a call and an allocation for each.
	row.args = []any{
		r.ID, rp.text(1, r.Region), rp.text(2, r.Operation), rp.text(3, r.ProductCode),
		rp.text(4, r.CustomerIdentifier), rp.text(5, r.CustomerAWSAccountID), rp.text(6, r.LicenseArn),
		rp.text(7, r.CallerAccountID), rp.text(8, r.ResourceID), rp.text(9, r.Dimension), ts, hour,
		r.Quantity, driverValue(alloc), r.DedupeKey, driverValue(nullString(r.ClientToken)), rp.text(16, r.RequestHash),
		boolInt(r.Test), receivedValue, row.dedupeHash, driverValue(row.tokenHash), driverValue(cutoff),
	}
	return row, nil
}

// The columns of usageRow.args that hold times.
const (
	colTimestamp  = 10
	colHour       = 11
	colReceivedAt = 18
)

// repeats hands out the previous record's encoded values (nil: none) for
// the values a record repeats. The records of one call share their region,
// operation, product, caller and time received, and often their hour and
// request hash; each string put in an interface is an allocation, and each
// time is formatted, so sharing them spared a 25-record call about a
// hundred allocations.
type repeats struct{ prev *usageRow }

// text is s as the value of column i: the previous record's when it is the
// same text.
func (rp repeats) text(i int, s string) any {
	if rp.prev != nil {
		if p, ok := rp.prev.args[i].(string); ok && p == s {
			return rp.prev.args[i]
		}
	}
	return s
}

// time is t encoded, and as the value of column i: the previous record's
// when its time (of) is the same instant, which encodes to the same text.
func (rp repeats) time(te *timeEncoder, i int, t time.Time, of func(*meterd.MeteringRecord) time.Time) (sql.NullString, any) {
	if rp.prev != nil && t.Equal(of(rp.prev.rec)) {
		v := rp.prev.args[i]
		s, ok := v.(string)
		return sql.NullString{String: s, Valid: ok}, v
	}
	s := te.encode(t)
	return s, driverValue(s)
}

func scanUsage(r rowScanner) (*meterd.MeteringRecord, error) {
	var (
		m                  meterd.MeteringRecord
		ts, hour, received sql.NullString
		alloc, token       sql.NullString
	)
	err := r.Scan(&m.ID, &m.Region, &m.Operation, &m.ProductCode, &m.CustomerIdentifier,
		&m.CustomerAWSAccountID, &m.LicenseArn, &m.CallerAccountID, &m.ResourceID, &m.Dimension,
		&ts, &hour, &m.Quantity, &alloc, &m.DedupeKey, &token, &m.RequestHash, &m.Test, &received)
	if err != nil {
		return nil, err
	}
	var td timeDecoder
	m.Timestamp, m.Hour, m.ReceivedAt = td.decode(ts), td.decode(hour), td.decode(received)
	if td.err != nil {
		return nil, fmt.Errorf("record %q: %w", m.ID, td.err)
	}
	m.ClientToken = token.String
	if alloc.Valid {
		if m.Allocations, err = backend.DecodeList[meterd.UsageAllocation](alloc.String); err != nil {
			return nil, fmt.Errorf("record %q: allocations: %w", m.ID, err)
		}
	}
	return &m, nil
}

// RecordUsage inserts recs in order in one atomic operation, reporting for
// each record whether it was stored or which stored record it collides
// with (client token first, then dedupe key).
func (db *DB) RecordUsage(ctx context.Context, recs []*meterd.MeteringRecord) ([]meterd.RecordOutcome, error) {
	call, err := newUsageCall(recs, db.keyHash)
	if err != nil {
		return nil, fmt.Errorf("sqlite: record usage: %w", err)
	}
	if len(recs) == 0 {
		return call.out, nil
	}
	if err := db.writeOp(ctx, call.op()); err != nil {
		return nil, fmt.Errorf("sqlite: record usage: %w", err)
	}
	return call.out, nil
}

// usageCall is the write of one RecordUsage call: its encoded records
// and the outcomes the writer sets.
type usageCall struct {
	rows []usageRow
	out  []meterd.RecordOutcome
}

func newUsageCall(recs []*meterd.MeteringRecord, hash keyHashFunc) (*usageCall, error) {
	rows := make([]usageRow, len(recs))
	for i, r := range recs {
		var prev *usageRow
		if i > 0 {
			prev = &rows[i-1]
		}
		var err error
		if rows[i], err = encodeUsage(r, hash, prev); err != nil {
			return nil, err
		}
	}
	return &usageCall{rows: rows, out: make([]meterd.RecordOutcome, len(recs))}, nil
}

// op is the call's write operation. It is rerunnable: a run assigns every
// outcome anew.
func (c *usageCall) op() *writeOp { return &writeOp{fn: c.insert, rerunnable: true, usage: c} }

func (c *usageCall) insert(tx *writeTx) error { return insertUsageCalls(tx, []*usageCall{c}) }

// maxInsertRows bounds the rows of one multi-row INSERT (21 parameters a
// row). Runs are written in statements of power-of-two sizes up to it, so
// the writer prepares at most seven of them.
const maxInsertRows = 64

// insertUsageCalls inserts the records of calls in order, call after call,
// and sets their outcomes: each call gets those it would get alone after
// the calls before it. A record that is plainly new (no client token to
// check, no stored record with its dedupe hash, none earlier in calls)
// goes into a multi-row INSERT with the other plainly new ones next to it:
// one statement for a whole BatchMeterUsage, or for a group's MeterUsage
// calls, instead of one a record, which costs SQLite its per-statement
// work (cursors on the table and its indexes, binding by name) once.
// Every other record goes through insertUsage, in its turn, so it sees
// the records before it in the ledger as before.
func insertUsageCalls(tx *writeTx, calls []*usageCall) error {
	if len(calls) == 1 && len(calls[0].rows) == 1 {
		var err error
		calls[0].out[0], err = insertUsage(tx, calls[0].rows[0])
		return err
	}
	hashes := dedupeHashes(calls)
	stored, err := storedDedupeHashes(tx, hashes)
	if err != nil {
		return err
	}
	seen := make(map[int64]bool, len(hashes))
	run := make([]*usageRow, 0, len(hashes)) // plainly new records not yet inserted
	for _, c := range calls {
		for i := range c.rows {
			row := &c.rows[i]
			plain := !row.tokenHash.Valid && !stored[row.dedupeHash] && !seen[row.dedupeHash]
			seen[row.dedupeHash] = true
			if plain {
				run, c.out[i] = append(run, row), meterd.RecordOutcome{Inserted: true}
				continue
			}
			if err := insertNew(tx, run); err != nil {
				return err
			}
			run = run[:0]
			if c.out[i], err = insertUsage(tx, *row); err != nil {
				return err
			}
		}
	}
	return insertNew(tx, run)
}

// dedupeHashes returns the dedupe hashes of calls' records.
func dedupeHashes(calls []*usageCall) []int64 {
	n := 0
	for _, c := range calls {
		n += len(c.rows)
	}
	hashes := make([]int64, 0, n)
	for _, c := range calls {
		for _, row := range c.rows {
			hashes = append(hashes, row.dedupeHash)
		}
	}
	return hashes
}

// storedDedupeHashes returns which of hashes the ledger holds, looked up
// maxInsertRows at a time; the IN list is padded with the last hash to a
// power of two, so that few statements serve every call.
func storedDedupeHashes(tx *writeTx, hashes []int64) (map[int64]bool, error) {
	stored := map[int64]bool{}
	for chunk := range slices.Chunk(hashes, maxInsertRows) {
		args := make([]any, 1<<bits.Len(uint(len(chunk)-1)))
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		found, err := tx.queryInt64s(storedDedupeHashesSQL.rows(len(args)), args...)
		if err != nil {
			return nil, fmt.Errorf("find dedupe hashes: %w", err)
		}
		for _, h := range found {
			stored[h] = true
		}
	}
	return stored, nil
}

// storedDedupeHashesSQL[k] looks up 2^k dedupe hashes.
var storedDedupeHashesSQL = bySize(func(n int) string {
	return `SELECT dedupe_hash FROM metering_records WHERE dedupe_hash IN (?` + strings.Repeat(", ?", n-1) + `)`
})

// sizedQueries holds a query for each power-of-two number of rows up to
// maxInsertRows.
type sizedQueries []string

// rows returns the query for n rows, a power of two.
func (qs sizedQueries) rows(n int) string { return qs[bits.Len(uint(n))-1] }

// statementRows is how many of n rows (n > 0) the largest statement of
// sizedQueries that they fill takes: the largest power of two not above
// n or maxInsertRows.
func statementRows(n int) int { return min(maxInsertRows, 1<<(bits.Len(uint(n))-1)) }

// bySize returns query(2^k) for each k up to maxInsertRows, made once
// rather than at every call.
func bySize(query func(n int) string) sizedQueries {
	var qs sizedQueries
	for n := 1; n <= maxInsertRows; n *= 2 {
		qs = append(qs, query(n))
	}
	return qs
}

// insertNew inserts rows, which collide with nothing stored, with as few
// statements as their power-of-two split allows.
func insertNew(tx *writeTx, rows []*usageRow) error {
	for len(rows) > 0 {
		n := statementRows(len(rows))
		args := tx.db.insertArgs[:0]
		for _, row := range rows[:n] {
			args = append(args, row.args[:insertColumns]...)
		}
		affected, err := tx.execAffected(insertRowsSQL.rows(n), args...)
		clear(args) // keeps no record alive
		tx.db.insertArgs = args[:0]
		if err != nil {
			return fmt.Errorf("records %q…: %w", rows[0].rec.ID, err)
		}
		if affected != int64(n) {
			// Only a taken id or a column check skips a row here (see
			// findConflict): a bug, which fails the call.
			return fmt.Errorf("records %q…: %d of %d not inserted: metering record id already used or a column invalid",
				rows[0].rec.ID, int64(n)-affected, n)
		}
		rows = rows[n:]
	}
	return nil
}

// insertColumns is the number of columns insertRowsSQL writes a row:
// usageColumns, dedupe_hash and token_hash.
const insertColumns = 21

// insertRowsSQL[k] inserts 2^k rows. OR IGNORE, as in insertUsageSQL,
// spares the statement journal; a row it skips is counted by insertNew.
var insertRowsSQL = bySize(func(n int) string {
	row := "(?" + strings.Repeat(", ?", insertColumns-1) + ")"
	return `INSERT OR IGNORE INTO metering_records (` + usageColumns + `, dedupe_hash, token_hash) VALUES ` +
		row + strings.Repeat(", "+row, n-1)
})

// insertUsage inserts one record unless it collides. Running on the single
// writer connection, the checks and the insert cannot interleave with
// another write, which is what keeps the (hashed, not unique) keys unique.
func insertUsage(tx *writeTx, row usageRow) (meterd.RecordOutcome, error) {
	n, err := tx.execAffected(insertUsageSQL, row.args...)
	if err != nil {
		return meterd.RecordOutcome{}, fmt.Errorf("record %q: %w", row.rec.ID, err)
	}
	if n == 1 {
		return meterd.RecordOutcome{Inserted: true}, nil
	}
	return findConflict(tx, row)
}

// findConflict returns the stored record that kept row out: the client
// token's first, else the dedupe key's.
func findConflict(tx *writeTx, row usageRow) (meterd.RecordOutcome, error) {
	r := row.rec
	if r.ClientToken != "" {
		existing, err := findByToken(tx, row)
		if existing != nil || err != nil {
			return meterd.RecordOutcome{Conflict: meterd.ClientTokenConflict, Existing: existing}, err
		}
	}
	existing, err := scanUsage(tx.queryRow(findByDedupeKeySQL, row.dedupeHash, r.Region, r.DedupeKey))
	if err == nil {
		return meterd.RecordOutcome{Conflict: meterd.DedupeKeyConflict, Existing: existing}, rememberToken(tx, row, existing)
	}
	if !errNoRows(err) {
		return meterd.RecordOutcome{}, fmt.Errorf("record %q: find by dedupe key: %w", r.ID, err)
	}
	// Neither business key matched, so the id itself is taken (a bug in the
	// id generator, not a duplicate usage) or a column check refused the
	// row (a bug in encodeUsage).
	return meterd.RecordOutcome{}, fmt.Errorf("record %q: not inserted: metering record id already used or a column invalid", r.ID)
}

// findByToken returns the record r's client token leads to within the
// token window, or nil when the token is unknown or expired.
func findByToken(tx *writeTx, row usageRow) (*meterd.MeteringRecord, error) {
	r := row.rec
	existing, err := scanUsage(tx.queryRow(findByTokenSQL, r.Region, r.CallerAccountID, r.ClientToken, row.cutoff,
		row.tokenHash))
	if errNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record %q: find by client token: %w", r.ID, err)
	}
	return existing, nil
}

// rememberToken makes r's client token lead to existing when r was the same
// request (same RequestHash) and so will be answered with existing's id. It
// is a write (and an fsync) per such call; see docs/differences.md for why
// it cannot be skipped. It also expires a few old tokens.
func rememberToken(tx *writeTx, row usageRow, existing *meterd.MeteringRecord) error {
	r := row.rec
	if r.ClientToken == "" || r.RequestHash != existing.RequestHash {
		return nil
	}
	if _, err := tx.exec(rememberTokenSQL, r.Region, r.CallerAccountID, r.ClientToken, existing.ID, row.usedAt); err != nil {
		return fmt.Errorf("record %q: remember client token: %w", r.ID, err)
	}
	if !row.cutoff.Valid {
		return nil
	}
	if _, err := tx.exec(expireTokensSQL, row.cutoff); err != nil {
		return fmt.Errorf("record %q: expire client tokens: %w", r.ID, err)
	}
	return nil
}

// FindUsage returns the records matching f in ledger (insertion) order.
func (db *DB) FindUsage(ctx context.Context, f meterd.UsageFilter) ([]*meterd.MeteringRecord, error) {
	q, args, err := backend.UsageQuery(dialect{}, usageColumns, f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find usage: %w", err)
	}
	rows, err := db.readDB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find usage: %w", err)
	}
	defer rows.Close()
	recs := []*meterd.MeteringRecord{}
	for rows.Next() {
		r, err := scanUsage(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find usage: %w", err)
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find usage: %w", err)
	}
	return recs, nil
}
