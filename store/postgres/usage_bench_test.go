package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/postgres/pgtest"
)

// BenchmarkSumUsage times the sums that the bill, the console and
// `meterd usage` ask for over a month of one product with 1,000,000
// records (METERD_BENCH_RECORDS changes it): one record per customer
// (2,000), dimension (8) and hour, as sellers meter, a tenth of them
// tagged, a fiftieth tests, and a tenth of another product. Each sum runs
// from the rollups (SumUsage) and from the records, as every sum did
// before them. The records are made in SQL (generate_series) on a
// database at schema 10, and migration 0011 builds the rollups from them
// (its time is logged):
//
//	go test -run='^$' -bench=SumUsage -benchtime=3x ./store/postgres
func BenchmarkSumUsage(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("METERD_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
	}
	server := pgtest.NewServer(b)
	db := sumFixture(b, server.Database(b), n)
	month := time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC)
	real := false
	sums := []struct {
		name string
		sum  meterd.UsageSum
	}{
		{"bill", meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "prod-saas", Test: &real, UsageSince: month,
			UsageUntil: month.AddDate(0, 1, 0)}, Per: meterd.PerMonth,
			By: []string{meterd.GroupCustomer, meterd.GroupDimension}}},
		{"month-per-day", meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "prod-saas"}, Per: meterd.PerDay,
			By: []string{meterd.GroupDimension}}},
		{"console-day-per-hour", meterd.UsageSum{Query: meterd.UsageQuery{UsageSince: month.AddDate(0, 0, 14),
			UsageUntil: month.AddDate(0, 0, 15)}, Per: meterd.PerHour,
			By: []string{meterd.GroupProduct, meterd.GroupDimension}}},
		{"one-customer-per-hour", meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "prod-saas",
			Customer: "cust-7"}, Per: meterd.PerHour}},
	}
	for _, sc := range sums {
		for _, from := range []struct {
			name string
			sum  func(context.Context, meterd.UsageSum) ([]meterd.UsageGroup, error)
		}{{"rollup", db.SumUsage}, {"records", db.SumUsageFromRecords}} {
			b.Run(sc.name+"/"+from.name, func(b *testing.B) {
				cpu, serverCPU := cpuTime(), server.CPUTime()
				var groups int
				for b.Loop() {
					got, err := from.sum(b.Context(), sc.sum)
					if err != nil {
						b.Fatal(err)
					}
					groups = len(got)
				}
				b.ReportMetric(float64(groups), "groups")
				reportCPU(b, b.N, "op", cpuTime()-cpu, server.CPUTime()-serverCPU)
			})
		}
	}
}

// sumFixture is a database of n records for BenchmarkSumUsage, migrated.
func sumFixture(b *testing.B, url string, n int) *postgres.DB {
	b.Helper()
	must(b, mustOpen(b, url, postgres.WithSchemaVersion(10)).Close())
	conn, err := pgx.Connect(b.Context(), url)
	must(b, err)
	defer conn.Close(context.Background())
	month := time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	// Record i is in hour i*720/n of the month, so that the 2,000 x 8
	// customers and dimensions of consecutive records each have one.
	_, err = conn.Exec(b.Context(), `INSERT INTO metering_records (id, region, operation, product_code,
		customer_identifier, customer_aws_account_id, license_arn, caller_account_id, resource_id, dimension,
		timestamp, hour, quantity, allocations, dedupe_key, client_token, request_hash, test, received_at)
	SELECT 'rec-' || i, 'us-east-1', 'BatchMeterUsage', CASE WHEN i % 10 = 0 THEN 'prod-other' ELSE 'prod-saas' END,
		'cust-' || i % 2000, '222233334444', 'arn:lic-' || i % 2000, '111122223333', 'AKID',
		'dim-' || (i / 2000) % 8, h + (i % 3600) * 1000000000, h, i % 100,
		CASE WHEN i % 10 = 1 THEN '[{"AllocatedUsageQuantity":1,"Tags":[{"Key":"team","Value":"a"}]}]' END,
		convert_to('dk-' || i, 'UTF8'), NULL, 'hash', i % 50 = 0, h + 3900000000000
	FROM generate_series(0, $1::bigint - 1) AS i,
		LATERAL (SELECT $2::bigint + (i * 720 / $1::bigint) * 3600000000000 AS h) AS hours`, n, month)
	must(b, err)
	start := time.Now()
	db := mustOpen(b, url)
	b.Logf("migration 0011 rolled %d records up in %v", n, time.Since(start).Round(time.Millisecond))
	_, err = conn.Exec(b.Context(), `VACUUM ANALYZE metering_records, usage_rollup, usage_totals`)
	must(b, err)
	return db
}
