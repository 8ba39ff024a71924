package server

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// BenchmarkLogUsage measures the Info line of an accepted call, written
// as JSON (to io.Discard) and discarded by level:
//
//	go test -run='^$' -bench=LogUsage -benchmem ./server
func BenchmarkLogUsage(b *testing.B) {
	q := int32(3)
	batch := &meterd.BatchMeterUsageResult{}
	for range 25 {
		batch.Results = append(batch.Results, meterd.UsageRecordResult{Status: meterd.StatusSuccess,
			MeteringRecordId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", UsageRecord: &meterd.UsageRecord{
				CustomerIdentifier: "cust-0123456789", Dimension: "users", Quantity: &q}})
	}
	caller := meterd.Caller{AccessKeyID: "AKIAEXAMPLE", AccountID: "444455556666", Region: "us-east-1"}
	calls := map[string]apiCall{
		"MeterUsage": {op: meterd.OpMeterUsage, caller: caller,
			in:  &meterd.MeterUsageRequest{ProductCode: "prod-1", UsageDimension: "users", UsageQuantity: 3},
			out: &meterd.MeterUsageResult{MeteringRecordId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}},
		"BatchMeterUsage/records=25": {op: meterd.OpBatchMeterUsage, caller: caller,
			in: &meterd.BatchMeterUsageRequest{ProductCode: "prod-1"}, out: batch},
	}
	loggers := map[string]*slog.Logger{
		"info":  slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
		"error": slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})),
	}
	for _, name := range []string{"MeterUsage", "BatchMeterUsage/records=25"} {
		for _, level := range []string{"info", "error"} {
			b.Run(name+"/level="+level, func(b *testing.B) {
				s := &Server{Logger: loggers[level]}
				b.ReportAllocs()
				for b.Loop() {
					s.logRequest("req-1", calls[name], nil, time.Millisecond)
				}
			})
		}
	}
}
