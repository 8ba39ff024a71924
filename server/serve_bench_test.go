package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/store/sqlite"
)

// BenchmarkServeMeterUsage measures a MeterUsage's request path in the
// server alone, as a node wires it (guard, SigV4, decoding, rules, catalog
// lookups, answer, metrics, the Info line as JSON, the audit event) but
// without the network, the ledger writer (RecordUsage answers at once) or
// the audit writer (the event is built, then dropped): the part of a
// request's CPU that neither the bench floor nor the writers account for.
// Requests are signed before the timer starts.
//
//	go test -run='^$' -bench=ServeMeterUsage -benchmem ./server
func BenchmarkServeMeterUsage(b *testing.B) {
	s := newServer(b, func(s metering.Store) metering.Store { return acceptingLedger{s} })
	s.Metrics = server.NewMetrics()
	s.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s.Audit = audit.New(nil, meterd.SystemClock{}, audit.Config{}, nil) // no buffer: every event dropped
	s.Verifier.Lookup = s.Store.(*sqlite.DB).SharedAccessKey            // as node wires it
	h := server.NewGuard(server.DefaultLimits()).Handler(s.Handler())
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = signedMeterUsage(b, i)
	}
	b.ReportAllocs()
	cpu := processCPU()
	b.ResetTimer()
	for _, req := range reqs {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.StopTimer()
	// CPU time, unlike ns/op, stays put on a machine shared with other
	// jobs; it includes the garbage collector's work.
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time (user and system) the process has used, or
// 0 where the OS does not tell.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// signedMeterUsage is the demo buyer's MeterUsage of this hour, its
// quantity i, signed as an AWS SDK signs it.
func signedMeterUsage(tb testing.TB, i int) *http.Request {
	body := fmt.Appendf(nil, `{"ProductCode":"demo-ami","UsageDimension":"vcpu_hours","UsageQuantity":%d,"Timestamp":%d}`,
		i%1000+1, time.Now().Truncate(time.Hour).Unix())
	req := httptest.NewRequest(http.MethodPost, "http://meterd/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSMPMeteringService.MeterUsage")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), buyerCreds, req, hex.EncodeToString(sum[:]),
		"aws-marketplace", "us-east-1", time.Now()); err != nil {
		tb.Fatal(err)
	}
	return req
}

// acceptingLedger stores nothing and answers every record as inserted.
type acceptingLedger struct{ metering.Store }

func (acceptingLedger) RecordUsage(_ context.Context, recs []*meterd.MeteringRecord) ([]meterd.RecordOutcome, error) {
	out := make([]meterd.RecordOutcome, len(recs))
	for i := range out {
		out[i].Inserted = true
	}
	return out, nil
}
