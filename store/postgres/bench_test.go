package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/postgres/pgtest"
)

// BenchmarkRecordUsage measures the group commit on a durable PostgreSQL
// (fsync on; a server of the benchmark's own) with records shaped like
// real traffic: UUIDv7 ids, random digests as dedupe keys, random UUID
// client tokens, every record new usage. Run with a fixed count:
//
//	go test -run='^$' -bench=RecordUsage -benchtime=5000x ./store/postgres
//
// cpu-µs/record is this process's CPU time per record (the writer, pgx,
// the benchmark's callers), pg-cpu-µs/record the server's: figures that
// stay put on a shared machine, where records/s does not.
func BenchmarkRecordUsage(b *testing.B) {
	server := pgtest.NewServer(b)
	cases := []struct {
		name     string
		parallel bool
		records  int
		token    bool
	}{
		{"serial/records=1", false, 1, false},
		{"serial/records=25", false, 25, false},
		{"parallel/records=1", true, 1, false},
		{"parallel/records=1/token", true, 1, true},
		{"parallel/records=25", true, 25, false},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			db := mustOpen(b, server.Database(b))
			var seq atomic.Int64
			call := func() error {
				_, err := db.RecordUsage(context.Background(), benchRecords(&seq, bc.records, bc.token))
				return err
			}
			b.ResetTimer()
			cpu, serverCPU := cpuTime(), server.CPUTime()
			if bc.parallel {
				b.SetParallelism(32)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := call(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			} else {
				for range b.N {
					if err := call(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			report(b, db, b.N*bc.records)
			reportCPU(b, b.N*bc.records, "record", cpuTime()-cpu, server.CPUTime()-serverCPU)
		})
	}
}

func benchRecords(seq *atomic.Int64, n int, token bool) []*meterd.MeteringRecord {
	recs := make([]*meterd.MeteringRecord, n)
	now := time.Date(2025, time.March, 4, 10, 6, 7, 0, time.UTC)
	for i := range recs {
		ts := now.Add(-rand.N(6 * time.Hour))
		r := &meterd.MeteringRecord{
			ID: uuid.Must(uuid.NewV7()).String(), Region: "us-east-1", Operation: meterd.OpBatchMeterUsage,
			ProductCode:        "prod-" + strconv.Itoa(rand.IntN(4)),
			CustomerIdentifier: "cust-" + strconv.Itoa(rand.IntN(2000)),
			CallerAccountID:    "111111111111", ResourceID: "AKIDBENCH",
			Dimension: "dim-" + strconv.Itoa(rand.IntN(8)),
			Timestamp: ts, Hour: ts.Truncate(time.Hour), Quantity: rand.Int64N(1000), ReceivedAt: now,
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%s|%d|%d", r.ProductCode, r.CustomerIdentifier, r.Dimension,
			r.Hour.Unix(), seq.Add(1)))
		r.DedupeKey = r.Operation + ":" + hex.EncodeToString(sum[:])
		r.RequestHash = hex.EncodeToString(sum[:16])
		if token {
			r.Operation, r.ClientToken = meterd.OpMeterUsage, uuid.NewString()
		}
		recs[i] = r
	}
	return recs
}

// report adds records/s and calls/commit (the mean number of calls that
// shared one transaction).
func report(b *testing.B, db *postgres.DB, records int) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	st := db.WriterStats()
	if st.Groups > 0 {
		b.ReportMetric(float64(st.Operations)/float64(st.Groups), "calls/commit")
	}
}

// reportCPU adds the CPU time per unit of this process and of the server.
func reportCPU(b *testing.B, n int, unit string, cpu, serverCPU time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/"+unit)
	}
	if serverCPU > 0 {
		b.ReportMetric(float64(serverCPU.Microseconds())/float64(n), "pg-cpu-µs/"+unit)
	}
}

// cpuTime is the CPU time (user and system) this process has used so far,
// or 0 where the OS does not tell.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
