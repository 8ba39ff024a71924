package sqlite_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// benchCallSizes are one MeterUsage record and a full BatchMeterUsage.
var benchCallSizes = []int{1, 25}

func benchRecords(seq *atomic.Int64, n int) []*meterd.MeteringRecord {
	recs := make([]*meterd.MeteringRecord, n)
	now := time.Date(2025, time.March, 4, 10, 6, 7, 0, time.UTC)
	for i := range recs {
		id := fmt.Sprintf("bench-%d", seq.Add(1))
		recs[i] = &meterd.MeteringRecord{
			ID: id, Region: "us-east-1", Operation: "BatchMeterUsage", ProductCode: "prod",
			CustomerIdentifier: "cust", CallerAccountID: "111111111111", Dimension: "users",
			Timestamp: now, Hour: now.Truncate(time.Hour), Quantity: 1, DedupeKey: id,
			RequestHash: "h", ReceivedAt: now,
		}
	}
	return recs
}

// report adds records/s and calls/commit, the mean number of calls that
// shared one transaction and fsync.
func report(b *testing.B, db *sqlite.DB, records int) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	st := db.WriterStats()
	b.ReportMetric(float64(st.Operations)/float64(st.Groups), "calls/commit")
}

// BenchmarkRecordUsageSerial makes one call at a time: every call waits for
// its own fsync.
func BenchmarkRecordUsageSerial(b *testing.B) {
	for _, size := range benchCallSizes {
		b.Run(fmt.Sprintf("records=%d", size), func(b *testing.B) {
			db := mustOpen(b, b.TempDir())
			var seq atomic.Int64
			for b.Loop() {
				if _, err := db.RecordUsage(context.Background(), benchRecords(&seq, size)); err != nil {
					b.Fatal(err)
				}
			}
			report(b, db, b.N*size)
		})
	}
}

// BenchmarkRecordUsageParallel makes calls from many goroutines: group
// commit shares each fsync among the calls queued meanwhile.
func BenchmarkRecordUsageParallel(b *testing.B) {
	for _, size := range benchCallSizes {
		b.Run(fmt.Sprintf("records=%d", size), func(b *testing.B) {
			db := mustOpen(b, b.TempDir())
			var seq atomic.Int64
			b.SetParallelism(32) // callers per GOMAXPROCS, like concurrent HTTP requests
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := db.RecordUsage(context.Background(), benchRecords(&seq, size)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			report(b, db, b.N*size)
		})
	}
}

// BenchmarkRecordUsageClientToken makes MeterUsage's calls from many
// goroutines: one record with a ClientToken each, looked up before the
// insert.
func BenchmarkRecordUsageClientToken(b *testing.B) {
	db := mustOpen(b, b.TempDir())
	var seq atomic.Int64
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			recs := benchRecords(&seq, 1)
			recs[0].ClientToken = recs[0].ID
			if _, err := db.RecordUsage(context.Background(), recs); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b, db, b.N)
}
