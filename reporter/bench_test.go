package reporter

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRecord measures durable Record throughput: each Record returns
// after its group's fsync, so parallel callers share commits.
//
//	go test -run '^$' -bench Record -cpu 1,4,64 ./reporter
func BenchmarkRecord(b *testing.B) {
	f := newFixture(b)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			err := f.r.Record(context.Background(), CustomerID(fmt.Sprint("c", i%500)), "users", 1,
				t0.Add(time.Duration(i%3600)*time.Second))
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
