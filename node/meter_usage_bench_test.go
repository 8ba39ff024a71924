package node_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/meterd/meterd/bench"
)

// BenchmarkMeterUsageHTTP drives a whole meterd (SigV4, decoding, rules,
// audit, metrics, group-committed ledger) with the load generator's
// meter-usage scenario over loopback, as scripts/bench.sh does, so that
// `-cpuprofile` shows where a request's server CPU goes. Each iteration
// is one second of load from 64 clients, after a warm-up; ns/op and allocs/op are per
// answered request, client side included.
//
//	go test -run=^$ -bench=MeterUsageHTTP -benchtime=5x -cpuprofile=cpu.out ./node
//
// log=off discards the log, as a test does; log=info writes it at Info
// (as JSON, to io.Discard), as a server does: every accepted call logs
// one line.
func BenchmarkMeterUsageHTTP(b *testing.B) {
	b.Run("log=off", func(b *testing.B) { benchmarkHTTP(b, "meter-usage", 64, nil) })
	b.Run("log=info", func(b *testing.B) {
		benchmarkHTTP(b, "meter-usage", 64, slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})))
	})
}

// BenchmarkBatch25HTTP is BenchmarkMeterUsageHTTP for bench.sh's Batch25
// c=16 scenario: 16 clients each sending BatchMeterUsage calls of 25 new
// records. records/s is what its target is stated in.
//
//	go test -run=^$ -bench=Batch25HTTP -benchtime=5x -cpuprofile=cpu.out ./node
//
// METERD_BENCH_CPUPROFILE=cpu.out instead of -cpuprofile profiles only the
// measured load (see profileWindow).
func BenchmarkBatch25HTTP(b *testing.B) { benchmarkHTTP(b, "batch25", 16, nil) }

// BenchmarkMeterUsageFloorHTTP is BenchmarkMeterUsageHTTP against the
// fsync floor (bench.Floor with an append file) in this process, so that
// meterd's cpu-µs/record has its floor's beside it, measured alike: the
// ratio of the two is the ratio of requests/s a CPU-bound run reaches.
//
//	go test -run=^$ -bench='MeterUsage(Floor)?HTTP/?(log=info)?$' -benchtime=5x ./node
func BenchmarkMeterUsageFloorHTTP(b *testing.B) {
	f := bench.NewFixture(2000)
	floor, err := bench.NewFloor(bench.FloorConfig{Fixture: f, AppendFile: filepath.Join(b.TempDir(), "records")})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- floor.Serve(ctx, ln) }()
	b.Cleanup(func() {
		stop()
		if err := errors.Join(<-served, floor.Close()); err != nil {
			b.Error(err)
		}
	})
	measureHTTP(b, "http://"+ln.Addr().String(), f, "meter-usage", 64)
}

// benchmarkHTTP runs scenario from concurrency clients against a whole
// meterd logging to logger; each iteration is one second of load.
func benchmarkHTTP(b *testing.B, scenario string, concurrency int, logger *slog.Logger) {
	f := bench.NewFixture(2000)
	s, err := bench.Spawn(context.Background(), f, b.TempDir(), logger)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Stop(); err != nil {
			b.Error(err)
		}
	})
	measureHTTP(b, s.Node.URL(), f, scenario, concurrency)
}

// measureHTTP runs scenario from concurrency clients against url after a
// warm-up and reports the figures of the measured load.
func measureHTTP(b *testing.B, url string, f *bench.Fixture, scenario string, concurrency int) {
	// The warm-up fills the catalog cache with the 2,000 buyers' keys and
	// subscriptions, as a long run does, so that what is measured is the
	// steady state rather than the first lookups.
	cfg := bench.Config{URL: url, Scenario: scenario, Concurrency: concurrency,
		Duration: 5 * time.Second, Region: "us-east-1", Fixture: f}
	if _, err := bench.Run(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	cfg.Duration = time.Duration(b.N) * time.Second
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stopProfile := profileWindow(b)
	cpu := cpuTime()
	b.ResetTimer()
	rep, err := bench.Run(context.Background(), cfg)
	b.StopTimer()
	stopProfile()
	cpu = cpuTime() - cpu
	runtime.ReadMemStats(&after)
	if err != nil {
		b.Fatal(err)
	}
	if rep.ErrorCount() != 0 || rep.Requests == 0 {
		b.Fatalf("%d answered, errors %v", rep.Requests, rep.Errors)
	}
	n := float64(rep.Requests)
	b.ReportMetric(rep.RequestsPerSecond, "req/s")
	if rep.Records > 0 {
		b.ReportMetric(rep.RecordsPerSecond, "records/s")
		// CPU time, unlike records/s, stays put on a shared machine. It is
		// the whole process's: server and load generator.
		b.ReportMetric(float64(cpu.Microseconds())/float64(rep.Records), "cpu-µs/record")
	}
	b.ReportMetric(rep.Seconds*1e9/n, "ns/req")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/req")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B/req")
}

// profileWindow starts a CPU profile into $METERD_BENCH_CPUPROFILE, when
// set, and returns what stops it: unlike -cpuprofile, the profile holds
// only the measured load, not the start, the warm-up's first catalog
// lookups or the shutdown.
func profileWindow(b *testing.B) (stop func()) {
	path := os.Getenv("METERD_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
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
