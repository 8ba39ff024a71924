package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// BenchmarkSumUsage times a month's sums over a large ledger: by default
// 10 million records of random customers, dimensions and hours of March
// 2025 (METERD_BENCH_USAGE_RECORDS sets another size). The ledger is built
// once by bulk inserts (its rollup with the SQL equivalent of the roll)
// and kept in the temporary directory, keyed by size, for later runs:
//
//	go test -run='^$' -bench=SumUsage -benchtime=10x ./store/sqlite
func BenchmarkSumUsage(b *testing.B) {
	size := 10_000_000
	if v := os.Getenv("METERD_BENCH_USAGE_RECORDS"); v != "" {
		var err error
		if size, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	dir := usageLedger(b, size)
	db := mustOpen(b, dir)
	march, april := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	month := meterd.UsageQuery{UsageSince: march, UsageUntil: april}
	product := month
	product.ProductCode = "prod-1"
	cases := []struct {
		name string
		sum  meterd.UsageSum
	}{
		{"month/per=month", meterd.UsageSum{Query: month, Per: meterd.PerMonth}},
		{"month/per=month/by=customer,dimension", meterd.UsageSum{Query: month, Per: meterd.PerMonth,
			By: []string{meterd.GroupCustomer, meterd.GroupDimension}}},
		{"month/per=day/by=product", meterd.UsageSum{Query: month, Per: meterd.PerDay, By: []string{meterd.GroupProduct}}},
		{"month/per=day/by=dimension/product", meterd.UsageSum{Query: product, Per: meterd.PerDay,
			By: []string{meterd.GroupDimension}}},
		{"month/per=hour/customer", meterd.UsageSum{Query: meterd.UsageQuery{UsageSince: march, UsageUntil: april,
			Customer: "cust-7"}, Per: meterd.PerHour}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var groups int
			for b.Loop() {
				got, err := db.SumUsage(b.Context(), c.sum)
				if err != nil {
					b.Fatal(err)
				}
				groups = len(got)
			}
			b.ReportMetric(float64(groups), "groups")
		})
	}
}

// usageLedger returns a data directory holding a ledger of size records,
// building it unless an earlier run left it.
func usageLedger(b *testing.B, size int) string {
	b.Helper()
	// The name changes with the rollup's schema, so that a stale ledger
	// is not reused.
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("meterd-bench-usage-v2-%d", size))
	ready := filepath.Join(dir, "ready")
	if _, err := os.Stat(ready); err == nil {
		return dir
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), dir, discardLogger()) // migrates
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	for _, q := range usageLedgerSQL {
		if _, err := raw.Exec(q, size); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	b.Logf("built a ledger of %d records in %v", size, time.Since(start).Round(time.Second))
	if err := os.WriteFile(ready, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return dir
}

// usageLedgerSQL fills the ledger with ?1 records (2,000 customers, 8
// dimensions, 4 products, any hour of March 2025) and rolls it up as
// rollUsage would, a period at a time.
var usageLedgerSQL = []string{
	`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),
	r(i, c, d, p, h) AS (SELECT i, abs(random()) % ` + strconv.Itoa(benchCustomers) + `, abs(random()) % 8,
		abs(random()) % 4, abs(random()) % 744 FROM n)
	INSERT INTO metering_records (id, region, operation, product_code, customer_identifier, customer_aws_account_id,
		license_arn, caller_account_id, resource_id, dimension, timestamp, hour, quantity, dedupe_key, request_hash,
		test, received_at, dedupe_hash)
	SELECT printf('%016x', i), 'us-east-1', 'BatchMeterUsage', 'prod-' || p, 'cust-' || c, '', '', '111111111111',
		'AKIDBENCH', 'dim-' || d, strftime('%Y-%m-%dT%H:00:00.000000000Z', '2025-03-01', '+' || h || ' hours'),
		strftime('%Y-%m-%dT%H:00:00.000000000Z', '2025-03-01', '+' || h || ' hours'), 1 + i % 100,
		'k' || i, 'h', 0, '2025-04-01T00:00:00.000000000Z', i FROM r`,
	`INSERT INTO usage_rollup SELECT 'hour', product_code, '', '', hour, customer_identifier, customer_aws_account_id,
		license_arn, dimension, test, sum(quantity), count(*) FROM metering_records WHERE ?1 > 0
		GROUP BY product_code, hour, customer_identifier, customer_aws_account_id, license_arn, dimension, test`,
	`INSERT INTO usage_rollup SELECT 'day', product_code, '', '', substr(hour, 1, 10) || 'T00:00:00.000000000Z',
		customer_identifier, customer_account, license_arn, dimension, test, sum(quantity), sum(records)
		FROM usage_rollup WHERE period = 'hour' AND ?1 > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
	`INSERT INTO usage_rollup SELECT 'month', product_code, '', '', substr(hour, 1, 7) || '-01T00:00:00.000000000Z',
		customer_identifier, customer_account, license_arn, dimension, test, sum(quantity), sum(records)
		FROM usage_rollup WHERE period = 'day' AND ?1 > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
	`INSERT INTO usage_totals SELECT period, product_code, tag_key, tag_value, hour, dimension, test,
		sum(quantity), sum(records) FROM usage_rollup WHERE ?1 > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7`,
	`UPDATE usage_rollup_mark SET seq = (SELECT max(seq) FROM metering_records) WHERE ?1 > 0`,
	`PRAGMA wal_checkpoint(TRUNCATE)`,
}

// BenchmarkRollUsage measures what the rollup costs a record: the roll of
// b.N records (written first, outside the timer) into the hourly, daily
// and monthly rows.
func BenchmarkRollUsage(b *testing.B) {
	db := mustOpen(b, b.TempDir())
	var seq atomic.Int64
	for done := 0; done < b.N; done += 1000 {
		if _, err := db.RecordUsage(b.Context(), benchRecords(&seq, min(1000, b.N-done), false)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	if err := db.RollUsage(b.Context()); err != nil {
		b.Fatal(err)
	}
}
