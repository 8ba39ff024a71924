package sqlite_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/sqlite"
)

// The benchmarks write records shaped like real traffic, because index
// costs depend on the keys: ids as the metering package makes them, dedupe
// keys and client tokens that are random digests and UUIDs, usage spread
// over 2,000 customers, a few products and dimensions and the 6 hours
// BatchMeterUsage accepts. Sequential ids and keys would append to every
// index and hide the page I/O that random ones cause. Every record is new
// usage, as in a load test. Each variant starts from a ledger of
// benchPrefill records, so that the indexes outgrow the page cache as they
// do after minutes of load. Run with a fixed count, for example
//
//	go test -run='^$' -bench=RecordUsage -benchtime=20000x -benchmem -count=3 ./store/sqlite
const (
	benchCustomers  = 2000
	benchProducts   = 4
	benchDimensions = 8
	benchHours      = 6
	benchPrefill    = 100_000
)

// benchCase is one way of calling RecordUsage.
type benchCase struct {
	name     string
	parallel bool
	records  int  // per call: 1 for MeterUsage, 25 for a full BatchMeterUsage
	token    bool // MeterUsage with a ClientToken, looked up before the insert
}

var benchCases = []benchCase{
	{name: "serial/records=1", records: 1},
	{name: "serial/records=1/token", records: 1, token: true},
	{name: "serial/records=25", records: 25},
	{name: "parallel/records=1", parallel: true, records: 1},
	{name: "parallel/records=1/token", parallel: true, records: 1, token: true},
	{name: "parallel/records=25", parallel: true, records: 25},
}

// benchID makes a MeteringRecordId the way the metering package does
// (time-ordered UUIDv7).
func benchID() string { return uuid.Must(uuid.NewV7()).String() }

// benchRecords returns n new records of random customers, dimensions and
// hours before now; seq keeps their dedupe keys distinct.
func benchRecords(seq *atomic.Int64, n int, token bool) []*meterd.MeteringRecord {
	recs := make([]*meterd.MeteringRecord, n)
	now := time.Date(2025, time.March, 4, 10, 6, 7, 0, time.UTC)
	for i := range recs {
		ts := now.Add(-rand.N(benchHours * time.Hour))
		r := &meterd.MeteringRecord{
			ID: benchID(), Region: "us-east-1", Operation: meterd.OpBatchMeterUsage,
			ProductCode:        "prod-" + strconv.Itoa(rand.IntN(benchProducts)),
			CustomerIdentifier: "cust-" + strconv.Itoa(rand.IntN(benchCustomers)),
			CallerAccountID:    "111111111111", ResourceID: "AKIDBENCH",
			Dimension: "dim-" + strconv.Itoa(rand.IntN(benchDimensions)),
			Timestamp: ts, Hour: ts.Truncate(time.Hour), Quantity: rand.Int64N(1000),
			ReceivedAt: now,
		}
		r.DedupeKey = r.Operation + ":" + benchDigest(r, seq.Add(1))
		r.RequestHash = benchDigest(r, r.Quantity)
		if token {
			r.Operation, r.ClientToken = meterd.OpMeterUsage, uuid.NewString()
		}
		recs[i] = r
	}
	return recs
}

// benchDigest is a SHA-256 in hex, like the metering package's keys.
func benchDigest(r *meterd.MeteringRecord, n int64) string {
	h := sha256.New()
	h.Write([]byte(r.ProductCode + "\x00" + r.CustomerIdentifier + "\x00" + r.Dimension))
	h.Write(binary.AppendVarint(nil, r.Hour.Unix()))
	h.Write(binary.AppendVarint(nil, n))
	return hex.EncodeToString(h.Sum(nil))
}

func BenchmarkRecordUsage(b *testing.B) {
	full := prefill(b)
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			copyLedger(b, full, dir)
			db := mustOpen(b, dir)
			var seq atomic.Int64
			seq.Store(benchPrefill)
			call := func() error {
				_, err := db.RecordUsage(context.Background(), benchRecords(&seq, bc.records, bc.token))
				return err
			}
			written, cpu := writtenBytes(), cpuTime()
			b.ResetTimer()
			if bc.parallel {
				runParallel(b, call)
			} else {
				runSerial(b, call)
			}
			b.StopTimer()
			report(b, db, b.N*bc.records, writtenBytes()-written, cpuTime()-cpu)
		})
	}
}

// prefill makes a data directory holding benchPrefill records, in large
// calls (the fastest way), for each variant to copy.
func prefill(b *testing.B) string {
	dir := b.TempDir()
	db := mustOpen(b, dir)
	var seq atomic.Int64
	for range benchPrefill / 1000 {
		if _, err := db.RecordUsage(context.Background(), benchRecords(&seq, 1000, false)); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return dir
}

// copyLedger copies the database file of a closed store (Close leaves no
// WAL behind) from one data directory to another.
func copyLedger(b *testing.B, from, to string) {
	data, err := os.ReadFile(filepath.Join(from, sqlite.FileName))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, sqlite.FileName), data, 0o600); err != nil {
		b.Fatal(err)
	}
}

func runSerial(b *testing.B, call func() error) {
	for range b.N {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
}

// runParallel calls from 32 goroutines per GOMAXPROCS, like concurrent
// HTTP requests: group commit shares each fsync among the calls queued
// meanwhile.
func runParallel(b *testing.B, call func() error) {
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// report adds records/s, calls/commit (the mean number of calls that
// shared one transaction and fsync) and, where the OS tells, the bytes the
// process wrote and the CPU time it used per record. The last two stay put
// on a shared machine, where records/s does not; CPU time is the whole
// process's (writer, checkpointer, GC and the benchmark's own callers).
func report(b *testing.B, db *sqlite.DB, records int, written int64, cpu time.Duration) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	st := db.WriterStats()
	b.ReportMetric(float64(st.Operations)/float64(st.Groups), "calls/commit")
	if written > 0 {
		b.ReportMetric(float64(written)/float64(records), "wB/record")
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(records), "cpu-µs/record")
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

// writtenBytes is what this process has written with write system calls
// (Linux /proc/self/io wchar), or 0 where that is unknown.
func writtenBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}
