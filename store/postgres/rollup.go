package postgres

import (
	"cmp"
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

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

// rollupColumns are the rows of one rollup table as the arrays
// addRollupSQL unnests.
type rollupColumns struct {
	period, product, tagKey, tagValue, customer, account, license, dim []string
	hour, quantity, records                                            []int64
	test                                                               []bool
}

func (c *rollupColumns) add(k backend.RollupKey, hour int64, v *backend.RollupSum) {
	c.period, c.product = append(c.period, string(k.Period)), append(c.product, k.Product)
	c.tagKey, c.tagValue = append(c.tagKey, k.TagKey), append(c.tagValue, k.TagValue)
	c.customer, c.account = append(c.customer, k.Customer), append(c.account, k.Account)
	c.license, c.dim = append(c.license, k.License), append(c.dim, k.Dim)
	c.hour, c.test = append(c.hour, hour), append(c.test, k.Test)
	c.quantity, c.records = append(c.quantity, v.Quantity), append(c.records, v.Records)
}

// rollupArgs are addRollupSQL's arguments for sums, or ok false when there
// is nothing to add.
func rollupArgs(shard int16, sums backend.RollupSums) (args []any, ok bool, err error) {
	if len(sums) == 0 {
		return nil, false, nil
	}
	var rollup, totals rollupColumns
	var te timeEncoder
	for _, k := range slices.SortedFunc(maps.Keys(sums), compareRollupKeys) {
		hour := te.encode(k.Start)
		if hour == nil {
			continue // a record without a usage hour has no period to count in
		}
		if k.Total {
			totals.add(k, *hour, sums[k])
		} else {
			rollup.add(k, *hour, sums[k])
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

// compareRollupKeys is the one order in which every node locks rollup rows.
func compareRollupKeys(a, b backend.RollupKey) int {
	for _, p := range [][2]string{{string(a.Period), string(b.Period)}, {a.Product, b.Product},
		{a.TagKey, b.TagKey}, {a.TagValue, b.TagValue}, {a.Customer, b.Customer}, {a.Account, b.Account},
		{a.License, b.License}, {a.Dim, b.Dim}} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	return cmp.Or(a.Start.Compare(b.Start), boolCompare(a.Test, b.Test), boolCompare(a.Total, b.Total))
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
func rollupOf(rows []usageRow) backend.RollupSums {
	sums := backend.RollupSums{}
	for _, row := range rows {
		sums.Add(row.rec)
	}
	return sums
}

// addRollup adds sums to this node's shard of the rollups in tx.
func (db *DB) addRollup(ctx context.Context, tx pgx.Tx, sums backend.RollupSums) error {
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
