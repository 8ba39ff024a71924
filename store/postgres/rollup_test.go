package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/postgres/pgtest"
)

// rollupHour is the first usage hour of these tests: two hours before a
// month ends, so that sums cross hour, day and month boundaries.
var rollupHour = time.Date(2025, time.March, 31, 22, 0, 0, 0, time.UTC)

// usageKey is one record's dedupe key: the n-th of a pool that the
// nodes send records for, several times each.
func usageRecord(n int, id string) *meterd.MeteringRecord {
	ts := rollupHour.Add(time.Duration(n%4)*time.Hour + time.Duration(n)*time.Second)
	r := &meterd.MeteringRecord{ID: id, Region: "us-east-1", Operation: meterd.OpBatchMeterUsage,
		ProductCode: fmt.Sprintf("prod-%d", n%2), CustomerIdentifier: fmt.Sprintf("cust-%d", n%7),
		CustomerAWSAccountID: "222233334444", LicenseArn: fmt.Sprintf("arn:lic-%d", n%7),
		CallerAccountID: "111122223333", ResourceID: "AKID", Dimension: fmt.Sprintf("dim-%d", n%3),
		Timestamp: ts, Hour: ts.Truncate(time.Hour), Quantity: int64(rand.IntN(1000)),
		DedupeKey: fmt.Sprintf("dk-%d", n), RequestHash: id, ReceivedAt: ts.Add(time.Minute), Test: n%5 == 0}
	if n%3 == 1 {
		r.Allocations = []meterd.UsageAllocation{{AllocatedUsageQuantity: int32(n % 10),
			Tags: []meterd.Tag{{Key: "team", Value: fmt.Sprint(n % 2)}}}}
	}
	return r
}

// rollupSums are the sums the tests compare, one per way a sum is read.
var rollupSums = []meterd.UsageSum{
	{Per: meterd.PerMonth, By: []string{meterd.GroupProduct, meterd.GroupDimension}},
	{Per: meterd.PerDay, By: []string{meterd.GroupCustomer, meterd.GroupLicense, meterd.GroupDimension}},
	{Per: meterd.PerHour, By: []string{meterd.GroupProduct, meterd.GroupCustomer}},
	{Per: meterd.PerHour, Query: meterd.UsageQuery{ProductCode: "prod-1", Test: new(bool)}},
	{Per: meterd.PerMonth, By: []string{meterd.GroupTag}},
	{Per: meterd.PerDay, Query: meterd.UsageQuery{UsageSince: rollupHour.Add(time.Hour)}},
}

// checkSumsMatchRecords fails t unless every rollupSums sum equals the sum
// of the records as they are read back one by one.
func checkSumsMatchRecords(t *testing.T, db *postgres.DB) {
	t.Helper()
	for _, s := range rollupSums {
		agg := meterd.NewUsageAggregator(s)
		must(t, meterd.EachUsage(t.Context(), db, s.Query, func(r *meterd.MeteringRecord) error {
			agg.Add(r.Sent())
			return nil
		}))
		want := agg.Groups()
		got, err := db.SumUsage(t.Context(), s)
		must(t, err)
		if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
			t.Errorf("sum %+v:\ngot  %v\nwant %v", s, got, want)
		}
	}
}

// Three nodes, two of them on one rollup shard, store overlapping records
// concurrently: every call is a copy of one of a few batches (a client
// retrying a batch on another node), so each dedupe key is sent by several
// calls on several nodes at once, with different quantities. The ledger
// holds each key once, and every sum equals the sum of the records it
// holds.
func TestSumUsageAcrossNodes(t *testing.T) {
	url := pgtest.URL(t)
	nodes := []*postgres.DB{mustOpen(t, url, postgres.WithRollupShard(0)),
		mustOpen(t, url, postgres.WithRollupShard(1)), mustOpen(t, url, postgres.WithRollupShard(1))}
	const batches, callers, calls = 40, 6, 30
	var wg sync.WaitGroup
	var sent atomic.Int64
	for c := range callers {
		for i, db := range nodes {
			wg.Go(func() {
				for call := range calls {
					b := rand.IntN(batches)
					recs := make([]*meterd.MeteringRecord, 1+b%25)
					for j := range recs {
						recs[j] = usageRecord(b*25+(j*7)%len(recs), fmt.Sprintf("n%d-c%d-%d-%d", i, c, call, j))
					}
					sent.Add(int64(len(recs)))
					if _, err := db.RecordUsage(t.Context(), recs); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	var stored int
	seen := map[string]bool{}
	must(t, meterd.EachUsage(t.Context(), nodes[0], meterd.UsageQuery{}, func(r *meterd.MeteringRecord) error {
		stored++
		if seen[r.DedupeKey] {
			t.Errorf("dedupe key %q stored twice", r.DedupeKey)
		}
		seen[r.DedupeKey] = true
		return nil
	}))
	if stored == 0 || stored >= int(sent.Load()) {
		t.Fatalf("%d records stored of %d sent: no overlap", stored, sent.Load())
	}
	for _, db := range nodes {
		checkSumsMatchRecords(t, db)
	}
	if n := queryString(t, url, "SELECT count(DISTINCT shard) FROM usage_totals"); n != "2" {
		t.Errorf("totals in %s shards, want 2", n)
	}
}

// Migration 0011 builds the rollups from the records already stored.
func TestRollupMigrationBackfills(t *testing.T) {
	url := pgtest.URL(t)
	db := mustOpen(t, url)
	var recs []*meterd.MeteringRecord
	for n := range 300 {
		recs = append(recs, usageRecord(n, fmt.Sprint("r", n)))
	}
	_, err := db.RecordUsage(t.Context(), recs)
	must(t, err)
	must(t, db.Close())
	// The database as 0010 left it, with the same records.
	conn, err := pgx.Connect(t.Context(), url)
	must(t, err)
	_, err = conn.Exec(t.Context(), `DROP TABLE usage_rollup, usage_totals;
		DELETE FROM schema_migrations WHERE version = 11`)
	conn.Close(context.Background())
	must(t, err)
	checkSumsMatchRecords(t, mustOpen(t, url))
}
