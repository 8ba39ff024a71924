package postgres

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// Usage rollups (migrations/0011): the records a transaction inserts are
// added to usage_rollup and usage_totals by the same transaction, in one
// statement, under this node's shard. A sum then reads rows that always
// match the committed records, whichever node committed them.

// rollupShards is how many shards nodes pick theirs from. Two nodes on one
// shard are still exact (they only wait on each other's row locks); more
// shards mean more rows for a sum to add up.
const rollupShards = 8

// randomShard is the shard a node writes its rollup rows to.
func randomShard() int16 { return int16(rand.IntN(rollupShards)) }

// addRollupSQL upserts the rollup rows $1-$11 and the totals rows $12-$19,
// both in one order that every node follows (so that two transactions on
// one shard lock rows in the same order and never deadlock). $20 is the
// shard.
const addRollupSQL = `WITH rollup AS (
	INSERT INTO usage_rollup (period, product_code, tag_key, tag_value, hour, customer_identifier,
		customer_account, license_arn, dimension, test, shard, quantity, records)
	SELECT u.period, u.product, u.tag_key, u.tag_value, u.hour, u.customer, u.account, u.license, u.dimension,
		u.test, $20, u.quantity, u.records
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
		$9::text[], $10::boolean[], $11::bigint[], $21::bigint[])
		AS u (period, product, tag_key, tag_value, hour, customer, account, license, dimension, test, quantity, records)
	ON CONFLICT (period, product_code, tag_key, tag_value, hour, customer_identifier, customer_account,
		license_arn, dimension, test, shard)
	DO UPDATE SET quantity = usage_rollup.quantity + excluded.quantity,
		records = usage_rollup.records + excluded.records)
INSERT INTO usage_totals (period, product_code, tag_key, tag_value, hour, dimension, test, shard, quantity, records)
SELECT t.period, t.product, t.tag_key, t.tag_value, t.hour, t.dimension, t.test, $20, t.quantity, t.records
FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::text[], $18::boolean[],
	$19::bigint[], $22::bigint[]) AS t (period, product, tag_key, tag_value, hour, dimension, test, quantity, records)
ON CONFLICT (period, product_code, tag_key, tag_value, hour, dimension, test, shard)
DO UPDATE SET quantity = usage_totals.quantity + excluded.quantity, records = usage_totals.records + excluded.records`

// rollupKey is one row of usage_rollup, or with total of usage_totals
// (whose customer, account and license are empty).
type rollupKey struct {
	total                           bool
	period                          meterd.UsagePeriod
	start                           time.Time // the period's start
	product, tagKey, tagValue       string
	customer, account, license, dim string
	test                            bool
}

// rollupSum is the quantity and number of records of one rollup row.
type rollupSum struct{ quantity, records int64 }

// rollupSums adds records up per rollup row.
type rollupSums map[rollupKey]*rollupSum

// customerPeriods are the periods of usage_rollup: months, for the bill.
// Its rows are dearer to write than the totals', since a group's records
// seldom share one (the dedupe key is a customer's dimension and hour, so
// hours would be a row per record): each period kept is an upsert per
// record. Sums by customer per day or hour read the records
// (backend.PlanSum).
var customerPeriods = []meterd.UsagePeriod{meterd.PerMonth}

// add counts r in every row it belongs to: each period, with and without
// its customer, whole and per tag of its allocations.
func (s rollupSums) add(r *meterd.MeteringRecord) {
	k := rollupKey{start: r.Hour.UTC(), product: r.ProductCode, customer: r.CustomerIdentifier,
		account: r.CustomerAccount(), license: r.LicenseArn, dim: r.Dimension, test: r.Test}
	s.addKey(k, r.Quantity)
	for t, q := range backend.AllocatedToTags(r.Allocations) {
		tk := k
		tk.tagKey, tk.tagValue = t.Key, t.Value
		s.addKey(tk, q)
	}
}

func (s rollupSums) addKey(k rollupKey, quantity int64) {
	total := k
	total.total, total.customer, total.account, total.license = true, "", "", ""
	for _, key := range []rollupKey{k, total} {
		periods := customerPeriods
		if key.total {
			periods = backend.RollupPeriods
		}
		for _, p := range periods {
			pk := key
			pk.period, pk.start = p, p.Start(key.start)
			v, ok := s[pk]
			if !ok {
				v = &rollupSum{}
				s[pk] = v
			}
			v.quantity += quantity
			v.records++
		}
	}
}

// rollupColumns are the rows of one rollup table as the arrays
// addRollupSQL unnests.
type rollupColumns struct {
	period, product, tagKey, tagValue, customer, account, license, dim []string
	hour, quantity, records                                            []int64
	test                                                               []bool
}

func newRollupColumns(n int) *rollupColumns {
	str := func() []string { return make([]string, 0, n) }
	return &rollupColumns{period: str(), product: str(), tagKey: str(), tagValue: str(), customer: str(),
		account: str(), license: str(), dim: str(), hour: make([]int64, 0, n), quantity: make([]int64, 0, n),
		records: make([]int64, 0, n), test: make([]bool, 0, n)}
}

func (c *rollupColumns) add(k *rollupKey, hour int64, v *rollupSum) {
	c.period, c.product = append(c.period, string(k.period)), append(c.product, k.product)
	c.tagKey, c.tagValue = append(c.tagKey, k.tagKey), append(c.tagValue, k.tagValue)
	c.customer, c.account = append(c.customer, k.customer), append(c.account, k.account)
	c.license, c.dim = append(c.license, k.license), append(c.dim, k.dim)
	c.hour, c.test = append(c.hour, hour), append(c.test, k.test)
	c.quantity, c.records = append(c.quantity, v.quantity), append(c.records, v.records)
}

// rollupArgs are addRollupSQL's arguments for sums, or ok false when there
// is nothing to add.
func rollupArgs(shard int16, sums rollupSums) (args []any, ok bool, err error) {
	if len(sums) == 0 {
		return nil, false, nil
	}
	rollup, totals := newRollupColumns(len(sums)), newRollupColumns(len(sums)/4)
	var te timeEncoder
	for _, k := range sortedKeys(sums) {
		hour := te.encode(k.start)
		if hour == nil {
			continue // a record without a usage hour has no period to count in
		}
		if k.total {
			totals.add(k, *hour, sums[*k])
		} else {
			rollup.add(k, *hour, sums[*k])
		}
	}
	if te.err != nil {
		return nil, false, te.err
	}
	return []any{rollup.period, rollup.product, rollup.tagKey, rollup.tagValue, rollup.hour, rollup.customer,
		rollup.account, rollup.license, rollup.dim, rollup.test, rollup.quantity,
		totals.period, totals.product, totals.tagKey, totals.tagValue, totals.hour, totals.dim, totals.test,
		totals.quantity, shard, rollup.records, totals.records}, true, nil
}

// sortedKeys are the keys of sums in compareRollupKeys order, sorted as
// pointers (a key is about 200 bytes).
func sortedKeys(sums rollupSums) []*rollupKey {
	keys := make([]rollupKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sorted := make([]*rollupKey, len(keys))
	for i := range keys {
		sorted[i] = &keys[i]
	}
	slices.SortFunc(sorted, compareRollupKeys)
	return sorted
}

// compareRollupKeys is the one order in which every node locks rollup
// rows; the fields that most often differ come first.
func compareRollupKeys(a, b *rollupKey) int {
	if c := strings.Compare(a.customer, b.customer); c != 0 {
		return c
	}
	if c := a.start.Compare(b.start); c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.dim, b.dim), strings.Compare(a.product, b.product),
		strings.Compare(string(a.period), string(b.period)), strings.Compare(a.tagKey, b.tagKey),
		strings.Compare(a.tagValue, b.tagValue), strings.Compare(a.account, b.account),
		strings.Compare(a.license, b.license), boolCompare(a.test, b.test), boolCompare(a.total, b.total))
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// rollupOf sums the records of rows.
func rollupOf(rows []usageRow) rollupSums {
	sums := rollupSums{}
	for _, row := range rows {
		sums.add(row.rec)
	}
	return sums
}

// addRollup adds sums to this node's shard of the rollups in tx.
func (db *DB) addRollup(ctx context.Context, tx pgx.Tx, sums rollupSums) error {
	args, ok, err := rollupArgs(db.shard, sums)
	if err != nil || !ok {
		return err
	}
	_, err = tx.Exec(ctx, addRollupSQL, args...)
	return err
}

// insertedRows are the rows of a RecordUsage call that it stored.
func insertedRows(rows []usageRow, outcomes []meterd.RecordOutcome) []usageRow {
	var out []usageRow
	for i, o := range outcomes {
		if o.Inserted {
			out = append(out, rows[i])
		}
	}
	return out
}
