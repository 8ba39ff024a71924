package sqlite

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
)

// BenchmarkUsageGroup measures the CPU time of committing a group of
// single-record RecordUsage calls, the writer's work under concurrent
// MeterUsage, with the calls' records inserted together (merged=true, as
// the writer does) or call by call (merged=false, as it did before). The
// callers are idle while the group commits, so cpu-µs/call is the writer's
// (and the checkpointer's) time, unlike BenchmarkRecordUsage's whole
// process. The ledger starts with 20,000 random records.
//
//	go test -run='^$' -bench=UsageGroup -benchtime=300x -count=3 ./store/sqlite
func BenchmarkUsageGroup(b *testing.B) {
	const groupCalls = 16
	for _, merged := range []bool{false, true} {
		b.Run(fmt.Sprintf("calls=%d/merged=%v", groupCalls, merged), func(b *testing.B) {
			db, err := Open(b.Context(), b.TempDir(), slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			for range 20 {
				if _, err := db.RecordUsage(b.Context(), randomRecords(1000)); err != nil {
					b.Fatal(err)
				}
			}
			var cpu time.Duration
			for b.Loop() {
				cpu += commitGroupOf(b, db, groupCalls, merged)
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*groupCalls), "cpu-µs/call")
		})
	}
}

// commitGroupOf commits n single-record calls in one group and returns
// the process's CPU time from the group's start to its callers' answers.
func commitGroupOf(b *testing.B, db *DB, n int, merged bool) time.Duration {
	release := holdWriter(b, db)
	ops := make([]*writeOp, n)
	for i := range ops {
		call, err := newUsageCall(randomRecords(1), db.keyHash)
		if err != nil {
			b.Fatal(err)
		}
		if ops[i] = call.op(); !merged {
			ops[i].usage = nil
		}
		if err := db.enqueue(b.Context(), ops[i]); err != nil {
			b.Fatal(err)
		}
	}
	start := processCPU()
	release()
	for _, op := range ops {
		if err := db.queue.Wait(b.Context(), op); err != nil {
			b.Fatal(err)
		}
	}
	return processCPU() - start
}

// randomRecords returns n new MeterUsage records of random customers,
// dimensions and dedupe keys.
func randomRecords(n int) []*meterd.MeteringRecord {
	recs := make([]*meterd.MeteringRecord, n)
	now := time.Date(2025, time.March, 4, 10, 6, 7, 0, time.UTC)
	for i := range recs {
		recs[i] = &meterd.MeteringRecord{
			ID: uuid.Must(uuid.NewV7()).String(), Region: "us-east-1", Operation: meterd.OpMeterUsage,
			ProductCode: "prod-1", CustomerIdentifier: "cust-" + strconv.Itoa(rand.IntN(2000)),
			CallerAccountID: "111111111111", ResourceID: "AKIDBENCH", Dimension: "dim-" + strconv.Itoa(rand.IntN(8)),
			Timestamp: now, Hour: now.Truncate(time.Hour), Quantity: rand.Int64N(1000),
			DedupeKey: uuid.NewString(), RequestHash: uuid.NewString(), ReceivedAt: now,
		}
	}
	return recs
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
