package reporter

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// spoolPragmas make every commit durable when it returns (WAL, synchronous
// FULL) and let a second process (`status`) read beside a running one.
const spoolPragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"

// The spool has three tables:
//   - usage: what Record added, one row per customer, dimension, hour and
//     tag set; batch is NULL while the hour is open and names the batch
//     that carries the row once sealed (-1: expired, never sent).
//   - batches: sealed requests, sent until answered (state 'pending',
//     then 'done'); token is MeterUsage's ClientToken.
//   - results: AWS's answer per record (customer, dimension, hour).
const spoolSchema = `
CREATE TABLE IF NOT EXISTS usage (
	customer_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	dimension TEXT NOT NULL,
	hour INTEGER NOT NULL,
	tags TEXT NOT NULL,
	quantity INTEGER NOT NULL,
	batch INTEGER,
	PRIMARY KEY (customer_id, account_id, dimension, hour, tags)
);
CREATE INDEX IF NOT EXISTS usage_open ON usage (hour) WHERE batch IS NULL;
CREATE INDEX IF NOT EXISTS usage_batch ON usage (batch);
CREATE TABLE IF NOT EXISTS batches (
	id INTEGER PRIMARY KEY,
	token TEXT NOT NULL,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_pending ON batches (id) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS results (
	customer_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	dimension TEXT NOT NULL,
	hour INTEGER NOT NULL,
	quantity INTEGER NOT NULL,
	batch INTEGER NOT NULL,
	status TEXT NOT NULL,
	record_id TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	at INTEGER NOT NULL,
	PRIMARY KEY (customer_id, account_id, dimension, hour)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`

// expiredBatch marks usage rows that were never sent.
const expiredBatch = -1

type spool struct {
	db *sql.DB
}

func openSpool(ctx context.Context, path string) (*spool, error) {
	db, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+spoolPragmas)
	if err != nil {
		return nil, fmt.Errorf("reporter: open spool: %w", err)
	}
	// One connection: writes are serialised by SQLite anyway, and a single
	// connection makes the Record writer and the flusher take turns
	// instead of failing with SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, spoolSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("reporter: open spool %s: %w", path, err)
	}
	return &spool{db: db}, nil
}

func (s *spool) close() error { return s.db.Close() }

// usage is one Record call, or one usage row.
type usage struct {
	customer  Customer
	dimension string
	hour      time.Time
	tags      string
	quantity  int64
}

// recordKey identifies one record sent to AWS: the usage rows of a
// customer, dimension and hour, whatever their tags.
type recordKey struct {
	customer  Customer
	dimension string
	hour      int64
}

// encodeTags gives a tag set a canonical key: sorted JSON, "" for none.
func encodeTags(tags []Tag) (string, error) {
	if len(tags) == 0 {
		return "", nil
	}
	sorted := append([]Tag(nil), tags...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	pairs := make([][2]string, len(sorted))
	for i, t := range sorted {
		if t.Key == "" || t.Value == "" {
			return "", fmt.Errorf("%w: allocation tags need a key and a value", ErrInvalidUsage)
		}
		if i > 0 && sorted[i-1].Key == t.Key {
			return "", fmt.Errorf("%w: tag key %q repeated", ErrInvalidUsage, t.Key)
		}
		pairs[i] = [2]string{t.Key, t.Value}
	}
	b, err := json.Marshal(pairs)
	return string(b), err
}

func decodeTags(key string) ([]Tag, error) {
	if key == "" {
		return nil, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(key), &pairs); err != nil {
		return nil, fmt.Errorf("reporter: corrupt tag key %q: %w", key, err)
	}
	tags := make([]Tag, len(pairs))
	for i, p := range pairs {
		tags[i] = Tag{Key: p[0], Value: p[1]}
	}
	return tags, nil
}

// add applies one Record inside tx. Usage for a sealed hour moves to the
// first later hour of the same customer and dimension that is still open.
func add(ctx context.Context, tx *sql.Tx, u usage) error {
	hour, err := firstOpenHour(ctx, tx, u.customer, u.dimension, u.hour.Unix())
	if err != nil {
		return err
	}
	var total int64
	err = tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM usage
		WHERE customer_id = ? AND account_id = ? AND dimension = ? AND hour = ?`,
		u.customer.Identifier, u.customer.AWSAccountID, u.dimension, hour).Scan(&total)
	if err != nil {
		return err
	}
	if total+u.quantity > maxQuantity {
		return ErrQuantityOverflow
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO usage (customer_id, account_id, dimension, hour, tags, quantity)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (customer_id, account_id, dimension, hour, tags) DO UPDATE SET quantity = quantity + excluded.quantity`,
		u.customer.Identifier, u.customer.AWSAccountID, u.dimension, hour, u.tags, u.quantity)
	return err
}

func firstOpenHour(ctx context.Context, tx *sql.Tx, c Customer, dimension string, hour int64) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT hour FROM usage
		WHERE customer_id = ? AND account_id = ? AND dimension = ? AND hour >= ? AND batch IS NOT NULL
		ORDER BY hour`, c.Identifier, c.AWSAccountID, dimension, hour)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var sealed int64
		if err := rows.Scan(&sealed); err != nil {
			return 0, err
		}
		if sealed != hour {
			break
		}
		hour += int64(time.Hour / time.Second)
	}
	return hour, rows.Err()
}

// inTx runs fn in a transaction and commits it.
func (s *spool) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// openRecords lists the open usage of hours before `before`, grouped by
// record, oldest hour first.
func openRecords(ctx context.Context, tx *sql.Tx, before int64) ([]recordKey, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT customer_id, account_id, dimension, hour FROM usage
		WHERE batch IS NULL AND hour < ? ORDER BY hour, customer_id, account_id, dimension`, before)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []recordKey
	for rows.Next() {
		var k recordKey
		if err := rows.Scan(&k.customer.Identifier, &k.customer.AWSAccountID, &k.dimension, &k.hour); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// assign moves the open rows of a record into batch.
func assign(ctx context.Context, tx *sql.Tx, k recordKey, batch int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE usage SET batch = ?
		WHERE customer_id = ? AND account_id = ? AND dimension = ? AND hour = ? AND batch IS NULL`,
		batch, k.customer.Identifier, k.customer.AWSAccountID, k.dimension, k.hour)
	return err
}

// newBatch creates a pending batch and returns its id.
func newBatch(ctx context.Context, tx *sql.Tx, token string, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO batches (token, state, created) VALUES (?, 'pending', ?)`,
		token, now.Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// sealedRecord is one record of a batch as it is sent.
type sealedRecord struct {
	key         recordKey
	quantity    int64
	allocations []allocation
}

type allocation struct {
	tags     []Tag
	quantity int64
}

// batchRecords reads the records of a batch, in a stable order so that a
// resend is the identical request.
func batchRecords(ctx context.Context, q querier, batch int64) ([]sealedRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT customer_id, account_id, dimension, hour, tags, quantity FROM usage
		WHERE batch = ? ORDER BY hour, customer_id, account_id, dimension, tags`, batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recs []sealedRecord
	for rows.Next() {
		var k recordKey
		var tagKey string
		var q int64
		if err := rows.Scan(&k.customer.Identifier, &k.customer.AWSAccountID, &k.dimension, &k.hour, &tagKey, &q); err != nil {
			return nil, err
		}
		tags, err := decodeTags(tagKey)
		if err != nil {
			return nil, err
		}
		if n := len(recs); n == 0 || recs[n-1].key != k {
			recs = append(recs, sealedRecord{key: k})
		}
		last := &recs[len(recs)-1]
		last.quantity += q
		last.allocations = append(last.allocations, allocation{tags: tags, quantity: q})
	}
	return recs, rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// pendingBatches lists unanswered batches after the given id, oldest
// first.
func (s *spool) pendingBatches(ctx context.Context, after int64) ([]pendingBatch, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, token FROM batches WHERE state = 'pending' AND id > ? ORDER BY id`, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pendingBatch
	for rows.Next() {
		var b pendingBatch
		if err := rows.Scan(&b.id, &b.token); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

type pendingBatch struct {
	id    int64
	token string
}

// result is AWS's answer for one record.
type result struct {
	key      recordKey
	status   string
	recordID string
	err      string
}

// Statuses kept in the results table besides AWS's own
// (Success, DuplicateRecord, CustomerNotSubscribed).
const (
	StatusExpired = "Expired"
	StatusFailed  = "Failed"
)

func saveResult(ctx context.Context, tx *sql.Tx, batch int64, quantity int64, r result, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO results
		(customer_id, account_id, dimension, hour, quantity, batch, status, record_id, error, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (customer_id, account_id, dimension, hour) DO UPDATE SET
			quantity = excluded.quantity, batch = excluded.batch, status = excluded.status,
			record_id = excluded.record_id, error = excluded.error, at = excluded.at`,
		r.key.customer.Identifier, r.key.customer.AWSAccountID, r.key.dimension, r.key.hour,
		quantity, batch, r.status, r.recordID, r.err, now.Unix())
	return err
}

func finishBatch(ctx context.Context, tx *sql.Tx, batch int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE batches SET state = 'done', attempts = attempts + 1 WHERE id = ?`, batch)
	return err
}

func (s *spool) noteAttempt(ctx context.Context, batch int64, failure string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE batches SET attempts = attempts + 1, last_error = ? WHERE id = ?`,
		failure, batch)
	return err
}

func getMeta(ctx context.Context, tx *sql.Tx, key string) (int64, bool, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return v, err == nil, err
}

func setMeta(ctx context.Context, tx *sql.Tx, key string, v int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, v)
	return err
}
