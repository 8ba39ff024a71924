package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// Usage queries. Listing reads metering_records a page at a time, by seq
// (keyset pagination). Sums read usage_rollup, the hourly rollup of the
// records up to a watermark, plus the records after it, in one read
// transaction: exact whatever has been rolled. The rollup is brought up to
// date before a sum (rollUsage), on the writer but outside RecordUsage's
// statements, so that metering pays nothing for it per record: a roll
// folds a chunk of records in Go and writes one row per rollup key, where
// an upsert per record in RecordUsage would dirty a random rollup page per
// record (see docs/architecture.md).

var _ meterd.UsageReader = (*DB)(nil)

// maxUsagePage caps a page of ListUsage.
const maxUsagePage = 1000

// rollChunk is how many records one roll folds in one write operation,
// bounding how long it holds the writer (tens of milliseconds).
const rollChunk = 5000

// ListUsage returns a page of the records matching q, in ledger order.
func (db *DB) ListUsage(ctx context.Context, q meterd.UsageQuery) ([]*meterd.MeteringRecord, string, error) {
	query, args, limit, err := backend.UsagePageQuery(dialect{}, usageColumns, q, tagExists)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list usage: %w", err)
	}
	rows, err := db.readDB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list usage: %w", err)
	}
	defer rows.Close()
	recs, cursor, err := backend.ReadUsagePage(rows, limit, func(r backend.Scanner) (*meterd.MeteringRecord, error) {
		return scanUsage(r)
	})
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list usage: %w", err)
	}
	return recs, cursor, nil
}

// tagExists keeps records with an allocation tag key (of value unless "").
func tagExists(w *backend.Where, key, value string) {
	v := nullString(value)
	w.Add(`EXISTS (SELECT 1 FROM json_each(allocations) a, json_each(a.value, '$.Tags') t
	WHERE t.value ->> '$.Key' = ? AND (? IS NULL OR t.value ->> '$.Value' = ?))`, key, v, v)
}

// SumUsage rolls the ledger up, then sums the rollup and the records after
// its watermark in one read transaction. A sum by receipt time needs the
// records themselves: it reads them (by product and hour when given).
func (db *DB) SumUsage(ctx context.Context, s meterd.UsageSum) ([]meterd.UsageGroup, error) {
	s.Query.Limit, s.Query.Cursor = 0, ""
	agg := meterd.NewUsageAggregator(s)
	plan := backend.PlanSum(s, backend.RollupPeriods)
	if plan.Records {
		err := meterd.EachUsage(ctx, db, s.Query, func(r *meterd.MeteringRecord) error {
			agg.Add(r.Sent())
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("sqlite: sum usage: %w", err)
		}
		return agg.Groups(), nil
	}
	if err := db.rollUsage(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: sum usage: %w", err)
	}
	return db.sumRolled(ctx, s, plan, agg)
}

// sumRolled sums the rollup and the records after its watermark.
func (db *DB) sumRolled(ctx context.Context, s meterd.UsageSum, plan backend.SumPlan, agg *meterd.UsageAggregator) ([]meterd.UsageGroup, error) {
	tx, err := db.readDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: sum usage: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	var mark int64
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM usage_rollup_mark`).Scan(&mark); err != nil {
		return nil, fmt.Errorf("sqlite: sum usage: %w", err)
	}
	if err := sumRollup(ctx, tx, s, plan, agg); err != nil {
		return nil, fmt.Errorf("sqlite: sum usage: %w", err)
	}
	if err := sumTail(ctx, tx, s, mark, agg); err != nil {
		return nil, fmt.Errorf("sqlite: sum usage: %w", err)
	}
	return agg.Groups(), nil
}

// periodSQL is the period of a rollup hour as text: the hour itself, or
// its day's or month's prefix.
func periodSQL(p meterd.UsagePeriod) string {
	switch p {
	case meterd.PerDay:
		return "substr(hour, 1, 10)"
	case meterd.PerMonth:
		return "substr(hour, 1, 7)"
	}
	return "hour"
}

// parsePeriod reads periodSQL's text back.
func parsePeriod(p meterd.UsagePeriod, s string) (time.Time, error) {
	switch p {
	case meterd.PerDay:
		return time.Parse(time.DateOnly, s)
	case meterd.PerMonth:
		return time.Parse("2006-01", s)
	}
	return time.Parse(timeLayout, s)
}

// sumRollup adds the rollup's rows matching s, grouped in SQL.
func sumRollup(ctx context.Context, tx *sql.Tx, s meterd.UsageSum, plan backend.SumPlan, agg *meterd.UsageAggregator) error {
	w, err := backend.RollupWhere(dialect{}, s.Query, plan)
	if err != nil {
		return err
	}
	table := "usage_rollup"
	if plan.Totals {
		table = "usage_totals" // the same sums, without the customers
	}
	cols := append([]string{periodSQL(s.Per)}, backend.RollupGroupColumns(s)...)
	group := strings.Join(cols, ", ")
	rows, err := tx.QueryContext(ctx, `SELECT `+group+`, sum(quantity), sum(records) FROM `+table+w.SQL()+
		` GROUP BY `+group, w.Args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g meterd.UsageGroup
		var period string
		if err := rows.Scan(&period, &g.Product, &g.Customer, &g.Dimension, &g.LicenseArn, &g.TagKey, &g.TagValue,
			&g.Quantity, &g.Records); err != nil {
			return err
		}
		if g.Period, err = parsePeriod(s.Per, period); err != nil {
			return err
		}
		agg.AddGroup(g, g.Quantity, g.Records)
	}
	return rows.Err()
}

// sumTail adds the records after the rollup's watermark.
func sumTail(ctx context.Context, tx *sql.Tx, s meterd.UsageSum, mark int64, agg *meterd.UsageAggregator) error {
	w, err := backend.UsageWhere(dialect{}, s.Query, true, tagExists)
	if err != nil {
		return err
	}
	w.Add("seq > ?", mark)
	// NOT INDEXED: the tail is a range of seq, which the planner would
	// otherwise trade for the (product_code, hour) index and read a
	// product's whole month.
	rows, err := tx.QueryContext(ctx, `SELECT `+usageColumns+` FROM metering_records NOT INDEXED`+w.SQL(), w.Args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scanUsage(rows)
		if err != nil {
			return err
		}
		agg.Add(rec.Sent())
	}
	return rows.Err()
}

// rollUsage folds the records after the watermark into the rollup, a
// chunk per write operation, until none is left. It looks first on a
// reader: a rollup that is up to date costs no write (and no fsync).
func (db *DB) rollUsage(ctx context.Context) error {
	var behind bool
	err := db.readDB.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM metering_records
		WHERE seq > (SELECT seq FROM usage_rollup_mark))`).Scan(&behind)
	if err != nil || !behind {
		return err
	}
	for {
		var n int
		err := db.writeRerunnable(ctx, func(tx *writeTx) error {
			var err error
			n, err = rollChunkOnce(tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("roll up usage: %w", err)
		}
		if n < rollChunk {
			return nil
		}
	}
}

// RollUsage brings the usage rollup up to date. Sums do it first; calling
// it after a burst of metering keeps the next sum quick.
func (db *DB) RollUsage(ctx context.Context) error { return db.rollUsage(ctx) }

// rollKey is one row of usage_rollup.
type rollKey struct {
	total                                   bool // a row of usage_totals: no customer, account or license
	period, product, tagKey, tagValue, hour string
	customer, account, license, dim         string
	test                                    int64
}

const rollSelectSQL = `SELECT seq, product_code, hour, customer_identifier,
	CASE WHEN customer_aws_account_id = '' AND operation = 'MeterUsage' THEN caller_account_id
		ELSE customer_aws_account_id END,
	license_arn, dimension, test, quantity, allocations
	FROM metering_records WHERE seq > (SELECT seq FROM usage_rollup_mark) ORDER BY seq LIMIT ?`

const totalsUpsertSQL = `INSERT INTO usage_totals (period, product_code, tag_key, tag_value, hour, dimension, test,
	quantity, records) VALUES (?,?,?,?,?,?,?,?,?)
	ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, records = records + excluded.records`

const rollUpsertSQL = `INSERT INTO usage_rollup (period, product_code, tag_key, tag_value, hour,
	customer_identifier, customer_account, license_arn, dimension, test, quantity, records)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
	ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, records = records + excluded.records`

// rollChunkOnce folds up to rollChunk records and moves the watermark past
// them; it returns how many it folded.
func rollChunkOnce(tx *writeTx) (int, error) {
	sums, last, n, err := readChunk(tx)
	if err != nil || n == 0 {
		return 0, err
	}
	// In key order, so that the upserts walk the rollup's pages in order
	// rather than jump between them.
	keys := slices.SortedFunc(maps.Keys(sums), compareRollKeys)
	for _, k := range keys {
		v := sums[k]
		var err error
		if k.total {
			_, err = tx.exec(totalsUpsertSQL, k.period, k.product, k.tagKey, k.tagValue, k.hour, k.dim, k.test, v[0], v[1])
		} else {
			_, err = tx.exec(rollUpsertSQL, k.period, k.product, k.tagKey, k.tagValue, k.hour, k.customer, k.account,
				k.license, k.dim, k.test, v[0], v[1])
		}
		if err != nil {
			return 0, err
		}
	}
	_, err = tx.exec(`UPDATE usage_rollup_mark SET seq = ?`, last)
	return n, err
}

// compareRollKeys orders keys as usage_rollup's primary key does.
func compareRollKeys(a, b rollKey) int {
	if a.total != b.total {
		if a.total {
			return 1
		}
		return -1
	}
	for _, p := range [][2]string{{a.period, b.period}, {a.product, b.product}, {a.tagKey, b.tagKey},
		{a.tagValue, b.tagValue}, {a.hour, b.hour}, {a.customer, b.customer}, {a.account, b.account},
		{a.license, b.license}, {a.dim, b.dim}} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.test, b.test)
}

// readChunk sums the next chunk of records per rollup key.
func readChunk(tx *writeTx) (sums map[rollKey]*[2]int64, last int64, n int, err error) {
	stmt, err := tx.stmt(rollSelectSQL)
	if err != nil {
		return nil, 0, 0, err
	}
	rows, err := stmt.QueryContext(tx.ctx, rollChunk)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	sums = map[rollKey]*[2]int64{}
	add := func(k rollKey, q int64) {
		total := k
		total.total, total.customer, total.account, total.license = true, "", "", ""
		for _, key := range []rollKey{k, total} {
			for _, p := range backend.RollupPeriods {
				pk := key
				pk.period = string(p)
				if p != meterd.PerHour {
					pk.hour = rollStart(p, key.hour)
				}
				v, ok := sums[pk]
				if !ok {
					v = new([2]int64)
					sums[pk] = v
				}
				v[0] += q
				v[1]++
			}
		}
	}
	for rows.Next() {
		var k rollKey
		var q int64
		var alloc sql.NullString
		if err := rows.Scan(&last, &k.product, &k.hour, &k.customer, &k.account, &k.license, &k.dim, &k.test,
			&q, &alloc); err != nil {
			return nil, 0, 0, err
		}
		n++
		add(k, q)
		if err := addTags(k, alloc, add); err != nil {
			return nil, 0, 0, err
		}
	}
	return sums, last, n, rows.Err()
}

// addTags adds a row per tag of a record's allocations with what they
// gave it, as meterd.UsageAggregator counts tags.
func addTags(k rollKey, alloc sql.NullString, add func(rollKey, int64)) error {
	if !alloc.Valid {
		return nil
	}
	allocs, err := backend.DecodeList[meterd.UsageAllocation](alloc.String)
	if err != nil {
		return errors.Join(errors.New("allocations"), err)
	}
	for t, q := range backend.AllocatedToTags(allocs) {
		tk := k
		tk.tagKey, tk.tagValue = t.Key, t.Value
		add(tk, q)
	}
	return nil
}

// rollStart is the stored start of the day or month of a stored hour: the
// same text with the hour (and day) zeroed, so that it keeps timeLayout.
func rollStart(p meterd.UsagePeriod, hour string) string {
	const day, month = len("2006-01-02"), len("2006-01")
	if len(hour) != len(timeLayout) {
		return hour
	}
	if p == meterd.PerMonth {
		return hour[:month] + "-01" + zeroTime
	}
	return hour[:day] + zeroTime
}

// zeroTime is timeLayout's time of day at midnight.
const zeroTime = "T00:00:00.000000000Z"
