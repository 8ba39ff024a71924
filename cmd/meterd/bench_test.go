package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterd/meterd/node"
)

// BenchmarkBatchMeterUsageHTTP measures durable ingestion through the whole
// server: SigV4, decoding, the rules and the group-committed ledger, with
// 25 new records per call from parallel clients.
//
//	go test -run=^$ -bench=BatchMeterUsageHTTP -benchtime=2000x ./cmd/meterd
func BenchmarkBatchMeterUsageHTTP(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := startServer(b, writeSeed(b, killSeed()), func(c *node.Config) {
				c.Throttle = false
				c.BatchWindow = 100000 * time.Hour // room for b.N distinct hours,
				c.MonthEndGrace = 0                // in any month
			})
			var next atomic.Int64
			hour := time.Now().UTC().Truncate(time.Hour)
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
						body := benchBatch(hour.Add(-time.Duration(n/4)*time.Hour), int(n%4)*25)
						status, answer := postBatch(s.URL, body)
						if status != http.StatusOK || strings.Count(answer, `"Success"`) != 25 {
							b.Errorf("%d %s", status, answer)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N*25)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// benchBatch is 25 records of customers first..first+24 at ts.
func benchBatch(ts time.Time, first int) []byte {
	recs := make([]map[string]any, 25)
	for i := range recs {
		recs[i] = map[string]any{"CustomerIdentifier": fmt.Sprintf("cust-%03d", first+i), "Dimension": "users",
			"Quantity": i, "Timestamp": ts.Unix()}
	}
	body, _ := json.Marshal(map[string]any{"ProductCode": "demo-saas", "UsageRecords": recs})
	return body
}
